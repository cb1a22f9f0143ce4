/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The spool: every batch cws-ship accepted and some endpoint has not yet
 * had acknowledged. Layout, all under spool_dir (mode 0700):
 *
 *	lock                  flock'd: one cws-ship per spool
 *	id                    random, names batches across restarts
 *	current.part          the journal of the batch being filled
 *	tmp-<seq>             a batch being written
 *	ep-<hash>/url         the endpoint's URL, for people
 *	ep-<hash>/<seq>.batch one hard link per endpoint still to send it
 *
 * A batch is written once as tmp-<seq> and fsync'd, then hard-linked
 * into the directory of every endpoint, whose directories are fsync'd,
 * and only then handed to the senders; the tmp name goes last. Each
 * sender unlinks its link after a 2xx (or a drop), so the file system
 * frees the data when the last endpoint is done. A crash at any point
 * leaves either the tmp file (relinked at start) or the links: at least
 * once, never lost.
 *
 * The index of batches lives in memory, oldest first; it is rebuilt from
 * the directories at start, so it is never written itself.
 */
#include "compat.h"
#include "ship.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#include <zlib.h>

long long ship_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

/* mkdir -p, the last component with mode. */
static int mkdirs(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (i = 1; i < n; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		tmp[i] = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static void ep_dir(const struct spool *sp, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", sp->dir, sp->eps->ep[i].id);
}

void spool_batch_path(const struct spool *sp, size_t i, uint64_t seq, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/%s/%016" PRIx64 ".batch", sp->dir,
		 sp->eps->ep[i].id, seq);
}

void spool_part_path(const struct spool *sp, char *buf, size_t len)
{
	snprintf(buf, len, "%s/current.part", sp->dir);
}

static void tmp_path(const struct spool *sp, uint64_t seq, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/tmp-%016" PRIx64, sp->dir, seq);
}

/* --- the index ---------------------------------------------------------- */

static struct batch_ent *at(const struct spool *sp, size_t k)
{
	return &sp->ents[(sp->head + k) % sp->cap];
}

static int push(struct spool *sp, const struct batch_ent *e)
{
	struct batch_ent *n;
	size_t k, cap;

	if (sp->n == sp->cap) {
		cap = sp->cap ? sp->cap * 2 : 64;
		n = malloc(cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		for (k = 0; k < sp->n; k++)
			n[k] = *at(sp, k);
		free(sp->ents);
		sp->ents = n;
		sp->head = 0;
		sp->cap = cap;
	}
	*at(sp, sp->n) = *e;
	sp->n++;
	sp->bytes += e->bytes;
	return 0;
}

/* Index of seq, or -1 (seqs increase from head to tail). */
static long find(const struct spool *sp, uint64_t seq)
{
	size_t lo = 0, hi = sp->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (at(sp, mid)->seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sp->n && at(sp, lo)->seq == seq ? (long)lo : -1;
}

/* Drops finished batches from the front. */
static void pop_done(struct spool *sp)
{
	size_t i;

	while (sp->n && !at(sp, 0)->pending) {
		sp->bytes -= at(sp, 0)->bytes;
		sp->head = (sp->head + 1) % sp->cap;
		sp->n--;
		for (i = 0; i < sp->eps->n; i++)
			if (sp->cursor[i])
				sp->cursor[i]--;
	}
}

/* --- opening ------------------------------------------------------------ */

static int instance_id(struct spool *sp)
{
	char path[PATH_MAX], tmp[PATH_MAX], buf[32];
	unsigned char rnd[8];
	ssize_t n;
	int fd, rc, i;

	snprintf(path, sizeof(path), "%s/id", sp->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, 16);
		close(fd);
		if (n == 16) {
			memcpy(sp->instance, buf, 16);
			sp->instance[16] = '\0';
			for (i = 0; i < 16; i++)
				if (!strchr("0123456789abcdef", buf[i]))
					break;
			if (i == 16)
				return 0;
		}
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	for (i = 0; i < 8; i++)
		snprintf(sp->instance + 2 * i, 3, "%02x", rnd[i]);
	snprintf(tmp, sizeof(tmp), "%s/.id.tmp", sp->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, sp->instance, 16);
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	return rc;
}

static bool parse_name(const char *name, uint64_t *seq)
{
	char *end;

	if (strlen(name) != 22 || strcmp(name + 16, ".batch"))
		return false;
	errno = 0;
	*seq = strtoull(name, &end, 16);
	return !errno && end == name + 16;
}

/* Reads a batch file's header: its message count (0 if unreadable). */
static uint32_t file_count(const char *path)
{
	char buf[SPOOL_HDR_MAX];
	struct spool_hdr h;
	const char *why;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0 || spool_hdr_parse(buf, (size_t)n, &h, &why) < 0)
		return 0;
	return h.count;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct batch_ent *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Adds what endpoint i's directory holds to a flat list. */
static int scan_ep(struct spool *sp, size_t i, struct batch_ent **list,
		   size_t *n, size_t *cap)
{
	char dir[600], path[900];
	struct dirent *de;
	struct stat st;
	uint64_t seq;
	DIR *d;
	size_t k;

	ep_dir(sp, i, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!parse_name(de->d_name, &seq))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		for (k = 0; k < *n && (*list)[k].seq != seq; k++)
			;
		if (k == *n) {
			if (*n == *cap) {
				struct batch_ent *nl;

				*cap = *cap ? *cap * 2 : 64;
				nl = realloc(*list, *cap * sizeof(*nl));
				if (!nl) {
					closedir(d);
					return -ENOMEM;
				}
				*list = nl;
			}
			memset(&(*list)[k], 0, sizeof(**list));
			(*list)[k].seq = seq;
			(*list)[k].bytes = (uint64_t)st.st_size;
			(*list)[k].count = file_count(path);
			(*n)++;
		}
		(*list)[k].pending |= 1u << i;
	}
	closedir(d);
	return 0;
}

/* Batches a crash left as tmp-<seq>: link them where they are missing. */
static void relink_tmp(struct spool *sp, const char *name)
{
	char tmp[PATH_MAX + 32], dst[PATH_MAX];
	char buf[SPOOL_HDR_MAX];
	struct spool_hdr h;
	const char *why;
	ssize_t n;
	size_t i;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/%s", sp->dir, name);
	fd = open(tmp, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && spool_hdr_parse(buf, (size_t)n, &h, &why) > 0) {
		for (i = 0; i < sp->eps->n; i++) {
			spool_batch_path(sp, i, h.seq, dst, sizeof(dst));
			if (link(tmp, dst) && errno != EEXIST)
				cws_warn("spool: cannot link '%s'", dst);
		}
		for (i = 0; i < sp->eps->n; i++) {
			ep_dir(sp, i, dst, sizeof(dst));
			fsync_dir(dst);
		}
		cws_info("spool: recovered batch %" PRIu64
			 " (%u events) written before a crash",
			 h.seq, h.count);
	}
	unlink(tmp);
}

/* Endpoint directories nobody sends from any more: said once, kept. */
static void orphan(struct spool *sp, const char *name)
{
	char dir[PATH_MAX + 32], url[1100] = "?";
	struct dirent *de;
	size_t i, nb = 0;
	uint64_t seq;
	ssize_t n;
	DIR *d;
	int fd;

	for (i = 0; i < sp->eps->n; i++)
		if (!strcmp(sp->eps->ep[i].id, name))
			return;
	snprintf(dir, sizeof(dir), "%s/%s", sp->dir, name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		nb += parse_name(de->d_name, &seq);
	closedir(d);
	if (!nb)
		return;
	snprintf(dir, sizeof(dir), "%s/%s/url", sp->dir, name);
	fd = open(dir, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, url, sizeof(url) - 1);
		url[n > 0 ? n : 0] = '\0';
		url[strcspn(url, "\n")] = '\0';
		close(fd);
	}
	cws_warnx("spool: '%s/%s' holds %zu batches for '%s', which is not "
		  "configured any more; they stay there",
		  sp->dir, name, nb, url);
}

static int setup_ep_dirs(struct spool *sp)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	size_t i;
	int rc, fd;

	for (i = 0; i < sp->eps->n; i++) {
		ep_dir(sp, i, dir, sizeof(dir));
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
		snprintf(path, sizeof(path), "%s/url", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		rc = write_all(fd, sp->eps->ep[i].url,
			       strlen(sp->eps->ep[i].url));
		if (!rc)
			rc = write_all(fd, "\n", 1);
		close(fd);
		if (rc)
			return rc;
	}
	return 0;
}

int spool_open(struct spool *sp, const char *dir, uint64_t max_bytes,
	       const struct endpoint_set *eps)
{
	struct batch_ent *list = NULL;
	size_t n = 0, cap = 0, k, i;
	pthread_condattr_t ca;
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->lock_fd = -1;
	sp->eps = eps;
	sp->max_bytes = max_bytes;
	sp->full_rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(60, 3);
	if (snprintf(sp->dir, sizeof(sp->dir), "%s", dir) >=
	    (int)sizeof(sp->dir)) {
		cws_errorx("spool_dir '%s': path too long", dir);
		return -ENAMETOOLONG;
	}
	rc = mkdirs(dir, 0700);
	if (rc) {
		cws_errorx("cannot create spool directory '%s': %s", dir,
			   strerror(-rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/lock", dir);
	sp->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lock_fd < 0) {
		rc = -errno;
		cws_errorx("cannot open '%s': %s", path, strerror(-rc));
		return rc;
	}
	if (flock(sp->lock_fd, LOCK_EX | LOCK_NB)) {
		rc = -errno;
		cws_errorx("spool directory '%s' is in use by another "
			   "cws-ship",
			   dir);
		goto out_close;
	}
	rc = instance_id(sp);
	if (!rc)
		rc = setup_ep_dirs(sp);
	if (rc) {
		cws_errorx("cannot set up spool directory '%s': %s", dir,
			   strerror(-rc));
		goto out_close;
	}
	d = opendir(dir);
	if (!d) {
		rc = -errno;
		cws_errorx("cannot read spool directory '%s': %s", dir,
			   strerror(-rc));
		goto out_close;
	}
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, "tmp-", 4))
			relink_tmp(sp, de->d_name);
		else if (!strncmp(de->d_name, "ep-", 3))
			orphan(sp, de->d_name);
	}
	closedir(d);
	for (i = 0; i < eps->n; i++) {
		rc = scan_ep(sp, i, &list, &n, &cap);
		if (rc) {
			cws_errorx("cannot read spool directory of '%s': %s",
				   eps->ep[i].url, strerror(-rc));
			free(list);
			goto out_close;
		}
	}
	if (n)
		qsort(list, n, sizeof(*list), cmp_ent);
	for (k = 0; k < n; k++) {
		rc = push(sp, &list[k]);
		if (rc) {
			free(list);
			goto out_close;
		}
		if (list[k].seq >= sp->next_seq)
			sp->next_seq = list[k].seq + 1;
	}
	free(list);
	if (!sp->next_seq)
		sp->next_seq = 1;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sp->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&sp->mu, NULL);
	for (i = 0; i < eps->n; i++)
		sp->st[i].state = "idle";
	if (sp->n)
		cws_info("spool: %zu batches (%" PRIu64
			 " bytes) from an earlier run are sent first",
			 sp->n, sp->bytes);
	return 0;

out_close:
	close(sp->lock_fd);
	sp->lock_fd = -1;
	free(sp->ents);
	sp->ents = NULL;
	return rc;
}

