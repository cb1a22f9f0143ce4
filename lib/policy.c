/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Policy loading, Datadog's way (pkg/security/secl/rules: policy.go,
 * policy_dir.go, ruleset.go): files are parsed one by one into rule and
 * macro definitions, filtered by agent_version and host filters, then
 * merged by id across files, then compiled into one SECL ruleset. Every
 * definition keeps a status, because what did not load matters as much
 * as what did: it goes into ruleset_loaded and `cws-filter -n`.
 *
 * Policies are input like any other: a file is capped in size, YAML is
 * first scanned with the event parser to refuse deep nesting before a
 * tree is built, and the tree walk has a node budget so that aliases
 * cannot blow up. Anything wrong inside one rule fails that rule only.
 *
 * All strings and small arrays live in one arena freed with the policy;
 * the definition arrays grow with realloc until cws_policy_compile, after
 * which nothing moves (the SECL rules point back at their definitions).
 */
#include "compat.h"
#include "policy.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <yaml.h>

#define CHUNK_SIZE (64u * 1024)
#define MAX_ID 255 /* bytes of a rule or macro id */

/*
 * Arena.
 */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct cws_policy_priv {
	struct chunk *chunks;
	bool nomem;
	bool compiled;
	struct cws_policy_opts opts;
	struct cws_policy_host host;
	const char *agent_version;
	size_t cap_rules, cap_macros;
	size_t cli_file; /* index of the "cli" file, or SIZE_MAX */
	unsigned nexprs;
	struct cws_ruleset_policy *ev_policies; /* cws_policy_ruleset_event */
};

static void *palloc(struct cws_policy_priv *pv, size_t n)
{
	struct chunk *c = pv->chunks;
	size_t at;

	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + cap);
		if (!c) {
			pv->nomem = true;
			return NULL;
		}
		c->used = 0;
		c->cap = cap;
		/* A big block gets its own chunk, behind the current one. */
		if (n > CHUNK_SIZE && pv->chunks) {
			c->next = pv->chunks->next;
			pv->chunks->next = c;
		} else {
			c->next = pv->chunks;
			pv->chunks = c;
		}
	}
	at = c->used;
	c->used += n;
	return memset((char *)c->data + at, 0, n);
}

