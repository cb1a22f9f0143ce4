/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec: type names, encoding and the writer. Encoding packs a
 * struct cws_event with msgpack-c's packer; the object of an event type
 * other than exec is packed from the member table (event_members.c)
 * through a plan worked out once per type. The writer batches records,
 * re-encodes one that comes out too large to be read back, and writes
 * match records around the event's own bytes.
 *
 * Decoding is in event_decode.c (scanning and the three steps),
 * event_fast.c (the fast path) and event_reader.c (the reader).
 */
#include "compat.h"
#include "event_priv.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const event_type_names[CWS_EVT__COUNT] = {
	[CWS_EVT_UNKNOWN] = "unknown",
	[CWS_EVT_EXEC] = "exec",
	[CWS_EVT_EXIT] = "exit",
	[CWS_EVT_FORK] = "fork",
	[CWS_EVT_OPEN] = "open",
	[CWS_EVT_UNLINK] = "unlink",
	[CWS_EVT_RENAME] = "rename",
	[CWS_EVT_CHMOD] = "chmod",
	[CWS_EVT_CHOWN] = "chown",
	[CWS_EVT_MKDIR] = "mkdir",
	[CWS_EVT_RMDIR] = "rmdir",
	[CWS_EVT_LINK] = "link",
	[CWS_EVT_UTIMES] = "utimes",
	[CWS_EVT_SETXATTR] = "setxattr",
	[CWS_EVT_REMOVEXATTR] = "removexattr",
	[CWS_EVT_SETUID] = "setuid",
	[CWS_EVT_SETGID] = "setgid",
	[CWS_EVT_CAPSET] = "capset",
	[CWS_EVT_PTRACE] = "ptrace",
	[CWS_EVT_MMAP] = "mmap",
	[CWS_EVT_MPROTECT] = "mprotect",
	[CWS_EVT_BPF] = "bpf",
	[CWS_EVT_LOAD_MODULE] = "load_module",
	[CWS_EVT_UNLOAD_MODULE] = "unload_module",
	[CWS_EVT_MOUNT] = "mount",
	[CWS_EVT_UMOUNT] = "umount",
	[CWS_EVT_SIGNAL] = "signal",
	[CWS_EVT_SPLICE] = "splice",
	[CWS_EVT_CHDIR] = "chdir",
	[CWS_EVT_MEMFD_CREATE] = "memfd_create",
	[CWS_EVT_DNS] = "dns",
	[CWS_EVT_CONNECT] = "connect",
	[CWS_EVT_BIND] = "bind",
	[CWS_EVT_ACCEPT] = "accept",
	[CWS_EVT_SETSOCKOPT] = "setsockopt",
	[CWS_EVT_PRCTL] = "prctl",
	[CWS_EVT_CGROUP_WRITE] = "cgroup_write",
	[CWS_EVT_SELINUX] = "selinux",
	[CWS_EVT_IMDS] = "imds",
	[CWS_EVT_PACKET] = "packet",
	[CWS_EVT_IO_URING] = "io_uring",
};

const char *const event_record_names[] = {
	[CWS_REC_UNKNOWN] = NULL,
	[CWS_REC_HELLO] = "hello",
	[CWS_REC_EVENT] = "event",
	[CWS_REC_LOST] = "lost",
	[CWS_REC_HEARTBEAT] = "heartbeat",
	[CWS_REC_RULESET_LOADED] = "ruleset_loaded",
	[CWS_REC_SELFTEST] = "selftest",
	[CWS_REC_PROCESS] = "process",
	[CWS_REC_RETIRE] = "retire",
};

_Static_assert(CWS_ARRAY_SIZE(event_record_names) == EVENT_NRECORDS,
	       "EVENT_NRECORDS must count event_record_names[]");

const char *cws_event_type_name(enum cws_event_type type)
{
	if ((unsigned)type >= CWS_EVT__COUNT)
		return "unknown";
	return event_type_names[type];
}

enum cws_event_type cws_event_type_from_name(const char *name)
{
	unsigned i;

	for (i = 1; i < CWS_EVT__COUNT; i++)
		if (!strcmp(name, event_type_names[i]))
			return i;
	return CWS_EVT_UNKNOWN;
}

const char *cws_record_type_name(enum cws_record_type type)
{
	if ((unsigned)type >= CWS_ARRAY_SIZE(event_record_names))
		return NULL;
	return event_record_names[type];
}

void cws_event_clear(struct cws_event *ev)
{
	memset(ev, 0, sizeof(*ev));
}

uint64_t cws_event_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Encoding.
 */

static void pk_key(msgpack_packer *pk, const char *k)
{
	size_t n = strlen(k);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, k, n);
}

static void pk_strval(msgpack_packer *pk, const char *s)
{
	size_t n = strnlen(s, CWS_EVENT_MAX_STR);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Packs "key": "value" unless value is NULL. */
static void pk_str(msgpack_packer *pk, const char *k, const char *v)
{
	if (!v)
		return;
	pk_key(pk, k);
	pk_strval(pk, v);
}

static void pk_u64(msgpack_packer *pk, const char *k, uint64_t v)
{
	pk_key(pk, k);
	msgpack_pack_uint64(pk, v);
}

/* A 64-bit id as 16 hex digits: JSON readers lose integers past 2^53. */
static void pk_hex64(msgpack_packer *pk, const char *k, uint64_t v)
{
	char buf[17];

	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)v);
	pk_key(pk, k);
	msgpack_pack_str_with_body(pk, buf, 16);
}

