/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which definitions apply here: agent_version constraints against this
 * agent's version, and rule filters (SECL over facts about the host)
 * against this host. Datadog's pkg/security/secl/rules (filter/) does the
 * same; a definition that does not apply is "filtered", not an error.
 */
#include "compat.h"
#include "policy_priv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

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

void cws_policy_read_host(struct cws_policy_priv *pv)
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
