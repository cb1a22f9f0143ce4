/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The two file formats of the spool, kept apart from the file handling
 * so that the fuzzer can reach them (tests/fuzz/spool_fuzz.c).
 *
 * A batch file is one header line, then the request body exactly as it
 * is posted (compressed or not):
 *
 *	CWSSPOOL1 seq=12 count=1000 encoding=gzip raw=812345 crc=1a2b3c4d
 *	    id=<instance>-12\n<body>
 *
 * (one line). crc is the crc32 of the body as stored, so a file cut or
 * damaged on disk is recognised and dropped with a line, never posted.
 *
 * The journal of the batch being filled holds its uncompressed body as
 * it grows, one message per line:
 *
 *	CWSPART1 <seq>\n[\n<message>,\n<message>,\n...
 *
 * A message never holds a raw newline (JSON escapes it), so after a
 * crash every complete line is a whole message and a cut last line is
 * recognised.
 *
 * Each write of messages starts with a mark line naming the input they
 * were made from, still in cws-ship's input pipe (run.c, "Input"):
 *
 *	#in <bytes> <sum> <journal length once this write is done>\n
 *
 * A write cut short by a SIGKILL is recognised by its mark's length:
 * it and everything after it are left out, and the input is read again.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

int spool_hdr_format(const struct spool_hdr *h, char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 SPOOL_MAGIC " seq=%llu count=%u encoding=%s raw=%llu "
				     "crc=%08x id=%s\n",
			 (unsigned long long)h->seq, h->count, h->encoding,
			 (unsigned long long)h->raw_len, h->crc, h->id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

static bool parse_u64(const char *s, size_t n, int base, uint64_t max,
		      uint64_t *out)
{
	uint64_t v = 0, d;
	size_t i;

	if (!n || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = (uint64_t)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (uint64_t)(s[i] - 'a' + 10);
		else
			return false;
		if (v > (max - d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + d;
	}
	*out = v;
	return true;
}

static bool token_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || s[i] == '.'))
			return false;
	return n > 0;
}

int spool_hdr_parse(const char *data, size_t len, struct spool_hdr *h,
		    const char **why)
{
	const char *nl, *p, *end, *sp, *eq;
	unsigned seen = 0;
	uint64_t v;
	size_t n, m = sizeof(SPOOL_MAGIC) - 1;

	memset(h, 0, sizeof(*h));
	nl = memchr(data, '\n', len < SPOOL_HDR_MAX ? len : SPOOL_HDR_MAX);
	if (!nl) {
		*why = "a header line";
		return -EINVAL;
	}
	if ((size_t)(nl - data) < m + 1 || memcmp(data, SPOOL_MAGIC, m) ||
	    data[m] != ' ') {
		*why = "'" SPOOL_MAGIC "' at the start";
		return -EINVAL;
	}
	for (p = data + m + 1, end = nl; p < end; p = sp + 1) {
		sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			sp = end;
		eq = memchr(p, '=', (size_t)(sp - p));
		if (!eq) {
			*why = "key=value fields";
			return -EINVAL;
		}
		n = (size_t)(sp - eq - 1);
#define IS(k) \
	((size_t)(eq - p) == sizeof(k) - 1 && !memcmp(p, k, sizeof(k) - 1))
		if (IS("seq") && parse_u64(eq + 1, n, 10, UINT64_MAX, &v)) {
			h->seq = v;
			seen |= 1;
		} else if (IS("count") &&
			   parse_u64(eq + 1, n, 10, UINT32_MAX, &v)) {
			h->count = (uint32_t)v;
			seen |= 2;
		} else if (IS("encoding") && n < sizeof(h->encoding) &&
			   token_ok(eq + 1, n)) {
			memcpy(h->encoding, eq + 1, n);
			h->encoding[n] = '\0';
			seen |= 4;
		} else if (IS("raw") &&
			   parse_u64(eq + 1, n, 10, UINT64_MAX, &v)) {
			h->raw_len = v;
			seen |= 8;
		} else if (IS("crc") && n == 8 &&
			   parse_u64(eq + 1, n, 16, UINT32_MAX, &v)) {
			h->crc = (uint32_t)v;
			seen |= 16;
		} else if (IS("id") && n < sizeof(h->id) &&
			   token_ok(eq + 1, n)) {
			memcpy(h->id, eq + 1, n);
			h->id[n] = '\0';
			seen |= 32;
		} else {
			*why = "seq, count, encoding, raw, crc and id fields";
			return -EINVAL;
		}
#undef IS
	}
	if (seen != 63) {
		*why = "seq, count, encoding, raw, crc and id fields";
		return -EINVAL;
	}
	if (strcmp(h->encoding, "gzip") && strcmp(h->encoding, "zstd") &&
	    strcmp(h->encoding, "identity")) {
		*why = "encoding gzip, zstd or identity";
		return -EINVAL;
	}
	return (int)(nl - data + 1);
}

bool spool_body_ok(const struct spool_hdr *h, const char *body, size_t n)
{
	uLong crc = crc32(0L, Z_NULL, 0);
	size_t off = 0, chunk;

	/* crc32 takes a uInt length: feed large bodies in pieces. */
	while (off < n) {
		chunk = n - off > (1u << 30) ? (1u << 30) : n - off;
		crc = crc32(crc, (const Bytef *)body + off, (uInt)chunk);
		off += chunk;
	}
	return (uint32_t)crc == h->crc;
}

uint64_t spool_input_sum(const char *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0), a = adler32(0L, Z_NULL, 0);
	size_t off = 0, chunk;

	while (off < n) {
		chunk = n - off > (1u << 30) ? (1u << 30) : n - off;
		c = crc32(c, (const Bytef *)p + off, (uInt)chunk);
		a = adler32(a, (const Bytef *)p + off, (uInt)chunk);
		off += chunk;
	}
	return (uint64_t)(uint32_t)c << 32 | (uint32_t)a;
}

