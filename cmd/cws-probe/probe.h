/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-probe's private interfaces (OpenBSD's extern.h): probe.c loads the
 * BPF programs and runs the ring buffer loop, emit.c turns kernel records
 * into stream records, mounts.c makes sure the pseudo file systems libbpf
 * needs are there. main.c only parses options and wires these together.
 */
#ifndef CWS_PROBE_PROBE_H
#define CWS_PROBE_PROBE_H

#include "compat.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "event.h"
#include "log.h"

/* The kernel ABI; only this tool includes it. */
#include "../../bpf/cws_event.h"

#define CWS_PROBE_RING_DEFAULT (8u << 20) /* bytes of the ring buffer */
#define CWS_PROBE_RING_MIN (64u << 10) /* must hold a few largest records */
#define CWS_PROBE_RING_MAX (1u << 30)
#define CWS_PROBE_HEARTBEAT_DEFAULT 10 /* seconds */
#define CWS_PROBE_POLL_MS 100 /* latency bound for low-rate events */
#define CWS_PROBE_BTF_PATH "/sys/kernel/btf/vmlinux"

/* What main() decided from the command line and the configuration. */
struct cws_probe_opts {
	unsigned long ring_size; /* power of two, in bytes */
	unsigned heartbeat; /* seconds between heartbeats, 0 for none */
	bool check; /* load and attach, then exit */
	bool verbose; /* -v given: libbpf warnings shown as warnings */
	const char *hostname; /* hello.host; NULL or "" for gethostname */
	uint64_t events; /* event types to attach: bit 1 << CWS_EVT_x */
	const char *run_path; /* status file directory; NULL or "" for none */
	size_t cache_size; /* process cache entries; 0 for the default */
	uint32_t tc_priority; /* network.classifier_priority */
	uint32_t tc_handle; /* network.classifier_handle; 0: the kernel's */
	bool tc_ingress; /* network.ingress.enabled */
	uint32_t imds_ip; /* imds_ipv4, network byte order; 0: none */
	bool raw_packet; /* network.raw_packet.enabled */
	uint32_t raw_packet_rate; /* network.raw_packet.limiter_rate */
	bool events_given; /* -e given: those types are written whole */
	bool config_events; /* probe.events set: types added, filtered */
	/* The policies the kernel filters follow (kfilter.c); none: all. */
	const char *policy_dir; /* -p, runtime_security_config.policies.dir */
	const char *const *exprs; /* -r */
	size_t nexprs;
	const char *self_test_dir; /* -S */
	bool kill_disabled; /* enforcement.enabled false, as cws-filter */
	bool no_approvers; /* --no-approvers, enable_approvers false */
	bool no_discarders; /* --no-discarders, enable_discarders false */
	uint32_t discarders_max; /* entries of the discarder map; 0: default */
	bool no_network; /* network.enabled false: no network type at all */
	const char *socket; /* -u: the stream served there too (fanout.c) */
	/* runtime_security_config.envs_with_value, NULL terminated */
	const char *const *envs_with_value;
};

/*
 * kfilter.c: the kernel filters (bpf/kfilter.bpf.h) from the policies.
 * The probe loads the policies before its programs (which types to load
 * depends on them), applies them once loaded, asks for each event that
 * reached user space whether it teaches a discarder, and reloads them on
 * SIGHUP: open_gates, read out the ring, swap, write the marker,
 * close_gates.
 */
struct cws_policy;
struct cws_bpf;
typedef struct json_t json_t;

#define CWS_KFILTER_DISCARDERS_DEFAULT 16384

