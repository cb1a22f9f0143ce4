/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * String, integer and address matchers, compiled once per rule.
 *
 * Patterns (`~"..."`, or a string after =~) are Datadog's, quirks
 * included: the pattern is cut into literal segments at the stars and
 * each segment after a star jumps to its FIRST occurrence, without ever
 * backtracking, and the string must then be used up. So `*ab` does not
 * match `abab` (the first "ab" leaves "ab" over), `*abc*` matches `/abc/`,
 * and a trailing star accepts whatever is left. `**` is refused.
 *
 * Globs are what patterns become on *.file.path and *.file.name: the
 * pattern is cut at '/', each component is matched as a pattern against
 * one path component (so `*` never crosses '/'), and a leading `*`
 * component stands for exactly one directory level (`*\/bin/\*` matches
 * /usr/bin/cat). A `**` component may appear once, anywhere (agent 7.71
 * and later; a second one is refused as Datadog refuses it); inside a
 * component with other characters it is a `*`. The glob is then cut at
 * the `**`: the components up to and including it must match the start
 * of the path, the `**` and those after it the end, each walk on its own
 * (so `**` stands for zero or more whole directories, and the two walks
 * may overlap on a short path, as they do in Datadog's). The walks below
 * follow Datadog's Glob step by step, since its edge cases are the
 * behaviour to reproduce (`/tmp/\**` does not match /tmp, `*` does not
 * match /a, an empty value matches nothing).
 *
 * Regexes (`r"..."`) go to PCRE2 (JIT when available), unanchored like
 * Go's MatchString; `$` matches only at the very end as in RE2, and a
 * match limit keeps a hostile pattern from backtracking forever (RE2
 * cannot, PCRE2 can). Match data is preallocated per regex.
 *
 * Literal arrays of strings keep their exact members in an open-address
 * hash table and try the pattern, glob and regex members in order.
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "secl_priv.h"

/* At most 64 bytes of a value in a message, so the reason still fits. */
#define CLIP(n, p) (int)((n) > 64 ? 64 : (n)), (p), (n) > 64 ? "..." : ""

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_ci(const char *a, const char *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static bool prefix(const char *s, uint32_t n, struct sv lit, bool ci)
{
	if (lit.n > n)
		return false;
	return ci ? eq_ci(s, lit.p, lit.n) : !memcmp(s, lit.p, lit.n);
}

/* First occurrence of lit in s[0..n), or -1. */
static int64_t find(const char *s, uint32_t n, struct sv lit, bool ci)
{
	uint32_t i;
	const char *f;

	if (lit.n > n)
		return -1;
	if (!ci) {
		f = memmem(s, n, lit.p, lit.n);
		return f ? f - s : -1;
	}
	for (i = 0; i + lit.n <= n; i++)
		if (eq_ci(s + i, lit.p, lit.n))
			return i;
	return -1;
}

static int pattern_compile(struct arena *a, struct pattern *pat, const char *s,
			   uint32_t n)
{
	uint32_t i = 0, k = 0, nseg = 0;

	memset(pat, 0, sizeof(*pat));
	if (n == 1 && s[0] == '*') {
		pat->all = true;
		return 0;
	}
	if (n == 0) {
		pat->empty = true;
		return 0;
	}
	/* At most one segment per star, plus one. */
	for (i = 0; i < n; i++)
		nseg += s[i] == '*';
	pat->seg = arena_zalloc(a, (nseg + 1) * sizeof(*pat->seg));
	if (!pat->seg)
		return -ENOMEM;
	i = 0;
	while (i < n) {
		bool star = false;
		uint32_t start;

		while (i < n && s[i] == '*') {
			star = true;
			i++;
		}
		start = i;
		while (i < n && s[i] != '*')
			i++;
		pat->seg[k].star = star;
		pat->seg[k].lit.p = s + start;
		pat->seg[k].lit.n = i - start;
		k++;
	}
	pat->nseg = k;
	return 0;
}

bool secl_pattern_match(const struct pattern *p, const char *s, uint32_t n,
			bool ci)
{
	uint32_t k;

	if (p->all)
		return true;
	if (p->empty)
		return n == 0;
	for (k = 0; k < p->nseg; k++) {
		const struct pseg *g = &p->seg[k];

		if (g->star) {
			int64_t at;

			/* Nothing after the last star: the rest matches. */
			if (g->lit.n == 0)
				return true;
			at = find(s, n, g->lit, ci);
			if (at < 0)
				return false;
			s += at + g->lit.n;
			n -= (uint32_t)at + g->lit.n;
		} else {
			if (!prefix(s, n, g->lit, ci))
				return false;
			s += g->lit.n;
			n -= g->lit.n;
		}
	}
	return n == 0;
}

static bool elem_match(const struct gelem *e, const char *s, uint32_t n,
		       bool ci)
{
	return secl_pattern_match(&e->pat, s, n, ci);
}

/* The pattern of a component is exactly "*". */
static bool elem_is_star(const struct gelem *e)
{
	return e->text.n == 1 && e->text.p[0] == '*';
}

/*
 * Components [0, np) against the start of the path (Datadog's
 * matchesPrefix): np is every component without `**`, or up to and
 * including it.
 */
static bool glob_prefix(const struct smatch *m, const char *s, uint32_t n,
			uint32_t np)
{
	const struct gelem *elp;
	uint32_t start = 0, end, i = 0;

	/* A leading "*" component stands for one level: "/x" is "x". */
	if (elem_is_star(&m->el[0])) {
		s++;
		n--;
	}
	for (end = 0; end < n; end++) {
		if (s[end] != '/')
			continue;
		elp = &m->el[i];
		if (!elp->dstar &&
		    !elem_match(elp, s + start, end - start, m->ci))
			return false;
		start = end + 1;
		i++;
		if (i == np)
			return elp->dstar;
	}
	elp = &m->el[i];
	if (elp->dstar || (start == n && elem_is_star(elp)))
		return true;
	return i + 1 == np && elem_match(elp, s + start, n - start, m->ci);
}

/*
 * Components [pos, nel) (the `**` and what follows it) against the end
 * of the path, walking back (Datadog's matchesSuffix).
 */
static bool glob_suffix(const struct smatch *m, const char *s, uint32_t n,
			uint32_t pos)
{
	uint32_t end = n, i = m->nel - 1 - pos, start;

	if (i == 0)
		return true; /* the glob ends with its `**` */
	for (start = n; start-- > 0;) {
		const struct gelem *e = &m->el[pos + i];

		if (s[start] != '/')
			continue;
		if (!e->dstar &&
		    !elem_match(e, s + start + 1, end - start - 1, m->ci))
			return false;
		end = start;
		if (--i == 0)
			return true; /* reached the `**` */
	}
	/* Fewer components than the glob has after its `**`. */
	return false;
}

static bool glob_match(const struct smatch *m, const char *s, uint32_t n)
{
	if (n == 0)
		return false;
	if (m->glob_scalar)
		return n == m->src.n && (m->ci ? eq_ci(s, m->src.p, n) :
						 !memcmp(s, m->src.p, n));
	if (m->nel == 0)
		return false;
	if (m->head.n &&
	    (n < m->head.n || (m->ci ? !eq_ci(s, m->head.p, m->head.n) :
				       memcmp(s, m->head.p, m->head.n))))
		return false;
	if (m->dpos == m->nel)
		return glob_prefix(m, s, n, m->nel);
	return glob_prefix(m, s, n, m->dpos + 1) &&
	       glob_suffix(m, s, n, m->dpos);
}

/*
 * A `**` component: Datadog first replaces `**` by `*` in a component
 * that is not exactly `**` (non-overlapping, left to right), and a
 * component that is `**` after that counts. Only all-star components of
 * two to four stars end up as `**`; any other character survives.
 */
static bool is_dstar(const struct sv *t)
{
	uint32_t i;

	if (t->n < 2 || t->n > 4)
		return false;
	for (i = 0; i < t->n; i++)
		if (t->p[i] != '*')
			return false;
	return true;
}

static void free_regex(void *p)
{
	struct smatch *m = p;

	pcre2_match_data_free(m->md);
	pcre2_code_free(m->re);
}

static int compile_regex(struct arena *a, struct smatch *m, void *mctx,
			 struct cws_secl_err *err, uint32_t pos)
{
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C;
	PCRE2_SIZE off;
	int code;

	if (m->ci)
		opts |= PCRE2_CASELESS;
	m->re = pcre2_compile((PCRE2_SPTR)m->src.p, m->src.n, opts, &code, &off,
			      NULL);
	if (!m->re) {
		PCRE2_UCHAR why[120];

		if (pcre2_get_error_message(code, why, sizeof(why)) < 0)
			why[0] = '\0';
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, pos,
				 "invalid regexp `%.*s%s`: %s",
				 CLIP(m->src.n, m->src.p), (const char *)why);
	}
	/*
	 * JIT is an optimisation: the interpreter is used without it. Not
	 * under valgrind, which cannot follow the code JIT makes (it reads
	 * a word at a time past a subject's end: false reports of
	 * uninitialised values in unnamed code).
	 */
	if (!cws_under_valgrind())
		(void)pcre2_jit_compile(m->re, PCRE2_JIT_COMPLETE);
	m->md = pcre2_match_data_create(1, NULL);
	if (!m->md || arena_cleanup(a, free_regex, m) < 0) {
		pcre2_match_data_free(m->md);
		pcre2_code_free(m->re);
		m->re = m->md = NULL;
		return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, pos,
				 "out of memory");
	}
	m->mctx = mctx;
	return 0;
}

