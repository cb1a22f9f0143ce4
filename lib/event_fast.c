/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec, the fast path: an event record decoded straight from its
 * bytes in one walk that also bounds it, with no msgpack-c object and no
 * separate scan. Replaying a capture through cws-filter spent most of its
 * time in the three steps of event_decode.c (each walks the whole record,
 * which the ancestors and their arguments make 2 to 5 kB); nearly every
 * record is an event exactly as cws_event_pack wrote it, so that case gets
 * its own path.
 *
 * It takes event and match records and nothing else: a control record, a
 * key that is not a string, a top-level key given twice or before "evt",
 * a value of another type than expected, a string or record over the
 * caps, a missing required key or a full arena make it give up
 * (FAST_BAIL), and the reader then runs the three steps, which decide and
 * word any error. So the fast path never words an error; it only has to
 * decode what it accepts exactly as they would, which the stream fuzz
 * target checks on every record it reads, and tests/unit/event_test.c on
 * every member (the raw bytes unpacked and decoded again, both results
 * packed and compared). Bytes that end
 * before the record does give FAST_MORE: read on and try again.
 *
 * Depths count as the scanner counts them (a value inside n containers is
 * at depth n), so that values skipped with event_scan() are bounded alike.
 */
#include "compat.h"
#include "event_priv.h"

#include <string.h>

struct fdec {
	const unsigned char *p; /* the next byte */
	const unsigned char *start; /* the record's first byte */
	const unsigned char *lim; /* end of the bytes, capped at the record */
	bool capped; /* lim is start + CWS_EVENT_MAX_RECORD */
	char *arena;
	size_t cap, used;
	struct cws_reader_cache *cache; /* or NULL */
	int rc; /* FAST_MORE, FAST_BAIL or FAST_FULL once it failed */
};

static bool f_fail(struct fdec *f, int rc)
{
	if (!f->rc)
		f->rc = rc;
	return false;
}

/* Whether n more bytes are there; else more input, or too large a record. */
static inline bool f_need(struct fdec *f, size_t n)
{
	if (n <= (size_t)(f->lim - f->p))
		return true;
	return f_fail(f, (size_t)(f->p - f->start) + n > CWS_EVENT_MAX_RECORD ?
				 FAST_BAIL :
				 FAST_MORE);
}

/* Skips the value at p, at depth d: a key this decoder does not know. */
static bool f_skip(struct fdec *f, unsigned d)
{
	size_t bad;
	long n;

	n = event_scan((const char *)f->p, (size_t)(f->lim - f->p), &bad,
		       CWS_EVENT_MAX_DEPTH - d);
	if (n > 0) {
		f->p += n;
		return true;
	}
	return f_fail(f, n < 0 || f->capped ? FAST_BAIL : FAST_MORE);
}

/* A container header: 0x80/0x90 fix forms, then 16- and 32-bit counts. */
static bool f_count(struct fdec *f, unsigned char fix, unsigned char c16,
		    uint32_t *n, uint64_t per)
{
	unsigned char b;
	unsigned h;

	if (!f_need(f, 1))
		return false;
	b = *f->p;
	if ((b & 0xf0) == fix) {
		*n = b & 0x0f;
		f->p++;
		return true;
	}
	if (b == c16)
		h = 3;
	else if (b == c16 + 1)
		h = 5;
	else
		return f_fail(f, FAST_BAIL);
	if (!f_need(f, h))
		return false;
	*n = (uint32_t)be(f->p + 1, h - 1);
	f->p += h;
	/* The scanner's bound: each element takes at least one byte. */
	if (*n * per > CWS_EVENT_MAX_RECORD)
		return f_fail(f, FAST_BAIL);
	return true;
}

static bool f_map(struct fdec *f, uint32_t *n)
{
	return f_count(f, 0x80, 0xde, n, 2);
}

static bool f_array(struct fdec *f, uint32_t *n)
{
	return f_count(f, 0x90, 0xdc, n, 1);
}

/* A string, pointing into the record; NIL gives NULL when nil_ok. */
static bool f_str(struct fdec *f, const char **s, uint32_t *n, bool nil_ok)
{
	unsigned char b;
	uint64_t len;
	unsigned h;

	if (!f_need(f, 1))
		return false;
	b = *f->p;
	if (b >= 0xa0 && b <= 0xbf) {
		h = 1;
		len = b & 0x1f;
	} else if (b == 0xc0 && nil_ok) {
		f->p++;
		*s = NULL;
		*n = 0;
		return true;
	} else {
		if (b == 0xd9)
			h = 2;
		else if (b == 0xda)
			h = 3;
		else if (b == 0xdb)
			h = 5;
		else
			return f_fail(f, FAST_BAIL);
		if (!f_need(f, h))
			return false;
		len = be(f->p + 1, h - 1);
		if (len > CWS_EVENT_MAX_STR)
			return f_fail(f, FAST_BAIL);
	}
	if (!f_need(f, h + len))
		return false;
	*s = (const char *)f->p + h;
	*n = (uint32_t)len;
	f->p += h + len;
	return true;
}