struct cws_kfilter {
	struct cws_policy *pol; /* NULL: no kernel filter */
	uint64_t digest; /* cws_policy_digest(pol) */
	bool approvers, discarders; /* allowed by the options */
	bool learning; /* discarders are learnt (not while reloading) */
	uint64_t rule_types; /* event types with a loaded rule */
	uint64_t forced; /* types asked for with -e: never filtered */
	uint64_t extra; /* types of probe.events: attached, filtered */
	uint64_t allowed; /* types the configuration lets the probe hook */
	uint32_t mode[CWS_EVT__COUNT]; /* as written to kf_types */
	size_t napprovers[CWS_EVT__COUNT];
	char why[CWS_EVT__COUNT][256]; /* why a type has no approver */
	struct cws_bpf *skel;
	int disc_fd;
	int ncpus;
	uint64_t *percpu;
	uint64_t stats[CWS_KEV_KF_SLOTS];
	uint64_t learnt_leaf[CWS_EVT__COUNT], learnt_dir[CWS_EVT__COUNT];
	uint64_t user_dropped[CWS_EVT__COUNT];
};

/* Loads o's policies (one error line and a negative errno on failure). */
int cws_kfilter_load(const struct cws_probe_opts *o, struct cws_policy **out);
/* Takes p (owned from now on) with o's options. */
void cws_kfilter_init(struct cws_kfilter *kf, const struct cws_probe_opts *o,
		      struct cws_policy *p);
/* Types written to the stream, and types whose programs are attached. */
uint64_t cws_kfilter_wanted(const struct cws_kfilter *kf);
uint64_t cws_kfilter_hooked(const struct cws_kfilter *kf);
/* The types hooked if p were the policy (a reload). */
uint64_t cws_kfilter_hooked_with(const struct cws_kfilter *kf,
				 const struct cws_policy *p);
/* Once the object is loaded: modes, approvers. 0 or -errno. */
int cws_kfilter_apply(struct cws_kfilter *kf, struct cws_bpf *skel);
void cws_kfilter_release(struct cws_kfilter *kf);
/*
 * An event converted from record k: learns the discarders it teaches and
 * returns true when no rule can match it (it goes no further).
 */
bool cws_kfilter_event(struct cws_kfilter *kf, const struct cws_kev_syscall *k,
		       const struct cws_event *ev);
/* Adds "kernel_filters" to a status document. */
void cws_kfilter_status(struct cws_kfilter *kf, json_t *doc);
/* The reload's steps, in this order (see kfilter.c). */
void cws_kfilter_open_gates(struct cws_kfilter *kf);
void cws_kfilter_swap(struct cws_kfilter *kf, struct cws_policy *p);
void cws_kfilter_close_gates(struct cws_kfilter *kf);
/* The approvers' name hash, as the kernel computes it. */
uint64_t cws_kfilter_hash(const char *s, size_t n, unsigned kind);

/*
 * select.c: attaches the loaded programs of the event types in types
 * (core programs always) and detaches the others. 0 or -errno, with the
 * program that failed named.
 */
struct bpf_object_skeleton;
int cws_probe_attach(struct bpf_object_skeleton *s, uint64_t types);

/* tc.c: the classifiers (dns, imds, packet) on the interfaces' hooks. */
#define CWS_TC_MAX 256

struct cws_tc {
	int prog_fd;
	int ingress_fd; /* the ingress hooks' program */
	uint32_t priority, handle; /* as configured */
	bool ingress; /* network.ingress.enabled: ingress hooks too */
	int nl; /* rtnetlink socket for new interfaces, or -1 */
	unsigned n;
	struct {
		int ifindex;
		int point; /* enum bpf_tc_attach_point */
		uint32_t priority, handle; /* as attached */
		char name[16];
	} att[CWS_TC_MAX];
};

/*
 * Attaches prog_fd (egress) and ingress_fd (ingress, when ingress) to
 * every non-loopback interface; 0 or -errno.
 */
int cws_tc_attach(struct cws_tc *t, int prog_fd, int ingress_fd,
		  uint32_t priority, uint32_t handle, bool ingress);
/* Attaches to interfaces that came up since; never blocks. */
void cws_tc_poll(struct cws_tc *t);
/* Removes exactly the filters cws_tc_attach and cws_tc_poll added. */
void cws_tc_detach(struct cws_tc *t);

/*
 * netev.c: tells the classifiers (bpf/netev.bpf.h) what to do for the
 * event types in types: dns, imds (at opts->imds_ip), packet (with the
 * packet.filter programs of pol's rules, if pol). Called at start and
 * after a reload; returns the number of packet filters in the kernel.
 */
