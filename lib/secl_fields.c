/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The field registry: SECL names mapped onto struct cws_event.
 *
 * Rather than a table of every name (process.*, process.parent.*,
 * process.ancestors.*, exec.*, exit.*, ptrace.tracee.*, signal.target.*
 * each repeat the ~60 process fields, and every file event repeats the
 * file fields), a name is resolved in two steps: a prefix picks the
 * object (the event, a process, a file) and a leaf table the member. A
 * resolved name is a struct fref: the root (which process or file), the
 * leaf (which member), the kind and flags; the accessors (secl_access.c)
 * switch on both. Event types come from the prefix; common fields
 * (process.*, container.*, event.*, cgroup.*) fit any event.
 *
 * Fields Datadog has and cws does not capture (process.envs,
 * *.file.in_upper_layer, *.syscall.*, ...) are
 * registered as "unbacked": rules using them compile, as the default
 * policies must, and the fields read as false, 0, "" or an empty array;
 * cws_secl_rule_unbacked_field tells the loader so it can warn.
 *
 * Derived fields are computed on demand, without allocating: argv is
 * argv[1..], args joins it with spaces (cached per process and event in
 * the ruleset's scratch memory), args_flags and args_options are
 * generated the way Datadog does (`-ln` gives l, n and ln; `--version`
 * gives version; `-T 8` gives T=8; `--width=8` gives width=8), rights is
 * mode & 07777, extension is the name from its last dot, is_public tests
 * an address against the private and reserved ranges.
 */
#include "compat.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "secl_priv.h"

struct leafdef {
	const char *name;
	uint8_t kind;
	uint16_t leaf;
	uint8_t flags;
};

#define UNB FL_UNBACKED
#define MULTI FL_MULTI

/* Members of a process: process.X, process.parent.X, exec.X, ... */
static const struct leafdef proc_leaves[] = {
	{ "pid", VK_INT, L_P_PID, 0 },
	{ "ppid", VK_INT, L_P_PPID, 0 },
	{ "tid", VK_INT, L_P_TID, 0 },
	{ "comm", VK_STR, L_P_COMM, 0 },
	{ "tty_name", VK_STR, L_P_TTY, 0 },
	{ "created_at", VK_INT, L_P_CREATED, 0 },
	{ "argv0", VK_STR, L_P_ARGV0, FL_DERIVED },
	{ "args", VK_STR, L_P_ARGS, FL_DERIVED },
	{ "argv", VK_STR, L_P_ARGV, MULTI },
	{ "args_flags", VK_STR, L_P_FLAGS, MULTI | FL_DERIVED },
	{ "args_options", VK_STR, L_P_OPTIONS, MULTI | FL_DERIVED },
	{ "args_truncated", VK_BOOL, L_P_ARGS_TRUNC, 0 },
	{ "envs", VK_STR, L_P_ENVS, MULTI },
	{ "envp", VK_STR, L_P_ENVP, MULTI },
	{ "envs_truncated", VK_BOOL, L_P_ENVS_TRUNC, 0 },
	{ "uid", VK_INT, L_P_UID, 0 },
	{ "gid", VK_INT, L_P_GID, 0 },
	{ "euid", VK_INT, L_P_EUID, 0 },
	{ "egid", VK_INT, L_P_EGID, 0 },
	{ "fsuid", VK_INT, L_P_FSUID, 0 },
	{ "fsgid", VK_INT, L_P_FSGID, 0 },
	{ "auid", VK_INT, L_P_AUID, 0 },
	{ "user", VK_STR, L_P_USER, 0 },
	{ "group", VK_STR, L_P_GROUP, 0 },
	{ "euser", VK_STR, L_P_EUSER, 0 },
	{ "egroup", VK_STR, L_P_EGROUP, 0 },
	{ "fsuser", VK_STR, L_P_FSUSER, 0 },
	{ "fsgroup", VK_STR, L_P_FSGROUP, 0 },
	{ "cap_effective", VK_INT, L_P_CAPE, 0 },
	{ "cap_permitted", VK_INT, L_P_CAPP, 0 },
	{ "container.id", VK_STR, L_P_CONTAINER, 0 },
	{ "container.created_at", VK_INT, L_P_CONT_CREATED, 0 },
	{ "container.tags", VK_STR, L_P_CONT_TAGS, MULTI },
	{ "cgroup.id", VK_STR, L_P_CGROUP_ID, 0 },
	{ "cgroup.manager", VK_STR, L_ZERO, UNB },
	{ "cgroup.file.inode", VK_INT, L_P_CGROUP_INODE, 0 },
	{ "cgroup.file.mount_id", VK_INT, L_P_CGROUP_MOUNT, 0 },
	{ "is_thread", VK_BOOL, L_P_IS_THREAD, 0 },
	{ "is_kworker", VK_BOOL, L_ZERO, UNB },
	{ "is_exec", VK_BOOL, L_P_IS_EXEC, FL_DERIVED },
	{ "user_session.k8s_username", VK_STR, L_P_K8S, 0 },
	{ "user_session.k8s_uid", VK_STR, L_P_K8S, 0 },
	{ "user_session.k8s_groups", VK_STR, L_P_K8S, MULTI },
};

/* Members of a file: X.file.Y, process.file.Y, ... */
static const struct leafdef file_leaves[] = {
	{ "path", VK_STR, L_F_PATH, FL_GLOB | FL_PATHVAL },
	{ "path.length", VK_INT, L_F_PATH_LEN, FL_DERIVED },
	{ "name", VK_STR, L_F_NAME, FL_GLOB },
	{ "name.length", VK_INT, L_F_NAME_LEN, FL_DERIVED },
	{ "extension", VK_STR, L_F_EXT, FL_DERIVED },
	{ "inode", VK_INT, L_F_INODE, 0 },
	{ "mount_id", VK_INT, L_F_MOUNT, 0 },
	{ "mode", VK_INT, L_F_MODE, 0 },
	{ "rights", VK_INT, L_F_RIGHTS, FL_DERIVED },
	{ "uid", VK_INT, L_F_UID, 0 },
	{ "gid", VK_INT, L_F_GID, 0 },
	{ "user", VK_STR, L_F_USER, 0 },
	{ "group", VK_STR, L_F_GROUP, 0 },
	{ "change_time", VK_INT, L_F_CTIME, 0 },
	{ "modification_time", VK_INT, L_F_MTIME, 0 },
	{ "filesystem", VK_STR, L_F_FS, 0 },
	{ "in_upper_layer", VK_BOOL, L_F_UPPER, 0 },
	{ "hashes", VK_STR, L_ZERO, MULTI | UNB },
	{ "package.name", VK_STR, L_ZERO, UNB },
	{ "package.version", VK_STR, L_ZERO, UNB },
	{ "package.source_version", VK_STR, L_ZERO, UNB },
};

#define NET_TYPES \
	(1ull << CWS_EVT_DNS | 1ull << CWS_EVT_IMDS | 1ull << CWS_EVT_PACKET)

/* Fields that fit any event type. */
static const struct leafdef common_leaves[] = {
	{ "container.id", VK_STR, L_E_CONTAINER, 0 },
	{ "container.created_at", VK_INT, L_P_CONT_CREATED, 0 },
	{ "container.runtime", VK_STR, L_ZERO, UNB },
	{ "container.tags", VK_STR, L_P_CONT_TAGS, MULTI },
	{ "cgroup.id", VK_STR, L_P_CGROUP_ID, 0 },
	{ "cgroup.manager", VK_STR, L_ZERO, UNB },
	{ "cgroup.file.inode", VK_INT, L_P_CGROUP_INODE, 0 },
	{ "cgroup.file.mount_id", VK_INT, L_P_CGROUP_MOUNT, 0 },
	{ "event.async", VK_BOOL, L_ZERO, UNB },
	{ "event.hostname", VK_STR, L_ZERO, UNB },
	{ "event.origin", VK_STR, L_E_ORIGIN, 0 },
	{ "event.os", VK_STR, L_E_OS, 0 },
	{ "event.service", VK_STR, L_E_SERVICE, FL_DERIVED },
	{ "event.source", VK_STR, L_E_SOURCE, 0 },
	{ "event.timestamp", VK_INT, L_E_TIMESTAMP, 0 },
	{ "process.ancestors.length", VK_INT, L_E_ANC_LEN, 0 },
	/* network.*: the network context of dns, imds and packet events */
	{ "network.source.ip", VK_IP, L_N_SRC_IP, 0 },
	{ "network.source.port", VK_INT, L_N_SRC_PORT, 0 },
	{ "network.destination.ip", VK_IP, L_N_DST_IP, 0 },
	{ "network.destination.port", VK_INT, L_N_DST_PORT, 0 },
	{ "network.l3_protocol", VK_INT, L_N_L3, 0 },
	{ "network.l4_protocol", VK_INT, L_N_L4, 0 },
	{ "network.size", VK_INT, L_N_SIZE, 0 },
	{ "network.device.ifname", VK_STR, L_N_IFNAME, 0 },
	{ "network.source.is_public", VK_BOOL, L_N_SRC_PUBLIC, FL_DERIVED },
	{ "network.destination.is_public", VK_BOOL, L_N_DST_PUBLIC,
	  FL_DERIVED },
	{ "network.network_direction", VK_INT, L_N_DIR, 0 },
};

/* Event-specific members: <type>.<name>. */
struct evdef {
	uint8_t type;
	const char *name;
	uint8_t kind;
	uint16_t leaf;
	uint8_t flags;
};

#define E(t) CWS_EVT_##t
static const struct evdef ev_leaves[] = {
	{ E(OPEN), "flags", VK_INT, L_O_FLAGS, 0 },
	{ E(OPEN), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(OPEN), "syscall.flags", VK_INT, L_ZERO, UNB },
	{ E(OPEN), "syscall.mode", VK_INT, L_ZERO, UNB },
	{ E(EXEC), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(EXIT), "cause", VK_INT, L_O_EXIT_CAUSE, FL_DERIVED },
	{ E(EXIT), "code", VK_INT, L_O_EXIT_CODE, 0 },
	{ E(UNLINK), "flags", VK_INT, L_O_FLAGS, 0 },
	{ E(UNLINK), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(UNLINK), "syscall.dirfd", VK_INT, L_ZERO, UNB },
	{ E(UNLINK), "syscall.flags", VK_INT, L_ZERO, UNB },
	{ E(RENAME), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(RENAME), "syscall.destination.path", VK_STR, L_ZERO, UNB },
	{ E(CHMOD), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(CHMOD), "syscall.mode", VK_INT, L_ZERO, UNB },
	{ E(CHOWN), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(CHOWN), "syscall.uid", VK_INT, L_ZERO, UNB },
	{ E(CHOWN), "syscall.gid", VK_INT, L_ZERO, UNB },
	{ E(MKDIR), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(MKDIR), "syscall.mode", VK_INT, L_ZERO, UNB },
	{ E(RMDIR), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(LINK), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(LINK), "syscall.destination.path", VK_STR, L_ZERO, UNB },
	{ E(UTIMES), "syscall.path", VK_STR, L_ZERO, UNB },
	{ E(CHDIR), "syscall.path", VK_STR, L_O_SYSCALL_PATH, 0 },
	{ E(SETXATTR), "file.destination.name", VK_STR, L_O_XNAME, 0 },
	{ E(SETXATTR), "file.destination.namespace", VK_STR, L_O_XNS, 0 },
	{ E(REMOVEXATTR), "file.destination.name", VK_STR, L_O_XNAME, 0 },
	{ E(REMOVEXATTR), "file.destination.namespace", VK_STR, L_O_XNS, 0 },
	{ E(SETUID), "uid", VK_INT, L_O_UID, 0 },
	{ E(SETUID), "euid", VK_INT, L_O_EUID, 0 },
	{ E(SETUID), "fsuid", VK_INT, L_O_FSUID, 0 },
	{ E(SETUID), "user", VK_STR, L_O_USER, 0 },
	{ E(SETUID), "euser", VK_STR, L_O_EUSER, 0 },
	{ E(SETUID), "fsuser", VK_STR, L_O_FSUSER, 0 },
	{ E(SETGID), "gid", VK_INT, L_O_GID, 0 },
	{ E(SETGID), "egid", VK_INT, L_O_EGID, 0 },
	{ E(SETGID), "fsgid", VK_INT, L_O_FSGID, 0 },
	{ E(SETGID), "group", VK_STR, L_O_GROUP, 0 },
	{ E(SETGID), "egroup", VK_STR, L_O_EGROUP, 0 },
	{ E(SETGID), "fsgroup", VK_STR, L_O_FSGROUP, 0 },
	{ E(CAPSET), "cap_effective", VK_INT, L_O_CAPE, 0 },
	{ E(CAPSET), "cap_permitted", VK_INT, L_O_CAPP, 0 },
	{ E(PTRACE), "request", VK_INT, L_O_REQUEST, 0 },
	{ E(MMAP), "flags", VK_INT, L_O_FLAGS, 0 },
	{ E(MMAP), "protection", VK_INT, L_O_PROT, 0 },
	{ E(MPROTECT), "req_protection", VK_INT, L_O_PROT, 0 },
	{ E(MPROTECT), "vm_protection", VK_INT, L_O_VMPROT, 0 },
	{ E(BPF), "cmd", VK_INT, L_O_REQUEST, 0 },
	{ E(BPF), "map.name", VK_STR, L_O_NAME, 0 },
	{ E(BPF), "map.type", VK_INT, L_O_MAP_TYPE, 0 },
	{ E(BPF), "prog.name", VK_STR, L_O_PROG_NAME, 0 },
	{ E(BPF), "prog.type", VK_INT, L_O_PROG_TYPE, 0 },
	{ E(BPF), "prog.attach_type", VK_INT, L_O_ATTACH, 0 },
	{ E(BPF), "prog.tag", VK_STR, L_ZERO, UNB },
	{ E(BPF), "prog.helpers", VK_INT, L_O_HELPERS, MULTI },
	{ E(LOAD_MODULE), "name", VK_STR, L_O_NAME, 0 },
	{ E(LOAD_MODULE), "loaded_from_memory", VK_BOOL, L_O_FROM_MEM, 0 },
	{ E(LOAD_MODULE), "args", VK_STR, L_O_ARGS, 0 },
	{ E(LOAD_MODULE), "argv", VK_STR, L_O_ARGV, MULTI | FL_DERIVED },
	{ E(LOAD_MODULE), "args_truncated", VK_BOOL, L_ZERO, UNB },
	{ E(UNLOAD_MODULE), "name", VK_STR, L_O_NAME, 0 },
	{ E(MOUNT), "fs_type", VK_STR, L_O_FSTYPE, 0 },
	{ E(MOUNT), "mountpoint.path", VK_STR, L_O_MOUNTPOINT, FL_PATHVAL },
	{ E(MOUNT), "source.path", VK_STR, L_O_MSOURCE, FL_PATHVAL },
	{ E(MOUNT), "root.path", VK_STR, L_ZERO, UNB | FL_PATHVAL },
	{ E(MOUNT), "syscall.fs_type", VK_STR, L_ZERO, UNB },
	{ E(MOUNT), "syscall.mountpoint.path", VK_STR, L_ZERO, UNB },
	{ E(MOUNT), "syscall.source.path", VK_STR, L_ZERO, UNB },
	{ E(UMOUNT), "mountpoint.path", VK_STR, L_O_MOUNTPOINT, FL_PATHVAL },
	{ E(SIGNAL), "type", VK_INT, L_O_REQUEST, 0 },
	{ E(SIGNAL), "pid", VK_INT, L_O_PID, 0 },
	{ E(SPLICE), "pipe_entry_flag", VK_INT, L_O_PIPE_IN, 0 },
	{ E(SPLICE), "pipe_exit_flag", VK_INT, L_O_PIPE_OUT, 0 },
	{ E(MEMFD_CREATE), "name", VK_STR, L_O_NAME, 0 },
	{ E(MEMFD_CREATE), "flags", VK_INT, L_O_FLAGS, 0 },
	{ E(DNS), "id", VK_INT, L_N_DNS_ID, 0 },
	{ E(DNS), "question.name", VK_STR, L_N_DNS_NAME, FL_CI },
	{ E(DNS), "question.name.length", VK_INT, L_N_DNS_NAME_LEN, 0 },
	{ E(DNS), "question.type", VK_INT, L_N_DNS_TYPE, 0 },
	{ E(DNS), "question.class", VK_INT, L_N_DNS_CLASS, 0 },
	{ E(DNS), "question.count", VK_INT, L_N_DNS_COUNT, 0 },
	{ E(DNS), "question.length", VK_INT, L_N_DNS_SIZE, 0 },
	{ E(CONNECT), "addr.ip", VK_IP, L_N_ADDR_IP, 0 },
	{ E(CONNECT), "addr.port", VK_INT, L_N_ADDR_PORT, 0 },
	{ E(CONNECT), "addr.family", VK_INT, L_N_ADDR_FAMILY, 0 },
	{ E(CONNECT), "addr.hostname", VK_STR, L_N_ADDR_HOST, FL_CI },
	{ E(CONNECT), "addr.is_public", VK_BOOL, L_N_ADDR_PUBLIC, FL_DERIVED },
	{ E(CONNECT), "protocol", VK_INT, L_N_PROTO, 0 },
	{ E(BIND), "addr.ip", VK_IP, L_N_ADDR_IP, 0 },
	{ E(BIND), "addr.port", VK_INT, L_N_ADDR_PORT, 0 },
	{ E(BIND), "addr.family", VK_INT, L_N_ADDR_FAMILY, 0 },
	{ E(BIND), "addr.is_public", VK_BOOL, L_N_ADDR_PUBLIC, FL_DERIVED },
	{ E(BIND), "protocol", VK_INT, L_N_PROTO, 0 },
	{ E(ACCEPT), "addr.ip", VK_IP, L_N_ADDR_IP, 0 },
	{ E(ACCEPT), "addr.port", VK_INT, L_N_ADDR_PORT, 0 },
	{ E(ACCEPT), "addr.family", VK_INT, L_N_ADDR_FAMILY, 0 },
	{ E(ACCEPT), "addr.hostname", VK_STR, L_N_ADDR_HOST, FL_CI },
	{ E(ACCEPT), "addr.is_public", VK_BOOL, L_N_ADDR_PUBLIC, FL_DERIVED },
	{ E(SETSOCKOPT), "level", VK_INT, L_S_LEVEL, 0 },
	{ E(SETSOCKOPT), "optname", VK_INT, L_S_OPTNAME, 0 },
	{ E(SETSOCKOPT), "socket_type", VK_INT, L_S_SOTYPE, 0 },
	{ E(SETSOCKOPT), "socket_family", VK_INT, L_S_SOFAMILY, 0 },
	{ E(SETSOCKOPT), "socket_protocol", VK_INT, L_S_SOPROTO, 0 },
	{ E(SETSOCKOPT), "filter_len", VK_INT, L_S_FILTER_LEN, 0 },
	{ E(SETSOCKOPT), "is_filter_truncated", VK_BOOL, L_S_FILTER_TRUNC, 0 },
	{ E(SETSOCKOPT), "filter_instructions", VK_STR, L_S_FILTER_TEXT, 0 },
	{ E(SETSOCKOPT), "filter_hash", VK_STR, L_S_FILTER_HASH, 0 },
	{ E(SETSOCKOPT), "used_immediates", VK_INT, L_S_FILTER_IMM, MULTI },
	{ E(PRCTL), "option", VK_INT, L_S_PRCTL_OPTION, 0 },
	{ E(PRCTL), "new_name", VK_STR, L_S_PRCTL_NAME, 0 },
	{ E(PRCTL), "is_name_truncated", VK_BOOL, L_S_PRCTL_TRUNC, 0 },
	{ E(CGROUP_WRITE), "pid", VK_INT, L_S_CGROUP_PID, 0 },
	{ E(SELINUX), "enforce.status", VK_STR, L_S_SELINUX_STATUS, 0 },
	{ E(SELINUX), "bool.name", VK_STR, L_S_SELINUX_BOOL, 0 },
	{ E(SELINUX), "bool.state", VK_STR, L_S_SELINUX_STATE, 0 },
	{ E(SELINUX), "bool_commit.state", VK_BOOL, L_S_SELINUX_COMMIT, 0 },
	{ E(IMDS), "type", VK_STR, L_I_TYPE, 0 },
	{ E(IMDS), "cloud_provider", VK_STR, L_I_PROVIDER, 0 },
	{ E(IMDS), "url", VK_STR, L_I_URL, 0 },
	{ E(IMDS), "host", VK_STR, L_I_HOST, 0 },
	{ E(IMDS), "user_agent", VK_STR, L_I_UA, 0 },
	{ E(IMDS), "server", VK_STR, L_I_SERVER, 0 },
	{ E(IMDS), "aws.is_imds_v2", VK_BOOL, L_I_V2, 0 },
	{ E(IMDS), "aws.security_credentials.code", VK_STR, L_I_CODE, 0 },
	{ E(IMDS), "aws.security_credentials.type", VK_STR, L_I_CTYPE, 0 },
	{ E(IMDS), "aws.security_credentials.access_key_id", VK_STR, L_I_KEY,
	  0 },
	{ E(IMDS), "aws.security_credentials.last_updated", VK_STR, L_I_UPDATED,
	  0 },
	{ E(IMDS), "aws.security_credentials.expiration", VK_STR,
	  L_I_EXPIRATION, 0 },
	/* packet.filter: only `== "<pcap filter>"` (secl_packet.c) */
	{ E(PACKET), "filter", VK_STR, L_PK_FILTER, 0 },
	{ E(PACKET), "source.ip", VK_IP, L_N_SRC_IP, 0 },
	{ E(PACKET), "source.port", VK_INT, L_N_SRC_PORT, 0 },
	{ E(PACKET), "source.is_public", VK_BOOL, L_N_SRC_PUBLIC, FL_DERIVED },
	{ E(PACKET), "destination.ip", VK_IP, L_N_DST_IP, 0 },
	{ E(PACKET), "destination.port", VK_INT, L_N_DST_PORT, 0 },
	{ E(PACKET), "destination.is_public", VK_BOOL, L_N_DST_PUBLIC,
	  FL_DERIVED },
	{ E(PACKET), "l3_protocol", VK_INT, L_N_L3, 0 },
	{ E(PACKET), "l4_protocol", VK_INT, L_N_L4, 0 },
	{ E(PACKET), "size", VK_INT, L_N_SIZE, 0 },
	{ E(PACKET), "device.ifname", VK_STR, L_N_IFNAME, 0 },
	{ E(PACKET), "network_direction", VK_INT, L_N_DIR, 0 },
	{ E(PACKET), "tls.version", VK_INT, L_PK_TLS, 0 },
	{ E(IO_URING), "opcode", VK_STR, L_U_OPCODE, 0 },
	{ E(IO_URING), "flags", VK_INT, L_O_FLAGS, 0 },
	{ E(IO_URING), "setup_flags", VK_INT, L_U_SETUP_FLAGS, 0 },
};

#define T(x) (1ull << CWS_EVT_##x)
/* Event types whose object has a file (X.file.*), as in event.c. */
#define FILE_TYPES                                                          \
	(T(OPEN) | T(UNLINK) | T(RENAME) | T(CHMOD) | T(CHOWN) | T(MKDIR) | \
	 T(RMDIR) | T(LINK) | T(UTIMES) | T(SETXATTR) | T(REMOVEXATTR) |    \
	 T(MMAP) | T(SPLICE) | T(CHDIR) | T(LOAD_MODULE) | T(IO_URING))
/* cgroup_write.file (the cgroup directory), selinux.file. */
#define SYSEV_FILE_TYPES (T(CGROUP_WRITE) | T(SELINUX))

/* X.file.destination.<leaf>: which file leaves each type carries. */
struct destdef {
	uint64_t types;
	const char *name; /* NULL: every file leaf */
};

static const struct destdef dest_leaves[] = {
	{ T(RENAME) | T(LINK) | T(IO_URING), NULL },
	{ T(CHMOD) | T(MKDIR) | T(OPEN), "mode" },
	{ T(CHMOD) | T(MKDIR), "rights" },
	{ T(CHOWN), "uid" },
	{ T(CHOWN), "gid" },
	{ T(CHOWN), "user" },
	{ T(CHOWN), "group" },
};

/*
 * Datadog's Linux event types that cws does not capture: a rule on them
 * is reported as unsupported (the loader's "event type disabled"),
 * not as a broken rule.
 */
static const char *const unsupported_types[] = {
	"sysctl",	   "ondemand",	   "network_flow_monitor",
	"login_uid_write", "capabilities", "unshare_mntns",
	"fork_bomb",
};

static bool eq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);

	return an == bn && !memcmp(a, b, an);
}

