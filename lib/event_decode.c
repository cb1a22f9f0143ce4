/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec: scanning and decoding. Decoding is three steps so that
 * hostile bytes stay harmless:
 *
 *  1. cws_event_scan() walks one msgpack value without allocating and
 *     bounds it (depth, counts against bytes present, string lengths, total
 *     size), so msgpack-c never sees a value that claims more than it has;
 *  2. msgpack_unpack() unpacks the complete, bounded value into a zone
 *     reused for every record (the reader does that, event_reader.c);
 *  3. decode copies what the record carries into the struct, strings into a
 *     preallocated arena, and reports a missing or mistyped key by its SECL
 *     path.
 *
 * The fast path (event_fast.c) gives up on whatever it does not take, and
 * these steps then decide.
 */
#include "compat.h"
#include "event_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Scanning: one msgpack value, bounded, without allocation.
 */

/*
 * cws_event_scan for a value that sits inside containers: a container at
 * maxdepth levels below it is one too deep (the record's own limit is
 * CWS_EVENT_MAX_DEPTH from its root).
 */
long event_scan(const char *data, size_t len, size_t *bad, unsigned maxdepth)
{
	const unsigned char *p = (const unsigned char *)data;
	uint64_t pending[CWS_EVENT_MAX_DEPTH + 1];
	unsigned depth = 0;
	size_t pos = 0;

	*bad = 0;
	pending[0] = 1;
	for (;;) {
		uint64_t count = 0, skip = 0;
		unsigned hdr = 1, lenbytes = 0;
		unsigned char b;

		while (depth > 0 && pending[depth] == 0)
			depth--;
		if (depth == 0 && pending[0] == 0)
			return (long)pos;
		if (pos >= len)
			return 0;
		pending[depth]--;
		b = p[pos];
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 ||
		    b == 0xc3) {
			/* fixint, nil, bool */
		} else if (b >= 0x80 && b <= 0x8f) {
			count = 2u * (b & 0x0f);
		} else if (b >= 0x90 && b <= 0x9f) {
			count = b & 0x0f;
		} else if (b >= 0xa0 && b <= 0xbf) {
			skip = b & 0x1f;
		} else {
			switch (b) {
			case 0xc4:
			case 0xd9:
				lenbytes = 1;
				break;
			case 0xc5:
			case 0xda:
				lenbytes = 2;
				break;
			case 0xc6:
			case 0xdb:
				lenbytes = 4;
				break;
			case 0xc7:
				lenbytes = 1;
				skip = 1;
				break;
			case 0xc8:
				lenbytes = 2;
				skip = 1;
				break;
			case 0xc9:
				lenbytes = 4;
				skip = 1;
				break;
			case 0xca:
				skip = 4;
				break;
			case 0xcb:
				skip = 8;
				break;
			case 0xcc:
			case 0xd0:
				skip = 1;
				break;
			case 0xcd:
			case 0xd1:
				skip = 2;
				break;
			case 0xce:
			case 0xd2:
				skip = 4;
				break;
			case 0xcf:
			case 0xd3:
				skip = 8;
				break;
			case 0xd4:
				skip = 2;
				break;
			case 0xd5:
				skip = 3;
				break;
			case 0xd6:
				skip = 5;
				break;
			case 0xd7:
				skip = 9;
				break;
			case 0xd8:
				skip = 17;
				break;
			case 0xdc:
			case 0xde:
				hdr = 3;
				break;
			case 0xdd:
			case 0xdf:
				hdr = 5;
				break;
			default: /* 0xc1 is never used */
				*bad = pos;
				return -EINVAL;
			}
			if (hdr > 1) {
				if (pos + hdr > len)
					return 0;
				count = be(p + pos + 1, hdr - 1);
				if (b == 0xde || b == 0xdf)
					count *= 2;
			}
			if (lenbytes) {
				uint64_t n;

				hdr = 1 + lenbytes;
				if (pos + hdr > len)
					return 0;
				n = be(p + pos + 1, lenbytes);
				if (n > CWS_EVENT_MAX_STR) {
					*bad = pos;
					return -E2BIG;
				}
				skip += n;
			}
		}
		pos += hdr + skip;
		if (pos > CWS_EVENT_MAX_RECORD) {
			*bad = pos - hdr - skip;
			return -E2BIG;
		}
		if (pos > len)
			return 0;
		if (count) {
			/* Each element takes at least one byte. */
			if (count > CWS_EVENT_MAX_RECORD || depth == maxdepth) {
				*bad = pos - hdr;
				return -E2BIG;
			}
			pending[++depth] = count;
		}
	}
}

long cws_event_scan(const char *data, size_t len, size_t *bad)
{
	return event_scan(data, len, bad, CWS_EVENT_MAX_DEPTH);
}

/*
 * Decoding.
 */

struct dctx {
	char *arena;
	size_t cap, used;
	struct cws_event_err *err;
	int rc;
};

/*
 * Where a value sits in the record, as a chain of keys: the SECL-like name
 * ("process.file.inode") is only formatted when an error names it, so the
 * hot path never calls snprintf.
 */
struct kp {
	const struct kp *up;
	const char *key;
};

