/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Each event type's own object in Datadog's security-event JSON (the
 * serializers' FileEventSerializer, DNSEventSerializer, IMDSEventSerializer,
 * SetSockOptEventSerializer and the like): "file", "exec"'s peers, "dns",
 * "imds", "packet", "setsockopt", "selinux", and cws's own "io_uring".
 * payload.c writes the rest of the message around them.
 */
#include "compat.h"
#include "payload_priv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* --- pieces of an event ------------------------------------------------- */

/* FileSerializer's members, without the braces. */
static void file_members(struct jbuf *b, const struct cws_file *f)
{
	jb_kstr(b, "path", f->path);
	jb_kstr(b, "name", f->name);
	jb_kstr(b, "path_resolution_error", f->path_resolution_error);
	jb_ku64(b, "inode", f->inode);
	/* mode 0: the probe had no inode facts; none is sent as a zero. */
	jb_ku64(b, "mode", f->mode);
	jb_ku64(b, "mount_id", f->mount_id);
	jb_kstr(b, "filesystem", f->filesystem);
	if (f->mode) {
		jb_key(b, "uid");
		jb_u64(b, f->uid);
		jb_key(b, "gid");
		jb_u64(b, f->gid);
	}
	if (f->in_upper_layer_known)
		jb_kbool(b, "in_upper_layer", f->in_upper_layer);
	jb_kstr(b, "user", f->user);
	jb_kstr(b, "group", f->group);
	if (f->modification_time) {
		jb_key(b, "modification_time");
		jb_time(b, f->modification_time);
	}
	if (f->change_time) {
		jb_key(b, "change_time");
		jb_time(b, f->change_time);
	}
	if (f->hash_state) {
		uint32_t i;

		if (f->hashes.n) {
			jb_key(b, "hashes");
			jb_open(b, '[');
			for (i = 0; i < f->hashes.n; i++) {
				jb_sep(b);
				jb_cstr(b, f->hashes.v[i]);
			}
			jb_close(b, ']');
		}
		jb_kstr(b, "hash_state", f->hash_state);
	}
}

void payload_file_obj(struct jbuf *b, const char *key, const struct cws_file *f)
{
	jb_key(b, key);
	jb_open(b, '{');
	file_members(b, f);
	jb_close(b, '}');
}

void payload_u32_member(struct jbuf *b, const char *key, uint32_t v)
{
	jb_key(b, key);
	jb_u64(b, v);
}

/* {"path": "..."}, as Datadog nests mount paths; nothing for NULL. */
static void path_obj(struct jbuf *b, const char *key, const char *path)
{
	if (!path)
		return;
	jb_key(b, key);
	jb_open(b, '{');
	jb_kstr(b, "path", path);
	jb_close(b, '}');
}

/* An address from the stream's 16 bytes (IPv4 v4-mapped) as text. */
static void ip_member(struct jbuf *b, const char *key, const uint8_t a[16])
{
	static const uint8_t v4map[12] = { 0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff };
	char text[INET6_ADDRSTRLEN];

	if (!memcmp(a, v4map, 12))
		inet_ntop(AF_INET, a + 12, text, sizeof(text));
	else
		inet_ntop(AF_INET6, a, text, sizeof(text));
	jb_kstr(b, key, text);
}

static const char *family_name(uint16_t f)
{
	return f == AF_INET  ? "AF_INET" :
	       f == AF_INET6 ? "AF_INET6" :
	       f == AF_UNIX  ? "AF_UNIX" :
			       "AF_UNSPEC";
}

static const char *l4_name(uint16_t p)
{
	return p == 6  ? "IPPROTO_TCP" :
	       p == 17 ? "IPPROTO_UDP" :
	       p == 0  ? "IPPROTO_IP" :
			 "IPPROTO_RAW";
}

/* connect, bind, accept: {"addr": {family, ip, port}, "protocol"}. */
static void addr_obj(struct jbuf *b, const char *key, const struct cws_evobj *x)
{
	jb_key(b, key);
	jb_open(b, '{');
	jb_key(b, "addr");
	jb_open(b, '{');
	jb_kstr(b, "family", family_name(x->addr.family));
	if (x->addr.family == AF_INET || x->addr.family == AF_INET6) {
		ip_member(b, "ip", x->addr.ip);
		payload_u32_member(b, "port", x->addr.port);
	}
	jb_close(b, '}');
	jb_kstr(b, "protocol", l4_name(x->protocol));
	jb_close(b, '}');
}