static bool starts(const char *a, size_t an, const char *pfx)
{
	size_t n = strlen(pfx);

	return an >= n && !memcmp(a, pfx, n);
}

static bool take(const struct leafdef *t, size_t nt, const char *s, size_t n,
		 struct fref *f)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		if (eq(s, n, t[i].name)) {
			f->kind = t[i].kind;
			f->leaf = t[i].leaf;
			f->flags |= t[i].flags;
			return true;
		}
	}
	return false;
}

/* A member of a process (or of its files) under root. */
static bool proc_lookup(const char *s, size_t n, uint8_t root, struct fref *f)
{
	f->root = root;
	if (starts(s, n, "file.")) {
		f->file = FF_PROC;
		return take(file_leaves, CWS_ARRAY_SIZE(file_leaves), s + 5,
			    n - 5, f);
	}
	if (starts(s, n, "interpreter.file.")) {
		f->file = FF_ABSENT;
		f->flags |= UNB;
		return take(file_leaves, CWS_ARRAY_SIZE(file_leaves), s + 17,
			    n - 17, f);
	}
	f->file = FF_NONE;
	return take(proc_leaves, CWS_ARRAY_SIZE(proc_leaves), s, n, f);
}

bool secl_field_unsupported_type(const char *name, size_t n, char *type,
				 size_t cap)
{
	const char *dot = memchr(name, '.', n);
	size_t tl = dot ? (size_t)(dot - name) : n, i;

	for (i = 0; i < CWS_ARRAY_SIZE(unsupported_types); i++) {
		if (eq(name, tl, unsupported_types[i])) {
			if (cap)
				snprintf(type, cap, "%s", unsupported_types[i]);
			return true;
		}
	}
	return false;
}