static char *pstrndup(struct cws_policy_priv *pv, const char *s, size_t n)
{
	char *d;

	if (!s)
		return NULL;
	d = palloc(pv, n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static char *pstrdup(struct cws_policy_priv *pv, const char *s)
{
	return s ? pstrndup(pv, s, strlen(s)) : NULL;
}

CWS_PRINTF(2, 3)
static char *pprintf(struct cws_policy_priv *pv, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pstrdup(pv, buf);
}

/* Appends s to a NULL-free string list grown in the arena. */
static void plist_add(struct cws_policy_priv *pv, const char ***v, size_t *n,
		      const char *s)
{
	const char **nv = palloc(pv, (*n + 1) * sizeof(*nv));

	if (!nv)
		return;
	if (*n)
		memcpy(nv, *v, *n * sizeof(*nv));
	nv[(*n)++] = s;
	*v = nv;
}

/*
 * Statuses.
 */

static const char *const status_names[] = {
	[CWS_POLICY_LOADED] = "loaded",
	[CWS_POLICY_DISABLED] = "disabled",
	[CWS_POLICY_AGENT_VERSION] = "agent_version_error",
	[CWS_POLICY_AGENT_FILTER] = "agent_filter_error",
	[CWS_POLICY_EVENT_TYPE] = "event_type_disabled",
	[CWS_POLICY_SYNTAX] = "syntax_error",
	[CWS_POLICY_ERROR] = "error",
};

const char *cws_policy_status_name(enum cws_policy_status s)
{
	if ((unsigned)s >= CWS_ARRAY_SIZE(status_names))
		return "error";
	return status_names[s];
}

enum cws_policy_class cws_policy_status_class(enum cws_policy_status s)
{
	switch (s) {
	case CWS_POLICY_LOADED:
		return CWS_POLICY_CLASS_LOADED;
	case CWS_POLICY_DISABLED:
	case CWS_POLICY_AGENT_VERSION:
	case CWS_POLICY_AGENT_FILTER:
		return CWS_POLICY_CLASS_FILTERED;
	default:
		return CWS_POLICY_CLASS_FAILED;
	}
}

const char *cws_policy_class_name(enum cws_policy_class c)
{
	switch (c) {
	case CWS_POLICY_CLASS_LOADED:
		return "loaded";
	case CWS_POLICY_CLASS_FILTERED:
		return "filtered";
	default:
		return "failed";
	}
}

/*
 * agent_version: Masterminds/semver constraints, which Datadog uses:
 * "||" separates alternatives, commas or spaces separate conditions that
 * must all hold, each an operator (=, !=, >, >=, <, <=, ~, ^) and a
 * version whose missing parts are 0 and whose x or * parts match any.
 * Pre-release and build suffixes are ignored on both sides, as Datadog
 * strips them from the agent's version.
 */

struct semver {
	long v[3];
	int parts; /* components written, wildcards excluded */
};

/* Parses "7", "7.60", "7.60.1", "7.x", "v7.60.0-rc.1+meta". */
static const char *parse_semver(const char *s, struct semver *out)
{
	int i;

	memset(out, 0, sizeof(*out));
	if (*s == 'v' || *s == 'V')
		s++;
	for (i = 0; i < 3; i++) {
		if (*s == 'x' || *s == 'X' || *s == '*') {
			s++;
		} else if (isdigit((unsigned char)*s)) {
			long v = 0;

			while (isdigit((unsigned char)*s)) {
				if (v > 100000000)
					return NULL;
				v = v * 10 + (*s++ - '0');
			}
			if (out->parts != i)
				return NULL; /* 7.x.1 */
			out->v[i] = v;
			out->parts++;
		} else {
			return NULL;
		}
		if (*s != '.')
			break;
		s++;
	}
	if (*s == '-' || *s == '+')
		while (*s && !isspace((unsigned char)*s) && *s != ',' &&
		       *s != '|')
			s++;
	return s;
}

static int semver_cmp(const long *a, const long *b)
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* The first version past the range a partial version names (7.60 -> 7.61). */
static void semver_next(const struct semver *c, long *out)
{
	memcpy(out, c->v, sizeof(c->v));
	if (c->parts == 0) {
		out[0] = LONG_MAX;
		return;
	}
	out[c->parts - 1]++;
	if (c->parts < 3)
		memset(out + c->parts, 0, (3 - c->parts) * sizeof(long));
}

static bool semver_check(const char *op, const struct semver *c, const long *v)
{
	long hi[3];
	int cmp = semver_cmp(v, c->v);

	if (!strcmp(op, "=") || !strcmp(op, "==") || !*op) {
		if (c->parts == 3)
			return cmp == 0;
		semver_next(c, hi);
		return cmp >= 0 && semver_cmp(v, hi) < 0;
	}
	if (!strcmp(op, "!=")) {
		if (c->parts == 3)
			return cmp != 0;
		semver_next(c, hi);
		return cmp < 0 || semver_cmp(v, hi) >= 0;
	}
	if (!strcmp(op, ">"))
		return cmp > 0;
	if (!strcmp(op, ">=") || !strcmp(op, "=>"))
		return cmp >= 0;
	if (!strcmp(op, "<"))
		return cmp < 0;
	if (!strcmp(op, "<=") || !strcmp(op, "=<")) {
		if (c->parts == 3)
			return cmp <= 0;
		semver_next(c, hi);
		return semver_cmp(v, hi) < 0;
	}
	if (!strcmp(op, "~") || !strcmp(op, "~>")) {
		/* ~1.2.3: >= 1.2.3, < 1.3.0; ~1: >= 1, < 2. */
		struct semver t = *c;

		if (t.parts > 2)
			t.parts = 2;
		semver_next(&t, hi);
		return cmp >= 0 && semver_cmp(v, hi) < 0;
	}
	if (!strcmp(op, "^")) {
		/* ^1.2.3: < 2.0.0; ^0.2.3: < 0.3.0; ^0.0.3: < 0.0.4. */
		struct semver t = *c;
		int i;

		for (i = 0; i < 2 && i < t.parts - 1 && !t.v[i]; i++)
			;
		t.parts = i + 1 < t.parts ? i + 1 : t.parts;
		semver_next(&t, hi);
		return cmp >= 0 && semver_cmp(v, hi) < 0;
	}
	return false;
}

int cws_policy_version_admits(const char *constraint, const char *version)
{
	struct semver have, c;
	const char *s = constraint;
	bool any = false, all = true, empty = true;

	if (!constraint || !version || !parse_semver(version, &have))
		return -EINVAL;
	for (;;) {
		char op[3] = "";
		int n = 0;

		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (!*s || (s[0] == '|' && s[1] == '|')) {
			if (empty)
				return -EINVAL;
			any |= all;
			if (!*s)
				break;
			s += 2;
			all = true;
			empty = true;
			continue;
		}
		while (n < 2 && strchr("<>=!~^", *s))
			op[n++] = *s++;
		op[n] = '\0';
		if (strchr("<>=!~^", *s))
			return -EINVAL;
		while (isspace((unsigned char)*s))
			s++;
		s = parse_semver(s, &c);
		if (!s || (*s && !isspace((unsigned char)*s) && *s != ',' &&
			   *s != '|'))
			return -EINVAL;
		if (n && strcmp(op, "=") && strcmp(op, "==") &&
		    strcmp(op, "!=") && strcmp(op, ">") && strcmp(op, ">=") &&
		    strcmp(op, "=>") && strcmp(op, "<") && strcmp(op, "<=") &&
		    strcmp(op, "=<") && strcmp(op, "~") && strcmp(op, "~>") &&
		    strcmp(op, "^"))
			return -EINVAL;
		all = all && semver_check(op, &c, have.v);
		empty = false;
	}
	return any;
}

/*
 * Rule filters: SECL expressions over facts about the host, ORed when a
 * rule has several. Datadog's default policy only uses `os == "..."`;
 * the rest of its fact model is here so that custom policies work too.
 */

enum fkind { FK_BOOL, FK_INT, FK_STR };

struct fval {
	enum fkind kind;
	bool b;
	long long i;
	const char *s;
};

enum ftok {
	FT_END,
	FT_IDENT,
	FT_STR,
	FT_INT,
	FT_OP,
	FT_LP,
	FT_RP,
	FT_LB,
	FT_RB,
	FT_COMMA
};

struct flex {
	const char *s;
	size_t i;
	enum ftok tok;
	char text[256];
	long long ival;
	const struct cws_policy_host *host;
	char *why;
	size_t whylen;
	int depth;
	bool failed;
};

CWS_PRINTF(2, 3)
static void ffail(struct flex *x, const char *fmt, ...)
{
	va_list ap;

	if (x->failed)
		return;
	x->failed = true;
	if (!x->why || !x->whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(x->why, x->whylen, fmt, ap);
	va_end(ap);
}

static void fnext(struct flex *x)
{
	const char *s = x->s;
	size_t n = 0;

	while (isspace((unsigned char)s[x->i]))
		x->i++;
	x->text[0] = '\0';
	if (!s[x->i]) {
		x->tok = FT_END;
		return;
	}
	if (isalpha((unsigned char)s[x->i]) || s[x->i] == '_') {
		while (isalnum((unsigned char)s[x->i]) || s[x->i] == '_' ||
		       s[x->i] == '.') {
			if (n + 1 < sizeof(x->text))
				x->text[n++] = s[x->i];
			x->i++;
		}
		x->text[n] = '\0';
		x->tok = FT_IDENT;
		return;
	}
	if (isdigit((unsigned char)s[x->i]) ||
	    (s[x->i] == '-' && isdigit((unsigned char)s[x->i + 1]))) {
		char *end;

		errno = 0;
		x->ival = strtoll(s + x->i, &end, 10);
		if (errno)
			ffail(x, "number out of range");
		x->i = (size_t)(end - s);
		x->tok = FT_INT;
		return;
	}
	if (s[x->i] == '"') {
		x->i++;
		while (s[x->i] && s[x->i] != '"') {
			if (n + 1 < sizeof(x->text))
				x->text[n++] = s[x->i];
			x->i++;
		}
		x->text[n] = '\0';
		if (!s[x->i])
			ffail(x, "unterminated string");
		else
			x->i++;
		x->tok = FT_STR;
		return;
	}
	switch (s[x->i]) {
	case '(':
		x->tok = FT_LP;
		x->i++;
		return;
	case ')':
		x->tok = FT_RP;
		x->i++;
		return;
	case '[':
		x->tok = FT_LB;
		x->i++;
		return;
	case ']':
		x->tok = FT_RB;
		x->i++;
		return;
	case ',':
		x->tok = FT_COMMA;
		x->i++;
		return;
	}
	while (n < 2 && strchr("=!<>&|", s[x->i]) && s[x->i])
		x->text[n++] = s[x->i++];
	x->text[n] = '\0';
	x->tok = FT_OP;
	if (!n) {
		ffail(x, "unexpected '%c'", s[x->i]);
		x->tok = FT_END;
	}
}

static bool os_is(const struct cws_policy_host *h, const char *const *ids)
{
	for (; *ids; ids++)
		if (h->os_id && !strcmp(h->os_id, *ids))
			return true;
	return false;
}

/* Looks a fact up by the name Datadog gives it. */
static bool fact(struct flex *x, const char *name, struct fval *v)
{
	static const char *const amzn[] = { "amzn", NULL };
	static const char *const cos[] = { "cos", NULL };
	static const char *const debian[] = { "debian", NULL };
	static const char *const oracle[] = { "ol", NULL };
	static const char *const rhel[] = { "rhel", "centos", "rocky",
					    "almalinux", NULL };
	static const char *const sles[] = { "sles", "sled", "opensuse-leap",
					    NULL };
	static const struct {
		const char *name;
		const char *const *ids;
	} is[] = {
		{ "os.is_amazon_linux", amzn }, { "os.is_cos", cos },
		{ "os.is_debian", debian },	{ "os.is_oracle", oracle },
		{ "os.is_rhel", rhel },		{ "os.is_sles", sles },
	};
	const struct cws_policy_host *h = x->host;
	size_t i;

	memset(v, 0, sizeof(*v));
	v->kind = FK_STR;
	if (!strcmp(name, "os"))
		v->s = h->os ? h->os : "linux";
	else if (!strcmp(name, "os.id"))
		v->s = h->os_id ? h->os_id : "";
	else if (!strcmp(name, "os.version_id"))
		v->s = h->os_version_id ? h->os_version_id : "";
	else if (!strcmp(name, "os.platform_id"))
		v->s = h->os_platform_id ? h->os_platform_id : "";
	else if (!strcmp(name, "hostname"))
		v->s = h->hostname ? h->hostname : "";
	else if (!strcmp(name, "kernel.version.flavor"))
		v->s = h->kernel_flavor ? h->kernel_flavor : "";
	else if (!strcmp(name, "origin"))
		v->s = "ebpf";
	else
		v->kind = FK_INT;
	if (v->kind == FK_STR)
		return true;
	if (!strcmp(name, "kernel.version.major"))
		v->i = h->kernel_major;
	else if (!strcmp(name, "kernel.version.minor"))
		v->i = h->kernel_minor;
	else if (!strcmp(name, "kernel.version.patch"))
		v->i = h->kernel_patch;
	else if (!strcmp(name, "kernel.version.abi"))
		v->i = h->kernel_abi;
	else
		v->kind = FK_BOOL;
	if (v->kind == FK_INT)
		return true;
	if (!strcmp(name, "true") || !strcmp(name, "false")) {
		v->b = name[0] == 't';
		return true;
	}
	if (!strcmp(name, "kernel.core.enabled"))
		return true; /* no kernel core tracing in cws */
	for (i = 0; i < CWS_ARRAY_SIZE(is); i++)
		if (!strcmp(name, is[i].name)) {
			v->b = os_is(h, is[i].ids);
			return true;
		}
	ffail(x, "unknown filter field `%s`", name);
	return false;
}

static void fexpr(struct flex *x, struct fval *out);

/* Stores a literal string for comparisons; filters are short. */
static const char *fsave(struct flex *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s", x->text);
	return buf;
}

static void foperand(struct flex *x, struct fval *v, char *sbuf, size_t slen)
{
	memset(v, 0, sizeof(*v));
	if (++x->depth > 64) {
		ffail(x, "nested too deep");
		x->depth--;
		return;
	}
	if ((x->tok == FT_OP && !strcmp(x->text, "!")) ||
	    (x->tok == FT_IDENT && !strcmp(x->text, "not"))) {
		fnext(x);
		foperand(x, v, sbuf, slen);
		if (v->kind != FK_BOOL)
			ffail(x, "bool expected");
		v->b = !v->b;
	} else if (x->tok == FT_LP) {
		fnext(x);
		fexpr(x, v);
		if (x->tok != FT_RP)
			ffail(x, "')' expected");
		fnext(x);
	} else if (x->tok == FT_IDENT) {
		fact(x, x->text, v);
		fnext(x);
	} else if (x->tok == FT_STR) {
		v->kind = FK_STR;
		v->s = fsave(x, sbuf, slen);
		fnext(x);
	} else if (x->tok == FT_INT) {
		v->kind = FK_INT;
		v->i = x->ival;
		fnext(x);
	} else {
		ffail(x, "operand expected");
	}
	x->depth--;
}

static bool fequal(const struct fval *a, const struct fval *b)
{
	switch (a->kind) {
	case FK_BOOL:
		return a->b == b->b;
	case FK_INT:
		return a->i == b->i;
	default:
		return !strcmp(a->s, b->s);
	}
}

/* `x in [a, b]` and `x not in [...]`. */
static bool fin(struct flex *x, const struct fval *l)
{
	bool found = false;
	char sbuf[256];
	struct fval m;

	if (x->tok != FT_LB) {
		ffail(x, "'[' expected");
		return false;
	}
	do {
		fnext(x);
		foperand(x, &m, sbuf, sizeof(sbuf));
		if (x->failed)
			return false;
		if (m.kind != l->kind)
			ffail(x, "%s expected",
			      l->kind == FK_STR ? "string" :
			      l->kind == FK_INT ? "int" :
						  "bool");
		else if (fequal(l, &m))
			found = true;
	} while (x->tok == FT_COMMA);
	if (x->tok != FT_RB)
		ffail(x, "']' expected");
	fnext(x);
	return found;
}

static void fcmp(struct flex *x, struct fval *out)
{
	char lbuf[256], rbuf[256], op[3];
	struct fval l, r;
	bool neg = false;

	foperand(x, &l, lbuf, sizeof(lbuf));
	if (x->failed)
		return;
	if (x->tok == FT_IDENT &&
	    (!strcmp(x->text, "in") || !strcmp(x->text, "not"))) {
		if (!strcmp(x->text, "not")) {
			fnext(x);
			if (x->tok != FT_IDENT || strcmp(x->text, "in")) {
				ffail(x, "'in' expected");
				return;
			}
			neg = true;
		}
		fnext(x);
		out->kind = FK_BOOL;
		out->b = fin(x, &l) != neg;
		return;
	}
	if (x->tok != FT_OP || !strcmp(x->text, "&&") ||
	    !strcmp(x->text, "||")) {
		*out = l;
		return;
	}
	/* Operators are at most two characters (fnext). */
	op[0] = x->text[0];
	op[1] = x->text[0] ? x->text[1] : '\0';
	op[2] = '\0';
	fnext(x);
	foperand(x, &r, rbuf, sizeof(rbuf));
	if (x->failed)
		return;
	out->kind = FK_BOOL;
	if (l.kind != r.kind) {
		ffail(x, "%s expected",
		      l.kind == FK_STR ? "string" :
		      l.kind == FK_INT ? "int" :
					 "bool");
		return;
	}
	if (!strcmp(op, "=="))
		out->b = fequal(&l, &r);
	else if (!strcmp(op, "!="))
		out->b = !fequal(&l, &r);
	else if (l.kind != FK_INT)
		ffail(x, "operator `%s` needs ints", op);
	else if (!strcmp(op, "<"))
		out->b = l.i < r.i;
	else if (!strcmp(op, "<="))
		out->b = l.i <= r.i;
	else if (!strcmp(op, ">"))
		out->b = l.i > r.i;
	else if (!strcmp(op, ">="))
		out->b = l.i >= r.i;
	else
		ffail(x, "operator `%s` unknown", op);
}

/* SECL's flat, right-grouping && and ||. */
static void fexpr(struct flex *x, struct fval *out)
{
	struct fval r;
	bool and_op;

	fcmp(x, out);
	if (x->failed)
		return;
	if (x->tok == FT_OP &&
	    (!strcmp(x->text, "&&") || !strcmp(x->text, "||")))
		and_op = x->text[0] == '&';
	else if (x->tok == FT_IDENT &&
		 (!strcmp(x->text, "and") || !strcmp(x->text, "or")))
		and_op = x->text[0] == 'a';
	else
		return;
	if (out->kind != FK_BOOL) {
		ffail(x, "bool expected");
		return;
	}
	if (++x->depth > 64) {
		ffail(x, "nested too deep");
		return;
	}
	fnext(x);
	fexpr(x, &r);
	x->depth--;
	if (x->failed)
		return;
	if (r.kind != FK_BOOL) {
		ffail(x, "bool expected");
		return;
	}
	out->b = and_op ? out->b && r.b : out->b || r.b;
}

int cws_policy_filter_eval(const char *filter,
			   const struct cws_policy_host *host, char *why,
			   size_t whylen)
{
	static const struct cws_policy_host linux_host = { .os = "linux" };
	struct flex x = { .s = filter,
			  .host = host ? host : &linux_host,
			  .why = why,
			  .whylen = whylen };
	struct fval v;

	if (why && whylen)
		why[0] = '\0';
	if (!filter)
		return -EINVAL;
	fnext(&x);
	fexpr(&x, &v);
	if (!x.failed && x.tok != FT_END)
		ffail(&x, "unexpected `%s`", x.text);
	if (!x.failed && v.kind != FK_BOOL)
		ffail(&x, "bool expected");
	if (x.failed)
		return -EINVAL;
	return v.b;
}

/*
 * Host facts, read once per policy set.
 */

static char *os_release_value(struct cws_policy_priv *pv, const char *text,
			      const char *key)
{
	size_t kl = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);

		if (n > kl && !strncmp(line, key, kl) && line[kl] == '=') {
			const char *v = line + kl + 1;

			n -= kl + 1;
			if (n >= 2 && (v[0] == '"' || v[0] == '\'') &&
			    v[n - 1] == v[0]) {
				v++;
				n -= 2;
			}
			return pstrndup(pv, v, n);
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

static void read_host(struct cws_policy_priv *pv)
{
	struct cws_policy_host *h = &pv->host;
	struct utsname u;
	char text[8192];
	ssize_t n = -1;
	int fd;

	h->os = "linux";
	if (!uname(&u)) {
		const char *s = u.release, *dash;

		h->hostname = pstrdup(pv, u.nodename);
		sscanf(s, "%d.%d.%d", &h->kernel_major, &h->kernel_minor,
		       &h->kernel_patch);
		dash = strchr(s, '-');
		if (dash) {
			h->kernel_abi = (int)strtol(dash + 1, NULL, 10);
			dash = strchr(dash + 1, '-');
			if (dash)
				h->kernel_flavor = pstrdup(pv, dash + 1);
		}
	}
	fd = open("/etc/os-release", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/usr/lib/os-release", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	if (n > 0) {
		text[n] = '\0';
		h->os_id = os_release_value(pv, text, "ID");
		h->os_version_id = os_release_value(pv, text, "VERSION_ID");
		h->os_platform_id = os_release_value(pv, text, "PLATFORM_ID");
	}
}

/*
 * Definitions: growing the arrays until compile time.
 */

static struct cws_policy_rule *new_rule(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_rule *r;

	if (p->nrules == pv->cap_rules) {
		size_t nc = pv->cap_rules ? pv->cap_rules * 2 : 64;

		if (p->nrules >= CWS_SECL_MAX_RULES) {
			errno = E2BIG;
			return NULL;
		}
		r = realloc(p->rules, nc * sizeof(*r));
		if (!r) {
			pv->nomem = true;
			return NULL;
		}
		p->rules = r;
		pv->cap_rules = nc;
	}
	r = &p->rules[p->nrules++];
	memset(r, 0, sizeof(*r));
	r->err_pos = -1;
	return r;
}

static struct cws_policy_macro *new_macro(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_macro *m;

	if (p->nmacros == pv->cap_macros) {
		size_t nc = pv->cap_macros ? pv->cap_macros * 2 : 32;

		if (p->nmacros >= CWS_SECL_MAX_MACROS) {
			errno = E2BIG;
			return NULL;
		}
		m = realloc(p->macros, nc * sizeof(*m));
		if (!m) {
			pv->nomem = true;
			return NULL;
		}
		p->macros = m;
		pv->cap_macros = nc;
	}
	m = &p->macros[p->nmacros++];
	memset(m, 0, sizeof(*m));
	m->err_pos = -1;
	return m;
}

/* Files never move: the array is sized for the cap at creation. */
static struct cws_policy_file *new_file(struct cws_policy *p, const char *name,
					const char *path, const char *source)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;

	if (p->nfiles >= CWS_POLICY_MAX_FILES + 1)
		return NULL;
	f = &p->files[p->nfiles++];
	memset(f, 0, sizeof(*f));
	f->name = pstrdup(pv, name);
	f->path = pstrdup(pv, path);
	f->source = source;
	return f;
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= MAX_ID &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789_") == n;
}

/* Go's time.ParseDuration units; a bare integer is nanoseconds. */
static int parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ull },		  { "us", 1000ull },
		{ "\xc2\xb5s", 1000ull }, { "\xce\xbcs", 1000ull },
		{ "ms", 1000000ull },	  { "s", 1000000000ull },
		{ "m", 60000000000ull },  { "h", 3600000000000ull },
	};
	uint64_t total = 0;
	size_t i;

	if (!*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		*ns = strtoull(s, NULL, 10);
		return errno ? -EINVAL : 0;
	}
	if (*s == '+')
		s++;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	while (*s) {
		uint64_t whole = 0, part;
		double frac = 0, scale = 0.1;
		size_t best = CWS_ARRAY_SIZE(units), n;

		if (!isdigit((unsigned char)*s) &&
		    !(*s == '.' && isdigit((unsigned char)s[1])))
			return -EINVAL;
		for (; isdigit((unsigned char)*s); s++)
			if (__builtin_mul_overflow(whole, 10, &whole) ||
			    __builtin_add_overflow(whole, (uint64_t)(*s - '0'),
						   &whole))
				return -EINVAL;
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
				frac += (*s - '0') * scale;
		for (i = 0; i < CWS_ARRAY_SIZE(units); i++) {
			n = strlen(units[i].name);
			if (!strncmp(s, units[i].name, n) &&
			    (best == CWS_ARRAY_SIZE(units) ||
			     n > strlen(units[best].name)))
				best = i;
		}
		if (best == CWS_ARRAY_SIZE(units))
			return -EINVAL;
		s += strlen(units[best].name);
		if (__builtin_mul_overflow(whole, units[best].ns, &part) ||
		    __builtin_add_overflow(
			    part, (uint64_t)(frac * units[best].ns), &part) ||
		    __builtin_add_overflow(total, part, &total))
			return -EINVAL;
	}
	*ns = total;
	return 0;
}

