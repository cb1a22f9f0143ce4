/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Datadog's command-line scrubber (pkg/process/procutil/data_scrubber.go)
 * without a regular expression engine. Each sensitive word W becomes, in
 * Datadog's code,
 *
 *	( +| -{1,2})(?i)W( +|=|:)("[^"]*"|'[^']*'|[^\s]*)
 *
 * with a '*' inside W matching [^\s=:$/]* and a trailing '*' matching
 * [^ =:]*, and every match has its value replaced by "********". None of
 * W's characters can be a delimiter, so the key is always a whole token:
 * the bytes after a run of spaces (or after " -", " --") up to the next
 * ' ', '=' or ':'. Matching that token against W with the two star
 * classes, then reading the delimiter and the value, gives the same
 * matches as the regular expression, leftmost first.
 *
 * As in Datadog, the words are applied one after the other to argv joined
 * with spaces, and a changed line is split on spaces again.
 */
#include "compat.h"
#include "ship.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *const default_words[] = {
	"*password*",	 "*passwd*",	"*mysql_pwd*", "*access_token*",
	"*auth_token*",	 "*api_key*",	"*apikey*",    "*secret*",
	"*credentials*", "stripetoken",
};

#define MASK "********"

static bool word_ok(const char *w)
{
	const char *p;

	if (!*w || !strcmp(w, "*") || strstr(w, "**"))
		return false;
	for (p = w; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '*')
			return false;
	return true;
}

static int add_word(struct scrubber *s, const char *w)
{
	struct scrub_word *nw;
	const char *p, *best = NULL;
	size_t i, n, bestn = 0;
	char *lw;

	if (!word_ok(w)) {
		cws_warnx("custom_sensitive_words: '%s' skipped: a sensitive "
			  "word holds only letters, digits, '_' and single "
			  "'*' wildcards",
			  w);
		return 0;
	}
	lw = strdup(w);
	if (!lw)
		return -ENOMEM;
	for (i = 0; lw[i]; i++)
		lw[i] = (char)tolower((unsigned char)lw[i]);
	/* The longest literal part: a cheap first test per command line. */
	for (p = lw; *p;) {
		n = strcspn(p, "*");
		if (n > bestn) {
			best = p;
			bestn = n;
		}
		p += n;
		if (*p)
			p++;
	}
	nw = realloc(s->words, (s->n + 1) * sizeof(*nw));
	if (!nw) {
		free(lw);
		return -ENOMEM;
	}
	s->words = nw;
	nw[s->n].word = lw;
	nw[s->n].fast = strndup(best ? best : "", bestn);
	if (!nw[s->n].fast) {
		free(lw);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

int scrub_init(struct scrubber *s, const char *const *extra, size_t n)
{
	size_t i;
	int rc;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < CWS_ARRAY_SIZE(default_words); i++) {
		rc = add_word(s, default_words[i]);
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		rc = add_word(s, extra[i]);
		if (rc)
			return rc;
	}
	return 0;
}

void scrub_release(struct scrubber *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->words[i].word);
		free(s->words[i].fast);
	}
	free(s->words);
	free(s->line);
	free(s->lower);
	free(s->tmp);
	memset(s, 0, sizeof(*s));
}

static bool is_delim(char c)
{
	return c == ' ' || c == '=' || c == ':';
}

/* A '*' inside a word: [^\s=:$/]. */
static bool mid_class(char c)
{
	return !isspace((unsigned char)c) && c != '=' && c != ':' && c != '$' &&
	       c != '/';
}

/* Does t[0..n) match word w entirely, case-insensitively? */
static bool glob(const char *w, const char *t, size_t n)
{
	size_t i;

	for (; *w; w++, t++, n--) {
		if (*w == '*') {
			if (!w[1])
				return true; /* [^ =:]*: the token has none */
			for (i = 0; i <= n; i++) {
				if (glob(w + 1, t + i, n - i))
					return true;
				if (i < n && !mid_class(t[i]))
					return false;
			}
			return false;
		}
		if (!n || tolower((unsigned char)*t) != *w)
			return false;
	}
	return n == 0;
}

