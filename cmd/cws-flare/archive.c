/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The archive: a zip, as Datadog support expects, written with
 * libarchive straight into a file created 0600 with O_EXCL, so that no
 * other user can read it, not even while it is being written. Every
 * member goes through the scrubber on its way in: nothing reaches the
 * disk unscrubbed, logs included. Members sit under "<host>/", like
 * Datadog's flares.
 */
#include "compat.h"
#include "flare.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "scrub.h"

void fbuf_add(struct fbuf *b, const void *data, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fbuf_printf(struct fbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	fbuf_add(b, s, (size_t)n);
	free(s);
}

void fbuf_release(struct fbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

int fbuf_read_file(struct fbuf *b, const char *path, size_t max)
{
	struct fbuf raw = { 0 };
	char buf[65536], *nl;
	struct stat st;
	size_t skip = 0, k = 0;
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		goto out_close;
	}
	/* Only the tail of a large file: the recent lines matter. */
	if (S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		skip = (size_t)st.st_size - max;
		if (lseek(fd, (off_t)skip, SEEK_SET) < 0) {
			rc = -errno;
			goto out_close;
		}
	}
	while (raw.len < max) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out_free;
		}
		if (!n)
			break;
		fbuf_add(&raw, buf, (size_t)n);
	}
	if (skip && raw.len) {
		/* Drop the partial first line and say what was left out. */
		nl = memchr(raw.p, '\n', raw.len);
		k = nl ? (size_t)(nl - raw.p) + 1 : 0;
		fbuf_printf(b,
			    "[cws-flare: the first %zu bytes of '%s' are "
			    "left out]\n",
			    skip + k, path);
	}
	if (raw.len)
		fbuf_add(b, raw.p + k, raw.len - k);
	if (raw.oom || b->oom)
		rc = -ENOMEM;
out_free:
	fbuf_release(&raw);
out_close:
	close(fd);
	return rc;
}

static void note_line(struct flare *f, const char *part, const char *fmt,
		      va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fbuf_printf(&f->notes, "%s: %s\n", part, msg);
}

void flare_fail(struct flare *f, const char *part, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fbuf_printf(&f->notes, "%s: not collected: %s\n", part, msg);
	f->nfailed++;
	cws_warnx("%s: not collected: %s", part, msg);
}

void flare_note(struct flare *f, const char *part, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_line(f, part, fmt, ap);
	va_end(ap);
	cws_debug("%s: noted", part);
}

/* A host name fit for a file name. */
static void safe_name(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = (in[i] == '/' || in[i] == ' ' || in[i] < 32) ? '_' :
									in[i];
	out[i] = '\0';
	if (!i)
		snprintf(out, len, "unknown");
}

int flare_open(struct flare *f, const char *dir)
{
	char stamp[32], host[256], *path = NULL;
	struct tm tm;
	time_t t = (time_t)f->now;
	int i, fd = -1;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H-%M-%SZ", &tm);
	safe_name(f->host, host, sizeof(host));
	/* Two flares in one second get -2, -3, ... rather than one file. */
	for (i = 1; i < 100 && fd < 0; i++) {
		free(path);
		if ((i == 1 ? asprintf(&path, "%s/cws-flare-%s-%s.zip", dir,
				       host, stamp) :
			      asprintf(&path, "%s/cws-flare-%s-%s-%d.zip", dir,
				       host, stamp, i)) < 0) {
			cws_errorx("out of memory");
			return -ENOMEM;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			cws_error("cannot create the flare '%s'", path);
			free(path);
			return -errno;
		}
	}
	if (fd < 0) {
		cws_errorx("cannot create the flare in '%s': too many "
			   "flares this second",
			   dir);
		free(path);
		return -EEXIST;
	}
	f->path = path;
	f->fd = fd;
	f->ar = archive_write_new();
	if (!f->ar || archive_write_set_format_zip(f->ar) != ARCHIVE_OK ||
	    archive_write_open_fd(f->ar, fd) != ARCHIVE_OK) {
		cws_errorx("cannot start the zip '%s': %s", path,
			   f->ar ? archive_error_string(f->ar) :
				   "out of memory");
		return -EIO;
	}
	return 0;
}

