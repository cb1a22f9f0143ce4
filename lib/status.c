/* SPDX-License-Identifier: BSD-2-Clause */
#include "compat.h"
#include "status.h"

#include "event.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void cws_status_time(char *buf, size_t len, unsigned long long ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes all of p, looping on short writes and EINTR. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int cws_status_write(const char *dir, const char *name, const json_t *doc)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	char *text;
	int fd, err = 0;

	if (snprintf(path, sizeof(path), "%s/%s.json", dir, name) >=
		    (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.json.tmp", dir, name) >=
		    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		goto out_free;
	}
	err = write_all(fd, text, strlen(text));
	if (!err)
		err = write_all(fd, "\n", 1);
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
out_free:
	free(text);
	return err;
}

json_t *cws_status_proc(const struct cws_proc_stats *st, bool reader)
{
	json_t *o = json_object();

	json_object_set_new(o, "entries",
			    json_integer((json_int_t)st->entries));
	json_object_set_new(o, "max", json_integer((json_int_t)st->max));
	json_object_set_new(o, "records",
			    json_integer((json_int_t)st->records));
	json_object_set_new(o, "evicted",
			    json_integer((json_int_t)st->evicted));
	json_object_set_new(o, "retired",
			    json_integer((json_int_t)st->retired));
	if (reader)
		json_object_set_new(o, "unknown",
				    json_integer((json_int_t)st->unknown));
	return o;
}