static int resolve_event(const char *s, size_t n, struct fref *f)
{
	const char *dot = memchr(s, '.', n);
	char tname[32];
	size_t tl, rn, i;
	const char *r;
	int type;

	if (!dot || (size_t)(dot - s) >= sizeof(tname))
		return FR_NOT_FOUND;
	tl = (size_t)(dot - s);
	memcpy(tname, s, tl);
	tname[tl] = '\0';
	/* A type the stream names but cws does not capture yet is unsupported. */
	if (secl_field_unsupported_type(s, n, NULL, 0))
		return FR_UNSUPPORTED;
	type = cws_event_type_from_name(tname);
	if (type == CWS_EVT_UNKNOWN || type == CWS_EVT_FORK)
		return FR_NOT_FOUND;
	f->evtype = (uint8_t)type;
	r = dot + 1;
	rn = n - tl - 1;
	if (eq(r, rn, "retval")) {
		f->kind = VK_INT;
		f->leaf = L_E_RETVAL;
		return FR_FOUND;
	}
	if (type == CWS_EVT_EXEC && proc_lookup(r, rn, R_EXEC, f))
		return FR_FOUND;
	if (type == CWS_EVT_EXIT && proc_lookup(r, rn, R_SELF, f))
		return FR_FOUND;
	if (type == CWS_EVT_PTRACE || type == CWS_EVT_SIGNAL) {
		const char *who = type == CWS_EVT_PTRACE ? "tracee." :
							   "target.";
		size_t wl = strlen(who);

		if (starts(r, rn, who)) {
			const char *q = r + wl;
			size_t qn = rn - wl;

			if (starts(q, qn, "parent.")) {
				f->flags |= UNB;
				return proc_lookup(q + 7, qn - 7, R_NOPROC, f) ?
					       FR_FOUND :
					       FR_NOT_FOUND;
			}
			if (starts(q, qn, "ancestors.")) {
				f->flags |= UNB;
				return proc_lookup(q + 10, qn - 10, R_NOPROC,
						   f) ?
					       FR_FOUND :
					       FR_NOT_FOUND;
			}
			return proc_lookup(q, qn, R_TARGET, f) ? FR_FOUND :
								 FR_NOT_FOUND;
		}
	}
	for (i = 0; i < CWS_ARRAY_SIZE(ev_leaves); i++) {
		if (ev_leaves[i].type == type && eq(r, rn, ev_leaves[i].name)) {
			f->kind = ev_leaves[i].kind;
			f->leaf = ev_leaves[i].leaf;
			f->flags |= ev_leaves[i].flags;
			return FR_FOUND;
		}
	}
	if (!((FILE_TYPES | SYSEV_FILE_TYPES) & (1ull << type)))
		return FR_NOT_FOUND;
	if (starts(r, rn, "file.destination.")) {
		const char *q = r + 17;
		size_t qn = rn - 17;

		for (i = 0; i < CWS_ARRAY_SIZE(dest_leaves); i++) {
			if (!(dest_leaves[i].types & (1ull << type)))
				continue;
			if (dest_leaves[i].name &&
			    !eq(q, qn, dest_leaves[i].name))
				continue;
			f->file = FF_DEST;
			if (take(file_leaves, CWS_ARRAY_SIZE(file_leaves), q,
				 qn, f))
				return FR_FOUND;
		}
		return FR_NOT_FOUND;
	}
	if (starts(r, rn, "file.")) {
		f->file = FF_OBJ;
		return take(file_leaves, CWS_ARRAY_SIZE(file_leaves), r + 5,
			    rn - 5, f) ?
			       FR_FOUND :
			       FR_NOT_FOUND;
	}
	return FR_NOT_FOUND;
}

