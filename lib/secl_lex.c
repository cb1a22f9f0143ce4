/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL lexer. Datadog's lexer tries its productions in a fixed order at
 * each position and the first that matches wins: Comment, CIDR, IP,
 * Variable, Duration, Regexp, Ident, String, Pattern, Int, Punct,
 * Whitespace. We do the same, by hand, because the order is what gives
 * SECL its odd corners: `1+2` is the Int 1 then the Int +2 (a parse
 * error), `--3` is a Punct then the Int -3, `10s` is a Duration, strings
 * keep their backslashes (7.60 strips the quotes and does no escape
 * processing), and two-character operators are two Punct tokens.
 *
 * Deviations, all accepting less surprising input rather than more:
 * an Ident only takes a `[`...`]` when it holds an iterator name
 * (`process.ancestors[A].uid`), so `[SIGKILL, SIGTERM]` lexes as an array
 * of constants instead of an Ident "SIGTERM]"; `\r` is whitespace.
 *
 * The whole expression is tokenized up front (it is capped at
 * CWS_SECL_MAX_EXPR bytes) so that the parser can look ahead freely.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_punct(char c)
{
	return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
	       (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

static bool is_ident_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '.';
}

int secl_parse_cidr(const char *s, size_t n, struct cidr *c)
{
	char buf[64];
	const char *slash;
	size_t alen;
	unsigned long bits = 0;
	bool v4;
	size_t i;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = memchr(buf, '/', n);
	alen = slash ? (size_t)(slash - buf) : n;
	if (slash) {
		const char *d = slash + 1;

		if (!*d)
			return -EINVAL;
		for (; *d; d++) {
			if (!is_digit(*d))
				return -EINVAL;
			bits = bits * 10 + (unsigned long)(*d - '0');
			if (bits > 128)
				return -EINVAL;
		}
		buf[alen] = '\0';
	}
	memset(c, 0, sizeof(*c));
	v4 = !memchr(buf, ':', alen);
	if (v4) {
		struct in_addr a4;

		if (inet_pton(AF_INET, buf, &a4) != 1)
			return -EINVAL;
		c->a[10] = c->a[11] = 0xff;
		memcpy(&c->a[12], &a4, 4);
		if (slash && bits > 32)
			return -EINVAL;
		c->bits = (uint8_t)(slash ? 96 + bits : 128);
	} else {
		if (inet_pton(AF_INET6, buf, c->a) != 1)
			return -EINVAL;
		c->bits = (uint8_t)(slash ? bits : 128);
	}
	/* Keep networks canonical: host bits cleared. */
	for (i = c->bits; i < 128; i++)
		c->a[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	return 0;
}

/*
 * An IP or CIDR at s: the longest run of hex digits, dots and colons that
 * is an address (IPv4 needs three dots, IPv6 two colons, as Datadog's
 * EBNF), optionally followed by "/digits". Returns its length, 0 if none.
 */
static size_t scan_ip(const char *s, size_t n, bool *cidr)
{
	size_t i = 0, dots = 0, colons = 0, j;
	char buf[64];
	struct in6_addr a6;
	struct in_addr a4;

	while (i < n && (is_hex(s[i]) || s[i] == '.' || s[i] == ':')) {
		dots += s[i] == '.';
		colons += s[i] == ':';
		i++;
	}
	if (i == 0 || i >= sizeof(buf) || (dots != 3 && colons < 2))
		return 0;
	/* An IP must not run into an identifier (1.2.3.4abc). */
	if (i < n && (is_alpha(s[i]) || s[i] == '_'))
		return 0;
	memcpy(buf, s, i);
	buf[i] = '\0';
	if (colons >= 2) {
		if (inet_pton(AF_INET6, buf, &a6) != 1)
			return 0;
	} else {
		for (j = 0; j < i; j++)
			if (!is_digit(buf[j]) && buf[j] != '.')
				return 0;
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return 0;
	}
	*cidr = false;
	if (i + 1 < n && s[i] == '/' && is_digit(s[i + 1])) {
		j = i + 1;
		while (j < n && is_digit(s[j]))
			j++;
		*cidr = true;
		return j;
	}
	return i;
}

/* A duration at s: digits then ms, s, m, h or d. Returns its length. */
static size_t scan_duration(const char *s, size_t n, int64_t *ns,
			    bool *overflow)
{
	size_t i = 0, ulen;
	uint64_t v = 0, mul;

	*overflow = false;
	while (i < n && is_digit(s[i])) {
		if (v > (UINT64_MAX - 9) / 10)
			*overflow = true;
		else
			v = v * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 0 || i >= n)
		return 0;
	if (s[i] == 'm' && i + 1 < n && s[i + 1] == 's') {
		mul = 1000000ull;
		ulen = 2;
	} else if (s[i] == 's') {
		mul = 1000000000ull;
		ulen = 1;
	} else if (s[i] == 'm') {
		mul = 60ull * 1000000000ull;
		ulen = 1;
	} else if (s[i] == 'h') {
		mul = 3600ull * 1000000000ull;
		ulen = 1;
	} else if (s[i] == 'd') {
		mul = 86400ull * 1000000000ull;
		ulen = 1;
	} else {
		return 0;
	}
	if (v > (uint64_t)INT64_MAX / mul)
		*overflow = true;
	else
		*ns = (int64_t)(v * mul);
	return i + ulen;
}

/* A quoted body starting at the opening quote s[0]; length or 0. */
static size_t scan_quoted(const char *s, size_t n)
{
	size_t i = 1;

	while (i < n && s[i] != '"') {
		if (s[i] == '\\') {
			if (i + 1 >= n)
				return 0;
			i++;
		}
		i++;
	}
	return i < n ? i + 1 : 0;
}

/*
 * An identifier: letters, digits, '_', '.', and "[name]" iterator
 * brackets when they enclose letters, digits or '_' only.
 */
static size_t scan_ident(const char *s, size_t n)
{
	size_t i = 1, j;

	for (;;) {
		while (i < n && is_ident_char(s[i]))
			i++;
		if (i >= n || s[i] != '[')
			break;
		j = i + 1;
		while (j < n &&
		       (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '_'))
			j++;
		if (j == i + 1 || j >= n || s[j] != ']')
			break;
		i = j + 1;
	}
	return i;
}

static int push(struct tok **toks, size_t *n, size_t *cap, const struct tok *t)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct tok *nt = realloc(*toks, ncap * sizeof(**toks));

		if (!nt)
			return -ENOMEM;
		*toks = nt;
		*cap = ncap;
	}
	(*toks)[(*n)++] = *t;
	return 0;
}