static void write_member(struct flare *f, const char *name, const char *data,
			 size_t len)
{
	struct archive_entry *e;
	struct member *m;
	char *full = NULL;

	m = realloc(f->members, (f->nmembers + 1) * sizeof(*m));
	if (!m || asprintf(&full, "%s/%s", f->host, name) < 0) {
		if (m)
			f->members = m;
		flare_fail(f, name, "out of memory");
		return;
	}
	f->members = m;
	e = archive_entry_new();
	if (!e) {
		free(full);
		flare_fail(f, name, "out of memory");
		return;
	}
	archive_entry_set_pathname(e, full);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, (time_t)f->now, 0);
	if (archive_write_header(f->ar, e) != ARCHIVE_OK ||
	    (len && archive_write_data(f->ar, data, len) != (la_ssize_t)len)) {
		flare_fail(f, name, "cannot write it to the zip: %s",
			   archive_error_string(f->ar));
	} else {
		m = &f->members[f->nmembers];
		m->name = strdup(name);
		m->size = len;
		if (m->name)
			f->nmembers++;
	}
	archive_entry_free(e);
	free(full);
}

void flare_add(struct flare *f, const char *name, const char *data, size_t len)
{
	char *out;
	size_t n;
	int rc;

	rc = cws_scrub_text(f->scrub, data ? data : "", data ? len : 0, &out,
			    &n);
	if (rc) {
		/* Never write what could not be scrubbed. */
		flare_fail(f, name, "cannot scrub it: %s", strerror(-rc));
		return;
	}
	write_member(f, name, out, n);
	free(out);
}

void flare_add_buf(struct flare *f, const char *name, const struct fbuf *b)
{
	if (b->oom) {
		flare_fail(f, name, "out of memory");
		return;
	}
	flare_add(f, name, b->p, b->len);
}

void flare_add_file(struct flare *f, const char *name, const char *path)
{
	struct fbuf b = { 0 };
	int rc;

	rc = fbuf_read_file(&b, path, FLARE_MAX_FILE);
	if (rc)
		flare_fail(f, name, "cannot read '%s': %s", path,
			   strerror(-rc));
	else
		flare_add_buf(f, name, &b);
	fbuf_release(&b);
}

int flare_close(struct flare *f)
{
	int rc = 0;

	if (!f->notes.len)
		fbuf_printf(&f->notes, "every part was collected\n");
	flare_add_buf(f, "flare_creation.log", &f->notes);
	if (archive_write_close(f->ar) != ARCHIVE_OK) {
		cws_errorx("cannot finish the zip '%s': %s", f->path,
			   archive_error_string(f->ar));
		rc = -EIO;
	}
	archive_write_free(f->ar);
	f->ar = NULL;
	if (!rc && fsync(f->fd)) {
		cws_error("cannot write the flare '%s'", f->path);
		rc = -EIO;
	}
	if (rc)
		return rc; /* flare_release removes the file */
	if (close(f->fd)) {
		f->fd = -1;
		cws_error("cannot write the flare '%s'", f->path);
		unlink(f->path);
		return -EIO;
	}
	f->fd = -1;
	return 0;
}

void flare_release(struct flare *f)
{
	size_t i;

	if (f->ar) {
		archive_write_free(f->ar);
		f->ar = NULL;
	}
	if (f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
		if (f->path)
			unlink(f->path);
	}
	for (i = 0; i < f->nmembers; i++)
		free(f->members[i].name);
	free(f->members);
	free(f->path);
	fbuf_release(&f->notes);
	f->members = NULL;
	f->path = NULL;
}
