/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stream codec: the objects of event types other than exec, as one table.
 * Each member is a SECL path under the object (up to three keys), a kind,
 * where it sits in struct cws_evobj, and the event types that carry it.
 * The encoder (event.c) and both decoders (event_decode.c, event_fast.c)
 * walk this table, so they cannot disagree, and a new field is one line
 * here (and one in man/cws-event.5; EVENT_NMEMBERS in event_priv.h counts
 * the lines, and the build fails if it is not bumped).
 */
#include "compat.h"
#include "event_priv.h"

#include <arpa/inet.h>
#include <string.h>

#define T(x) (1ull << CWS_EVT_##x)
#define OFF(f) offsetof(struct cws_evobj, f)
#define FILE_TYPES                                                          \
	(T(OPEN) | T(UNLINK) | T(RENAME) | T(CHMOD) | T(CHOWN) | T(MKDIR) | \
	 T(RMDIR) | T(LINK) | T(UTIMES) | T(SETXATTR) | T(REMOVEXATTR) |    \
	 T(MMAP) | T(SPLICE) | T(CHDIR) | T(LOAD_MODULE))
/* cgroup_write.file (the cgroup directory), selinux.file. */
#define SYSEV_FILE_TYPES (T(CGROUP_WRITE) | T(SELINUX))

/*
 * Most members are always known and leave 'has' out: a line here stays
 * one line, and the warning about the omitted field is off for the table.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct omember event_omembers[] = {
	{ { "file" }, OK_FILE, OFF(file), FILE_TYPES | SYSEV_FILE_TYPES },
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
	{ { "syscall", "path" }, OK_STR, OFF(syscall_path), T(CHDIR) },
	{ { "level" }, OK_I32, OFF(sockopt.level), T(SETSOCKOPT) },
	{ { "optname" }, OK_I32, OFF(sockopt.optname), T(SETSOCKOPT) },
	{ { "socket_type" }, OK_U32, OFF(sockopt.socket_type), T(SETSOCKOPT) },
	{ { "socket_family" },
	  OK_U32,
	  OFF(sockopt.socket_family),
	  T(SETSOCKOPT) },
	{ { "socket_protocol" },
	  OK_U32,
	  OFF(sockopt.socket_protocol),
	  T(SETSOCKOPT) },
	{ { "filter_len" },
	  OK_U32,
	  OFF(sockopt.filter_len),
	  T(SETSOCKOPT),
	  OFF(sockopt.has_filter) },
	{ { "is_filter_truncated" },
	  OK_BOOL,
	  OFF(sockopt.is_filter_truncated),
	  T(SETSOCKOPT),
	  OFF(sockopt.has_filter) },
	{ { "filter_instructions" },
	  OK_STR,
	  OFF(sockopt.filter_instructions),
	  T(SETSOCKOPT) },
	{ { "filter_hash" }, OK_STR, OFF(sockopt.filter_hash), T(SETSOCKOPT) },
	{ { "used_immediates" },
	  OK_I64V,
	  OFF(sockopt.used_immediates),
	  T(SETSOCKOPT),
	  OFF(sockopt.has_filter) },
	{ { "option" }, OK_I32, OFF(prctl.option), T(PRCTL) },
	{ { "new_name" }, OK_STR, OFF(prctl.new_name), T(PRCTL) },
	{ { "is_name_truncated" },
	  OK_BOOL,
	  OFF(prctl.is_name_truncated),
	  T(PRCTL),
	  OFF(prctl.has_name) },
	{ { "pid" },
	  OK_U32,
	  OFF(cgroup_pid),
	  T(CGROUP_WRITE),
	  OFF(cgroup_pid_known) },
	{ { "enforce", "status" },
	  OK_STR,
	  OFF(selinux.enforce_status),
	  T(SELINUX) },
	{ { "bool", "name" }, OK_STR, OFF(selinux.bool_name), T(SELINUX) },
	{ { "bool", "state" }, OK_STR, OFF(selinux.bool_state), T(SELINUX) },
	{ { "bool_commit", "state" },
	  OK_BOOL,
	  OFF(selinux.commit_state),
	  T(SELINUX),
	  OFF(selinux.has_commit) },
	{ { "prog", "helpers" }, OK_IDSET, OFF(prog_helpers), T(BPF) },
	{ { "mount_id" }, OK_ID32, OFF(mount_id), T(MOUNT) },
	{ { "parent_mount_id" }, OK_ID32, OFF(parent_mount_id), T(MOUNT) },
	{ { "network", "device", "netns" }, OK_ID32, OFF(net.netns), T(DNS) },
	{ { "network", "device", "ifindex" },
	  OK_ID32,
	  OFF(net.ifindex),
	  T(DNS) },
	{ { "is_query" }, OK_BOOL, OFF(dns.is_query), T(DNS) },
};
#pragma GCC diagnostic pop

_Static_assert(CWS_ARRAY_SIZE(event_omembers) == EVENT_NMEMBERS,
	       "EVENT_NMEMBERS must count event_omembers[]");

const uint8_t event_ip_v4map[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Text to 16 bytes (IPv4 v4-mapped); false if it is not an address. */
bool event_parse_ip(const char *s, uint8_t a[16])
{
	if (inet_pton(AF_INET, s, a + 12) == 1) {
		memcpy(a, event_ip_v4map, 12);
		return true;
	}
	return inet_pton(AF_INET6, s, a) == 1;
}