/*
 * YAML: a first pass with the event parser checks syntax and depth, then
 * the document is loaded and walked with a node budget.
 */

struct yctx {
	struct cws_policy *p;
	struct cws_policy_priv *pv;
	yaml_document_t *doc;
	struct cws_policy_file *f;
	unsigned long budget;
	bool overflow;
};

static unsigned mark_line(yaml_mark_t m)
{
	return m.line < UINT_MAX ? (unsigned)m.line + 1 : UINT_MAX;
}

static unsigned mark_col(yaml_mark_t m)
{
	return m.column < UINT_MAX ? (unsigned)m.column + 1 : UINT_MAX;
}

static yaml_node_t *ynode(struct yctx *y, int idx)
{
	if (!y->budget) {
		y->overflow = true;
		return NULL;
	}
	y->budget--;
	return yaml_document_get_node(y->doc, idx);
}

/* A scalar's text, or NULL for another node or text with a NUL byte. */
static const char *yscalar(const yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE ||
	    strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static bool yplain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A plain null (~, null, empty) counts as absent, as in yaml.v2. */
static bool ynull(const yaml_node_t *n)
{
	const char *s = yscalar(n);

	return s && yplain(n) &&
	       (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"));
}

/* YAML 1.1 booleans, which Datadog's yaml.v2 reads. */
static int ybool(const yaml_node_t *n, bool *b)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *s = yscalar(n);
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < CWS_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*b = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*b = false;
			return 0;
		}
	}
	return -EINVAL;
}

static bool is_int_text(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

/* Records the first error of a rule, with the line it is on. */
CWS_PRINTF(4, 5)
static void rule_fail(struct yctx *y, struct cws_policy_rule *r,
		      const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (r->status != CWS_POLICY_LOADED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->status = CWS_POLICY_ERROR;
	r->message = n ? pprintf(y->pv, "line %u: %s", mark_line(n->start_mark),
				 msg) :
			 pstrdup(y->pv, msg);
}

CWS_PRINTF(4, 5)
static void macro_fail(struct yctx *y, struct cws_policy_macro *m,
		       const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (m->status != CWS_POLICY_LOADED)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->status = CWS_POLICY_ERROR;
	m->message = n ? pprintf(y->pv, "line %u: %s", mark_line(n->start_mark),
				 msg) :
			 pstrdup(y->pv, msg);
}

/* Reads a list of strings; returns false if it is not one. */
static bool ystrings(struct yctx *y, yaml_node_t *n, const char ***out,
		     size_t *nout, size_t cap)
{
	yaml_node_item_t *it;

	*out = NULL;
	*nout = 0;
	if (ynull(n))
		return true;
	if (n->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = ynode(y, *it);
		const char *s = yscalar(e);

		if (!s || *nout >= cap)
			return false;
		plist_add(y->pv, out, nout, pstrdup(y->pv, s));
	}
	return true;
}

/* Reads a map of strings (tags); returns false if it is not one. */
static bool ytags(struct yctx *y, yaml_node_t *n, struct cws_kv **out,
		  size_t *nout)
{
	yaml_node_pair_t *pr;
	size_t cap;

	*out = NULL;
	*nout = 0;
	if (ynull(n))
		return true;
	if (n->type != YAML_MAPPING_NODE)
		return false;
	cap = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	if (cap > CWS_POLICY_MAX_TAGS)
		return false;
	*out = palloc(y->pv, (cap + 1) * sizeof(**out));
	if (!*out)
		return false;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		const char *k = yscalar(ynode(y, pr->key));
		const char *v = yscalar(ynode(y, pr->value));

		if (!k || !v)
			return false;
		(*out)[*nout].key = pstrdup(y->pv, k);
		(*out)[*nout].value = pstrdup(y->pv, v);
		(*nout)++;
	}
	return true;
}

/*
 * A `value:` or `default_value:`: a scalar (bool, int or string, by its
 * YAML form) or a list of ints or strings. Returns NULL or what is wrong.
 */
static const char *yvalue(struct yctx *y, yaml_node_t *n,
			  struct cws_secl_value *v)
{
	const char *s = yscalar(n);
	yaml_node_item_t *it;
	size_t cnt, i = 0;
	bool b;

	memset(v, 0, sizeof(*v));
	if (s) {
		if (yplain(n) && !ybool(n, &b)) {
			v->kind = CWS_SECL_BOOL;
			v->b = b;
		} else if (yplain(n) && is_int_text(s)) {
			v->kind = CWS_SECL_INT;
			v->i = strtoll(s, NULL, 10);
		} else {
			v->kind = CWS_SECL_STR;
			v->s.p = pstrdup(y->pv, s);
			v->s.n = (uint32_t)strlen(s);
		}
		return NULL;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return "expected a scalar or a list";
	cnt = (size_t)(n->data.sequence.items.top -
		       n->data.sequence.items.start);
	if (!cnt || cnt > CWS_SECL_VAR_MAX_VALUES)
		return "a list value needs 1 to 1024 elements";
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		yaml_node_t *e = ynode(y, *it);
		struct cws_secl_value ev;

		if (!e || !yscalar(e) || yvalue(y, e, &ev))
			return "list elements must be scalars";
		if (i == 0) {
			if (ev.kind == CWS_SECL_INT) {
				v->kind = CWS_SECL_INT_ARRAY;
				v->ints.v =
					palloc(y->pv, cnt * sizeof(int64_t));
			} else if (ev.kind == CWS_SECL_STR) {
				v->kind = CWS_SECL_STR_ARRAY;
				v->strs.v = palloc(
					y->pv,
					cnt * sizeof(struct cws_secl_str));
			} else {
				return "lists of booleans are not supported";
			}
			if (!v->ints.v && !v->strs.v)
				return "out of memory";
		}
		if (v->kind == CWS_SECL_INT_ARRAY && ev.kind == CWS_SECL_INT)
			((int64_t *)v->ints.v)[v->ints.n++] = ev.i;
		else if (v->kind == CWS_SECL_STR_ARRAY &&
			 ev.kind == CWS_SECL_STR)
			((struct cws_secl_str *)v->strs.v)[v->strs.n++] = ev.s;
		else
			return "list elements must all be ints or all strings";
	}
	return NULL;
}

static yaml_node_t *ymap_get(struct yctx *y, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *pr;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		const char *k = yscalar(ynode(y, pr->key));

		if (k && !strcmp(k, key))
			return ynode(y, pr->value);
	}
	return NULL;
}

