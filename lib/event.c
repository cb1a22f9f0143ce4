/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec. Encoding packs a struct cws_event with msgpack-c's packer.
 * Decoding is three steps so that hostile bytes stay harmless:
 *
 *  1. cws_event_scan() walks one msgpack value without allocating and
 *     bounds it (depth, counts against bytes present, string lengths, total
 *     size), so msgpack-c never sees a value that claims more than it has;
 *  2. msgpack_unpack() unpacks the complete, bounded value into a zone
 *     reused for every record;
 *  3. decode copies what the record carries into the struct, strings into a
 *     preallocated arena, and reports a missing or mistyped key by its SECL
 *     path.
 *
 * The reader resynchronises after corrupt bytes by sliding one byte at a
 * time until a complete map with a known "type" decodes again, and reports
 * the whole skipped span in one error.
 *
 * Event records as the writer produces them take a fast path instead,
 * which does the three steps in one walk and keeps the processes it
 * decoded for the next events of the same process; it gives up on
 * anything else, and the three steps then decide (see "The fast path").
 */
#include "compat.h"
#include "event.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK (64u * 1024)
#define ARENA_SIZE (2u * CWS_EVENT_MAX_RECORD + 512u * 1024)
#define FLUSH_AT (64u * 1024)
#define ZONE_CHUNK (64u * 1024)

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
};

static const char *const record_type_names[] = {
	[CWS_REC_UNKNOWN] = NULL,
	[CWS_REC_HELLO] = "hello",
	[CWS_REC_EVENT] = "event",
	[CWS_REC_LOST] = "lost",
	[CWS_REC_HEARTBEAT] = "heartbeat",
	[CWS_REC_RULESET_LOADED] = "ruleset_loaded",
	[CWS_REC_SELFTEST] = "selftest",
};

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
	if ((unsigned)type >= CWS_ARRAY_SIZE(record_type_names))
		return NULL;
	return record_type_names[type];
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

