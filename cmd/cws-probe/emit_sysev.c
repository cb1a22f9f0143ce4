/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System events to stream records: setsockopt, prctl, cgroup_write and
 * selinux (bpf/sysev.bpf.h says what the kernel puts in each record),
 * called by emit_syscall.c after its generic part.
 *
 * An attached classic BPF filter is turned into what Datadog's rules
 * read: its disassembly as tcpdump -d prints it (libpcap's bpf_image, one
 * numbered line per instruction), the sha256 of its raw bytes (libcrypto)
 * and the constants it compares and loads. The written text of a cgroup
 * or selinuxfs write is parsed here, as the kernel parses it
 * (cws_sysev_parse_* in probe.h, unit-tested on their own).
 */
#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <pcap/pcap.h>

#include "probe.h"

#define PR_SET_NAME 15

/* Classic BPF opcode fields (linux/filter.h, pcap/bpf.h). */
#define CBPF_CLASS(c) ((c)&0x07)
#define CBPF_MODE(c) ((c)&0xe0)
#define CBPF_SRC(c) ((c)&0x08)
#define CBPF_OP(c) ((c)&0xf0)
#define CBPF_RVAL(c) ((c)&0x18)

/* The kernel's isspace (lib/ctype.c): Latin-1's no-break space is one. */
static bool kspace(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (unsigned char)c == 0xa0;
}

/*
 * Digits of base as the kernel's _parse_integer reads them: the value
 * wraps past 64 bits, and *of says it did. Returns how many were read.
 */
static size_t kdigits(const char *s, unsigned base, uint64_t *v, bool *of)
{
	size_t n;
	unsigned d;

	*v = 0;
	*of = false;
	for (n = 0;; n++) {
		if (s[n] >= '0' && s[n] <= '9')
			d = (unsigned)(s[n] - '0');
		else if ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'f')
			d = (unsigned)((s[n] | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (*v > (UINT64_MAX - d) / base)
			*of = true;
		*v = *v * base + d;
	}
	return n;
}

int cws_sysev_parse_pid(const char *text, size_t n, uint32_t *pid)
{
	char buf[CWS_KEV_WRITE_MAX], *s, *e;
	unsigned base = 10;
	bool neg = false, of;
	uint64_t v;
	size_t k;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	/*
	 * As cgroup_procs_write_start reads it: kstrtoint(strstrip(buf), 0),
	 * then pid >= 0. So white space around (the kernel's), a sign ("-0"
	 * is 0, the writer), a 0x or 0 prefix for hex or octal.
	 */
	e = buf + strlen(buf);
	while (e > buf && kspace(e[-1]))
		*--e = '\0';
	for (s = buf; kspace(*s); s++)
		;
	if (*s == '-') {
		neg = true;
		s++;
	} else if (*s == '+') {
		s++;
	}
	if (s[0] == '0')
		base = (s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2]) ?
			       16 :
			       8;
	if (base == 16)
		s += 2;
	k = kdigits(s, base, &v, &of);
	if (!k || of || s[k] || v > (neg ? 0 : INT32_MAX))
		return -EINVAL;
	*pid = (uint32_t)v;
	return 0;
}