static void pk_i64(msgpack_packer *pk, const char *k, int64_t v)
{
	pk_key(pk, k);
	msgpack_pack_int64(pk, v);
}

static void pk_bool(msgpack_packer *pk, const char *k, bool v)
{
	pk_key(pk, k);
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

static unsigned nonnull(const char *const *v, unsigned n)
{
	unsigned i, c = 0;

	for (i = 0; i < n; i++)
		c += v[i] != NULL;
	return c;
}

/*
 * A file whose mode is 0 has no inode facts (a real inode always has a
 * type in S_IFMT): mode, uid, gid and the times are then left out, not
 * written as zeroes.
 */
static unsigned file_nfields(const struct cws_file *f)
{
	const char *s[] = { f->path,	   f->name, f->path_resolution_error,
			    f->filesystem, f->user, f->group };

	return nonnull(s, CWS_ARRAY_SIZE(s)) + 2 + (f->mode ? 5 : 0) +
	       f->in_upper_layer_known;
}

/* Packs the key-value pairs of a file, without the map header. */
static void pack_file_fields(msgpack_packer *pk, const struct cws_file *f)
{
	pk_str(pk, "path", f->path);
	pk_str(pk, "name", f->name);
	pk_str(pk, "path_resolution_error", f->path_resolution_error);
	pk_str(pk, "filesystem", f->filesystem);
	pk_str(pk, "user", f->user);
	pk_str(pk, "group", f->group);
	pk_u64(pk, "inode", f->inode);
	pk_u64(pk, "mount_id", f->mount_id);
	if (f->mode) {
		pk_u64(pk, "mode", f->mode);
		pk_u64(pk, "uid", f->uid);
		pk_u64(pk, "gid", f->gid);
		pk_u64(pk, "change_time", f->change_time);
		pk_u64(pk, "modification_time", f->modification_time);
	}
	if (f->in_upper_layer_known)
		pk_bool(pk, "in_upper_layer", f->in_upper_layer);
}

static void pack_file(msgpack_packer *pk, const char *k,
		      const struct cws_file *f)
{
	pk_key(pk, k);
	msgpack_pack_map(pk, file_nfields(f));
	pack_file_fields(pk, f);
}

/* Packs "argv": [...] and "args_truncated", capping what is packed. */
static void pack_argv(msgpack_packer *pk, const struct cws_strv *argv,
		      bool truncated)
{
	uint32_t i, n = argv->n;

	if (n > CWS_EVENT_MAX_ARGS) {
		n = CWS_EVENT_MAX_ARGS;
		truncated = true;
	}
	pk_key(pk, "argv");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		const char *a = argv->v[i] ? argv->v[i] : "";

		if (strnlen(a, CWS_EVENT_MAX_STR + 1) > CWS_EVENT_MAX_STR)
			truncated = true;
		pk_strval(pk, a);
	}
	pk_bool(pk, "args_truncated", truncated);
}

/* Packs an array of strings under k, capped as argv is. */
static void pack_env(msgpack_packer *pk, const char *k,
		     const struct cws_strv *v)
{
	uint32_t i, n = v->n < CWS_EVENT_MAX_ARGS ? v->n : CWS_EVENT_MAX_ARGS;

	pk_key(pk, k);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++)
		pk_strval(pk, v->v[i] ? v->v[i] : "");
}

/* Keys of a process's environment and cgroup (issue 14), when known. */
static unsigned env_cgroup_nfields(const struct cws_process *p)
{
	return (p->envs.n > 0) + (p->envp.n > 0) + p->envs_truncated +
	       (p->cgroup_id || p->cgroup_inode);
}

static void pack_env_cgroup(msgpack_packer *pk, const struct cws_process *p)
{
	if (p->envs.n)
		pack_env(pk, "envs", &p->envs);
	if (p->envp.n)
		pack_env(pk, "envp", &p->envp);
	if (p->envs_truncated)
		pk_bool(pk, "envs_truncated", true);
	if (p->cgroup_id || p->cgroup_inode) {
		pk_key(pk, "cgroup");
		msgpack_pack_map(pk, (p->cgroup_id != NULL) +
					     2 * (p->cgroup_inode != 0));
		pk_str(pk, "id", p->cgroup_id);
		if (p->cgroup_inode) {
			pk_u64(pk, "inode", p->cgroup_inode);
			pk_u64(pk, "mount_id", p->cgroup_mount_id);
		}
	}
}

/*
 * Packs one process map with its ancestors (anc may be NULL: an ancestor
 * has none). lean leaves the ancestors' argv out, for oversized records.
 * record packs a schema 2 process record's map instead: the key and the
 * parent's key first, no tid (it is the event's), no ancestors (keys).
 */
