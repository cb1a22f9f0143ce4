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

int spool_part_parse(const char *data, size_t len, uint64_t *seq,
		     uint32_t *count, size_t *body_start, size_t *body_end)
{
	size_t m = sizeof(PART_MAGIC) - 1, p, n;
	const char *nl;
	uint64_t v;

	*count = 0;
	nl = memchr(data, '\n', len < 64 ? len : 64);
	if (!nl || (size_t)(nl - data) <= m + 1 ||
	    memcmp(data, PART_MAGIC, m) || data[m] != ' ' ||
	    !parse_u64(data + m + 1, (size_t)(nl - data) - m - 1, 10,
		       UINT64_MAX, &v))
		return -EINVAL;
	*seq = v;
	p = (size_t)(nl - data) + 1;
	if (len - p < 2 || memcmp(data + p, "[\n", 2))
		return -EINVAL;
	*body_start = p;
	p += 2;
	*body_end = p;
	while (p < len) {
		nl = memchr(data + p, '\n', len - p);
		if (!nl)
			break; /* a message cut by the crash */
		n = (size_t)(nl - (data + p));
		if (n < 3 || data[p] != '{' || data[p + n - 2] != '}' ||
		    data[p + n - 1] != ',')
			break;
		p += n + 1;
		*body_end = p;
		(*count)++;
	}
	return 0;
}