struct cws_bpf;
struct cws_policy;
unsigned cws_netev_apply(struct cws_bpf *skel,
			 const struct cws_probe_opts *opts, uint64_t types,
			 const struct cws_policy *pol);

/* The event types attached by default: all but fork. */
uint64_t cws_probe_default_events(void);

/*
 * Adds the event types named in list (SECL names separated by commas or
 * blanks; "all" for the default set) to *mask. Returns 0, or -1 with the
 * first unknown name copied to bad.
 */
int cws_probe_parse_events(const char *list, uint64_t *mask, char *bad,
			   size_t badlen);

struct bpf_object;

/*
 * Marks the programs of event types not in events as not to be loaded
 * (before bpf_object__load). Returns how many programs will load, and in
 * *attached the requested types that have a program.
 */
unsigned cws_probe_select(struct bpf_object *obj, uint64_t events,
			  uint64_t *attached);

/*
 * Loads and attaches the programs, writes the stream to stdout until
 * SIGINT or SIGTERM, then detaches and flushes. Returns an exit code
 * (CWS_EXIT_OK, or CWS_EXIT_FAILURE after printing why).
 */
int cws_probe_run(const struct cws_probe_opts *opts);

/*
 * The buffers of one syscall record's conversion (emit_syscall.c), which
 * the per-event functions read: each file's user string and the extra
 * string as NUL-terminated copies (NULL when the record has none), and
 * room for the paths built from them.
 */
struct cws_emit_sys {
	const char *str[CWS_KEV_SYS_FILES]; /* file i's user string */
	const char *extra; /* the extra string (xattr or memfd name) */
	char raw[CWS_KEV_SYS_FILES][CWS_KEV_PATH_MAX + 1];
	char path[CWS_KEV_SYS_FILES][CWS_EVENT_MAX_STR + 1];
	char fstype[CWS_KEV_SYS_FILES][CWS_KEV_FSTYPE_LEN + 1];
	char extra_buf[CWS_KEV_STR_MAX + 1];
	char word[CWS_KEV_STR_MAX + 1]; /* for a per-event function */
	char join[2 * CWS_KEV_PATH_MAX + 2]; /* base + "/" + string */
};

/*
 * What an attached filter becomes (emit_sysev.c): the disassembly, one
 * line per instruction, the sha256 in hex, the distinct K constants.
 */
struct cws_emit_sysev {
	char text[16384];
	char hash[65];
	int64_t imm[CWS_KEV_FILTER_MAX];
	uint32_t nimm;
};

/*
 * The stream side. Everything an event needs is preallocated here, so
 * converting a kernel record allocates nothing; only the writer's buffer
 * grows, up to the largest batch between two flushes.
 */
struct cws_emit {
	struct cws_writer w;
	struct cws_event ev; /* reused for every record */
	int64_t boot_to_epoch; /* ns to add to a boot-time stamp */
	uint64_t events; /* event records written */
	uint64_t lost; /* records lost before user space, all causes */
	uint64_t bad; /* kernel records that could not be decoded */
	uint64_t events_mask; /* event types to write; others are dropped */
	uint64_t filtered; /* events of types nobody asked for */
	struct cws_ratelimit rl;
	char host[HOST_NAME_MAX + 1];
	char boot_id[64];
	struct cws_emit_sys sys;
	struct cws_cache *cache; /* the process cache (cache.c) */
	uint64_t evicted; /* cache evictions already reported as lost */
	struct cws_realdir *realdir; /* made on first use (realdir.c) */
	struct cws_kfilter *kf; /* the kernel filters, or NULL */
	uint64_t kernel_filter; /* hello and heartbeat: the policy digest */
	const char *const *envs_with_value; /* for each new cache */
	struct cws_emit_sysev sysev;
	char uring_op[24]; /* io_uring.opcode of an unknown opcode */
};

