/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lib/event internals, shared by its source files only: type names, the
 * encoder and the writer (event.c), the object member table
 * (event_members.c), the scanner and the general decoder
 * (event_decode.c), the fast path and its process cache (event_fast.c),
 * and the reader (event_reader.c). Nothing outside lib/event*.c includes
 * this header.
 */
#ifndef CWS_EVENT_PRIV_H
#define CWS_EVENT_PRIV_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

/*
 * Record type names by enum cws_record_type, NULL for CWS_REC_UNKNOWN
 * (event.c, which checks the count).
 */
#define EVENT_NRECORDS 9
extern const char *const event_record_names[];

/* The unsigned big-endian integer in p[0..n). */
static inline uint64_t be(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * cws_event_scan for a value that sits inside containers: a container at
 * maxdepth levels below it is one too deep (event_decode.c).
 */
long event_scan(const char *data, size_t len, size_t *bad, unsigned maxdepth);

/* The object member table; event_members.c says what it is for. */
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
	OK_I64V, /* a struct cws_i64v, packed as an array of integers */
	OK_IDSET, /* uint64_t[3], ids 0..191, packed as an array of ints */
	OK_ID32, /* a uint32_t id for which 0 means unknown: then absent */
};

struct omember {
	const char *path[3];
	enum okind kind;
	size_t off;
	uint64_t types;
	/*
	 * Optional: the offset of a bool in struct cws_evobj that says the
	 * member is known (written only then, set when read); 0: always. For
	 * a file (OK_FILE), its fields and any map left empty without them.
	 */
	size_t has;
};

#define EVENT_NMEMBERS 111 /* entries of event_omembers[], checked there */

extern const struct omember event_omembers[];

static inline unsigned plen(const struct omember *m)
{
	return m->path[2] ? 3 : m->path[1] ? 2 : 1;
}

/* True when m applies to type and its path starts with prefix[0..depth). */
static inline bool om_under(const struct omember *m, uint64_t tbit,
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

/* The 12 bytes that make an IPv6 address IPv4-mapped. */
extern const uint8_t event_ip_v4map[12];

/* Text to 16 bytes (IPv4 v4-mapped); false if it is not an address. */
bool event_parse_ip(const char *s, uint8_t a[16]);

/* What event_fast_decode returns; event_fast.c says when. */
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

/*
 * Decodes the event record at data[0..len) into ev, strings into the
 * arena (or a cache entry); *used is its length. Returns FAST_OK,
 * FAST_MORE, or another value to give up (event_fast.c).
 */
int event_fast_decode(const char *data, size_t len, struct cws_event *ev,
		      char *arena, size_t cap, struct cws_reader_cache *cache,
		      size_t *used);

/*
 * The encoder's parts the writer needs (event.c): an event body (lean:
 * without the ancestors' argv; ref: schema 2, the process by its key), a
 * process record (lean: without argv), a ruleset_loaded record (lean:
 * without the expressions), and a map header's count and length.
 */
#include <msgpack.h>
void event_pack_body(msgpack_packer *pk, const struct cws_event *ev, bool lean,
		     bool ref);
void event_pack_process_record(msgpack_packer *pk, const struct cws_process *p,
			       bool lean);
void event_pack_ruleset_loaded(msgpack_packer *pk, const struct cws_event *ev,
			       bool lean);

/*
 * Schema 2's tables (event_proc.c). The reader's: cws_proctab_add takes a
 * copy of a process record's context (0, -EINVAL without a key, -ENOMEM);
 * cws_proctab_expand fills an event's process, ancestors and container
 * from its key and returns true, or counts an unknown key and returns
 * false (t may be NULL); cws_proctab_retire marks a key's process exited,
 * as an exit event does (nothing for a key t does not hold). The
 * writer's: a set of keys.
 */
struct cws_proctab *cws_proctab_new(uint32_t max, uint32_t max_exited);
void cws_proctab_free(struct cws_proctab *t);
int cws_proctab_add(struct cws_proctab *t, const struct cws_process *p);
bool cws_proctab_expand(struct cws_proctab *t, struct cws_event *ev);
void cws_proctab_retire(struct cws_proctab *t, uint64_t key);
/* True if t holds key and its process has not exited. */
bool cws_proctab_live(const struct cws_proctab *t, uint64_t key);
void cws_proctab_stats(const struct cws_proctab *t, struct cws_proc_stats *out);
uint64_t cws_proctab_bytes(const struct cws_proctab *t);

struct cws_keyset *cws_keyset_new(uint32_t max, uint32_t max_exited);
void cws_keyset_free(struct cws_keyset *s);
/* True if key is in s; it becomes the most recent. */
bool cws_keyset_touch(struct cws_keyset *s, uint64_t key);
bool cws_keyset_has(struct cws_keyset *s, uint64_t key);
void cws_keyset_add(struct cws_keyset *s, uint64_t key);
/*
 * key's process exited: its key goes a while later. Returns true if key
 * was in s and had not exited yet.
 */
bool cws_keyset_exit(struct cws_keyset *s, uint64_t key);
/* Drops every key (entries 0); the other counters carry on. */
void cws_keyset_clear(struct cws_keyset *s);
void cws_keyset_stats(const struct cws_keyset *s, struct cws_proc_stats *out);

#endif /* CWS_EVENT_PRIV_H */
