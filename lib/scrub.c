/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The scrubber in two passes. The first replaces the registered literal
 * secrets, so that the second cannot split one across two of its own
 * replacements. The second walks the text once, left to right, keeping
 * only what a line-based reader of YAML needs: where the current line's
 * first token starts, and whether the lines being read sit under a
 * secret key (a nested map, a list or a block scalar), in which case
 * every value in them is masked until the indentation comes back.
 *
 * At each position it tries, in order: a PEM private key block, a URL
 * with a password, a quoted key, a bare token (which may be a key, the
 * word Bearer, or an API key of 32 or 40 hex digits); anything else is
 * copied. A token that turns out not to be a key is copied with its hex
 * words checked, and the scan goes on right after it, so that its value
 * still meets every other rule.
 *
 * When in doubt the scrubber masks more: an unterminated quoted value is
 * masked to the end of its line, an unbalanced JSON object or array under
 * a secret key to the end of the text, and an unterminated private key
 * to the end of the text.
 */
#include "compat.h"
#include "scrub.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKEN 256 /* longer runs of key characters are not keys */
#define MAX_NEST (1u << 20) /* bytes scanned for the end of a JSON value */
#define MAX_PEM_LABEL 80

struct secret {
	char *value;
	size_t len;
	bool keep_last;
};

struct cws_scrub {
	char **names;
	size_t nnames;
	struct secret *secrets;
	size_t nsecrets;
};

/* Words that make a key name secret (see scrub.h), and exceptions. */
static const char *const secret_words[] = {
	"secret",     "secrets",     "token",	      "tokens",	   "password",
	"passwd",     "pass",	     "pwd",	      "pswd",	   "passphrase",
	"key",	      "apikey",	     "appkey",	      "authkey",   "privkey",
	"credential", "credentials", "authorization", "community",
};

static const char *const exempt_last[] = {
	"file", "path", "dir", "enabled", "files", "paths", "dirs", "filename",
};

/* Values that cannot hold a secret and say something when shown. */
static const char *const plain_values[] = { "true", "false", "null", "~" };

struct cws_scrub *cws_scrub_new(void)
{
	return calloc(1, sizeof(struct cws_scrub));
}

void cws_scrub_free(struct cws_scrub *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nnames; i++)
		free(s->names[i]);
	free(s->names);
	for (i = 0; i < s->nsecrets; i++)
		free(s->secrets[i].value);
	free(s->secrets);
	free(s);
}

int cws_scrub_add_key(struct cws_scrub *s, const char *name)
{
	char **names, *copy;

	if (!name || !*name)
		return -EINVAL;
	if (s->nnames >= CWS_SCRUB_MAX_NAMES)
		return -E2BIG;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	names = realloc(s->names, (s->nnames + 1) * sizeof(*names));
	if (!names) {
		free(copy);
		return -ENOMEM;
	}
	s->names = names;
	s->names[s->nnames++] = copy;
	return 0;
}