static const char *kp_format(char *buf, size_t n, const struct kp *p)
{
	const char *parts[2 * CWS_EVENT_MAX_DEPTH];
	size_t o = 0;
	int k = 0;

	for (; p && k < (int)CWS_ARRAY_SIZE(parts); p = p->up)
		if (p->key)
			parts[k++] = p->key;
	buf[0] = '\0';
	while (k-- > 0 && o < n) {
		int w = snprintf(buf + o, n - o, "%s%s", o ? "." : "",
				 parts[k]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

CWS_PRINTF(2, 3)
static void derr(struct dctx *d, const char *fmt, ...)
{
	va_list ap;

	if (d->rc)
		return;
	va_start(ap, fmt);
	vsnprintf(d->err->msg, sizeof(d->err->msg), fmt, ap);
	va_end(ap);
	d->rc = -EINVAL;
}

#define KP(p) kp_format((char[160]){ 0 }, 160, (p))

static void *dalloc(struct dctx *d, size_t n, size_t align)
{
	size_t at = (d->used + align - 1) & ~(align - 1);

	if (at + n > d->cap || at + n < at) {
		if (!d->rc) {
			snprintf(d->err->msg, sizeof(d->err->msg),
				 "record too large to decode");
			d->rc = -E2BIG;
		}
		return NULL;
	}
	d->used = at + n;
	return d->arena + at;
}

static bool key_is(const msgpack_object *k, const char *s)
{
	size_t n = strlen(s);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	       !memcmp(k->via.str.ptr, s, n);
}

static const char *dstr(struct dctx *d, const msgpack_object *o,
			const struct kp *path)
{
	char *s;

	if (o->type == MSGPACK_OBJECT_NIL)
		return NULL;
	if (o->type != MSGPACK_OBJECT_STR) {
		derr(d, "%s: expected a string", KP(path));
		return NULL;
	}
	s = dalloc(d, o->via.str.size + 1, 1);
	if (!s)
		return NULL;
	memcpy(s, o->via.str.ptr, o->via.str.size);
	s[o->via.str.size] = '\0';
	return s;
}

static uint64_t du64(struct dctx *d, const msgpack_object *o,
		     const struct kp *path, uint64_t max)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max) {
		derr(d, "%s: expected an unsigned integer up to %llu", KP(path),
		     (unsigned long long)max);
		return 0;
	}
	return o->via.u64;
}

/* The reverse of pk_hex64. */
static uint64_t dhex64(struct dctx *d, const msgpack_object *o,
		       const struct kp *path)
{
	uint64_t v = 0;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size != 16) {
		derr(d, "%s: expected 16 hex digits", KP(path));
		return 0;
	}
	for (i = 0; i < 16; i++) {
		char c = o->via.str.ptr[i];
		unsigned x = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
						    16;

		if (x > 15) {
			derr(d, "%s: expected 16 hex digits", KP(path));
			return 0;
		}
		v = v << 4 | x;
	}
	return v;
}

static int64_t di64(struct dctx *d, const msgpack_object *o,
		    const struct kp *path, int64_t min, int64_t max)
{
	int64_t v;

	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		v = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		 o->via.u64 <= INT64_MAX)
		v = (int64_t)o->via.u64;
	else
		goto bad;
	if (v < min || v > max)
		goto bad;
	return v;
bad:
	derr(d, "%s: expected an integer in [%lld, %lld]", KP(path),
	     (long long)min, (long long)max);
	return 0;
}

static bool dbool(struct dctx *d, const msgpack_object *o,
		  const struct kp *path)
{
	if (o->type != MSGPACK_OBJECT_BOOLEAN) {
		derr(d, "%s: expected a boolean", KP(path));
		return false;
	}
	return o->via.boolean;
}

static bool dmap(struct dctx *d, const msgpack_object *o, const struct kp *path)
{
	if (o->type != MSGPACK_OBJECT_MAP) {
		derr(d, "%s: expected a map", KP(path));
		return false;
	}
	return true;
}

#define U32 UINT32_MAX
#define FIELD(name) (key_is(k, name) && (kb.key = name))

/* Decodes one key of a file map; returns false for a key it does not know. */
static bool decode_file_key(struct dctx *d, const msgpack_object *k,
			    const msgpack_object *v, struct cws_file *f,
			    const struct kp *prefix)
{
	struct kp kb = { prefix, NULL }, *pb = &kb;

	if (FIELD("path"))
		f->path = dstr(d, v, pb);
	else if (FIELD("name"))
		f->name = dstr(d, v, pb);
	else if (FIELD("path_resolution_error"))
		f->path_resolution_error = dstr(d, v, pb);
	else if (FIELD("filesystem"))
		f->filesystem = dstr(d, v, pb);
	else if (FIELD("user"))
		f->user = dstr(d, v, pb);
	else if (FIELD("group"))
		f->group = dstr(d, v, pb);
	else if (FIELD("inode"))
		f->inode = du64(d, v, pb, UINT64_MAX);
	else if (FIELD("mount_id"))
		f->mount_id = du64(d, v, pb, U32);
	else if (FIELD("mode"))
		f->mode = du64(d, v, pb, U32);
	else if (FIELD("uid"))
		f->uid = du64(d, v, pb, U32);
	else if (FIELD("gid"))
		f->gid = du64(d, v, pb, U32);
	else if (FIELD("change_time"))
		f->change_time = du64(d, v, pb, UINT64_MAX);
	else if (FIELD("modification_time"))
		f->modification_time = du64(d, v, pb, UINT64_MAX);
	else if (FIELD("in_upper_layer")) {
		f->in_upper_layer = dbool(d, v, pb);
		f->in_upper_layer_known = true;
	} else
		return false;
	return true;
}

