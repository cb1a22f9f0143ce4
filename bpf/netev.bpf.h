/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The classifiers: dns__tc_egress on the egress hooks, dns__tc_ingress on
 * the ingress hooks (cmd/cws-probe/tc.c attaches both). Each looks at a
 * packet for three event types, as netev_flags says:
 *
 *  - dns (dns.bpf.h): queries, on egress; on ingress too with
 *    runtime_security_config.network.ingress.enabled.
 *  - imds: a TCP segment with a payload whose IPv4 source or destination
 *    is the metadata address (netev_imds_ip, runtime_security_config.
 *    imds_ipv4), either way: the first CWS_KEV_IMDS_MAX payload bytes go
 *    to user space, which parses the HTTP message.
 *  - packet: the classic BPF programs libpcap compiled from the rules'
 *    packet.filter (map netev_filters, netev_nfilters of them) run on the
 *    packet's first CWS_KEV_PACKET_SNAPLEN bytes; on the first that
 *    accepts it, those bytes go to user space, at most netev_pkt_rate
 *    packets a second (Datadog's raw_packet limiter).
 *
 * The cBPF interpreter: the captured bytes are copied into the per-CPU
 * scratch record first, and one bpf_loop runs one instruction per
 * iteration on them, filter after filter, with A, X and M[16] in a stack struct, as libpcap's
 * bpf_filter() does with a snaplen of 256: a load past the captured bytes
 * rejects the packet, len is the packet's length. cBPF jumps only
 * forward, so a program of n instructions ends within n iterations.
 *
 * A record is a struct cws_kev_syscall of type CWS_KEV_EVT_IMDS or
 * CWS_KEV_EVT_PACKET; the process is the socket's sender (dns.bpf.h's
 * dns_owners), and for a packet coming in the sender of the flow's
 * last packet out (netev_flows), else none (pid 0):
 *   args[0]  direction (CWS_KEV_DIR_*)
 *   args[1]  imds: sport | dport << 16 | ETH_P_IP << 32
 *   args[2]  imds: source IPv4;  args[4]: destination IPv4
 *   retval   packet length | ifindex << 32
 *   data     imds: the TCP payload; packet: the bytes from the MAC header
 */
#ifndef CWS_NETEV_BPF_H
#define CWS_NETEV_BPF_H

#include "dns.bpf.h"

/* Runtime settings, written by cws-probe (cmd/cws-probe/netev.c). */
volatile __u32 netev_imds_ip = 0; /* network byte order; 0: none */
volatile __u32 netev_nfilters = 0;
volatile __u32 netev_pkt_rate = 10; /* packet events a second */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CWS_KEV_CBPF_FILTERS);
	__type(key, __u32);
	__type(value, struct cws_kev_cbpf_prog);
} netev_filters SEC(".maps");

/* A flow, as seen going out: its sender, for the packets coming back. */
struct netev_flow {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u32 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct netev_flow);
	__type(value, struct cws_kev_process);
} netev_flows SEC(".maps");

/* The packet limiter: the current second and the events sent in it. */
struct netev_limit {
	__u64 sec;
	__u64 count;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netev_limit);
} netev_limit SEC(".maps");

/* cBPF instruction fields (linux/filter.h, bpf_common.h). */
#define CBPF_CLASS(c) ((c)&0x07)
#define CBPF_SIZE(c) ((c)&0x18)
#define CBPF_MODE(c) ((c)&0xe0)
#define CBPF_OP(c) ((c)&0xf0)
#define CBPF_SRC(c) ((c)&0x08)
#define CBPF_LD 0x00
#define CBPF_LDX 0x01
#define CBPF_ST 0x02
#define CBPF_STX 0x03
#define CBPF_ALU 0x04
#define CBPF_JMP 0x05
#define CBPF_RET 0x06
#define CBPF_MISC 0x07
#define CBPF_W 0x00
#define CBPF_H 0x08
#define CBPF_B 0x10
#define CBPF_IMM 0x00
#define CBPF_ABS 0x20
#define CBPF_IND 0x40
#define CBPF_MEM 0x60
#define CBPF_LEN 0x80
#define CBPF_MSH 0xa0
#define CBPF_X 0x08
#define CBPF_A 0x10 /* BPF_RET: return A */

/* The interpreter's state, on the classifier's stack. */
struct cbpf_state {
	__u32 idx; /* filter */
	__u32 nfilters;
	__u32 matched; /* a filter accepted the packet */
	__u32 pc;
	__u32 a, x;
	__u32 mem[16];
	__u32 caplen, wirelen;
	__s64 verdict; /* -1 while running, then what the program returned */
};