int secl_smatch_compile(struct arena *a, struct smatch *m, void *mctx,
			struct cws_secl_err *err, uint32_t pos)
{
	const char *s = m->src.p;
	uint32_t n = m->src.n, i, k, start;

	switch (m->type) {
	case SM_EXACT:
		return 0;
	case SM_PATTERN:
		if (memmem(s, n, "**", 2))
			return secl_errf(
				err, -EINVAL, CWS_SECL_ERR_COMPILE, pos,
				"invalid pattern `%.*s%s`: `**` is not allowed in patterns",
				CLIP(n, s));
		if (pattern_compile(a, &m->pat, s, n) < 0)
			goto nomem;
		return 0;
	case SM_GLOB:
		m->glob_scalar = !memchr(s, '*', n);
		m->head.p = s;
		m->head.n =
			(uint32_t)(m->glob_scalar ?
					   0 :
					   (const char *)memchr(s, '*', n) - s);
		m->nel = 1;
		for (i = 0; i < n; i++)
			m->nel += s[i] == '/';
		m->el = arena_zalloc(a, m->nel * sizeof(*m->el));
		if (!m->el)
			goto nomem;
		m->dpos = m->nel;
		for (i = 0, k = 0, start = 0; i <= n; i++) {
			struct gelem *e;

			if (i < n && s[i] != '/')
				continue;
			e = &m->el[k];
			e->text.p = s + start;
			e->text.n = i - start;
			e->dstar = is_dstar(&e->text);
			if (e->dstar && m->dpos != m->nel)
				return secl_errf(
					err, -EINVAL, CWS_SECL_ERR_COMPILE, pos,
					"invalid glob `%.*s%s`: `**` is allowed only once in a pattern",
					CLIP(n, s));
			if (e->dstar)
				m->dpos = k;
			/* Runs of stars are one star to the pattern. */
			if (pattern_compile(a, &e->pat, e->text.p, e->text.n) <
			    0)
				goto nomem;
			k++;
			start = i + 1;
		}
		return 0;
	case SM_REGEX:
		return compile_regex(a, m, mctx, err, pos);
	}
	return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, pos,
			 "invalid matcher");
