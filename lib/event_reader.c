/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec: the reader. Event records as the writer produces them
 * take the fast path (event_fast.c), which does the three steps of
 * event_decode.c in one walk and keeps the processes it decoded for the
 * next events of the same process; it gives up on anything else, and the
 * three steps then decide.
 *
 * The reader resynchronises after corrupt bytes by sliding one byte at a
 * time until a complete map with a known "type" decodes again, and reports
 * the whole skipped span in one error.
 */
#include "compat.h"
#include "event_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK (64u * 1024)
#define ARENA_SIZE (2u * CWS_EVENT_MAX_RECORD + 512u * 1024)
#define ZONE_CHUNK (64u * 1024)

/* Empties the cache of decoded processes. */
static void cache_clear(struct cws_reader_cache *c)
{
	unsigned i;

	for (i = 0; i < PCACHE_ENTRIES; i++) {
		c->order[i] = (uint8_t)i;
		c->e[i].len = 0;
	}
}

static int reader_alloc(struct cws_reader *r, size_t cap)
{
	r->cap = cap;
	r->buf = malloc(cap);
	r->arena_cap = ARENA_SIZE;
	r->arena = malloc(r->arena_cap);
	/*
	 * One zone for every record, cleared between them: clearing keeps its
	 * first chunk, so records that fit in it unpack with no allocation.
	 */
	r->zone = msgpack_zone_new(ZONE_CHUNK);
	/* Pages of cache entries are only touched when used. */
	r->cache = malloc(sizeof(*r->cache));
	if (r->cache)
		cache_clear(r->cache);
	if (!r->buf || !r->arena || !r->zone || !r->cache) {
		free(r->buf);
		free(r->arena);
		free(r->cache);
		r->cache = NULL;
		if (r->zone)
			msgpack_zone_free(r->zone);
		r->buf = r->arena = NULL;
		r->zone = NULL;
		return -ENOMEM;
	}
	return 0;
}

int cws_reader_init(struct cws_reader *r, int fd)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	return reader_alloc(r, CWS_EVENT_MAX_RECORD + READ_CHUNK);
}

int cws_reader_init_mem(struct cws_reader *r, const void *data, size_t len)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	rc = reader_alloc(r, len ? len : 1);
	if (rc)
		return rc;
	if (len)
		memcpy(r->buf, data, len);
	r->end = len;
	r->eof = true;
	return 0;
}

int cws_reader_reset_mem(struct cws_reader *r, const void *data, size_t len)
{
	struct cws_reader keep = *r;

	if (r->fd != -1 || !r->buf)
		return -EINVAL;
	if (len > keep.cap) {
		keep.buf = realloc(r->buf, len);
		if (!keep.buf)
			return -ENOMEM;
		keep.cap = len;
	}
	cws_proctab_free(r->procs);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->buf = keep.buf;
	r->cap = keep.cap;
	r->arena = keep.arena;
	r->arena_cap = keep.arena_cap;
	r->zone = keep.zone;
	r->cache = keep.cache;
	msgpack_zone_clear(r->zone);
	cache_clear(r->cache);
	if (len)
		memcpy(r->buf, data, len);
	r->end = len;
	r->eof = true;
	return 0;
}

void cws_reader_release(struct cws_reader *r)
{
	if (!r)
		return;
	if (r->peek) {
		close(r->peek_fd[0]);
		close(r->peek_fd[1]);
		if (r->null_fd >= 0)
			close(r->null_fd);
		r->peek = false;
	}
	if (r->zone)
		msgpack_zone_free(r->zone);
	r->zone = NULL;
	free(r->buf);
	free(r->arena);
	free(r->cache);
	cws_proctab_free(r->procs);
	r->procs = NULL;
	r->buf = r->arena = NULL;
	r->cache = NULL;
}

const msgpack_object *cws_reader_object(struct cws_reader *r)
{
	size_t off = 0;

	if (r->obj_ready)
		return &r->obj;
	/* A record the fast path decoded: unpack it now. */
	r->obj_ready = true;
	msgpack_zone_clear(r->zone);
	if (msgpack_unpack(r->buf + r->obj_at, r->obj_len, &off, r->zone,
			   &r->obj) != MSGPACK_UNPACK_SUCCESS)
		r->obj.type = MSGPACK_OBJECT_NIL; /* out of memory */
	return &r->obj;
}