int cws_scrub_add_secret(struct cws_scrub *s, const char *value, bool keep_last)
{
	struct secret *v;
	size_t i, len = value ? strlen(value) : 0;

	if (len < CWS_SCRUB_MIN_SECRET)
		return 0;
	for (i = 0; i < s->nsecrets; i++)
		if (!strcmp(s->secrets[i].value, value))
			return 0;
	if (s->nsecrets >= CWS_SCRUB_MAX_SECRETS)
		return -E2BIG;
	v = realloc(s->secrets, (s->nsecrets + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->secrets = v;
	v = &s->secrets[s->nsecrets];
	v->value = strdup(value);
	if (!v->value)
		return -ENOMEM;
	v->len = len;
	v->keep_last = keep_last;
	s->nsecrets++;
	return 0;
}

/* --- Names ------------------------------------------------------------- */

static bool is_word_char(unsigned char c)
{
	return isalnum(c) || c == '_';
}

static bool is_key_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static bool in_list(const char *w, size_t n, const char *const *list,
		    size_t nlist)
{
	size_t i;

	for (i = 0; i < nlist; i++)
		if (strlen(list[i]) == n && !strncasecmp(list[i], w, n))
			return true;
	return false;
}

/* The last dotted part of name[0..len). */
static const char *last_part(const char *name, size_t *len)
{
	const char *p = name, *dot;

	while ((dot = memchr(p, '.', *len - (size_t)(p - name))) != NULL)
		p = dot + 1;
	*len -= (size_t)(p - name);
	return p;
}

/* Datadog's hinted keys: 1 for an API key name, 2 for an app key's. */
static int key_kind(const char *name, size_t len)
{
	static const char *const api[] = { "api_key", "apikey", "api-key" };
	static const char *const app[] = { "app_key", "appkey", "app-key",
					   "application_key",
					   "application-key" };
	size_t i, m;

	name = last_part(name, &len);
	for (i = 0; i < CWS_ARRAY_SIZE(api); i++) {
		m = strlen(api[i]);
		if (len >= m && !strncasecmp(name + len - m, api[i], m))
			return 1;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(app); i++) {
		m = strlen(app[i]);
		if (len >= m && !strncasecmp(name + len - m, app[i], m))
			return 2;
	}
	return 0;
}

static bool name_is_secret(const struct cws_scrub *s, const char *name,
			   size_t len)
{
	size_t i, w, n, last_w = 0, last_n = 0;
	bool hit = false;

	name = last_part(name, &len);
	for (i = 0; s && i < s->nnames; i++)
		if (strlen(s->names[i]) == len &&
		    !strncasecmp(s->names[i], name, len))
			return true;
	/* Words: split on '_', '-' and a lower case letter before an upper. */
	for (i = 0; i < len;) {
		while (i < len && (name[i] == '_' || name[i] == '-'))
			i++;
		w = i;
		while (i < len && name[i] != '_' && name[i] != '-') {
			i++;
			if (i < len && islower((unsigned char)name[i - 1]) &&
			    isupper((unsigned char)name[i]))
				break;
		}
		n = i - w;
		/* password2, key_1: trailing digits are not part of the word. */
		while (n && isdigit((unsigned char)name[w + n - 1]))
			n--;
		if (!n)
			continue;
		if (in_list(name + w, n, secret_words,
			    CWS_ARRAY_SIZE(secret_words)))
			hit = true;
		last_w = w;
		last_n = n;
	}
	return hit && !in_list(name + last_w, last_n, exempt_last,
			       CWS_ARRAY_SIZE(exempt_last));
}

bool cws_scrub_key_is_secret(const struct cws_scrub *s, const char *name)
{
	return name && name_is_secret(s, name, strlen(name));
}

/* --- Output ------------------------------------------------------------ */

struct obuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct obuf *o, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		cap = o->cap ? o->cap : 256;
		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct obuf *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_stars(struct obuf *o, size_t n)
{
	static const char stars[] = "***********************************";

	while (n) {
		size_t k = n < sizeof(stars) - 1 ? n : sizeof(stars) - 1;

		put(o, stars, k);
		n -= k;
	}
}

/* A key shown Datadog's way: stars, then the last 5 characters. */
static void put_tail(struct obuf *o, const char *v, size_t n, size_t stars)
{
	if (n <= 5) {
		puts_(o, CWS_SCRUB_MASK);
		return;
	}
	put_stars(o, stars);
	put(o, v + n - 5, 5);
}

const char *cws_scrub_key_tail(const char *value, char *buf, size_t len)
{
	struct obuf o = { 0 };

	if (!len)
		return buf;
	put_tail(&o, value, strlen(value), 27);
	snprintf(buf, len, "%s", o.oom ? CWS_SCRUB_MASK : o.p);
	free(o.p);
	return buf;
}

/* --- Pass 1: literal secrets -------------------------------------------- */

static void replace_literals(const struct cws_scrub *s, const char *in,
			     size_t n, struct obuf *o)
{
	uint8_t first[256] = { 0 };
	size_t i = 0, k;

	for (k = 0; k < s->nsecrets; k++)
		first[(unsigned char)s->secrets[k].value[0]] = 1;
	while (i < n) {
		const struct secret *hit = NULL;

		if (first[(unsigned char)in[i]])
			for (k = 0; k < s->nsecrets && !hit; k++)
				if (s->secrets[k].len <= n - i &&
				    !memcmp(in + i, s->secrets[k].value,
					    s->secrets[k].len))
					hit = &s->secrets[k];
		if (!hit) {
			put(o, in + i, 1);
			i++;
			continue;
		}
		if (hit->keep_last)
			put_tail(o, hit->value, hit->len, 27);
		else
			puts_(o, CWS_SCRUB_MASK);
		i += hit->len;
	}
}

/* --- Pass 2: structure ---------------------------------------------------- */

struct scan {
	const struct cws_scrub *s;
	const char *b;
	size_t n;
	struct obuf *o;
	size_t first; /* where the current line's first token starts */
	bool block; /* lines under a secret YAML key */
	bool block_scalar; /* ... that is a block scalar (| or >) */
	size_t block_col; /* the key's column */
	/*
	 * The last line end found, from eol_from on, and the last line start,
	 * for column at col_at: the scan asks for both at positions that only
	 * grow, and searching from there instead of from scratch keeps a
	 * line with many keys linear (a 500 KB line of "token": "x" took
	 * seconds, a 64 MB one would have taken a day).
	 */
	size_t eol_from, eol_at;
	size_t col_at, line_at;
};

static size_t eol(struct scan *sc, size_t i)
{
	const char *nl;

	if (i >= sc->eol_from && i <= sc->eol_at && sc->eol_at)
		return sc->eol_at;
	nl = memchr(sc->b + i, '\n', sc->n - i);
	sc->eol_from = i;
	sc->eol_at = nl ? (size_t)(nl - sc->b) : sc->n;
	return sc->eol_at;
}

/* End of a line's content: before "\r\n" or "\n". */
static size_t content_end(struct scan *sc, size_t i)
{
	size_t e = eol(sc, i);

	if (e > i && sc->b[e - 1] == '\r')
		e--;
	return e;
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Skips indentation and YAML "- " list markers; returns the column. */
static size_t line_content(const struct scan *sc, size_t i, size_t *indent)
{
	size_t start = i;

	while (i < sc->n && is_blank(sc->b[i]))
		i++;
	if (indent)
		*indent = i - start;
	while (i + 1 < sc->n && sc->b[i] == '-' && is_blank(sc->b[i + 1])) {
		i += 2;
		while (i < sc->n && is_blank(sc->b[i]))
			i++;
	}
	return i;
}

static bool is_plain_value(const char *v, size_t n)
{
	return !n || in_list(v, n, plain_values, CWS_ARRAY_SIZE(plain_values));
}

static bool all_alnum(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]))
			return false;
	return true;
}