static const char *qtype_name(uint16_t t, char *buf, size_t len)
{
	static const struct {
		uint16_t t;
		const char *name;
	} types[] = { { 1, "A" },      { 2, "NS" },    { 5, "CNAME" },
		      { 6, "SOA" },    { 12, "PTR" },  { 15, "MX" },
		      { 16, "TXT" },   { 28, "AAAA" }, { 33, "SRV" },
		      { 65, "HTTPS" }, { 255, "ANY" } };
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(types); i++)
		if (types[i].t == t)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

static void net_obj(struct jbuf *b, const struct cws_evobj *x);

/* dns and its network context, as Datadog's serializers write them. */
static void dns_obj(struct jbuf *b, const struct cws_evobj *x)
{
	char tbuf[16];

	jb_key(b, "dns");
	jb_open(b, '{');
	payload_u32_member(b, "id", x->dns.id);
	jb_key(b, "is_query");
	jb_puts(b, x->dns.is_query ? "true" : "false");
	jb_key(b, "question");
	jb_open(b, '{');
	jb_kstr(b, "class", x->dns.qclass == 1 ? "CLASS_INET" : "CLASS_OTHER");
	jb_kstr(b, "type", qtype_name(x->dns.type, tbuf, sizeof(tbuf)));
	jb_kstr(b, "name", x->dns.name);
	payload_u32_member(b, "size", x->dns.size);
	payload_u32_member(b, "count", x->dns.count);
	jb_close(b, '}');
	jb_close(b, '}');
	net_obj(b, x);
}

/* The network context of dns, imds and packet events. */
static void net_obj(struct jbuf *b, const struct cws_evobj *x)
{
	jb_key(b, "network");
	jb_open(b, '{');
	jb_key(b, "device");
	jb_open(b, '{');
	if (x->net.netns)
		payload_u32_member(b, "netns", x->net.netns);
	if (x->net.ifindex)
		payload_u32_member(b, "ifindex", x->net.ifindex);
	jb_kstr(b, "ifname", x->net.ifname);
	jb_close(b, '}');
	jb_kstr(b, "l3_protocol",
		x->net.l3_protocol == 0x86DD ? "ETH_P_IPV6" : "ETH_P_IP");
	jb_kstr(b, "l4_protocol", l4_name(x->net.l4_protocol));
	jb_key(b, "source");
	jb_open(b, '{');
	ip_member(b, "ip", x->net.source.ip);
	payload_u32_member(b, "port", x->net.source.port);
	jb_close(b, '}');
	jb_key(b, "destination");
	jb_open(b, '{');
	ip_member(b, "ip", x->net.destination.ip);
	payload_u32_member(b, "port", x->net.destination.port);
	jb_close(b, '}');
	payload_u32_member(b, "size", x->net.size);
	jb_close(b, '}');
}

/*
 * imds, as Datadog's IMDSEventSerializer writes it: aws only for AWS,
 * security_credentials only when a response carried them.
 */
static void imds_obj(struct jbuf *b, const struct cws_evobj *x)
{
	jb_key(b, "imds");
	jb_open(b, '{');
	jb_kstr(b, "type", x->imds.type);
	jb_kstr(b, "cloud_provider", x->imds.cloud_provider);
	jb_kstr(b, "url", x->imds.url);
	jb_kstr(b, "host", x->imds.host);
	jb_kstr(b, "user_agent", x->imds.user_agent);
	jb_kstr(b, "server", x->imds.server);
	if (x->imds.cloud_provider && !strcmp(x->imds.cloud_provider, "aws")) {
		jb_key(b, "aws");
		jb_open(b, '{');
		jb_key(b, "is_imds_v2");
		jb_puts(b, x->imds.aws_is_imds_v2 ? "true" : "false");
		if (x->imds.aws_code) {
			jb_key(b, "security_credentials");
			jb_open(b, '{');
			jb_kstr(b, "code", x->imds.aws_code);
			jb_kstr(b, "type", x->imds.aws_type);
			jb_kstr(b, "access_key_id", x->imds.aws_access_key_id);
			jb_kstr(b, "last_updated", x->imds.aws_last_updated);
			jb_kstr(b, "expiration", x->imds.aws_expiration);
			jb_close(b, '}');
		}
		jb_close(b, '}');
	}
	jb_close(b, '}');
	net_obj(b, x);
}

