/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The classifier's cBPF interpreter (bpf/netev.bpf.h) against libpcap:
 * each filter is compiled with pcap_compile as packet.filter is, loaded
 * into the classifier's map, and the classifier is run on crafted
 * packets with BPF_PROG_TEST_RUN; a packet event must come out of the
 * ring buffer exactly when pcap_offline_filter accepts the same packet
 * (snaplen 256). Needs root and a BPF-capable kernel; skipped otherwise.
 */
#include "compat.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/time.h>

#include "../../bpf/cws_event.h"
#include "bpf/cws.skel.h"

/*
 * libpcap's API, declared here: <pcap/pcap.h> and libbpf's <linux/bpf.h>
 * both define struct bpf_insn. The layouts are libpcap's.
 */
typedef struct pcap pcap_t;
struct pcap_prog {
	unsigned bf_len;
	struct cws_kev_cbpf_insn *bf_insns;
};
struct pcap_hdr {
	struct timeval ts;
	uint32_t caplen;
	uint32_t len;
};
pcap_t *pcap_open_dead(int linktype, int snaplen);
int pcap_compile(pcap_t *p, struct pcap_prog *fp, const char *str, int optimize,
		 uint32_t netmask);
int pcap_offline_filter(const struct pcap_prog *fp, const struct pcap_hdr *h,
			const unsigned char *pkt);
void pcap_freecode(struct pcap_prog *fp);
char *pcap_geterr(pcap_t *p);
void pcap_close(pcap_t *p);
#define DLT_EN10MB 1
#define PCAP_NETMASK_UNKNOWN 0xffffffff

struct pkt {
	const char *name;
	uint8_t b[400];
	size_t len;
};

static struct pkt pkts[10];
static size_t npkts;

static size_t put(uint8_t *p, size_t off, const void *src, size_t n)
{
	memcpy(p + off, src, n);
	return off + n;
}

/* Ethernet + IPv4 (flags/frag as given) + TCP (doff 8) + payload. */
static void tcp4(const char *name, const void *pl, size_t n, uint16_t frag,
		 uint16_t dport)
{
	static const uint8_t eth[] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0
	};
	struct pkt *k = &pkts[npkts++];
	uint8_t ip[20] = { 0x45, 0, 0,	0, 0, 1, 0,  0, 64, 6,
			   0,	 0, 10, 0, 0, 1, 10, 0, 0,  2 };
	uint8_t tcp[32] = { 0x9c, 0x40, 0, 0, 0,    0,	  0, 1,
			    0,	  0,	0, 1, 0x80, 0x18, 2, 0 };
	size_t tot = 20 + 32 + n;

	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	k->name = name;
	k->len = put(k->b, 0, eth, sizeof(eth));
	k->len = put(k->b, k->len, ip, sizeof(ip));
	k->len = put(k->b, k->len, tcp, sizeof(tcp));
	k->len = put(k->b, k->len, pl, n);
}

static void more_pkts(void)
{
	static const uint8_t v6[] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86,
				      0xdd, 0x60, 0, 0, 0, 0, 24, 6, 64,
				      [22 + 15] = 1, [38 + 15] = 1,
				      /* tcp, doff 5 */
				      [54] = 0x9c, 0x40, 4, 0x38, [66] = 0x50,
				      0x18, 2, 0,
				      /* payload */
				      [74] = 5, 1, 0, 1 };
	static const uint8_t udp[] = { 2, 0,  0,    0,	  0, 2,	 2,    0,
				       0, 0,  0,    1,	  8, 0,	 0x45, 0,
				       0, 32, 0,    1,	  0, 0,	 64,   17,
				       0, 0,  10,   0,	  0, 1,	 10,   0,
				       0, 2,  0xc3, 0x50, 0, 53, 0,    12,
				       0, 0,  0xab, 0xcd, 1, 0 };
	static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 2,    0,    0,	   0,	 0,    1,
					 8,    6,    0,	   1,	 8,    0,
					 6,    4,    0,	   1 };
	struct pkt *k;

	k = &pkts[npkts++];
	k->name = "ipv6-socks5";
	k->len = put(k->b, 0, v6, sizeof(v6));
	k = &pkts[npkts++];
	k->name = "udp-dns";
	k->len = put(k->b, 0, udp, sizeof(udp));
	k = &pkts[npkts++];
	k->name = "arp";
	k->len = put(k->b, 0, arp, sizeof(arp));
}