/*
 * Prepares e to write to fd. host names the machine in the hello record;
 * NULL or "" means gethostname(2). Never fails.
 */
void cws_emit_init(struct cws_emit *e, int fd, const char *host);

/* Frees the writer's buffer without flushing. Accepts NULL. */
void cws_emit_release(struct cws_emit *e);

/*
 * Samples the offset between CLOCK_BOOTTIME (what the kernel stamps) and
 * CLOCK_REALTIME, so that a wall clock step is followed within one poll.
 */
void cws_emit_sync_clock(struct cws_emit *e);

/* Each of these buffers one record; 0 or a negative errno from write(2). */
int cws_emit_hello(struct cws_emit *e);
int cws_emit_heartbeat(struct cws_emit *e);

/*
 * What a new subscriber of the fan-out receives first (arg is the emit):
 * a hello and a process record per process the cache knows. 0 or -EINVAL.
 */
int cws_emit_greeting(void *arg, msgpack_sbuffer *out);

/*
 * Writes a "lost" record for the counts in delta[CWS_KEV_DROP_SLOTS]
 * (records dropped since the last call, per cause and event type, indexed
 * by CWS_KEV_DROP_INDEX). Writes nothing when they are all zero.
 */
int cws_emit_lost(struct cws_emit *e, const uint64_t *delta);

/*
 * Converts one ring buffer record. A record too short for its type or of
 * an unknown type or version is counted in e->bad, reported with a rate
 * limit, and skipped (returns 0).
 */
int cws_emit_record(struct cws_emit *e, const void *data, size_t size);

/*
 * Buffers one event record if its type was asked for (events_mask), and
 * counts it; an event of another type is counted in filtered and skipped.
 * Every emitter writes events through this. Returns 0 or a negative errno.
 */
int cws_emit_put(struct cws_emit *e, const struct cws_event *ev);

/* The name of a drop cause ("ringbuf_full"), for lost records and status. */
const char *cws_emit_drop_cause(unsigned cause);

/* Writes out what is buffered. */
int cws_emit_flush(struct cws_emit *e);

/*
 * Starts e->ev as an event of the given type from a kernel record's header
 * and process: clears it, sets evt (name, type, timestamp, cpu, retval 0)
 * and the process fields the kernel gives. Every emitter calls this first.
 */
void cws_emit_event_begin(struct cws_emit *e, const struct cws_kev_header *h,
			  const struct cws_kev_process *kp,
			  enum cws_event_type type);

/* Counts and reports (rate-limited) a kernel record that is skipped. */
void cws_emit_bad(struct cws_emit *e, const char *why, unsigned type,
		  size_t size);

/* Why the kernel could not resolve a path (enum cws_kev_path_error). */
const char *cws_emit_path_error(unsigned error);

/*
 * Converts a struct cws_kev_syscall (emit_syscall.c): the process, evt with
 * the retval, obj.file and obj.dest from file[0] and file[1] (a directory
 * and a string joined and normalised lexically; path_resolution_error when
 * that cannot be done), then the event type's own function for args[] and
 * the extra string. Returns what cws_emit_put returns; a malformed record
 * is counted in e->bad and skipped (0).
 */
int cws_emit_syscall(struct cws_emit *e, const void *data, size_t size);

/*
 * A per-event conversion: fills ev->obj from k->args, k->retval and e->sys
 * after the generic part. One per event type, in emit_syscall.c's table.
 */
typedef void (*cws_emit_sys_fn)(struct cws_emit *e,
				const struct cws_kev_syscall *k,
				struct cws_event *ev);

/*
 * Joins base (an absolute path, or NULL for none) and rel (relative to it,
 * or absolute) and normalises the result lexically into dst[0..cap): "."
 * and empty components dropped, ".." removes the component before it and
 * never goes above "/", no trailing "/". Returns the length, or -1 when
 * it does not fit.
 */
long cws_emit_join_path(char *dst, size_t cap, const char *base,
			const char *rel);

/* The last component of a normalised absolute path ("/" for the root). */
const char *cws_emit_basename(const char *path);

