/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the process cache's files share: cache.c (the pool, the hash, the
 * LRU, blobs and images, lineage, filling events), cache_cgroup.c
 * (cgroups and container ids) and cache_proc.c (reading /proc, the seed).
 * The design note is at the top of cache.c.
 */
#ifndef CWS_PROBE_CACHE_PRIV_H
#define CWS_PROBE_CACHE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "probe.h"

#define CACHE_MIN_SIZE 128 /* more than one event's process + ancestors */
#define CACHE_MAX_SIZE (1u << 22)
#define CONTAINER_ID_LEN 64
#define CG_SLOTS 1024 /* cgroup id -> container, power of two */
#define CG_RETRY_MS 1000 /* before looking up an unresolved cgroup again */
#define NAMES_CHECK_MS 1000 /* between two stats of /etc/passwd and group */
/* Keys retired and not yet taken: as many as a writer remembers. */
#define CACHE_GONE_MAX CWS_KEYSET_MAX
#define FILEID_KERNFS 0xfe /* the file handle type of a kernfs node */
#define PF_KTHREAD 0x00200000 /* /proc/PID/stat flags: a kernel thread */
#define OVERLAYFS_MAGIC 0x794c7630 /* statfs f_type of overlayfs */
/* Datadog's cut of one env string: 255 bytes, then "..." (MaxArgEnvSize). */
#define ENV_ELEM_MAX 255

/* Blob size classes: 64 bytes to 32 KiB (an image at its largest). */
#define POOL_SHIFT 6
#define POOL_CLASSES 10

/* What a reference counted blob starts with. */
struct blob {
	uint32_t ref;
	uint32_t cls; /* size class: 1 << (cls + POOL_SHIFT) bytes */
};

/* A string shared between entries (the cwd). */
struct str {
	struct blob b;
	char s[];
};

/*
 * An executable image: what exec sets and fork shares. argv[] points into
 * the strings stored right after it, in the same blob; envp and envs are
 * more slots of argv[], after argv's own.
 */
struct image {
	struct blob b;
	uint32_t argc;
	bool args_truncated;
	uint64_t inode;
	uint32_t mount_id;
	/* The executable's inode at exec time; mode 0 when unknown. */
	uint32_t mode, uid, gid;
	uint64_t ctime, mtime;
	bool upper, upper_known; /* on an overlayfs upper layer */
	char fstype[CWS_KEV_FSTYPE_LEN]; /* its file system type, or "" */
	bool envs_truncated;
	uint32_t envc;
	const char **envp, **envs;
	const char *path; /* NULL when it could not be resolved */
	const char *name;
	const char *path_error; /* why path is NULL, or NULL */
	const char *argv[];
};

#define E_FORKED (1u << 0) /* forked and not exec'd since: is_thread */
#define E_COARSE (1u << 1) /* fork_time from /proc: clock tick precision */
/*
 * Out of the hash: an image exec replaced, or the last image of a process
 * that exited, kept while an entry links to it (kids).
 */
#define E_IMAGE (1u << 2)

/* One process. Indices into the pool are stored + 1, so 0 means none. */
struct entry {
	uint32_t pid;
	uint32_t ppid;
	uint32_t hnext; /* hash chain, or the free list */
	uint32_t prev, next; /* LRU list, most recent first */
	uint32_t flags; /* E_* */
	uint32_t serial; /* which life of this slot: links check it */
	/* The entry this one came from (fork, exec), or 0: the ppid's. */
	uint32_t anc, anc_serial;
	uint32_t kids; /* entries whose anc this one is */
	uint64_t fork_time; /* ns since boot */
	uint64_t exec_time; /* ns since boot, 0 when unknown */
	uint64_t cgroup_id;
	/*
	 * The cgroup's path, NULL until resolved: a counted reference, as img
	 * and cwd are (an entry copied takes blob_ref, release puts it).
	 */
	struct str *cgpath;
	/* exec time (ns since boot) of the container's first process */
	uint64_t cont_start, cont_epoch;
	uint64_t cap_effective, cap_permitted;
	/*
	 * The stream key of the context (0: a new one is due), the parent's
	 * key it was made under and the name files' generation: a change to
	 * any of them gives the process a new key (cws_cache_fill).
	 */
	uint64_t key, parent_key;
	uint32_t names_gen;
	/*
	 * The last key given, kept when key is reset: the key to retire when
	 * a new one replaces it or the entry goes (cws_cache_gone).
	 */
	uint64_t last_key;
	/*
	 * fork_time and exec_time since the epoch as the key's record has
	 * them: the clock offset moves by nanoseconds between two syncs, and
	 * a key's context must be the same bytes every time it is written.
	 */
	uint64_t fork_epoch, exec_epoch;
	uint32_t uid, gid, euid, egid, fsuid, fsgid, auid;
	struct image *img;
	struct str *cwd;
	char comm[CWS_KEV_COMM_LEN + 1];
	char tty[CWS_KEV_TTY_LEN];
	char container[CONTAINER_ID_LEN + 1];
};

struct cg_slot {
	uint64_t id; /* 0: free */
	long long retry_at; /* monotonic ms; 0 once resolved */
	struct str *path; /* the cgroup's path once resolved */
	/*
	 * container.created_at as Datadog has it: the exec time (ns since
	 * boot) of the first process seen in the cgroup.
	 */
	uint64_t first_exec;
	char container[CONTAINER_ID_LEN + 1];
};