static void decode_file(struct dctx *d, const msgpack_object *o,
			struct cws_file *f, const struct kp *prefix)
{
	uint32_t i;

	if (!dmap(d, o, prefix))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++)
		decode_file_key(d, &o->via.map.ptr[i].key,
				&o->via.map.ptr[i].val, f, prefix);
}

static void decode_argv(struct dctx *d, const msgpack_object *o,
			struct cws_strv *argv, bool *truncated,
			const struct kp *path)
{
	uint32_t i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		derr(d, "%s: expected an array of strings", KP(path));
		return;
	}
	n = o->via.array.size;
	if (n > CWS_EVENT_MAX_ARGS) {
		n = CWS_EVENT_MAX_ARGS;
		*truncated = true;
	}
	argv->v = dalloc(d, (n ? n : 1) * sizeof(char *), sizeof(char *));
	if (!argv->v)
		return;
	for (i = 0; i < n && !d->rc; i++) {
		argv->v[i] = dstr(d, &o->via.array.ptr[i], path);
		if (!argv->v[i] && !d->rc)
			argv->v[i] = "";
	}
	argv->n = n;
}

static void decode_process(struct dctx *d, const msgpack_object *o,
			   struct cws_process *p, struct cws_event *ev,
			   const struct kp *prefix);

/* A process's "cgroup": {id, inode, mount_id}. */
static void decode_cgroup(struct dctx *d, const msgpack_object *v,
			  struct cws_process *p, const struct kp *pb)
{
	const msgpack_object *k, *x;
	uint32_t j;

	if (!dmap(d, v, pb))
		return;
	for (j = 0; j < v->via.map.size && !d->rc; j++) {
		k = &v->via.map.ptr[j].key;
		x = &v->via.map.ptr[j].val;
		if (key_is(k, "id"))
			p->cgroup_id = dstr(d, x, pb);
		else if (key_is(k, "inode"))
			p->cgroup_inode = du64(d, x, pb, UINT64_MAX);
		else if (key_is(k, "mount_id"))
			p->cgroup_mount_id = du64(d, x, pb, U32);
	}
}

static void decode_ancestors(struct dctx *d, const msgpack_object *o,
			     struct cws_event *ev, const struct kp *path)
{
	uint32_t i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		derr(d, "%s: expected an array of processes", KP(path));
		return;
	}
	n = o->via.array.size;
	if (n > CWS_EVENT_MAX_ANCESTORS) {
		n = CWS_EVENT_MAX_ANCESTORS;
		ev->ancestors_truncated = true;
	}
	ev->ancestors = dalloc(d, (n ? n : 1) * sizeof(*ev->ancestors),
			       _Alignof(struct cws_process));
	if (!ev->ancestors)
		return;
	memset(ev->ancestors, 0, (n ? n : 1) * sizeof(*ev->ancestors));
	for (i = 0; i < n && !d->rc; i++)
		decode_process(d, &o->via.array.ptr[i], &ev->ancestors[i], NULL,
			       path);
	ev->nancestors = n;
}