/* n bytes at off of the capture, big-endian; false past the capture. */
static __always_inline bool cbpf_load(const struct dns_scratch *s,
				      const struct cbpf_state *st, __u32 off,
				      __u32 n, __u32 *out)
{
	const __u8 *b = (const __u8 *)s->rec.data;
	__u32 o;

	if (off > CWS_KEV_PACKET_SNAPLEN || off + n > st->caplen)
		return false;
	/* The mask is for the verifier: off < 256 already. */
	o = off & (CWS_KEV_PACKET_SNAPLEN - 1);
	if (n == 1)
		*out = b[o];
	else if (n == 2)
		*out = (__u32)b[o] << 8 | b[o + 1];
	else
		*out = (__u32)b[o] << 24 | (__u32)b[o + 1] << 16 |
		       (__u32)b[o + 2] << 8 | b[o + 3];
	return true;
}

static __always_inline __u32 cbpf_size(__u16 code)
{
	return CBPF_SIZE(code) == CBPF_W ? 4 :
	       CBPF_SIZE(code) == CBPF_H ? 2 :
					   1;
}

/* Runs one instruction; 1 when the program ended (verdict set). */
static __always_inline long cbpf_insn(struct cbpf_state *st)
{
	const struct cws_kev_cbpf_prog *p;
	const struct cws_kev_cbpf_insn *in;
	struct dns_scratch *s;
	__u32 zero = 0, k, v, src, pc = st->pc;
	__u16 code;

	p = bpf_map_lookup_elem(&netev_filters, &st->idx);
	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!p || !s || pc >= p->len || pc >= CWS_KEV_CBPF_INSNS)
		goto reject;
	in = &p->insns[pc & (CWS_KEV_CBPF_INSNS - 1)];
	code = in->code;
	k = in->k;
	st->pc = pc + 1;
	switch (CBPF_CLASS(code)) {
	case CBPF_LD:
	case CBPF_LDX: {
		bool ldx = CBPF_CLASS(code) == CBPF_LDX;

		switch (CBPF_MODE(code)) {
		case CBPF_IMM:
			v = k;
			break;
		case CBPF_LEN:
			v = st->wirelen;
			break;
		case CBPF_MEM:
			v = st->mem[k & 15];
			break;
		case CBPF_ABS:
			if (!cbpf_load(s, st, k, cbpf_size(code), &v))
				goto reject;
			break;
		case CBPF_IND:
			if (!cbpf_load(s, st, st->x + k, cbpf_size(code), &v))
				goto reject;
			break;
		case CBPF_MSH: /* ldxb 4*([k]&0xf) */
			if (!cbpf_load(s, st, k, 1, &v))
				goto reject;
			v = (v & 0xf) << 2;
			break;
		default:
			goto reject;
		}
		if (ldx)
			st->x = v;
		else
			st->a = v;
		return 0;
	}
	case CBPF_ST:
		st->mem[k & 15] = st->a;
		return 0;
	case CBPF_STX:
		st->mem[k & 15] = st->x;
		return 0;
	case CBPF_ALU:
		src = CBPF_SRC(code) == CBPF_X ? st->x : k;
		switch (CBPF_OP(code)) {
		case 0x00:
			st->a += src;
			break;
		case 0x10:
			st->a -= src;
			break;
		case 0x20:
			st->a *= src;
			break;
		case 0x30:
			if (!src)
				goto reject;
			st->a /= src;
			break;
		case 0x90:
			if (!src)
				goto reject;
			st->a %= src;
			break;
		case 0x40:
			st->a |= src;
			break;
		case 0x50:
			st->a &= src;
			break;
		case 0xa0:
			st->a ^= src;
			break;
		case 0x60:
			st->a = src < 32 ? st->a << src : 0;
			break;
		case 0x70:
			st->a = src < 32 ? st->a >> src : 0;
			break;
		case 0x80:
			st->a = -st->a;
			break;
		default:
			goto reject;
		}
		return 0;
	case CBPF_JMP: {
		bool t;

		src = CBPF_SRC(code) == CBPF_X ? st->x : k;
		switch (CBPF_OP(code)) {
		case 0x00: /* ja */
			st->pc = pc + 1 + k;
			return 0;
		case 0x10:
			t = st->a == src;
			break;
		case 0x20:
			t = st->a > src;
			break;
		case 0x30:
			t = st->a >= src;
			break;
		case 0x40:
			t = (st->a & src) != 0;
			break;
		default:
			goto reject;
		}
		st->pc = pc + 1 + (t ? in->jt : in->jf);
		return 0;
	}
	case CBPF_RET:
		st->verdict = CBPF_SRC(code) == CBPF_X ? st->x :
			      (code & 0x18) == CBPF_A  ? st->a :
							 k;
		return 1;
	case CBPF_MISC:
		if (code & 0x80)
			st->a = st->x; /* txa */
		else
			st->x = st->a; /* tax */
		return 0;
	}