/* Members that can be read in place, per leaf. */
struct direct {
	uint16_t leaf;
	uint16_t off; /* in the leaf's struct */
	uint8_t width;
	bool sign;
};

#define D(l, type, m, s)                                        \
	{                                                       \
		l, offsetof(type, m), sizeof(((type *)0)->m), s \
	}
#define DP(l, m) D(l, struct cws_process, m, false)
#define DF(l, m) D(l, struct cws_file, m, false)
#define DE(l, m, s) D(l, struct cws_event, m, s)

static const struct direct directs[] = {
	DP(L_P_PID, pid),
	DP(L_P_PPID, ppid),
	DP(L_P_TID, tid),
	DP(L_P_COMM, comm),
	DP(L_P_TTY, tty_name),
	DP(L_P_CREATED, fork_time),
	DP(L_P_ARGS_TRUNC, args_truncated),
	DP(L_P_UID, cred.uid),
	DP(L_P_GID, cred.gid),
	DP(L_P_EUID, cred.euid),
	DP(L_P_EGID, cred.egid),
	DP(L_P_FSUID, cred.fsuid),
	DP(L_P_FSGID, cred.fsgid),
	DP(L_P_AUID, cred.auid),
	DP(L_P_USER, cred.user),
	DP(L_P_GROUP, cred.group),
	DP(L_P_EUSER, cred.euser),
	DP(L_P_EGROUP, cred.egroup),
	DP(L_P_FSUSER, cred.fsuser),
	DP(L_P_FSGROUP, cred.fsgroup),
	DP(L_P_CAPE, cred.cap_effective),
	DP(L_P_CAPP, cred.cap_permitted),
	DP(L_P_IS_THREAD, is_thread),
	DF(L_F_PATH, path),
	DF(L_F_NAME, name),
	DF(L_F_INODE, inode),
	DF(L_F_MOUNT, mount_id),
	DF(L_F_MODE, mode),
	DF(L_F_UID, uid),
	DF(L_F_GID, gid),
	DF(L_F_USER, user),
	DF(L_F_GROUP, group),
	DF(L_F_CTIME, change_time),
	DF(L_F_MTIME, modification_time),
	DF(L_F_FS, filesystem),
	DE(L_E_TIMESTAMP, timestamp, false),
	DE(L_E_RETVAL, evt.retval, true),
	DE(L_O_FLAGS, obj.flags, false),
	DE(L_O_PROT, obj.protection, false),
	DE(L_O_VMPROT, obj.vm_protection, false),
	DE(L_O_REQUEST, obj.request, true),
	DE(L_O_PID, obj.pid, false),
	DE(L_O_EXIT_CODE, obj.code, true),
	DE(L_O_NAME, obj.name, false),
	DE(L_O_UID, obj.uid, false),
	DE(L_O_EUID, obj.euid, false),
	DE(L_O_FSUID, obj.fsuid, false),
	DE(L_O_GID, obj.gid, false),
	DE(L_O_EGID, obj.egid, false),
	DE(L_O_FSGID, obj.fsgid, false),
	DE(L_O_USER, obj.user, false),
	DE(L_O_EUSER, obj.euser, false),
	DE(L_O_FSUSER, obj.fsuser, false),
	DE(L_O_GROUP, obj.group, false),
	DE(L_O_EGROUP, obj.egroup, false),
	DE(L_O_FSGROUP, obj.fsgroup, false),
	DE(L_O_CAPE, obj.cap_effective, false),
	DE(L_O_CAPP, obj.cap_permitted, false),
	DE(L_O_MAP_TYPE, obj.map_type, false),
	DE(L_O_PROG_TYPE, obj.prog_type, false),
	DE(L_O_ATTACH, obj.attach_type, false),
	DE(L_O_PROG_NAME, obj.prog_name, false),
	DE(L_O_FROM_MEM, obj.loaded_from_memory, false),
	DE(L_O_ARGS, obj.args, false),
	DE(L_O_FSTYPE, obj.fs_type, false),
	DE(L_O_MOUNTPOINT, obj.mountpoint, false),
	DE(L_O_MSOURCE, obj.source, false),
	DE(L_O_PIPE_IN, obj.pipe_entry_flag, false),
	DE(L_O_PIPE_OUT, obj.pipe_exit_flag, false),
	DE(L_O_XNAME, obj.xattr_name, false),
	DE(L_O_XNS, obj.xattr_namespace, false),
	DE(L_N_DNS_ID, obj.dns.id, false),
	DE(L_N_DNS_NAME, obj.dns.name, false),
	DE(L_N_DNS_TYPE, obj.dns.type, false),
	DE(L_N_DNS_CLASS, obj.dns.qclass, false),
	DE(L_N_DNS_COUNT, obj.dns.count, false),
	DE(L_N_DNS_SIZE, obj.dns.size, false),
	DE(L_N_SRC_PORT, obj.net.source.port, false),
	DE(L_N_DST_PORT, obj.net.destination.port, false),
	DE(L_N_L3, obj.net.l3_protocol, false),
	DE(L_N_L4, obj.net.l4_protocol, false),
	DE(L_N_SIZE, obj.net.size, false),
	DE(L_N_IFNAME, obj.net.ifname, false),
	DE(L_N_ADDR_PORT, obj.addr.port, false),
	DE(L_N_ADDR_FAMILY, obj.addr.family, false),
	DE(L_N_ADDR_HOST, obj.addr.hostname, false),
	DE(L_N_PROTO, obj.protocol, false),
	DE(L_O_SYSCALL_PATH, obj.syscall_path, false),
	DE(L_S_LEVEL, obj.sockopt.level, true),
	DE(L_S_OPTNAME, obj.sockopt.optname, true),
	DE(L_S_SOTYPE, obj.sockopt.socket_type, false),
	DE(L_S_SOFAMILY, obj.sockopt.socket_family, false),
	DE(L_S_SOPROTO, obj.sockopt.socket_protocol, false),
	DE(L_S_FILTER_LEN, obj.sockopt.filter_len, false),
	DE(L_S_FILTER_TRUNC, obj.sockopt.is_filter_truncated, false),
	DE(L_S_FILTER_TEXT, obj.sockopt.filter_instructions, false),
	DE(L_S_FILTER_HASH, obj.sockopt.filter_hash, false),
	DE(L_S_PRCTL_OPTION, obj.prctl.option, true),
	DE(L_S_PRCTL_NAME, obj.prctl.new_name, false),
	DE(L_S_PRCTL_TRUNC, obj.prctl.is_name_truncated, false),
	DE(L_S_CGROUP_PID, obj.cgroup_pid, false),
	DE(L_S_SELINUX_STATUS, obj.selinux.enforce_status, false),
	DE(L_S_SELINUX_BOOL, obj.selinux.bool_name, false),
	DE(L_S_SELINUX_STATE, obj.selinux.bool_state, false),
	DE(L_S_SELINUX_COMMIT, obj.selinux.commit_state, false),
	DE(L_N_DIR, obj.net.direction, false),
	DE(L_I_TYPE, obj.imds.type, false),
	DE(L_I_PROVIDER, obj.imds.cloud_provider, false),
	DE(L_I_URL, obj.imds.url, false),
	DE(L_I_HOST, obj.imds.host, false),
	DE(L_I_UA, obj.imds.user_agent, false),
	DE(L_I_SERVER, obj.imds.server, false),
	DE(L_I_V2, obj.imds.aws_is_imds_v2, false),
	DE(L_I_CODE, obj.imds.aws_code, false),
	DE(L_I_CTYPE, obj.imds.aws_type, false),
	DE(L_I_KEY, obj.imds.aws_access_key_id, false),
	DE(L_I_UPDATED, obj.imds.aws_last_updated, false),
	DE(L_I_EXPIRATION, obj.imds.aws_expiration, false),
	DE(L_PK_TLS, obj.packet.tls_version, false),
	DE(L_U_OPCODE, obj.uring.opcode, false),
	DE(L_U_SETUP_FLAGS, obj.uring.setup_flags, false),
};