/* ev is NULL for ancestors: they carry no ancestors of their own. */
static void decode_process(struct dctx *d, const msgpack_object *o,
			   struct cws_process *p, struct cws_event *ev,
			   const struct kp *prefix)
{
	struct cws_creds *c = &p->cred;
	bool has_pid = false;
	struct kp kb = { prefix, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, prefix))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("pid")) {
			p->pid = du64(d, v, pb, U32);
			has_pid = true;
		} else if (FIELD("key"))
			p->key = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("parent_key"))
			p->parent_key = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("tid"))
			p->tid = du64(d, v, pb, U32);
		else if (FIELD("ppid"))
			p->ppid = du64(d, v, pb, U32);
		else if (FIELD("comm"))
			p->comm = dstr(d, v, pb);
		else if (FIELD("tty_name"))
			p->tty_name = dstr(d, v, pb);
		else if (FIELD("cwd"))
			p->cwd = dstr(d, v, pb);
		else if (FIELD("container")) {
			bool tags_truncated = false;
			uint32_t j;

			if (!dmap(d, v, pb))
				break;
			for (j = 0; j < v->via.map.size; j++)
				if (key_is(&v->via.map.ptr[j].key, "id"))
					p->container_id = dstr(
						d, &v->via.map.ptr[j].val, pb);
				else if (key_is(&v->via.map.ptr[j].key,
						"created_at"))
					p->container_created_at =
						du64(d, &v->via.map.ptr[j].val,
						     pb, UINT64_MAX);
				else if (key_is(&v->via.map.ptr[j].key, "tags"))
					decode_argv(d, &v->via.map.ptr[j].val,
						    &p->container_tags,
						    &tags_truncated, pb);
		} else if (FIELD("cgroup")) {
			decode_cgroup(d, v, p, pb);
		} else if (FIELD("envs"))
			decode_argv(d, v, &p->envs, &p->envs_truncated, pb);
		else if (FIELD("envp"))
			decode_argv(d, v, &p->envp, &p->envs_truncated, pb);
		else if (FIELD("envs_truncated"))
			p->envs_truncated |= dbool(d, v, pb);
		else if (FIELD("created_at"))
			p->fork_time = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("exec_time"))
			p->exec_time = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("file"))
			decode_file(d, v, &p->file, pb);
		else if (FIELD("argv"))
			decode_argv(d, v, &p->argv, &p->args_truncated, pb);
		else if (FIELD("args_truncated"))
			p->args_truncated |= dbool(d, v, pb);
		else if (FIELD("is_thread"))
			p->is_thread = dbool(d, v, pb);
		else if (FIELD("uid"))
			c->uid = du64(d, v, pb, U32);
		else if (FIELD("gid"))
			c->gid = du64(d, v, pb, U32);
		else if (FIELD("euid"))
			c->euid = du64(d, v, pb, U32);
		else if (FIELD("egid"))
			c->egid = du64(d, v, pb, U32);
		else if (FIELD("fsuid"))
			c->fsuid = du64(d, v, pb, U32);
		else if (FIELD("fsgid"))
			c->fsgid = du64(d, v, pb, U32);
		else if (FIELD("auid"))
			c->auid = du64(d, v, pb, U32);
		else if (FIELD("user"))
			c->user = dstr(d, v, pb);
		else if (FIELD("group"))
			c->group = dstr(d, v, pb);
		else if (FIELD("euser"))
			c->euser = dstr(d, v, pb);
		else if (FIELD("egroup"))
			c->egroup = dstr(d, v, pb);
		else if (FIELD("fsuser"))
			c->fsuser = dstr(d, v, pb);
		else if (FIELD("fsgroup"))
			c->fsgroup = dstr(d, v, pb);
		else if (FIELD("cap_effective"))
			c->cap_effective = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("cap_permitted"))
			c->cap_permitted = du64(d, v, pb, UINT64_MAX);
		else if (ev && FIELD("ancestors"))
			decode_ancestors(d, v, ev, pb);
		else if (ev && FIELD("ancestors_truncated"))
			ev->ancestors_truncated |= dbool(d, v, pb);
	}
	if (!has_pid)
		derr(d, "missing required key '%s.pid'", KP(prefix));
}

static void decode_evt(struct dctx *d, const msgpack_object *o,
		       struct cws_event *ev)
{
	bool has_ts = false;
	const struct kp *prefix = &(const struct kp){ NULL, "evt" };
	struct kp kb = { prefix, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, prefix))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("name")) {
			ev->evt.name = dstr(d, v, pb);
		} else if (FIELD("timestamp")) {
			ev->timestamp = du64(d, v, pb, UINT64_MAX);
			has_ts = true;
		} else if (FIELD("cpu"))
			ev->evt.cpu = du64(d, v, pb, U32);
		else if (FIELD("retval"))
			ev->evt.retval = di64(d, v, pb, INT64_MIN, INT64_MAX);
	}
	if (d->rc)
		return;
	if (!ev->evt.name)
		derr(d, "missing required key 'evt.name'");
	else if (!has_ts)
		derr(d, "missing required key 'evt.timestamp'");
	else
		ev->evt.type = cws_event_type_from_name(ev->evt.name);
}

/* The object named after the event type. */
static void decode_exec(struct dctx *d, const msgpack_object *o,
			struct cws_event *ev, const struct kp *prefix);

/* An array of integers, at most CWS_EVENT_MAX_FILTER of them kept. */
static void decode_i64v(struct dctx *d, const msgpack_object *o,
			struct cws_i64v *a, const struct kp *path)
{
	int64_t *v;
	uint32_t i, n;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		derr(d, "%s: expected an array of integers", KP(path));
		return;
	}
	n = o->via.array.size;
	if (n > CWS_EVENT_MAX_FILTER)
		n = CWS_EVENT_MAX_FILTER;
	v = dalloc(d, (n ? n : 1) * sizeof(*v), sizeof(*v));
	if (!v)
		return;
	for (i = 0; i < n && !d->rc; i++)
		v[i] = di64(d, &o->via.array.ptr[i], path, INT64_MIN,
			    INT64_MAX);
	a->v = v;
	a->n = n;
}

