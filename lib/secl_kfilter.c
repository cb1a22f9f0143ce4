/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel filters from compiled rules: approvers (static, per event type)
 * and the discarder question (learnt per file or directory at run time).
 * Both read the tree the evaluator runs, so cws-probe's kernel filters
 * and cws-filter's verdicts come from one compilation of one text.
 *
 * Approvers. For a node, "the set A" means: whenever the node is true,
 * the event carries at least one value of A. An && gives the set of one
 * of its terms (any term must hold; the most selective is picked), an ||
 * the union of its terms' sets (if one term has none, neither has the
 * ||), a comparison `file.path in [...]`, `file.name == ...` or
 * `open.flags & M > 0` gives its values, anything else gives none. A
 * path yields its basename, which the kernel reads from the dentry or
 * from the end of the user's string; a path or name whose last
 * component holds a `*` yields none (Datadog's rule too).
 *
 * Discarders. The rules of the event's type are evaluated in
 * three-valued logic (true, false, unknown) over what is known of the
 * file: a comparison whose fields are all known is run by the
 * evaluator itself, any other is unknown; && is false as soon as one
 * term is, || true as soon as one is, `not` keeps unknown. For a
 * directory only the path's prefix is known: a path comparison against
 * exact values and globs is false when no file directly in the
 * directory can match any of them, unknown otherwise.
 */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

#define KIND_BIT(k) (1u << (k))

/*
 * What the kernel filters (lib/secl_kfilter.c) know about a field: the
 * event's own file (path, name, and the leaves that stay the same for an
 * inode under one name), the destination's path and name, open.flags.
 */
enum secl_kfield secl_field_kfilter(const struct fref *f)
{
	if (!f || f->iter || f->root != R_EVENT)
		return SKF_OTHER;
	if (f->file == FF_OBJ || f->file == FF_DEST) {
		bool dest = f->file == FF_DEST;

		switch (f->leaf) {
		case L_F_PATH:
			return dest ? SKF_DEST_PATH : SKF_PATH;
		case L_F_NAME:
			return dest ? SKF_DEST_NAME : SKF_NAME;
		case L_F_PATH_LEN:
		case L_F_NAME_LEN:
		case L_F_EXT:
		case L_F_INODE:
		case L_F_MOUNT:
		case L_F_FS:
			return dest ? SKF_OTHER : SKF_STABLE;
		default:
			return SKF_OTHER;
		}
	}
	if (f->file == FF_NONE && f->leaf == L_O_FLAGS &&
	    f->evtype == CWS_EVT_OPEN)
		return SKF_OPEN_FLAGS;
	return SKF_OTHER;
}

/* process.comm of the event's own task (not an ancestor's). */
bool secl_field_is_comm(const struct fref *f)
{
	return f && !f->iter && f->root == R_SELF && f->file == FF_NONE &&
	       f->leaf == L_P_COMM;
}

unsigned cws_secl_approver_kinds(enum cws_event_type type)
{
	switch (type) {
	case CWS_EVT_OPEN:
		return KIND_BIT(CWS_SECL_APPROVE_NAME) |
		       KIND_BIT(CWS_SECL_APPROVE_FLAGS) |
		       KIND_BIT(CWS_SECL_APPROVE_COMM);
	case CWS_EVT_RENAME:
	case CWS_EVT_LINK:
	case CWS_EVT_IO_URING:
		return KIND_BIT(CWS_SECL_APPROVE_NAME) |
		       KIND_BIT(CWS_SECL_APPROVE_DEST_NAME) |
		       KIND_BIT(CWS_SECL_APPROVE_COMM);
	case CWS_EVT_UNLINK:
	case CWS_EVT_RMDIR:
	case CWS_EVT_CHMOD:
	case CWS_EVT_CHOWN:
	case CWS_EVT_MKDIR:
	case CWS_EVT_UTIMES:
	case CWS_EVT_SETXATTR:
	case CWS_EVT_REMOVEXATTR:
	case CWS_EVT_CHDIR:
		return KIND_BIT(CWS_SECL_APPROVE_NAME) |
		       KIND_BIT(CWS_SECL_APPROVE_COMM);
	default:
		return 0;
	}
}

void cws_secl_approvers_release(struct cws_secl_approvers *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static void none(struct cws_secl_approvers *a, const char *fmt, ...)
	CWS_PRINTF(2, 3);

static void none(struct cws_secl_approvers *a, const char *fmt, ...)
{
	va_list ap;

	cws_secl_approvers_release(a);
	a->ok = false;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

/* Adds one approver unless it is there; FLAGS are ORed into one. */
static int add(struct cws_secl_approvers *a, enum cws_secl_approver_kind k,
	       const char *name, size_t n, uint64_t mask)
{
	struct cws_secl_approver *v;
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (a->v[i].kind != k)
			continue;
		if (k == CWS_SECL_APPROVE_FLAGS) {
			a->v[i].mask |= mask;
			return 0;
		}
		if (strlen(a->v[i].name) == n && !memcmp(a->v[i].name, name, n))
			return 0;
	}
	v = realloc(a->v, (a->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	a->v = v;
	v = &a->v[a->n];
	memset(v, 0, sizeof(*v));
	v->kind = k;
	v->mask = mask;
	if (k != CWS_SECL_APPROVE_FLAGS) {
		v->name = strndup(name, n);
		if (!v->name)
			return -ENOMEM;
	}
	a->n++;
	return 0;
}

static int merge(struct cws_secl_approvers *dst,
		 const struct cws_secl_approvers *src)
{
	size_t i;
	int err;

	for (i = 0; i < src->n; i++) {
		const struct cws_secl_approver *v = &src->v[i];

		err = add(dst, v->kind, v->name, v->name ? strlen(v->name) : 0,
			  v->mask);
		if (err)
			return err;
	}
	return 0;
}

/* A short quote of the expression at a node, for the reasons. */
struct actx {
	const char *expr;
	unsigned kinds;
};

static const char *quote(const struct actx *c, const struct cws_secl_node *n,
			 char *buf, size_t cap)
{
	size_t len = strlen(c->expr), at = n->pos < len ? n->pos : 0;
	size_t k;

	snprintf(buf, cap, "%.40s%s", c->expr + at, len - at > 40 ? "..." : "");
	for (k = 0; buf[k]; k++)
		if (buf[k] == '\n' || buf[k] == '\t')
			buf[k] = ' ';
	return buf;
}

/* The basename a value of a path or name comparison gives, or why not. */
static const char *value_name(const struct cws_secl_literal *l, bool path,
			      const char **name, size_t *n)
{
	const char *s = l->v.s.p, *slash;
	size_t len = l->v.s.n;

	if (l->kind != CWS_SECL_STR)
		return "not a string";
	if (l->match == CWS_SECL_MATCH_REGEX)
		return "a regular expression";
	if (path) {
		slash = memrchr(s, '/', len);
		if (slash && (size_t)(slash - s) + 1 < len) {
			len -= (size_t)(slash + 1 - s);
			s = slash + 1;
		}
	}
	if (l->match != CWS_SECL_MATCH_EXACT && memchr(s, '*', len))
		return "the last component is a pattern";
	if (!len)
		return "an empty last component";
	*name = s;
	*n = len;
	return NULL;
}

/*
 * process.comm == / in exact values: the kernel hashes the task's comm
 * (what the event's process.comm is made of). A pattern gives none.
 */
static int comm_approvers(const struct actx *c, const struct cws_secl_node *n,
			  struct cws_secl_approvers *a)
{
	const struct cws_secl_node *r = n->c[1];
	size_t i, nv = cws_secl_node_nvalues(r);
	char q[64];
	int err;

	if (!nv) {
		none(a, "`%s`: no value", quote(c, n->c[0], q, sizeof(q)));
		return 0;
	}
	for (i = 0; i < nv; i++) {
		struct cws_secl_literal lit;
		const char *why = NULL;

		if (cws_secl_node_value(r, i, &lit) || lit.kind != CWS_SECL_STR)
			why = "not a string";
		else if (lit.match == CWS_SECL_MATCH_REGEX)
			why = "a regular expression";
		else if (lit.match != CWS_SECL_MATCH_EXACT &&
			 memchr(lit.v.s.p, '*', lit.v.s.n))
			why = "a pattern";
		if (why) {
			none(a, "`%s`: value `%.*s`: %s",
			     quote(c, n->c[0], q, sizeof(q)),
			     (int)(lit.v.s.n > 60 ? 60 : lit.v.s.n),
			     lit.v.s.p ? lit.v.s.p : "", why);
			return 0;
		}
		err = add(a, CWS_SECL_APPROVE_COMM, lit.v.s.p, lit.v.s.n, 0);
		if (err)
			return err;
	}
	a->ok = true;
	return 0;
}

/* A comparison's approvers (field on the left, values on the right). */
static int cmp_approvers(const struct actx *c, const struct cws_secl_node *n,
			 struct cws_secl_approvers *a)
{
	const struct cws_secl_node *l = n->c[0], *r = n->c[1];
	enum cws_secl_approver_kind kind;
	enum secl_kfield kf;
	char q[64];
	size_t i, nv;
	int err;

	if (n->op == CWS_SECL_OP_GT || n->op == CWS_SECL_OP_NE ||
	    n->op == CWS_SECL_OP_GE) {
		/* open.flags & M > 0, != 0, >= 1 */
		int64_t min = n->op == CWS_SECL_OP_GE ? 1 : 0;

		if (l->op == CWS_SECL_OP_BITAND && l->n == 2 &&
		    l->c[0]->op == CWS_SECL_OP_FIELD &&
		    secl_field_kfilter(l->c[0]->f) == SKF_OPEN_FLAGS &&
		    l->c[1]->op == CWS_SECL_OP_CONST &&
		    r->op == CWS_SECL_OP_CONST && r->kind == VK_INT &&
		    r->v.i == min && l->c[1]->v.i > 0 &&
		    (c->kinds & KIND_BIT(CWS_SECL_APPROVE_FLAGS))) {
			a->ok = true;
			return add(a, CWS_SECL_APPROVE_FLAGS, NULL, 0,
				   (uint64_t)l->c[1]->v.i);
		}
		goto no;
	}
	if (n->op != CWS_SECL_OP_EQ && n->op != CWS_SECL_OP_IN &&
	    n->op != CWS_SECL_OP_MATCH)
		goto no;
	if (l->op != CWS_SECL_OP_FIELD ||
	    (r->op != CWS_SECL_OP_CONST && r->op != CWS_SECL_OP_ARRAY))
		goto no;
	if (secl_field_is_comm(l->f) &&
	    (c->kinds & KIND_BIT(CWS_SECL_APPROVE_COMM)))
		return comm_approvers(c, n, a);
	kf = secl_field_kfilter(l->f);
	switch (kf) {
	case SKF_PATH:
	case SKF_NAME:
		kind = CWS_SECL_APPROVE_NAME;
		break;
	case SKF_DEST_PATH:
	case SKF_DEST_NAME:
		kind = CWS_SECL_APPROVE_DEST_NAME;
		break;
	case SKF_OPEN_FLAGS:
		if (n->op == CWS_SECL_OP_EQ && r->op == CWS_SECL_OP_CONST &&
		    r->kind == VK_INT && r->v.i > 0 &&
		    (c->kinds & KIND_BIT(CWS_SECL_APPROVE_FLAGS))) {
			a->ok = true;
			return add(a, CWS_SECL_APPROVE_FLAGS, NULL, 0,
				   (uint64_t)r->v.i);
		}
		goto no;
	default:
		goto no;
	}
	if (!(c->kinds & KIND_BIT(kind)))
		goto no;
	nv = cws_secl_node_nvalues(r);
	if (!nv) {
		none(a, "`%s`: no value", quote(c, l, q, sizeof(q)));
		return 0;
	}
	for (i = 0; i < nv; i++) {
		struct cws_secl_literal lit;
		const char *why, *name = NULL;
		size_t len = 0;

		if (cws_secl_node_value(r, i, &lit)) {
			none(a, "`%s`: unreadable value",
			     quote(c, l, q, sizeof(q)));
			return 0;
		}
		why = value_name(&lit, kf == SKF_PATH || kf == SKF_DEST_PATH,
				 &name, &len);
		if (why) {
			none(a, "`%s`: value `%.*s`: %s",
			     quote(c, l, q, sizeof(q)),
			     (int)(lit.v.s.n > 60 ? 60 : lit.v.s.n),
			     lit.v.s.p ? lit.v.s.p : "", why);
			return 0;
		}
		err = add(a, kind, name, len, 0);
		if (err)
			return err;
	}
	a->ok = true;
	return 0;
no:
	none(a, "`%s` gives no approver", quote(c, l, q, sizeof(q)));
	return 0;
}

/* A reason about a value, not just "this term gives none". */
static bool specific(const char *why)
{
	return strstr(why, ": value `") || strstr(why, ": no value");
}

/* How selective a set is: fewer names is better, flags come last. */
static size_t cost(const struct cws_secl_approvers *a)
{
	size_t i, k = 0;

	for (i = 0; i < a->n; i++)
		k += a->v[i].kind == CWS_SECL_APPROVE_FLAGS ? 100000 : 1;
	return k;
}

static int node_approvers(const struct actx *c, const struct cws_secl_node *n,
			  struct cws_secl_approvers *a)
{
	struct cws_secl_approvers sub, best;
	char q[64];
	size_t i;
	int err = 0;

	memset(a, 0, sizeof(*a));
	switch (n->op) {
	case CWS_SECL_OP_AND:
		memset(&best, 0, sizeof(best));
		for (i = 0; i < n->n; i++) {
			err = node_approvers(c, n->c[i], &sub);
			if (err) {
				cws_secl_approvers_release(&sub);
				break;
			}
			if (sub.ok && (!best.ok || cost(&sub) < cost(&best))) {
				cws_secl_approvers_release(&best);
				best = sub;
				continue;
			}
			/* Say why the most telling term gives none. */
			if (!best.ok && (!best.why[0] || !specific(best.why)) &&
			    specific(sub.why))
				snprintf(best.why, sizeof(best.why), "%s",
					 sub.why);
			cws_secl_approvers_release(&sub);
		}
		if (!err && !best.ok && !best.why[0])
			snprintf(best.why, sizeof(best.why),
				 "no term of `%s` gives an approver",
				 quote(c, n, q, sizeof(q)));
		*a = best;
		return err;
	case CWS_SECL_OP_OR:
		a->ok = true;
		for (i = 0; i < n->n && a->ok; i++) {
			err = node_approvers(c, n->c[i], &sub);
			if (!err && !sub.ok)
				none(a, "%s", sub.why);
			else if (!err)
				err = merge(a, &sub);
			cws_secl_approvers_release(&sub);
			if (err)
				return err;
		}
		return 0;
	case CWS_SECL_OP_EQ:
	case CWS_SECL_OP_IN:
	case CWS_SECL_OP_MATCH:
	case CWS_SECL_OP_GT:
	case CWS_SECL_OP_GE:
	case CWS_SECL_OP_NE:
		if (n->n == 2)
			return cmp_approvers(c, n, a);
		break;
	default:
		break;
	}
	none(a, "`%s` gives no approver", quote(c, n, q, sizeof(q)));
	return 0;
}

int cws_secl_rule_approvers(const struct cws_secl_rule *r,
			    struct cws_secl_approvers *out)
{
	struct actx c = { .expr = r->expr,
			  .kinds = cws_secl_approver_kinds(r->type) };
	int err;

	memset(out, 0, sizeof(*out));
	if (!c.kinds) {
		none(out, "the kernel filters no %s event",
		     cws_event_type_name(r->type));
		return 0;
	}
	err = node_approvers(&c, r->root, out);
	if (err)
		cws_secl_approvers_release(out);
	return err;
}

int cws_secl_ruleset_approvers(const struct cws_secl_ruleset *rs,
			       enum cws_event_type type,
			       struct cws_secl_approvers *out)
{
	const struct bucket *b;
	size_t i;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!rs || type <= 0 || type >= CWS_EVT__COUNT) {
		none(out, "no such event type");
		return 0;
	}
	b = &rs->by_type[type];
	if (!b->n) {
		none(out, "no rule");
		return 0;
	}
	out->ok = true;
	for (i = 0; i < b->n; i++) {
		struct cws_secl_approvers one;

		err = cws_secl_rule_approvers(b->rules[i], &one);
		if (!err && !one.ok)
			none(out, "rule `%s`: %s", b->rules[i]->id, one.why);
		else if (!err)
			err = merge(out, &one);
		cws_secl_approvers_release(&one);
		if (err || !out->ok)
			break;
	}
	if (err)
		cws_secl_approvers_release(out);
	return err;
}

/* ------------------------------------------------------------------ */
/* Discarders: three-valued evaluation. */

enum tv { TV_FALSE = 0, TV_TRUE = 1, TV_UNKNOWN = 2 };

struct dctx {
	struct ectx *x;
	enum cws_secl_discard how;
	const char *dir;
	size_t dirlen;
	bool dest; /* a rule reads the destination file */
};

/*
 * 1 when every field under n is known, 0 when one is not, and -1 when
 * the subtree reads a variable (never known).
 */
static int known(const struct dctx *d, const struct cws_secl_node *n)
{
	size_t i;

	switch (n->op) {
	case CWS_SECL_OP_FIELD:
		switch (secl_field_kfilter(n->f)) {
		case SKF_PATH:
		case SKF_NAME:
		case SKF_STABLE:
			return d->how == CWS_SECL_DISCARD_FILE;
		default:
			return 0;
		}
	case CWS_SECL_OP_VAR:
	case CWS_SECL_OP_INTERP:
		return 0;
	default:
		break;
	}
	for (i = 0; i < n->n; i++)
		if (known(d, n->c[i]) <= 0)
			return 0;
	return 1;
}

/* Whether some file directly in d->dir can be matched by m. */
static bool child_may_match(const struct dctx *d, const struct smatch *m)
{
	char buf[CWS_EVENT_MAX_STR + 2];
	uint32_t i, j, k;

	if (m->type == SM_REGEX || m->type == SM_PATTERN)
		return true;
	if (m->type == SM_EXACT || (m->type == SM_GLOB && m->glob_scalar)) {
		const char *slash = memrchr(m->src.p, '/', m->src.n);
		size_t dl;

		if (!slash)
			return false;
		dl = (size_t)(slash - m->src.p);
		/* The root's children: "/x" is in dir "/". */
		if (!dl && d->dirlen == 1 && d->dir[0] == '/')
			return slash + 1 < m->src.p + m->src.n;
		return dl == d->dirlen && !memcmp(m->src.p, d->dir, dl) &&
		       slash + 1 < m->src.p + m->src.n;
	}
	/*
	 * A glob: try, as the child's name, each element of the glob with
	 * its stars removed ("x" if nothing is left). The element the name
	 * would face is among them, and a name made from it matches it, so
	 * if none of these matches, no name does. Stars are removed, not
	 * made into a letter: patterns never backtrack, so "a*x" matches
	 * "ax" but not "axx", while the literals alone always match (each
	 * segment is found where it starts).
	 */
	for (k = 0; k <= m->nel; k++) {
		const struct sv *t = k < m->nel ? &m->el[k].text : NULL;
		size_t at = d->dirlen;

		if (at + 2 + (t ? t->n : 1) > sizeof(buf))
			return true;
		memcpy(buf, d->dir, at);
		if (!(at == 1 && buf[0] == '/'))
			buf[at++] = '/';
		j = (uint32_t)at;
		for (i = 0; t && i < t->n; i++)
			if (t->p[i] != '*')
				buf[j++] = t->p[i];
		if (j == at)
			buf[j++] = 'x';
		at = j;
		if (secl_smatch_run(m, buf, (uint32_t)at))
			return true;
	}
	return false;
}

/* A comparison in directory mode: false or unknown. */
static enum tv dir_cmp(const struct dctx *d, const struct cws_secl_node *n)
{
	const struct cws_secl_node *l, *r;
	size_t i;

	if (n->n != 2 || (n->flags & N_NEGATE))
		return TV_UNKNOWN;
	if (n->op != CWS_SECL_OP_EQ && n->op != CWS_SECL_OP_IN &&
	    n->op != CWS_SECL_OP_MATCH)
		return TV_UNKNOWN;
	l = n->c[0];
	r = n->c[1];
	if (l->op != CWS_SECL_OP_FIELD || secl_field_kfilter(l->f) != SKF_PATH)
		return TV_UNKNOWN;
	if (r->op == CWS_SECL_OP_CONST && r->kind == VK_STR) {
		struct smatch exact = { .type = SM_EXACT, .src = r->v.s };

		return child_may_match(d, r->sm ? r->sm : &exact) ? TV_UNKNOWN :
								    TV_FALSE;
	}
	if (r->op == CWS_SECL_OP_ARRAY && r->ss) {
		for (i = 0; i < r->ss->nall; i++)
			if (child_may_match(d, r->ss->all[i]))
				return TV_UNKNOWN;
		return TV_FALSE;
	}
	return TV_UNKNOWN;
}

static enum tv tv_eval(struct dctx *d, const struct cws_secl_node *n)
{
	enum tv r, v;
	size_t i;

	switch (n->op) {
	case CWS_SECL_OP_AND:
		r = TV_TRUE;
		for (i = 0; i < n->n; i++) {
			v = tv_eval(d, n->c[i]);
			if (v == TV_FALSE)
				return TV_FALSE;
			if (v == TV_UNKNOWN)
				r = TV_UNKNOWN;
		}
		return r;
	case CWS_SECL_OP_OR:
		r = TV_FALSE;
		for (i = 0; i < n->n; i++) {
			v = tv_eval(d, n->c[i]);
			if (v == TV_TRUE)
				return TV_TRUE;
			if (v == TV_UNKNOWN)
				r = TV_UNKNOWN;
		}
		return r;
	case CWS_SECL_OP_NOT:
		v = tv_eval(d, n->c[0]);
		return v == TV_UNKNOWN ? TV_UNKNOWN :
		       v == TV_TRUE    ? TV_FALSE :
					 TV_TRUE;
	case CWS_SECL_OP_CONST:
		return n->kind == VK_BOOL && n->v.b ? TV_TRUE : TV_FALSE;
	default:
		break;
	}
	if (n->kind != VK_BOOL)
		return TV_UNKNOWN;
	if (d->how == CWS_SECL_DISCARD_DIR)
		return dir_cmp(d, n);
	if (known(d, n) <= 0)
		return TV_UNKNOWN;
	/*
	 * Every field the node reads is the file's: the evaluator's own
	 * verdict on this event is the verdict on any event on this file.
	 */
	return n->fn.b(d->x, n) ? TV_TRUE : TV_FALSE;
}

/* True when a node reads the destination file anywhere. */
static bool reads_dest(const struct cws_secl_node *n)
{
	size_t i;

	if (n->op == CWS_SECL_OP_FIELD && n->f && n->f->file == FF_DEST)
		return true;
	for (i = 0; i < n->n; i++)
		if (reads_dest(n->c[i]))
			return true;
	return false;
}

bool cws_secl_ruleset_discards(struct cws_secl_ruleset *rs,
			       const struct cws_event *ev,
			       enum cws_secl_discard how, const char *dir)
{
	const struct bucket *b;
	struct dctx d = { .how = how };
	size_t i;

	if (!rs || !ev || ev->type != CWS_REC_EVENT ||
	    ev->evt.type <= CWS_EVT_UNKNOWN || ev->evt.type >= CWS_EVT__COUNT)
		return false;
	if (how == CWS_SECL_DISCARD_DIR) {
		if (!dir || dir[0] != '/')
			return false;
		d.dir = dir;
		d.dirlen = strlen(dir);
	} else if (!ev->obj.file.path) {
		return false;
	}
	b = &rs->by_type[ev->evt.type];
	if (rs->x.in_eval)
		return false;
	secl_ectx_begin(&rs->x, ev);
	d.x = &rs->x;
	for (i = 0; i < b->n; i++) {
		const struct cws_secl_rule *r = b->rules[i];

		if (r->has_reg || reads_dest(r->root))
			return false;
		if (tv_eval(&d, r->root) != TV_FALSE)
			return false;
	}
	return true;
}
