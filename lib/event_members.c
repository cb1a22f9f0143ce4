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
/* Event types with a network context (network.*). */
#define NET_TYPES (T(DNS) | T(IMDS) | T(PACKET))

const struct omember event_omembers[] = {
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
	{ { "network", "source", "ip" }, OK_IP, OFF(net.source), NET_TYPES },
	{ { "network", "source", "port" },
	  OK_U16,
	  OFF(net.source.port),
	  NET_TYPES },
	{ { "network", "destination", "ip" },
	  OK_IP,
	  OFF(net.destination),
	  NET_TYPES },
	{ { "network", "destination", "port" },
	  OK_U16,
	  OFF(net.destination.port),
	  NET_TYPES },
	{ { "network", "l3_protocol" },
	  OK_U16,
	  OFF(net.l3_protocol),
	  NET_TYPES },
	{ { "network", "l4_protocol" },
	  OK_U16,
	  OFF(net.l4_protocol),
	  NET_TYPES },
	{ { "network", "size" }, OK_U32, OFF(net.size), NET_TYPES },
	{ { "network", "device", "ifname" },
	  OK_STR,
	  OFF(net.ifname),
	  NET_TYPES },
	{ { "mountpoint", "path" },
	  OK_STR,
	  OFF(mountpoint),
	  T(MOUNT) | T(UMOUNT) },
	{ { "source", "path" }, OK_STR, OFF(source), T(MOUNT) },
	{ { "pipe_entry_flag" }, OK_U32, OFF(pipe_entry_flag), T(SPLICE) },
	{ { "pipe_exit_flag" }, OK_U32, OFF(pipe_exit_flag), T(SPLICE) },
	{ { "network", "direction" }, OK_U16, OFF(net.direction), NET_TYPES },
	{ { "type" }, OK_STR, OFF(imds.type), T(IMDS) },
	{ { "cloud_provider" }, OK_STR, OFF(imds.cloud_provider), T(IMDS) },
	{ { "url" }, OK_STR, OFF(imds.url), T(IMDS) },
	{ { "method" }, OK_STR, OFF(imds.method), T(IMDS) },
	{ { "host" }, OK_STR, OFF(imds.host), T(IMDS) },
	{ { "user_agent" }, OK_STR, OFF(imds.user_agent), T(IMDS) },
	{ { "server" }, OK_STR, OFF(imds.server), T(IMDS) },
	{ { "aws", "is_imds_v2" }, OK_BOOL, OFF(imds.aws_is_imds_v2), T(IMDS) },
	{ { "aws", "security_credentials", "code" },
	  OK_STR,
	  OFF(imds.aws_code),
	  T(IMDS) },
	{ { "aws", "security_credentials", "type" },
	  OK_STR,
	  OFF(imds.aws_type),
	  T(IMDS) },
	{ { "aws", "security_credentials", "access_key_id" },
	  OK_STR,
	  OFF(imds.aws_access_key_id),
	  T(IMDS) },
	{ { "aws", "security_credentials", "last_updated" },
	  OK_STR,
	  OFF(imds.aws_last_updated),
	  T(IMDS) },
	{ { "aws", "security_credentials", "expiration" },
	  OK_STR,
	  OFF(imds.aws_expiration),
	  T(IMDS) },
	{ { "data" }, OK_STR, OFF(packet.data), T(PACKET) },
	{ { "tls", "version" }, OK_U16, OFF(packet.tls_version), T(PACKET) },
	{ { "network", "device", "ifindex" },
	  OK_U32,
	  OFF(net.ifindex),
	  NET_TYPES },
	{ { "network", "device", "netns" }, OK_U32, OFF(net.netns), NET_TYPES },
};

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