/* Decodes one leaf of the object table into o. */
static void decode_leaf(struct dctx *d, const msgpack_object *v,
			struct cws_evobj *o, const struct omember *m,
			const struct kp *at)
{
	void *f = (char *)o + m->off;

	if (m->has)
		*(bool *)((char *)o + m->has) = true;
	switch (m->kind) {
	case OK_I64V:
		decode_i64v(d, v, f, at);
		break;
	case OK_U16:
		*(uint16_t *)f = (uint16_t)du64(d, v, at, UINT16_MAX);
		break;
	case OK_IP: {
		const char *s = dstr(d, v, at);

		if (s && !event_parse_ip(s, f))
			derr(d, "%s: not an IP address", "ip");
		break;
	}
	case OK_U32:
	case OK_ID32:
		*(uint32_t *)f = du64(d, v, at, U32);
		break;
	case OK_U64:
		*(uint64_t *)f = du64(d, v, at, UINT64_MAX);
		break;
	case OK_I32:
		*(int32_t *)f = di64(d, v, at, INT32_MIN, INT32_MAX);
		break;
	case OK_I64:
		*(int64_t *)f = di64(d, v, at, INT64_MIN, INT64_MAX);
		break;
	case OK_STR:
		*(const char **)f = dstr(d, v, at);
		break;
	case OK_BOOL:
		*(bool *)f = dbool(d, v, at);
		break;
	case OK_PROC:
		decode_process(d, v, f, NULL, at);
		break;
	case OK_IDSET: {
		uint64_t *w = f;
		uint32_t i;
		uint64_t id;

		if (v->type != MSGPACK_OBJECT_ARRAY) {
			derr(d, "%s: expected an array of integers", KP(at));
			break;
		}
		for (i = 0; i < v->via.array.size && !d->rc; i++) {
			id = du64(d, &v->via.array.ptr[i], at, UINT64_MAX);
			/* Ids past 191 are not Datadog's either: not kept. */
			if (id < 192)
				w[id / 64] |= 1ull << (id % 64);
		}
		break;
	}
	case OK_FILE:
		break;
	}
}

/* The map at prefix[0..depth) of an object, through the member table. */
static void decode_level(struct dctx *d, const msgpack_object *o,
			 struct cws_evobj *obj, uint64_t tbit,
			 const char **prefix, unsigned depth,
			 const struct kp *at)
{
	const struct omember *spread = NULL;
	uint32_t i;
	unsigned j;

	if (!dmap(d, o, at))
		return;
	for (j = 0; j < EVENT_NMEMBERS; j++)
		if (om_under(&event_omembers[j], tbit,
			     (const char *const *)prefix, depth) &&
		    plen(&event_omembers[j]) == depth)
			spread = &event_omembers[j];
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;
		struct kp kb = { at, NULL };

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		for (j = 0; j < EVENT_NMEMBERS; j++) {
			const struct omember *m = &event_omembers[j];

			if (!om_under(m, tbit, (const char *const *)prefix,
				      depth) ||
			    plen(m) <= depth || !key_is(k, m->path[depth]))
				continue;
			kb.key = m->path[depth];
			if (plen(m) == depth + 1 && m->kind != OK_FILE) {
				decode_leaf(d, v, obj, m, &kb);
			} else {
				prefix[depth] = m->path[depth];
				decode_level(d, v, obj, tbit, prefix, depth + 1,
					     &kb);
			}
			break;
		}
		if (j == EVENT_NMEMBERS && spread) {
			if (spread->has)
				*(bool *)((char *)obj + spread->has) = true;
			decode_file_key(
				d, k, v,
				(struct cws_file *)((char *)obj + spread->off),
				at);
		}
	}
}

static void decode_object(struct dctx *d, const msgpack_object *o,
			  struct cws_event *ev, const struct kp *prefix)
{
	const char *path[3] = { NULL };

	if (ev->evt.type != CWS_EVT_EXEC) {
		decode_level(d, o, &ev->obj, 1ull << ev->evt.type, path, 0,
			     prefix);
		return;
	}
	decode_exec(d, o, ev, prefix);
}

static void decode_exec(struct dctx *d, const msgpack_object *o,
			struct cws_event *ev, const struct kp *prefix)
{
	struct kp kb = { prefix, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, prefix))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		switch (ev->evt.type) {
		case CWS_EVT_EXEC:
			if (FIELD("file"))
				decode_file(d, v, &ev->exec.file, pb);
			else if (FIELD("argv"))
				decode_argv(d, v, &ev->exec.argv,
					    &ev->exec.args_truncated, pb);
			else if (FIELD("args_truncated"))
				ev->exec.args_truncated |= dbool(d, v, pb);
			break;
		default:
			break;
		}
	}
}

/*
 * cws-filter additions (decoding): match records' "rule", ruleset_loaded
 * and the heartbeat's policies. Counts are bounded by the scanner (each
 * element takes at least one byte) and memory by the arena.
 */

static bool darray(struct dctx *d, const msgpack_object *o,
		   const struct kp *path)
{
	if (o->type != MSGPACK_OBJECT_ARRAY) {
		derr(d, "%s: expected an array", KP(path));
		return false;
	}
	return true;
}

static void decode_kvs(struct dctx *d, const msgpack_object *o,
		       const struct cws_kv **out, uint32_t *n,
		       const struct kp *path)
{
	struct cws_kv *kv;
	uint32_t i;

	if (!dmap(d, o, path))
		return;
	kv = dalloc(d, (o->via.map.size + 1) * sizeof(*kv), sizeof(void *));
	if (!kv)
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		kv[i].key = dstr(d, &o->via.map.ptr[i].key, path);
		kv[i].value = dstr(d, &o->via.map.ptr[i].val, path);
	}
	*out = kv;
	*n = o->via.map.size;
}