static void make_pkts(void)
{
	static const uint8_t c4[] = { 5, 1, 0, 1, 10, 0, 0, 3, 0, 80 };
	static const uint8_t cd[] = { 5,   1,	0,   3,	  11,  'e',
				      'x', 'a', 'm', 'p', 'l', 'e',
				      '.', 'c', 'o', 'm', 0,   80 };
	static const uint8_t greet[] = { 5, 1, 0 };
	static const uint8_t tls[] = { 0x16, 3, 1, 0, 0x40, 1 };
	uint8_t big[300];

	memset(big, 0, sizeof(big));
	tcp4("socks5-ipv4", c4, sizeof(c4), 0x4000, 1080);
	tcp4("socks5-domain", cd, sizeof(cd), 0x4000, 1080);
	tcp4("socks5-greeting", greet, sizeof(greet), 0x4000, 1080);
	tcp4("fragment", c4, sizeof(c4), 0x2001, 1080);
	tcp4("tls-hello", tls, sizeof(tls), 0x4000, 443);
	tcp4("big", big, sizeof(big), 0x4000, 80);
	more_pkts();
}

static const char *const filters[] = {
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x05010001",
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x05010003",
	"tcp[((tcp[12] & 0xf0) >> 2):4] = 0x05010004",
	"tcp dst port 1080",
	"udp port 53 and udp[10:2] = 0x0100",
	"ip6 and tcp",
	"arp",
	"len > 280",
	"tcp[250:4] = 0",
	"ip[2:2] > 100 and tcp",
	"tcp[tcpflags] & tcp-push != 0",
	"ip host 10.0.0.1 or ip6 host ::1",
	"ether[0] & 1 = 1",
	"tcp[12] % 3 = 2",
	"ip[8] * 2 / 4 - 1 = 31",
	"tcp[13] ^ 0x18 = 0",
	"ip[0] << 1 > 0x80 and ip[0] >> 4 = 4",
	"len - 20 > 60",
	"tcp[((tcp[12] & 0xf0) >> 2)] = 0x16 and tcp[((tcp[12] & 0xf0) >> 2) + 1] = 3",
};

struct seen {
	unsigned n;
	const struct pkt *want;
	bool same;
};

static int on_record(void *ctx, void *data, size_t size)
{
	const struct cws_kev_syscall *k = data;
	struct seen *s = ctx;
	size_t cap = s->want->len < 256 ? s->want->len : 256;

	if (size < offsetof(struct cws_kev_syscall, data) ||
	    k->event != CWS_KEV_EVT_PACKET)
		return 0;
	s->n++;
	s->same = k->str_len == cap &&
		  size >= offsetof(struct cws_kev_syscall, data) + cap &&
		  !memcmp(k->data, s->want->b, cap);
	return 0;
}

