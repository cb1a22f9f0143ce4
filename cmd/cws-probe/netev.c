/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The classifiers' settings (bpf/netev.bpf.h): which of dns, imds and
 * packet they look for, the metadata address, the packet limiter, and
 * the packet filters. The filters are the classic BPF programs libpcap
 * compiled when the policies loaded (lib/secl_packet.c, the same
 * compilation cws-filter does), one per distinct packet.filter, written
 * into netev_filters; the count is set to 0 while the map changes, so
 * the classifier never runs a half-written program, only misses the
 * packets of that moment.
 */
#include "compat.h"

#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "policy.h"
#include "probe.h"
#include "secl.h"

#include "bpf/cws.skel.h"

struct push {
	int fd;
	unsigned n;
};

static int push_filter(void *arg, const char *expr,
		       const struct cws_secl_cbpf *insns, unsigned n)
{
	struct push *p = arg;
	struct cws_kev_cbpf_prog prog;
	__u32 key = p->n;
	unsigned i;

	if (p->n >= CWS_KEV_CBPF_FILTERS) {
		cws_warnx(
			"network: more than %u packet filters: '%s' is checked in user space only",
			CWS_KEV_CBPF_FILTERS, expr);
		return 0;
	}
	if (n > CWS_KEV_CBPF_INSNS) {
		cws_warnx(
			"network: packet filter '%s' has %u instructions, more than the classifier's %u: not in the kernel",
			expr, n, CWS_KEV_CBPF_INSNS);
		return 0;
	}
	memset(&prog, 0, sizeof(prog));
	prog.len = n;
	for (i = 0; i < n; i++) {
		prog.insns[i].code = insns[i].code;
		prog.insns[i].jt = insns[i].jt;
		prog.insns[i].jf = insns[i].jf;
		prog.insns[i].k = insns[i].k;
	}
	if (bpf_map_update_elem(p->fd, &key, &prog, BPF_ANY)) {
		cws_warnx("network: cannot load packet filter '%s': %s", expr,
			  strerror(errno));
		return 0;
	}
	cws_debug("network: packet filter %u: '%s' (%u instructions)", p->n,
		  expr, n);
	p->n++;
	return 0;
}

unsigned cws_netev_apply(struct cws_bpf *skel,
			 const struct cws_probe_opts *opts, uint64_t types,
			 const struct cws_policy *pol)
{
	struct push p = { bpf_map__fd(skel->maps.netev_filters), 0 };
	__u32 flags = 0;

	if (types & (1ull << CWS_EVT_DNS)) {
		flags |= CWS_KEV_NETEV_DNS;
		if (opts->tc_ingress)
			flags |= CWS_KEV_NETEV_DNS_INGRESS;
	}
	if ((types & (1ull << CWS_EVT_IMDS)) && opts->imds_ip)
		flags |= CWS_KEV_NETEV_IMDS;
	if ((types & (1ull << CWS_EVT_PACKET)) && opts->raw_packet)
		flags |= CWS_KEV_NETEV_PACKET;
	__atomic_store_n(&skel->bss->netev_nfilters, 0, __ATOMIC_SEQ_CST);
	if ((flags & CWS_KEV_NETEV_PACKET) && pol)
		cws_secl_ruleset_packet_filters(pol->rs, push_filter, &p);
	skel->bss->netev_imds_ip = opts->imds_ip;
	skel->data->netev_pkt_rate = opts->raw_packet_rate;
	__atomic_store_n(&skel->bss->netev_nfilters, p.n, __ATOMIC_SEQ_CST);
	__atomic_store_n(&skel->data->netev_flags, flags, __ATOMIC_SEQ_CST);
	return p.n;
}
