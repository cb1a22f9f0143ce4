/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The physical directory of a file named by a string. The kernel gives a
 * file named by a string (unlink, rename, a failed open...) as the
 * resolved directory the string is relative to, plus the string: a
 * tracepoint cannot look the string up. Joined lexically, "link/f" with
 * link a symlink to /srv would read "cwd/link/f" where the kernel went to
 * "/srv/f". So the string's directory part, when it has one, is opened
 * here (O_PATH, the kernel following symlinks and ".." as the caller's
 * call did) and its path read back from /proc/self/fd.
 *
 * Only for processes that share the probe's root and mount namespace
 * (the kernel says so: CWS_KEV_SYS_SAME_ROOT), where a path means the
 * same to both; for others (containers, chroots) the lexical join stands. This runs after the call, so it sees the
 * directory as it is then: a directory removed meanwhile keeps the
 * lexical path. Results are kept for RESOLVE_TTL_MS so that a loop over
 * one directory costs one lookup, not one per event.
 */
#include "compat.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define RESOLVE_SLOTS 64
#define RESOLVE_TTL_MS 200

struct resolved {
	long long at; /* monotonic ms, 0: empty */
	char key[CWS_KEV_PATH_MAX + 1]; /* the directory as named */
	char dir[CWS_KEV_PATH_MAX + 1]; /* as the kernel resolves it */
};

struct cws_realdir {
	struct resolved slot[RESOLVE_SLOTS];
	char key[CWS_KEV_PATH_MAX + 1];
};

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct cws_realdir *cws_realdir_new(void)
{
	return calloc(1, sizeof(struct cws_realdir));
}

void cws_realdir_free(struct cws_realdir *r)
{
	free(r);
}

/* Opens dir and reads back its path into out; false if either fails. */
static bool lookup_dir(const char *dir, char *out, size_t cap)
{
	char link[64];
	ssize_t n;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, cap - 1);
	close(fd);
	if (n <= 0 || (size_t)n >= cap - 1 || out[0] != '/')
		return false;
	out[n] = '\0';
	return true;
}

long cws_realdir_join(struct cws_realdir *r, const char *base, const char *str,
		      char *out, size_t cap)
{
	const char *slash, *name;
	struct resolved *s;
	size_t len = strlen(str), dlen, nlen;
	long long now;
	int n;

	/* The last component, trailing slashes aside: rmdir("a/b/"). */
	while (len > 1 && str[len - 1] == '/')
		len--;
	slash = memrchr(str, '/', len);
	if (!slash)
		return -1; /* no directory part: the join is exact */
	name = slash + 1;
	nlen = len - (size_t)(name - str);
	if (!nlen || (nlen == 1 && name[0] == '.') ||
	    (nlen == 2 && name[0] == '.' && name[1] == '.'))
		return -1;
	dlen = (size_t)(slash - str);
	if (str[0] == '/')
		n = snprintf(r->key, sizeof(r->key), "%.*s", (int)dlen, str);
	else
		n = snprintf(r->key, sizeof(r->key), "%s/%.*s", base, (int)dlen,
			     str);
	if (n < 0 || (size_t)n >= sizeof(r->key))
		return -1;
	if (!r->key[0])
		n = snprintf(r->key, sizeof(r->key), "/");

	now = mono_ms();
	s = &r->slot[hash(r->key) % RESOLVE_SLOTS];
	if (!s->at || now - s->at > RESOLVE_TTL_MS || strcmp(s->key, r->key)) {
		s->at = 0;
		if (!lookup_dir(r->key, s->dir, sizeof(s->dir)))
			return -1;
		memcpy(s->key, r->key, (size_t)n + 1);
		s->at = now;
	}
	n = snprintf(out, cap, "%s%s%.*s", s->dir,
		     strcmp(s->dir, "/") ? "/" : "", (int)nlen, name);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}