static bool f_key(struct fdec *f, const char **k, uint32_t *n)
{
	return f_str(f, k, n, false);
}

#define KEY_IS(k, n, lit) \
	((n) == sizeof(lit) - 1 && !memcmp((k), (lit), sizeof(lit) - 1))

/* Whether the key k[0..n) is the C string s, without measuring s. */
static bool key_eq(const char *s, const char *k, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || s[i] != k[i])
			return false;
	return !s[n];
}

/* Unaligned loads (not memcpy into a local: no stack protector). */
typedef uint64_t __attribute__((aligned(1), may_alias)) u64_unaligned;
typedef uint32_t __attribute__((aligned(1), may_alias)) u32_unaligned;

static inline uint64_t load8(const char *p)
{
	return *(const u64_unaligned *)p;
}

static inline uint32_t load4(const char *p)
{
	return *(const u32_unaligned *)p;
}

/*
 * a[0..n) == b[0..n), both readable for n bytes: whole words, the last
 * one overlapping, instead of a byte loop or a call to memcmp (keys are
 * short and compared once or twice each).
 */
static inline bool same(const char *a, const char *b, uint32_t n)
{
	uint32_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8)
			if (load8(a + i) != load8(b + i))
				return false;
		return load8(a + n - 8) == load8(b + n - 8);
	}
	if (n >= 4)
		return load4(a) == load4(b) &&
		       load4(a + n - 4) == load4(b + n - 4);
	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void *f_alloc(struct fdec *f, size_t n, size_t align)
{
	size_t at = (f->used + align - 1) & ~(align - 1);

	if (at + n > f->cap || at + n < at) {
		f_fail(f, FAST_FULL);
		return NULL;
	}
	f->used = at + n;
	return f->arena + at;
}

/* A string value copied into the arena, as dstr() does: NIL is NULL. */
static bool f_dstr(struct fdec *f, const char **out)
{
	const char *s;
	uint32_t n;
	char *d;

	if (!f_str(f, &s, &n, true))
		return false;
	if (!s) {
		*out = NULL;
		return true;
	}
	d = f_alloc(f, (size_t)n + 1, 1);
	if (!d)
		return false;
	memcpy(d, s, n);
	d[n] = '\0';
	*out = d;
	return true;
}

/*
 * An integer, as msgpack-c types it: *neg for a negative value (held in
 * *v as int64_t), whichever encoding carried it.
 */
static bool f_int(struct fdec *f, uint64_t *v, bool *neg)
{
	unsigned char b;
	unsigned n;
	uint64_t u;
	int64_t i;

	if (!f_need(f, 1))
		return false;
	b = *f->p;
	if (b <= 0x7f || b >= 0xe0) {
		i = (int8_t)b;
		f->p++;
		goto out;
	}
	if (b >= 0xcc && b <= 0xcf)
		n = 1u << (b - 0xcc);
	else if (b >= 0xd0 && b <= 0xd3)
		n = 1u << (b - 0xd0);
	else
		return f_fail(f, FAST_BAIL);
	if (!f_need(f, 1 + n))
		return false;
	u = be(f->p + 1, n);
	f->p += 1 + n;
	if (b <= 0xcf) {
		*v = u;
		*neg = false;
		return true;
	}
	switch (n) {
	case 1:
		i = (int8_t)u;
		break;
	case 2:
		i = (int16_t)u;
		break;
	case 4:
		i = (int32_t)u;
		break;
	default:
		i = (int64_t)u;
		break;
	}
out:
	*v = (uint64_t)i;
	*neg = i < 0;
	return true;
}

/* du64(): a non-negative integer up to max. */
static bool f_u64(struct fdec *f, uint64_t *out, uint64_t max)
{
	bool neg;

	if (!f_int(f, out, &neg))
		return false;
	if (neg || *out > max)
		return f_fail(f, FAST_BAIL);
	return true;
}

/* di64(): an integer in [min, max]. */
static bool f_i64(struct fdec *f, int64_t *out, int64_t min, int64_t max)
{
	uint64_t v;
	bool neg;

	if (!f_int(f, &v, &neg))
		return false;
	if (!neg && v > INT64_MAX)
		return f_fail(f, FAST_BAIL);
	*out = (int64_t)v;
	if (*out < min || *out > max)
		return f_fail(f, FAST_BAIL);
	return true;
}

static bool f_bool(struct fdec *f, bool *out)
{
	if (!f_need(f, 1))
		return false;
	if (*f->p != 0xc2 && *f->p != 0xc3)
		return f_fail(f, FAST_BAIL);
	*out = *f->p++ == 0xc3;
	return true;
}

