/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connect, bind and accept: what bpf/net.bpf.h puts in args[] moved into
 * the event's addr and protocol; dns, imds and packet: what the
 * classifiers (bpf/dns.bpf.h, bpf/netev.bpf.h) saw. Addresses are kept as 16 bytes, an IPv4
 * one v4-mapped (::ffff:a.b.c.d), as lib/secl compares them.
 */
#include "compat.h"

#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "probe.h"

void cws_emit_net_addr(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev)
{
	struct cws_netaddr *a = &ev->obj.addr;
	uint32_t v4 = (uint32_t)k->args[2];

	(void)e;
	memset(a, 0, sizeof(*a));
	a->family = (uint16_t)k->args[0];
	a->port = (uint16_t)k->args[1];
	if (a->family == AF_INET) {
		a->ip[10] = a->ip[11] = 0xff;
		memcpy(a->ip + 12, &v4, 4);
	} else if (a->family == AF_INET6) {
		memcpy(a->ip, &k->args[2], 8);
		memcpy(a->ip + 8, &k->args[3], 8);
	}
	ev->obj.protocol = (uint16_t)k->args[4];
}

static void netaddr(struct cws_netaddr *a, uint16_t family, const uint64_t *w,
		    uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	a->port = port;
	if (family == AF_INET) {
		a->ip[10] = a->ip[11] = 0xff;
		memcpy(a->ip + 12, w, 4);
	} else if (family == AF_INET6) {
		memcpy(a->ip, w, 16);
	}
}

/*
 * The network namespace of the classifiers' devices: the probe's own
 * (tc.c attaches in it only), as its inode number; 0 if unreadable.
 */
static uint32_t probe_netns(void)
{
	static uint32_t ino;
	static bool done;
	struct stat st;

	if (!done) {
		done = true;
		if (!stat("/proc/self/ns/net", &st))
			ino = (uint32_t)st.st_ino;
	}
	return ino;
}

/* A DNS query seen by the classifier (bpf/dns.bpf.h has the layout). */
void cws_emit_net_dns(struct cws_emit *e, const struct cws_kev_syscall *k,
		      struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	uint16_t l3 = (uint16_t)(k->args[1] >> 32);
	uint16_t family = l3 == 0x0800 ? AF_INET : l3 == 0x86DD ? AF_INET6 : 0;
	uint64_t src[2] = { k->args[2], k->args[3] };
	uint64_t dst[2] = { k->args[4], k->args[5] };
	unsigned ifindex = (unsigned)((uint64_t)k->retval >> 32);

	ev->evt.retval = 0;
	o->dns.id = (uint16_t)k->args[0];
	o->dns.type = (uint16_t)(k->args[0] >> 16);
	o->dns.qclass = (uint16_t)(k->args[0] >> 32);
	o->dns.count = (uint16_t)(k->args[0] >> 48);
	o->dns.size = (uint16_t)(k->args[1] >> 48);
	o->dns.name = e->sys.extra;
	netaddr(&o->net.source, family, src, (uint16_t)k->args[1]);
	netaddr(&o->net.destination, family, dst, (uint16_t)(k->args[1] >> 16));
	o->net.l3_protocol = l3;
	o->net.l4_protocol = 17; /* IPPROTO_UDP: the classifier's filter */
	o->net.size = (uint32_t)k->retval;
	o->net.ifindex = ifindex;
	o->net.netns = probe_netns();
	o->net.direction = k->flags & CWS_KEV_SYS_NET_INGRESS ?
				   CWS_KEV_DIR_INGRESS :
				   CWS_KEV_DIR_EGRESS;
	if (ifindex && if_indextoname(ifindex, e->sys.word))
		o->net.ifname = e->sys.word;
	o->dns.is_query = true; /* the classifier passes queries only */
}