static void pack_process_map(msgpack_packer *pk, const struct cws_process *p,
			     const struct cws_process *anc, uint32_t nanc,
			     bool anc_truncated, bool lean, bool record)
{
	const struct cws_creds *c = &p->cred;
	const char *s[] = { p->comm,   p->tty_name, p->cwd,
			    c->user,   c->group,    c->euser,
			    c->egroup, c->fsuser,   c->fsgroup };
	unsigned n = nonnull(s, CWS_ARRAY_SIZE(s)) + 18;
	bool self_lean = lean && !anc;
	uint32_t i;

	if (p->container_id)
		n++;
	n += env_cgroup_nfields(p);
	if (anc)
		n += 2;
	if (self_lean)
		n--;
	if (record)
		n += (p->parent_key != 0);
	msgpack_pack_map(pk, n);
	if (record) {
		pk_u64(pk, "key", p->key);
		if (p->parent_key)
			pk_u64(pk, "parent_key", p->parent_key);
	}
	pk_u64(pk, "pid", p->pid);
	if (!record)
		pk_u64(pk, "tid", p->tid);
	pk_u64(pk, "ppid", p->ppid);
	pk_str(pk, "comm", p->comm);
	pk_str(pk, "tty_name", p->tty_name);
	pk_str(pk, "cwd", p->cwd);
	if (p->container_id) {
		pk_key(pk, "container");
		msgpack_pack_map(pk, 1 + (p->container_created_at != 0) +
					     (p->container_tags.n > 0));
		pk_str(pk, "id", p->container_id);
		if (p->container_created_at)
			pk_u64(pk, "created_at", p->container_created_at);
		if (p->container_tags.n)
			pack_env(pk, "tags", &p->container_tags);
	}
	pk_u64(pk, "created_at", p->fork_time);
	pk_u64(pk, "exec_time", p->exec_time);
	pack_file(pk, "file", &p->file);
	if (!self_lean)
		pack_argv(pk, &p->argv, p->args_truncated);
	else
		pk_bool(pk, "args_truncated", true);
	pk_bool(pk, "is_thread", p->is_thread);
	pk_u64(pk, "uid", c->uid);
	pk_u64(pk, "gid", c->gid);
	pk_u64(pk, "euid", c->euid);
	pk_u64(pk, "egid", c->egid);
	pk_u64(pk, "fsuid", c->fsuid);
	pk_u64(pk, "fsgid", c->fsgid);
	pk_u64(pk, "auid", c->auid);
	pk_str(pk, "user", c->user);
	pk_str(pk, "group", c->group);
	pk_str(pk, "euser", c->euser);
	pk_str(pk, "egroup", c->egroup);
	pk_str(pk, "fsuser", c->fsuser);
	pk_str(pk, "fsgroup", c->fsgroup);
	pk_u64(pk, "cap_effective", c->cap_effective);
	pk_u64(pk, "cap_permitted", c->cap_permitted);
	pack_env_cgroup(pk, p);
	if (anc) {
		if (nanc > CWS_EVENT_MAX_ANCESTORS) {
			nanc = CWS_EVENT_MAX_ANCESTORS;
			anc_truncated = true;
		}
		pk_key(pk, "ancestors");
		msgpack_pack_array(pk, nanc);
		for (i = 0; i < nanc; i++)
			pack_process_map(pk, &anc[i], NULL, 0, false, lean,
					 false);
		pk_bool(pk, "ancestors_truncated", anc_truncated);
	}
}

static const void *ofield(const struct cws_evobj *o, const struct omember *m)
{
	return (const char *)o + m->off;
}

/* Whether a leaf member has something to write (NULL strings do not). */
static const uint8_t ip_none[16];

/* Whether an optional member (a 'has' offset) is known. */
static bool om_known(const struct cws_evobj *o, const struct omember *m)
{
	return !m->has || *(const bool *)((const char *)o + m->has);
}

static bool om_present(const struct cws_evobj *o, const struct omember *m)
{
	if (!om_known(o, m))
		return false;
	if (m->kind == OK_IP)
		return memcmp(ofield(o, m), ip_none, 16) != 0;
	if (m->kind == OK_IDSET) {
		const uint64_t *w = ofield(o, m);

		return w[0] || w[1] || w[2];
	}
	if (m->kind == OK_ID32)
		return *(const uint32_t *)ofield(o, m) != 0;
	return m->kind != OK_STR || *(const char *const *)ofield(o, m);
}

/* An address as text: dotted for a v4-mapped one, else IPv6. */
static void pk_ip(msgpack_packer *pk, const uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (!memcmp(a, event_ip_v4map, 12))
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	pk_strval(pk, buf);
}