/* packet: its network context, and the TLS version when there is one. */
static void packet_obj(struct jbuf *b, const struct cws_evobj *x)
{
	net_obj(b, x);
	jb_key(b, "packet");
	jb_open(b, '{');
	jb_key(b, "tls");
	jb_open(b, '{');
	if (x->packet.tls_version)
		payload_u32_member(b, "version", x->packet.tls_version);
	jb_close(b, '}');
	jb_close(b, '}');
}

/* A boolean written whatever its value (jb_kbool leaves false out). */
static void bool_member(struct jbuf *b, const char *key, bool v)
{
	jb_key(b, key);
	jb_puts(b, v ? "true" : "false");
}

/*
 * setsockopt: the SECL names, as Datadog's serializer writes them; the
 * filter's members only for SO_ATTACH_FILTER.
 */
static void sockopt_obj(struct jbuf *b, const struct cws_evobj *x)
{
	uint32_t i;

	jb_key(b, "setsockopt");
	jb_open(b, '{');
	jb_key(b, "level");
	jb_i64(b, x->sockopt.level);
	jb_key(b, "optname");
	jb_i64(b, x->sockopt.optname);
	payload_u32_member(b, "socket_type", x->sockopt.socket_type);
	payload_u32_member(b, "socket_family", x->sockopt.socket_family);
	payload_u32_member(b, "socket_protocol", x->sockopt.socket_protocol);
	if (x->sockopt.has_filter) {
		payload_u32_member(b, "filter_len", x->sockopt.filter_len);
		bool_member(b, "is_filter_truncated",
			    x->sockopt.is_filter_truncated);
		jb_kstr(b, "filter_instructions",
			x->sockopt.filter_instructions);
		jb_kstr(b, "filter_hash", x->sockopt.filter_hash);
		jb_key(b, "used_immediates");
		jb_open(b, '[');
		for (i = 0; i < x->sockopt.used_immediates.n; i++) {
			jb_sep(b);
			jb_i64(b, x->sockopt.used_immediates.v[i]);
		}
		jb_close(b, ']');
	}
	jb_close(b, '}');
}

/*
 * selinux: the selinuxfs file, then one of Datadog's three shapes
 * (selinux.schema.json): enforce.status, bool.name with bool.state, or
 * bool_commit.state.
 */
static void selinux_obj(struct jbuf *b, const struct cws_evobj *x)
{
	payload_file_obj(b, "file", &x->file);
	jb_key(b, "selinux");
	jb_open(b, '{');
	if (x->selinux.bool_name) {
		jb_key(b, "bool");
		jb_open(b, '{');
		jb_kstr(b, "name", x->selinux.bool_name);
		jb_kstr(b, "state", x->selinux.bool_state);
		jb_close(b, '}');
	} else if (x->selinux.enforce_status) {
		jb_key(b, "enforce");
		jb_open(b, '{');
		jb_kstr(b, "status", x->selinux.enforce_status);
		jb_close(b, '}');
	} else if (x->selinux.has_commit) {
		jb_key(b, "bool_commit");
		jb_open(b, '{');
		bool_member(b, "state", x->selinux.commit_state);
		jb_close(b, '}');
	}
	jb_close(b, '}');
}

/*
 * io_uring, which Datadog has no event for: the file a request names by
 * path (with the new name of a rename or link as its destination), as
 * the file events write it, and the operation.
 */
static void uring_obj(struct jbuf *b, const struct cws_evobj *x)
{
	if (x->uring.has_file) {
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		if (x->uring.has_dest)
			payload_file_obj(b, "destination", &x->dest);
		jb_close(b, '}');
	}
	jb_key(b, "io_uring");
	jb_open(b, '{');
	jb_kstr(b, "opcode", x->uring.opcode);
	jb_key(b, "flags");
	names_iosqe_flags(b, x->flags);
	jb_key(b, "setup_flags");
	names_ioring_setup_flags(b, x->uring.setup_flags);
	jb_close(b, '}');
}

