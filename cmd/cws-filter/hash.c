/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The hash action's hasher, Datadog's hash resolver
 * (pkg/security/resolvers/hash): a file of an event is opened as its
 * process sees it, /proc/<pid>/root/<path> (and, on the host, as pid 1
 * sees it, for a process already gone), checked against the size limit,
 * and read once through every configured algorithm: sha1, sha256 and md5
 * with libcrypto's EVP, ssdeep with libfuzzy. What could not be hashed
 * is a state, with Datadog's names, never an error of cws-filter.
 *
 * A token bucket caps how many files are read per second, and the
 * results of the last files hashed are kept (path, inode, container), as
 * Datadog's LRU does: a file executed a thousand times is read once.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fuzzy.h>
#include <openssl/evp.h>

#include "broker.h"
#include "hash.h"

static const char *const state_names[] = {
	[HASH_NO_HASH] = "NoHash",
	[HASH_DONE] = "Done",
	[HASH_FILE_NOT_FOUND] = "FileNotFound",
	[HASH_PATHNAME_ERROR] = "PathnameResolutionError",
	[HASH_FILE_TOO_BIG] = "FileTooBig",
	[HASH_FILE_EMPTY] = "FileEmpty",
	[HASH_FILE_OPEN_ERROR] = "FileOpenError",
	[HASH_EVENT_TYPE_NOT_CONFIGURED] = "EventTypeNotConfigured",
	[HASH_RATE_LIMITED] = "HashWasRateLimited",
	[HASH_FAILED] = "HashFailed",
};

static const char *const algo_names[] = {
	[HASH_SHA1] = "sha1",
	[HASH_SHA256] = "sha256",
	[HASH_MD5] = "md5",
	[HASH_SSDEEP] = "ssdeep",
};

const char *hash_state_name(enum hash_state s)
{
	if ((unsigned)s >= CWS_ARRAY_SIZE(state_names))
		return "HashFailed";
	return state_names[s];
}

int hash_algo_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(algo_names); i++)
		if (!strcmp(name, algo_names[i]))
			return (int)i;
	return -1;
}

struct cache_entry {
	char *path;
	char *container_id; /* "" on the host */
	uint64_t inode;
	uint64_t used; /* the hasher's clock: least recent goes first */
	struct hash_result res;
};

struct hasher {
	struct hash_opts o;
	double tokens;
	uint64_t last_ns;
	struct cache_entry *cache;
	size_t ncache;
	uint64_t clock;
	struct hash_stats stats;
};

struct hasher *hasher_new(const struct hash_opts *o)
{
	struct hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->o = *o;
	if (!h->o.proc)
		h->o.proc = "/proc";
	h->tokens = (double)o->burst;
	if (o->cache_size) {
		h->cache = calloc(o->cache_size, sizeof(*h->cache));
		if (!h->cache) {
			free(h);
			return NULL;
		}
	}
	return h;
}

void hasher_free(struct hasher *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->ncache; i++) {
		free(h->cache[i].path);
		free(h->cache[i].container_id);
	}
	free(h->cache);
	free(h);
}

const struct hash_stats *hasher_stats(const struct hasher *h)
{
	return &h->stats;
}

/* The bucket refills at rate per second up to burst (x/time/rate). */
static bool allow(struct hasher *h, uint64_t now_ns)
{
	if (now_ns > h->last_ns) {
		h->tokens +=
			(double)(now_ns - h->last_ns) * (double)h->o.rate / 1e9;
		if (h->tokens > (double)h->o.burst)
			h->tokens = (double)h->o.burst;
	}
	h->last_ns = now_ns;
	if (h->tokens < 1)
		return false;
	h->tokens -= 1;
	return true;
}

static struct cache_entry *cache_find(struct hasher *h, const char *path,
				      const char *cid, uint64_t inode)
{
	size_t i;

	for (i = 0; i < h->ncache; i++) {
		struct cache_entry *e = &h->cache[i];

		if (e->inode == inode && !strcmp(e->path, path) &&
		    !strcmp(e->container_id, cid)) {
			e->used = ++h->clock;
			return e;
		}
	}
	return NULL;
}

static void cache_put(struct hasher *h, const char *path, const char *cid,
		      uint64_t inode, const struct hash_result *res)
{
	struct cache_entry *e;
	char *p = strdup(path), *c = strdup(cid);
	size_t i, oldest = 0;

	if (!h->o.cache_size || !p || !c) {
		free(p);
		free(c);
		return;
	}
	if (h->ncache < h->o.cache_size) {
		e = &h->cache[h->ncache++];
	} else {
		for (i = 1; i < h->ncache; i++)
			if (h->cache[i].used < h->cache[oldest].used)
				oldest = i;
		e = &h->cache[oldest];
		free(e->path);
		free(e->container_id);
	}
	e->path = p;
	e->container_id = c;
	e->inode = inode;
	e->used = ++h->clock;
	e->res = *res;
}