static void pack_leaf(msgpack_packer *pk, const struct cws_evobj *o,
		      const struct omember *m)
{
	const void *v = ofield(o, m);

	switch (m->kind) {
	case OK_U16:
		msgpack_pack_uint16(pk, *(const uint16_t *)v);
		break;
	case OK_IP:
		pk_ip(pk, v);
		break;
	case OK_U32:
	case OK_ID32:
		msgpack_pack_uint32(pk, *(const uint32_t *)v);
		break;
	case OK_U64:
		msgpack_pack_uint64(pk, *(const uint64_t *)v);
		break;
	case OK_I32:
		msgpack_pack_int32(pk, *(const int32_t *)v);
		break;
	case OK_I64:
		msgpack_pack_int64(pk, *(const int64_t *)v);
		break;
	case OK_STR:
		pk_strval(pk, *(const char *const *)v);
		break;
	case OK_BOOL:
		if (*(const bool *)v)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case OK_PROC:
		pack_process_map(pk, v, NULL, 0, false, false, false);
		break;
	case OK_I64V: {
		const struct cws_i64v *a = v;
		uint32_t i;

		msgpack_pack_array(pk, a->n);
		for (i = 0; i < a->n; i++)
			msgpack_pack_int64(pk, a->v[i]);
		break;
	}
	case OK_IDSET: {
		const uint64_t *w = v;
		unsigned i, n = 0;

		for (i = 0; i < 192; i++)
			n += (w[i / 64] >> (i % 64)) & 1;
		msgpack_pack_array(pk, n);
		for (i = 0; i < 192; i++)
			if ((w[i / 64] >> (i % 64)) & 1)
				msgpack_pack_uint32(pk, i);
		break;
	}
	case OK_FILE:
		break; /* spread by plan_pack */
	}
}

/*
 * How an event type's object is laid out, worked out once from event_omembers[]
 * (its maps, their keys, which members are leaves and which files are
 * spread) so that packing an event walks only its own members. The nodes
 * of one map are contiguous; a map node points at its children.
 */
enum pn_kind {
	PN_FILE, /* a struct cws_file spread into the map */
	PN_LEAF, /* key: value, left out when a string is NULL */
	PN_MAP, /* key: a nested map */
};

struct pnode {
	uint8_t kind;
	uint8_t count; /* PN_MAP: children */
	uint16_t first; /* PN_MAP: index of the first child */
	const char *key;
	const struct omember *m; /* PN_FILE, PN_LEAF */
};

#define PLAN_NODES 96

struct plan {
	bool built;
	bool empty; /* the type has no object */
	uint16_t used;
	struct pnode root; /* PN_MAP */
	struct pnode n[PLAN_NODES];
};

/* One per event type, built on first use (the tools are single-threaded). */
static struct plan plans[CWS_EVT__COUNT];

/* Whether member j comes before i at prefix with the same child key. */
static bool key_seen(unsigned i, uint64_t tbit, const char *const *prefix,
		     unsigned depth)
{
	const char *child = event_omembers[i].path[depth];
	unsigned j;

	for (j = 0; j < i; j++)
		if (om_under(&event_omembers[j], tbit, prefix, depth) &&
		    plen(&event_omembers[j]) > depth &&
		    !strcmp(event_omembers[j].path[depth], child))
			return true;
	return false;
}

/*
 * Appends the children of the map at prefix[0..depth) to the plan, then
 * builds each nested map's own; sets node's first and count.
 */
static void plan_level(struct plan *p, struct pnode *node, uint64_t tbit,
		       const char **prefix, unsigned depth)
{
	unsigned i, first = p->used, k;

	for (i = 0; i < EVENT_NMEMBERS; i++) {
		const struct omember *m = &event_omembers[i];
		struct pnode *c;

		if (!om_under(m, tbit, (const char *const *)prefix, depth))
			continue;
		if (plen(m) != depth &&
		    key_seen(i, tbit, (const char *const *)prefix, depth))
			continue;
		assert(p->used < PLAN_NODES);
		c = &p->n[p->used++];
		c->m = m;
		if (plen(m) == depth) {
			c->kind = PN_FILE;
		} else {
			c->key = m->path[depth];
			c->kind = plen(m) == depth + 1 && m->kind != OK_FILE ?
					  PN_LEAF :
					  PN_MAP;
		}
	}
	node->first = (uint16_t)first;
	node->count = (uint8_t)(p->used - first);
	for (k = first; k < first + node->count; k++) {
		if (p->n[k].kind != PN_MAP)
			continue;
		prefix[depth] = p->n[k].key;
		plan_level(p, &p->n[k], tbit, prefix, depth + 1);
	}
}

static const struct plan *plan_of(enum cws_event_type t)
{
	struct plan *p = &plans[t];
	const char *prefix[3] = { NULL };

	if (!p->built) {
		p->root.kind = PN_MAP;
		plan_level(p, &p->root, 1ull << t, prefix, 0);
		p->empty = !p->root.count;
		p->built = true;
	}
	return p;
}

static unsigned plan_count(const struct plan *p, const struct pnode *node,
			   const struct cws_evobj *o);

/*
 * Whether a nested map is written: always when it holds a known file,
 * else when one of its entries is (selinux.bool of an enforce event is
 * not, nor io_uring.file of a request that names no file).
 */
static bool map_present(const struct plan *p, const struct pnode *node,
			const struct cws_evobj *o)
{
	unsigned k;

	for (k = node->first; k < node->first + node->count; k++)
		if (p->n[k].kind == PN_FILE && om_known(o, p->n[k].m))
			return true;
	return plan_count(p, node, o) > 0;
}

/* Entries of a map node for this object. */
static unsigned plan_count(const struct plan *p, const struct pnode *node,
			   const struct cws_evobj *o)
{
	unsigned k, n = 0;

	for (k = node->first; k < node->first + node->count; k++) {
		const struct pnode *c = &p->n[k];

		if (c->kind == PN_FILE)
			n += om_known(o, c->m) ? file_nfields(ofield(o, c->m)) :
						 0;
		else if (c->kind == PN_MAP)
			n += map_present(p, c, o);
		else
			n += om_present(o, c->m);
	}
	return n;
}

