/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for what cws-probe makes of bytes a process hands the
 * kernel in its system events (cmd/cws-probe/emit_sysev.c):
 *
 *  - the text written to a cgroup's cgroup.procs or tasks, and to a
 *    selinuxfs file (enforce, a boolean): what cws reports must be what
 *    the kernel does with the same bytes. The kernel's parsers are
 *    transcribed below as the oracle: cgroup_procs_write_start's
 *    kstrtoint(strstrip(buf), 0) and selinuxfs's sscanf(page, "%d").
 *  - a classic BPF program attached with SO_ATTACH_FILTER: disassembly,
 *    hash and constants of any instructions.
 *
 * The first byte picks which; the text is cut where the probe cuts it.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cws-probe/emit_sysev.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lib/ctype.c: Latin-1's no-break space is a space too. */
static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static int k_digit(unsigned char c, unsigned base)
{
	unsigned v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		v = (c | 0x20) - 'a' + 10;
	else
		return -1;
	return v < base ? (int)v : -1;
}

/* lib/kstrtox.c: _parse_integer_fixup_radix and _parse_integer. */
static const char *k_radix(const char *s, unsigned *base)
{
	if (*base == 0) {
		if (s[0] == '0') {
			if ((s[1] | 0x20) == 'x' && k_digit(s[2], 16) >= 0)
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	return s;
}

static size_t k_parse(const char *s, unsigned base, uint64_t *res,
		      bool *overflow)
{
	size_t n = 0;
	int d;

	*res = 0;
	*overflow = false;
	while ((d = k_digit((unsigned char)s[n], base)) >= 0) {
		if (*res > (UINT64_MAX - (uint64_t)d) / base)
			*overflow = true;
		*res = *res * base + (uint64_t)d;
		n++;
	}
	return n;
}

/* kstrtoull after the sign: digits, one '\n', the end. */
static int k_strtoull(const char *s, uint64_t *res)
{
	unsigned base = 0;
	bool of;
	size_t n;

	s = k_radix(s, &base);
	n = k_parse(s, base, res, &of);
	if (of)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	return *s ? -EINVAL : 0;
}

/* cgroup_procs_write_start: the pid, or -1 for what it refuses. */
static int64_t kernel_pid(const char *text, size_t n)
{
	char buf[64], *s, *e;
	uint64_t u;

	memcpy(buf, text, n);
	buf[n] = '\0';
	/* strstrip: the string ends at its first NUL. */
	e = buf + strlen(buf);
	while (e > buf && k_isspace((unsigned char)e[-1]))
		*--e = '\0';
	for (s = buf; k_isspace((unsigned char)*s); s++)
		;
	if (*s == '-') {
		/* Only -0 is a pid that is not negative. */
		if (k_strtoull(s + 1, &u) || u)
			return -1;
		return 0;
	}
	if (*s == '+')
		s++;
	if (k_strtoull(s, &u) || u > INT32_MAX)
		return -1;
	return (int64_t)u;
}

/*
 * sel_write_enforce, sel_write_bool: sscanf(page, "%d", &v) != 1 is an
 * error, else v != 0. vsscanf skips spaces, takes a '-' (not a '+')
 * before a digit, and simple_strntoll wraps: only the low 32 bits of the
 * value reach the int.
 */
static int kernel_bool(const char *text, size_t n)
{
	char buf[64], *s;
	uint64_t u;
	bool of;

	memcpy(buf, text, n);
	buf[n] = '\0';
	for (s = buf; k_isspace((unsigned char)*s); s++)
		;
	if (*s == '-')
		s++;
	if (!k_parse(s, 10, &u, &of))
		return -EINVAL;
	return (uint32_t)u != 0;
}

static void texts(const char *text, size_t n)
{
	uint32_t pid = 0xdeadbeef;
	int64_t want;
	int got;

	if (!n || n >= CWS_KEV_WRITE_MAX)
		return;
	want = kernel_pid(text, n);
	got = cws_sysev_parse_pid(text, n, &pid);
	if ((got == 0) != (want >= 0) || (!got && pid != (uint64_t)want))
		abort();
	if (cws_sysev_parse_bool(text, n) != kernel_bool(text, n))
		abort();
}

static void filter(const uint8_t *raw, size_t size)
{
	static struct cws_emit_sysev out;
	uint32_t n = (uint32_t)(size / 8), i;

	if (n > CWS_KEV_FILTER_MAX)
		n = CWS_KEV_FILTER_MAX;
	if (cws_sysev_filter(raw, n, &out))
		return;
	if (!memchr(out.text, '\0', sizeof(out.text)) ||
	    strlen(out.hash) != 64 || out.nimm > n)
		abort();
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", out.hash[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		filter(data + 1, size - 1);
	else
		texts((const char *)data + 1, size - 1);
	return 0;
}