int spool_mark_format(char *buf, size_t len, const struct spool_mark *m,
		      uint64_t part_len, size_t msgs_len)
{
	uint64_t end = part_len + msgs_len;
	int n, i;

	/* The line's own length is in the end it names: a few tries. */
	for (i = 0; i < 4; i++) {
		n = snprintf(buf, len, "#in %llu %016llx %llu\n",
			     (unsigned long long)m->len,
			     (unsigned long long)m->sum,
			     (unsigned long long)end);
		if (n < 0 || (size_t)n >= len)
			return -ENAMETOOLONG;
		if (part_len + (uint64_t)n + msgs_len == end)
			return n;
		end = part_len + (uint64_t)n + msgs_len;
	}
	return -EINVAL;
}

/* Parses "#in <len> <sum> <end>" (without its newline). */
static bool mark_parse(const char *p, size_t n, struct spool_mark *m,
		       uint64_t *end)
{
	const char *a, *b;

	if (n < 4 || memcmp(p, "#in ", 4))
		return false;
	p += 4;
	n -= 4;
	a = memchr(p, ' ', n);
	if (!a)
		return false;
	b = memchr(a + 1, ' ', n - (size_t)(a + 1 - p));
	return b && parse_u64(p, (size_t)(a - p), 10, UINT64_MAX, &m->len) &&
	       b - a - 1 == 16 &&
	       parse_u64(a + 1, 16, 16, UINT64_MAX, &m->sum) &&
	       parse_u64(b + 1, n - (size_t)(b + 1 - p), 10, UINT64_MAX, end);
}

int spool_part_parse(char *data, size_t len, struct spool_part *out)
{
	size_t m = sizeof(PART_MAGIC) - 1, p, n, w;
	struct spool_mark mk;
	const char *nl;
	uint64_t v, end;

	memset(out, 0, sizeof(*out));
	nl = memchr(data, '\n', len < 64 ? len : 64);
	if (!nl || (size_t)(nl - data) <= m + 1 ||
	    memcmp(data, PART_MAGIC, m) || data[m] != ' ' ||
	    !parse_u64(data + m + 1, (size_t)(nl - data) - m - 1, 10,
		       UINT64_MAX, &v))
		return -EINVAL;
	out->seq = v;
	p = (size_t)(nl - data) + 1;
	if (len - p < 2 || memcmp(data + p, "[\n", 2))
		return -EINVAL;
	out->body_start = p;
	p += 2;
	w = p; /* where the next message goes, marks taken out */
	while (p < len) {
		nl = memchr(data + p, '\n', len - p);
		if (!nl)
			break; /* a message cut by the crash */
		n = (size_t)(nl - (data + p));
		if (data[p] == '#') {
			if (!mark_parse(data + p, n, &mk, &end))
				break;
			/*
			 * A write cut short by the crash: what it holds was
			 * not committed, the input has it again.
			 */
			if (end > len)
				break;
			out->mark = mk;
			out->has_mark = true;
			p += n + 1;
			continue;
		}
		if (n < 3 || data[p] != '{' || data[p + n - 2] != '}' ||
		    data[p + n - 1] != ',')
			break;
		memmove(data + w, data + p, n + 1);
		w += n + 1;
		p += n + 1;
		out->count++;
	}
	out->body_end = w;
	return 0;
}
