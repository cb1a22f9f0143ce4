/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A JSON text builder. jansson would build a tree per event and then
 * print it; cws-ship writes each message once, straight into the batch,
 * which is what makes a few hundred thousand events a second possible.
 * Output is always valid JSON: strings that are not UTF-8 get U+FFFD for
 * each bad byte, as Go's encoder (and so Datadog's agent) does.
 */
#include "compat.h"
#include "ship.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void jb_init(struct jbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void jb_release(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void jb_reset(struct jbuf *b)
{
	b->len = 0;
	b->err = 0;
}

/* Makes room for n more bytes; false (err set) when it cannot. */
static bool grow(struct jbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->err)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->err = -E2BIG;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->err = -ENOMEM;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jb_raw(struct jbuf *b, const char *s, size_t n)
{
	/* The usual case first: room, no error, far from the cap. */
	if (!(b->len + n + 1 <= b->cap && !b->err && b->len + n <= b->max) &&
	    !grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jb_puts(struct jbuf *b, const char *s)
{
	jb_raw(b, s, strlen(s));
}

static void put1(struct jbuf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Non-zero when a byte of x is zero (the classic bit trick). */
#define HAS_ZERO(x) (((x)-0x0101010101010101ull) & ~(x)&0x8080808080808080ull)
#define BYTES(c) (0x0101010101010101ull * (unsigned char)(c))

/*
 * Non-zero when one of the 8 bytes of w is not plain (below), with no
 * false alarm for a word of plain bytes: a control byte, a byte of
 * 0x80 or more, a quote or a backslash.
 */
static inline uint64_t not_plain8(uint64_t w)
{
	return ((w - BYTES(0x20)) | w |
		(HAS_ZERO(w ^ BYTES('"')) | HAS_ZERO(w ^ BYTES('\\')))) &
	       BYTES(0x80);
}

/* Bytes that can be copied as they are inside a JSON string. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * The hot loop of cws-ship: room for the worst case (6 bytes per input
 * byte, \u00XX) is made once, then bytes are written straight in.
 */
void jb_str(struct jbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, worst;
	char *o;

	if (__builtin_mul_overflow(n, 6, &worst) ||
	    __builtin_add_overflow(worst, 2, &worst) || !grow(b, worst)) {
		/* Maybe it fits unescaped: try the exact size instead. */
		if (b->err == -E2BIG && n + 2 <= b->max - b->len) {
			b->err = 0;
			if (!grow(b, n + 2))
				return;
			for (k = 0; k < n && plain(s[k]); k++)
				;
			if (k == n) {
				jb_raw(b, "\"", 1);
				jb_raw(b, str, n);
				jb_raw(b, "\"", 1);
				return;
			}
			b->err = -E2BIG;
		}
		return;
	}
	o = b->p + b->len;
	*o++ = '"';
	/* Eight plain bytes at a time while they last: most strings. */
	while (i + 8 <= n) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (not_plain8(w))
			break;
		memcpy(o, s + i, 8);
		o += 8;
		i += 8;
	}
	while (i < n) {
		if (plain(s[i])) {
			*o++ = (char)s[i++];
			continue;
		}
		if (s[i] >= 0x80) {
			k = utf8_seq(s + i, n - i);
			if (k) {
				memcpy(o, str + i, k);
				o += k;
				i += k;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			}
			continue;
		}
		*o++ = '\\';
		switch (s[i]) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\r':
			*o++ = 'r';
			break;
		case '\t':
			*o++ = 't';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[s[i] >> 4];
			o[4] = hex[s[i] & 15];
			o += 5;
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

/*
 * Writes s[0..n) at o with a backslash before each quote and backslash,
 * and returns the end; o has room for 2 n bytes.
 *
 * Eight bytes at a time: copied whole, then the output is cut after the
 * first quote or backslash among them, if any, which gets its backslash.
 * The lowest byte HAS_ZERO flags is exact (a false one can only follow a
 * true one), and JSON text has a quote every few bytes, so this goes from
 * quote to quote rather than byte by byte. Writing 8 bytes is safe: 8
 * bytes of input are left, so there is room for them.
 */
static char *esc_json(char *o, const char *s, size_t n)
{
	size_t i = 0;

	while (i + 8 <= n) {
		uint64_t w, q, k, m;
		unsigned j;

		memcpy(&w, s + i, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w); /* the first byte lowest */
#endif
		q = w ^ (0x0101010101010101ull * '"');
		k = w ^ (0x0101010101010101ull * '\\');
		memcpy(o, s + i, 8);
		m = HAS_ZERO(q) | HAS_ZERO(k);
		if (!m) {
			o += 8;
			i += 8;
			continue;
		}
		j = (unsigned)__builtin_ctzll(m) / 8;
		o += j;
		*o++ = '\\';
		*o++ = s[i + j];
		i += j + 1;
	}
	for (; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	return o;
}

size_t jb_json_escape(char *out, const char *s, size_t n)
{
	return (size_t)(esc_json(out, s, n) - out);
}

void jb_str_json(struct jbuf *b, const char *s, size_t n)
{
	jb_str_json_holes(b, s, n, NULL, 0);
}

void jb_str_json_hole(struct jbuf *b, const char *s, size_t n, size_t at,
		      size_t len, const char *esc, size_t esc_len)
{
	const struct jb_hole h = { at, len, esc, esc_len };

	jb_str_json_holes(b, s, n, &h, 1);
}

void jb_str_json_holes(struct jbuf *b, const char *s, size_t n,
		       const struct jb_hole *h, size_t nh)
{
	size_t worst = 2, k, i = 0;
	char *o;

	for (k = 0; k < nh; k++) {
		if (h[k].at < i || h[k].len > n - h[k].at ||
		    __builtin_add_overflow(worst, h[k].esc_len, &worst) ||
		    __builtin_add_overflow(worst, 2 * (h[k].at - i), &worst)) {
			nh = 0; /* not as documented: escape it all */
			worst = 2;
			i = 0;
			break;
		}
		i = h[k].at + h[k].len;
	}
	if (__builtin_add_overflow(worst, 2 * (n - i), &worst) ||
	    !grow(b, worst)) {
		if (b->err == -E2BIG) {
			b->err = 0;
			jb_str(b, s, n);
		}
		return;
	}
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0, k = 0; k < nh; k++) {
		o = esc_json(o, s + i, h[k].at - i);
		memcpy(o, h[k].esc, h[k].esc_len);
		o += h[k].esc_len;
		i = h[k].at + h[k].len;
	}
	o = esc_json(o, s + i, n - i);
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

void jb_cstr(struct jbuf *b, const char *s)
{
	if (!s)
		s = "";
	jb_str(b, s, strlen(s));
}

void jb_u64(struct jbuf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jb_raw(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jb_i64(struct jbuf *b, int64_t v)
{
	if (v < 0) {
		jb_raw(b, "-", 1);
		jb_u64(b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	jb_u64(b, (uint64_t)v);
}

void jb_open(struct jbuf *b, char c)
{
	put1(b, c);
}

void jb_close(struct jbuf *b, char c)
{
	put1(b, c);
}

/* A comma is needed unless the last byte opened a container or a key. */
static void comma(struct jbuf *b)
{
	char last;

	if (!b->len)
		return;
	last = b->p[b->len - 1];
	if (last != '{' && last != '[' && last != ':' && last != '\n')
		put1(b, ',');
}

void jb_keyn(struct jbuf *b, const char *key, size_t n)
{
	char last;

	/* One grow for the comma and the key: jb_key is called per member. */
	if (!(b->len + n + 5 <= b->cap && !b->err &&
	      b->len + n + 4 <= b->max) &&
	    !grow(b, n + 4))
		return;
	last = b->len ? b->p[b->len - 1] : '{';
	if (last != '{' && last != '[' && last != ':' && last != '\n')
		b->p[b->len++] = ',';
	b->p[b->len++] = '"';
	memcpy(b->p + b->len, key, n);
	b->len += n;
	b->p[b->len++] = '"';
	b->p[b->len++] = ':';
	b->p[b->len] = '\0';
}

void jb_sep(struct jbuf *b)
{
	comma(b);
}

/*
 * Every message has one or two times, mostly within the same second as
 * the one before: the formatted second is kept (one per thread that
 * formats: the main thread only).
 */
void jb_time(struct jbuf *b, uint64_t ns)
{
	static __thread time_t last = -1;
	static __thread char head[48];
	static __thread size_t hlen;
	time_t t = (time_t)(ns / 1000000000ull);
	unsigned frac = (unsigned)(ns % 1000000000ull);
	char tmp[64];
	struct tm tm;
	size_t n, d;
	int i;

	if (t != last) {
		gmtime_r(&t, &tm);
		hlen = strftime(head, sizeof(head), "\"%Y-%m-%dT%H:%M:%S", &tm);
		last = hlen ? t : -1;
	}
	memcpy(tmp, head, hlen);
	n = hlen;
	if (frac) {
		/* ".%09u" with the trailing zeros cut. */
		tmp[n] = '.';
		for (i = 9; i >= 1; i--) {
			tmp[n + (size_t)i] = (char)('0' + frac % 10);
			frac /= 10;
		}
		d = 10;
		while (tmp[n + d - 1] == '0')
			d--;
		n += d;
	}
	memcpy(tmp + n, "Z\"", 2);
	jb_raw(b, tmp, n + 2);
}
