/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS queries, seen by a TC classifier on the egress hook of the host's
 * interfaces (cmd/cws-probe/tc.c attaches it, bpf/netev.bpf.h holds the
 * programs), as Datadog's agent sees them. The classifier always returns TC_ACT_UNSPEC: it looks, the other
 * classifiers decide.
 *
 * A packet carries no process. The sender is found through its socket:
 * the entries of sendto, sendmsg and sendmmsg on a UDP socket record, by
 * the socket's kernel address, the process that is sending; the
 * classifier looks the packet's socket (skb->sk) up there. A packet whose
 * socket was never seen in one of those calls (a DNS query written with
 * write(2), one sent before the probe started, one forwarded for another
 * host or namespace whose socket is not the host's) gets pid 0 and no
 * process, and user space says so (process.pid 0).
 *
 * The record is a struct cws_kev_syscall of type CWS_KEV_EVT_DNS:
 *   args[0]  id | qtype << 16 | qclass << 32 | qdcount << 48
 *   args[1]  sport | dport << 16 | l3 protocol (ETH_P_*) << 32 |
 *            DNS message length << 48
 *   args[2], args[3]  source address, 16 bytes (IPv4: the first 4)
 *   args[4], args[5]  destination address
 *   retval   packet length | ifindex << 32
 *   str      the question name, decoded from its labels ("example.com");
 *            a compression pointer or a label running past the packet
 *            sets CWS_KEV_SYS_STR_FAULT and no name.
 */
#ifndef CWS_DNS_BPF_H
#define CWS_DNS_BPF_H

#include "dns_name.h"
#include "net.bpf.h"

#define DNS_ETH_P_IP 0x0800
#define DNS_ETH_P_IPV6 0x86DD
#define DNS_IPPROTO_UDP 17
#define DNS_IPPROTO_TCP 6
#define DNS_PORT 53
#define TC_ACT_UNSPEC (-1)

/*
 * What the classifiers do (CWS_KEV_NETEV_*), set by cws-probe at start
 * and on a reload (cmd/cws-probe/netev.c); DNS alone by default.
 */
volatile __u32 netev_flags = CWS_KEV_NETEV_DNS;

/* Sender of each UDP (and, with netev_flags, TCP) socket, by address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct cws_kev_process);
} dns_owners SEC(".maps");

/* The classifier's own record and wire name: it may run in a softirq. */
struct dns_scratch {
	struct cws_kev_syscall rec;
	__u8 wire[DNS_NAME_WIRE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_scratch);
} dns_scratch SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

static __always_inline int dns_own(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cws_kev_process p;
	struct sock *sk;
	__u64 key;

	if (cfg_self_tgid && bpf_get_current_pid_tgid() >> 32 == cfg_self_tgid)
		return 0;
	sk = net_fd_sock(fd);
	/* TCP senders too when imds or packet events are on (netev.bpf.h). */
	if (!sk ||
	    (sk->sk_protocol != DNS_IPPROTO_UDP &&
	     !(sk->sk_protocol == DNS_IPPROTO_TCP &&
	       (netev_flags & (CWS_KEV_NETEV_IMDS | CWS_KEV_NETEV_PACKET)))))
		return 0;
	fill_process(&p, task);
	key = (__u64)sk;
	bpf_map_update_elem(&dns_owners, &key, &p, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int dns__sys_enter_sendto(struct sys_enter_args *ctx)
{
	return dns_own((int)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int dns__sys_enter_sendmsg(struct sys_enter_args *ctx)
{
	return dns_own((int)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int dns__sys_enter_sendmmsg(struct sys_enter_args *ctx)
{
	return dns_own((int)ctx->args[0]);
}

static __always_inline __u16 dns_be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* The DNS part of the classifiers (netev.bpf.h has the programs). */
static __always_inline int dns_tc(struct __sk_buff *skb, __u32 dir)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct cws_kev_process *owner;
	struct cws_kev_syscall *rec;
	struct dns_scratch *s;
	__u8 hdr[40], udp[8], dns[12], q[4];
	__u32 zero = 0, off, n, l3, len;
	__u64 key;
	long name;

	if (skb->protocol == bpf_htons(DNS_ETH_P_IP)) {
		if (bpf_skb_load_bytes(skb, 14, hdr, 20) ||
		    hdr[9] != DNS_IPPROTO_UDP)
			return TC_ACT_UNSPEC;
		off = 14 + (hdr[0] & 0x0f) * 4;
		l3 = DNS_ETH_P_IP;
	} else if (skb->protocol == bpf_htons(DNS_ETH_P_IPV6)) {
		if (bpf_skb_load_bytes(skb, 14, hdr, 40) ||
		    hdr[6] != DNS_IPPROTO_UDP)
			return TC_ACT_UNSPEC;
		off = 14 + 40;
		l3 = DNS_ETH_P_IPV6;
	} else {
		return TC_ACT_UNSPEC;
	}
	if (bpf_skb_load_bytes(skb, off, udp, 8) ||
	    dns_be16(udp + 2) != DNS_PORT ||
	    bpf_skb_load_bytes(skb, off + 8, dns, 12))
		return TC_ACT_UNSPEC;
	/* Queries only (QR clear), with a question. */
	if ((dns[2] & 0x80) || !dns_be16(dns + 4))
		return TC_ACT_UNSPEC;
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!s)
		return TC_ACT_UNSPEC;
	rec = &s->rec;
	__builtin_memset(rec, 0,
			 __builtin_offsetof(struct cws_kev_syscall, data));
	rec->hdr.type = CWS_KEV_SYSCALL;
	rec->hdr.version = CWS_KEV_VERSION;
	rec->hdr.cpu = bpf_get_smp_processor_id();
	rec->hdr.timestamp = bpf_ktime_get_boot_ns();
	rec->event = CWS_KEV_EVT_DNS;
	key = (__u64)kskb->sk;
	owner = key ? bpf_map_lookup_elem(&dns_owners, &key) : NULL;
	if (owner)
		rec->proc = *owner;

	len = dns_be16(udp + 4) > 8 ? dns_be16(udp + 4) - 8 : 0;
	rec->retval = (__s64)((__u64)skb->len | (__u64)skb->ifindex << 32);
	rec->args[1] = dns_be16(udp) | (__u64)DNS_PORT << 16 | (__u64)l3 << 32 |
		       (__u64)(len & 0xffff) << 48;
	if (l3 == DNS_ETH_P_IP) {
		__builtin_memcpy(&rec->args[2], hdr + 12, 4);
		__builtin_memcpy(&rec->args[4], hdr + 16, 4);
	} else {
		__builtin_memcpy(&rec->args[2], hdr + 8, 16);
		__builtin_memcpy(&rec->args[4], hdr + 24, 16);
	}

	/* The question name, then its type and class. */
	off += 8 + 12;
	n = skb->len > off ? skb->len - off : 0;
	n = CLAMP(n, DNS_NAME_WIRE);
	rec->flags = CWS_KEV_SYS_STR;
	if (dir == CWS_KEV_DIR_INGRESS)
		rec->flags |= CWS_KEV_SYS_NET_INGRESS;
	name = -1;
	if (n >= 2) {
		/* [1, 256] in the register the call gets, for the verifier. */
		__u32 ln = ((n - 1) & (DNS_NAME_WIRE - 1)) + 1;

		barrier_var(ln);
		if (!bpf_skb_load_bytes(skb, off, s->wire, ln))
			name = dns_name_decode(s->wire, ln, s->rec.data);
	}
	if (name > 0) {
		rec->str_len = (__u16)name;
		/* Past the name's final zero byte. */
		if (!bpf_skb_load_bytes(skb, off + 2 + (__u32)name, q, 4))
			rec->args[0] = (__u64)dns_be16(q) << 16 |
				       (__u64)dns_be16(q + 2) << 32;
	} else {
		rec->flags |= CWS_KEV_SYS_STR_FAULT;
	}
	rec->args[0] |= dns_be16(dns) | (__u64)dns_be16(dns + 4) << 48;
	submit(rec,
	       CLAMP(__builtin_offsetof(struct cws_kev_syscall, data) +
			     rec->str_len,
		     sizeof(*rec)),
	       CWS_KEV_EVT_DNS);
	return TC_ACT_UNSPEC;
}

#endif
