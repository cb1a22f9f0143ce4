/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-filter's hasher (hash.c), for the hash action: hashes a file as a
 * process sees it, with Datadog's states, rate limit and cache.
 */
#ifndef CWS_FILTER_HASH_H
#define CWS_FILTER_HASH_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define HASH_MAX_ALGOS 4
#define CWS_HASH_MAX_TEXT 160 /* "ssdeep:" and libfuzzy's 148 bytes */
#define CWS_HASH_MAX_PATH 4096

/* Datadog's HashState, in its order; hash_state_name gives its JSON. */
enum hash_state {
	HASH_NO_HASH,
	HASH_DONE,
	HASH_FILE_NOT_FOUND,
	HASH_PATHNAME_ERROR,
	HASH_FILE_TOO_BIG,
	HASH_FILE_EMPTY,
	HASH_FILE_OPEN_ERROR,
	HASH_EVENT_TYPE_NOT_CONFIGURED,
	HASH_RATE_LIMITED,
	HASH_FAILED,
	HASH_NSTATES
};

enum hash_algo { HASH_SHA1, HASH_SHA256, HASH_MD5, HASH_SSDEEP };

struct hash_opts {
	enum hash_algo algos[HASH_MAX_ALGOS]; /* in the output's order */
	unsigned nalgos;
	uint64_t event_types; /* bit (1 << enum cws_event_type) */
	uint64_t max_file_size; /* bytes */
	uint64_t rate, burst; /* files per second, bucket size */
	size_t cache_size; /* results kept; 0: none */
	const char *proc; /* NULL: "/proc" (tests point it elsewhere) */
};

/* One file to hash. */
struct hash_req {
	enum cws_event_type type; /* the event's */
	uint32_t pid; /* whose view of the file system */
	const char *container_id; /* NULL on the host */
	const char *path; /* absolute, as the event has it; NULL: unknown */
	uint64_t inode;
	uint64_t max_file_size; /* the action's; 0: the configuration's */
	uint64_t now_ns; /* a monotonic clock, for the rate limit */
};

struct hash_result {
	enum hash_state state;
	unsigned n;
	char text[HASH_MAX_ALGOS][CWS_HASH_MAX_TEXT]; /* "sha256:<hex>" */
};

struct hash_stats {
	uint64_t hashed, cache_hits;
	uint64_t states[HASH_NSTATES];
};

struct hasher;

/* "Done", "FileTooBig", ...: Datadog's spelling (its stringer's). */
const char *hash_state_name(enum hash_state s);

/* The enum hash_algo of "sha1", "sha256", "md5", "ssdeep"; -1 if none. */
int hash_algo_from_name(const char *name);

/* A hasher with a copy of o; NULL with errno set (ENOMEM). */
struct hasher *hasher_new(const struct hash_opts *o);

/* Accepts NULL. */
void hasher_free(struct hasher *h);

/* Hashes q's file into out (out->state says how it went); never fails. */
void hasher_hash(struct hasher *h, const struct hash_req *q,
		 struct hash_result *out);

const struct hash_stats *hasher_stats(const struct hasher *h);

#endif