/* Parses the map of a `set` action into a. */
static void parse_set(struct yctx *y, struct cws_policy_action *a,
		      yaml_node_t *m)
{
	yaml_node_pair_t *pr;
	const char *why = NULL;
	int given = 0;

	a->type = CWS_POLICY_ACT_SET;
	a->usable = true;
	a->var = -1;
	if (m->type != YAML_MAPPING_NODE) {
		why = "expected a map";
		goto out;
	}
	for (pr = m->data.mapping.pairs.start;
	     pr < m->data.mapping.pairs.top && !why; pr++) {
		yaml_node_t *kn = ynode(y, pr->key), *vn = ynode(y, pr->value);
		const char *k = yscalar(kn), *s = yscalar(vn);
		uint64_t u;
		bool b;

		if (!k || !vn) {
			why = "expected a map";
			break;
		}
		if (ynull(vn))
			continue;
		if (!strcmp(k, "name")) {
			a->var_name = pstrdup(y->pv, s);
			if (!s)
				why = "`name`: expected a string";
		} else if (!strcmp(k, "value")) {
			why = yvalue(y, vn, &a->value);
			a->has_value = true;
			given++;
		} else if (!strcmp(k, "field")) {
			a->field = pstrdup(y->pv, s);
			if (!s)
				why = "`field`: expected a string";
			given++;
		} else if (!strcmp(k, "expression")) {
			a->expression = pstrdup(y->pv, s);
			if (!s)
				why = "`expression`: expected a string";
			given++;
		} else if (!strcmp(k, "default_value")) {
			why = yvalue(y, vn, &a->def);
			if (!why && a->def.kind != CWS_SECL_BOOL &&
			    a->def.kind != CWS_SECL_INT &&
			    a->def.kind != CWS_SECL_STR)
				why = "`default_value`: expected a scalar";
			a->has_default = true;
		} else if (!strcmp(k, "append")) {
			if (ybool(vn, &a->append))
				why = "`append`: expected a boolean";
		} else if (!strcmp(k, "inherited")) {
			if (ybool(vn, &a->inherited))
				why = "`inherited`: expected a boolean";
		} else if (!strcmp(k, "private")) {
			if (ybool(vn, &b))
				why = "`private`: expected a boolean";
		} else if (!strcmp(k, "scope")) {
			if (!s)
				why = "`scope`: expected a string";
			else if (!strcmp(s, "process"))
				a->scope = CWS_SECL_SCOPE_PROCESS;
			else if (!strcmp(s, "container"))
				a->scope = CWS_SECL_SCOPE_CONTAINER;
			else if (!strcmp(s, "cgroup"))
				a->scope = CWS_SECL_SCOPE_CGROUP;
			else if (!strcmp(s, "global") || !*s)
				a->scope = CWS_SECL_SCOPE_GLOBAL;
			else
				why = "`scope`: expected process, container or cgroup";
		} else if (!strcmp(k, "ttl")) {
			if (!s || parse_duration(s, &a->ttl_ns))
				why = "`ttl`: expected a duration";
		} else if (!strcmp(k, "size")) {
			/* Past secl's cap, the cap: the oldest values go. */
			if (!s || !is_int_text(s) || *s == '-' ||
			    parse_duration(s, &u))
				why = "`size`: expected a positive int";
			else
				a->size = u > CWS_SECL_VAR_MAX_VALUES ?
						  CWS_SECL_VAR_MAX_VALUES :
						  (uint32_t)u;
		} else if (!strcmp(k, "scope_field")) {
			a->scope_field_text = pstrdup(y->pv, s);
			if (!s)
				why = "`scope_field`: expected a string";
		}
	}
	if (!why && !a->var_name)
		why = "`name` is missing";
	else if (!why && given != 1)
		why = "one of `value`, `field` and `expression` is needed";
out:
	if (why) {
		a->usable = false;
		a->why = pstrdup(y->pv, why);
	}
}

/* Parses the map of a `kill` action into a. */
static void parse_kill(struct yctx *y, struct cws_policy_action *a,
		       yaml_node_t *m)
{
	const char *sig = yscalar(ymap_get(y, m, "signal"));
	const char *scope = yscalar(ymap_get(y, m, "scope"));
	int64_t v = 0;

	a->type = CWS_POLICY_ACT_KILL;
	a->usable = true;
	if (m->type != YAML_MAPPING_NODE) {
		a->why = "expected a map";
	} else if (!sig) {
		a->why = "`signal` is missing";
	} else if (strncmp(sig, "SIG", 3) || cws_secl_constant(sig, &v) ||
		   v <= 0 || v > 64) {
		a->why = pprintf(y->pv, "unknown signal `%s`", sig);
	} else if (scope && *scope && strcmp(scope, "process") &&
		   strcmp(scope, "container")) {
		a->why = pprintf(y->pv, "unknown kill scope `%s`", scope);
	}
	a->signal = (int)v;
	a->signal_name = pstrdup(y->pv, sig);
	if (scope && !strcmp(scope, "container"))
		a->kill_scope = CWS_POLICY_KILL_CONTAINER;
	if (a->why)
		a->usable = false;
}

static const char *const action_keys[] = {
	"set", "kill", "hash", "coredump", "log", "network_filter",
};

static void parse_actions(struct yctx *y, struct cws_policy_rule *r,
			  yaml_node_t *seq)
{
	yaml_node_item_t *it;
	size_t n, i = 0;

	if (ynull(seq))
		return;
	if (seq->type != YAML_SEQUENCE_NODE) {
		rule_fail(y, r, seq, "`actions`: expected a list");
		return;
	}
	n = (size_t)(seq->data.sequence.items.top -
		     seq->data.sequence.items.start);
	if (n > CWS_POLICY_MAX_ACTIONS) {
		rule_fail(y, r, seq, "more than %u actions",
			  CWS_POLICY_MAX_ACTIONS);
		return;
	}
	r->actions = palloc(y->pv, (n + 1) * sizeof(*r->actions));
	if (!r->actions)
		return;
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++, i++) {
		struct cws_policy_action *a = &r->actions[i];
		yaml_node_t *m = ynode(y, *it), *body = NULL;
		yaml_node_pair_t *pr;
		int kinds = 0;
		size_t k;

		a->var = -1;
		r->nactions = i + 1;
		if (!m || m->type != YAML_MAPPING_NODE) {
			a->type = CWS_POLICY_ACT_OTHER;
			a->name = "?";
			a->why = "expected a map";
			continue;
		}
		for (pr = m->data.mapping.pairs.start;
		     pr < m->data.mapping.pairs.top; pr++) {
			const char *key = yscalar(ynode(y, pr->key));

			if (!key)
				continue;
			if (!strcmp(key, "filter")) {
				a->filter_text = pstrdup(
					y->pv, yscalar(ynode(y, pr->value)));
				if (!a->filter_text)
					a->why = "`filter`: expected a string";
				continue;
			}
			for (k = 0; k < CWS_ARRAY_SIZE(action_keys); k++)
				if (!strcmp(key, action_keys[k]))
					break;
			if (k == CWS_ARRAY_SIZE(action_keys) &&
			    !strcmp(key, "disarmer"))
				continue;
			kinds++;
			a->name = pstrdup(y->pv, key);
			body = ynode(y, pr->value);
		}
		if (kinds != 1 || !body) {
			a->type = CWS_POLICY_ACT_OTHER;
			a->name = a->name ? a->name : "?";
			a->why =
				kinds ? "an action has one of set, kill, hash, "
					"coredump, log or network_filter" :
					"empty action";
			continue;
		}
		if (!strcmp(a->name, "set")) {
			const char *fwhy = a->why;

			parse_set(y, a, body);
			if (fwhy) {
				a->why = fwhy;
				a->usable = false;
			}
		} else if (!strcmp(a->name, "kill")) {
			const char *fwhy = a->why;

			parse_kill(y, a, body);
			if (fwhy) {
				a->why = fwhy;
				a->usable = false;
			}
		} else {
			a->type = CWS_POLICY_ACT_OTHER;
			a->why = "not supported by cws";
		}
	}
}

/*
 * Applies agent_version and filters; returns true when the definition is
 * filtered out (status and message set through the pointers).
 */