static void decode_strs(struct dctx *d, const msgpack_object *o,
			struct cws_strv *v, const struct kp *path)
{
	uint32_t i;

	if (!darray(d, o, path))
		return;
	v->v = dalloc(d, (o->via.array.size + 1) * sizeof(char *),
		      sizeof(char *));
	if (!v->v)
		return;
	for (i = 0; i < o->via.array.size && !d->rc; i++) {
		v->v[i] = dstr(d, &o->via.array.ptr[i], path);
		if (!v->v[i] && !d->rc)
			v->v[i] = "";
	}
	v->n = o->via.array.size;
}

static void decode_rule_action(struct dctx *d, const msgpack_object *o,
			       struct cws_rule_action *a, const struct kp *pa)
{
	struct kp kb = { pa, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, pa))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("type"))
			a->type = dstr(d, v, pb);
		else if (FIELD("signal"))
			a->signal = dstr(d, v, pb);
		else if (FIELD("scope"))
			a->scope = dstr(d, v, pb);
		else if (FIELD("pid"))
			a->pid = du64(d, v, pb, U32);
		else if (FIELD("status"))
			a->status = dstr(d, v, pb);
		else if (FIELD("message"))
			a->message = dstr(d, v, pb);
		else if (FIELD("path"))
			a->path = dstr(d, v, pb);
		else if (FIELD("state"))
			a->state = dstr(d, v, pb);
		else if (FIELD("trigger"))
			a->trigger = dstr(d, v, pb);
		else if (FIELD("hashes"))
			decode_strs(d, v, &a->hashes, pb);
		else if (FIELD("created_at"))
			a->created_at = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("detected_at"))
			a->detected_at = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("killed_at"))
			a->killed_at = du64(d, v, pb, UINT64_MAX);
		else if (FIELD("exited_at"))
			a->exited_at = du64(d, v, pb, UINT64_MAX);
	}
}

static void decode_rule_policy(struct dctx *d, const msgpack_object *o,
			       struct cws_event_rule *r, const struct kp *pp)
{
	struct kp kb = { pp, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, pp))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("name"))
			r->policy_name = dstr(d, v, pb);
		else if (FIELD("version"))
			r->policy_version = dstr(d, v, pb);
		else if (FIELD("source"))
			r->policy_source = dstr(d, v, pb);
	}
}

static void decode_rule(struct dctx *d, const msgpack_object *o,
			struct cws_event *ev)
{
	const struct kp *prefix = &(const struct kp){ NULL, "rule" };
	struct kp kb = { prefix, NULL }, *pb = &kb;
	struct cws_event_rule *r;
	struct cws_rule_action *a;
	uint32_t i, j;

	if (!dmap(d, o, prefix))
		return;
	r = dalloc(d, sizeof(*r), sizeof(void *));
	if (!r)
		return;
	memset(r, 0, sizeof(*r));
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("id")) {
			r->id = dstr(d, v, pb);
		} else if (FIELD("version")) {
			r->version = dstr(d, v, pb);
		} else if (FIELD("description")) {
			r->description = dstr(d, v, pb);
		} else if (FIELD("group_id")) {
			r->group_id = dstr(d, v, pb);
		} else if (FIELD("policy")) {
			decode_rule_policy(d, v, r, pb);
		} else if (FIELD("tags")) {
			decode_kvs(d, v, &r->tags, &r->ntags, pb);
		} else if (FIELD("product_tags")) {
			decode_strs(d, v, &r->product_tags, pb);
		} else if (FIELD("actions") && darray(d, v, pb)) {
			a = dalloc(d, (v->via.array.size + 1) * sizeof(*a),
				   sizeof(void *));
			if (!a)
				return;
			memset(a, 0, (v->via.array.size + 1) * sizeof(*a));
			for (j = 0; j < v->via.array.size && !d->rc; j++)
				decode_rule_action(d, &v->via.array.ptr[j],
						   &a[j], pb);
			r->actions = a;
			r->nactions = v->via.array.size;
		}
	}
	if (!d->rc && !r->id)
		derr(d, "missing required key 'rule.id'");
	ev->rule = r;
}

static void decode_ruleset_rule(struct dctx *d, const msgpack_object *o,
				struct cws_ruleset_rule *r, const struct kp *pr)
{
	struct kp kb = { pr, NULL }, *pb = &kb;
	uint32_t i;

	if (!dmap(d, o, pr))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("id"))
			r->id = dstr(d, v, pb);
		else if (FIELD("version"))
			r->version = dstr(d, v, pb);
		else if (FIELD("expression"))
			r->expression = dstr(d, v, pb);
		else if (FIELD("status"))
			r->status = dstr(d, v, pb);
		else if (FIELD("message"))
			r->message = dstr(d, v, pb);
		else if (FIELD("tags"))
			decode_kvs(d, v, &r->tags, &r->ntags, pb);
		else if (FIELD("actions"))
			decode_strs(d, v, &r->actions, pb);
		else if (FIELD("modified_by"))
			decode_strs(d, v, &r->modified_by, pb);
	}
}

static void decode_policy(struct dctx *d, const msgpack_object *o,
			  struct cws_ruleset_policy *p, const struct kp *pp)
{
	struct kp kb = { pp, NULL }, *pb = &kb;
	struct cws_ruleset_rule *r;
	uint32_t i, j;