static void test_interpreter_vs_libpcap(void **state)
{
	struct cws_kev_cbpf_prog prog;
	struct ring_buffer *rb;
	struct cws_bpf *skel;
	struct bpf_program *p;
	struct seen seen;
	pcap_t *pc;
	size_t f, i;
	unsigned agree = 0, accepted = 0;
	int fd, pfd;
	__u32 key = 0;

	(void)state;
	if (geteuid()) {
		print_message("# skipped: needs root\n");
		skip();
	}
	libbpf_set_print(NULL);
	skel = cws_bpf__open();
	assert_non_null(skel);
	bpf_object__for_each_program(p, skel->obj) bpf_program__set_autoload(
		p, !strncmp(bpf_program__name(p), "dns__tc_", 8));
	if (cws_bpf__load(skel)) {
		cws_bpf__destroy(skel);
		print_message("# skipped: the classifier does not load here\n");
		skip();
	}
	skel->data->netev_flags = CWS_KEV_NETEV_PACKET;
	skel->data->netev_pkt_rate = 1000000;
	fd = bpf_map__fd(skel->maps.netev_filters);
	pfd = bpf_program__fd(skel->progs.dns__tc_egress);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, &seen,
			      NULL);
	assert_non_null(rb);
	pc = pcap_open_dead(DLT_EN10MB, 256);
	assert_non_null(pc);
	make_pkts();
	for (f = 0; f < CWS_ARRAY_SIZE(filters); f++) {
		struct pcap_prog bp;

		if (pcap_compile(pc, &bp, filters[f], 1, PCAP_NETMASK_UNKNOWN))
			fail_msg("%s: %s", filters[f], pcap_geterr(pc));
		assert_true(bp.bf_len <= CWS_KEV_CBPF_INSNS);
		memset(&prog, 0, sizeof(prog));
		prog.len = bp.bf_len;
		memcpy(prog.insns, bp.bf_insns,
		       bp.bf_len * sizeof(prog.insns[0]));
		assert_int_equal(bpf_map_update_elem(fd, &key, &prog, BPF_ANY),
				 0);
		skel->bss->netev_nfilters = 1;
		for (i = 0; i < npkts; i++) {
			struct pcap_hdr h = {
				.caplen = (uint32_t)(pkts[i].len < 256 ?
							     pkts[i].len :
							     256),
				.len = (uint32_t)pkts[i].len
			};
			DECLARE_LIBBPF_OPTS(bpf_test_run_opts, t,
					    .data_in = pkts[i].b,
					    .data_size_in = (__u32)pkts[i].len,
					    .repeat = 1);
			bool want = pcap_offline_filter(&bp, &h, pkts[i].b) !=
				    0;

			memset(&seen, 0, sizeof(seen));
			seen.want = &pkts[i];
			assert_int_equal(bpf_prog_test_run_opts(pfd, &t), 0);
			ring_buffer__consume(rb);
			if (seen.n != (want ? 1u : 0u))
				fail_msg(
					"'%s' on %s: libpcap %s, the classifier %s",
					filters[f], pkts[i].name,
					want ? "accepts" : "rejects",
					seen.n ? "accepts" : "rejects");
			if (want && !seen.same)
				fail_msg(
					"'%s' on %s: the captured bytes differ",
					filters[f], pkts[i].name);
			agree++;
			accepted += want;
		}
		pcap_freecode(&bp);
	}
	/*
	 * Several filters at once, as the rules' are loaded: a packet is an
	 * event when any accepts it (the later ones run after the earlier
	 * ones rejected, with fresh registers).
	 */
	for (f = 0; f < CWS_KEV_CBPF_FILTERS && f < CWS_ARRAY_SIZE(filters);
	     f++) {
		struct pcap_prog bp;
		__u32 slot = (__u32)f;

		assert_int_equal(pcap_compile(pc, &bp, filters[f], 1,
					      PCAP_NETMASK_UNKNOWN),
				 0);
		memset(&prog, 0, sizeof(prog));
		prog.len = bp.bf_len;
		memcpy(prog.insns, bp.bf_insns,
		       bp.bf_len * sizeof(prog.insns[0]));
		assert_int_equal(bpf_map_update_elem(fd, &slot, &prog, BPF_ANY),
				 0);
		pcap_freecode(&bp);
	}
	for (i = 0; i < npkts; i++) {
		struct pcap_hdr h = { .caplen = (uint32_t)(pkts[i].len < 256 ?
								   pkts[i].len :
								   256),
				      .len = (uint32_t)pkts[i].len };
		DECLARE_LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkts[i].b,
				    .data_size_in = (__u32)pkts[i].len,
				    .repeat = 1);
		bool want = false;
		size_t n = 0;

		/* The first two filters, then all of them. */
		for (n = 2; n <= f; n = n == 2 ? f : f + 1) {
			size_t j;

			want = false;
			skel->bss->netev_nfilters = (__u32)n;
			for (j = 0; j < n; j++) {
				struct pcap_prog bp;

				assert_int_equal(
					pcap_compile(pc, &bp, filters[j], 1,
						     PCAP_NETMASK_UNKNOWN),
					0);
				want = want ||
				       pcap_offline_filter(&bp, &h, pkts[i].b);
				pcap_freecode(&bp);
			}
			memset(&seen, 0, sizeof(seen));
			seen.want = &pkts[i];
			assert_int_equal(bpf_prog_test_run_opts(pfd, &t), 0);
			ring_buffer__consume(rb);
			if (seen.n != (want ? 1u : 0u))
				fail_msg(
					"%zu filters on %s: libpcap %s, the classifier %s",
					n, pkts[i].name,
					want ? "accepts" : "rejects",
					seen.n ? "accepts" : "rejects");
			agree++;
		}
	}
	print_message("# %u verdicts agree, %u accepts\n", agree, accepted);
	/* Both verdicts were exercised. */
	assert_true(accepted > 10 && accepted < agree - 10);
	pcap_close(pc);
	ring_buffer__free(rb);
	cws_bpf__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpreter_vs_libpcap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