static bool filtered_out(struct yctx *y, const char *agent_version,
			 yaml_node_t *filters, enum cws_policy_status *status,
			 const char **message)
{
	char why[256];
	yaml_node_item_t *it;
	const char *first = NULL;
	int rc;

	if (agent_version) {
		rc = cws_policy_version_admits(agent_version,
					       y->pv->agent_version);
		if (rc < 0) {
			*status = CWS_POLICY_ERROR;
			*message = pprintf(
				y->pv, "invalid agent_version constraint `%s`",
				agent_version);
			return true;
		}
		if (!rc) {
			*status = CWS_POLICY_AGENT_VERSION;
			*message = pprintf(
				y->pv, "agent version %s does not satisfy `%s`",
				y->pv->agent_version, agent_version);
			return true;
		}
	}
	if (!filters || ynull(filters))
		return false;
	if (filters->type != YAML_SEQUENCE_NODE) {
		*status = CWS_POLICY_ERROR;
		*message = "`filters`: expected a list";
		return true;
	}
	for (it = filters->data.sequence.items.start;
	     it < filters->data.sequence.items.top; it++) {
		const char *f = yscalar(ynode(y, *it));

		if (!f) {
			*status = CWS_POLICY_ERROR;
			*message = "`filters`: expected a list of strings";
			return true;
		}
		rc = cws_policy_filter_eval(f, &y->pv->host, why, sizeof(why));
		if (rc < 0) {
			*status = CWS_POLICY_ERROR;
			*message = pprintf(y->pv, "invalid filter `%s`: %s", f,
					   why);
			return true;
		}
		if (rc)
			return false;
		if (!first)
			first = f;
	}
	if (!first)
		return false;
	*status = CWS_POLICY_AGENT_FILTER;
	*message = pprintf(y->pv, "not applicable to this host: `%s`", first);
	return true;
}

/* Reads one string key; reports a wrong type. */
static const char *rule_str(struct yctx *y, struct cws_policy_rule *r,
			    const char *key, yaml_node_t *v)
{
	const char *s = yscalar(v);

	if (!s) {
		rule_fail(y, r, v, "`%s`: expected a string", key);
		return NULL;
	}
	return pstrdup(y->pv, s);
}

static void parse_override_options(struct yctx *y, struct cws_policy_rule *r,
				   yaml_node_t *v)
{
	static const struct {
		const char *name;
		unsigned bit;
	} fields[] = {
		{ "expression", CWS_POLICY_OVERRIDE_EXPRESSION },
		{ "actions", CWS_POLICY_OVERRIDE_ACTIONS },
		{ "every", CWS_POLICY_OVERRIDE_EVERY },
		{ "tags", CWS_POLICY_OVERRIDE_TAGS },
		{ "all", CWS_POLICY_OVERRIDE_ALL },
	};
	yaml_node_t *f =
		v->type == YAML_MAPPING_NODE ? ymap_get(y, v, "fields") : v;
	const char **list;
	size_t n, i, k;

	if (!f)
		return;
	if (!ystrings(y, f, &list, &n, 16)) {
		rule_fail(y, r, f,
			  "`override_options.fields`: expected a list");
		return;
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < CWS_ARRAY_SIZE(fields); k++)
			if (!strcmp(list[i], fields[k].name))
				break;
		if (k == CWS_ARRAY_SIZE(fields)) {
			rule_fail(y, r, v, "unknown override field `%s`",
				  list[i]);
			return;
		}
		r->override_fields |= fields[k].bit;
	}
}

static void parse_rule(struct yctx *y, yaml_node_t *n)
{
	struct cws_policy_rule *r = new_rule(y->p);
	yaml_node_t *filters = NULL;
	yaml_node_pair_t *pr;
	enum cws_policy_status st;
	const char *msg;

	if (!r)
		return;
	r->file = y->f;
	r->line = mark_line(n->start_mark);
	r->id = "";
	if (n->type != YAML_MAPPING_NODE) {
		rule_fail(y, r, n, "a rule is a map");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = ynode(y, pr->key), *v = ynode(y, pr->value);
		const char *k = yscalar(kn), *s;

		if (!kn || !v)
			break; /* out of budget: the whole file fails */
		if (!k) {
			rule_fail(y, r, kn, "keys must be strings");
			continue;
		}
		if (ynull(v))
			continue;
		if (!strcmp(k, "id")) {
			s = rule_str(y, r, k, v);
			r->id = s ? s : "";
		} else if (!strcmp(k, "version")) {
			r->version = rule_str(y, r, k, v);
		} else if (!strcmp(k, "expression")) {
			r->expression = rule_str(y, r, k, v);
		} else if (!strcmp(k, "description")) {
			r->description = rule_str(y, r, k, v);
		} else if (!strcmp(k, "group_id")) {
			r->group_id = rule_str(y, r, k, v);
		} else if (!strcmp(k, "agent_version")) {
			r->agent_version = rule_str(y, r, k, v);
		} else if (!strcmp(k, "combine")) {
			r->combine = rule_str(y, r, k, v);
			if (r->combine && strcmp(r->combine, "override"))
				rule_fail(y, r, v, "unknown combine `%s`",
					  r->combine);
		} else if (!strcmp(k, "override_options")) {
			parse_override_options(y, r, v);
		} else if (!strcmp(k, "tags")) {
			if (!ytags(y, v, &r->tags, &r->ntags))
				rule_fail(y, r, v,
					  "`tags`: expected a map of strings");
		} else if (!strcmp(k, "product_tags")) {
			if (!ystrings(y, v, &r->product_tags, &r->nproduct_tags,
				      CWS_POLICY_MAX_TAGS))
				rule_fail(
					y, r, v,
					"`product_tags`: expected a list of strings");
		} else if (!strcmp(k, "filters")) {
			filters = v;
		} else if (!strcmp(k, "disabled")) {
			if (ybool(v, &r->disabled))
				rule_fail(y, r, v,
					  "`disabled`: expected a boolean");
		} else if (!strcmp(k, "silent")) {
			if (ybool(v, &r->silent))
				rule_fail(y, r, v,
					  "`silent`: expected a boolean");
		} else if (!strcmp(k, "every")) {
			s = yscalar(v);
			if (!s || parse_duration(s, &r->every_ns))
				rule_fail(y, r, v,
					  "`every`: expected a duration");
		} else if (!strcmp(k, "actions")) {
			parse_actions(y, r, v);
		} else if (!strcmp(k, "limiter_token")) {
			/* Reported as a warning once the rule compiles. */
			if (!yscalar(v) && v->type != YAML_SEQUENCE_NODE)
				rule_fail(y, r, v,
					  "`limiter_token`: expected a list");
		} else if (!strcmp(k, "priority")) {
			if (!yscalar(v) || !is_int_text(yscalar(v)))
				rule_fail(y, r, v,
					  "`priority`: expected an int");
		}
	}
	/* Filtered beats broken: a Windows rule is never an error here. */
	st = r->status;
	msg = r->message;
	if (filtered_out(y, r->agent_version, filters, &st, &msg)) {
		r->status = st;
		r->message = msg;
		return;
	}
	if (r->status != CWS_POLICY_LOADED)
		return;
	if (!*r->id)
		rule_fail(y, r, n, "no rule ID");
	else if (!valid_id(r->id))
		rule_fail(y, r, n,
			  "rule ID pattern error: `%s` (letters, digits and _)",
			  r->id);
}

static void parse_macro(struct yctx *y, yaml_node_t *n)
{
	struct cws_policy_macro *m = new_macro(y->p);
	yaml_node_t *filters = NULL;
	yaml_node_pair_t *pr;
	const char *agent_version = NULL;
	bool has_values = false;

	if (!m)
		return;
	m->file = y->f;
	m->line = mark_line(n->start_mark);
	m->id = "";
	if (n->type != YAML_MAPPING_NODE) {
		macro_fail(y, m, n, "a macro is a map");
		return;
	}
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = ynode(y, pr->key), *v = ynode(y, pr->value);
		const char *k = yscalar(kn), *s = yscalar(v);

		if (!kn || !v)
			break; /* out of budget: the whole file fails */
		if (!k) {
			macro_fail(y, m, kn, "keys must be strings");
			continue;
		}
		if (ynull(v))
			continue;
		if (!strcmp(k, "id")) {
			m->id = s ? pstrdup(y->pv, s) : "";
			if (!s)
				macro_fail(y, m, v, "`id`: expected a string");
		} else if (!strcmp(k, "expression")) {
			m->expression = pstrdup(y->pv, s);
			if (!s)
				macro_fail(y, m, v,
					   "`expression`: expected a string");
		} else if (!strcmp(k, "values")) {
			has_values = true;
			if (!ystrings(y, v, &m->values, &m->nvalues,
				      CWS_SECL_MAX_ARRAY))
				macro_fail(
					y, m, v,
					"`values`: expected a list of strings");
		} else if (!strcmp(k, "agent_version")) {
			agent_version = pstrdup(y->pv, s);
			if (!s)
				macro_fail(
					y, m, v,
					"`agent_version`: expected a string");
		} else if (!strcmp(k, "filters")) {
			filters = v;
		} else if (!strcmp(k, "combine")) {
			m->combine = pstrdup(y->pv, s);
			if (!s || (strcmp(s, "merge") && strcmp(s, "override")))
				macro_fail(y, m, v, "unknown combine `%s`",
					   s ? s : "");
		}
	}
	if (filtered_out(y, agent_version, filters, &m->status, &m->message))
		return;
	if (m->status != CWS_POLICY_LOADED)
		return;
	if (!*m->id)
		macro_fail(y, m, n, "no macro ID");
	else if (!valid_id(m->id))
		macro_fail(y, m, n, "macro ID pattern error: `%s`", m->id);
	else if (m->expression && has_values)
		macro_fail(
			y, m, n,
			"only one of 'expression' and 'values' can be defined");
	else if (!m->expression && !has_values)
		macro_fail(y, m, n, "no macro expression");
}

static void parse_list(struct yctx *y, yaml_node_t *seq, const char *what,
		       void (*one)(struct yctx *, yaml_node_t *))
{
	yaml_node_item_t *it;

	if (ynull(seq))
		return;
	if (seq->type != YAML_SEQUENCE_NODE) {
		if (!y->f->error)
			y->f->error = pprintf(y->pv,
					      "line %u: `%s`: expected a list",
					      mark_line(seq->start_mark), what);
		return;
	}
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top && !y->overflow; it++) {
		yaml_node_t *n = ynode(y, *it);

		if (n)
			one(y, n);
	}
}

static void parse_doc(struct yctx *y, yaml_node_t *root)
{
	yaml_node_pair_t *pr;
	yaml_node_t *macros = NULL, *rules = NULL;

	if (!root || ynull(root))
		return; /* an empty file is an empty policy */
	if (root->type != YAML_MAPPING_NODE) {
		y->f->error = pprintf(y->pv,
				      "line %u: expected a map of "
				      "version, macros and rules",
				      mark_line(root->start_mark));
		return;
	}
	for (pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *v = ynode(y, pr->value);
		const char *k = yscalar(ynode(y, pr->key));

		if (!k || !v)
			break;
		if (!strcmp(k, "version"))
			y->f->version = pstrdup(y->pv, yscalar(v));
		else if (!strcmp(k, "macros"))
			macros = v;
		else if (!strcmp(k, "rules"))
			rules = v;
	}
	if (macros)
		parse_list(y, macros, "macros", parse_macro);
	if (rules)
		parse_list(y, rules, "rules", parse_rule);
}