void spool_close(struct spool *sp)
{
	if (sp->lock_fd < 0)
		return;
	pthread_cond_destroy(&sp->cv);
	pthread_mutex_destroy(&sp->mu);
	close(sp->lock_fd);
	sp->lock_fd = -1;
	free(sp->ents);
	sp->ents = NULL;
}

bool spool_has(struct spool *sp, uint64_t seq)
{
	bool has;

	pthread_mutex_lock(&sp->mu);
	has = find(sp, seq) >= 0;
	pthread_mutex_unlock(&sp->mu);
	return has;
}

void spool_seen_seq(struct spool *sp, uint64_t seq)
{
	pthread_mutex_lock(&sp->mu);
	if (seq >= sp->next_seq)
		sp->next_seq = seq + 1;
	pthread_mutex_unlock(&sp->mu);
}

uint64_t spool_take_seq(struct spool *sp)
{
	uint64_t s;

	pthread_mutex_lock(&sp->mu);
	s = sp->next_seq++;
	pthread_mutex_unlock(&sp->mu);
	return s;
}

/*
 * Makes room for add bytes: drops the oldest batches no sender has in
 * hand, counting each for every endpoint that still had it. Called
 * locked.
 */
static void make_room(struct spool *sp, uint64_t add)
{
	char path[PATH_MAX];
	size_t k = 0, i;
	uint64_t was;

	while (sp->bytes + add > sp->max_bytes && k < sp->n) {
		struct batch_ent *e = at(sp, k);
		unsigned eps = 0;

		if (e->inflight || !e->pending) {
			k++;
			continue;
		}
		for (i = 0; i < sp->eps->n; i++) {
			if (!(e->pending & (1u << i)))
				continue;
			spool_batch_path(sp, i, e->seq, path, sizeof(path));
			unlink(path);
			sp->st[i].dropped_batches[DROP_SPOOL_FULL]++;
			sp->st[i].dropped_messages[DROP_SPOOL_FULL] += e->count;
			eps++;
		}
		was = sp->bytes + add;
		e->pending = 0;
		sp->bytes -= e->bytes;
		e->bytes = 0;
		sp->full_dropped_batches++;
		sp->full_dropped_messages += e->count;
		if (cws_ratelimit_ok(&sp->full_rl))
			cws_warnx("spool full (%" PRIu64 " bytes with the new "
				  "batch, at most %" PRIu64 "): dropped the "
				  "oldest batch, %u events not delivered to "
				  "%u endpoints",
				  was, sp->max_bytes, e->count, eps);
		k++;
	}
	pop_done(sp);
}