/* "***...bcdef" or "********": scrubbed already, by us or by Datadog. */
static bool is_masked(const char *v, size_t n)
{
	size_t stars = 0;

	while (stars < n && v[stars] == '*')
		stars++;
	return stars >= 8 && n - stars <= 5 && all_alnum(v + stars, n - stars);
}

/* Masks the value v[0..n) of a secret key of kind (see key_kind). */
static void put_masked(struct scan *sc, const char *v, size_t n, int kind)
{
	if (is_masked(v, n))
		put(sc->o, v, n);
	else if (kind && n >= 16 && all_alnum(v, n))
		put_tail(sc->o, v, n, kind == 2 ? 35 : 27);
	else
		puts_(sc->o, CWS_SCRUB_MASK);
}

/* Copies a run of key characters, masking words of 32 or 40 hex digits. */
static void put_token(struct scan *sc, size_t i, size_t e)
{
	size_t w, k;
	bool hex;

	while (i < e) {
		if (!is_word_char(sc->b[i])) {
			put(sc->o, sc->b + i, 1);
			i++;
			continue;
		}
		for (w = i, hex = true; i < e && is_word_char(sc->b[i]); i++)
			hex = hex && isxdigit((unsigned char)sc->b[i]);
		k = i - w;
		if (hex && (k == 32 || k == 40))
			put_tail(sc->o, sc->b + w, k, k - 5);
		else
			put(sc->o, sc->b + w, k);
	}
}

/*
 * The end of a JSON (or YAML flow) object or array starting at i, after
 * its closing bracket; 0 when it does not end within MAX_NEST bytes.
 */
static size_t nest_end(const struct scan *sc, size_t i)
{
	size_t depth = 0, lim = sc->n - i > MAX_NEST ? i + MAX_NEST : sc->n;
	char q = 0;

	for (; i < lim; i++) {
		char c = sc->b[i];

		if (q) {
			if (c == '\\' && q == '"')
				i++;
			else if (c == q)
				q = 0;
			continue;
		}
		if (c == '"')
			q = c;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth && !--depth)
			return i + 1;
	}
	return 0;
}