static void plan_pack(msgpack_packer *pk, const struct plan *p,
		      const struct pnode *node, const struct cws_evobj *o)
{
	unsigned k;

	msgpack_pack_map(pk, plan_count(p, node, o));
	for (k = node->first; k < node->first + node->count; k++) {
		const struct pnode *c = &p->n[k];

		switch (c->kind) {
		case PN_FILE:
			if (om_known(o, c->m))
				pack_file_fields(pk, ofield(o, c->m));
			break;
		case PN_LEAF:
			if (!om_present(o, c->m))
				break;
			pk_key(pk, c->key);
			pack_leaf(pk, o, c->m);
			break;
		default:
			if (!map_present(p, c, o))
				break;
			pk_key(pk, c->key);
			plan_pack(pk, p, c, o);
			break;
		}
	}
}

static bool has_object(enum cws_event_type t)
{
	return !plan_of(t)->empty;
}

static void pack_object(msgpack_packer *pk, const struct cws_event *ev)
{
	const struct plan *p = plan_of(ev->evt.type);

	pk_key(pk, cws_event_type_name(ev->evt.type));
	plan_pack(pk, p, &p->root, &ev->obj);
}

/* The process and its ancestors as schema 1 carries them in an event. */
static void pack_inline_process(msgpack_packer *pk, const struct cws_event *ev,
				bool lean)
{
	static const struct cws_process none;

	pack_process_map(pk, &ev->process,
			 ev->ancestors ? ev->ancestors : &none,
			 ev->ancestors ? ev->nancestors : 0,
			 ev->ancestors_truncated, lean, false);
}

void event_pack_body(msgpack_packer *pk, const struct cws_event *ev, bool lean,
		     bool ref)
{
	unsigned n = 3 + (!ref && ev->container.id != NULL);
	bool obj = ev->evt.type == CWS_EVT_EXEC || has_object(ev->evt.type);

	msgpack_pack_map(pk, n + obj);
	pk_str(pk, "type", "event");
	pk_key(pk, "evt");
	msgpack_pack_map(pk, 4);
	pk_str(pk, "name",
	       ev->evt.name ? ev->evt.name : cws_event_type_name(ev->evt.type));
	pk_u64(pk, "timestamp", ev->timestamp);
	pk_u64(pk, "cpu", ev->evt.cpu);
	pk_i64(pk, "retval", ev->evt.retval);
	pk_key(pk, "process");
	if (ref) {
		/* Schema 2: the context is the key's process record. */
		msgpack_pack_map(pk, 3);
		pk_u64(pk, "key", ev->process.key);
		pk_u64(pk, "pid", ev->process.pid);
		pk_u64(pk, "tid", ev->process.tid);
	} else {
		pack_inline_process(pk, ev, lean);
	}
	if (!ref && ev->container.id) {
		pk_key(pk, "container");
		msgpack_pack_map(pk, 1);
		pk_str(pk, "id", ev->container.id);
	}
	switch (ev->evt.type) {
	case CWS_EVT_EXEC:
		pk_key(pk, "exec");
		msgpack_pack_map(pk, 3);
		pack_file(pk, "file", &ev->exec.file);
		pack_argv(pk, &ev->exec.argv, ev->exec.args_truncated);
		break;
	default:
		if (obj)
			pack_object(pk, ev);
		break;
	}
}

void event_pack_process_record(msgpack_packer *pk, const struct cws_process *p,
			       bool lean)
{
	msgpack_pack_map(pk, 2);
	pk_str(pk, "type", "process");
	pk_key(pk, "process");
	pack_process_map(pk, p, NULL, 0, false, lean, true);
}

void cws_event_pack_process_record(msgpack_packer *pk,
				   const struct cws_process *p)
{
	event_pack_process_record(pk, p, false);
}

/* Packs "key": {name: count, ...} from a lost record's list. */
static void pack_counts(msgpack_packer *pk, const char *key,
			const struct cws_lost_cause *c, uint32_t n)
{
	uint32_t i;

	if (n > CWS_EVENT_MAX_LOST_CAUSES)
		n = CWS_EVENT_MAX_LOST_CAUSES;
	pk_key(pk, key);
	msgpack_pack_map(pk, n);
	for (i = 0; i < n; i++)
		pk_u64(pk, c[i].cause ? c[i].cause : "unknown", c[i].count);
}

/*
 * cws-filter additions (encoding): the "rule" map of match records, the
 * body of ruleset_loaded and the policies and drops of a filter's
 * heartbeat. Optional strings are left out when NULL, as elsewhere.
 */

static unsigned nonnull2(const char *a, const char *b)
{
	return (a != NULL) + (b != NULL);
}

/* Packs "key": {k: v, ...}. */
static void pack_kvs(msgpack_packer *pk, const char *key,
		     const struct cws_kv *kv, uint32_t n)
{
	uint32_t i;

	pk_key(pk, key);
	msgpack_pack_map(pk, n);
	for (i = 0; i < n; i++) {
		pk_strval(pk, kv[i].key ? kv[i].key : "");
		pk_strval(pk, kv[i].value ? kv[i].value : "");
	}
}