/*
 * The keys of a process and of a file, in the order the writer puts
 * them: each lookup starts at the entry after the last one found, so
 * that a record from the writer costs one comparison per key, and one
 * more per optional key it left out.
 */
enum fkind {
	FK_U32,
	FK_U64,
	FK_STR,
	FK_BOOL,
	FK_BOOL_OR, /* |=, as args_truncated */
	FK_PID, /* FK_U32, and required */
	FK_FILE,
	FK_ARGV,
	FK_ANCESTORS, /* the event's process only */
	FK_ANCESTORS_TRUNCATED,
	FK_UPPER, /* file.in_upper_layer: the value, and known */
	FK_PCONTAINER, /* a process's container: id, created_at */
	FK_CGROUP, /* a process's cgroup: id, inode, mount_id */
	FK_STRV, /* envs, envp */
};

struct fkey {
	const char *name;
	uint8_t len;
	uint8_t kind;
	uint16_t off;
};

#define FKEY(name, kind, type, field)                               \
	{                                                           \
		name, sizeof(name) - 1, kind, offsetof(type, field) \
	}
#define PKEY(name, kind, field) FKEY(name, kind, struct cws_process, field)
#define FFKEY(name, kind, field) FKEY(name, kind, struct cws_file, field)

static const struct fkey file_keys[] = {
	FFKEY("path", FK_STR, path),
	FFKEY("name", FK_STR, name),
	FFKEY("path_resolution_error", FK_STR, path_resolution_error),
	FFKEY("filesystem", FK_STR, filesystem),
	FFKEY("user", FK_STR, user),
	FFKEY("group", FK_STR, group),
	FFKEY("inode", FK_U64, inode),
	FFKEY("mount_id", FK_U32, mount_id),
	FFKEY("mode", FK_U32, mode),
	FFKEY("uid", FK_U32, uid),
	FFKEY("gid", FK_U32, gid),
	FFKEY("change_time", FK_U64, change_time),
	FFKEY("modification_time", FK_U64, modification_time),
	FFKEY("in_upper_layer", FK_UPPER, in_upper_layer),
};

static const struct fkey process_keys[] = {
	PKEY("key", FK_U64, key), /* schema 2 */
	PKEY("parent_key", FK_U64, parent_key),
	PKEY("pid", FK_PID, pid),
	PKEY("tid", FK_U32, tid),
	PKEY("ppid", FK_U32, ppid),
	PKEY("comm", FK_STR, comm),
	PKEY("tty_name", FK_STR, tty_name),
	PKEY("cwd", FK_STR, cwd),
	PKEY("container", FK_PCONTAINER, container_id),
	PKEY("created_at", FK_U64, fork_time),
	PKEY("exec_time", FK_U64, exec_time),
	PKEY("file", FK_FILE, file),
	PKEY("argv", FK_ARGV, argv),
	PKEY("args_truncated", FK_BOOL_OR, args_truncated),
	PKEY("is_thread", FK_BOOL, is_thread),
	PKEY("uid", FK_U32, cred.uid),
	PKEY("gid", FK_U32, cred.gid),
	PKEY("euid", FK_U32, cred.euid),
	PKEY("egid", FK_U32, cred.egid),
	PKEY("fsuid", FK_U32, cred.fsuid),
	PKEY("fsgid", FK_U32, cred.fsgid),
	PKEY("auid", FK_U32, cred.auid),
	PKEY("user", FK_STR, cred.user),
	PKEY("group", FK_STR, cred.group),
	PKEY("euser", FK_STR, cred.euser),
	PKEY("egroup", FK_STR, cred.egroup),
	PKEY("fsuser", FK_STR, cred.fsuser),
	PKEY("fsgroup", FK_STR, cred.fsgroup),
	PKEY("cap_effective", FK_U64, cred.cap_effective),
	PKEY("cap_permitted", FK_U64, cred.cap_permitted),
	PKEY("envs", FK_STRV, envs),
	PKEY("envp", FK_STRV, envp),
	PKEY("envs_truncated", FK_BOOL_OR, envs_truncated),
	PKEY("cgroup", FK_CGROUP, cgroup_id),
	{ "ancestors", 9, FK_ANCESTORS, 0 },
	{ "ancestors_truncated", 19, FK_ANCESTORS_TRUNCATED, 0 },
};

static const struct fkey *f_lookup(const struct fkey *t, size_t n, size_t *hint,
				   const char *k, uint32_t kl)
{
	size_t i;

	/* From the hint on, round: keys left out only move it forward. */
	for (i = *hint; i < n; i++)
		if (t[i].len == kl && same(t[i].name, k, kl))
			goto found;
	for (i = 0; i < *hint && i < n; i++)
		if (t[i].len == kl && same(t[i].name, k, kl))
			goto found;
	return NULL;
found:
	*hint = i + 1;
	return &t[i];
}

