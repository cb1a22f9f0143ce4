/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * packet.filter: the one SECL field whose value is a program. A rule
 * says `packet.filter == "<pcap-filter expression>"`; the expression is
 * compiled when the rule loads, with libpcap for Ethernet frames and a
 * snaplen of 256 bytes, as Datadog's agent compiles it, and a packet
 * event matches when the classic BPF program accepts the bytes the probe
 * captured (packet.data, hex) with the packet's length (network.size) as
 * its wire length. The field's value is "<length>:<hex>" for that. Any
 * other use of the field is the error Datadog gives.
 *
 * The ruleset also keeps each distinct expression with its program, so
 * that cws-probe, which loads the same policies, can hand the programs
 * to the kernel's classifier (cws_secl_ruleset_packet_filters).
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "secl_priv.h"

struct secl_pcap {
	struct secl_pcap *next;
	char *expr;
	struct bpf_program prog; /* bf_insns malloc'd */
};

static void prog_free(void *p)
{
	free(p);
}

/* One hex digit's value, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Remembers expr and its program in rs, once per distinct expression. */
static int remember(struct cws_secl_ruleset *rs, const struct sv *src,
		    const struct bpf_program *bp)
{
	struct secl_pcap *p;

	for (p = rs->pcap; p; p = p->next)
		if (strlen(p->expr) == src->n &&
		    !memcmp(p->expr, src->p, src->n))
			return 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->expr = strndup(src->p, src->n);
	p->prog.bf_len = bp->bf_len;
	p->prog.bf_insns =
		calloc(bp->bf_len ? bp->bf_len : 1, sizeof(*bp->bf_insns));
	if (!p->expr || !p->prog.bf_insns) {
		free(p->expr);
		free(p->prog.bf_insns);
		free(p);
		return -ENOMEM;
	}
	memcpy(p->prog.bf_insns, bp->bf_insns,
	       bp->bf_len * sizeof(*bp->bf_insns));
	p->next = rs->pcap;
	rs->pcap = p;
	return 0;
}

int secl_pcap_compile(struct cws_secl_ruleset *rs, struct smatch *m,
		      const char *field, struct cws_secl_err *err, uint32_t pos)
{
	struct bpf_program bp, *keep;
	char *expr;
	pcap_t *pc;
	int rc;

	expr = strndup(m->src.p, m->src.n);
	pc = pcap_open_dead(DLT_EN10MB, CWS_EVENT_PACKET_SNAPLEN);
	if (!expr || !pc) {
		free(expr);
		if (pc)
			pcap_close(pc);
		return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, pos,
				 "out of memory");
	}
	rc = pcap_compile(pc, &bp, expr, 1, PCAP_NETMASK_UNKNOWN);
	pcap_close(pc);
	free(expr);
	if (rc < 0)
		return secl_errf(
			err, -EINVAL, CWS_SECL_ERR_COMPILE, pos,
			"failed to compile packet filter `%.*s` on field `%s`",
			(int)m->src.n, m->src.p, field);
	/* The matcher's copy lives as long as the rule (the arena). */
	keep = arena_zalloc(&rs->arena, sizeof(*keep));
	if (keep)
		keep->bf_insns = malloc((bp.bf_len ? bp.bf_len : 1) *
					sizeof(*bp.bf_insns));
	if (!keep || !keep->bf_insns ||
	    arena_cleanup(&rs->arena, prog_free, keep->bf_insns) < 0) {
		if (keep)
			free(keep->bf_insns);
		goto out_nomem;
	}
	/* From here the arena frees keep->bf_insns, even on failure. */
	if (remember(rs, &m->src, &bp) < 0)
		goto out_nomem;
	keep->bf_len = bp.bf_len;
	memcpy(keep->bf_insns, bp.bf_insns, bp.bf_len * sizeof(*bp.bf_insns));
	pcap_freecode(&bp);
	m->re = keep;
	return 0;

out_nomem:
	pcap_freecode(&bp);
	return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, pos,
			 "out of memory");
}

bool secl_pcap_run(const struct smatch *m, const char *s, uint32_t n)
{
	unsigned char pkt[CWS_EVENT_PACKET_SNAPLEN];
	const char *hex = memchr(s, ':', n);
	uint32_t i, len, wire = 0;
	struct pcap_pkthdr h;

	if (!m->re || !hex)
		return false;
	/* The wire length first (what `len` reads), then the bytes. */
	for (i = 0; s + i < hex; i++) {
		if (s[i] < '0' || s[i] > '9' || wire > UINT32_MAX / 10 - 9)
			return false;
		wire = wire * 10 + (uint32_t)(s[i] - '0');
	}
	n -= (uint32_t)(hex + 1 - s);
	hex++;
	len = n / 2;
	if (!n || n % 2 || len > sizeof(pkt))
		return false;
	for (i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		pkt[i] = (unsigned char)(hi << 4 | lo);
	}
	memset(&h, 0, sizeof(h));
	h.caplen = len;
	h.len = wire > len ? wire : len;
	return pcap_offline_filter(m->re, &h, pkt) != 0;
}

void secl_pcap_release(struct cws_secl_ruleset *rs)
{
	struct secl_pcap *p, *next;

	for (p = rs->pcap; p; p = next) {
		next = p->next;
		free(p->expr);
		free(p->prog.bf_insns);
		free(p);
	}
	rs->pcap = NULL;
}

int cws_secl_ruleset_packet_filters(const struct cws_secl_ruleset *rs,
				    int (*fn)(void *arg, const char *expr,
					      const struct cws_secl_cbpf *insns,
					      unsigned n),
				    void *arg)
{
	const struct secl_pcap *p;
	int rc;

	_Static_assert(sizeof(struct cws_secl_cbpf) == sizeof(struct bpf_insn),
		       "struct cws_secl_cbpf is struct bpf_insn");
	for (p = rs ? rs->pcap : NULL; p; p = p->next) {
		rc = fn(arg, p->expr,
			(const struct cws_secl_cbpf *)p->prog.bf_insns,
			p->prog.bf_len);
		if (rc)
			return rc;
	}
	return 0;
}
