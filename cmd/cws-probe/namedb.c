/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User and group names for the process cache, from /etc/passwd and
 * /etc/group themselves, not through NSS: no lookup per event may block
 * on a directory service. A table of id -> name sorted by id, reloaded
 * when the file changes (the cache checks at most once per second).
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

#define NAMES_FILE_MAX (64u << 20)

void cws_namedb_release(struct cws_namedb *db)
{
	free(db->v);
	free(db->buf);
	db->v = NULL;
	db->buf = NULL;
	db->n = 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct cws_name *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	/* The first line for an id wins, as with getpwuid(3). */
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * The table of "name:x:id:..." lines in buf[0..len) (NUL-terminated),
 * sorted by id, one entry per id; each name is cut at its ':' in buf.
 * Returns 0 with *out (NULL when empty) and *n, or -ENOMEM.
 */
static int parse(char *buf, size_t len, struct cws_name **out, size_t *n)
{
	struct cws_name *v = NULL;
	char *line, *next, *f[3];
	size_t cap = 0, i, j;

	*n = 0;
	for (line = buf; line < buf + len; line = next) {
		char *end;
		unsigned long id;

		next = strchr(line, '\n');
		next = next ? next + 1 : buf + len;
		if (next > line && next[-1] == '\n')
			next[-1] = '\0';
		f[0] = line;
		f[1] = strchr(line, ':');
		f[2] = f[1] ? strchr(f[1] + 1, ':') : NULL;
		if (!f[2] || f[1] == line)
			continue;
		*f[1] = '\0';
		errno = 0;
		id = strtoul(f[2] + 1, &end, 10);
		if (errno || *end != ':' || end == f[2] + 1 || id > UINT32_MAX)
			continue;
		if (*n == cap) {
			struct cws_name *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[*n].id = (uint32_t)id;
		v[*n].off = (uint32_t)(line - buf);
		(*n)++;
	}
	if (!v) {
		*out = NULL;
		return 0;
	}
	qsort(v, *n, sizeof(*v), name_cmp);
	for (i = j = 0; i < *n; i++)
		if (!j || v[j - 1].id != v[i].id)
			v[j++] = v[i];
	*n = j;
	*out = v;
	return 0;
}

/* Loads the file; on failure the old table stays. */
static void load(struct cws_namedb *db, const struct stat *st)
{
	struct cws_name *v;
	ssize_t len;
	size_t n;
	char *buf;

	if (st->st_size < 0 || (size_t)st->st_size > NAMES_FILE_MAX)
		return;
	buf = malloc((size_t)st->st_size + 1);
	if (!buf)
		return;
	len = cws_read_file(db->file, buf, (size_t)st->st_size + 1);
	if (len < 0 || parse(buf, (size_t)len, &v, &n)) {
		free(buf);
		return;
	}
	cws_namedb_release(db);
	db->v = v;
	db->n = n;
	db->buf = buf;
	db->mtime = st->st_mtim;
	db->ino = st->st_ino;
	db->size = st->st_size;
}

/* Reloads the file if it changed; returns whether it did. */
bool cws_namedb_check(struct cws_namedb *db)
{
	struct stat st;

	if (stat(db->file, &st)) {
		if (!db->buf)
			return false;
		cws_namedb_release(db);
		return true;
	}
	if (db->buf && st.st_ino == db->ino && st.st_size == db->size &&
	    st.st_mtim.tv_sec == db->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == db->mtime.tv_nsec)
		return false;
	load(db, &st);
	return true;
}

const char *cws_namedb_find(const struct cws_namedb *db, uint32_t id)
{
	size_t lo = 0, hi = db->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (db->v[mid].id == id)
			return db->buf + db->v[mid].off;
		if (db->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