/* A YAML block scalar header: [|>][0-9+-]* then blanks or a comment. */
static bool block_header(const struct scan *sc, size_t i, size_t e)
{
	if (i >= e || (sc->b[i] != '|' && sc->b[i] != '>'))
		return false;
	for (i++; i < e && (isdigit((unsigned char)sc->b[i]) ||
			    sc->b[i] == '+' || sc->b[i] == '-');
	     i++)
		;
	while (i < e && is_blank(sc->b[i]))
		i++;
	return i == e || sc->b[i] == '#';
}

static bool is_auth_scheme(const char *v, size_t n)
{
	static const char *const schemes[] = { "bearer", "basic", "token",
					       "digest", "negotiate" };

	return in_list(v, n, schemes, CWS_ARRAY_SIZE(schemes));
}

static bool ends_inline(unsigned char c)
{
	return isspace(c) || strchr("&,;\"'<>)]}", c);
}

/*
 * The value of a secret key starts at v (blanks skipped); at_start says
 * the key was the first token of its line, colon that it ended with ':'.
 * Writes the masked value and returns where the scan goes on.
 */
static size_t mask_value(struct scan *sc, size_t v, size_t key_col,
			 bool at_start, bool colon, int kind)
{
	size_t e = content_end(sc, v), k, w;
	char q;

	if (v >= e) {
		/* "secrets:" then a nested block: mask what is under it. */
		if (colon && at_start) {
			sc->block = true;
			sc->block_scalar = false;
			sc->block_col = key_col;
		}
		return v;
	}
	q = sc->b[v];
	if (q == '"' || q == '\'') {
		for (k = v + 1; k < e && sc->b[k] != q; k++)
			if (sc->b[k] == '\\' && q == '"')
				k++;
		if (k >= e) {
			put(sc->o, &q, 1);
			puts_(sc->o, CWS_SCRUB_MASK);
			return e;
		}
		put(sc->o, &q, 1);
		if (is_plain_value(sc->b + v + 1, k - v - 1))
			put(sc->o, sc->b + v + 1, k - v - 1);
		else
			put_masked(sc, sc->b + v + 1, k - v - 1, kind);
		put(sc->o, &q, 1);
		return k + 1;
	}
	if (q == '{' || q == '[') {
		k = nest_end(sc, v);
		puts_(sc->o, "\"" CWS_SCRUB_MASK "\"");
		return k ? k : sc->n;
	}
	if (colon && at_start && block_header(sc, v, e)) {
		put(sc->o, sc->b + v, e - v);
		sc->block = true;
		sc->block_scalar = true;
		sc->block_col = key_col;
		return e;
	}
	if (at_start) {
		while (e > v && is_blank(sc->b[e - 1]))
			e--;
		if (is_plain_value(sc->b + v, e - v))
			put(sc->o, sc->b + v, e - v);
		else
			put_masked(sc, sc->b + v, e - v, kind);
		return e;
	}
	for (k = v; k < e && !ends_inline(sc->b[k]); k++)
		;
	if (is_plain_value(sc->b + v, k - v)) {
		put(sc->o, sc->b + v, k - v);
		return k;
	}
	if (!is_auth_scheme(sc->b + v, k - v)) {
		put_masked(sc, sc->b + v, k - v, kind);
		return k;
	}
	/* "Authorization: Basic xyz": the scheme stays, its token goes. */
	put(sc->o, sc->b + v, k - v);
	for (w = k; w < e && is_blank(sc->b[w]); w++)
		;
	if (w == k || w >= e)
		return k;
	put(sc->o, " ", 1);
	puts_(sc->o, CWS_SCRUB_MASK);
	while (w < e && !isspace((unsigned char)sc->b[w]) &&
	       !strchr("\"',;", sc->b[w]))
		w++;
	return w;
}

/*
 * After a key name ending at i: blanks, then ':' followed by a blank or
 * the end of the line (or anything, for a quoted key), or '=' not part of
 * "==". Returns the position after the delimiter and its blanks, or 0.
 */
static size_t after_delim(const struct scan *sc, size_t i, bool quoted,
			  bool *colon)
{
	while (i < sc->n && is_blank(sc->b[i]))
		i++;
	if (i >= sc->n)
		return 0;
	if (sc->b[i] == ':') {
		if (!quoted && i + 1 < sc->n &&
		    !isspace((unsigned char)sc->b[i + 1]))
			return 0;
		*colon = true;
	} else if (sc->b[i] == '=') {
		if (i + 1 < sc->n && sc->b[i + 1] == '=')
			return 0;
		*colon = false;
	} else {
		return 0;
	}
	for (i++; i < sc->n && is_blank(sc->b[i]); i++)
		;
	return i;
}