/* --- peek mode ------------------------------------------------------------ */

int cws_reader_peek(struct cws_reader *r)
{
	struct stat st;
	int cap;

	if (r->peek)
		return 0;
	if (r->fd < 0 || fstat(r->fd, &st))
		return r->fd < 0 ? -EINVAL : -errno;
	if (!S_ISFIFO(st.st_mode))
		return -EINVAL;
	cap = fcntl(r->fd, F_GETPIPE_SZ);
	if (cap <= 0 || pipe2(r->peek_fd, O_CLOEXEC))
		return -errno;
	/* tee(2) copies whole pipe buffers: as many as the input has. */
	if (fcntl(r->peek_fd[0], F_SETPIPE_SZ, cap) < cap) {
		int rc = -errno;

		close(r->peek_fd[0]);
		close(r->peek_fd[1]);
		return rc ? rc : -ENOSPC;
	}
	r->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r->pipe_cap = (size_t)cap;
	r->consumed = r->base;
	r->peek = true;
	return 0;
}

uint64_t cws_reader_pos(const struct cws_reader *r)
{
	return r->base + r->start;
}

size_t cws_reader_uncommitted(const struct cws_reader *r, uint64_t upto,
			      const char **p)
{
	if (!r->peek || upto <= r->consumed || upto > r->base + r->end)
		return 0;
	*p = r->buf + (r->consumed - r->base);
	return (size_t)(upto - r->consumed);
}

/* Takes n bytes out of fd, unread. */
static int drop_bytes(struct cws_reader *r, int fd, size_t n)
{
	char tmp[4096];
	ssize_t k;

	while (n) {
		if (r->null_fd >= 0)
			k = splice(fd, NULL, r->null_fd, NULL, n, 0);
		else
			k = read(fd, tmp, n < sizeof(tmp) ? n : sizeof(tmp));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EINVAL && r->null_fd >= 0) {
			close(r->null_fd); /* no splice to it: read instead */
			r->null_fd = -1;
			continue;
		}
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		n -= (size_t)k;
	}
	return 0;
}

int cws_reader_commit(struct cws_reader *r, uint64_t upto)
{
	int rc;

	if (!r->peek || upto <= r->consumed)
		return 0;
	rc = drop_bytes(r, r->fd, (size_t)(upto - r->consumed));
	if (!rc)
		r->consumed = upto;
	return rc;
}