#define O_CREAT_BIT 0100
#define AT_REMOVEDIR_BIT 0x200

/* The event type's own members: "file" and friends. */
void payload_event_object(const struct payload_opts *o, struct jbuf *b,
			  const struct cws_event *ev)
{
	const struct cws_evobj *x = &ev->obj;
	const char *name = ev->evt.name ? ev->evt.name : "";

	switch (ev->evt.type) {
	case CWS_EVT_EXEC:
		if (ev->exec.file.path || ev->exec.file.name)
			payload_file_obj(b, "file", &ev->exec.file);
		break;
	case CWS_EVT_OPEN:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		jb_key(b, "flags");
		names_open_flags(b, x->flags);
		if (x->flags & O_CREAT_BIT) {
			jb_key(b, "destination");
			jb_open(b, '{');
			jb_key(b, "mode");
			jb_u64(b, x->dest.mode);
			jb_close(b, '}');
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_UNLINK:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		if (x->flags & AT_REMOVEDIR_BIT) {
			jb_key(b, "flags");
			jb_puts(b, "[\"AT_REMOVEDIR\"]");
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_RENAME:
	case CWS_EVT_LINK:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		payload_file_obj(b, "destination", &x->dest);
		jb_close(b, '}');
		break;
	case CWS_EVT_CHMOD:
	case CWS_EVT_MKDIR:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		jb_key(b, "destination");
		jb_open(b, '{');
		jb_key(b, "mode");
		jb_u64(b, x->dest.mode);
		jb_close(b, '}');
		jb_close(b, '}');
		break;
	case CWS_EVT_CHOWN:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		jb_key(b, "destination");
		jb_open(b, '{');
		payload_id_member(b, "uid", x->dest.uid);
		payload_id_member(b, "gid", x->dest.gid);
		jb_kstr(b, "user", x->dest.user);
		jb_kstr(b, "group", x->dest.group);
		jb_close(b, '}');
		jb_close(b, '}');
		break;
	case CWS_EVT_SETXATTR:
	case CWS_EVT_REMOVEXATTR:
		jb_key(b, "file");
		jb_open(b, '{');
		file_members(b, &x->file);
		jb_kstr(b, "attribute_name", x->xattr_name);
		jb_kstr(b, "attribute_namespace", x->xattr_namespace);
		jb_close(b, '}');
		break;
	case CWS_EVT_RMDIR:
	case CWS_EVT_UTIMES:
	case CWS_EVT_CHDIR:
		payload_file_obj(b, "file", &x->file);
		break;
	case CWS_EVT_EXIT:
		jb_key(b, "exit");
		jb_open(b, '{');
		jb_kstr(b, "cause", x->cause);
		jb_key(b, "code");
		jb_i64(b, x->code);
		jb_close(b, '}');
		break;
	case CWS_EVT_PTRACE:
		jb_key(b, "ptrace");
		jb_open(b, '{');
		jb_key(b, "request");
		jb_cstr(b, names_ptrace(x->request));
		jb_kstr(b, "address", "0x0");
		payload_process_ctx(o, b, "tracee", &x->target, NULL, 0, false,
				    NULL, NULL);
		jb_close(b, '}');
		break;
	case CWS_EVT_SIGNAL:
		jb_key(b, "signal");
		jb_open(b, '{');
		jb_key(b, "type");
		jb_cstr(b, names_signal(x->request));
		payload_u32_member(b, "pid", x->pid);
		payload_process_ctx(o, b, "target", &x->target, NULL, 0, false,
				    NULL, NULL);
		jb_close(b, '}');
		break;
	case CWS_EVT_MMAP:
		if (x->file.path || x->file.name)
			payload_file_obj(b, "file", &x->file);
		jb_key(b, "mmap");
		jb_open(b, '{');
		jb_kstr(b, "address", "0x0");
		jb_puts(b, ",\"offset\":0,\"length\":0");
		jb_key(b, "protection");
		names_prot(b, x->protection);
		jb_key(b, "flags");
		names_mmap_flags(b, x->flags);
		jb_close(b, '}');
		break;
	case CWS_EVT_MPROTECT:
		jb_key(b, "mprotect");
		jb_open(b, '{');
		jb_puts(b, "\"vm_start\":\"0x0\",\"vm_end\":\"0x0\"");
		jb_key(b, "vm_protection");
		names_prot(b, x->vm_protection);
		jb_key(b, "req_protection");
		names_prot(b, x->protection);
		jb_close(b, '}');
		break;
	case CWS_EVT_BPF:
		jb_key(b, "bpf");
		jb_open(b, '{');
		jb_key(b, "cmd");
		jb_cstr(b, names_bpf_cmd(x->request));
		if (x->name) {
			jb_key(b, "map");
			jb_open(b, '{');
			jb_kstr(b, "name", x->name);
			jb_kstr(b, "map_type", names_bpf_map_type(x->map_type));
			jb_close(b, '}');
		}
		if (x->prog_name) {
			jb_key(b, "program");
			jb_open(b, '{');
			jb_kstr(b, "name", x->prog_name);
			jb_close(b, '}');
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_LOAD_MODULE:
	case CWS_EVT_UNLOAD_MODULE:
		if (x->file.path)
			payload_file_obj(b, "file", &x->file);
		jb_key(b, "module");
		jb_open(b, '{');
		jb_key(b, "name");
		jb_cstr(b, x->name);
		if (ev->evt.type == CWS_EVT_LOAD_MODULE) {
			jb_key(b, "loaded_from_memory");
			jb_puts(b, x->loaded_from_memory ? "true" : "false");
			jb_kstr(b, "args", x->args);
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_MOUNT:
		jb_key(b, "mount");
		jb_open(b, '{');
		jb_kstr(b, "fs_type", x->fs_type);
		path_obj(b, "mp", x->mountpoint);
		path_obj(b, "source", x->source);
		if (x->mount_id) {
			payload_u32_member(b, "mount_id", x->mount_id);
			payload_u32_member(b, "parent_mount_id",
					   x->parent_mount_id);
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_CONNECT:
	case CWS_EVT_BIND:
	case CWS_EVT_ACCEPT:
		addr_obj(b, name, x);
		break;
	case CWS_EVT_DNS:
		dns_obj(b, x);
		break;
	case CWS_EVT_IMDS:
		imds_obj(b, x);
		break;
	case CWS_EVT_PACKET:
		packet_obj(b, x);
		break;
	case CWS_EVT_SPLICE:
		if (x->file.path || x->file.name)
			payload_file_obj(b, "file", &x->file);
		jb_key(b, "splice");
		jb_open(b, '{');
		jb_key(b, "pipe_entry_flag");
		names_pipe_buf_flags(b, x->pipe_entry_flag);
		jb_key(b, "pipe_exit_flag");
		names_pipe_buf_flags(b, x->pipe_exit_flag);
		jb_close(b, '}');
		break;
	case CWS_EVT_SETSOCKOPT:
		sockopt_obj(b, x);
		break;
	case CWS_EVT_PRCTL:
		jb_key(b, "prctl");
		jb_open(b, '{');
		jb_key(b, "option");
		jb_i64(b, x->prctl.option);
		if (x->prctl.has_name) {
			jb_kstr(b, "new_name", x->prctl.new_name);
			bool_member(b, "is_name_truncated",
				    x->prctl.is_name_truncated);
		}
		jb_close(b, '}');
		break;
	case CWS_EVT_CGROUP_WRITE:
		jb_key(b, "cgroup_write");
		jb_open(b, '{');
		payload_file_obj(b, "file", &x->file);
		if (x->cgroup_pid_known)
			payload_u32_member(b, "pid", x->cgroup_pid);
		jb_close(b, '}');
		break;
	case CWS_EVT_SELINUX:
		selinux_obj(b, x);
		break;
	case CWS_EVT_IO_URING:
		uring_obj(b, x);
		break;
	default:
		/* Types Datadog has no object for (fork), or not in 7.60. */
		if (x->file.path && strcmp(name, "fork"))
			payload_file_obj(b, "file", &x->file);
		break;
	}
}