reject:
	st->verdict = 0;
	return 1;
}

/*
 * One bpf_loop iteration: an instruction of the current filter; when it
 * rejects, the next filter starts with fresh registers. A single
 * bpf_loop call site for every filter keeps the verifier's work to one
 * pass over the interpreter (one call per filter took it seconds).
 */
static long cbpf_run(__u32 i, void *ctx)
{
	struct cbpf_state *st = ctx;
	__u32 m;

	if (st->idx >= st->nfilters)
		return 1;
	if (!cbpf_insn(st))
		return 0;
	if (st->verdict > 0) {
		st->matched = 1;
		return 1;
	}
	st->idx++;
	st->pc = 0;
	st->a = st->x = 0;
	for (m = 0; m < 16; m++)
		st->mem[m] = 0;
	st->verdict = -1;
	return 0;
}

/* Whether one of the filters accepts the capture in the scratch. */
static __always_inline bool netev_filter(__u32 caplen, __u32 wirelen)
{
	struct cbpf_state st = {};
	__u32 n = netev_nfilters;

	st.nfilters = n > CWS_KEV_CBPF_FILTERS ? CWS_KEV_CBPF_FILTERS : n;
	st.caplen = caplen;
	st.wirelen = wirelen;
	st.verdict = -1;
	/* Each filter ends within its length, plus the step that moves on. */
	bpf_loop(CWS_KEV_CBPF_FILTERS * (CWS_KEV_CBPF_INSNS + 1), cbpf_run, &st,
		 0);
	return st.matched;
}

/* One more packet event this second, unless the limit is reached. */
static __always_inline bool netev_allow(void)
{
	__u64 sec = bpf_ktime_get_boot_ns() / 1000000000ull;
	struct netev_limit *l;
	__u32 zero = 0;

	l = bpf_map_lookup_elem(&netev_limit, &zero);
	if (!l)
		return false;
	if (l->sec != sec) {
		/* Racy across CPUs; at worst a few more in that second. */
		l->sec = sec;
		l->count = 0;
	}
	return __sync_fetch_and_add(&l->count, 1) < netev_pkt_rate;
}

/* Starts the scratch record of an event; NULL without scratch. */
static __always_inline struct dns_scratch *
netev_begin(struct __sk_buff *skb, __u32 event, __u32 dir,
	    const struct netev_flow *fl, bool has_flow)
{
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct cws_kev_process *owner = NULL;
	struct cws_kev_syscall *rec;
	struct dns_scratch *s;
	__u32 zero = 0;
	__u64 key;

	s = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!s)
		return NULL;
	rec = &s->rec;
	__builtin_memset(rec, 0,
			 __builtin_offsetof(struct cws_kev_syscall, data));
	rec->hdr.type = CWS_KEV_SYSCALL;
	rec->hdr.version = CWS_KEV_VERSION;
	rec->hdr.cpu = bpf_get_smp_processor_id();
	rec->hdr.timestamp = bpf_ktime_get_boot_ns();
	rec->event = (__u16)event;
	rec->args[0] = dir;
	rec->retval = (__s64)((__u64)skb->len | (__u64)skb->ifindex << 32);
	rec->flags = CWS_KEV_SYS_STR;
	if (dir == CWS_KEV_DIR_EGRESS) {
		key = (__u64)kskb->sk;
		owner = key ? bpf_map_lookup_elem(&dns_owners, &key) : NULL;
		if (owner && has_flow)
			bpf_map_update_elem(&netev_flows, fl, owner, BPF_ANY);
	} else if (has_flow) {
		struct netev_flow r = {
			.saddr = fl->daddr,
			.daddr = fl->saddr,
			.sport = fl->dport,
			.dport = fl->sport,
			.proto = fl->proto,
		};

		owner = bpf_map_lookup_elem(&netev_flows, &r);
	}
	if (owner)
		rec->proc = *owner;
	return s;
}