int spool_add(struct spool *sp, uint64_t seq, uint32_t count,
	      const char *encoding, uint64_t raw_len, const void *body,
	      size_t len)
{
	char tmp[PATH_MAX], dst[PATH_MAX], hdr[SPOOL_HDR_MAX];
	struct spool_hdr h = { .seq = seq, .count = count, .raw_len = raw_len };
	struct batch_ent e = { .seq = seq, .count = count };
	size_t i;
	int fd, rc, hl;

	snprintf(h.encoding, sizeof(h.encoding), "%s", encoding);
	snprintf(h.id, sizeof(h.id), "%s-%" PRIu64, sp->instance, seq);
	h.crc = (uint32_t)crc32(0L, (const unsigned char *)body, (unsigned)len);
	hl = spool_hdr_format(&h, hdr, sizeof(hdr));
	if (hl < 0)
		return hl;
	e.bytes = (uint64_t)hl + len;

	pthread_mutex_lock(&sp->mu);
	make_room(sp, e.bytes);
	pthread_mutex_unlock(&sp->mu);

	tmp_path(sp, seq, tmp, sizeof(tmp));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out_err;
	}
	rc = write_all(fd, hdr, (size_t)hl);
	if (!rc)
		rc = write_all(fd, body, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc)
		goto out_unlink;
	for (i = 0; i < sp->eps->n; i++) {
		if (sp->eps->ep[i].mrf && !sp->failover)
			continue;
		spool_batch_path(sp, i, seq, dst, sizeof(dst));
		if (link(tmp, dst) && errno != EEXIST) {
			rc = -errno;
			goto out_unlink;
		}
		e.pending |= 1u << i;
	}
	for (i = 0; i < sp->eps->n; i++) {
		ep_dir(sp, i, dst, sizeof(dst));
		rc = fsync_dir(dst);
		if (rc)
			goto out_unlink;
	}
	unlink(tmp);
	pthread_mutex_lock(&sp->mu);
	rc = push(sp, &e);
	for (i = 0; !rc && i < sp->eps->n; i++) {
		if (!(e.pending & (1u << i))) {
			sp->st[i].skipped_batches++;
			sp->st[i].skipped_messages += count;
			continue;
		}
		sp->st[i].spooled_batches++;
		sp->st[i].spooled_messages += count;
	}
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
	return rc;