/* The scalar kinds, into base + e->off. */
static bool f_scalar(struct fdec *f, const struct fkey *e, void *base)
{
	void *at = (char *)base + e->off;
	uint64_t v;
	bool b;

	switch (e->kind) {
	case FK_U32:
	case FK_PID:
		if (!f_u64(f, &v, UINT32_MAX))
			return false;
		*(uint32_t *)at = (uint32_t)v;
		return true;
	case FK_U64:
		return f_u64(f, at, UINT64_MAX);
	case FK_STR:
		return f_dstr(f, at);
	case FK_BOOL:
		return f_bool(f, at);
	case FK_BOOL_OR:
		if (!f_bool(f, &b))
			return false;
		*(bool *)at |= b;
		return true;
	case FK_UPPER:
		((struct cws_file *)base)->in_upper_layer_known = true;
		return f_bool(f, at);
	}
	return f_fail(f, FAST_BAIL);
}

/*
 * One key of a file map (decode_file_key): 1 when decoded, 0 for a key
 * that is not a file's (its value is left unread), -1 on failure.
 */
static int f_file_key(struct fdec *f, const char *k, uint32_t kl,
		      struct cws_file *file, size_t *hint)
{
	const struct fkey *e;

	e = f_lookup(file_keys, CWS_ARRAY_SIZE(file_keys), hint, k, kl);
	if (!e)
		return 0;
	return f_scalar(f, e, file) ? 1 : -1;
}

/* A file map whose values sit at depth d. */
static bool f_file(struct fdec *f, struct cws_file *file, unsigned d)
{
	size_t hint = 0;
	const char *k;
	uint32_t n, i, kl;
	int rc;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		rc = f_file_key(f, k, kl, file, &hint);
		if (rc < 0 || (rc == 0 && !f_skip(f, d)))
			return false;
	}
	return true;
}

/* An argv array whose strings sit at depth d (decode_argv). */
static bool f_argv(struct fdec *f, struct cws_strv *argv, bool *truncated,
		   unsigned d)
{
	uint32_t i, n, all;

	if (!f_array(f, &all))
		return false;
	n = all;
	if (n > CWS_EVENT_MAX_ARGS) {
		n = CWS_EVENT_MAX_ARGS;
		*truncated = true;
	}
	argv->v = f_alloc(f, (n ? n : 1) * sizeof(char *), sizeof(char *));
	if (!argv->v)
		return false;
	for (i = 0; i < n; i++) {
		if (!f_dstr(f, &argv->v[i]))
			return false;
		if (!argv->v[i])
			argv->v[i] = "";
	}
	for (; i < all; i++)
		if (!f_skip(f, d))
			return false;
	argv->n = n;
	return true;
}

/* A {"id": ...} map whose values sit at depth d. */
static bool f_container(struct fdec *f, const char **id, unsigned d)
{
	const char *k;
	uint32_t n, i, kl;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "id") ? !f_dstr(f, id) : !f_skip(f, d))
			return false;
	}
	return true;
}

/* A process's {"id", "created_at", "tags"} container map at depth d. */
static bool f_pcontainer(struct fdec *f, struct cws_process *p, unsigned d)
{
	const char *k;
	uint32_t n, i, kl;
	bool ok, truncated = false;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "id"))
			ok = f_dstr(f, &p->container_id);
		else if (KEY_IS(k, kl, "created_at"))
			ok = f_u64(f, &p->container_created_at, UINT64_MAX);
		else if (KEY_IS(k, kl, "tags"))
			ok = f_argv(f, &p->container_tags, &truncated, d + 1);
		else
			ok = f_skip(f, d);
		if (!ok)
			return false;
	}
	return true;
}

/* A process's {"id", "inode", "mount_id"} cgroup map at depth d. */
static bool f_cgroup(struct fdec *f, struct cws_process *p, unsigned d)
{
	const char *k;
	uint32_t n, i, kl;
	uint64_t v;
	bool ok;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "id")) {
			ok = f_dstr(f, &p->cgroup_id);
		} else if (KEY_IS(k, kl, "inode")) {
			ok = f_u64(f, &p->cgroup_inode, UINT64_MAX);
		} else if (KEY_IS(k, kl, "mount_id")) {
			ok = f_u64(f, &v, UINT32_MAX);
			p->cgroup_mount_id = (uint32_t)v;
		} else {
			ok = f_skip(f, d);
		}
		if (!ok)
			return false;
	}
	return true;
}

static bool f_process(struct fdec *f, struct cws_process *p,
		      struct cws_event *ev, unsigned d);