/* Packs "key": [s, ...]. */
static void pack_strv(msgpack_packer *pk, const char *key,
		      const struct cws_strv *v)
{
	uint32_t i;

	pk_key(pk, key);
	msgpack_pack_array(pk, v->n);
	for (i = 0; i < v->n; i++)
		pk_strval(pk, v->v[i] ? v->v[i] : "");
}

static void pack_rule_action(msgpack_packer *pk,
			     const struct cws_rule_action *a)
{
	const char *s[] = { a->signal, a->scope, a->message,
			    a->path,   a->state, a->trigger };
	const char *tk[] = { "created_at", "detected_at", "killed_at",
			     "exited_at" };
	uint64_t tv[] = { a->created_at, a->detected_at, a->killed_at,
			  a->exited_at };
	uint32_t i, nt = 0;

	for (i = 0; i < CWS_ARRAY_SIZE(tv); i++)
		nt += tv[i] != 0;
	msgpack_pack_map(pk, 3 + nonnull(s, CWS_ARRAY_SIZE(s)) +
				     (a->hashes.n > 0) + nt);
	pk_str(pk, "type", a->type ? a->type : "");
	pk_str(pk, "signal", a->signal);
	pk_str(pk, "scope", a->scope);
	pk_u64(pk, "pid", a->pid);
	pk_str(pk, "status", a->status ? a->status : "");
	pk_str(pk, "message", a->message);
	pk_str(pk, "path", a->path);
	pk_str(pk, "state", a->state);
	pk_str(pk, "trigger", a->trigger);
	if (a->hashes.n)
		pack_strv(pk, "hashes", &a->hashes);
	for (i = 0; i < CWS_ARRAY_SIZE(tv); i++)
		if (tv[i])
			pk_u64(pk, tk[i], tv[i]);
}

static void pack_rule(msgpack_packer *pk, const struct cws_event_rule *r)
{
	const char *s[] = { r->version, r->description, r->group_id };
	uint32_t i;

	msgpack_pack_map(pk, 2 + nonnull(s, CWS_ARRAY_SIZE(s)) +
				     (r->ntags > 0) + (r->product_tags.n > 0) +
				     (r->nactions > 0));
	pk_str(pk, "id", r->id ? r->id : "");
	pk_str(pk, "version", r->version);
	pk_str(pk, "description", r->description);
	pk_str(pk, "group_id", r->group_id);
	pk_key(pk, "policy");
	msgpack_pack_map(pk, 1 + nonnull2(r->policy_version, r->policy_source));
	pk_str(pk, "name", r->policy_name ? r->policy_name : "");
	pk_str(pk, "version", r->policy_version);
	pk_str(pk, "source", r->policy_source);
	if (r->ntags)
		pack_kvs(pk, "tags", r->tags, r->ntags);
	if (r->product_tags.n)
		pack_strv(pk, "product_tags", &r->product_tags);
	if (r->nactions) {
		pk_key(pk, "actions");
		msgpack_pack_array(pk, r->nactions);
		for (i = 0; i < r->nactions; i++)
			pack_rule_action(pk, &r->actions[i]);
	}
}

/* lean leaves expressions out, for a ruleset too large for one record. */
static void pack_ruleset_rule(msgpack_packer *pk,
			      const struct cws_ruleset_rule *r, bool lean)
{
	const char *expr = lean ? NULL : r->expression;

	msgpack_pack_map(pk, 2 + nonnull2(r->version, expr) +
				     (r->message != NULL) + (r->ntags > 0) +
				     (r->actions.n > 0) +
				     (r->modified_by.n > 0));
	pk_str(pk, "id", r->id ? r->id : "");
	pk_str(pk, "version", r->version);
	pk_str(pk, "expression", expr);
	pk_str(pk, "status", r->status ? r->status : "");
	pk_str(pk, "message", r->message);
	if (r->ntags)
		pack_kvs(pk, "tags", r->tags, r->ntags);
	if (r->actions.n)
		pack_strv(pk, "actions", &r->actions);
	if (r->modified_by.n)
		pack_strv(pk, "modified_by", &r->modified_by);
}

/* Packs "policies": [...], with each policy's rules when rules is set. */
static void pack_policies(msgpack_packer *pk,
			  const struct cws_ruleset_policy *p, uint32_t n,
			  bool rules, bool lean)
{
	uint32_t i, j;

	pk_key(pk, "policies");
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_map(pk, 3 + (p[i].error != NULL) + rules);
		pk_str(pk, "name", p[i].name ? p[i].name : "");
		pk_str(pk, "version", p[i].version ? p[i].version : "");
		pk_str(pk, "source", p[i].source ? p[i].source : "file");
		pk_str(pk, "error", p[i].error);
		if (!rules)
			continue;
		pk_key(pk, "rules");
		msgpack_pack_array(pk, p[i].nrules);
		for (j = 0; j < p[i].nrules; j++)
			pack_ruleset_rule(pk, &p[i].rules[j], lean);
	}
}

