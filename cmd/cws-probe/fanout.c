/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fan-out: the probe's stream served on a unix socket as well as on
 * stdout (Datadog's event_monitoring_config.socket, which the process
 * agent subscribes to). A subscriber first receives a hello and the live
 * process table (a process record per process the cache knows, so that
 * every key the stream references later is known to it), then the stream
 * from the next record on, byte for byte what stdout gets.
 *
 * Nothing a subscriber does may slow the pipeline: sockets are
 * non-blocking, what a subscriber cannot take at once waits in its queue,
 * and a subscriber whose queue passes its bound is cut off and counted.
 * The writer hands every batch of bytes it wrote to stdout to
 * cws_fanout_write (its tap); new subscribers are accepted only between
 * two batches (cws_fanout_service, called by the loop after a flush), so
 * their stream starts at a record. A subscriber that sends anything is
 * ignored; the socket only serves.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe.h"

#define FANOUT_MAX_SUBS 16
#define FANOUT_QUEUE_MAX (16u << 20) /* bytes waiting, past the greeting */
#define FANOUT_OWNER "dd-agent" /* may read the socket, when it exists */

struct sub {
	int fd;
	char *q; /* bytes not yet sent */
	size_t len, cap, sent;
	size_t limit; /* the greeting's size + FANOUT_QUEUE_MAX */
};

struct cws_fanout {
	int lfd;
	char path[108];
	unsigned n;
	struct sub s[FANOUT_MAX_SUBS];
	struct cws_fanout_stats st;
	struct cws_ratelimit rl;
};

static int mkparent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* A socket left by a probe that died is removed; a live one is an error. */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!rc)
		return -EADDRINUSE;
	return unlink(sa->sun_path) ? -errno : 0;
}

struct cws_fanout *cws_fanout_new(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cws_fanout *f;
	struct passwd *pw;
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "the path is longer than %zu bytes",
			 sizeof(sa.sun_path) - 1);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(10, 5);
	rc = mkparent(path);
	if (!rc)
		rc = clear_stale(&sa);
	if (rc) {
		snprintf(err, errlen, "%s",
			 rc == -EADDRINUSE ? "another process serves it" :
			 rc == -EEXIST	   ? "it exists and is not a socket" :
					     strerror(-rc));
		free(f);
		return NULL;
	}
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (f->lfd < 0 ||
	    bind(f->lfd, (const struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(f->lfd, FANOUT_MAX_SUBS)) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (f->lfd >= 0) {
			close(f->lfd);
			unlink(path);
		}
		free(f);
		return NULL;
	}
	/* Datadog's agents read it as dd-agent; root reads it anyway. */
	pw = getpwnam(FANOUT_OWNER);
	if (pw && chown(path, pw->pw_uid, pw->pw_gid))
		cws_warn("cannot give '%s' to %s", path, FANOUT_OWNER);
	return f;
}

static void drop(struct cws_fanout *f, unsigned i)
{
	close(f->s[i].fd);
	free(f->s[i].q);
	f->s[i] = f->s[--f->n];
	f->st.connected = f->n;
}

void cws_fanout_free(struct cws_fanout *f)
{
	if (!f)
		return;
	while (f->n)
		drop(f, 0);
	close(f->lfd);
	unlink(f->path);
	free(f);
}

/* Sends what is queued; false when the subscriber is gone. */
static bool push(struct cws_fanout *f, struct sub *s)
{
	while (s->sent < s->len) {
		ssize_t n = send(s->fd, s->q + s->sent, s->len - s->sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			f->st.closed++;
			return false;
		}
		s->sent += (size_t)n;
		f->st.bytes += (uint64_t)n;
	}
	if (s->sent == s->len) {
		s->sent = s->len = 0;
	} else if (s->sent > s->cap / 2) {
		memmove(s->q, s->q + s->sent, s->len - s->sent);
		s->len -= s->sent;
		s->sent = 0;
	}
	return true;
}

/* Appends to s's queue; false if that passes its bound (cut off). */
static bool enqueue(struct sub *s, const char *data, size_t len)
{
	size_t want = s->len + len;

	if (want - s->sent > s->limit)
		return false;
	if (want > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		char *q;

		while (cap < want)
			cap *= 2;
		q = realloc(s->q, cap);
		if (!q)
			return false;
		s->q = q;
		s->cap = cap;
	}
	memcpy(s->q + s->len, data, len);
	s->len = want;
	return true;
}

void cws_fanout_write(void *arg, const char *data, size_t len)
{
	struct cws_fanout *f = arg;
	unsigned i = 0;

	while (i < f->n) {
		struct sub *s = &f->s[i];
		size_t at = 0;

		/*
		 * What waits goes first; a poll of a full ring writes many
		 * batches before the loop comes round to cws_fanout_service.
		 */
		if (s->len && !push(f, s)) {
			drop(f, i);
			continue;
		}
		/* Straight to the socket when nothing waits. */
		if (s->len == 0) {
			ssize_t n;

			do {
				n = send(s->fd, data, len,
					 MSG_DONTWAIT | MSG_NOSIGNAL);
			} while (n < 0 && errno == EINTR);
			if (n < 0 && errno != EAGAIN) {
				f->st.closed++;
				drop(f, i);
				continue;
			}
			if (n > 0) {
				at = (size_t)n;
				f->st.bytes += (uint64_t)n;
			}
		}
		if (at < len && !enqueue(s, data + at, len - at)) {
			f->st.cut_off++;
			if (cws_ratelimit_ok(&f->rl))
				cws_warnx("'%s': a subscriber that does not "
					  "keep up was cut off (%llu so far)",
					  f->path,
					  (unsigned long long)f->st.cut_off);
			drop(f, i);
			continue;
		}
		i++;
	}
}

void cws_fanout_service(struct cws_fanout *f,
			int (*greet)(void *arg, msgpack_sbuffer *out),
			void *arg)
{
	msgpack_sbuffer sb;
	unsigned i = 0;
	int fd;

	while (i < f->n)
		if (f->s[i].len && !push(f, &f->s[i]))
			drop(f, i);
		else
			i++;
	while ((fd = accept4(f->lfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct sub *s;

		if (f->n == FANOUT_MAX_SUBS) {
			f->st.refused++;
			close(fd);
			continue;
		}
		s = &f->s[f->n];
		memset(s, 0, sizeof(*s));
		s->fd = fd;
		msgpack_sbuffer_init(&sb);
		if (greet(arg, &sb)) {
			msgpack_sbuffer_destroy(&sb);
			close(fd);
			continue;
		}
		s->limit = sb.size + FANOUT_QUEUE_MAX;
		/* The queue takes the greeting's buffer as it is. */
		s->q = sb.data;
		s->len = sb.size;
		s->cap = sb.alloc;
		f->n++;
		f->st.connected = f->n;
		f->st.served++;
		if (!push(f, s))
			drop(f, f->n - 1);
	}
}

const struct cws_fanout_stats *cws_fanout_stats(const struct cws_fanout *f)
{
	return &f->st;
}

const char *cws_fanout_path(const struct cws_fanout *f)
{
	return f->path;
}