/* "-----BEGIN ... PRIVATE KEY-----" at i: masks the block's body. */
static size_t try_pem(struct scan *sc, size_t i)
{
	static const char begin[] = "-----BEGIN ", end[] = "-----END ";
	size_t k, lim, body, stop;
	const char *sep, *p;
	size_t seplen;

	if (sc->n - i < sizeof(begin) - 1 ||
	    memcmp(sc->b + i, begin, sizeof(begin) - 1))
		return 0;
	lim = i + sizeof(begin) - 1 + MAX_PEM_LABEL;
	if (lim > sc->n)
		lim = sc->n;
	for (k = i + sizeof(begin) - 1; k + 5 <= lim; k++)
		if (!memcmp(sc->b + k, "-----", 5))
			break;
	if (k + 5 > lim || !memmem(sc->b + i, k - i, "PRIVATE KEY", 11))
		return 0;
	body = k + 5;
	put(sc->o, sc->b + i, body - i);
	/* Keep the line breaks' spelling: real, CRLF or JSON's "\n". */
	if (sc->n - body >= 2 && !memcmp(sc->b + body, "\\n", 2))
		sep = "\\n";
	else if (sc->n - body >= 2 && !memcmp(sc->b + body, "\r\n", 2))
		sep = "\r\n";
	else
		sep = "\n";
	seplen = strlen(sep);
	p = memmem(sc->b + body, sc->n - body, end, sizeof(end) - 1);
	stop = p ? (size_t)(p - sc->b) : sc->n;
	put(sc->o, sep, seplen);
	puts_(sc->o, CWS_SCRUB_MASK);
	if (p)
		put(sc->o, sep, seplen);
	return stop > i ? stop : i + 1;
}

/* "://user:password@": masks the password. Returns 0 if none. */
static size_t try_url(struct scan *sc, size_t i)
{
	size_t k, colon = 0;

	if (sc->n - i < 3 || memcmp(sc->b + i, "://", 3))
		return 0;
	for (k = i + 3; k < sc->n; k++) {
		unsigned char c = sc->b[k];

		if (c == '@')
			break;
		if (c == '/' || c == '?' || c == '#' || isspace(c) ||
		    c == '"' || c == '\'' || c == '<' || c == '>')
			return 0;
		if (c == ':' && !colon)
			colon = k;
	}
	if (k >= sc->n || !colon || colon + 1 == k)
		return 0;
	put(sc->o, sc->b + i, colon + 1 - i);
	puts_(sc->o, CWS_SCRUB_MASK);
	put(sc->o, "@", 1);
	return k + 1;
}

static size_t column(struct scan *sc, size_t i)
{
	size_t from = i >= sc->col_at ? sc->col_at : 0;
	const char *nl = memrchr(sc->b + from, '\n', i - from);

	if (nl)
		sc->line_at = (size_t)(nl - sc->b) + 1;
	else if (i < sc->col_at)
		sc->line_at = 0;
	sc->col_at = i;
	return i - sc->line_at;
}

/* A quoted key ("token": ...) at i. Returns 0 if it is not one. */
static size_t try_quoted_key(struct scan *sc, size_t i)
{
	char q = sc->b[i];
	size_t k, v, col;
	bool colon = false;

	for (k = i + 1;
	     k < sc->n && k - i <= MAX_TOKEN && is_key_char(sc->b[k]); k++)
		;
	if (k >= sc->n || sc->b[k] != q || k == i + 1)
		return 0;
	v = after_delim(sc, k + 1, true, &colon);
	if (!v || !colon)
		return 0;
	if (!name_is_secret(sc->s, sc->b + i + 1, k - i - 1)) {
		put(sc->o, sc->b + i, k + 1 - i);
		return k + 1;
	}
	put(sc->o, sc->b + i, v - i);
	col = column(sc, i);
	return mask_value(sc, v, col, i == sc->first, true,
			  key_kind(sc->b + i + 1, k - i - 1));
}