/* The ancestors array, its processes at depth d (decode_ancestors). */
static bool f_ancestors(struct fdec *f, struct cws_event *ev, unsigned d)
{
	uint32_t i, n, all;
	size_t sz;

	if (!f_array(f, &all))
		return false;
	n = all;
	if (n > CWS_EVENT_MAX_ANCESTORS) {
		n = CWS_EVENT_MAX_ANCESTORS;
		ev->ancestors_truncated = true;
	}
	sz = (n ? n : 1) * sizeof(*ev->ancestors);
	ev->ancestors = f_alloc(f, sz, _Alignof(struct cws_process));
	if (!ev->ancestors)
		return false;
	memset(ev->ancestors, 0, sz);
	for (i = 0; i < n; i++)
		if (!f_process(f, &ev->ancestors[i], NULL, d + 1))
			return false;
	for (; i < all; i++)
		if (!f_skip(f, d))
			return false;
	ev->nancestors = n;
	return true;
}

/*
 * A process map whose values sit at depth d (decode_process); ev is NULL
 * for processes that carry no ancestors.
 */
static bool f_process(struct fdec *f, struct cws_process *p,
		      struct cws_event *ev, unsigned d)
{
	const struct fkey *e;
	bool has_pid = false, b, ok;
	size_t hint = 0;
	const char *k;
	uint32_t n, i, kl;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		e = f_lookup(process_keys, CWS_ARRAY_SIZE(process_keys), &hint,
			     k, kl);
		if (!e) {
			ok = f_skip(f, d);
		} else if (e->kind == FK_FILE) {
			ok = f_file(f, &p->file, d + 1);
		} else if (e->kind == FK_ARGV) {
			ok = f_argv(f, &p->argv, &p->args_truncated, d + 1);
		} else if (e->kind == FK_PCONTAINER) {
			ok = f_pcontainer(f, p, d + 1);
		} else if (e->kind == FK_CGROUP) {
			ok = f_cgroup(f, p, d + 1);
		} else if (e->kind == FK_STRV) {
			ok = f_argv(f, (struct cws_strv *)((char *)p + e->off),
				    &p->envs_truncated, d + 1);
		} else if (e->kind == FK_ANCESTORS) {
			ok = ev ? f_ancestors(f, ev, d + 1) : f_skip(f, d);
		} else if (e->kind == FK_ANCESTORS_TRUNCATED) {
			ok = ev ? f_bool(f, &b) : f_skip(f, d);
			if (ok && ev)
				ev->ancestors_truncated |= b;
		} else {
			has_pid |= e->kind == FK_PID;
			ok = f_scalar(f, e, p);
		}
		if (!ok)
			return false;
	}
	return has_pid || f_fail(f, FAST_BAIL);
}

/* The event's own process and its ancestors: from the cache if seen. */
static bool f_event_process(struct fdec *f, struct cws_event *ev)
{
	struct cws_reader_cache *c = f->cache;
	const unsigned char *at = f->p;
	size_t avail = (size_t)(f->lim - f->p), used = f->used, cap = f->cap;
	char *arena = f->arena;
	struct pentry *e;
	unsigned i, k;
	bool ok;

	if (!c)
		return f_process(f, &ev->process, ev, 2);
	for (i = 0; i < PCACHE_ENTRIES; i++) {
		e = &c->e[c->order[i]];
		if (e->len && e->len <= avail &&
		    !memcmp(e->bytes, at, e->len)) {
			ev->process = e->process;
			ev->ancestors = e->ancestors;
			ev->nancestors = e->nancestors;
			ev->ancestors_truncated = e->ancestors_truncated;
			f->p += e->len;
			goto out;
		}
	}
	/* A miss: decode into the least recently used entry. */
	i = PCACHE_ENTRIES - 1;
	e = &c->e[c->order[i]];
	e->len = 0;
	f->arena = e->arena;
	f->cap = sizeof(e->arena);
	f->used = 0;
	ok = f_process(f, &ev->process, ev, 2);
	f->arena = arena;
	f->cap = cap;
	f->used = used;
	if (!ok && f->rc == FAST_FULL) {
		/* Too large for an entry: into the record's arena, uncached. */
		f->rc = 0;
		f->p = at;
		memset(&ev->process, 0, sizeof(ev->process));
		ev->ancestors = NULL;
		ev->nancestors = 0;
		ev->ancestors_truncated = false;
		return f_process(f, &ev->process, ev, 2);
	}
	if (!ok)
		return false;
	if ((size_t)(f->p - at) <= sizeof(e->bytes)) {
		e->len = (size_t)(f->p - at);
		memcpy(e->bytes, at, e->len);
		e->process = ev->process;
		e->ancestors = ev->ancestors;
		e->nancestors = ev->nancestors;
		e->ancestors_truncated = ev->ancestors_truncated;
	}
out:
	k = c->order[i];
	memmove(c->order + 1, c->order, i);
	c->order[0] = (uint8_t)k;
	return true;
}