static unsigned file_nfields(const struct cws_file *f)
{
	const char *s[] = { f->path,	   f->name, f->path_resolution_error,
			    f->filesystem, f->user, f->group };

	return nonnull(s, CWS_ARRAY_SIZE(s)) + 7;
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
	pk_u64(pk, "mode", f->mode);
	pk_u64(pk, "uid", f->uid);
	pk_u64(pk, "gid", f->gid);
	pk_u64(pk, "change_time", f->change_time);
	pk_u64(pk, "modification_time", f->modification_time);
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

/*
 * Packs one process map with its ancestors (anc may be NULL: an ancestor
 * has none). lean leaves the ancestors' argv out, for oversized records.
 */
static void pack_process(msgpack_packer *pk, const struct cws_process *p,
			 const struct cws_process *anc, uint32_t nanc,
			 bool anc_truncated, bool lean)
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
	if (anc)
		n += 2;
	if (self_lean)
		n--;
	msgpack_pack_map(pk, n);
	pk_u64(pk, "pid", p->pid);
	pk_u64(pk, "tid", p->tid);
	pk_u64(pk, "ppid", p->ppid);
	pk_str(pk, "comm", p->comm);
	pk_str(pk, "tty_name", p->tty_name);
	pk_str(pk, "cwd", p->cwd);
	if (p->container_id) {
		pk_key(pk, "container");
		msgpack_pack_map(pk, 1);
		pk_str(pk, "id", p->container_id);
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
	if (anc) {
		if (nanc > CWS_EVENT_MAX_ANCESTORS) {
			nanc = CWS_EVENT_MAX_ANCESTORS;
			anc_truncated = true;
		}
		pk_key(pk, "ancestors");
		msgpack_pack_array(pk, nanc);
		for (i = 0; i < nanc; i++)
			pack_process(pk, &anc[i], NULL, 0, false, lean);
		pk_bool(pk, "ancestors_truncated", anc_truncated);
	}
}

/*
 * The objects of event types other than exec, as one table: each member
 * is a SECL path under the object (up to three keys), a kind, where it
 * sits in struct cws_evobj, and the event types that carry it. The encoder
 * and the decoder both walk this table, so they cannot disagree, and a new
 * field is one line here (and one in man/cws-event.5).
 */
enum okind {
	OK_U32,
	OK_U64,
	OK_I32,
	OK_I64,
	OK_STR,
	OK_BOOL,
	OK_FILE, /* a struct cws_file, its fields spread into the map */
	OK_PROC, /* a struct cws_process, packed as a process map */
	OK_U16,
	OK_IP, /* the ip[16] of a struct cws_netaddr, as text; v4-mapped */
};

struct omember {
	const char *path[3];
	enum okind kind;
	size_t off;
	uint64_t types;
};

#define T(x) (1ull << CWS_EVT_##x)
#define OFF(f) offsetof(struct cws_evobj, f)
#define FILE_TYPES                                                          \
	(T(OPEN) | T(UNLINK) | T(RENAME) | T(CHMOD) | T(CHOWN) | T(MKDIR) | \
	 T(RMDIR) | T(LINK) | T(UTIMES) | T(SETXATTR) | T(REMOVEXATTR) |    \
	 T(MMAP) | T(SPLICE) | T(CHDIR) | T(LOAD_MODULE))

static const struct omember omembers[] = {
	{ { "file" }, OK_FILE, OFF(file), FILE_TYPES },
	{ { "file", "destination" }, OK_FILE, OFF(dest), T(RENAME) | T(LINK) },
	{ { "file", "destination", "mode" },
	  OK_U32,
	  OFF(dest.mode),
	  T(OPEN) | T(CHMOD) | T(MKDIR) },
	{ { "file", "destination", "uid" }, OK_U32, OFF(dest.uid), T(CHOWN) },
	{ { "file", "destination", "gid" }, OK_U32, OFF(dest.gid), T(CHOWN) },
	{ { "file", "destination", "user" }, OK_STR, OFF(dest.user), T(CHOWN) },
	{ { "file", "destination", "group" },
	  OK_STR,
	  OFF(dest.group),
	  T(CHOWN) },
	{ { "file", "destination", "name" },
	  OK_STR,
	  OFF(xattr_name),
	  T(SETXATTR) | T(REMOVEXATTR) },
	{ { "file", "destination", "namespace" },
	  OK_STR,
	  OFF(xattr_namespace),
	  T(SETXATTR) | T(REMOVEXATTR) },
	{ { "flags" },
	  OK_U64,
	  OFF(flags),
	  T(OPEN) | T(UNLINK) | T(MMAP) | T(MOUNT) | T(MEMFD_CREATE) |
		  T(SPLICE) },
	{ { "protection" }, OK_U64, OFF(protection), T(MMAP) },
	{ { "req_protection" }, OK_U64, OFF(protection), T(MPROTECT) },
	{ { "vm_protection" }, OK_U64, OFF(vm_protection), T(MPROTECT) },
	{ { "request" }, OK_I64, OFF(request), T(PTRACE) },
	{ { "tracee" }, OK_PROC, OFF(target), T(PTRACE) },
	{ { "cmd" }, OK_I64, OFF(request), T(BPF) },
	{ { "map", "type" }, OK_U32, OFF(map_type), T(BPF) },
	{ { "map", "name" }, OK_STR, OFF(name), T(BPF) },
	{ { "prog", "type" }, OK_U32, OFF(prog_type), T(BPF) },
	{ { "prog", "name" }, OK_STR, OFF(prog_name), T(BPF) },
	{ { "prog", "attach_type" }, OK_U32, OFF(attach_type), T(BPF) },
	{ { "type" }, OK_I64, OFF(request), T(SIGNAL) },
	{ { "pid" }, OK_U32, OFF(pid), T(SIGNAL) },
	{ { "target" }, OK_PROC, OFF(target), T(SIGNAL) },
	{ { "code" }, OK_I32, OFF(code), T(EXIT) },
	{ { "cause" }, OK_STR, OFF(cause), T(EXIT) },
	{ { "name" },
	  OK_STR,
	  OFF(name),
	  T(LOAD_MODULE) | T(UNLOAD_MODULE) | T(MEMFD_CREATE) },
	{ { "loaded_from_memory" },
	  OK_BOOL,
	  OFF(loaded_from_memory),
	  T(LOAD_MODULE) },
	{ { "args" }, OK_STR, OFF(args), T(LOAD_MODULE) },
	{ { "uid" }, OK_U32, OFF(uid), T(SETUID) },
	{ { "euid" }, OK_U32, OFF(euid), T(SETUID) },
	{ { "fsuid" }, OK_U32, OFF(fsuid), T(SETUID) },
	{ { "user" }, OK_STR, OFF(user), T(SETUID) },
	{ { "euser" }, OK_STR, OFF(euser), T(SETUID) },
	{ { "fsuser" }, OK_STR, OFF(fsuser), T(SETUID) },
	{ { "gid" }, OK_U32, OFF(gid), T(SETGID) },
	{ { "egid" }, OK_U32, OFF(egid), T(SETGID) },
	{ { "fsgid" }, OK_U32, OFF(fsgid), T(SETGID) },
	{ { "group" }, OK_STR, OFF(group), T(SETGID) },
	{ { "egroup" }, OK_STR, OFF(egroup), T(SETGID) },
	{ { "fsgroup" }, OK_STR, OFF(fsgroup), T(SETGID) },
	{ { "cap_effective" }, OK_U64, OFF(cap_effective), T(CAPSET) },
	{ { "cap_permitted" }, OK_U64, OFF(cap_permitted), T(CAPSET) },
	{ { "fs_type" }, OK_STR, OFF(fs_type), T(MOUNT) },
	{ { "addr", "ip" }, OK_IP, OFF(addr), T(CONNECT) | T(BIND) | T(ACCEPT) },
	{ { "addr", "port" },
	  OK_U16,
	  OFF(addr.port),
	  T(CONNECT) | T(BIND) | T(ACCEPT) },
	{ { "addr", "family" },
	  OK_U16,
	  OFF(addr.family),
	  T(CONNECT) | T(BIND) | T(ACCEPT) },
	{ { "protocol" },
	  OK_U16,
	  OFF(protocol),
	  T(CONNECT) | T(BIND) | T(ACCEPT) },
	{ { "id" }, OK_U16, OFF(dns.id), T(DNS) },
	{ { "question", "name" }, OK_STR, OFF(dns.name), T(DNS) },
	{ { "question", "type" }, OK_U16, OFF(dns.type), T(DNS) },
	{ { "question", "class" }, OK_U16, OFF(dns.qclass), T(DNS) },
	{ { "question", "count" }, OK_U16, OFF(dns.count), T(DNS) },
	{ { "question", "length" }, OK_U16, OFF(dns.size), T(DNS) },
	{ { "network", "source", "ip" }, OK_IP, OFF(net.source), T(DNS) },
	{ { "network", "source", "port" },
	  OK_U16,
	  OFF(net.source.port),
	  T(DNS) },
	{ { "network", "destination", "ip" },
	  OK_IP,
	  OFF(net.destination),
	  T(DNS) },
	{ { "network", "destination", "port" },
	  OK_U16,
	  OFF(net.destination.port),
	  T(DNS) },
	{ { "network", "l3_protocol" }, OK_U16, OFF(net.l3_protocol), T(DNS) },
	{ { "network", "l4_protocol" }, OK_U16, OFF(net.l4_protocol), T(DNS) },
	{ { "network", "size" }, OK_U32, OFF(net.size), T(DNS) },
	{ { "network", "device", "ifname" }, OK_STR, OFF(net.ifname), T(DNS) },
	{ { "mountpoint", "path" },
	  OK_STR,
	  OFF(mountpoint),
	  T(MOUNT) | T(UMOUNT) },
	{ { "source", "path" }, OK_STR, OFF(source), T(MOUNT) },
	{ { "pipe_entry_flag" }, OK_U32, OFF(pipe_entry_flag), T(SPLICE) },
	{ { "pipe_exit_flag" }, OK_U32, OFF(pipe_exit_flag), T(SPLICE) },
};

static unsigned plen(const struct omember *m)
{
	return m->path[2] ? 3 : m->path[1] ? 2 : 1;
}

/* True when m applies to type and its path starts with prefix[0..depth). */
static bool om_under(const struct omember *m, uint64_t tbit,
		     const char *const *prefix, unsigned depth)
{
	unsigned i;

	if (!(m->types & tbit) || plen(m) < depth)
		return false;
	for (i = 0; i < depth; i++)
		if (strcmp(m->path[i], prefix[i]))
			return false;
	return true;
}

static const void *ofield(const struct cws_evobj *o, const struct omember *m)
{
	return (const char *)o + m->off;
}

/* Whether a leaf member has something to write (NULL strings do not). */
static const uint8_t ip_none[16];
static const uint8_t ip_v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static bool om_present(const struct cws_evobj *o, const struct omember *m)
{
	if (m->kind == OK_IP)
		return memcmp(ofield(o, m), ip_none, 16) != 0;
	return m->kind != OK_STR || *(const char *const *)ofield(o, m);
}

/* An address as text: dotted for a v4-mapped one, else IPv6. */
static void pk_ip(msgpack_packer *pk, const uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (!memcmp(a, ip_v4map, 12))
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	pk_strval(pk, buf);
}

/* Text to 16 bytes (IPv4 v4-mapped); false if it is not an address. */
static bool parse_ip(const char *s, uint8_t a[16])
{
	if (inet_pton(AF_INET, s, a + 12) == 1) {
		memcpy(a, ip_v4map, 12);
		return true;
	}
	return inet_pton(AF_INET6, s, a) == 1;
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
		pack_process(pk, v, NULL, 0, false, false);
		break;
	case OK_FILE:
		break; /* spread by plan_pack */
	}
}