/* Token end: the first delimiter at or after k. */
static size_t token_end(const char *l, size_t n, size_t k)
{
	while (k < n && !is_delim(l[k]))
		k++;
	return k;
}

/*
 * A match whose key starts at k: returns true with the value's span
 * [*vs, *ve).
 */
static bool match_at(const struct scrub_word *w, const char *l, size_t n,
		     size_t k, size_t *vs, size_t *ve)
{
	size_t e = token_end(l, n, k), v, j;

	if (e == k || e >= n || !glob(w->word, l + k, e - k))
		return false;
	v = e + 1;
	if (l[e] == ' ')
		while (v < n && l[v] == ' ')
			v++;
	if (v < n && (l[v] == '"' || l[v] == '\'')) {
		for (j = v + 1; j < n && l[j] != l[v]; j++)
			;
		if (j < n) {
			*vs = v;
			*ve = j + 1;
			return true;
		}
	}
	for (j = v; j < n && !isspace((unsigned char)l[j]); j++)
		;
	*vs = v;
	*ve = j;
	return true;
}

/* Grows the scratch buffers to hold n bytes and a NUL. */
static int reserve(struct scrubber *s, size_t n)
{
	char **bufs[] = { &s->line, &s->lower, &s->tmp };
	size_t i;
	char *p;

	if (n + 1 <= s->cap)
		return 0;
	for (i = 0; i < CWS_ARRAY_SIZE(bufs); i++) {
		p = realloc(*bufs[i], n + 1);
		if (!p)
			return -ENOMEM;
		*bufs[i] = p;
	}
	s->cap = n + 1;
	return 0;
}

static void lower(struct scrubber *s, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++)
		s->lower[k] = (char)tolower((unsigned char)s->line[k]);
	s->lower[len] = '\0';
}

/* Applies one word to s->line in place (through s->tmp). */
static bool apply(struct scrubber *s, const struct scrub_word *w, size_t *len)
{
	size_t n = *len, p = 0, o = 0, q, vs, ve, d, extra;
	bool changed = false, hit;
	char *out;

	/* Room for every value becoming the mask: at most one per space. */
	for (extra = 0, q = 0; q < n; q++)
		extra += s->line[q] == ' ';
	if (reserve(s, n + extra * (sizeof(MASK) - 1)))
		return false;
	out = s->tmp;
	while (p < n) {
		hit = false;
		if (s->line[p] == ' ') {
			for (q = p; q < n && s->line[q] == ' '; q++)
				;
			/* " +" then the key, else " -" or " --" then it. */
			hit = match_at(w, s->line, n, q, &vs, &ve);
			for (d = 2; !hit && d >= 1; d--)
				if (q + d <= n && s->line[q - 1] == ' ' &&
				    !strncmp(s->line + q, "--", d))
					hit = match_at(w, s->line, n, q + d,
						       &vs, &ve);
		}
		if (!hit) {
			out[o++] = s->line[p++];
			continue;
		}
		memcpy(out + o, s->line + p, vs - p);
		o += vs - p;
		memcpy(out + o, MASK, sizeof(MASK) - 1);
		o += sizeof(MASK) - 1;
		p = ve;
		changed = true;
	}
	if (changed) {
		memcpy(s->line, out, o);
		s->line[o] = '\0';
		*len = o;
	}
	return changed;
}

const char *scrub_cmdline(struct scrubber *s, const char *const *argv,
			  uint32_t argc)
{
	size_t len = 0, i, k;
	bool changed = false;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i] ? argv[i] : "") + 1;
	if (!len || reserve(s, len))
		return NULL;
	for (len = 0, i = 0; i < argc; i++) {
		const char *a = argv[i] ? argv[i] : "";

		k = strlen(a);
		if (i)
			s->line[len++] = ' ';
		memcpy(s->line + len, a, k);
		len += k;
	}
	s->line[len] = '\0';
	lower(s, len);
	for (i = 0; i < s->n; i++) {
		const struct scrub_word *w = &s->words[i];

		if (*w->fast && !strstr(s->lower, w->fast))
			continue;
		if (apply(s, w, &len)) {
			changed = true;
			lower(s, len);
		}
	}
	return changed ? s->line : NULL;
}