out_unlink:
	for (i = 0; i < sp->eps->n; i++) {
		if (e.pending & (1u << i)) {
			spool_batch_path(sp, i, seq, dst, sizeof(dst));
			unlink(dst);
		}
	}
	unlink(tmp);
out_err:
	cws_errorx("spool: cannot write batch %" PRIu64 " in '%s': %s", seq,
		   sp->dir, strerror(-rc));
	return rc;
}

static void abstime(long long ms, struct timespec *ts)
{
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (ms % 1000) * 1000000;
}

int spool_next(struct spool *sp, size_t i, struct batch_ent *ent)
{
	uint32_t bit = 1u << i;
	struct timespec ts;
	size_t k;
	int rc = 0;

	pthread_mutex_lock(&sp->mu);
	for (;;) {
		if (sp->stopping && ship_now_ms() >= sp->deadline_ms)
			break;
		for (k = sp->cursor[i]; k < sp->n; k++) {
			struct batch_ent *e = at(sp, k);

			if ((e->pending & bit) && !(e->inflight & bit))
				break;
		}
		if (k < sp->n) {
			struct batch_ent *e = at(sp, k);

			e->inflight |= bit;
			sp->cursor[i] = k;
			*ent = *e;
			sp->st[i].state = "sending";
			rc = 1;
			break;
		}
		sp->cursor[i] = sp->n;
		sp->st[i].state = "idle";
		if (sp->stopping)
			break;
		abstime(ship_now_ms() + 1000, &ts);
		pthread_cond_timedwait(&sp->cv, &sp->mu, &ts);
	}
	if (!rc)
		sp->st[i].state = "stopped";
	pthread_mutex_unlock(&sp->mu);
	return rc;
}