void event_pack_ruleset_loaded(msgpack_packer *pk, const struct cws_event *ev,
			       bool lean)
{
	bool full = ev->ruleset.producer || ev->ruleset.npolicies;
	const struct cws_strv *mf = &ev->ruleset.monitored_files;
	uint32_t i;

	msgpack_pack_map(pk, 2 + 2 * full + (full && mf->n));
	pk_str(pk, "type", "ruleset_loaded");
	pk_u64(pk, "timestamp", ev->timestamp);
	if (!full)
		return;
	pk_str(pk, "producer",
	       ev->ruleset.producer ? ev->ruleset.producer : "unknown");
	pack_policies(pk, ev->ruleset.policies, ev->ruleset.npolicies, true,
		      lean);
	if (!mf->n)
		return;
	pk_key(pk, "monitored_files");
	msgpack_pack_array(pk, mf->n);
	for (i = 0; i < mf->n; i++)
		pk_strval(pk, mf->v[i] ? mf->v[i] : "");
}

/* The keys a filter's heartbeat adds: policies and rate_limited. */
static unsigned heartbeat_extra(const struct cws_event *ev)
{
	return (ev->ruleset.npolicies > 0) + (ev->ruleset.nrate_limited > 0);
}

static void pack_heartbeat_extra(msgpack_packer *pk, const struct cws_event *ev)
{
	if (ev->ruleset.npolicies)
		pack_policies(pk, ev->ruleset.policies, ev->ruleset.npolicies,
			      false, false);
	if (ev->ruleset.nrate_limited) {
		uint32_t i;

		pk_key(pk, "rate_limited");
		msgpack_pack_map(pk, ev->ruleset.nrate_limited);
		for (i = 0; i < ev->ruleset.nrate_limited; i++)
			pk_u64(pk,
			       ev->ruleset.rate_limited[i].cause ?
				       ev->ruleset.rate_limited[i].cause :
				       "unknown",
			       ev->ruleset.rate_limited[i].count);
	}
}