/* Reads n bytes the private pipe holds into p. */
static int take_copy(struct cws_reader *r, char *p, size_t n)
{
	ssize_t k;

	while (n) {
		k = read(r->peek_fd[0], p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

ssize_t cws_reader_peek_head(struct cws_reader *r, char *buf, size_t len)
{
	ssize_t t;
	int rc;

	if (!r->peek)
		return -EINVAL;
	t = tee(r->fd, r->peek_fd[1], len, SPLICE_F_NONBLOCK);
	if (t < 0)
		return errno == EAGAIN ? 0 : -errno;
	rc = take_copy(r, buf, (size_t)t);
	return rc ? rc : t;
}

int cws_reader_discard(struct cws_reader *r, size_t len)
{
	int rc;

	if (!r->peek || r->end != r->start)
		return -EINVAL;
	rc = drop_bytes(r, r->fd, len);
	if (rc)
		return rc;
	r->consumed += len;
	r->base += len;
	return 0;
}

/*
 * Copies what the pipe holds past the bytes already buffered (have of
 * them are still in it, not committed) into buf[end..end + want). The
 * pipe is copied from its head, so those come again and are dropped.
 * With nothing new (a writer in the middle of a record) it waits, a few
 * milliseconds at a time, returning -EINTR when a signal comes.
 */
static int peek_read(struct cws_reader *r, size_t want)
{
	size_t have = (size_t)(r->base + r->end - r->consumed);
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	struct timespec ts;
	long ms = 1;
	ssize_t t;
	int rc, queued;

	for (;;) {
		t = tee(r->fd, r->peek_fd[1], have + want,
			have ? SPLICE_F_NONBLOCK : 0);
		if (t < 0 && errno != EAGAIN)
			return -errno;
		if (t == 0 && !have) {
			r->eof = true; /* empty, and no writer left */
			return 0;
		}
		if (t > 0) {
			size_t old = (size_t)t < have ? (size_t)t : have;

			rc = drop_bytes(r, r->peek_fd[0], old);
			if (!rc)
				rc = take_copy(r, r->buf + r->end,
					       (size_t)t - old);
			if (rc)
				return rc;
			r->end += (size_t)t - old;
			if ((size_t)t > have)
				return 0;
		}
		/* Only bytes we have: no writer left, or one mid-record. */
		if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLHUP)) {
			r->eof = true;
			return 0;
		}
		/*
		 * A full pipe of bytes we have: a record larger than the
		 * pipe, which can only come whole if we make room.
		 */
		if (!ioctl(r->fd, FIONREAD, &queued) &&
		    (size_t)queued + 4096 > r->pipe_cap) {
			rc = drop_bytes(r, r->fd, have);
			if (rc)
				return rc;
			r->consumed += have;
			r->forced += have;
			have = 0;
			continue;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = ms * 1000000;
		if (nanosleep(&ts, NULL))
			return -errno;
		ms = ms < 16 ? ms * 2 : ms;
	}
}

/* Reads more bytes; returns 0 (maybe at eof) or a negative errno. */
static int reader_fill(struct cws_reader *r)
{
	size_t want, keep;
	ssize_t n;

	if (r->eof)
		return 0;
	/* In peek mode the bytes not committed stay: they are the journal's. */
	keep = r->start;
	if (r->peek && r->consumed - r->base < keep)
		keep = (size_t)(r->consumed - r->base);
	if (keep > 0) {
		memmove(r->buf, r->buf + keep, r->end - keep);
		r->base += keep;
		r->end -= keep;
		r->start -= keep;
	}
	if (r->end == r->cap)
		return 0;
	if (r->on_wait) {
		int rc = r->on_wait(r->on_wait_arg);

		if (rc)
			return rc;
	}
	/*
	 * At most a chunk at a time, however much room is left: the bytes
	 * are decoded while they are still in the CPU's caches.
	 */
	want = r->cap - r->end < READ_CHUNK ? r->cap - r->end : READ_CHUNK;
	if (r->peek)
		return peek_read(r, want);
	n = read(r->fd, r->buf + r->end, want);
	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return 0;
}

CWS_PRINTF(3, 4)
static void set_err(struct cws_event_err *err, uint64_t offset, const char *fmt,
		    ...)
{
	va_list ap;

	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* Can byte b begin a msgpack map? */
static bool is_map_byte(char b)
{
	unsigned char c = (unsigned char)b;

	return (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf;
}

/* Starts or continues skipping corrupt bytes at the current position. */
static void resync_step(struct cws_reader *r, const char *why)
{
	if (!r->resyncing) {
		r->resyncing = true;
		r->resync_from = r->base + r->start;
		snprintf(r->resync_why, sizeof(r->resync_why), "%s", why);
	}
	/*
	 * A record is a map: bytes that cannot begin one (fixmap 0x80-0x8f,
	 * map 16 0xde, map 32 0xdf) are passed over here, not scanned each
	 * as a value of its own, which made a damaged region cost its length
	 * times the values it held.
	 */
	do {
		r->start++;
		r->skipped++;
	} while (r->start < r->end && !is_map_byte(r->buf[r->start]));
}

/* Ends a resync: the error covers [resync_from, current offset). */
static int resync_end(struct cws_reader *r, struct cws_event_err *err)
{
	uint64_t at = r->base + r->start;

	r->resyncing = false;
	r->errors++;
	set_err(err, r->resync_from, "%s: skipped %llu bytes%s", r->resync_why,
		(unsigned long long)(at - r->resync_from),
		r->start < r->end ? " to the next record" :
				    " to the end of the stream");
	return -EBADMSG;
}

/*
 * Schema 2 after a record decoded: a process record goes into the table
 * (and is returned only to a reader that wants them), an event by key
 * comes out complete, a retire record marks its keys exited (returned
 * only to a reader that wants them). Returns true when the record is not
 * returned.
 */
static bool schema2(struct cws_reader *r, struct cws_event *ev)
{
	bool keyed = ev->type == CWS_REC_EVENT && ev->process.key;
	uint32_t i;

	if (ev->type == CWS_REC_RETIRE) {
		for (i = 0; i < ev->retire.n; i++)
			cws_proctab_retire(r->procs, ev->retire.keys[i]);
		return !r->want_retire && !r->want_process;
	}
	if (ev->type != CWS_REC_PROCESS && !keyed)
		return false;
	if (!r->procs)
		r->procs = cws_proctab_new(CWS_PROCTAB_MAX,
					   CWS_PROC_EXITED_READER);
	if (!keyed) {
		if (r->procs)
			cws_proctab_add(r->procs, &ev->process);
		return !r->want_process;
	}
	ev->process_ref = true;
	/* Without a table (no memory) every key is unknown. */
	ev->process_unknown = !cws_proctab_expand(r->procs, ev);
	return false;
}

void cws_reader_proc_stats(const struct cws_reader *r,
			   struct cws_proc_stats *out)
{
	cws_proctab_stats(r->procs, out);
}

bool cws_reader_key_live(const struct cws_reader *r, uint64_t key)
{
	return cws_proctab_live(r->procs, key);
}

int cws_reader_next(struct cws_reader *r, struct cws_event *ev,
		    struct cws_event_err *err)
{
	for (;;) {
		size_t avail = r->end - r->start, bad, off = 0, used;
		long n;
		int rc;

		if (avail == 0) {
			if (!r->eof) {
				rc = reader_fill(r);
				if (rc)
					return rc;
				continue;
			}
			if (r->resyncing)
				return resync_end(r, err);
			return 0;
		}
		if (!r->resyncing) {
			rc = event_fast_decode(r->buf + r->start, avail, ev,
					       r->arena, r->arena_cap, r->cache,
					       &used);
			if (rc == FAST_OK) {
				ev->offset = r->base + r->start;
				ev->raw = r->buf + r->start;
				ev->raw_len = used;
				r->obj_ready = false;
				r->obj_at = r->start;
				r->obj_len = used;
				r->start += used;
				if (schema2(r, ev))
					continue;
				r->records++;
				return 1;
			}
			if (rc == FAST_MORE && !r->eof && avail < r->cap) {
				rc = reader_fill(r);
				if (rc)
					return rc;
				continue;
			}
		}
		n = cws_event_scan(r->buf + r->start, avail, &bad);
		if (n == 0) {
			if (!r->eof && avail < r->cap) {
				rc = reader_fill(r);
				if (rc)
					return rc;
				continue;
			}
			resync_step(r, "truncated record");
			continue;
		}
		if (n < 0) {
			resync_step(r, n == -E2BIG ? "oversized record" :
						     "corrupt record");
			continue;
		}
		msgpack_zone_clear(r->zone);
		r->obj_ready = true;
		if (msgpack_unpack(r->buf + r->start, (size_t)n, &off, r->zone,
				   &r->obj) != MSGPACK_UNPACK_SUCCESS ||
		    off != (size_t)n) {
			resync_step(r, "corrupt record");
			continue;
		}
		if (r->resyncing) {
			/*
			 * Only a map that decodes as a record ends a resync;
			 * the record itself is read again by the next call.
			 */
			rc = cws_event_decode(&r->obj, ev, r->arena,
					      r->arena_cap, err);
			if (rc || ev->type == CWS_REC_UNKNOWN) {
				resync_step(r, "");
				continue;
			}
			return resync_end(r, err);
		}
		if (r->obj.type != MSGPACK_OBJECT_MAP) {
			resync_step(r, "stray bytes");
			continue;
		}
		rc = cws_event_decode(&r->obj, ev, r->arena, r->arena_cap, err);
		ev->offset = r->base + r->start;
		ev->raw = r->buf + r->start;
		ev->raw_len = (size_t)n;
		r->start += (size_t)n;
		if (rc) {
			r->errors++;
			err->offset = ev->offset;
			return -EBADMSG;
		}
		if (schema2(r, ev))
			continue;
		r->records++;
		return 1;
	}
}
