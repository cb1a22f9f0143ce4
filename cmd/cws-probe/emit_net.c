/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * connect, bind and accept: what bpf/net.bpf.h puts in args[] moved into
 * the event's addr and protocol. Addresses are kept as 16 bytes, an IPv4
 * one v4-mapped (::ffff:a.b.c.d), as lib/secl compares them.
 */
#include "compat.h"

#include <string.h>
#include <sys/socket.h>

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