/* Where f's object sits in struct cws_event, or -1 if it moves. */
static int32_t object_base(const struct fref *f)
{
	if (f->leaf > L_F__END)
		return f->root == R_EVENT ? 0 : -1;
	if (f->leaf > L_P__END) {
		switch (f->file) {
		case FF_OBJ:
			return offsetof(struct cws_event, obj.file);
		case FF_DEST:
			return offsetof(struct cws_event, obj.dest);
		case FF_PROC:
			if (f->root == R_SELF)
				return offsetof(struct cws_event, process.file);
			if (f->root == R_TARGET)
				return offsetof(struct cws_event,
						obj.target.file);
		}
		return -1;
	}
	/* exec.X is the event's process too, except its file and argv. */
	if (f->root == R_SELF ||
	    (f->root == R_EXEC && f->leaf != L_P_ARGS_TRUNC))
		return offsetof(struct cws_event, process);
	if (f->root == R_TARGET)
		return offsetof(struct cws_event, obj.target);
	return -1;
}

static void find_direct(struct fref *f)
{
	int32_t base = object_base(f);
	size_t i;

	f->off = -1;
	if (base < 0 || f->iter || (f->flags & (FL_MULTI | FL_UNBACKED)))
		return;
	for (i = 0; i < CWS_ARRAY_SIZE(directs); i++) {
		if (directs[i].leaf == f->leaf) {
			f->off = base + directs[i].off;
			f->width = directs[i].width;
			f->sign = directs[i].sign;
			break;
		}
	}
	/* chown's new owner: -1 (unchanged) reads -1, as in Datadog. */
	if (f->file == FF_DEST && f->evtype == CWS_EVT_CHOWN &&
	    (f->leaf == L_F_UID || f->leaf == L_F_GID))
		f->sign = true;
}