int cws_sysev_parse_bool(const char *text, size_t n)
{
	char buf[CWS_KEV_WRITE_MAX], *s;
	uint64_t v;
	bool of;

	if (!n || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	/*
	 * selinuxfs reads an integer with sscanf(page, "%d") and tests it:
	 * the kernel's white space, a '-' (no '+'), decimal digits, anything
	 * after. simple_strntoll wraps and the int keeps the low 32 bits:
	 * "4294967296" is 0, as the kernel sees it.
	 */
	for (s = buf; kspace(*s); s++)
		;
	if (*s == '-')
		s++;
	if (!kdigits(s, 10, &v, &of))
		return -EINVAL;
	return (uint32_t)v != 0;
}

/* The K constants of a filter: those it loads, computes and compares. */
static uint32_t immediates(const struct bpf_insn *ins, uint32_t n, int64_t *out)
{
	uint32_t i, j, m = 0;

	for (i = 0; i < n; i++) {
		uint16_t c = ins[i].code;
		bool imm;

		switch (CBPF_CLASS(c)) {
		case BPF_LD:
		case BPF_LDX:
			imm = CBPF_MODE(c) == BPF_IMM;
			break;
		case BPF_ALU:
			imm = CBPF_SRC(c) == BPF_K && CBPF_OP(c) != BPF_NEG;
			break;
		case BPF_JMP:
			imm = CBPF_SRC(c) == BPF_K && CBPF_OP(c) != BPF_JA;
			break;
		case BPF_RET:
			imm = CBPF_RVAL(c) == BPF_K;
			break;
		default:
			imm = false;
		}
		if (!imm)
			continue;
		for (j = 0; j < m && out[j] != ins[i].k; j++)
			;
		if (j == m)
			out[m++] = ins[i].k;
	}
	return m;
}

int cws_sysev_filter(const void *raw, uint32_t n, struct cws_emit_sysev *out)
{
	struct bpf_insn ins[CWS_KEV_FILTER_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t len = 0;

	if (n > CWS_KEV_FILTER_MAX)
		return -EINVAL;
	memcpy(ins, raw, (size_t)n * sizeof(ins[0]));
	out->text[0] = '\0';
	for (i = 0; i < n; i++) {
		/* bpf_image's text, as tcpdump -d prints it: "(000) ldh [12]". */
		const char *line = bpf_image(&ins[i], (int)i);
		int w = snprintf(out->text + len, sizeof(out->text) - len,
				 "%s%s", i ? "\n" : "", line ? line : "");

		if (w < 0 || (size_t)w >= sizeof(out->text) - len)
			break;
		len += (size_t)w;
	}
	if (!EVP_Digest(raw, (size_t)n * 8, md, &mdlen, EVP_sha256(), NULL))
		return -EIO;
	for (i = 0; i < mdlen && 2 * i + 2 < sizeof(out->hash); i++)
		snprintf(out->hash + 2 * i, 3, "%02x", md[i]);
	out->nimm = immediates(ins, n, out->imm);
	return 0;
}

void cws_emit_sysev_setsockopt(struct cws_emit *e,
			       const struct cws_kev_syscall *k,
			       struct cws_event *ev)
{
	struct cws_emit_sysev *sv = &e->sysev;
	__typeof__(ev->obj.sockopt) *o = &ev->obj.sockopt;
	uint64_t f = k->args[5];

	o->level = (int32_t)k->args[0];
	o->optname = (int32_t)k->args[1];
	o->socket_type = (uint32_t)k->args[2];
	o->socket_family = (uint32_t)k->args[3];
	o->socket_protocol = (uint32_t)k->args[4];
	if (!(f & CWS_KEV_FILTER_READ) || !e->sys.extra || k->str_len % 8 != 0)
		return;
	o->has_filter = true;
	o->filter_len = (uint32_t)(f & 0xffff);
	o->is_filter_truncated = (f & CWS_KEV_FILTER_CUT) != 0;
	if (cws_sysev_filter(e->sys.extra, k->str_len / 8, sv))
		return;
	o->filter_instructions = sv->text;
	o->filter_hash = sv->hash;
	o->used_immediates.v = sv->imm;
	o->used_immediates.n = sv->nimm;
}

void cws_emit_sysev_prctl(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	ev->obj.prctl.option = (int32_t)k->args[0];
	if (ev->obj.prctl.option != PR_SET_NAME || !e->sys.extra)
		return;
	ev->obj.prctl.has_name = true;
	ev->obj.prctl.new_name = e->sys.extra;
	ev->obj.prctl.is_name_truncated = k->args[1] != 0;
}

void cws_emit_sysev_cgroup_write(struct cws_emit *e,
				 const struct cws_kev_syscall *k,
				 struct cws_event *ev)
{
	uint32_t pid;

	/* Text the kernel would refuse moves nothing: no pid to report. */
	if (!e->sys.extra ||
	    cws_sysev_parse_pid(e->sys.extra, k->str_len, &pid) < 0)
		return;
	/* 0 is the writer itself: its thread group (cgroup.procs). */
	ev->obj.cgroup_pid_known = true;
	ev->obj.cgroup_pid = pid ? pid : ev->process.pid;
}

const char *cws_sysev_selinux_state(int v)
{
	return v < 0 ? "error" : v ? "on" : "off";
}

void cws_emit_sysev_selinux(struct cws_emit *e, const struct cws_kev_syscall *k,
			    struct cws_event *ev)
{
	__typeof__(ev->obj.selinux) *o = &ev->obj.selinux;
	const struct cws_file *f = &ev->obj.file;
	bool boolean = false;
	int v = -EINVAL;
	size_t n;

	if (!f->name)
		return;
	if (e->sys.extra)
		v = cws_sysev_parse_bool(e->sys.extra, k->str_len);
	/* A boolean's file is in selinuxfs's booleans/ directory. */
	if (f->path) {
		n = strlen(f->path) - strlen(f->name);
		boolean = n >= 10 &&
			  !strncmp(f->path + n - 10, "/booleans/", 10);
	}
	if (boolean) {
		o->bool_name = f->name;
		o->bool_state = cws_sysev_selinux_state(v);
	} else if (!strcmp(f->name, "enforce")) {
		if (v >= 0)
			o->enforce_status = v ? "enforcing" : "permissive";
	} else if (!strcmp(f->name, "disable")) {
		/*
		 * Writing 0 disables nothing; the status is then the
		 * enforce file's, which this record does not carry.
		 */
		if (v > 0)
			o->enforce_status = "disabled";
	} else if (!strcmp(f->name, "commit_pending_bools")) {
		o->has_commit = true;
		o->commit_state = v > 0;
	}
}