	if (!dmap(d, o, pp))
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("name")) {
			p->name = dstr(d, v, pb);
		} else if (FIELD("version")) {
			p->version = dstr(d, v, pb);
		} else if (FIELD("source")) {
			p->source = dstr(d, v, pb);
		} else if (FIELD("error")) {
			p->error = dstr(d, v, pb);
		} else if (FIELD("rules") && darray(d, v, pb)) {
			r = dalloc(d, (v->via.array.size + 1) * sizeof(*r),
				   sizeof(void *));
			if (!r)
				return;
			memset(r, 0, (v->via.array.size + 1) * sizeof(*r));
			for (j = 0; j < v->via.array.size && !d->rc; j++)
				decode_ruleset_rule(d, &v->via.array.ptr[j],
						    &r[j], pb);
			p->rules = r;
			p->nrules = v->via.array.size;
		}
	}
}

static void decode_policies(struct dctx *d, const msgpack_object *o,
			    struct cws_event *ev, const struct kp *path)
{
	struct cws_ruleset_policy *p;
	uint32_t i;

	if (!darray(d, o, path))
		return;
	p = dalloc(d, (o->via.array.size + 1) * sizeof(*p), sizeof(void *));
	if (!p)
		return;
	memset(p, 0, (o->via.array.size + 1) * sizeof(*p));
	for (i = 0; i < o->via.array.size && !d->rc; i++)
		decode_policy(d, &o->via.array.ptr[i], &p[i], path);
	ev->ruleset.policies = p;
	ev->ruleset.npolicies = o->via.array.size;
}

static void decode_rate_limited(struct dctx *d, const msgpack_object *o,
				struct cws_event *ev, const struct kp *path)
{
	struct cws_lost_cause *c;
	uint32_t i;

	if (!dmap(d, o, path))
		return;
	c = dalloc(d, (o->via.map.size + 1) * sizeof(*c), sizeof(void *));
	if (!c)
		return;
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		c[i].cause = dstr(d, &o->via.map.ptr[i].key, path);
		c[i].count = du64(d, &o->via.map.ptr[i].val, path, UINT64_MAX);
	}
	ev->ruleset.rate_limited = c;
	ev->ruleset.nrate_limited = o->via.map.size;
}

static void decode_event(struct dctx *d, const msgpack_object *o,
			 struct cws_event *ev)
{
	const msgpack_object *evt = NULL, *proc = NULL, *obj = NULL;
	const char *tname;
	uint32_t i, j;

	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;

		if (key_is(k, "evt"))
			evt = &o->via.map.ptr[i].val;
		else if (key_is(k, "process"))
			proc = &o->via.map.ptr[i].val;
	}
	if (!evt) {
		derr(d, "missing required key 'evt'");
		return;
	}
	decode_evt(d, evt, ev);
	if (d->rc)
		return;
	if (!proc) {
		derr(d, "missing required key 'process'");
		return;
	}
	decode_process(d, proc, &ev->process, ev,
		       &(const struct kp){ NULL, "process" });
	tname = cws_event_type_name(ev->evt.type);
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (key_is(k, "container") &&
		    dmap(d, v, &(const struct kp){ NULL, "container" })) {
			for (j = 0; j < v->via.map.size; j++)
				if (key_is(&v->via.map.ptr[j].key, "id"))
					ev->container.id = dstr(
						d, &v->via.map.ptr[j].val,
						&(const struct kp){
							NULL, "container.id" });
		} else if (ev->evt.type != CWS_EVT_UNKNOWN &&
			   key_is(k, tname)) {
			obj = v;
		} else if (key_is(k, "rule")) {
			/* cws-filter addition: a match record. */
			decode_rule(d, v, ev);
		}
	}
	if (obj && !d->rc)
		decode_object(d, obj, ev, &(const struct kp){ NULL, tname });
}

static void decode_counts(struct dctx *d, const msgpack_object *v,
			  struct cws_lost_cause *c, uint32_t *n,
			  const struct kp *at)
{
	uint32_t j;

	if (!dmap(d, v, at))
		return;
	for (j = 0;
	     j < v->via.map.size && !d->rc && *n < CWS_EVENT_MAX_LOST_CAUSES;
	     j++) {
		c[*n].cause = dstr(d, &v->via.map.ptr[j].key, at);
		c[*n].count = du64(d, &v->via.map.ptr[j].val, at, UINT64_MAX);
		(*n)++;
	}
}

/* A retire record's keys: an array of positive integers, all kept. */
static void decode_keys(struct dctx *d, const msgpack_object *v,
			struct cws_event *ev, const struct kp *at)
{
	uint64_t *keys;
	uint32_t i, n;

	if (v->type != MSGPACK_OBJECT_ARRAY) {
		derr(d, "%s: expected an array of keys", KP(at));
		return;
	}
	n = v->via.array.size;
	keys = dalloc(d, (n ? n : 1) * sizeof(*keys), sizeof(*keys));
	if (!keys)
		return;
	for (i = 0; i < n && !d->rc; i++)
		keys[i] = du64(d, &v->via.array.ptr[i], at, UINT64_MAX);
	ev->retire.keys = keys;
	ev->retire.n = n;
}

