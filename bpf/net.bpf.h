/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Socket events from syscall exit tracepoints: connect, bind and accept
 * (accept, accept4). Like the other syscall events, one program per call,
 * named <event>__sys_exit_<syscall>, each building a struct
 * cws_kev_syscall (bpf/syscall.bpf.h); a failed call is an event with its
 * negative retval (a refused connect is what a rule may look for).
 *
 * args[] per event (user space: cmd/cws-probe/emit_net.c):
 *   args[0] address family (AF_*), args[1] port (host order),
 *   args[2], args[3] the address's 16 bytes as they are in memory (an
 *   IPv4 address in the first 4), args[4] the socket's protocol
 *   (IPPROTO_*, 0 when the fd is not a socket), args[5] the socket fd.
 *
 *   connect  the address asked for, as the caller passed it (read at
 *            exit: the call does not change it).
 *   bind     the same: the local address asked for.
 *   accept   the peer of the new connection, from the new socket (the
 *            return value), whether or not the caller asked for it; on
 *            failure only the listening fd and its protocol.
 *
 * Families other than AF_INET and AF_INET6 (AF_UNIX, ...) give the family
 * only.
 */
#ifndef CWS_NET_BPF_H
#define CWS_NET_BPF_H

#include "syscall.bpf.h"

#ifndef SEC
#define SEC(name)
#endif

#define NET_AF_INET 2
#define NET_AF_INET6 10

/* The parts of sockaddr_in and sockaddr_in6 that are read. */
struct net_sockaddr {
	__u16 family;
	__u16 port; /* network order */
	__u32 v4_or_flowinfo; /* sin_addr, or sin6_flowinfo */
	__u8 v6[16]; /* sin6_addr */
};

static __always_inline __u16 net_ntohs(__u16 v)
{
	return (__u16)(v >> 8 | v << 8);
}

/* The socket behind fd, or NULL (not a socket, or no such fd). */
static __always_inline struct sock *net_fd_sock(long fd)
{
	struct file *f = sys_fd_file(fd);
	struct socket *sock;

	if (!f)
		return NULL;
	f = bpf_core_cast(f, struct file);
	/* A socket's file has the socket as its private data. */
	if ((f->f_inode->i_mode & 0170000) != 0140000)
		return NULL;
	sock = bpf_core_cast(f->private_data, struct socket);
	return sock->sk;
}

static __always_inline void net_protocol(struct cws_kev_syscall *rec, long fd)
{
	struct sock *sk = net_fd_sock(fd);

	rec->args[5] = (__u64)fd;
	if (sk)
		rec->args[4] = sk->sk_protocol;
}

/* The address the caller passed in user memory. */
static __always_inline void net_user_addr(struct cws_kev_syscall *rec,
					  const void *uaddr, __u64 len)
{
	struct net_sockaddr a = {};

	if (!uaddr || len < 2)
		return;
	if (len > sizeof(a))
		len = sizeof(a);
	if (bpf_probe_read_user(&a, len & 0x1f, uaddr))
		return;
	rec->args[0] = a.family;
	if (a.family == NET_AF_INET && len >= 8) {
		rec->args[1] = net_ntohs(a.port);
		rec->args[2] = a.v4_or_flowinfo;
	} else if (a.family == NET_AF_INET6 && len >= 24) {
		rec->args[1] = net_ntohs(a.port);
		__builtin_memcpy(&rec->args[2], a.v6, 16);
	}
}

static __always_inline int do_addr_call(struct sys_exit_args *ctx, __u16 event)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, event);

	if (!rec)
		return 0;
	net_user_addr(rec, (const void *)sys_arg(rec, 1), sys_arg(rec, 2));
	net_protocol(rec, (int)sys_arg(rec, 0));
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect__sys_exit_connect(struct sys_exit_args *ctx)
{
	return do_addr_call(ctx, CWS_KEV_EVT_CONNECT);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int bind__sys_exit_bind(struct sys_exit_args *ctx)
{
	return do_addr_call(ctx, CWS_KEV_EVT_BIND);
}

static __always_inline int do_accept(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_ACCEPT);
	struct sock *sk;

	if (!rec)
		return 0;
	net_protocol(rec, (int)sys_arg(rec, 0));
	if (rec->retval >= 0 && (sk = net_fd_sock(rec->retval))) {
		__u16 family = sk->__sk_common.skc_family;

		rec->args[0] = family;
		rec->args[1] = net_ntohs(sk->__sk_common.skc_dport);
		if (family == NET_AF_INET)
			rec->args[2] = sk->__sk_common.skc_daddr;
		else if (family == NET_AF_INET6)
			bpf_probe_read_kernel(&rec->args[2], 16,
					      &sk->__sk_common.skc_v6_daddr);
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int accept__sys_exit_accept(struct sys_exit_args *ctx)
{
	return do_accept(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int accept__sys_exit_accept4(struct sys_exit_args *ctx)
{
	return do_accept(ctx);
}

#endif
