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
	if (!grow(b, n))
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

/* Bytes that can be copied as they are inside a JSON string. */
static inline bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

void jb_str(struct jbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, k;
	char esc[8];

	/* Worst case 6 bytes per input byte (\u00XX); grow once. */
	if (!grow(b, n + 2))
		return;
	put1(b, '"');
	while (i < n && !b->err) {
		for (run = i; run < n && plain(s[run]); run++)
			;
		if (run > i) {
			jb_raw(b, str + i, run - i);
			i = run;
			continue;
		}
		if (s[i] >= 0x80) {
			k = utf8_seq(s + i, n - i);
			if (k) {
				jb_raw(b, str + i, k);
				i += k;
			} else {
				jb_raw(b, "\xef\xbf\xbd", 3);
				i++;
			}
			continue;
		}
		switch (s[i]) {
		case '"':
			jb_raw(b, "\\\"", 2);
			break;
		case '\\':
			jb_raw(b, "\\\\", 2);
			break;
		case '\n':
			jb_raw(b, "\\n", 2);
			break;
		case '\r':
			jb_raw(b, "\\r", 2);
			break;
		case '\t':
			jb_raw(b, "\\t", 2);
			break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 15];
			jb_raw(b, esc, 6);
		}
		i++;
	}
	put1(b, '"');
}

void jb_cstr(struct jbuf *b, const char *s)
{
	if (!s)
		s = "";
	jb_str(b, s, strlen(s));
}

void jb_u64(struct jbuf *b, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);

	jb_raw(b, tmp, (size_t)n);
}

void jb_i64(struct jbuf *b, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%lld", (long long)v);

	jb_raw(b, tmp, (size_t)n);
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

void jb_key(struct jbuf *b, const char *key)
{
	size_t n = strlen(key);

	comma(b);
	if (!grow(b, n + 3))
		return;
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

void jb_kstr(struct jbuf *b, const char *key, const char *s)
{
	if (!s || !*s)
		return;
	jb_key(b, key);
	jb_str(b, s, strlen(s));
}

void jb_ku64(struct jbuf *b, const char *key, uint64_t v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_u64(b, v);
}

void jb_ki64(struct jbuf *b, const char *key, int64_t v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_i64(b, v);
}

void jb_kbool(struct jbuf *b, const char *key, bool v)
{
	if (!v)
		return;
	jb_key(b, key);
	jb_puts(b, "true");
}

void jb_time(struct jbuf *b, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ull);
	unsigned frac = (unsigned)(ns % 1000000000ull);
	char tmp[64], digits[16];
	struct tm tm;
	size_t n, d;

	gmtime_r(&t, &tm);
	n = strftime(tmp, sizeof(tmp), "\"%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		d = (size_t)snprintf(digits, sizeof(digits), ".%09u", frac);
		while (digits[d - 1] == '0')
			d--;
		memcpy(tmp + n, digits, d);
		n += d;
	}
	memcpy(tmp + n, "Z\"", 2);
	jb_raw(b, tmp, n + 2);
}
