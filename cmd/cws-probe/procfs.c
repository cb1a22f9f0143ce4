/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Parsers of what the probe reads under /proc: a process's stat and
 * status, mountinfo, the lines of /proc/PID/cgroup and the container id
 * in a cgroup path. Pure functions on a buffer (but the mountinfo
 * walker, which reads the file), so that tests/fuzz/procfs_fuzz.c runs
 * them on any bytes; cache_proc.c, cache.c, cache_cgroup.c, emit_file.c
 * and emit_proc.c read the files.
 *
 * What a process controls shows up in these files. Its comm is in stat
 * as it is, between parentheses, so it may hold ") " or a newline: the
 * last ')' of the file ends it (status escapes it). The paths of what it
 * mounted in a mount namespace of its own are in mountinfo, with blanks,
 * newlines and backslashes as octal escapes: a line is read whole,
 * however long (getline), and never in pieces that would read as lines
 * of their own.
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache_priv.h"

int cws_procfs_stat(const char *buf, struct cws_procfs_stat *st)
{
	const char *p = strchr(buf, '('), *q = strrchr(buf, ')');
	unsigned long long v[19];
	char *end;
	size_t n;
	int i;

	if (!p || !q || q < p)
		return -EINVAL;
	n = (size_t)(q - p - 1);
	snprintf(st->comm, sizeof(st->comm), "%.*s",
		 (int)(n < sizeof(st->comm) ? n : sizeof(st->comm)), p + 1);
	/* ") S ": the state letter, then fields 4 (ppid) to 22 (starttime). */
	p = q + 1;
	if (p[0] != ' ' || !p[1] || p[1] == ' ')
		return -EINVAL;
	p += 2;
	for (i = 0; i < 19; i++) {
		v[i] = strtoull(p, &end, 10);
		if (end == p)
			return -EINVAL;
		p = end;
	}
	st->ppid = (uint32_t)v[0];
	st->tty_nr = (unsigned long)v[3];
	st->flags = v[5];
	st->starttime = v[18];
	return 0;
}

/* "Uid:\tR\tE\tS\tFS": the real, effective and file system ids. */
static bool ids(const char *buf, const char *key, uint32_t *real, uint32_t *eff,
		uint32_t *fs)
{
	const char *p = strstr(buf, key);
	unsigned long v[4];

	if (!p || sscanf(p + strlen(key), "%lu %lu %lu %lu", &v[0], &v[1],
			 &v[2], &v[3]) != 4)
		return false;
	*real = (uint32_t)v[0];
	*eff = (uint32_t)v[1];
	*fs = (uint32_t)v[3];
	return true;
}

static uint64_t caps(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);

	return p ? strtoull(p + strlen(key), NULL, 16) : 0;
}

void cws_procfs_status(const char *buf, struct cws_procfs_status *st)
{
	const char *p = strstr(buf, "\nTgid:");

	memset(st, 0, sizeof(*st));
	if (p) {
		st->has_tgid = true;
		st->tgid = (uint32_t)strtoul(p + 6, NULL, 10);
	}
	st->has_uid = ids(buf, "\nUid:", &st->uid, &st->euid, &st->fsuid);
	st->has_gid = ids(buf, "\nGid:", &st->gid, &st->egid, &st->fsgid);
	st->cap_effective = caps(buf, "\nCapEff:");
	st->cap_permitted = caps(buf, "\nCapPrm:");
}

/* A decimal mount id, digits only, that fits 32 bits. */
static bool mount_id(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* mountinfo's octal escapes ("\040" for a space), undone in place. */
static void unescape_octal(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/*
 * "36 35 98:0 /root /point rw,noatime master:1 - ext4 /dev/sda1 rw": six
 * fields, optional ones up to a lone "-", then the type and the source.
 */
int cws_procfs_mountinfo(char *line, struct cws_procfs_mount *m)
{
	char *f[6], *save = NULL, *t, *type, *source;
	int i;

	line[strcspn(line, "\n")] = '\0';
	for (i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return -EINVAL;
	}
	while ((t = strtok_r(NULL, " ", &save)) && strcmp(t, "-"))
		;
	type = t ? strtok_r(NULL, " ", &save) : NULL;
	if (!type || !mount_id(f[0], &m->id) || !mount_id(f[1], &m->parent))
		return -EINVAL;
	source = strtok_r(NULL, " ", &save);
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	unescape_octal(type);
	if (source)
		unescape_octal(source);
	m->root = f[3];
	m->point = f[4];
	m->fstype = type;
	m->source = source ? source : "";
	return 0;
}

int cws_procfs_mounts(uint32_t pid,
		      int (*fn)(const struct cws_procfs_mount *m, void *arg),
		      void *arg)
{
	struct cws_procfs_mount m;
	char path[64], *line = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *fp;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%u/mountinfo", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	fp = fopen(path, "re");
	if (!fp)
		return -errno;
	while (!rc && getline(&line, &cap, fp) != -1)
		if (!cws_procfs_mountinfo(line, &m))
			rc = fn(&m, arg);
	free(line);
	fclose(fp);
	return rc;
}

const char *cws_procfs_cgroup_path(const char *line, bool *unified)
{
	const char *p = strchr(line, ':');

	p = p ? strchr(p + 1, ':') : NULL;
	*unified = p && !strncmp(line, "0::", 3);
	return p ? p + 1 : NULL;
}

/* Container ids from cgroup paths. */

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Finds a container id in a cgroup path, nearest component first: a
 * component that is 64 hex digits (docker's /docker/<id>, kubepods'
 * /kubepods/.../<id>), or <runtime>-<64 hex>.scope (systemd drivers:
 * docker-, cri-containerd-, crio-, libpod-). Nearest first, so a nested
 * container is named by the innermost id and podman's
 * libpod-<id>.scope/container is still found.
 */
bool cws_cache_container_id(const char *path, char *out, size_t len)
{
	const char *end = path + strlen(path), *start, *id;
	size_t n;

	while (end > path) {
		start = end;
		while (start > path && start[-1] != '/')
			start--;
		n = (size_t)(end - start);
		if (n > 6 && !memcmp(end - 6, ".scope", 6))
			n -= 6;
		id = start + n;
		while (id > start && id[-1] != '-')
			id--;
		if ((size_t)(start + n - id) == CONTAINER_ID_LEN &&
		    is_hex(id, CONTAINER_ID_LEN) && len > CONTAINER_ID_LEN) {
			memcpy(out, id, CONTAINER_ID_LEN);
			out[CONTAINER_ID_LEN] = '\0';
			return true;
		}
		end = start > path ? start - 1 : path;
	}
	if (len)
		out[0] = '\0';
	return false;
}
