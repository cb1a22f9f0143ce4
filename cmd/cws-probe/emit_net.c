/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connect, bind and accept: what bpf/net.bpf.h puts in args[] moved into
 * the event's addr and protocol. Addresses are kept as 16 bytes, an IPv4
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
 * The inode of the probe's network namespace, Datadog's device netns:
 * the classifier sits on the interfaces of that namespace only (tc.c).
 * 0 when it cannot be read.
 */
static uint32_t own_netns(void)
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
	if (ifindex && if_indextoname(ifindex, e->sys.word))
		o->net.ifname = e->sys.word;
	o->net.ifindex = ifindex;
	o->net.netns = own_netns();
	o->dns.is_query = true; /* the classifier passes queries only */
}
