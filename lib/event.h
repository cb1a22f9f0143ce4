/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cws stream: the one place where its layout is written down in code
 * (man/cws-event.5 is the prose). A stream is msgpack maps back to back, no
 * other framing. Every map has a string "type"; "hello" comes first, then
 * "event" records and control records ("lost", "heartbeat",
 * "ruleset_loaded", "selftest", "process", "retire"). Keys follow SECL
 * field names: an event has "evt", "process", "container" and one object
 * named after its event type.
 *
 * Schema 2 (the lean stream): a "process" record carries one process's
 * whole context under a key (unique per incarnation and per change of that
 * context, its ancestors' included) with its parent's key; an event's
 * "process" is then only {key, pid, tid}. A writer writes each key's record
 * (and its ancestors') before the first record that references it, so a
 * stream reads alone from its start; a reader keeps the table and hands its
 * caller complete events, ancestors included, as schema 1 carried them
 * inline (and still does: both forms are read). A "retire" record names
 * keys the writer wrote and will not reference again (their process
 * exited, or their context was replaced by a newer key), so that a reader
 * lets them go instead of keeping them until its table is full.
 *
 * In memory a record is a struct cws_event whose strings point into an
 * arena owned by the reader (decoding) or by the caller (encoding): no
 * allocation per record. A reader validates the bytes of each record before
 * msgpack-c unpacks them (container counts bounded by the bytes left, string
 * lengths capped), so hostile input can neither crash it nor make it
 * allocate more than CWS_EVENT_MAX_RECORD.
 */
#ifndef CWS_EVENT_H
#define CWS_EVENT_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <msgpack.h>

#define CWS_EVENT_SCHEMA 2 /* hello.schema; bumped on incompatible change */
#define CWS_EVENT_MAX_RECORD (1u << 20) /* bytes of one encoded record */
#define CWS_EVENT_MAX_STR 4096 /* bytes of one string, PATH_MAX */
#define CWS_EVENT_MAX_ARGS 256 /* argv entries kept per process */
#define CWS_EVENT_MAX_ANCESTORS 64 /* ancestors kept per event */
#define CWS_EVENT_MAX_LOST_CAUSES 16
#define CWS_EVENT_MAX_DEPTH 16 /* nesting of maps and arrays */
#define CWS_EVENT_MAX_FILTER 511 /* setsockopt filter instructions kept */

enum cws_record_type {
	CWS_REC_UNKNOWN = 0, /* a type this version does not know: passed on */
	CWS_REC_HELLO,
	CWS_REC_EVENT,
	CWS_REC_LOST,
	CWS_REC_HEARTBEAT,
	CWS_REC_RULESET_LOADED,
	CWS_REC_SELFTEST,
	CWS_REC_PROCESS, /* schema 2: one process's context under its key */
	CWS_REC_RETIRE, /* schema 2: keys no later record references */
};

/* Kernel event types, named as SECL names them (evt.name). */
enum cws_event_type {
	CWS_EVT_UNKNOWN = 0,
	CWS_EVT_EXEC,
	CWS_EVT_EXIT,
	CWS_EVT_FORK,
	CWS_EVT_OPEN,
	CWS_EVT_UNLINK,
	CWS_EVT_RENAME,
	CWS_EVT_CHMOD,
	CWS_EVT_CHOWN,
	CWS_EVT_MKDIR,
	CWS_EVT_RMDIR,
	CWS_EVT_LINK,
	CWS_EVT_UTIMES,
	CWS_EVT_SETXATTR,
	CWS_EVT_REMOVEXATTR,
	CWS_EVT_SETUID,
	CWS_EVT_SETGID,
	CWS_EVT_CAPSET,
	CWS_EVT_PTRACE,
	CWS_EVT_MMAP,
	CWS_EVT_MPROTECT,
	CWS_EVT_BPF,
	CWS_EVT_LOAD_MODULE,
	CWS_EVT_UNLOAD_MODULE,
	CWS_EVT_MOUNT,
	CWS_EVT_UMOUNT,
	CWS_EVT_SIGNAL,
	CWS_EVT_SPLICE,
	CWS_EVT_CHDIR,
	CWS_EVT_MEMFD_CREATE,
	CWS_EVT_DNS,
	CWS_EVT_CONNECT,
	CWS_EVT_BIND,
	CWS_EVT_ACCEPT,
	CWS_EVT_SETSOCKOPT,
	CWS_EVT_PRCTL,
	CWS_EVT_CGROUP_WRITE,
	CWS_EVT_SELINUX,
	CWS_EVT_IMDS,
	CWS_EVT_PACKET,
	CWS_EVT_IO_URING,
	CWS_EVT__COUNT
};

/* A list of strings (argv). */
struct cws_strv {
	const char **v;
	uint32_t n;
};

/* A list of integers (setsockopt.used_immediates). */
struct cws_i64v {
	const int64_t *v;
	uint32_t n;
};

/* A file as SECL sees it: the X.file.* fields. */
struct cws_file {
	const char *path; /* absolute and normalised, or NULL */
	const char *name; /* last component */
	const char *path_resolution_error; /* why path is missing, or NULL */
	const char *filesystem; /* "ext4", "overlay", ... */
	const char *user; /* owner names, when resolved */
	const char *group;
	uint64_t inode;
	uint32_t mount_id;
	uint32_t mode; /* S_IF* type and permission bits */
	uint32_t uid;
	uint32_t gid;
	uint64_t change_time; /* ns since the epoch */
	uint64_t modification_time; /* ns since the epoch */
	/*
	 * *.file.in_upper_layer: the inode is on an overlayfs upper layer.
	 * Meaningful only where in_upper_layer_known (off overlayfs it is a
	 * known false).
	 */
	bool in_upper_layer;
	bool in_upper_layer_known;
	/*
	 * The file's hashes ("sha256:<hex>", ...) and Datadog's hash_state
	 * ("Done", "FileTooBig", ...): set only by a hash action (cws-ship
	 * copies them from the match's rule.actions[]), NULL/empty otherwise.
	 */
	struct cws_strv hashes;
	const char *hash_state;
};

/* Credentials: the process.* uid/gid family and their names. */
struct cws_creds {
	uint32_t uid, gid, euid, egid, fsuid, fsgid;
	uint32_t auid; /* login uid, (uint32_t)-1 when unset */
	const char *user, *group, *euser, *egroup, *fsuser, *fsgroup;
	uint64_t cap_effective; /* CAP_* bit masks */
	uint64_t cap_permitted;
};

/* One process: the event's own, each ancestor, and exec/exit targets. */
struct cws_process {
	/*
	 * Schema 2: the key of this context and of the parent's, 0 for none
	 * (an inline schema 1 process, a target, the top of a chain).
	 */
	uint64_t key;
	uint64_t parent_key;
	/*
	 * Readers: the id of the table entry this context was copied from,
	 * unique for the reader's life (0 otherwise): two processes of one
	 * id (an event's and an ancestor's) are the same context, all but
	 * the tid, so what a reader derives from one can be kept by this id
	 * (cws-cat keeps its JSON text).
	 */
	uint64_t ctx;
	uint32_t pid; /* thread group id */
	uint32_t tid;
	uint32_t ppid;
	const char *comm; /* the kernel's 16-byte comm */
	const char *tty_name;
	const char *container_id;
	const char *cwd;
	uint64_t fork_time; /* created_at: ns since the epoch */
	uint64_t exec_time; /* ns since the epoch, 0 if never exec'd */
	struct cws_file file; /* the executable */
	struct cws_strv argv; /* argv[0] included */
	bool args_truncated;
	bool is_thread;
	struct cws_creds cred;
	/*
	 * X.envs: names, and NAME=value for the names of
	 * runtime_security_config.envs_with_value; envs_truncated when the
	 * list or an element was cut (Datadog's limits). envp: every
	 * NAME=value.
	 */
	struct cws_strv envp;
	bool envs_truncated;
	/* X.cgroup.id (the cgroup's path), its directory's inode and mount */
	const char *cgroup_id;
	uint64_t cgroup_inode;
	uint32_t cgroup_mount_id;
	uint64_t container_created_at; /* ns since the epoch, 0 on the host */
	/*
	 * X.envs as the probe computed it from envp with its
	 * envs_with_value (names, or NAME=value), each element cut as
	 * Datadog cuts it.
	 */
	struct cws_strv envs;
	/*
	 * container.tags: the container's "key:value" tags as the probe
	 * read them from the container runtime's state (none on the host).
	 */
	struct cws_strv container_tags;
};

/*
 * An endpoint of the network objects in struct cws_evobj. ip holds IPv4
 * addresses IPv4-mapped (::ffff:a.b.c.d) so that one comparison covers
 * both families.
 */
struct cws_netaddr {
	uint8_t ip[16];
	uint16_t port;
	uint16_t family; /* AF_INET, AF_INET6; 0 when unset */
	const char *hostname; /* the name ip was resolved from, or NULL */
};

/*
 * The object of every event type but exec: what the call acted on and its
 * arguments, under SECL's names. Which members a type carries is a table
 * in event.c (and man/cws-event.5); the others stay zero. Members named
 * after a SECL path say so, e.g. dest is X.file.destination.
 */
struct cws_evobj {
	struct cws_file file; /* X.file: open, unlink, chmod, mmap, ... */
	/*
	 * X.file.destination: the new file of rename and link, the mode of
	 * chmod, mkdir and open (creation mode), the owner of chown.
	 */
	struct cws_file dest;
	const char *xattr_name; /* X.file.destination.name */
	const char *xattr_namespace; /* X.file.destination.namespace */
	uint64_t flags; /* open/unlink/mmap/mount/memfd_create flags */
	uint64_t protection; /* mmap.protection, mprotect.req_protection */
	uint64_t vm_protection; /* mprotect.vm_protection */
	int64_t request; /* ptrace.request, bpf.cmd, signal.type */
	uint32_t pid; /* ptrace target, signal target (signal.pid) */
	int32_t code; /* exit.code: status, or signal number */
	const char *cause; /* exit.cause: EXITED, SIGNALED, COREDUMPED */
	const char *name; /* module, memfd or bpf map/prog name */
	/* setuid/setgid: the new ids (-1 unchanged) and their names. */
	uint32_t uid, euid, fsuid, gid, egid, fsgid;
	const char *user, *euser, *fsuser, *group, *egroup, *fsgroup;
	uint64_t cap_effective, cap_permitted; /* capset */
	uint32_t map_type, prog_type, attach_type; /* bpf */
	const char *prog_name; /* bpf.prog.name (name is bpf.map.name) */
	bool loaded_from_memory; /* load_module via init_module(2) */
	const char *args; /* load_module.args */
	const char *fs_type; /* mount */
	const char *mountpoint; /* mount/umount mountpoint.path */
	const char *source; /* mount source.path */
	uint32_t pipe_entry_flag, pipe_exit_flag; /* splice */
	struct cws_process target; /* ptrace.tracee, signal.target */
	const char *syscall_path; /* chdir.syscall.path: the raw argument */
	/* bpf.prog.helpers: bit n of word n / 64 set for helper id n < 192 */
	uint64_t prog_helpers[3];
	/* mount: the new mount and the one it sits on; 0 unknown. */
	uint32_t mount_id, parent_mount_id;

	/*
	 * Network objects: dns, connect, bind, accept. connect, bind and
	 * accept (addr, protocol) are in the codec and filled by the probe;
	 * dns and net are storage only until the DNS capture fills them.
	 */
	struct cws_netaddr addr; /* connect/bind/accept.addr.* */
	uint16_t protocol; /* connect/bind.protocol: IPPROTO_* */
	struct {
		uint16_t id; /* dns.id */
		const char *name; /* dns.question.name */
		uint16_t type; /* dns.question.type: A, AAAA, ... */
		uint16_t qclass; /* dns.question.class: CLASS_INET, ... */
		uint16_t count; /* dns.question.count */
		uint16_t size; /* dns.question.length */
		bool is_query; /* dns.is_query */
	} dns;
	struct {
		struct cws_netaddr source, destination; /* network.source.* */
		uint16_t l3_protocol; /* network.l3_protocol: ETH_P_* */
		uint16_t l4_protocol; /* network.l4_protocol: IPPROTO_* */
		uint32_t size; /* network.size */
		const char *ifname; /* network.device.ifname */
		uint32_t netns; /* network.device.netns: its inode; 0 unknown */
		uint32_t ifindex; /* network.device.ifindex; 0 unknown */
		/* network.network_direction: 1 ingress, 2 egress; 0 unknown */
		uint16_t direction;
	} net;

	/*
	 * setsockopt.*: the call's level and optname, the socket's type,
	 * family and protocol; with SO_ATTACH_FILTER (has_filter) the classic
	 * BPF program the caller passed: its length in instructions, whether
	 * it was cut at CWS_EVENT_MAX_FILTER, its disassembly (one numbered
	 * line per instruction), the sha256 of its raw bytes, and the K
	 * constants its instructions use.
	 */
	struct {
		int32_t level;
		int32_t optname;
		uint32_t socket_type, socket_family, socket_protocol;
		bool has_filter;
		bool is_filter_truncated;
		uint32_t filter_len;
		const char *filter_instructions;
		const char *filter_hash;
		struct cws_i64v used_immediates;
	} sockopt;
	/* prctl.*: new_name only for PR_SET_NAME (has_name). */
	struct {
		int32_t option;
		bool has_name;
		bool is_name_truncated;
		const char *new_name;
	} prctl;
	/*
	 * cgroup_write.pid: the migrated pid (the file is obj.file); known
	 * when the written text was a pid.
	 */
	uint32_t cgroup_pid;
	bool cgroup_pid_known;
	/*
	 * selinux.*: one of enforce.status ("enforcing", "permissive",
	 * "disabled"), bool.name with bool.state ("on", "off", "error"), or
	 * bool_commit.state (has_commit). The selinuxfs file is obj.file.
	 */
	struct {
		const char *enforce_status;
		const char *bool_name;
		const char *bool_state;
		bool has_commit;
		bool commit_state;
	} selinux;
	/*
	 * imds: an HTTP request to, or response from, the cloud metadata
	 * address (runtime_security_config.imds_ipv4), parsed by cws-probe.
	 * Strings are NULL when the message did not carry them; the aws_*
	 * credentials come from an AWS JSON response body.
	 */
	struct {
		const char *type; /* imds.type: "request", "response" */
		const char *cloud_provider; /* aws, gcp, azure, ibm, oracle */
		const char *url; /* the request target */
		const char *method; /* GET, PUT, ... */
		const char *host;
		const char *user_agent;
		const char *server;
		bool aws_is_imds_v2;
		const char *aws_code; /* imds.aws.security_credentials.* */
		const char *aws_type;
		const char *aws_access_key_id;
		const char *aws_last_updated;
		const char *aws_expiration;
	} imds;
	/*
	 * packet: a packet one of the loaded rules' packet.filter matched in
	 * the kernel. data is its first bytes from the Ethernet header on
	 * (at most CWS_EVENT_PACKET_SNAPLEN), in hex, so that cws-filter can
	 * run the filters again; the network context is in net.
	 */
	struct {
		const char *data;
		uint16_t tls_version; /* packet.tls.version: 0x0303, 0 if not TLS */
	} packet;
	/*
	 * io_uring: a ring's creation or a request submitted to it (not a
	 * system call, so no other event sees it). opcode is "SETUP" for a
	 * creation, else the kernel's name of the request's opcode ("OPENAT",
	 * "READ", ...); setup_flags the ring's IORING_SETUP_*. The request's
	 * IOSQE_* flags are flags, the file it names file (the new name of a
	 * rename or link dest).
	 */
	struct {
		const char *opcode;
		uint32_t setup_flags;
		bool has_file, has_dest; /* file, dest are known */
	} uring;
};

/* Bytes of a packet event's capture (Datadog's snaplen). */
#define CWS_EVENT_PACKET_SNAPLEN 256

/* A count of events lost before user space, for one cause. */
struct cws_lost_cause {
	const char *cause; /* "ringbuf_full", "cache_evicted", ... */
	uint64_t count;
};

/*
 * cws-filter additions: what a match record, a ruleset_loaded record and
 * a filter's heartbeat carry beyond the records above (man/cws-event.5,
 * "Match records"). Encoded by cws_event_pack_match and cws_event_pack,
 * decoded by cws_event_decode like every other key.
 */

/* A string pair: a rule's tags ("ruleset": "threat_detection"). */
struct cws_kv {
	const char *key;
	const char *value;
};

/* What a rule's action did when the rule matched: rule.actions[]. */
struct cws_rule_action {
	const char *type; /* "kill" */
	const char *signal; /* "SIGKILL" */
	const char *scope; /* "process" */
	uint32_t pid; /* the process signalled */
	const char *status; /* "performed", "refused" or "error" */
	const char *message; /* why, unless performed; or NULL */
	/* hash: the file, Datadog's state and trigger, and the hashes */
	const char *path; /* the file hashed (as the event names it) */
	const char *state; /* "Done", "FileNotFound", ... (HashState) */
	const char *trigger; /* "process_exit", "timeout" or "exec" */
	struct cws_strv hashes; /* "sha1:<hex>", ..., in configured order */
	/*
	 * Epoch ns, 0 when not known: the action began (created_at), the
	 * event happened (detected_at), the signal went (killed_at), the
	 * process was seen gone (exited_at).
	 */
	uint64_t created_at, detected_at, killed_at, exited_at;
};

/* The "rule" map cws-filter adds to an event record that matched. */
struct cws_event_rule {
	const char *id;
	const char *version; /* or NULL */
	const char *description; /* Datadog's title; or NULL */
	const char *group_id; /* or NULL */
	const char *policy_name; /* rule.policy.name, "cli" for -e rules */
	const char *policy_version; /* or NULL */
	const char *policy_source; /* "file" or "cli" */
	const struct cws_kv *tags;
	uint32_t ntags;
	struct cws_strv product_tags;
	const struct cws_rule_action *actions;
	uint32_t nactions;
};

/* One rule in a ruleset_loaded record (Datadog's shape). */
struct cws_ruleset_rule {
	const char *id;
	const char *version; /* or NULL */
	const char *expression; /* or NULL */
	const char *status; /* "loaded", "agent_version_error", ... */
	const char *message; /* or NULL */
	const struct cws_kv *tags;
	uint32_t ntags;
	struct cws_strv actions; /* action types: "set", "kill", ... */
	struct cws_strv modified_by; /* policies that overrode the rule */
};

/* One policy of a ruleset_loaded record, or of a filter's heartbeat. */
struct cws_ruleset_policy {
	const char *name;
	const char *version; /* or NULL */
	const char *source; /* "file", "cli" */
	const char *error; /* the file was skipped: why; or NULL */
	const struct cws_ruleset_rule *rules; /* not in heartbeats */
	uint32_t nrules;
};

/*
 * One record of the stream. Fields not carried by the record's type are
 * zero. Strings and arrays are owned by whoever filled the struct (the
 * reader's arena after cws_reader_next, valid until its next call).
 */
struct cws_event {
	enum cws_record_type type;
	const char *type_name; /* the "type" string as read */
	uint64_t offset; /* byte offset of the record in its stream */
	const char *raw; /* the record's encoded bytes, when read */
	size_t raw_len;
	uint64_t timestamp; /* ns since the epoch; evt.timestamp for events */

	/* type "hello" */
	struct {
		const char *producer; /* "cws-probe" */
		const char *version; /* producer version */
		const char *host;
		const char *boot_id;
		uint32_t schema; /* CWS_EVENT_SCHEMA of the producer */
		uint32_t pid;
		/*
		 * cws-probe: the digest (cws_policy_digest) of the policies
		 * its kernel filters follow; 0 (key absent) when it filters
		 * nothing in the kernel.
		 */
		uint64_t kernel_filter;
	} hello;

	/* type "lost": counts per cause, and the same total per event type */
	struct {
		uint64_t total;
		uint32_t ncauses;
		struct cws_lost_cause causes[CWS_EVENT_MAX_LOST_CAUSES];
		uint32_t ntypes;
		struct cws_lost_cause types[CWS_EVENT_MAX_LOST_CAUSES];
	} lost;

	/* type "heartbeat" */
	struct {
		const char *producer;
		uint64_t events; /* events written by the producer so far */
		uint64_t lost; /* events lost so far, all causes */
		uint64_t kernel_filter; /* as hello.kernel_filter */
	} heartbeat;

	/*
	 * type "selftest": the result of a self-test (cws self-test), as
	 * Datadog's report has it: the rule ids that passed and failed.
	 */
	struct {
		struct cws_strv succeeded, failed;
	} selftest;

	/*
	 * type "retire": keys whose process records the writer wrote and
	 * that no later record of its stream references.
	 */
	struct {
		const uint64_t *keys;
		uint32_t n;
	} retire;

	/* type "event" */
	struct {
		const char *name; /* evt.name: "exec", "open", ... */
		enum cws_event_type type;
		uint32_t cpu;
		int64_t retval; /* negative errno on failure */
	} evt;
	struct cws_process process;
	struct cws_process *ancestors; /* nearest first: parent, ..., init */
	uint32_t nancestors;
	bool ancestors_truncated;
	/*
	 * Readers: the record's "process" was a schema 2 reference (a key),
	 * and that key was not in the reader's table (process_unknown: only
	 * key, pid and tid are set, no ancestors).
	 */
	bool process_ref;
	bool process_unknown;
	struct {
		const char *id;
	} container;

	/* The object named after the event type (man/cws-event.5). */
	struct {
		struct cws_file file;
		struct cws_strv argv;
		bool args_truncated;
	} exec;
	struct cws_evobj obj; /* every other type */

	/*
	 * cws-filter additions. rule: the "rule" map of a match record (an
	 * event that matched), NULL otherwise. ruleset: the body of a
	 * ruleset_loaded record; a heartbeat from cws-filter carries the
	 * policies too (without their rules) and the rate limiter's drops
	 * per rule id (cause is the rule id).
	 */
	const struct cws_event_rule *rule;
	struct {
		const char *producer;
		const struct cws_ruleset_policy *policies;
		uint32_t npolicies;
		const struct cws_lost_cause *rate_limited;
		uint32_t nrate_limited;
		/* ruleset_loaded: the paths and names file rules watch. */
		struct cws_strv monitored_files;
	} ruleset;
};

/* Error detail from the codec: where in the stream and what was expected. */
struct cws_event_err {
	uint64_t offset; /* byte offset in the stream */
	char msg[256];
};

/* Returns the SECL name of an event type ("exec"), or "unknown". */
const char *cws_event_type_name(enum cws_event_type type);

/* Maps a SECL event type name to its enum; CWS_EVT_UNKNOWN if unknown. */
enum cws_event_type cws_event_type_from_name(const char *name);

/* Returns the stream name of a record type ("hello"), NULL for unknown. */
const char *cws_record_type_name(enum cws_record_type type);

/* Zeroes an event; the caller then fills what the record carries. */
void cws_event_clear(struct cws_event *ev);

/*
 * Appends the msgpack encoding of ev to pk. Strings longer than
 * CWS_EVENT_MAX_STR and argv beyond CWS_EVENT_MAX_ARGS are cut (and
 * args_truncated set in the output) so that every record written can be
 * read back. NULL strings are left out. Returns 0, or -EINVAL for a record
 * type that cannot be encoded (CWS_REC_UNKNOWN without raw bytes).
 */
int cws_event_pack(msgpack_packer *pk, const struct cws_event *ev);

/*
 * Decodes one unpacked record into ev, copying strings into the arena
 * [arena, arena + cap). Returns 0, or -EINVAL with err->msg naming the key
 * that is missing or has the wrong type, or -E2BIG if the arena is full.
 * err->offset is left to the caller.
 */
int cws_event_decode(const msgpack_object *obj, struct cws_event *ev,
		     char *arena, size_t cap, struct cws_event_err *err);

/*
 * Scans one msgpack value at data[0..len) without allocating: checks nesting
 * depth, that every container count fits in the bytes left, and string
 * lengths against CWS_EVENT_MAX_STR. Returns its encoded length (> 0), 0 if
 * more bytes are needed, or -EINVAL / -E2BIG for input that cannot be a
 * record, with *bad set to the offset of the offending byte.
 */
long cws_event_scan(const char *data, size_t len, size_t *bad);

struct cws_reader_cache;

/*
 * Schema 2's tables (event_proc.c). A reader's process table holds the
 * contexts of the keys it read, a writer's key set the keys it wrote. Both
 * are bounded: the least recently referenced key goes first, and a key
 * whose process exited (an exit event, or a retire record naming it) goes
 * a while after (once CWS_PROC_EXITED_* newer exits came), so that a fork
 * storm cannot grow them. A writer remembers fewer keys than a reader
 * holds and writes again a record it forgot, so a reader of a whole stream
 * does not miss a key it was sent.
 */
#define CWS_PROCTAB_MAX 16384 /* keys a reader holds */
#define CWS_KEYSET_MAX 8192 /* keys a writer remembers */
#define CWS_PROC_EXITED_READER 1024 /* exited keys a reader keeps */
#define CWS_PROC_EXITED_WRITER 256

struct cws_proctab;
struct cws_keyset;

/* The counters of either table (status files, cws status). */
struct cws_proc_stats {
	uint64_t entries; /* keys held now */
	uint64_t max; /* the bound */
	uint64_t records; /* process records read, or written */
	uint64_t evicted; /* keys dropped for room while their process lived */
	/* keys dropped after their process exited, or a retire record */
	uint64_t retired;
	uint64_t unknown; /* reader: references to a key it does not hold */
};

/*
 * A stream reader over a file descriptor or a memory buffer. It reads in
 * chunks, scans, unpacks with msgpack-c and decodes each record; event
 * records as cws_event_pack writes them take a faster path with the same
 * result (event.c says how).
 */
struct cws_reader {
	int fd; /* -1 for a memory reader */
	char *buf;
	size_t cap, start, end;
	uint64_t base; /* stream offset of buf[0] */
	bool eof;
	bool resyncing; /* skipping bytes after corrupt input */
	uint64_t resync_from;
	char resync_why[64];
	char *arena;
	size_t arena_cap;
	msgpack_zone *zone; /* holds obj; cleared for each record */
	msgpack_object obj; /* the record last read, once obj_ready */
	bool obj_ready; /* else unpacked by cws_reader_object on demand */
	struct cws_reader_cache *cache; /* decoded processes (event.c) */
	size_t obj_at, obj_len; /* where in buf the last record sits */
	/*
	 * Optional: called before each read(2), which may block (no whole
	 * record is buffered), with on_wait_arg. A filter flushes its output
	 * there, so that a live pipeline sees it at once. A nonzero return
	 * is returned by cws_reader_next as is, without reading.
	 */
	int (*on_wait)(void *arg);
	void *on_wait_arg;
	uint64_t records; /* records returned */
	uint64_t errors; /* decode errors reported */
	uint64_t skipped; /* bytes skipped to resynchronise */
	/*
	 * Schema 2. Process records fill the table and are not returned,
	 * unless want_process is set (cws-cat -R shows them). An event whose
	 * key the table holds is returned complete; one whose key it does not
	 * hold (a reader that joined late, a cut capture) as it came, counted
	 * in the table's unknown. Retire records mark their keys exited in
	 * the table and are not returned either, unless want_retire (a
	 * filter, which passes on those of the keys it wrote) or
	 * want_process is set.
	 */
	struct cws_proctab *procs; /* made on the first process record */
	bool want_process;
	bool want_retire;
	/*
	 * Peek mode (cws_reader_peek): the input is a pipe whose bytes are
	 * copied out with tee(2) and leave it only when the caller commits
	 * them, once what it made of them is safe. peek_fd is the private
	 * pipe tee(2) copies into, null_fd /dev/null for the bytes let go.
	 */
	bool peek;
	int peek_fd[2], null_fd;
	size_t pipe_cap; /* the input pipe's capacity */
	uint64_t consumed; /* stream offset: bytes taken out of the pipe */
	uint64_t forced; /* bytes taken out before their commit */
};

/* The reader's process table counters (zeroes before schema 2 input). */
void cws_reader_proc_stats(const struct cws_reader *r,
			   struct cws_proc_stats *out);

/*
 * True while r's table holds key and its process has not exited (no exit
 * event or retire record named it): what a caller keeps per key (cws-ship
 * keeps its JSON) can go once this is false.
 */
bool cws_reader_key_live(const struct cws_reader *r, uint64_t key);

/* Prepares a reader on fd; returns 0 or -ENOMEM. */
int cws_reader_init(struct cws_reader *r, int fd);

/* Prepares a reader over a copy of data[0..len); returns 0 or -ENOMEM. */
int cws_reader_init_mem(struct cws_reader *r, const void *data, size_t len);

/*
 * Points a memory reader at a copy of data[0..len), as a new one: its
 * table, its counters and the fields the caller set are cleared, its
 * buffers kept (the buffer grows to len if needed). For a caller that
 * reads many small buffers, such as a fuzz target, where a reader's
 * allocation costs more than the reading. Returns 0, -EINVAL for a
 * reader on a file descriptor, or -ENOMEM (r is then as it was).
 */
int cws_reader_reset_mem(struct cws_reader *r, const void *data, size_t len);

/*
 * Peek mode, for a reader that keeps what it reads somewhere safe (cws-ship
 * journals its messages): read bytes stay in the input pipe until
 * cws_reader_commit, so that a process killed between a read and its
 * journal write loses nothing; its successor reads them again. Returns 0,
 * -EINVAL when the input is not a pipe (the reader stays as it was), or
 * another negative errno. One exception: a record larger than the pipe
 * can never be whole in it, so its first bytes are taken out before
 * their commit (counted in forced).
 */
int cws_reader_peek(struct cws_reader *r);

/*
 * The bytes read but not committed, up to stream offset upto (an event's
 * offset, or the end of the last record returned: cws_reader_pos): *p
 * points at them in the reader's buffer. Returns their count (0 when not
 * in peek mode).
 */
size_t cws_reader_uncommitted(const struct cws_reader *r, uint64_t upto,
			      const char **p);

/* The stream offset just past the last record returned. */
uint64_t cws_reader_pos(const struct cws_reader *r);

/*
 * Takes the bytes up to stream offset upto out of the input pipe. Returns
 * 0 or a negative errno. Does nothing outside peek mode.
 */
int cws_reader_commit(struct cws_reader *r, uint64_t upto);

/*
 * Before the first read in peek mode: copies the first len bytes the pipe
 * holds into buf without taking them; returns how many it holds now (up to
 * len) or a negative errno. cws_reader_discard then takes len of them
 * out, unread (a predecessor had committed them to its journal but was
 * killed before taking them).
 */
ssize_t cws_reader_peek_head(struct cws_reader *r, char *buf, size_t len);
int cws_reader_discard(struct cws_reader *r, size_t len);

/* Frees what the reader holds; the fd is not closed. Accepts NULL. */
void cws_reader_release(struct cws_reader *r);

/*
 * Reads the next record. Returns 1 with ev filled, 0 at a clean end of
 * stream, -EBADMSG for a corrupt, truncated or invalid record (err says
 * where and why; the reader has skipped it and the caller may go on), or
 * another negative errno for a read error (fatal). ev and the object from
 * cws_reader_object are valid until the next call.
 */
int cws_reader_next(struct cws_reader *r, struct cws_event *ev,
		    struct cws_event_err *err);

/*
 * The msgpack object of the record last returned by cws_reader_next.
 * Most event records are decoded without one; it is then unpacked on the
 * first call (a NIL object if memory runs out).
 */
const msgpack_object *cws_reader_object(struct cws_reader *r);

/*
 * A stream writer to a file descriptor: records are packed into a buffer
 * and written out when it passes a threshold or on cws_writer_flush.
 */
struct cws_writer {
	int fd;
	msgpack_sbuffer sbuf;
	msgpack_packer pk;
	size_t flush_at; /* bytes buffered before an automatic flush */
	uint64_t records;
	uint64_t bytes; /* bytes written to fd */
	/*
	 * Schema 2: the keys whose process record this writer wrote (made on
	 * first use; without it, events are written inline, schema 1's way).
	 */
	struct cws_keyset *keys;
	/* Optional: also handed every batch of bytes written to fd. */
	void (*tap)(void *arg, const char *data, size_t len);
	void *tap_arg;
};

/*
 * True when w has written key's process record and still remembers it:
 * an event of that key needs no ancestors (a producer that knows skips
 * building them).
 */
bool cws_writer_knows(struct cws_writer *w, uint64_t key);

/*
 * Forgets every key w wrote the record of, so that the next event of each
 * is preceded by its record and its ancestors' again: for a stream whose
 * reader was replaced in its middle (cws run started the next stage again
 * on the same pipe), which holds none of the records its predecessor
 * read. Records already written still reach the new reader as they are.
 */
void cws_writer_forget(struct cws_writer *w);

/* The writer's key set counters. */
void cws_writer_proc_stats(const struct cws_writer *w,
			   struct cws_proc_stats *out);

/*
 * Schema 2: writes a "retire" record with those of keys[0..n) that w has
 * written the record of and not yet retired (by this record or an exit
 * event), and marks them so; nothing when none is left. For a producer
 * that knows the keys are referenced no more, and for a filter passing on
 * what it read (a reader downstream of w holds only what w wrote). Returns
 * 0, or a negative errno from write(2).
 */
int cws_writer_put_retire(struct cws_writer *w, const uint64_t *keys,
			  uint32_t n);

/* Appends the "process" record of p (its key and parent_key set). */
void cws_event_pack_process_record(msgpack_packer *pk,
				   const struct cws_process *p);

/*
 * Appends the self-contained form of a record ev as a reader returned it:
 * its raw bytes with an event's process reference replaced by the whole
 * process and its ancestors (and its "container"), byte for byte what
 * schema 1 carried; any other record, and an event whose key was unknown,
 * as it was read. Returns 0, or -EINVAL if ev has no raw bytes.
 */
int cws_event_pack_expanded(msgpack_packer *pk, const struct cws_event *ev);

/*
 * Appends p's map as cws_event_pack_expanded writes each ancestor: the
 * whole context and p->tid, no ancestors. The event's own "process" is
 * that map for ev->process with two keys more at its end: "ancestors"
 * (this map for each, nearest first) and "ancestors_truncated".
 */
void cws_event_pack_process_map(msgpack_packer *pk,
				const struct cws_process *p);

/* Prepares a writer on fd. Never fails. */
void cws_writer_init(struct cws_writer *w, int fd);

/* Flushes nothing; frees the buffer. Accepts NULL. */
void cws_writer_release(struct cws_writer *w);

/*
 * Encodes ev and buffers it, flushing past the threshold. Returns 0, or a
 * negative errno from write(2) (-EPIPE when the reader is gone).
 */
int cws_writer_put(struct cws_writer *w, const struct cws_event *ev);

/* Buffers already-encoded record bytes unchanged (pass-through). */
int cws_writer_put_raw(struct cws_writer *w, const void *data, size_t len);

/* Writes out everything buffered, looping on short writes and EINTR. */
int cws_writer_flush(struct cws_writer *w);

/* Wall-clock time in ns since the epoch. */
uint64_t cws_event_now(void);

/*
 * cws-filter addition: appends to pk the record raw[0..len) (an event
 * map, as read) with the key "rule" set to rule, replacing a "rule" key
 * the record already had; every other key is copied byte for byte.
 * Returns 0, or -EINVAL if raw is not one well-formed msgpack map.
 */
int cws_event_pack_match(msgpack_packer *pk, const char *raw, size_t len,
			 const struct cws_event_rule *rule);

/*
 * Buffers a match record for ev (which must have raw bytes, as the
 * reader returns) as cws_event_pack_match builds it; if the result would
 * pass CWS_EVENT_MAX_RECORD, the event is re-encoded without the
 * ancestors' argv first. Returns 0, -EINVAL, -E2BIG or a write error.
 */
int cws_writer_put_match(struct cws_writer *w, const struct cws_event *ev,
			 const struct cws_event_rule *rule);

#endif