nomem:
	return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, pos,
			 "out of memory");
}

bool secl_smatch_run(const struct smatch *m, const char *s, uint32_t n)
{
	int rc;

	switch (m->type) {
	case SM_EXACT:
		if (n != m->src.n)
			return false;
		return m->ci ? eq_ci(s, m->src.p, n) : !memcmp(s, m->src.p, n);
	case SM_PATTERN:
		return secl_pattern_match(&m->pat, s, n, m->ci);
	case SM_GLOB:
		return glob_match(m, s, n);
	case SM_REGEX:
		/* s may be NULL for an empty value; PCRE2 wants a pointer. */
		rc = pcre2_match(m->re, (PCRE2_SPTR)(s ? s : ""), n, 0, 0,
				 m->md, m->mctx);
		/* Errors (match limit hit) count as no match. */
		return rc >= 0;
	case SM_PCAP:
		return secl_pcap_run(m, s, n);
	}
	return false;
}

uint64_t secl_hash(const char *p, uint32_t n, bool ci)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	uint32_t i = 0;

	if (ci) {
		for (i = 0; i < n; i++) {
			h ^= (uint8_t)lower(p[i]);
			h *= 0x100000001b3ull;
		}
	} else {
		for (; i + 8 <= n; i += 8) {
			uint64_t w;

			memcpy(&w, p + i, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdull;
			h ^= h >> 32;
		}
		for (; i < n; i++) {
			h ^= (uint8_t)p[i];
			h *= 0x100000001b3ull;
		}
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

bool secl_strset_has(const struct strset *s, const char *p, uint32_t n)
{
	uint32_t k;

	if (s->nexact) {
		uint32_t mask = s->cap - 1;
		uint32_t at = (uint32_t)secl_hash(p, n, s->ci) & mask;

		for (;;) {
			const struct sv *e = &s->slot[at];

			if (!e->p)
				break;
			if (e->n == n &&
			    (s->ci ? eq_ci(e->p, p, n) : !memcmp(e->p, p, n)))
				return true;
			at = (at + 1) & mask;
		}
	}
	for (k = 0; k < s->nmatch; k++)
		if (secl_smatch_run(&s->match[k], p, n))
			return true;
	return false;
}

bool secl_cidr_contains(const struct cidr *net, const struct cidr *ip)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (ip->bits < net->bits)
		return false;
	if (memcmp(net->a, ip->a, full))
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff00u >> rest);

		if ((net->a[full] & mask) != (ip->a[full] & mask))
			return false;
	}
	return true;
}

void secl_cidr_from_bytes(struct cidr *c, const uint8_t a[16], uint8_t bits)
{
	memcpy(c->a, a, 16);
	c->bits = bits;
}

/*
 * Not public: unspecified, loopback, private (RFC 1918, RFC 4193),
 * shared (RFC 6598), link-local, benchmarking, multicast and reserved
 * ranges. Everything else is.
 */
bool secl_ip_is_public(const uint8_t a[16])
{
	static const uint8_t v4map[12] = { 0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[16];

	if (!memcmp(a, v4map, 12)) {
		const uint8_t *b = a + 12;

		return !(b[0] == 0 || b[0] == 10 || b[0] == 127 ||
			 b[0] >= 224 || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
			 (b[0] == 169 && b[1] == 254) ||
			 (b[0] == 172 && (b[1] & 0xf0) == 16) ||
			 (b[0] == 192 && b[1] == 0 && b[2] == 0) ||
			 (b[0] == 192 && b[1] == 168) ||
			 (b[0] == 198 && (b[1] & 0xfe) == 18));
	}
	if (!memcmp(a, zero, 15) && (a[15] == 0 || a[15] == 1))
		return false;
	return !((a[0] & 0xfe) == 0xfc ||
		 (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff);
}