static int resolve(const char *name, size_t n, struct fref *f);

int secl_field_resolve(const char *name, size_t n, struct fref *f)
{
	int r = resolve(name, n, f);

	if (r == FR_FOUND)
		find_direct(f);
	return r;
}

static int resolve(const char *name, size_t n, struct fref *f)
{
	char buf[CWS_SECL_MAX_NAME];
	const char *br;
	size_t i;

	memset(f, 0, sizeof(*f));
	if (n == 0 || n >= sizeof(buf))
		return FR_NOT_FOUND;
	memcpy(buf, name, n);
	buf[n] = '\0';
	/* process.ancestors[A].x: remember A, resolve process.ancestors.x */
	br = memchr(buf, '[', n);
	if (br) {
		const char *end = memchr(br, ']', n - (size_t)(br - buf));
		size_t rl;

		if (!end || (size_t)(br - buf) != strlen("process.ancestors") ||
		    memcmp(buf, "process.ancestors", (size_t)(br - buf)) ||
		    end[1] != '.' || memchr(end + 1, '[', strlen(end + 1)))
			return FR_BAD_ITER;
		rl = (size_t)(end - br - 1);
		if (rl == 0 || rl >= sizeof(f->reg) ||
		    (rl == 1 && br[1] == '_'))
			return FR_BAD_ITER;
		memcpy(f->reg, br + 1, rl);
		f->reg[rl] = '\0';
		f->iter = true;
		memmove((char *)br, end + 1, strlen(end + 1) + 1);
		n = strlen(buf);
	}
	/* evt.x is an old spelling of event.x. */
	if (starts(buf, n, "evt.")) {
		memmove(buf + 6, buf + 4, n - 4 + 1);
		memcpy(buf, "event.", 6);
		n += 2;
		if (n >= sizeof(buf))
			return FR_NOT_FOUND;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(common_leaves); i++) {
		if (eq(buf, n, common_leaves[i].name)) {
			f->kind = common_leaves[i].kind;
			f->leaf = common_leaves[i].leaf;
			f->flags = common_leaves[i].flags;
			f->root = R_EVENT;
			if (starts(buf, n, "network."))
				f->restrict_types = NET_TYPES;
			return f->iter ? FR_BAD_ITER : FR_FOUND;
		}
	}
	if (starts(buf, n, "process.ancestors.")) {
		if (!proc_lookup(buf + 18, n - 18, R_ANC, f))
			return FR_NOT_FOUND;
		return FR_FOUND;
	}
	if (f->iter)
		return FR_BAD_ITER;
	if (starts(buf, n, "process.parent."))
		return proc_lookup(buf + 15, n - 15, R_PARENT, f) ?
			       FR_FOUND :
			       FR_NOT_FOUND;
	if (starts(buf, n, "process."))
		return proc_lookup(buf + 8, n - 8, R_SELF, f) ? FR_FOUND :
								FR_NOT_FOUND;
	return resolve_event(buf, n, f);
}

enum cws_secl_kind cws_secl_field_kind(const char *name,
				       enum cws_event_type *type)
{
	struct fref f;
	bool multi;

	if (!name || secl_field_resolve(name, strlen(name), &f) != FR_FOUND)
		return CWS_SECL_NONE;
	if (type)
		*type = (enum cws_event_type)f.evtype;
	multi = (f.flags & FL_MULTI) || (f.root == R_ANC && !f.iter);
	switch (f.kind) {
	case VK_BOOL:
		return multi ? CWS_SECL_BOOL_ARRAY : CWS_SECL_BOOL;
	case VK_INT:
		return multi ? CWS_SECL_INT_ARRAY : CWS_SECL_INT;
	case VK_STR:
		return multi ? CWS_SECL_STR_ARRAY : CWS_SECL_STR;
	case VK_IP:
		return multi ? CWS_SECL_IP_ARRAY : CWS_SECL_IP;
	}
	return CWS_SECL_NONE;
}