static int lex_error(struct cws_secl_err *err, size_t pos, const char *what)
{
	return secl_errf(err, -EINVAL, CWS_SECL_ERR_SYNTAX, (uint32_t)pos, "%s",
			 what);
}

int secl_lex(const char *src, size_t n, struct tok **toks, size_t *ntoks,
	     struct cws_secl_err *err)
{
	struct tok *out = NULL;
	size_t nout = 0, cap = 0, i = 0;
	int ret;

	if (n > CWS_SECL_MAX_EXPR)
		return secl_errf(err, -E2BIG, CWS_SECL_ERR_LIMIT, 0,
				 "expression longer than %u bytes",
				 CWS_SECL_MAX_EXPR);
	while (i < n) {
		const char *s = src + i;
		size_t left = n - i, len;
		struct tok t;
		bool cidr, ovf;
		char c = s[0];

		memset(&t, 0, sizeof(t));
		t.pos = (uint32_t)i;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (c == '#' || (c == '/' && left > 1 && s[1] == '/')) {
			while (i < n && src[i] != '\n')
				i++;
			continue;
		}
		if ((len = scan_ip(s, left, &cidr))) {
			t.type = cidr ? TK_CIDR : TK_IP;
			if (secl_parse_cidr(s, len, &t.ip) < 0) {
				ret = lex_error(err, i, "invalid CIDR");
				goto out_free;
			}
		} else if (c == '$' && left > 1 && s[1] == '{') {
			len = 2;
			if (len < left && (is_alpha(s[len]) || s[len] == '_'))
				while (len < left && (is_ident_char(s[len])))
					len++;
			if (len == 2 || len >= left || s[len] != '}') {
				ret = lex_error(err, i, "invalid variable");
				goto out_free;
			}
			len++;
			t.type = TK_VAR;
			t.vpos = (uint32_t)(i + 2);
			t.vlen = (uint32_t)(len - 3);
		} else if ((len = scan_duration(s, left, &t.i, &ovf))) {
			if (ovf) {
				ret = lex_error(err, i, "invalid duration");
				goto out_free;
			}
			t.type = TK_DURATION;
		} else if (c == 'r' && left > 1 && s[1] == '"') {
			len = scan_quoted(s + 1, left - 1);
			if (!len) {
				ret = lex_error(err, i, "unterminated regexp");
				goto out_free;
			}
			len++;
			t.type = TK_REGEX;
			t.vpos = (uint32_t)(i + 2);
			t.vlen = (uint32_t)(len - 3);
		} else if (is_alpha(c) || c == '_') {
			len = scan_ident(s, left);
			t.type = TK_IDENT;
			t.vpos = (uint32_t)i;
			t.vlen = (uint32_t)len;
		} else if (c == '"') {
			len = scan_quoted(s, left);
			if (!len) {
				ret = lex_error(err, i, "unterminated string");
				goto out_free;
			}
			t.type = TK_STRING;
			t.vpos = (uint32_t)(i + 1);
			t.vlen = (uint32_t)(len - 2);
		} else if (c == '~' && left > 1 && s[1] == '"') {
			len = scan_quoted(s + 1, left - 1);
			if (!len) {
				ret = lex_error(err, i, "unterminated pattern");
				goto out_free;
			}
			len++;
			t.type = TK_PATTERN;
			t.vpos = (uint32_t)(i + 2);
			t.vlen = (uint32_t)(len - 3);
		} else if (is_digit(c) || ((c == '-' || c == '+') && left > 1 &&
					   is_digit(s[1]))) {
			uint64_t v = 0, lim;
			bool neg = c == '-';

			len = (c == '-' || c == '+') ? 1 : 0;
			/* -9223372036854775808 is an int, its positive is not. */
			lim = neg ? (uint64_t)INT64_MAX + 1 :
				    (uint64_t)INT64_MAX;
			while (len < left && is_digit(s[len])) {
				uint64_t d = (uint64_t)(s[len] - '0');

				if (v > (lim - d) / 10) {
					ret = lex_error(err, i,
							"integer out of range");
					goto out_free;
				}
				v = v * 10 + d;
				len++;
			}
			t.type = TK_INT;
			t.i = neg ? (int64_t)(0 - v) : (int64_t)v;
		} else if (is_punct(c)) {
			len = 1;
			t.type = TK_PUNCT;
			t.punct = c;
		} else {
			ret = lex_error(err, i, "invalid character");
			goto out_free;
		}
		t.len = (uint32_t)len;
		ret = push(&out, &nout, &cap, &t);
		if (ret < 0)
			goto out_nomem;
		i += len;
	}
	{
		struct tok eof;

		memset(&eof, 0, sizeof(eof));
		eof.type = TK_EOF;
		eof.pos = (uint32_t)n;
		ret = push(&out, &nout, &cap, &eof);
		if (ret < 0)
			goto out_nomem;
	}
	*toks = out;
	*ntoks = nout;
	return 0;

out_nomem:
	ret = secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0, "out of memory");
out_free:
	free(out);
	return ret;
}