/* The device of a classifier's record, its length and direction. */
static void net_common(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_evobj *o)
{
	unsigned ifindex = (unsigned)((uint64_t)k->retval >> 32);

	o->net.size = (uint32_t)k->retval;
	o->net.ifindex = ifindex;
	o->net.netns = probe_netns();
	o->net.direction = (uint16_t)k->args[0];
	if (ifindex && if_indextoname(ifindex, e->sys.word))
		o->net.ifname = e->sys.word;
}

/*
 * An imds event (bpf/netev.bpf.h): the HTTP message parsed (imds.c). A
 * payload that does not start an HTTP message (the rest of a long one)
 * is no event: its type is set to none, which cws_emit_put drops.
 */
void cws_emit_net_imds(struct cws_emit *e, const struct cws_kev_syscall *k,
		       struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;
	uint64_t src[2] = { k->args[2], 0 }, dst[2] = { k->args[4], 0 };

	ev->evt.retval = 0;
	if (cws_imds_parse(k->data, k->str_len, o, e->sys.join,
			   sizeof(e->sys.join))) {
		ev->evt.type = CWS_EVT_UNKNOWN;
		return;
	}
	netaddr(&o->net.source, AF_INET, src, (uint16_t)k->args[1]);
	netaddr(&o->net.destination, AF_INET, dst,
		(uint16_t)(k->args[1] >> 16));
	o->net.l3_protocol = 0x0800;
	o->net.l4_protocol = 6; /* IPPROTO_TCP: the classifier's filter */
	net_common(e, k, o);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * A packet event: the network context decoded from the captured bytes
 * (Ethernet, then IPv4 or IPv6, then TCP or UDP ports), the bytes in hex
 * for cws-filter's packet.filter, and the TLS record version when the
 * TCP payload starts with a TLS handshake record.
 */
void cws_emit_net_packet(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = (const uint8_t *)k->data;
	struct cws_evobj *o = &ev->obj;
	uint32_t n = k->str_len, l4 = 0, i;
	uint8_t proto = 0;
	uint64_t src[2], dst[2];

	ev->evt.retval = 0;
	if (n > CWS_KEV_PACKET_SNAPLEN)
		n = CWS_KEV_PACKET_SNAPLEN;
	for (i = 0; i < n; i++) {
		e->sys.join[2 * i] = hex[b[i] >> 4];
		e->sys.join[2 * i + 1] = hex[b[i] & 15];
	}
	e->sys.join[2 * n] = '\0';
	o->packet.data = e->sys.join;
	net_common(e, k, o);
	if (n >= 14 + 20 && be16(b + 12) == 0x0800 && (b[14] >> 4) == 4) {
		o->net.l3_protocol = 0x0800;
		proto = b[23];
		memcpy(src, b + 26, 4);
		memcpy(dst, b + 30, 4);
		l4 = 14 + (b[14] & 15) * 4u;
		netaddr(&o->net.source, AF_INET, src, 0);
		netaddr(&o->net.destination, AF_INET, dst, 0);
	} else if (n >= 14 + 40 && be16(b + 12) == 0x86DD) {
		o->net.l3_protocol = 0x86DD;
		proto = b[20];
		memcpy(src, b + 22, 16);
		memcpy(dst, b + 38, 16);
		l4 = 14 + 40;
		netaddr(&o->net.source, AF_INET6, src, 0);
		netaddr(&o->net.destination, AF_INET6, dst, 0);
	} else {
		return;
	}
	o->net.l4_protocol = proto;
	if ((proto == 6 || proto == 17) && l4 + 4 <= n) {
		o->net.source.port = be16(b + l4);
		o->net.destination.port = be16(b + l4 + 2);
	}
	if (proto == 6 && l4 + 13 <= n) {
		uint32_t pl = l4 + (b[l4 + 12] >> 4) * 4u;

		if (pl + 3 <= n && b[pl] == 0x16 && b[pl + 1] == 0x03)
			o->packet.tls_version = be16(b + pl + 1);
	}
}