/* The "evt" map (decode_evt). */
static bool f_evt(struct fdec *f, struct cws_event *ev)
{
	bool has_ts = false, ok;
	const char *k;
	uint32_t n, i, kl;
	uint64_t v = 0;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "name")) {
			ok = f_dstr(f, &ev->evt.name);
		} else if (KEY_IS(k, kl, "timestamp")) {
			ok = f_u64(f, &ev->timestamp, UINT64_MAX);
			has_ts = true;
		} else if (KEY_IS(k, kl, "cpu")) {
			ok = f_u64(f, &v, UINT32_MAX);
			ev->evt.cpu = (uint32_t)v;
		} else if (KEY_IS(k, kl, "retval")) {
			ok = f_i64(f, &ev->evt.retval, INT64_MIN, INT64_MAX);
		} else {
			ok = f_skip(f, 2);
		}
		if (!ok)
			return false;
	}
	if (!ev->evt.name || !has_ts)
		return f_fail(f, FAST_BAIL);
	ev->evt.type = cws_event_type_from_name(ev->evt.name);
	return true;
}

/* The exec object, its values at depth 2 (decode_exec). */
static bool f_exec(struct fdec *f, struct cws_event *ev)
{
	const char *k;
	uint32_t n, i, kl;
	bool ok, b;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "file")) {
			ok = f_file(f, &ev->exec.file, 3);
		} else if (KEY_IS(k, kl, "argv")) {
			ok = f_argv(f, &ev->exec.argv, &ev->exec.args_truncated,
				    3);
		} else if (KEY_IS(k, kl, "args_truncated")) {
			ok = f_bool(f, &b);
			ev->exec.args_truncated |= ok && b;
		} else {
			ok = f_skip(f, 2);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* The members of the object table that the event's type carries. */
/*
 * Members of the object table under one prefix (all those of the event's
 * type at the top), in table order, with their path lengths: what
 * om_under() picks out of the whole table, picked once per map.
 */
struct fobj {
	const struct omember *m[EVENT_NMEMBERS];
	uint8_t len[EVENT_NMEMBERS];
	unsigned n;
};

/* One leaf of the object table (decode_leaf), at depth d. */
static bool f_leaf(struct fdec *f, struct cws_evobj *o, const struct omember *m,
		   unsigned d)
{
	void *at = (char *)o + m->off;
	uint64_t v;
	int64_t i;

	if (m->has)
		*(bool *)((char *)o + m->has) = true;
	switch (m->kind) {
	case OK_I64V:
		/* Rare: the general decoder reads arrays of integers. */
		return f_fail(f, FAST_BAIL);
	case OK_U16:
		if (!f_u64(f, &v, UINT16_MAX))
			return false;
		*(uint16_t *)at = (uint16_t)v;
		return true;
	case OK_IP:
	case OK_IDSET:
		/* Rare: the general decoder parses it. */
		return f_fail(f, FAST_BAIL);
	case OK_U32:
	case OK_ID32:
		if (!f_u64(f, &v, UINT32_MAX))
			return false;
		*(uint32_t *)at = (uint32_t)v;
		return true;
	case OK_U64:
		return f_u64(f, at, UINT64_MAX);
	case OK_I32:
		if (!f_i64(f, &i, INT32_MIN, INT32_MAX))
			return false;
		*(int32_t *)at = (int32_t)i;
		return true;
	case OK_I64:
		return f_i64(f, at, INT64_MIN, INT64_MAX);
	case OK_STR:
		return f_dstr(f, at);
	case OK_BOOL:
		return f_bool(f, at);
	case OK_PROC:
		return f_process(f, at, NULL, d + 1);
	case OK_FILE:
		break;
	}
	return f_fail(f, FAST_BAIL);
}

/*
 * The map of an object whose members under its path are fo, depth keys
 * down, its values at depth d (decode_level).
 */
static bool f_level(struct fdec *f, struct cws_evobj *obj,
		    const struct fobj *fo, unsigned depth, unsigned d)
{
	const struct omember *spread = NULL, *m = NULL;
	struct fobj sub;
	size_t hint = 0;
	const char *k;
	uint32_t n, i, kl;
	unsigned j, jj;
	int rc;

	if (!f_map(f, &n))
		return false;
	for (j = 0; j < fo->n; j++)
		if (fo->len[j] == depth)
			spread = fo->m[j];
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		for (j = 0; j < fo->n; j++) {
			m = fo->m[j];
			if (fo->len[j] > depth && kl &&
			    m->path[depth][0] == k[0] &&
			    key_eq(m->path[depth], k, kl))
				break;
		}
		if (j < fo->n) {
			if (fo->len[j] == depth + 1 && m->kind != OK_FILE) {
				if (!f_leaf(f, obj, m, d))
					return false;
				continue;
			}
			sub.n = 0;
			for (jj = j; jj < fo->n; jj++)
				if (fo->len[jj] > depth &&
				    !strcmp(fo->m[jj]->path[depth],
					    m->path[depth])) {
					sub.m[sub.n] = fo->m[jj];
					sub.len[sub.n++] = fo->len[jj];
				}
			if (!f_level(f, obj, &sub, depth + 1, d + 1))
				return false;
			continue;
		}
		if (spread && spread->has)
			*(bool *)((char *)obj + spread->has) = true;
		rc = spread ? f_file_key(f, k, kl,
					 (struct cws_file *)((char *)obj +
							     spread->off),
					 &hint) :
			      0;
		if (rc < 0 || (rc == 0 && !f_skip(f, d)))
			return false;
	}
	return true;
}