void spool_done(struct spool *sp, size_t i, const struct batch_ent *ent,
		int drop, size_t bytes)
{
	struct ep_stats *st = &sp->st[i];
	char path[PATH_MAX];
	uint32_t bit = 1u << i;
	long k;

	spool_batch_path(sp, i, ent->seq, path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		cws_warn("spool: cannot remove '%s'", path);
	pthread_mutex_lock(&sp->mu);
	k = find(sp, ent->seq);
	if (k >= 0) {
		struct batch_ent *e = at(sp, (size_t)k);

		e->pending &= ~bit;
		e->inflight &= ~bit;
	}
	if (drop < 0) {
		st->sent_batches++;
		st->sent_messages += ent->count;
		st->sent_bytes += bytes;
		st->last_success_ns = cws_event_now();
	} else {
		st->dropped_batches[drop]++;
		st->dropped_messages[drop] += ent->count;
	}
	pop_done(sp);
	pthread_mutex_unlock(&sp->mu);
}

void spool_release(struct spool *sp, size_t i, const struct batch_ent *ent)
{
	long k;

	pthread_mutex_lock(&sp->mu);
	k = find(sp, ent->seq);
	if (k >= 0) {
		at(sp, (size_t)k)->inflight &= ~(1u << i);
		/* Another thread of i may have moved past it. */
		if ((size_t)k < sp->cursor[i])
			sp->cursor[i] = (size_t)k;
	}
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

bool spool_sleep_until(struct spool *sp, long long ms)
{
	struct timespec ts;
	long long now, until;
	bool ok = true;

	pthread_mutex_lock(&sp->mu);
	for (;;) {
		now = ship_now_ms();
		if (sp->stopping && now >= sp->deadline_ms) {
			ok = false;
			break;
		}
		if (now >= ms)
			break;
		until = ms;
		if (sp->stopping && sp->deadline_ms < until)
			until = sp->deadline_ms;
		abstime(until, &ts);
		pthread_cond_timedwait(&sp->cv, &sp->mu, &ts);
	}
	pthread_mutex_unlock(&sp->mu);
	return ok;
}

bool spool_late(struct spool *sp)
{
	bool late;

	pthread_mutex_lock(&sp->mu);
	late = sp->stopping && ship_now_ms() >= sp->deadline_ms;
	pthread_mutex_unlock(&sp->mu);
	return late;
}

void spool_stop(struct spool *sp, long long deadline_ms)
{
	pthread_mutex_lock(&sp->mu);
	sp->stopping = true;
	sp->deadline_ms = deadline_ms;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mu);
}

void spool_pending(struct spool *sp, size_t i, uint64_t *batches,
		   uint64_t *messages)
{
	size_t k;

	*batches = *messages = 0;
	pthread_mutex_lock(&sp->mu);
	for (k = 0; k < sp->n; k++) {
		if (at(sp, k)->pending & (1u << i)) {
			(*batches)++;
			*messages += at(sp, k)->count;
		}
	}
	pthread_mutex_unlock(&sp->mu);
}