static __always_inline void netev_tc(struct __sk_buff *skb, __u32 dir)
{
	__u32 flags = netev_flags, imds = netev_imds_ip;
	struct netev_flow fl = {};
	bool has_flow = false;
	struct dns_scratch *s;
	__u8 ip[20], tcp[20];
	__u32 l4 = 0, off, n;

	if (skb->protocol == bpf_htons(DNS_ETH_P_IP) &&
	    !bpf_skb_load_bytes(skb, 14, ip, 20) && (ip[0] >> 4) == 4) {
		l4 = 14 + (ip[0] & 0x0f) * 4;
		if ((ip[9] == DNS_IPPROTO_TCP || ip[9] == DNS_IPPROTO_UDP) &&
		    !bpf_skb_load_bytes(skb, l4, tcp, 20)) {
			__builtin_memcpy(&fl.saddr, ip + 12, 4);
			__builtin_memcpy(&fl.daddr, ip + 16, 4);
			fl.sport = (__u16)(tcp[0] << 8 | tcp[1]);
			fl.dport = (__u16)(tcp[2] << 8 | tcp[3]);
			fl.proto = ip[9];
			has_flow = true;
		}
	}

	/* imds: TCP with a payload, to or from the metadata address. */
	if ((flags & CWS_KEV_NETEV_IMDS) && imds && has_flow &&
	    fl.proto == DNS_IPPROTO_TCP &&
	    (fl.saddr == imds || fl.daddr == imds)) {
		off = l4 + (tcp[12] >> 4) * 4;
		n = skb->len > off ? skb->len - off : 0;
		s = n ? netev_begin(skb, CWS_KEV_EVT_IMDS, dir, &fl, has_flow) :
			NULL;
		if (s) {
			/* [1, CWS_KEV_IMDS_MAX] in the register, for the
			 * verifier. */
			__u32 ln =
				((n > CWS_KEV_IMDS_MAX ? CWS_KEV_IMDS_MAX : n) -
				 1) &
				(CWS_KEV_IMDS_MAX - 1);

			ln += 1;
			barrier_var(ln);
			if (!bpf_skb_load_bytes(skb, off, s->rec.data, ln)) {
				s->rec.str_len = (__u16)ln;
				s->rec.args[1] = fl.sport |
						 (__u64)fl.dport << 16 |
						 (__u64)DNS_ETH_P_IP << 32;
				s->rec.args[2] = fl.saddr;
				s->rec.args[4] = fl.daddr;
				submit(&s->rec,
				       CLAMP(__builtin_offsetof(
						     struct cws_kev_syscall,
						     data) +
						     ln,
					     sizeof(s->rec)),
				       CWS_KEV_EVT_IMDS);
			}
		}
	}

	/* packet: the rules' filters on the first bytes. */
	if ((flags & CWS_KEV_NETEV_PACKET) && netev_nfilters && skb->len) {
		__u32 ln;

		s = netev_begin(skb, CWS_KEV_EVT_PACKET, dir, &fl, has_flow);
		if (!s)
			return;
		n = skb->len > CWS_KEV_PACKET_SNAPLEN ? CWS_KEV_PACKET_SNAPLEN :
							skb->len;
		ln = ((n - 1) & (CWS_KEV_PACKET_SNAPLEN - 1)) + 1;
		barrier_var(ln);
		if (bpf_skb_load_bytes(skb, 0, s->rec.data, ln))
			return;
		if (!netev_filter(ln, skb->len) || !netev_allow())
			return;
		s->rec.str_len = (__u16)ln;
		submit(&s->rec,
		       CLAMP(__builtin_offsetof(struct cws_kev_syscall, data) +
				     ln,
			     sizeof(s->rec)),
		       CWS_KEV_EVT_PACKET);
	}
}

SEC("tc")
int dns__tc_egress(struct __sk_buff *skb)
{
	__u32 flags = netev_flags;

	if (flags & (CWS_KEV_NETEV_IMDS | CWS_KEV_NETEV_PACKET))
		netev_tc(skb, CWS_KEV_DIR_EGRESS);
	if (flags & CWS_KEV_NETEV_DNS)
		dns_tc(skb, CWS_KEV_DIR_EGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int dns__tc_ingress(struct __sk_buff *skb)
{
	__u32 flags = netev_flags;

	if (flags & (CWS_KEV_NETEV_IMDS | CWS_KEV_NETEV_PACKET))
		netev_tc(skb, CWS_KEV_DIR_INGRESS);
	if (flags & CWS_KEV_NETEV_DNS_INGRESS)
		dns_tc(skb, CWS_KEV_DIR_INGRESS);
	return TC_ACT_UNSPEC;
}

#endif