/* A bare token at i: a key, "Bearer", or hex. Always consumes it. */
static size_t do_token(struct scan *sc, size_t i)
{
	size_t k, v, w, col;
	bool colon = false;

	/* A private key glued to a word ("\\n-----BEGIN") is still one. */
	for (k = i; k < sc->n && is_key_char(sc->b[k]); k++)
		if (k > i && sc->b[k] == '-' && sc->n - k >= 11 &&
		    !memcmp(sc->b + k, "-----BEGIN ", 11))
			break;
	if (k - i == 6 && !memcmp(sc->b + i, "Bearer", 6)) {
		for (w = k; w < sc->n && is_blank(sc->b[w]); w++)
			;
		if (w > k && w < sc->n && !isspace((unsigned char)sc->b[w]) &&
		    !ends_inline(sc->b[w])) {
			put(sc->o, sc->b + i, k - i);
			puts_(sc->o, " " CWS_SCRUB_MASK);
			while (w < sc->n && !isspace((unsigned char)sc->b[w]) &&
			       !strchr("\"',;", sc->b[w]))
				w++;
			return w;
		}
	}
	v = k - i <= MAX_TOKEN ? after_delim(sc, k, false, &colon) : 0;
	if (!v || !name_is_secret(sc->s, sc->b + i, k - i)) {
		put_token(sc, i, k);
		return k;
	}
	put(sc->o, sc->b + i, v - i);
	col = column(sc, i);
	return mask_value(sc, v, col, i == sc->first, colon,
			  key_kind(sc->b + i, k - i));
}

/*
 * At the start of a line inside a secret block: masks the line and
 * returns where the next one starts, or returns i when the block is over.
 */
static size_t block_line(struct scan *sc, size_t i)
{
	size_t indent, c = line_content(sc, i, &indent), e = content_end(sc, i);
	size_t k, v;
	bool colon = false, item;

	if (c >= e) { /* blank lines and lone "-" stay in the block */
		put(sc->o, sc->b + i, eol(sc, i) - i);
		return eol(sc, i);
	}
	item = sc->b[i + indent] == '-';
	if (!(indent > sc->block_col ||
	      (!sc->block_scalar && indent == sc->block_col && item))) {
		sc->block = false;
		return i;
	}
	if (sc->block_scalar) {
		put(sc->o, sc->b + i, indent);
		puts_(sc->o, CWS_SCRUB_MASK);
	} else {
		put(sc->o, sc->b + i, c - i);
		for (k = c; k < e && is_key_char(sc->b[k]); k++)
			;
		v = k > c ? after_delim(sc, k, false, &colon) : 0;
		if (v && colon) {
			put(sc->o, sc->b + c, v - c);
			if (v < e)
				puts_(sc->o, "\"" CWS_SCRUB_MASK "\"");
		} else {
			puts_(sc->o, "\"" CWS_SCRUB_MASK "\"");
		}
	}
	put(sc->o, sc->b + e, eol(sc, i) - e);
	return eol(sc, i);
}

static void scan(struct scan *sc)
{
	size_t i = 0, next;

	sc->first = line_content(sc, 0, NULL);
	while (i < sc->n && !sc->o->oom) {
		if (i && sc->b[i - 1] == '\n') {
			if (sc->block) {
				next = block_line(sc, i);
				if (next != i) {
					i = next;
					continue;
				}
			}
			sc->first = line_content(sc, i, NULL);
		}
		next = 0;
		if (sc->b[i] == '-')
			next = try_pem(sc, i);
		if (!next && sc->b[i] == ':')
			next = try_url(sc, i);
		if (!next && (sc->b[i] == '"' || sc->b[i] == '\''))
			next = try_quoted_key(sc, i);
		if (!next && is_key_char(sc->b[i]) &&
		    (!i || !is_key_char(sc->b[i - 1])))
			next = do_token(sc, i);
		if (!next) {
			put(sc->o, sc->b + i, 1);
			next = i + 1;
		}
		i = next;
	}
}

int cws_scrub_text(const struct cws_scrub *s, const char *in, size_t len,
		   char **out, size_t *outlen)
{
	struct obuf lit = { 0 }, o = { 0 };
	struct scan sc = { .s = s, .o = &o };

	*out = NULL;
	*outlen = 0;
	if (len > CWS_SCRUB_MAX_INPUT)
		return -EFBIG;
	sc.b = in;
	sc.n = len;
	if (s && s->nsecrets) {
		replace_literals(s, in, len, &lit);
		if (lit.oom)
			return -ENOMEM;
		sc.b = lit.p ? lit.p : "";
		sc.n = lit.len;
	}
	scan(&sc);
	put(&o, "", 0);
	free(lit.p);
	if (o.oom) {
		free(o.p);
		return -ENOMEM;
	}
	*out = o.p;
	*outlen = o.len;
	return 0;
}