static void decode_control(struct dctx *d, const msgpack_object *o,
			   struct cws_event *ev)
{
	bool has_schema = false;
	const struct kp *prefix = &(const struct kp){ NULL, ev->type_name };
	struct kp kb = { prefix, NULL }, *pb = &kb;
	uint32_t i;

	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (FIELD("timestamp")) {
			ev->timestamp = du64(d, v, pb, UINT64_MAX);
			continue;
		}
		switch (ev->type) {
		case CWS_REC_HELLO:
			if (FIELD("producer"))
				ev->hello.producer = dstr(d, v, pb);
			else if (FIELD("version"))
				ev->hello.version = dstr(d, v, pb);
			else if (FIELD("host"))
				ev->hello.host = dstr(d, v, pb);
			else if (FIELD("boot_id"))
				ev->hello.boot_id = dstr(d, v, pb);
			else if (FIELD("pid"))
				ev->hello.pid = du64(d, v, pb, U32);
			else if (FIELD("kernel_filter"))
				ev->hello.kernel_filter = dhex64(d, v, pb);
			else if (FIELD("schema")) {
				ev->hello.schema = du64(d, v, pb, U32);
				has_schema = true;
			}
			break;
		case CWS_REC_LOST:
			if (FIELD("total"))
				ev->lost.total = du64(d, v, pb, UINT64_MAX);
			else if (FIELD("causes"))
				decode_counts(d, v, ev->lost.causes,
					      &ev->lost.ncauses, pb);
			else if (FIELD("types"))
				decode_counts(d, v, ev->lost.types,
					      &ev->lost.ntypes, pb);
			break;
		case CWS_REC_HEARTBEAT:
			if (FIELD("producer"))
				ev->heartbeat.producer = dstr(d, v, pb);
			else if (FIELD("events"))
				ev->heartbeat.events =
					du64(d, v, pb, UINT64_MAX);
			else if (FIELD("lost"))
				ev->heartbeat.lost = du64(d, v, pb, UINT64_MAX);
			else if (FIELD("kernel_filter"))
				ev->heartbeat.kernel_filter = dhex64(d, v, pb);
			else if (FIELD("policies")) /* cws-filter addition */
				decode_policies(d, v, ev, pb);
			else if (FIELD("rate_limited"))
				decode_rate_limited(d, v, ev, pb);
			break;
		case CWS_REC_RULESET_LOADED: /* cws-filter addition */
			if (FIELD("producer"))
				ev->ruleset.producer = dstr(d, v, pb);
			else if (FIELD("policies"))
				decode_policies(d, v, ev, pb);
			break;
		case CWS_REC_PROCESS:
			if (FIELD("process"))
				decode_process(d, v, &ev->process, NULL, pb);
			break;
		case CWS_REC_RETIRE:
			if (FIELD("keys"))
				decode_keys(d, v, ev, pb);
			break;
		case CWS_REC_SELFTEST:
			if (FIELD("succeeded_tests"))
				decode_strs(d, v, &ev->selftest.succeeded, pb);
			else if (FIELD("failed_tests"))
				decode_strs(d, v, &ev->selftest.failed, pb);
			break;
		default:
			break;
		}
	}
	if (!d->rc && ev->type == CWS_REC_PROCESS && !ev->process.key)
		derr(d, "missing required key 'process.process.key'");
	if (!d->rc && ev->type == CWS_REC_RETIRE && !ev->retire.keys)
		derr(d, "missing required key 'retire.keys'");
	if (!d->rc && ev->type == CWS_REC_HELLO) {
		if (!ev->hello.producer)
			derr(d, "missing required key 'hello.producer'");
		else if (!has_schema)
			derr(d, "missing required key 'hello.schema'");
	}
}

int cws_event_decode(const msgpack_object *obj, struct cws_event *ev,
		     char *arena, size_t cap, struct cws_event_err *err)
{
	struct dctx d = { .arena = arena, .cap = cap, .err = err };
	const msgpack_object *type = NULL;
	unsigned t;
	uint32_t i;

	cws_event_clear(ev);
	err->msg[0] = '\0';
	if (obj->type != MSGPACK_OBJECT_MAP) {
		derr(&d, "record is not a map");
		return d.rc;
	}
	for (i = 0; i < obj->via.map.size; i++)
		if (key_is(&obj->via.map.ptr[i].key, "type"))
			type = &obj->via.map.ptr[i].val;
	if (!type) {
		derr(&d, "missing required key 'type'");
		return d.rc;
	}
	ev->type_name = dstr(&d, type, &(const struct kp){ NULL, "type" });
	if (d.rc)
		return d.rc;
	if (!ev->type_name) {
		derr(&d, "type: expected a string");
		return d.rc;
	}
	ev->type = CWS_REC_UNKNOWN;
	for (t = 1; t < EVENT_NRECORDS; t++)
		if (!strcmp(ev->type_name, event_record_names[t]))
			ev->type = t;
	if (ev->type == CWS_REC_EVENT)
		decode_event(&d, obj, ev);
	else
		decode_control(&d, obj, ev);
	return d.rc;
}