static bool f_object(struct fdec *f, struct cws_event *ev)
{
	uint64_t tbit = 1ull << ev->evt.type;
	struct fobj fo;
	unsigned j;

	if (ev->evt.type == CWS_EVT_EXEC)
		return f_exec(f, ev);
	fo.n = 0;
	for (j = 0; j < EVENT_NMEMBERS; j++)
		if (event_omembers[j].types & tbit) {
			fo.m[fo.n] = &event_omembers[j];
			fo.len[fo.n++] = (uint8_t)plen(&event_omembers[j]);
		}
	return f_level(f, &ev->obj, &fo, 0, 2);
}

/*
 * A match record's "rule" (cws-filter's, at depth 1), as decode_rule()
 * reads it: cws-ship reads nothing but match records, and giving up at
 * their last key cost it the whole record twice.
 */
static bool f_strv(struct fdec *f, struct cws_strv *v)
{
	const char **a;
	uint32_t n, i;

	if (!f_array(f, &n))
		return false;
	a = f_alloc(f, ((size_t)n + 1) * sizeof(*a), sizeof(void *));
	if (!a)
		return false;
	for (i = 0; i < n; i++) {
		if (!f_dstr(f, &a[i]))
			return false;
		if (!a[i])
			a[i] = "";
	}
	v->v = a;
	v->n = n;
	return true;
}

static bool f_rule_tags(struct fdec *f, struct cws_event_rule *r)
{
	struct cws_kv *kv;
	uint32_t n, i;

	if (!f_map(f, &n))
		return false;
	kv = f_alloc(f, ((size_t)n + 1) * sizeof(*kv), sizeof(void *));
	if (!kv)
		return false;
	for (i = 0; i < n; i++)
		if (!f_dstr(f, &kv[i].key) || !f_dstr(f, &kv[i].value))
			return false;
	r->tags = kv;
	r->ntags = n;
	return true;
}

static bool f_rule_policy(struct fdec *f, struct cws_event_rule *r)
{
	const char *k;
	uint32_t n, i, kl;
	bool ok;

	if (!f_map(f, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "name"))
			ok = f_dstr(f, &r->policy_name);
		else if (KEY_IS(k, kl, "version"))
			ok = f_dstr(f, &r->policy_version);
		else if (KEY_IS(k, kl, "source"))
			ok = f_dstr(f, &r->policy_source);
		else
			ok = f_skip(f, 3);
		if (!ok)
			return false;
	}
	return true;
}

static bool f_rule_actions(struct fdec *f, struct cws_event_rule *r)
{
	struct cws_rule_action *a;
	uint32_t n, m, i, j, kl;
	const char *k;
	uint64_t pid;
	bool ok;

	if (!f_array(f, &n))
		return false;
	a = f_alloc(f, ((size_t)n + 1) * sizeof(*a), sizeof(void *));
	if (!a)
		return false;
	memset(a, 0, ((size_t)n + 1) * sizeof(*a));
	for (i = 0; i < n; i++) {
		if (!f_map(f, &m))
			return false;
		for (j = 0; j < m; j++) {
			if (!f_key(f, &k, &kl))
				return false;
			if (KEY_IS(k, kl, "type")) {
				ok = f_dstr(f, &a[i].type);
			} else if (KEY_IS(k, kl, "signal")) {
				ok = f_dstr(f, &a[i].signal);
			} else if (KEY_IS(k, kl, "scope")) {
				ok = f_dstr(f, &a[i].scope);
			} else if (KEY_IS(k, kl, "pid")) {
				ok = f_u64(f, &pid, UINT32_MAX);
				a[i].pid = (uint32_t)pid;
			} else if (KEY_IS(k, kl, "status")) {
				ok = f_dstr(f, &a[i].status);
			} else if (KEY_IS(k, kl, "message")) {
				ok = f_dstr(f, &a[i].message);
			} else if (KEY_IS(k, kl, "path")) {
				ok = f_dstr(f, &a[i].path);
			} else if (KEY_IS(k, kl, "state")) {
				ok = f_dstr(f, &a[i].state);
			} else if (KEY_IS(k, kl, "trigger")) {
				ok = f_dstr(f, &a[i].trigger);
			} else if (KEY_IS(k, kl, "hashes")) {
				ok = f_strv(f, &a[i].hashes);
			} else if (KEY_IS(k, kl, "created_at")) {
				ok = f_u64(f, &a[i].created_at, UINT64_MAX);
			} else if (KEY_IS(k, kl, "detected_at")) {
				ok = f_u64(f, &a[i].detected_at, UINT64_MAX);
			} else if (KEY_IS(k, kl, "killed_at")) {
				ok = f_u64(f, &a[i].killed_at, UINT64_MAX);
			} else if (KEY_IS(k, kl, "exited_at")) {
				ok = f_u64(f, &a[i].exited_at, UINT64_MAX);
			} else {
				ok = f_skip(f, 4);
			}
			if (!ok)
				return false;
		}
	}
	r->actions = a;
	r->nactions = n;
	return true;
}