/* libyaml's own error, with a position. */
static const char *yaml_error(struct cws_policy_priv *pv,
			      const yaml_parser_t *ps)
{
	if (ps->error == YAML_MEMORY_ERROR) {
		pv->nomem = true;
		return "out of memory";
	}
	if (ps->error == YAML_READER_ERROR)
		return pprintf(pv, "invalid YAML: %s at byte %zu",
			       ps->problem ? ps->problem : "bad input",
			       ps->problem_offset);
	return pprintf(pv, "invalid YAML: %s at line %u column %u",
		       ps->problem ? ps->problem : "syntax error",
		       mark_line(ps->problem_mark), mark_col(ps->problem_mark));
}

/* First pass: syntax and nesting, without building a tree. */
static const char *yaml_prescan(struct cws_policy_priv *pv, const char *data,
				size_t len)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	const char *why = NULL;
	int depth = 0;
	bool done = false;

	if (!yaml_parser_initialize(&ps)) {
		pv->nomem = true;
		return "out of memory";
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)data, len);
	while (!done && !why) {
		if (!yaml_parser_parse(&ps, &ev)) {
			why = yaml_error(pv, &ps);
			break;
		}
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > CWS_POLICY_MAX_DEPTH)
				why = pprintf(
					pv,
					"line %u: nested deeper than %d levels",
					mark_line(ev.start_mark),
					CWS_POLICY_MAX_DEPTH);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_END_EVENT: /* only the first document */
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&ps);
	return why;
}

/* Parses one file's bytes into definitions attributed to f. */
static void parse_policy(struct cws_policy *p, struct cws_policy_file *f,
			 const char *data, size_t len)
{
	struct cws_policy_priv *pv = p->priv;
	size_t nrules = p->nrules, nmacros = p->nmacros;
	yaml_document_t doc;
	yaml_parser_t ps;
	struct yctx y = { .p = p,
			  .pv = pv,
			  .doc = &doc,
			  .f = f,
			  .budget = CWS_POLICY_MAX_NODES };

	f->error = yaml_prescan(pv, data, len);
	if (f->error)
		return;
	if (!yaml_parser_initialize(&ps)) {
		pv->nomem = true;
		f->error = "out of memory";
		return;
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)data, len);
	if (!yaml_parser_load(&ps, &doc)) {
		f->error = yaml_error(pv, &ps);
		yaml_parser_delete(&ps);
		return;
	}
	parse_doc(&y, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&ps);
	if (y.overflow)
		f->error = pprintf(pv, "more than %u YAML nodes (aliases?)",
				   CWS_POLICY_MAX_NODES);
	if (f->error) {
		/* A file is taken whole or not at all. */
		p->nrules = nrules;
		p->nmacros = nmacros;
	}
}

/* Reads at most CWS_POLICY_MAX_FILE bytes of path into a new buffer. */
static int read_file(const char *path, char **out, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out_close;
	}
	if (st.st_size > (off_t)CWS_POLICY_MAX_FILE) {
		err = -EFBIG;
		goto out_close;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			/* The file grew while being read. */
			if (cap > CWS_POLICY_MAX_FILE) {
				err = -EFBIG;
				goto out_free;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				goto out_free;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > CWS_POLICY_MAX_FILE) {
		err = -EFBIG;
		goto out_free;
	}
	*out = buf;
	*len = n;
	close(fd);
	return 0;

out_free:
	free(buf);
out_close:
	close(fd);
	return err;
}

/*
 * Adding.
 */

static void default_host(struct cws_policy_priv *pv)
{
	if (pv->opts.host) {
		pv->host = *pv->opts.host;
		if (!pv->host.os)
			pv->host.os = "linux";
	} else {
		read_host(pv);
	}
}

struct cws_policy *cws_policy_new(const struct cws_policy_opts *opts)
{
	struct cws_policy *p = calloc(1, sizeof(*p));
	struct cws_policy_priv *pv = calloc(1, sizeof(*pv));

	if (!p || !pv)
		goto out_free;
	p->priv = pv;
	if (opts)
		pv->opts = *opts;
	pv->cli_file = SIZE_MAX;
	pv->agent_version = pstrdup(pv, pv->opts.agent_version ?
						pv->opts.agent_version :
						CWS_POLICY_AGENT);
	p->files = calloc(CWS_POLICY_MAX_FILES + 1, sizeof(*p->files));
	if (!p->files || !pv->agent_version)
		goto out_free;
	default_host(pv);
	if (pv->nomem)
		goto out_free;
	return p;

out_free:
	cws_policy_free(p);
	if (!p)
		free(pv);
	errno = ENOMEM;
	return NULL;
}

void cws_policy_free(struct cws_policy *p)
{
	struct cws_policy_priv *pv;
	struct chunk *c, *next;

	if (!p)
		return;
	pv = p->priv;
	cws_secl_ruleset_free(p->rs);
	free(p->rules);
	free(p->macros);
	free(p->files);
	if (pv) {
		for (c = pv->chunks; c; c = next) {
			next = c->next;
			free(c);
		}
		free(pv);
	}
	free(p);
}

int cws_policy_add_buffer(struct cws_policy *p, const char *name,
			  const char *data, size_t len)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;

	if (pv->compiled)
		return -EBUSY;
	f = new_file(p, name, NULL, "file");
	if (!f)
		return -E2BIG;
	if (len > CWS_POLICY_MAX_FILE)
		f->error = pprintf(pv, "larger than %u bytes",
				   CWS_POLICY_MAX_FILE);
	else
		parse_policy(p, f, data, len);
	return pv->nomem ? -ENOMEM : 0;
}

int cws_policy_add_file(struct cws_policy *p, const char *path)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_file *f;
	const char *base = strrchr(path, '/');
	char *data = NULL;
	size_t len = 0;
	int err;

	if (pv->compiled)
		return -EBUSY;
	f = new_file(p, base ? base + 1 : path, path, "file");
	if (!f)
		return -E2BIG;
	err = read_file(path, &data, &len);
	if (err == -EFBIG)
		f->error = pprintf(pv, "larger than %u bytes",
				   CWS_POLICY_MAX_FILE);
	else if (err == -EISDIR || err == -EINVAL)
		f->error = "not a regular file";
	else if (err)
		f->error = pprintf(pv, "cannot read '%s': %s", path,
				   strerror(-err));
	else
		parse_policy(p, f, data, len);
	free(data);
	return pv->nomem ? -ENOMEM : 0;
}

/* default.policy first, then byte order (Datadog's policy_dir.go). */
static int cmp_policy_names(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = !strcmp(x, "default.policy"),
	     dy = !strcmp(y, "default.policy");

	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x, y);
}

int cws_policy_add_dir(struct cws_policy *p, const char *dir)
{
	struct cws_policy_priv *pv = p->priv;
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, i;
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (pv->compiled)
		return -EBUSY;
	d = opendir(dir);
	if (!d)
		return -errno;
	names = calloc(CWS_POLICY_MAX_FILES, sizeof(*names));
	if (!names) {
		err = -ENOMEM;
		goto out_close;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 7 ||
		    strcmp(de->d_name + len - 7, ".policy"))
			continue;
		if (n == CWS_POLICY_MAX_FILES) {
			err = -E2BIG;
			goto out_free;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out_free;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_policy_names);
	for (i = 0; i < n && !err; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			struct cws_policy_file *f =
				new_file(p, names[i], NULL, "file");

			if (f)
				f->error = "path too long";
			continue;
		}
		err = cws_policy_add_file(p, path);
	}
	if (!err)
		err = (int)n;
out_free:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out_close:
	closedir(d);
	return err;
}

int cws_policy_add_expr(struct cws_policy *p, const char *expr)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_policy_rule *r;
	struct cws_policy_file *f;

	if (pv->compiled)
		return -EBUSY;
	if (pv->nexprs >= CWS_POLICY_MAX_EXPRS)
		return -E2BIG;
	if (pv->cli_file == SIZE_MAX) {
		f = new_file(p, "cli", NULL, "cli");
		if (!f)
			return -E2BIG;
		pv->cli_file = (size_t)(f - p->files);
	}
	r = new_rule(p);
	if (!r)
		return pv->nomem ? -ENOMEM : -E2BIG;
	r->file = &p->files[pv->cli_file];
	r->id = pprintf(pv, "cli_%u", ++pv->nexprs);
	r->expression = pstrdup(pv, expr);
	return pv->nomem ? -ENOMEM : 0;
}

/*
 * Compiling: merge by id, macros, variables, rules, actions.
 */