/* Opens path in pid's mount namespace; -errno on failure. */
static int open_in(const struct hasher *h, uint32_t pid, const char *path)
{
	char full[CWS_HASH_MAX_PATH + 64];
	int fd;

	/* In the sandbox, the action broker opens it (broker.c). */
	if (broker_running())
		return broker_open(pid, path);
	if ((size_t)snprintf(full, sizeof(full), "%s/%u/root%s", h->o.proc, pid,
			     path) >= sizeof(full))
		return -ENAMETOOLONG;
	/* Not blocking: a FIFO must not stall the stream. */
	fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

struct digests {
	EVP_MD_CTX *md[HASH_MAX_ALGOS];
	struct fuzzy_state *fz;
};

static void digests_release(struct digests *d)
{
	size_t i;

	for (i = 0; i < HASH_MAX_ALGOS; i++)
		EVP_MD_CTX_free(d->md[i]);
	if (d->fz)
		fuzzy_free(d->fz);
}

static const EVP_MD *md_of(enum hash_algo a)
{
	switch (a) {
	case HASH_SHA1:
		return EVP_sha1();
	case HASH_SHA256:
		return EVP_sha256();
	case HASH_MD5:
		return EVP_md5();
	default:
		return NULL;
	}
}

/* Feeds the file to every algorithm; returns 0, -EFBIG or -errno. */
static int digest_fd(const struct hasher *h, int fd, uint64_t max,
		     struct digests *d, bool *ok)
{
	static char buf[65536];
	uint64_t total = 0;
	unsigned i;
	ssize_t n;

	for (i = 0; i < h->o.nalgos; i++) {
		enum hash_algo a = h->o.algos[i];

		if (a == HASH_SSDEEP) {
			d->fz = fuzzy_new();
			ok[i] = d->fz != NULL;
		} else {
			d->md[i] = EVP_MD_CTX_new();
			ok[i] = d->md[i] &&
				EVP_DigestInit_ex(d->md[i], md_of(a), NULL);
		}
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
		total += (uint64_t)n;
		if (total > max)
			return -EFBIG; /* it grew since fstat */
		for (i = 0; i < h->o.nalgos; i++) {
			if (!ok[i])
				continue;
			if (h->o.algos[i] == HASH_SSDEEP)
				ok[i] = !fuzzy_update(
					d->fz, (const unsigned char *)buf,
					(size_t)n);
			else
				ok[i] = EVP_DigestUpdate(d->md[i], buf,
							 (size_t)n);
		}
	}
}

/* Writes "algo:digest" for each algorithm that worked. */
static void finish(const struct hasher *h, struct digests *d, const bool *ok,
		   struct hash_result *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	char fz[FUZZY_MAX_RESULT];
	unsigned i, len, j;

	out->n = 0;
	for (i = 0; i < h->o.nalgos; i++) {
		enum hash_algo a = h->o.algos[i];
		char *t = out->text[out->n];
		size_t at;

		if (!ok[i])
			continue;
		at = (size_t)snprintf(t, CWS_HASH_MAX_TEXT,
				      "%s:", algo_names[a]);
		if (a == HASH_SSDEEP) {
			if (fuzzy_digest(d->fz, fz, 0))
				continue;
			snprintf(t + at, CWS_HASH_MAX_TEXT - at, "%s", fz);
		} else {
			if (!EVP_DigestFinal_ex(d->md[i], md, &len))
				continue;
			for (j = 0; j < len && at + 2 < CWS_HASH_MAX_TEXT;
			     j++) {
				t[at++] = hex[md[j] >> 4];
				t[at++] = hex[md[j] & 15];
			}
			t[at] = '\0';
		}
		out->n++;
	}
	out->state = out->n || !h->o.nalgos ? HASH_DONE : HASH_FAILED;
}

static void hash_file(struct hasher *h, const struct hash_req *q, uint64_t max,
		      struct hash_result *out)
{
	struct digests d = { 0 };
	bool ok[HASH_MAX_ALGOS] = { false };
	struct stat st;
	int fd = -ENOENT, rc;

	fd = open_in(h, q->pid, q->path);
	/*
	 * On the host, the file as init sees it: the process may be gone.
	 * Init's root refused (no privileges) says nothing of the file.
	 */
	if (fd < 0 && !q->container_id && q->pid != 1) {
		int fd1 = open_in(h, 1, q->path);

		if (fd1 >= 0 || fd1 == -ENOENT)
			fd = fd1;
	}
	if (fd == -ENOENT) {
		out->state = HASH_FILE_NOT_FOUND;
		return;
	}
	if (fd < 0) {
		out->state = HASH_FILE_OPEN_ERROR;
		return;
	}
	if (fstat(fd, &st)) {
		out->state = HASH_FILE_NOT_FOUND;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		out->state = HASH_DONE; /* as Datadog: nothing to hash */
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		out->state = HASH_FILE_TOO_BIG;
		goto out_close;
	}
	if (!st.st_size) {
		out->state = HASH_FILE_EMPTY;
		goto out_close;
	}
	if (!allow(h, q->now_ns)) {
		out->state = HASH_RATE_LIMITED;
		goto out_close;
	}
	rc = digest_fd(h, fd, max, &d, ok);
	if (rc == -EFBIG)
		out->state = HASH_FILE_TOO_BIG;
	else if (rc)
		out->state = HASH_FILE_OPEN_ERROR;
	else
		finish(h, &d, ok, out);
	digests_release(&d);
	if (out->state == HASH_DONE) {
		h->stats.hashed++;
		cache_put(h, q->path, q->container_id ? q->container_id : "",
			  q->inode, out);
	}
out_close:
	close(fd);
}

void hasher_hash(struct hasher *h, const struct hash_req *q,
		 struct hash_result *out)
{
	uint64_t max = q->max_file_size ? q->max_file_size : h->o.max_file_size;
	struct cache_entry *e;

	memset(out, 0, sizeof(*out));
	if ((unsigned)q->type >= 64 || !(h->o.event_types & (1ull << q->type)))
		out->state = HASH_EVENT_TYPE_NOT_CONFIGURED;
	else if (!q->path || q->path[0] != '/' ||
		 strlen(q->path) >= CWS_HASH_MAX_PATH)
		out->state = HASH_PATHNAME_ERROR;
	else if ((e = cache_find(h, q->path,
				 q->container_id ? q->container_id : "",
				 q->inode))) {
		*out = e->res;
		h->stats.cache_hits++;
	} else {
		hash_file(h, q, max, out);
	}
	h->stats.states[out->state]++;
}