/*
 * How an event type's object is laid out, worked out once from omembers[]
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
	const char *child = omembers[i].path[depth];
	unsigned j;

	for (j = 0; j < i; j++)
		if (om_under(&omembers[j], tbit, prefix, depth) &&
		    plen(&omembers[j]) > depth &&
		    !strcmp(omembers[j].path[depth], child))
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

	for (i = 0; i < CWS_ARRAY_SIZE(omembers); i++) {
		const struct omember *m = &omembers[i];
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

/* Entries of a map node for this object. */
static unsigned plan_count(const struct plan *p, const struct pnode *node,
			   const struct cws_evobj *o)
{
	unsigned k, n = 0;

	for (k = node->first; k < node->first + node->count; k++) {
		const struct pnode *c = &p->n[k];

		if (c->kind == PN_FILE)
			n += file_nfields(ofield(o, c->m));
		else
			n += c->kind == PN_MAP || om_present(o, c->m);
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
			pack_file_fields(pk, ofield(o, c->m));
			break;
		case PN_LEAF:
			if (!om_present(o, c->m))
				break;
			pk_key(pk, c->key);
			pack_leaf(pk, o, c->m);
			break;
		default:
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

static void pack_event_body(msgpack_packer *pk, const struct cws_event *ev,
			    bool lean)
{
	static const struct cws_process none;
	unsigned n = 3 + (ev->container.id != NULL);
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
	if (ev->process_raw && ev->process_raw_len)
		msgpack_pack_str_body(pk, ev->process_raw, ev->process_raw_len);
	else
		pack_process(pk, &ev->process,
			     ev->ancestors ? ev->ancestors : &none,
			     ev->ancestors ? ev->nancestors : 0,
			     ev->ancestors_truncated, lean);
	if (ev->container.id) {
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

void cws_event_pack_process(msgpack_packer *pk, const struct cws_event *ev)
{
	static const struct cws_process none;

	pack_process(pk, &ev->process, ev->ancestors ? ev->ancestors : &none,
		     ev->ancestors ? ev->nancestors : 0,
		     ev->ancestors_truncated, false);
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
	const char *s[] = { a->signal, a->scope, a->message };

	msgpack_pack_map(pk, 3 + nonnull(s, CWS_ARRAY_SIZE(s)));
	pk_str(pk, "type", a->type ? a->type : "");
	pk_str(pk, "signal", a->signal);
	pk_str(pk, "scope", a->scope);
	pk_u64(pk, "pid", a->pid);
	pk_str(pk, "status", a->status ? a->status : "");
	pk_str(pk, "message", a->message);
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

static void pack_ruleset_loaded(msgpack_packer *pk, const struct cws_event *ev,
				bool lean)
{
	bool full = ev->ruleset.producer || ev->ruleset.npolicies;

	msgpack_pack_map(pk, 2 + 2 * full);
	pk_str(pk, "type", "ruleset_loaded");
	pk_u64(pk, "timestamp", ev->timestamp);
	if (!full)
		return;
	pk_str(pk, "producer",
	       ev->ruleset.producer ? ev->ruleset.producer : "unknown");
	pack_policies(pk, ev->ruleset.policies, ev->ruleset.npolicies, true,
		      lean);
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
		pack_ruleset_loaded(pk, ev, false);
		return 0;
	case CWS_REC_SELFTEST:
		msgpack_pack_map(pk, 4);
		pk_str(pk, "type", name);
		pk_u64(pk, "timestamp", ev->timestamp);
		pack_strv(pk, "succeeded_tests", &ev->selftest.succeeded);
		pack_strv(pk, "failed_tests", &ev->selftest.failed);
		return 0;
	default:
		return -EINVAL;
	}
}

int cws_event_pack(msgpack_packer *pk, const struct cws_event *ev)
{
	if (ev->type == CWS_REC_EVENT) {
		pack_event_body(pk, ev, false);
		return 0;
	}
	return pack_control(pk, ev);
}

/*
 * Scanning: one msgpack value, bounded, without allocation.
 */

static uint64_t be(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * cws_event_scan for a value that sits inside containers: a container at
 * maxdepth levels below it is one too deep (the record's own limit is
 * CWS_EVENT_MAX_DEPTH from its root).
 */
static long scan(const char *data, size_t len, size_t *bad, unsigned maxdepth)
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
	return scan(data, len, bad, CWS_EVENT_MAX_DEPTH);
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
	else
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
		} else if (FIELD("tid"))
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
			uint32_t j;

			if (!dmap(d, v, pb))
				break;
			for (j = 0; j < v->via.map.size; j++)
				if (key_is(&v->via.map.ptr[j].key, "id"))
					p->container_id = dstr(
						d, &v->via.map.ptr[j].val, pb);
		} else if (FIELD("created_at"))
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

/* Decodes one leaf of the object table into o. */
static void decode_leaf(struct dctx *d, const msgpack_object *v,
			struct cws_evobj *o, const struct omember *m,
			const struct kp *at)
{
	void *f = (char *)o + m->off;

	switch (m->kind) {
	case OK_U16:
		*(uint16_t *)f = (uint16_t)du64(d, v, at, UINT16_MAX);
		break;
	case OK_IP: {
		const char *s = dstr(d, v, at);

		if (s && !parse_ip(s, f))
			derr(d, "%s: not an IP address", "ip");
		break;
	}
	case OK_U32:
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
	for (j = 0; j < CWS_ARRAY_SIZE(omembers); j++)
		if (om_under(&omembers[j], tbit, (const char *const *)prefix,
			     depth) &&
		    plen(&omembers[j]) == depth)
			spread = &omembers[j];
	for (i = 0; i < o->via.map.size && !d->rc; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;
		struct kp kb = { at, NULL };

		if (k->type != MSGPACK_OBJECT_STR)
			continue;
		for (j = 0; j < CWS_ARRAY_SIZE(omembers); j++) {
			const struct omember *m = &omembers[j];

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
		if (j == CWS_ARRAY_SIZE(omembers) && spread)
			decode_file_key(
				d, k, v,
				(struct cws_file *)((char *)obj + spread->off),
				at);
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
	for (t = 1; t < CWS_ARRAY_SIZE(record_type_names); t++)
		if (!strcmp(ev->type_name, record_type_names[t]))
			ev->type = t;
	if (ev->type == CWS_REC_EVENT)
		decode_event(&d, obj, ev);
	else
		decode_control(&d, obj, ev);
	return d.rc;
}

/*
 * The fast path: an event record decoded straight from its bytes in one
 * walk that also bounds it, with no msgpack-c object and no separate scan.
 * Replaying a capture through cws-filter spent most of its time in the
 * three steps above (each walks the whole record, which the ancestors and
 * their arguments make 2 to 5 kB); nearly every record is an event exactly
 * as cws_event_pack wrote it, so that case gets its own path.
 *
 * It takes event records and nothing else: a control or match record, a
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
 * at depth n), so that values skipped with scan() are bounded alike.
 */
enum {
	FAST_OK,
	FAST_MORE,
	FAST_BAIL,
	FAST_FULL, /* the arena is full: FAST_BAIL, unless a cache entry's */
};

/*
 * Decoded processes, kept with their encoded bytes. An event's "process"
 * value (the process and its ancestors, about 2 kB) is the same byte for
 * byte in every event of a process while nothing about it changes
 * (cws-probe even reuses the encoding), and msgpack is prefix-free: bytes
 * that start with a value's whole encoding hold that value. So a hit is
 * one memcmp instead of a decode. Entries own their strings (an arena
 * each); an event points into one until the next cws_reader_next, which
 * may evict it. A value too large for an entry is decoded every time.
 */
#define PCACHE_ENTRIES 8
#define PCACHE_BYTES (16u * 1024)
#define PCACHE_ARENA (64u * 1024)

struct pentry {
	size_t len; /* of bytes; 0 for an empty entry */
	struct cws_process process;
	struct cws_process *ancestors;
	uint32_t nancestors;
	bool ancestors_truncated;
	char bytes[PCACHE_BYTES];
	_Alignas(16) char arena[PCACHE_ARENA]; /* f_alloc aligns offsets */
};

struct cws_reader_cache {
	uint8_t order[PCACHE_ENTRIES]; /* most recently used first */
	struct pentry e[PCACHE_ENTRIES];
};

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

	n = scan((const char *)f->p, (size_t)(f->lim - f->p), &bad,
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
	FK_CONTAINER, /* container.id */
	FK_ANCESTORS, /* the event's process only */
	FK_ANCESTORS_TRUNCATED,
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
};

static const struct fkey process_keys[] = {
	PKEY("pid", FK_PID, pid),
	PKEY("tid", FK_U32, tid),
	PKEY("ppid", FK_U32, ppid),
	PKEY("comm", FK_STR, comm),
	PKEY("tty_name", FK_STR, tty_name),
	PKEY("cwd", FK_STR, cwd),
	PKEY("container", FK_CONTAINER, container_id),
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
		} else if (e->kind == FK_CONTAINER) {
			ok = f_container(f, &p->container_id, d + 1);
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
	const struct omember *m[CWS_ARRAY_SIZE(omembers)];
	uint8_t len[CWS_ARRAY_SIZE(omembers)];
	unsigned n;
};

/* One leaf of the object table (decode_leaf), at depth d. */
static bool f_leaf(struct fdec *f, struct cws_evobj *o, const struct omember *m,
		   unsigned d)
{
	void *at = (char *)o + m->off;
	uint64_t v;
	int64_t i;

	switch (m->kind) {
	case OK_U16:
		if (!f_u64(f, &v, UINT16_MAX))
			return false;
		*(uint16_t *)at = (uint16_t)v;
		return true;
	case OK_IP:
		/* Rare: the general decoder parses it. */
		return f_fail(f, FAST_BAIL);
	case OK_U32:
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
	for (j = 0; j < CWS_ARRAY_SIZE(omembers); j++)
		if (omembers[j].types & tbit) {
			fo.m[fo.n] = &omembers[j];
			fo.len[fo.n++] = (uint8_t)plen(&omembers[j]);
		}
	return f_level(f, &ev->obj, &fo, 0, 2);
}

/*
 * Decodes the event record at data[0..len) into ev, strings into the
 * arena (or a cache entry); *used is its length. Returns FAST_OK,
 * FAST_MORE, or another value to give up.
 */
static int fast_decode(const char *data, size_t len, struct cws_event *ev,
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
	bool obj = false, ok;
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
			ev->type_name = record_type_names[CWS_REC_EVENT];
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
		} else if (!evt || KEY_IS(k, kl, "rule")) {
			ok = false;
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

/*
 * Reader.
 */

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
	if (r->cache) {
		unsigned i;

		for (i = 0; i < PCACHE_ENTRIES; i++) {
			r->cache->order[i] = (uint8_t)i;
			r->cache->e[i].len = 0;
		}
	}
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

void cws_reader_release(struct cws_reader *r)
{
	if (!r)
		return;
	if (r->zone)
		msgpack_zone_free(r->zone);
	r->zone = NULL;
	free(r->buf);
	free(r->arena);
	free(r->cache);
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

/* Reads more bytes; returns 0 (maybe at eof) or a negative errno. */
static int reader_fill(struct cws_reader *r)
{
	size_t want;
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->base += r->start;
		r->end -= r->start;
		r->start = 0;
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

/* Starts or continues skipping corrupt bytes at the current position. */
static void resync_step(struct cws_reader *r, const char *why)
{
	if (!r->resyncing) {
		r->resyncing = true;
		r->resync_from = r->base + r->start;
		snprintf(r->resync_why, sizeof(r->resync_why), "%s", why);
	}
	r->start++;
	r->skipped++;
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
			rc = fast_decode(r->buf + r->start, avail, ev, r->arena,
					 r->arena_cap, r->cache, &used);
			if (rc == FAST_OK) {
				ev->offset = r->base + r->start;
				ev->raw = r->buf + r->start;
				ev->raw_len = used;
				r->obj_ready = false;
				r->obj_at = r->start;
				r->obj_len = used;
				r->start += used;
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
		r->records++;
		return 1;
	}
}

/*
 * Writer.
 */

void cws_writer_init(struct cws_writer *w, int fd)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->flush_at = FLUSH_AT;
	msgpack_sbuffer_init(&w->sbuf);
	msgpack_packer_init(&w->pk, &w->sbuf, msgpack_sbuffer_write);
}

void cws_writer_release(struct cws_writer *w)
{
	if (!w)
		return;
	msgpack_sbuffer_destroy(&w->sbuf);
}

int cws_writer_flush(struct cws_writer *w)
{
	size_t done = 0;

	while (done < w->sbuf.size) {
		ssize_t n =
			write(w->fd, w->sbuf.data + done, w->sbuf.size - done);

		if (n < 0) {
			struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				poll(&pfd, 1, -1);
				continue;
			}
			/* Keep what was not written for a later retry. */
			memmove(w->sbuf.data, w->sbuf.data + done,
				w->sbuf.size - done);
			w->sbuf.size -= done;
			return -errno;
		}
		done += (size_t)n;
		w->bytes += (uint64_t)n;
	}
	w->sbuf.size = 0;
	return 0;
}

int cws_writer_put(struct cws_writer *w, const struct cws_event *ev)
{
	size_t mark = w->sbuf.size;
	int rc;

	if (ev->type == CWS_REC_UNKNOWN && ev->raw)
		return cws_writer_put_raw(w, ev->raw, ev->raw_len);
	rc = cws_event_pack(&w->pk, ev);
	if (rc)
		return rc;
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD &&
	    ev->type == CWS_REC_EVENT) {
		/* Too big to be read back: retry without ancestors' argv. */
		w->sbuf.size = mark;
		pack_event_body(&w->pk, ev, true);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
	}
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD &&
	    ev->type == CWS_REC_RULESET_LOADED) {
		/* cws-filter addition: retry without the expressions. */
		w->sbuf.size = mark;
		pack_ruleset_loaded(&w->pk, ev, true);
		if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return -E2BIG;
		}
	}
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
}

int cws_writer_put_raw(struct cws_writer *w, const void *data, size_t len)
{
	if (msgpack_sbuffer_write(&w->sbuf, data, len))
		return -ENOMEM;
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
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

int cws_writer_put_match(struct cws_writer *w, const struct cws_event *ev,
			 const struct cws_event_rule *rule)
{
	size_t mark = w->sbuf.size, lean_len;
	char *lean;
	int rc;

	if (!ev->raw)
		return -EINVAL;
	rc = cws_event_pack_match(&w->pk, ev->raw, ev->raw_len, rule);
	if (rc) {
		w->sbuf.size = mark;
		return rc;
	}
	if (w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
		/*
		 * Rare: re-encode the event without the ancestors' argv
		 * (its unknown keys are lost then), copied out because
		 * packing appends to the buffer it is read from.
		 */
		w->sbuf.size = mark;
		pack_event_body(&w->pk, ev, true);
		lean_len = w->sbuf.size - mark;
		lean = malloc(lean_len);
		if (!lean) {
			w->sbuf.size = mark;
			return -ENOMEM;
		}
		memcpy(lean, w->sbuf.data + mark, lean_len);
		w->sbuf.size = mark;
		rc = cws_event_pack_match(&w->pk, lean, lean_len, rule);
		free(lean);
		if (rc || w->sbuf.size - mark > CWS_EVENT_MAX_RECORD) {
			w->sbuf.size = mark;
			return rc ? rc : -E2BIG;
		}
	}
	w->records++;
	if (w->sbuf.size >= w->flush_at)
		return cws_writer_flush(w);
	return 0;
}