/* An id -> index table, open addressing, sized once. */
struct idmap {
	const char **ids;
	size_t *idx;
	size_t mask;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int idmap_init(struct idmap *m, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	m->ids = calloc(cap, sizeof(*m->ids));
	m->idx = calloc(cap, sizeof(*m->idx));
	m->mask = cap - 1;
	if (!m->ids || !m->idx) {
		free(m->ids);
		free(m->idx);
		return -ENOMEM;
	}
	return 0;
}

static void idmap_release(struct idmap *m)
{
	free(m->ids);
	free(m->idx);
}

/* Returns the index stored for id, or inserts i and returns SIZE_MAX. */
static size_t idmap_get_or_put(struct idmap *m, const char *id, size_t i)
{
	size_t h = (size_t)hash_id(id) & m->mask;

	while (m->ids[h]) {
		if (!strcmp(m->ids[h], id))
			return m->idx[h];
		h = (h + 1) & m->mask;
	}
	m->ids[h] = id;
	m->idx[h] = i;
	return SIZE_MAX;
}

/* A SECL error as a message: Datadog's text and, if known, where. */
static const char *secl_message(struct cws_policy_priv *pv,
				const struct cws_secl_err *err,
				const char *expr)
{
	unsigned line = 1, col = 1;
	uint32_t i;

	if ((err->kind != CWS_SECL_ERR_SYNTAX &&
	     err->kind != CWS_SECL_ERR_COMPILE) ||
	    !expr || err->pos > strlen(expr))
		return pstrdup(pv, err->msg);
	for (i = 0; i < err->pos; i++) {
		if (expr[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return pprintf(pv, "%s%s at %u:%u",
		       err->kind == CWS_SECL_ERR_SYNTAX ? "syntax error: " : "",
		       err->msg, line, col);
}

static enum cws_policy_status secl_status(const struct cws_secl_err *err)
{
	switch (err->kind) {
	case CWS_SECL_ERR_SYNTAX:
		return CWS_POLICY_SYNTAX;
	case CWS_SECL_ERR_UNSUPPORTED:
		return CWS_POLICY_EVENT_TYPE;
	default:
		return CWS_POLICY_ERROR;
	}
}

static void merge_macros(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct idmap map;
	size_t i, j;

	if (idmap_init(&map, p->nmacros)) {
		pv->nomem = true;
		return;
	}
	for (i = 0; i < p->nmacros; i++) {
		struct cws_policy_macro *m = &p->macros[i], *e;

		if (m->status != CWS_POLICY_LOADED)
			continue;
		j = idmap_get_or_put(&map, m->id, i);
		if (j == SIZE_MAX)
			continue;
		e = &p->macros[j];
		if (m->combine && !strcmp(m->combine, "merge")) {
			if (m->expression || e->expression) {
				m->status = CWS_POLICY_ERROR;
				m->message = "only macros with values can be "
					     "merged";
				continue;
			}
			for (j = 0; j < m->nvalues; j++)
				plist_add(pv, &e->values, &e->nvalues,
					  m->values[j]);
		} else if (m->combine && !strcmp(m->combine, "override")) {
			e->expression = m->expression;
			e->values = m->values;
			e->nvalues = m->nvalues;
		} else {
			m->status = CWS_POLICY_ERROR;
			m->message =
				pprintf(pv,
					"multiple definition with the same ID "
					"(first in '%s')",
					e->file->name);
			continue;
		}
		m->merged = true;
	}
	idmap_release(&map);
}

static void add_macros(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	size_t i;

	for (i = 0; i < p->nmacros; i++) {
		struct cws_policy_macro *m = &p->macros[i];
		struct cws_secl_err err;
		int rc;

		if (m->status != CWS_POLICY_LOADED || m->merged)
			continue;
		memset(&err, 0, sizeof(err));
		if (cws_policy_fim_uses(m->expression)) {
			/* Only rules are expanded (lib/policy_fim.c). */
			m->status = CWS_POLICY_ERROR;
			m->message = "`fim.write.file.*` fields are not "
				     "allowed in macros";
			continue;
		}
		if (m->expression)
			rc = cws_secl_macro_add(p->rs, m->id, m->expression,
						&err);
		else
			rc = cws_secl_macro_add_values(
				p->rs, m->id, (const char *const *)m->values,
				m->nvalues, &err);
		if (rc == -ENOMEM)
			pv->nomem = true;
		if (!rc)
			continue;
		m->status = secl_status(&err);
		m->message = secl_message(pv, &err, m->expression);
		if (err.kind == CWS_SECL_ERR_SYNTAX ||
		    err.kind == CWS_SECL_ERR_COMPILE)
			m->err_pos = err.pos;
	}
}

/* Tags of a later definition replace same keys and add the others. */
static void merge_tags(struct cws_policy_priv *pv, struct cws_policy_rule *e,
		       const struct cws_policy_rule *r)
{
	struct cws_kv *kv;
	size_t i, j, n = e->ntags;

	kv = palloc(pv, (e->ntags + r->ntags + 1) * sizeof(*kv));
	if (!kv)
		return;
	if (e->ntags)
		memcpy(kv, e->tags, e->ntags * sizeof(*kv));
	for (i = 0; i < r->ntags; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(kv[j].key, r->tags[i].key))
				break;
		kv[j] = r->tags[i];
		if (j == n)
			n++;
	}
	e->tags = kv;
	e->ntags = n;
}

static void apply_override(struct cws_policy_priv *pv,
			   struct cws_policy_rule *e,
			   const struct cws_policy_rule *r)
{
	unsigned f = r->override_fields ? r->override_fields :
					  CWS_POLICY_OVERRIDE_EXPRESSION;

	if (f & CWS_POLICY_OVERRIDE_ALL) {
		f |= CWS_POLICY_OVERRIDE_EXPRESSION |
		     CWS_POLICY_OVERRIDE_ACTIONS | CWS_POLICY_OVERRIDE_EVERY |
		     CWS_POLICY_OVERRIDE_TAGS;
		e->version = r->version ? r->version : e->version;
		e->description = r->description ? r->description :
						  e->description;
		e->group_id = r->group_id ? r->group_id : e->group_id;
		e->silent = r->silent;
		if (r->nproduct_tags) {
			e->product_tags = r->product_tags;
			e->nproduct_tags = r->nproduct_tags;
		}
	}
	if ((f & CWS_POLICY_OVERRIDE_EXPRESSION) && r->expression)
		e->expression = r->expression;
	if (f & CWS_POLICY_OVERRIDE_ACTIONS) {
		e->actions = r->actions;
		e->nactions = r->nactions;
	}
	if (f & CWS_POLICY_OVERRIDE_EVERY)
		e->every_ns = r->every_ns;
	if (f & CWS_POLICY_OVERRIDE_TAGS)
		merge_tags(pv, e, r);
}

static void merge_rules(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	struct idmap map;
	size_t i, j;

	if (idmap_init(&map, p->nrules)) {
		pv->nomem = true;
		return;
	}
	for (i = 0; i < p->nrules; i++) {
		struct cws_policy_rule *r = &p->rules[i], *e;

		r->index = i;
		if (r->status != CWS_POLICY_LOADED)
			continue;
		j = idmap_get_or_put(&map, r->id, i);
		if (j == SIZE_MAX)
			continue;
		e = &p->rules[j];
		if (r->disabled) {
			e->disabled = true;
		} else if (r->combine) {
			apply_override(pv, e, r);
		} else {
			r->status = CWS_POLICY_ERROR;
			r->message =
				pprintf(pv,
					"multiple definition with the same ID "
					"(first in '%s')",
					e->file->name);
			continue;
		}
		r->merged = true;
		plist_add(pv, &e->modified_by, &e->nmodified_by, r->file->name);
	}
	idmap_release(&map);
	for (i = 0; i < p->nrules; i++) {
		struct cws_policy_rule *r = &p->rules[i];

		if (r->status != CWS_POLICY_LOADED || r->merged)
			continue;
		if (r->disabled) {
			r->status = CWS_POLICY_DISABLED;
			r->message =
				r->nmodified_by ?
					pprintf(pv, "disabled by '%s'",
						r->modified_by[r->nmodified_by -
							       1]) :
					"disabled";
		} else if (!r->expression || !*r->expression) {
			r->status = CWS_POLICY_ERROR;
			r->message = "no rule expression";
		}
	}
}

static enum cws_secl_kind array_of(enum cws_secl_kind k)
{
	switch (k) {
	case CWS_SECL_STR:
		return CWS_SECL_STR_ARRAY;
	case CWS_SECL_INT:
		return CWS_SECL_INT_ARRAY;
	default:
		return k;
	}
}

static enum cws_secl_kind element_of(enum cws_secl_kind k)
{
	switch (k) {
	case CWS_SECL_STR_ARRAY:
		return CWS_SECL_STR;
	case CWS_SECL_INT_ARRAY:
		return CWS_SECL_INT;
	case CWS_SECL_BOOL_ARRAY:
		return CWS_SECL_BOOL;
	case CWS_SECL_IP_ARRAY:
		return CWS_SECL_IP;
	default:
		return k;
	}
}

static void unusable(struct cws_policy_action *a, const char *why)
{
	a->usable = false;
	a->why = why;
}

/*
 * The default handed to cws_secl_var_declare. It reads the union's b and
 * i whatever the kind (lib/secl_vars.c), which for a string loads the
 * pointer's first byte as a bool: undefined behaviour that UBSan stops
 * on. So zero values, which are the defaults anyway, are not passed, and
 * other strings are copied to an address whose first byte reads as
 * false.
 */
static const struct cws_secl_value *default_value(struct cws_policy_priv *pv,
						  struct cws_secl_value *def)
{
	char *copy;

	switch (def->kind) {
	case CWS_SECL_BOOL:
		return def->b ? def : NULL;
	case CWS_SECL_INT:
		return def->i ? def : NULL;
	case CWS_SECL_STR:
		if (!def->s.n)
			return NULL;
		copy = palloc(pv, def->s.n + 512);
		if (!copy)
			return NULL;
		copy = (char *)(((uintptr_t)copy + 255) & ~(uintptr_t)255);
		memcpy(copy, def->s.p, def->s.n);
		copy[def->s.n] = '\0';
		def->s.p = copy;
		return def;
	default:
		return NULL;
	}
}

/*
 * Declares the variable of a set action. Datadog 7.60 stores `value:`
 * scalars and `field:` values as one-element arrays; the newer
 * `expression:` form keeps scalars unless append is set.
 */
static void declare_set(struct cws_policy *p, struct cws_policy_action *a)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_secl_var_opts o = { .ttl_ns = a->ttl_ns,
				       .size = a->size,
				       .inherited = a->inherited };
	struct cws_secl_err err;
	enum cws_secl_kind k;
	int id;

	memset(&err, 0, sizeof(err));
	if (a->has_value) {
		k = array_of(a->value.kind);
	} else if (a->field) {
		k = array_of(cws_secl_field_kind(a->field, NULL));
		if (k == CWS_SECL_NONE) {
			unusable(a,
				 pprintf(pv, "field `%s` not found", a->field));
			return;
		}
	} else if (a->has_default) {
		k = a->append ? array_of(a->def.kind) : a->def.kind;
	} else {
		struct cws_secl_expr *e = cws_secl_expr_compile(
			p->rs, a->expression, CWS_EVT_UNKNOWN, &err);

		if (!e) {
			unusable(a, pprintf(pv,
					    "cannot tell the type of variable "
					    "`%s` (add default_value): %s",
					    a->var_name, err.msg));
			return;
		}
		k = cws_secl_expr_kind(e);
		k = a->append ? array_of(k) : k;
	}
	if (a->append && k == CWS_SECL_BOOL) {
		unusable(a, "append needs ints or strings");
		return;
	}
	if (a->has_default) {
		if (a->def.kind != element_of(k)) {
			unusable(a, "default_value has another type than the "
				    "variable");
			return;
		}
		o.def = default_value(pv, &a->def);
	}
	id = cws_secl_var_declare(p->rs, a->var_name, a->scope, k, &o, &err);
	if (id < 0) {
		if (id == -ENOMEM)
			pv->nomem = true;
		unusable(a, pstrdup(pv, err.msg));
		return;
	}
	a->var = id;
	a->kind = k;
}

static bool candidate(const struct cws_policy_rule *r)
{
	return r->status == CWS_POLICY_LOADED && !r->merged;
}

static void declare_vars(struct cws_policy *p)
{
	size_t i, j;

	for (i = 0; i < p->nrules; i++) {
		struct cws_policy_rule *r = &p->rules[i];

		if (!candidate(r))
			continue;
		for (j = 0; j < r->nactions; j++)
			if (r->actions[j].type == CWS_POLICY_ACT_SET &&
			    r->actions[j].usable)
				declare_set(p, &r->actions[j]);
	}
}

/* Compiles the expressions of one action of a compiled rule. */
static void compile_action(struct cws_policy *p, struct cws_policy_rule *r,
			   struct cws_policy_action *a)
{
	struct cws_policy_priv *pv = p->priv;
	enum cws_event_type type = cws_secl_rule_event_type(r->secl);
	struct cws_secl_err err;
	enum cws_secl_kind k;

	memset(&err, 0, sizeof(err));
	if (a->filter_text) {
		a->filter = cws_secl_expr_compile(p->rs, a->filter_text, type,
						  &err);
		if (!a->filter) {
			unusable(a, pprintf(pv, "filter: %s", err.msg));
			return;
		}
		if (cws_secl_expr_kind(a->filter) != CWS_SECL_BOOL) {
			unusable(a, "filter: bool expected");
			return;
		}
	}
	if (a->type == CWS_POLICY_ACT_KILL) {
		if (pv->opts.kill_disabled)
			unusable(a, "'kill' action is disabled globally");
		else if (a->kill_scope == CWS_POLICY_KILL_CONTAINER)
			unusable(a, "kill scope `container` is not supported "
				    "by cws");
		return;
	}
	if (a->type != CWS_POLICY_ACT_SET)
		return;
	if (a->field || a->expression) {
		a->expr = cws_secl_expr_compile(
			p->rs, a->field ? a->field : a->expression, type, &err);
		if (!a->expr) {
			unusable(a, pprintf(pv, "%s: %s",
					    a->field ? "field" : "expression",
					    err.msg));
			return;
		}
		k = cws_secl_expr_kind(a->expr);
		if (k != a->kind && k != element_of(a->kind)) {
			unusable(a, pprintf(pv,
					    "variable `%s` has another type "
					    "than its value",
					    a->var_name));
			return;
		}
	}
	if (a->scope_field_text) {
		a->scope_field = cws_secl_expr_compile(
			p->rs, a->scope_field_text, type, &err);
		if (!a->scope_field) {
			unusable(a, pprintf(pv, "scope_field: %s", err.msg));
			return;
		}
		k = cws_secl_expr_kind(a->scope_field);
		if ((a->scope == CWS_SECL_SCOPE_PROCESS && k != CWS_SECL_INT) ||
		    (a->scope != CWS_SECL_SCOPE_PROCESS && k != CWS_SECL_STR))
			unusable(a, "scope_field has the wrong type for the "
				    "scope");
	}
}

/* Appends "; "-separated text to a bounded buffer. */
CWS_PRINTF(3, 4)
static void note(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 3 >= len)
		return;
	if (n) {
		memcpy(buf + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void compile_rule(struct cws_policy *p, struct cws_policy_rule *r)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_secl_err err;
	char warn[1024] = "";
	const char *unbacked;
	size_t j;
	bool fim;

	memset(&err, 0, sizeof(err));
	fim = cws_policy_fim_uses(r->expression);
	if (fim)
		r->secl = cws_policy_fim_add(p->rs, r, &err);
	else
		r->secl =
			cws_secl_rule_add(p->rs, r->id, r->expression, r, &err);
	if (!r->secl) {
		if (err.kind == CWS_SECL_ERR_NOMEM)
			pv->nomem = true;
		r->status = secl_status(&err);
		/* A copy's positions are not in the rule's own text. */
		r->message = secl_message(pv, &err, fim ? NULL : r->expression);
		if (!fim && (err.kind == CWS_SECL_ERR_SYNTAX ||
			     err.kind == CWS_SECL_ERR_COMPILE))
			r->err_pos = err.pos;
		return;
	}
	for (j = 0; j < r->nactions; j++) {
		struct cws_policy_action *a = &r->actions[j];

		if (a->usable)
			compile_action(p, r, a);
		if (!a->usable)
			note(warn, sizeof(warn), "action %zu (%s) skipped: %s",
			     j + 1, a->name, a->why ? a->why : "invalid");
		else if (a->type == CWS_POLICY_ACT_KILL)
			r->has_kill = true;
	}
	unbacked = cws_secl_rule_unbacked_field(r->secl);
	if (unbacked)
		note(warn, sizeof(warn),
		     "field `%s` is not captured by cws and reads as empty",
		     unbacked);
	if (*warn)
		r->message = pstrdup(pv, warn);
}

static void count(struct cws_policy *p)
{
	size_t i;

	p->loaded = p->filtered = p->failed = p->macros_failed = 0;
	p->has_kill = false;
	for (i = 0; i < p->nfiles; i++)
		p->files[i].loaded = p->files[i].filtered = p->files[i].failed =
			0;
	for (i = 0; i < p->nrules; i++) {
		struct cws_policy_rule *r = &p->rules[i];
		/* Files never move: the cast only drops const. */
		struct cws_policy_file *f = &p->files[r->file - p->files];

		if (r->merged)
			continue;
		switch (cws_policy_status_class(r->status)) {
		case CWS_POLICY_CLASS_LOADED:
			p->loaded++;
			f->loaded++;
			p->has_kill |= r->has_kill;
			break;
		case CWS_POLICY_CLASS_FILTERED:
			p->filtered++;
			f->filtered++;
			break;
		default:
			p->failed++;
			f->failed++;
			break;
		}
	}
	for (i = 0; i < p->nmacros; i++)
		if (!p->macros[i].merged &&
		    cws_policy_status_class(p->macros[i].status) ==
			    CWS_POLICY_CLASS_FAILED)
			p->macros_failed++;
}

int cws_policy_compile(struct cws_policy *p)
{
	struct cws_policy_priv *pv = p->priv;
	size_t i;

	if (pv->compiled && p->rs)
		return -EBUSY;
	pv->compiled = true;
	p->rs = cws_secl_ruleset_new();
	if (!p->rs)
		return -ENOMEM;
	merge_macros(p);
	add_macros(p);
	merge_rules(p);
	declare_vars(p);
	for (i = 0; i < p->nrules && !pv->nomem; i++)
		if (candidate(&p->rules[i]))
			compile_rule(p, &p->rules[i]);
	count(p);
	return pv->nomem ? -ENOMEM : 0;
}

/*
 * Running actions and reporting.
 */

bool cws_policy_action_applies(struct cws_policy *p,
			       const struct cws_policy_action *a,
			       const struct cws_event *ev)
{
	struct cws_secl_value v;

	if (!a->filter)
		return true;
	return !cws_secl_expr_eval(p->rs, a->filter, ev, &v) &&
	       v.kind == CWS_SECL_BOOL && v.b;
}

int cws_policy_run_sets(struct cws_policy *p, const struct cws_policy_rule *r,
			const struct cws_event *ev)
{
	struct cws_secl_var_key key, *kp;
	struct cws_secl_value v, k;
	char id[CWS_EVENT_MAX_STR + 1];
	int rc, first = 0;
	size_t i;

	for (i = 0; i < r->nactions; i++) {
		const struct cws_policy_action *a = &r->actions[i];

		if (a->type != CWS_POLICY_ACT_SET || !a->usable ||
		    !cws_policy_action_applies(p, a, ev))
			continue;
		kp = NULL;
		if (a->scope_field) {
			/* Evaluated first: v may point into scratch memory. */
			rc = cws_secl_expr_eval(p->rs, a->scope_field, ev, &k);
			if (rc) {
				first = first ? first : rc;
				continue;
			}
			memset(&key, 0, sizeof(key));
			if (k.kind == CWS_SECL_INT) {
				/*
				 * A pid, as Datadog looks the process up by
				 * it: none (0, or not a pid) sets nothing.
				 */
				if (k.i <= 0 || k.i > INT32_MAX) {
					first = first ? first : -ENOENT;
					continue;
				}
				key.pid = (uint32_t)k.i;
			} else {
				size_t n = k.s.n < CWS_EVENT_MAX_STR ?
						   k.s.n :
						   CWS_EVENT_MAX_STR;

				memcpy(id, k.s.p, n);
				id[n] = '\0';
				key.id = id;
			}
			kp = &key;
		}
		if (a->expr) {
			rc = cws_secl_expr_eval(p->rs, a->expr, ev, &v);
			if (rc && rc != -E2BIG) {
				first = first ? first : rc;
				continue;
			}
		} else {
			v = a->value;
		}
		rc = cws_secl_var_set(p->rs, a->var, ev, &v, a->append, kp);
		if (rc)
			first = first ? first : rc;
	}
	return first;
}

const struct cws_policy_rule *cws_policy_find(const struct cws_policy *p,
					      const char *id)
{
	size_t i;

	for (i = 0; i < p->nrules; i++)
		if (!p->rules[i].merged && !strcmp(p->rules[i].id, id))
			return &p->rules[i];
	return NULL;
}

int cws_policy_ruleset_event(struct cws_policy *p, struct cws_event *ev)
{
	struct cws_policy_priv *pv = p->priv;
	struct cws_ruleset_policy *pols = pv->ev_policies;
	size_t i, j;

	cws_event_clear(ev);
	ev->type = CWS_REC_RULESET_LOADED;
	if (!pols) {
		pols = palloc(pv, (p->nfiles + 1) * sizeof(*pols));
		if (!pols)
			return -ENOMEM;
		for (i = 0; i < p->nfiles; i++) {
			const struct cws_policy_file *f = &p->files[i];
			struct cws_ruleset_rule *rr;
			size_t n = 0;

			pols[i].name = f->name;
			pols[i].version = f->version;
			pols[i].source = f->source;
			pols[i].error = f->error;
			for (j = 0; j < p->nrules; j++)
				n += p->rules[j].file == f &&
				     !p->rules[j].merged;
			rr = palloc(pv, (n + 1) * sizeof(*rr));
			if (!rr)
				return -ENOMEM;
			pols[i].rules = rr;
			for (j = 0; j < p->nrules; j++) {
				const struct cws_policy_rule *r = &p->rules[j];
				struct cws_ruleset_rule *o;
				size_t k;

				if (r->file != f || r->merged)
					continue;
				o = &rr[pols[i].nrules++];
				o->id = r->id;
				o->version = r->version;
				o->expression = r->expression;
				o->status = cws_policy_status_name(r->status);
				o->message = r->message;
				o->tags = r->tags;
				o->ntags = (uint32_t)r->ntags;
				o->modified_by.v = r->modified_by;
				o->modified_by.n = (uint32_t)r->nmodified_by;
				o->actions.v = palloc(
					pv, (r->nactions + 1) * sizeof(char *));
				if (!o->actions.v)
					return -ENOMEM;
				for (k = 0; k < r->nactions; k++)
					o->actions.v[k] = r->actions[k].name;
				o->actions.n = (uint32_t)r->nactions;
			}
		}
		pv->ev_policies = pols;
	}
	ev->ruleset.policies = pols;
	ev->ruleset.npolicies = (uint32_t)p->nfiles;
	return 0;
}