static int pack_control(msgpack_packer *pk, const struct cws_event *ev)
{
	const char *name = cws_record_type_name(ev->type);

	switch (ev->type) {
	case CWS_REC_HELLO:
		msgpack_pack_map(pk, 8 + (ev->hello.kernel_filter != 0));
		pk_str(pk, "type", name);
		pk_u64(pk, "timestamp", ev->timestamp);
		pk_str(pk, "producer",
		       ev->hello.producer ? ev->hello.producer : "unknown");
		pk_str(pk, "version",
		       ev->hello.version ? ev->hello.version : "");
		pk_u64(pk, "schema", ev->hello.schema);
		pk_str(pk, "host", ev->hello.host ? ev->hello.host : "");
		pk_str(pk, "boot_id",
		       ev->hello.boot_id ? ev->hello.boot_id : "");
		pk_u64(pk, "pid", ev->hello.pid);
		if (ev->hello.kernel_filter)
			pk_hex64(pk, "kernel_filter", ev->hello.kernel_filter);
		return 0;
	case CWS_REC_LOST:
		msgpack_pack_map(pk, 4 + (ev->lost.ntypes > 0));
		pk_str(pk, "type", name);
		pk_u64(pk, "timestamp", ev->timestamp);
		pk_u64(pk, "total", ev->lost.total);
		pack_counts(pk, "causes", ev->lost.causes, ev->lost.ncauses);
		if (ev->lost.ntypes)
			pack_counts(pk, "types", ev->lost.types,
				    ev->lost.ntypes);
		return 0;
	case CWS_REC_HEARTBEAT:
		/* cws-filter addition: heartbeat_extra keys. */
		msgpack_pack_map(pk,
				 5 + heartbeat_extra(ev) +
					 (ev->heartbeat.kernel_filter != 0));
		pk_str(pk, "type", name);
		pk_u64(pk, "timestamp", ev->timestamp);
		pk_str(pk, "producer",
		       ev->heartbeat.producer ? ev->heartbeat.producer :
						"unknown");
		pk_u64(pk, "events", ev->heartbeat.events);
		pk_u64(pk, "lost", ev->heartbeat.lost);
		if (ev->heartbeat.kernel_filter)
			pk_hex64(pk, "kernel_filter",
				 ev->heartbeat.kernel_filter);
		pack_heartbeat_extra(pk, ev);
		return 0;
	case CWS_REC_RULESET_LOADED:
		/* cws-filter addition. */
		event_pack_ruleset_loaded(pk, ev, false);
		return 0;
	case CWS_REC_SELFTEST:
		msgpack_pack_map(pk, 4);
		pk_str(pk, "type", name);
		pk_u64(pk, "timestamp", ev->timestamp);
		pack_strv(pk, "succeeded_tests", &ev->selftest.succeeded);
		pack_strv(pk, "failed_tests", &ev->selftest.failed);
		return 0;
	case CWS_REC_RETIRE: {
		uint32_t i;

		/* Bookkeeping, one per exit: no timestamp, nothing else. */
		msgpack_pack_map(pk, 2);
		pk_str(pk, "type", name);
		pk_key(pk, "keys");
		msgpack_pack_array(pk, ev->retire.n);
		for (i = 0; i < ev->retire.n; i++)
			msgpack_pack_uint64(pk, ev->retire.keys[i]);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

int cws_event_pack(msgpack_packer *pk, const struct cws_event *ev)
{
	if (ev->type == CWS_REC_EVENT) {
		event_pack_body(pk, ev, false, false);
		return 0;
	}
	if (ev->type == CWS_REC_PROCESS) {
		event_pack_process_record(pk, &ev->process, false);
		return 0;
	}
	return pack_control(pk, ev);
}

/*
 * cws-filter addition: match records. The event's own bytes are copied,
 * not re-encoded, so that keys this version does not know survive the
 * filter; only a "rule" key already there (a stream filtered twice) is
 * dropped, to be replaced.
 */

/* Reads a map header: its entry count and its length in bytes. */
static int map_header(const unsigned char *p, size_t len, uint32_t *n,
		      size_t *hl)
{
	if (len >= 1 && (p[0] & 0xf0) == 0x80) {
		*n = p[0] & 0x0f;
		*hl = 1;
	} else if (len >= 3 && p[0] == 0xde) {
		*n = (uint32_t)be(p + 1, 2);
		*hl = 3;
	} else if (len >= 5 && p[0] == 0xdf) {
		*n = (uint32_t)be(p + 1, 4);
		*hl = 5;
	} else {
		return -EINVAL;
	}
	return 0;
}

/* True when the encoded value p[0..len) is the string "rule". */
static bool is_rule_key(const unsigned char *p, size_t len)
{
	if (len == 5 && p[0] == 0xa4)
		return !memcmp(p + 1, "rule", 4);
	if (len == 6 && p[0] == 0xd9 && p[1] == 4)
		return !memcmp(p + 2, "rule", 4);
	return false;
}

/*
 * Walks the entries of the map raw[0..len): counts those that are not
 * "rule" and, when pk is set, copies them to pk in runs.
 */
static int copy_entries(msgpack_packer *pk, const char *raw, size_t len,
			uint32_t n, size_t off, uint32_t *kept)
{
	size_t run = off, bad;
	uint32_t i;

	*kept = 0;
	for (i = 0; i < n; i++) {
		long kl, vl;

		kl = cws_event_scan(raw + off, len - off, &bad);
		if (kl <= 0)
			return -EINVAL;
		vl = cws_event_scan(raw + off + kl, len - off - kl, &bad);
		if (vl <= 0)
			return -EINVAL;
		if (is_rule_key((const unsigned char *)raw + off, (size_t)kl)) {
			if (pk && off > run)
				pk->callback(pk->data, raw + run, off - run);
			run = off + kl + vl;
		} else {
			(*kept)++;
		}
		off += kl + vl;
	}
	if (off != len)
		return -EINVAL;
	if (pk && off > run)
		pk->callback(pk->data, raw + run, off - run);
	return 0;
}

int cws_event_pack_match(msgpack_packer *pk, const char *raw, size_t len,
			 const struct cws_event_rule *rule)
{
	uint32_t n, kept;
	size_t hl;

	if (map_header((const unsigned char *)raw, len, &n, &hl) ||
	    copy_entries(NULL, raw, len, n, hl, &kept))
		return -EINVAL;
	msgpack_pack_map(pk, kept + 1);
	copy_entries(pk, raw, len, n, hl, &kept);
	pk_key(pk, "rule");
	pack_rule(pk, rule);
	return 0;
}

/* True when the encoded value p[0..len) is the string s. */
static bool is_str(const char *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return n < 32 && len == n + 1 && (unsigned char)p[0] == (0xa0 | n) &&
	       !memcmp(p + 1, s, n);
}

void cws_event_pack_process_map(msgpack_packer *pk, const struct cws_process *p)
{
	pack_process_map(pk, p, NULL, 0, false, false, false);
}

int cws_event_pack_expanded(msgpack_packer *pk, const struct cws_event *ev)
{
	const char *raw = ev->raw;
	size_t len = ev->raw_len, hl, off, bad;
	uint32_t n, i, kept = 0;
	bool cont = ev->container.id != NULL;
	int pass;

	if (!raw)
		return -EINVAL;
	if (ev->type != CWS_REC_EVENT || !ev->process_ref ||
	    ev->process_unknown) {
		pk->callback(pk->data, raw, len);
		return 0;
	}
	if (map_header((const unsigned char *)raw, len, &n, &hl))
		return -EINVAL;
	/*
	 * Twice over the entries: count, then copy, with "process" replaced
	 * by the whole context and followed by "container", where schema 1
	 * has them; a "container" of the record itself is the process's.
	 */
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			msgpack_pack_map(pk, kept + cont);
		for (i = 0, off = hl; i < n; i++) {
			long kl = cws_event_scan(raw + off, len - off, &bad),
			     vl;

			if (kl <= 0)
				return -EINVAL;
			vl = cws_event_scan(raw + off + kl, len - off - kl,
					    &bad);
			if (vl <= 0)
				return -EINVAL;
			if (is_str(raw + off, (size_t)kl, "container")) {
				/* left out */
			} else if (!pass) {
				kept++;
			} else if (is_str(raw + off, (size_t)kl, "process")) {
				pk_key(pk, "process");
				pack_inline_process(pk, ev, false);
				if (cont) {
					pk_key(pk, "container");
					msgpack_pack_map(pk, 1);
					pk_str(pk, "id", ev->container.id);
				}
			} else {
				pk->callback(pk->data, raw + off,
					     (size_t)(kl + vl));
			}
			off += (size_t)(kl + vl);
		}
	}
	return 0;
}
