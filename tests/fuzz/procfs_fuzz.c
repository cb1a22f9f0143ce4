/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for what cws-probe reads under /proc and /etc
 * (cmd/cws-probe/procfs.c, namedb.c): the first byte picks the file, the
 * rest is its text, NUL-terminated as the probe reads it:
 *
 *   0  /proc/PID/stat: the comm is what lies between the first '(' and
 *      the last ')', cut to fit
 *   1  /proc/PID/status
 *   2  /proc/PID/mountinfo, line by line: what parses points into the
 *      line, ids that fit 32 bits
 *   3  /proc/PID/cgroup, line by line, and the container id of each
 *      path: 64 lowercase hex digits found in the path, or none
 *   4  /etc/passwd or /etc/group: sorted, one entry per id, each name a
 *      line's first field
 */
#include "compat.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws-probe/procfs.c"
#include "../../cmd/cws-probe/namedb.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* namedb.c reads its file with this (cache.c): not here. */
ssize_t cws_read_file(const char *path, char *buf, size_t cap)
{
	(void)path, (void)buf, (void)cap;
	return -ENOENT;
}

static void in(const char *s, const char *buf, size_t len)
{
	if (s < buf || s > buf + len || strlen(s) > len - (size_t)(s - buf))
		abort();
}

static void stat_(const char *buf)
{
	struct cws_procfs_stat st;
	const char *p = strchr(buf, '('), *q = strrchr(buf, ')');
	size_t n;

	if (cws_procfs_stat(buf, &st))
		return;
	if (!p || !q || q < p)
		abort();
	n = strlen(st.comm);
	if (n >= sizeof(st.comm) || n > (size_t)(q - p - 1) ||
	    memcmp(st.comm, p + 1, n))
		abort();
}

static void status(const char *buf)
{
	struct cws_procfs_status st;

	cws_procfs_status(buf, &st);
	if (st.has_tgid != (strstr(buf, "\nTgid:") != NULL))
		abort();
	if (!st.has_uid && (st.uid || st.euid || st.fsuid))
		abort();
}

static void lines(char *buf, size_t len, int mode)
{
	char *line, *save = NULL, id[CONTAINER_ID_LEN + 1];
	struct cws_procfs_mount m;
	const char *path;
	size_t i;
	bool unified;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (mode == 2) {
			if (cws_procfs_mountinfo(line, &m))
				continue;
			in(m.root, buf, len);
			in(m.point, buf, len);
			in(m.fstype, buf, len);
			if (*m.source)
				in(m.source, buf, len);
			continue;
		}
		path = cws_procfs_cgroup_path(line, &unified);
		if (!path)
			continue;
		in(path, buf, len);
		if (unified && strncmp(line, "0::", 3))
			abort();
		if (!cws_cache_container_id(path, id, sizeof(id))) {
			if (id[0])
				abort();
			continue;
		}
		if (strlen(id) != CONTAINER_ID_LEN || !strstr(path, id))
			abort();
		for (i = 0; i < CONTAINER_ID_LEN; i++)
			if (!strchr("0123456789abcdef", id[i]))
				abort();
	}
}

static void names(char *buf, size_t len)
{
	struct cws_name *v;
	size_t n, i;

	if (parse(buf, len, &v, &n))
		return;
	for (i = 0; i < n; i++) {
		if (v[i].off >= len || (i && v[i - 1].id >= v[i].id))
			abort();
		if ((v[i].off && buf[v[i].off - 1] != '\0') ||
		    strchr(buf + v[i].off, ':') || !buf[v[i].off])
			abort();
	}
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf;
	size_t len;

	if (!size)
		return 0;
	len = size - 1;
	buf = malloc(len + 1);
	if (!buf)
		abort();
	memcpy(buf, data + 1, len);
	buf[len] = '\0';
	switch (data[0] % 5) {
	case 0:
		stat_(buf);
		break;
	case 1:
		status(buf);
		break;
	case 2:
	case 3:
		lines(buf, len, data[0] % 5);
		break;
	case 4:
		names(buf, len);
		break;
	}
	free(buf);
	return 0;
}