/*
 * A thread's key, kept while no entry changed (see cws_cache_fill): the
 * walk up its ancestors is then not needed to know the key is current.
 */
struct packed {
	uint32_t pid, tid;
	uint64_t gen; /* cws_cache.gen it was checked at; 0: empty */
	uint64_t key;
};

#define PACKED_SLOTS 256 /* threads whose key stays checked */

struct cws_cache {
	struct entry *e;
	/*
	 * Bumped by every change to any entry, and by the user and group
	 * names changing: an encoded context built at an older generation
	 * may be out of date.
	 */
	uint64_t gen;
	struct packed *packed;
	uint32_t size;
	uint32_t *buckets; /* heads of hash chains */
	uint32_t mask;
	uint32_t free_head;
	uint32_t lru_head, lru_tail;
	uint32_t used;
	void *pool[POOL_CLASSES]; /* free blobs per size class */
	struct cg_slot *cg;
	uint32_t cg_used;
	int cg2_fd; /* the cgroup2 mount, -1 if none */
	char cg2_dir[CWS_KEV_PATH_MAX + 1]; /* its mount point */
	uint32_t cg2_mnt_id; /* its mount id, cgroup.file.mount_id */
	/* runtime_security_config.envs_with_value (not owned), or NULL */
	const char *const *envs_value;
	struct cws_namedb users, groups;
	long long names_checked; /* monotonic ms */
	uint64_t tick_ns; /* one clock tick of /proc/PID/stat */
	struct cws_cache_stats stats;
	struct cws_ctags *ctags; /* container.tags by container id */
	struct cws_process anc[CWS_EVENT_MAX_ANCESTORS];
	struct entry *chain[CWS_EVENT_MAX_ANCESTORS + 1];
	uint64_t next_key; /* the last key given */
	/*
	 * Keys no record will reference again (their entry went or has a new
	 * key), until cws_cache_gone takes them; at most CACHE_GONE_MAX.
	 */
	uint64_t *gone;
	uint32_t ngone, gone_cap;
	bool closing; /* cws_cache_free: nothing is retired any more */
	uint32_t next_serial; /* the last entry serial given */
	uint32_t names_gen; /* bumped when the name files change */
	/* Scratch for /proc reads: not on the stack, they are large. */
	char buf[CWS_KEV_ARGS_MAX + 2];
	char env[CWS_KEV_ENVS_MAX + 2];
	char path[CWS_KEV_PATH_MAX + 1];
	char path2[CWS_KEV_PATH_MAX + 1];
};

/* --- cache.c ------------------------------------------------------------ */

/* CLOCK_MONOTONIC_COARSE in milliseconds. */
long long cache_now_ms(void);
/* readlink(2) into buf, NUL-terminated; its length, or -1. */
ssize_t cache_read_link(const char *path, char *buf, size_t cap);
/* Blobs: a reference dropped (NULL is fine), a reference taken. */
void cache_blob_put(struct cws_cache *c, void *p);
void *cache_blob_ref(void *p);
/* A counted copy of s[0..n), or NULL when out of memory. */
struct str *cache_str_new(struct cws_cache *c, const char *s, size_t n);
/* An image from an exec's strings, or NULL when out of memory. */
struct image *cache_image_new(struct cws_cache *c, const char *path,
			      size_t plen, const char *perr, const char *args,
			      size_t alen, bool truncated, const char *env,
			      size_t elen, bool env_truncated);
/* Entries: index (+ 1) of, lookup by pid, hash insert, free, new. */
uint32_t cache_idx_of(struct cws_cache *c, struct entry *e);
struct entry *cache_lookup(struct cws_cache *c, uint32_t pid);
void cache_insert(struct cws_cache *c, struct entry *e);
void cache_release(struct cws_cache *c, struct entry *e);
struct entry *cache_entry_new(struct cws_cache *c, uint32_t pid);

/* --- cache_cgroup.c ----------------------------------------------------- */

/* The cgroup2 mount, for open_by_handle_at and name_to_handle_at. */
int cache_open_cgroup2(void);
/* The cgroup2 mount's point and mount id (cgroup.file.mount_id). */
void cache_cg2_facts(struct cws_cache *c);
/* e's cgroup path and container from its cgroup id. */
void cache_cg_attach(struct cws_cache *c, struct entry *e);
/* An exec at ts in e's cgroup: the first one dates the container. */
void cache_cg_first_exec(struct cws_cache *c, struct entry *e, uint64_t ts);
/* The container of cgroup id ("" for none), resolved once per cgroup. */
const char *cache_cg_container(struct cws_cache *c, uint64_t id, uint32_t pid);
/* The cgroup and container of e from /proc/PID/cgroup. */
void cache_proc_cgroup(struct cws_cache *c, struct entry *e);

/* --- cache_proc.c ------------------------------------------------------- */

/* The thread group of a task id, from /proc/TID/status; 0 if gone. */
uint32_t cache_proc_tgid(struct cws_cache *c, uint32_t tid);
/* An entry for pid from /proc, in the table; NULL if pid is gone. */
struct entry *cache_from_proc(struct cws_cache *c, uint32_t pid,
			      uint64_t want_start);

#endif