/* File events (emit_file.c): the per-event functions. */
void cws_emit_file_open(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev);
void cws_emit_file_unlink(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_file_chmod(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_file_chown(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_file_mkdir(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_file_link(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev);
/* rename: the new name's inode facts (and link's), read after the call. */
void cws_emit_file_rename(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_file_xattr(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_file_splice(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_file_mmap(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev);
void cws_emit_file_mprotect(struct cws_emit *e, const struct cws_kev_syscall *k,
			    struct cws_event *ev);
void cws_emit_file_memfd_create(struct cws_emit *e,
				const struct cws_kev_syscall *k,
				struct cws_event *ev);
void cws_emit_file_chdir(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);

/*
 * Rebuilds the process cache with room for size processes
 * (runtime_security_config.pid_cache_size; cws_emit_init makes one of
 * CWS_CACHE_DEFAULT_SIZE) and seeds it again from /proc. Call it before
 * the first record. Returns 0, or -ENOMEM with the old cache kept.
 */
int cws_emit_set_cache_size(struct cws_emit *e, size_t size);

/*
 * Fills e->ev's process, ancestors and container for the task in kp from
 * the process cache, refreshing the cache with kp. cws_emit_event_begin
 * calls it, so every emitter goes through the cache.
 */
void cws_emit_process(struct cws_emit *e, const struct cws_kev_process *kp);

/* Process events (emit_proc.c): fork and exit records, then per-event. */
int cws_emit_fork(struct cws_emit *e, const void *data, size_t size);
int cws_emit_exit(struct cws_emit *e, const void *data, size_t size);

/* A CWS_KEV_CWD record: the process's new cwd, for the cache; no event. */
int cws_emit_cwd(struct cws_emit *e, const void *data, size_t size);
void cws_emit_proc_setid(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_proc_capset(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_proc_ptrace(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_proc_signal(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_proc_bpf(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev);
void cws_emit_proc_module(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_proc_mount(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);
void cws_emit_proc_umount(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);

/* emit_net.c: connect, bind, accept (bpf/net.bpf.h); dns (dns.bpf.h). */
void cws_emit_net_addr(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev);
void cws_emit_net_dns(struct cws_emit *e, const struct cws_kev_syscall *k,
		      struct cws_event *ev);
/* imds and packet (bpf/netev.bpf.h). */
void cws_emit_net_imds(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev);
void cws_emit_net_packet(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev);

/*
 * imds.c: parses the HTTP message p[0..n) of an imds event into x->imds,
 * its strings copied into buf[0..cap) (those that do not fit are left
 * out). 0, or -EINVAL when p does not start an HTTP request or response.
 */
int cws_imds_parse(const char *p, size_t n, struct cws_evobj *x, char *buf,
		   size_t cap);

/* emit_uring.c: io_uring (uring.bpf.h). */
void cws_emit_uring(struct cws_emit *e, const struct cws_kev_syscall *k,
		    struct cws_event *ev);
/*
 * io_uring.opcode of args[0]: "SETUP", the kernel's name of an opcode, or
 * "OP_<n>" written into buf for a number this version does not know.
 */
const char *cws_emit_uring_opcode(uint64_t op, char *buf, size_t len);

/* emit_sysev.c: setsockopt, prctl, cgroup_write, selinux (sysev.bpf.h). */
void cws_emit_sysev_setsockopt(struct cws_emit *e,
			       const struct cws_kev_syscall *k,
			       struct cws_event *ev);
void cws_emit_sysev_prctl(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev);
void cws_emit_sysev_cgroup_write(struct cws_emit *e,
				 const struct cws_kev_syscall *k,
				 struct cws_event *ev);
void cws_emit_sysev_selinux(struct cws_emit *e, const struct cws_kev_syscall *k,
			    struct cws_event *ev);
/*
 * The pid written to cgroup.procs or tasks, text[0..n) as the kernel
 * reads it (an integer of base 0 between white space): 0 and *pid set,
 * or -EINVAL.
 */
int cws_sysev_parse_pid(const char *text, size_t n, uint32_t *pid);
/* A selinuxfs boolean as written: 1 (nonzero), 0, or -EINVAL. */
int cws_sysev_parse_bool(const char *text, size_t n);
/* selinux.bool.state of a parsed value: "on", "off" or "error". */
const char *cws_sysev_selinux_state(int v);
/*
 * Disassembles, hashes and scans n raw classic BPF instructions (at most
 * CWS_KEV_FILTER_MAX) into out. Returns 0, -EINVAL or -EIO (libcrypto).
 */
int cws_sysev_filter(const void *raw, uint32_t n, struct cws_emit_sysev *out);

/*
 * The process cache (cache.c): every process the probe knows, with what
 * the kernel does not send per record (executable, argv, cwd, container
 * id) and its parent, so that each event carries its ancestors. Bounded:
 * a pool of a fixed number of entries, the least recently used evicted
 * when full; strings in reference counted blobs from free lists, so the
 * steady state allocates nothing. Not thread safe.
 */
/* The default of runtime_security_config.pid_cache_size. */
#define CWS_CACHE_DEFAULT_SIZE 10000

/*
 * namedb.c: user or group names from one file (/etc/passwd, /etc/group),
 * id -> name, sorted by id, names in one buffer.
 */
struct cws_name {
	uint32_t id;
	uint32_t off; /* of the name in buf */
};

struct cws_namedb {
	const char *file;
	struct cws_name *v;
	size_t n;
	char *buf;
	struct timespec mtime;
	ino_t ino;
	off_t size;
};

/* Loads the file again if it changed (or went); returns whether it did. */
bool cws_namedb_check(struct cws_namedb *db);
/* The name of id, or NULL. */
const char *cws_namedb_find(const struct cws_namedb *db, uint32_t id);
/* Frees the table; db->file stays. */
void cws_namedb_release(struct cws_namedb *db);

/* Reads at most cap - 1 bytes of a small file, NUL terminated (cache.c). */
ssize_t cws_read_file(const char *path, char *buf, size_t cap);

struct cws_cache;

struct cws_cache_stats {
	uint64_t size; /* entries the pool holds */
	uint64_t entries; /* in use */
	uint64_t seeded; /* processes read from /proc at start */
	uint64_t from_proc; /* unknown pids read from /proc later */
	uint64_t from_parent; /* unknown pids made from their parent */
	uint64_t stale; /* entries of a reused pid replaced */
	uint64_t evicted; /* entries evicted to make room */
	uint64_t context_reused; /* events whose key needed no walk */
};

/*
 * realdir.c: base + "/" + str with str's directory part resolved by the
 * kernel (symlinks followed) as it is now, into out. Returns the length,
 * or -1 when str has no directory part or it cannot be resolved (the
 * lexical join then stands). Only for a record with CWS_KEV_SYS_SAME_ROOT.
 */
struct cws_realdir;
struct cws_realdir *cws_realdir_new(void);
void cws_realdir_free(struct cws_realdir *r);
long cws_realdir_join(struct cws_realdir *r, const char *base, const char *str,
		      char *out, size_t cap);

/*
 * A cache of size entries (clamped to [128, 4 Mi]), empty, with the user
 * and group names loaded. Returns NULL with errno set.
 */
struct cws_cache *cws_cache_new(size_t size);

/* Frees the cache and everything it holds. Accepts NULL. */
void cws_cache_free(struct cws_cache *c);

/*
 * The env names whose values X.envs keeps (envs_with_value, NULL
 * terminated; not copied, must outlive the cache); others keep only their
 * names. Set before cws_cache_seed. NULL: names only.
 */
void cws_cache_set_envs(struct cws_cache *c, const char *const *with_value);

/*
 * Reads every process in /proc into the cache (kernel threads excepted),
 * until it is full. Returns 0 or a negative errno (/proc unreadable).
 */
int cws_cache_seed(struct cws_cache *c);

/*
 * Fills ev->process (tid from kp, its key and parent's key) and
 * ev->container.id, creating or refreshing kp's entry, and ev->ancestors
 * (nearest first, up to pid 1, at most CWS_EVENT_MAX_ANCESTORS, with their
 * keys; they point into the cache, valid until the next call) unless w
 * remembers the process's key (w may be NULL: always). boot_to_epoch
 * converts the kernel's boot-time stamps.
 */
void cws_cache_fill(struct cws_cache *c, struct cws_event *ev,
		    const struct cws_kev_process *kp, int64_t boot_to_epoch,
		    struct cws_writer *w);

/*
 * Fills p (without ancestors) for pid, a process or thread id, from the
 * cache or /proc. Returns false, with only pid and tid set, when nothing
 * is known about it.
 */
bool cws_cache_fill_target(struct cws_cache *c, struct cws_process *p,
			   uint32_t pid, int64_t boot_to_epoch);

/* A fork record: the child's entry, a copy of the forking process's. */
void cws_cache_fork(struct cws_cache *c, const struct cws_kev_fork *k);

/*
 * An exec record (validated by the caller): a new image for the process,
 * whose parent is the image it replaces (kept, with its key, for as long
 * as the process lives), unless the two are identical (an exec bomb);
 * path_error is why the path is missing (NULL when k->path_error is 0).
 */
void cws_cache_exec(struct cws_cache *c, const struct cws_kev_exec *k,
		    const char *path_error);

/*
 * A successful chdir or fchdir (a CWS_KEV_CWD record): the process's new
 * cwd, an absolute path.
 */
void cws_cache_chdir(struct cws_cache *c, uint32_t pid, const char *path);

/* The process is gone: frees its entry (after its exit event). */
void cws_cache_exit(struct cws_cache *c, uint32_t pid);

/*
 * Takes the keys that no record will reference again since the last call:
 * those of entries that went (the process exited, was evicted, or its pid
 * was reused) and those a new key replaced (a context changed). *keys
 * points into the cache until its next call; returns how many.
 */
uint32_t cws_cache_gone(struct cws_cache *c, const uint64_t **keys);

/* Names from /etc/passwd and /etc/group; NULL when unknown or -1. */
const char *cws_cache_user(struct cws_cache *c, uint32_t uid);
const char *cws_cache_group(struct cws_cache *c, uint32_t gid);

/* The cache's counters; zeroes for NULL. */
const struct cws_cache_stats *cws_cache_stats(const struct cws_cache *c);

/* --- procfs.c: parsers of what /proc gives ------------------------------ */

/*
 * Copies the container id found in a cgroup path into out (at least 65
 * bytes) and returns true, or sets it to "" and returns false.
 */
bool cws_cache_container_id(const char *path, char *out, size_t len);

/* What the probe takes from /proc/PID/stat. */
struct cws_procfs_stat {
	char comm[CWS_KEV_COMM_LEN + 1]; /* cut to fit */
	uint32_t ppid;
	unsigned long tty_nr;
	unsigned long long flags; /* PF_* */
	unsigned long long starttime; /* clock ticks after boot */
};

/*
 * Parses /proc/PID/stat (buf NUL-terminated). Returns 0, or -EINVAL when
 * the comm's parentheses or a field up to starttime is missing.
 */
int cws_procfs_stat(const char *buf, struct cws_procfs_stat *st);

/* What the probe takes from /proc/PID/status; has_* false when absent. */
struct cws_procfs_status {
	bool has_tgid, has_uid, has_gid;
	uint32_t tgid;
	uint32_t uid, euid, fsuid, gid, egid, fsgid;
	uint64_t cap_effective, cap_permitted; /* 0 when absent */
};

/* Parses /proc/PID/status (buf NUL-terminated). */
void cws_procfs_status(const char *buf, struct cws_procfs_status *st);

/* One line of mountinfo; the strings point into the line, unescaped. */
struct cws_procfs_mount {
	uint32_t id, parent;
	const char *root, *point, *fstype, *source;
};

/*
 * Parses one line of /proc/PID/mountinfo, in place (the octal escapes of
 * its paths are undone). Returns 0 or -EINVAL.
 */
int cws_procfs_mountinfo(char *line, struct cws_procfs_mount *m);

/*
 * Calls fn for every entry of /proc/PID/mountinfo (pid 0: the probe's
 * own), in order, until it returns nonzero; lines that do not parse are
 * skipped. Returns fn's last value, or a negative errno when the file
 * cannot be opened.
 */
int cws_procfs_mounts(uint32_t pid,
		      int (*fn)(const struct cws_procfs_mount *m, void *arg),
		      void *arg);

/*
 * The path of a /proc/PID/cgroup line ("ID:controllers:path"; the path
 * may hold ':'), or NULL; *unified is set for cgroup v2's "0::" line.
 */
const char *cws_procfs_cgroup_path(const char *line, bool *unified);

/*
 * Writes a process record for every process the cache knows (keys given
 * where due, as cws_cache_fill gives them) to pk: the live process table a
 * new subscriber of the fan-out receives first. Returns how many.
 */
size_t cws_cache_dump(struct cws_cache *c, msgpack_packer *pk,
		      int64_t boot_to_epoch);

/*
 * fanout.c: the stream on a unix socket too (event_monitoring_config.
 * socket). cws_fanout_new binds path (mode 0600, given to dd-agent when
 * that user exists; a stale socket replaced, a served one refused) or
 * returns NULL with err filled. cws_fanout_write is the writer's tap.
 * cws_fanout_service, between two flushes, sends what waits and accepts
 * new subscribers, each greeted with what greet packs (nonzero: refused).
 */
struct cws_fanout;

struct cws_fanout_stats {
	uint64_t connected; /* subscribers now */
	uint64_t served; /* subscribers accepted so far */
	uint64_t cut_off; /* dropped for not keeping up */
	uint64_t closed; /* went away */
	uint64_t refused; /* over the limit of subscribers */
	uint64_t bytes; /* sent, all subscribers */
};

struct cws_fanout *cws_fanout_new(const char *path, char *err, size_t errlen);
void cws_fanout_free(struct cws_fanout *f);
void cws_fanout_write(void *arg, const char *data, size_t len);
void cws_fanout_service(struct cws_fanout *f,
			int (*greet)(void *arg, msgpack_sbuffer *out),
			void *arg);
const struct cws_fanout_stats *cws_fanout_stats(const struct cws_fanout *f);
const char *cws_fanout_path(const struct cws_fanout *f);

/*
 * Mounts tracefs at /sys/kernel/tracing unless a tracefs is already there
 * (or at /sys/kernel/debug/tracing). libbpf needs it to attach to
 * tracepoint/ and tp/ programs; tp_btf does not. Returns 0 or a negative
 * errno.
 */
int cws_mount_tracefs(void);

/* Mounts the BPF file system at /sys/fs/bpf unless it is there (pinning). */
int cws_mount_bpffs(void);

/*
 * ctags.c: container.tags from the container runtime's state on disk,
 * read once per container id. root is prefixed to the runtimes' state
 * directories; NULL takes CWS_PROBE_STATE_ROOT from the environment
 * (for tests), else none. Returns NULL with errno set.
 */
struct cws_ctags;
struct cws_ctags *cws_ctags_new(const char *root);
/* Frees the cache and the tags it holds. Accepts NULL. */
void cws_ctags_free(struct cws_ctags *t);
/* Starts an event: the tags given since the last call may go. */
void cws_ctags_next(struct cws_ctags *t);
/*
 * The tags of container id (empty for "" or an id no runtime describes,
 * which is said once on stderr). Owned by t: valid until the call after
 * the next cws_ctags_next.
 */
const struct cws_strv *cws_ctags_get(struct cws_ctags *t, const char *id);

/*
 * The file system type of mount mnt_id as /proc/PID/mountinfo names it
 * ("ext4"), copied into buf; NULL when not found (emit_file.c).
 */
const char *cws_mount_fstype(uint32_t pid, uint64_t mnt_id, char *buf,
			     size_t len);

#endif