static bool f_rule(struct fdec *f, struct cws_event *ev)
{
	struct cws_event_rule *r;
	const char *k;
	uint32_t n, i, kl;
	bool ok;

	if (!f_map(f, &n))
		return false;
	r = f_alloc(f, sizeof(*r), sizeof(void *));
	if (!r)
		return false;
	memset(r, 0, sizeof(*r));
	for (i = 0; i < n; i++) {
		if (!f_key(f, &k, &kl))
			return false;
		if (KEY_IS(k, kl, "id"))
			ok = f_dstr(f, &r->id);
		else if (KEY_IS(k, kl, "version"))
			ok = f_dstr(f, &r->version);
		else if (KEY_IS(k, kl, "description"))
			ok = f_dstr(f, &r->description);
		else if (KEY_IS(k, kl, "group_id"))
			ok = f_dstr(f, &r->group_id);
		else if (KEY_IS(k, kl, "policy"))
			ok = f_rule_policy(f, r);
		else if (KEY_IS(k, kl, "tags"))
			ok = f_rule_tags(f, r);
		else if (KEY_IS(k, kl, "product_tags"))
			ok = f_strv(f, &r->product_tags);
		else if (KEY_IS(k, kl, "actions"))
			ok = f_rule_actions(f, r);
		else
			ok = f_skip(f, 2);
		if (!ok)
			return false;
	}
	if (!r->id)
		return f_fail(f, FAST_BAIL); /* the slow path words it */
	ev->rule = r;
	return true;
}

/*
 * Decodes the event record at data[0..len) into ev, strings into the
 * arena (or a cache entry); *used is its length. Returns FAST_OK,
 * FAST_MORE, or another value to give up.
 */
int event_fast_decode(const char *data, size_t len, struct cws_event *ev,
		      char *arena, size_t cap, struct cws_reader_cache *cache,
		      size_t *used)
{
	struct fdec f = {
		.p = (const unsigned char *)data,
		.start = (const unsigned char *)data,
		.arena = arena,
		.cap = cap,
		.cache = cache,
	};
	bool type = false, evt = false, proc = false, cont = false;
	bool obj = false, rule = false, ok;
	const char *k, *tname = NULL;
	uint32_t n, i, kl;

	f.capped = len >= CWS_EVENT_MAX_RECORD;
	f.lim = f.p + (f.capped ? CWS_EVENT_MAX_RECORD : len);
	cws_event_clear(ev);
	if (!f_map(&f, &n))
		return f.rc;
	for (i = 0; i < n; i++) {
		if (!f_key(&f, &k, &kl))
			return f.rc;
		if (KEY_IS(k, kl, "type")) {
			const char *s;
			uint32_t sl;

			if (type || !f_str(&f, &s, &sl, false))
				return f.rc ? f.rc : FAST_BAIL;
			if (!KEY_IS(s, sl, "event"))
				return FAST_BAIL;
			ev->type_name = event_record_names[CWS_REC_EVENT];
			ev->type = CWS_REC_EVENT;
			type = true;
			continue;
		}
		if (KEY_IS(k, kl, "evt")) {
			ok = !evt && f_evt(&f, ev);
			tname = cws_event_type_name(ev->evt.type);
			evt = true;
		} else if (KEY_IS(k, kl, "process")) {
			ok = !proc && f_event_process(&f, ev);
			proc = true;
		} else if (KEY_IS(k, kl, "container")) {
			ok = !cont && f_container(&f, &ev->container.id, 2);
			cont = true;
		} else if (!evt) {
			ok = false;
		} else if (KEY_IS(k, kl, "rule")) {
			ok = !rule && f_rule(&f, ev);
			rule = true;
		} else if (ev->evt.type != CWS_EVT_UNKNOWN &&
			   key_eq(tname, k, kl)) {
			ok = !obj && f_object(&f, ev);
			obj = true;
		} else {
			ok = f_skip(&f, 1);
		}
		if (!ok)
			return f.rc ? f.rc : FAST_BAIL;
	}
	if (!type || !evt || !proc)
		return FAST_BAIL;
	*used = (size_t)(f.p - f.start);
	return FAST_OK;
}
