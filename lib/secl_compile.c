/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL compiler: AST to the typed node tree that evaluation runs.
 *
 * Type rules are Datadog's (section 1.4): the right operand of a
 * comparison must have the left one's kind ("int expected"), && || and
 * not want bools, arithmetic and bit operators want ints, =~ wants a
 * string field and a static pattern, `in` wants an array of the left
 * kind ("array of string expected"). Identifiers are looked up as
 * constants, then macros, then fields. Each field carries an event type
 * (common fields none): a rule gets the one type its fields name, and
 * two types, or none, are errors.
 *
 * Values compared with a path field are checked as Datadog's
 * validatePath does (absolute or starting with `*`, already clean, no
 * regex), patterns become globs on *.file.path and *.file.name, and
 * literal arrays are compiled into hash sets and matcher lists. Each
 * comparison is normalised so that its variable side comes first and
 * its array side (a field with several values) is the one iterated:
 * `"x" in exec.argv` becomes EQ(exec.argv, "x"), `3 < f` becomes
 * GT(f, 3). Sub-expressions without fields or variables are evaluated
 * here (folded), && and || chains are flattened and their operands
 * sorted by an estimated cost so that cheap tests run first (safe: no
 * operand has side effects).
 */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

#define MAX_MACRO_DEPTH 16

struct cstate {
	struct cws_secl_ruleset *rs;
	struct arena *a;
	struct cws_secl_err *err;
	const struct compile_opts *o;
	int evtype; /* -1: none yet */
	char reg[16];
	bool has_reg;
	const char *unbacked;
	uint64_t restrict_types;
	const char *restrict_field;
	uint32_t restrict_pos;
	uint32_t nodes;
	unsigned macro_depth;
	uint32_t macro_pos; /* errors inside a macro point at its use */
	const struct cws_secl_node *lhs; /* left side of the `in` compiled */
	/* packet.filter: references, and those in an `== "<filter>"` */
	uint32_t pf_refs, pf_ok, pf_pos;
};

#define PF_ONLY_STATIC \
	"field `packet.filter` only supports matching a single static value"

static uint32_t P(const struct cstate *s, uint32_t pos)
{
	return s->macro_depth ? s->macro_pos : pos;
}

static const char *kname(uint8_t k)
{
	switch (k) {
	case VK_BOOL:
		return "bool";
	case VK_INT:
		return "int";
	case VK_STR:
		return "string";
	case VK_IP:
		return "IP";
	}
	return "value";
}

static const char *opname(uint8_t op)
{
	static const char *const names[] = {
		[CWS_SECL_OP_EQ] = "==",       [CWS_SECL_OP_NE] = "!=",
		[CWS_SECL_OP_LT] = "<",	       [CWS_SECL_OP_LE] = "<=",
		[CWS_SECL_OP_GT] = ">",	       [CWS_SECL_OP_GE] = ">=",
		[CWS_SECL_OP_MATCH] = "=~",    [CWS_SECL_OP_NMATCH] = "!~",
		[CWS_SECL_OP_IN] = "in",       [CWS_SECL_OP_NOT_IN] = "not in",
		[CWS_SECL_OP_ALLIN] = "allin",
	};

	return op < CWS_ARRAY_SIZE(names) && names[op] ? names[op] : "?";
}

static struct cws_secl_node *fail(struct cstate *s, int code,
				  enum cws_secl_err_kind kind, uint32_t pos,
				  const char *fmt, ...) CWS_PRINTF(5, 6);

static struct cws_secl_node *fail(struct cstate *s, int code,
				  enum cws_secl_err_kind kind, uint32_t pos,
				  const char *fmt, ...)
{
	char msg[sizeof(s->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	secl_errf(s->err, code, kind, P(s, pos), "%s", msg);
	return NULL;
}

#define TYPE_ERR(s, pos, ...) \
	fail(s, -EINVAL, CWS_SECL_ERR_COMPILE, pos, __VA_ARGS__)

static struct cws_secl_node *nomem(struct cstate *s)
{
	return fail(s, -ENOMEM, CWS_SECL_ERR_NOMEM, 0, "out of memory");
}

static struct cws_secl_node *mk(struct cstate *s, uint8_t op, uint8_t kind,
				uint32_t pos, uint32_t nchild)
{
	struct cws_secl_node *n;

	if (++s->nodes > CWS_SECL_MAX_NODES) {
		fail(s, -E2BIG, CWS_SECL_ERR_LIMIT, pos,
		     "expression larger than %u nodes", CWS_SECL_MAX_NODES);
		return NULL;
	}
	n = arena_zalloc(s->a, sizeof(*n));
	if (!n)
		return nomem(s);
	n->op = op;
	n->kind = kind;
	n->pos = P(s, pos);
	if (nchild) {
		n->c = arena_zalloc(s->a, nchild * sizeof(*n->c));
		if (!n->c)
			return nomem(s);
		n->n = nchild;
	}
	return n;
}

static bool is_const(const struct cws_secl_node *n)
{
	return n->flags & N_CONST;
}

static bool is_multi(const struct cws_secl_node *n)
{
	return n->flags & N_MULTI;
}

/* The field a node reads, if it is a plain field reference. */
static const struct fref *field_of(const struct cws_secl_node *n)
{
	return n && n->op == CWS_SECL_OP_FIELD ? n->f : NULL;
}

/*
 * Evaluates a node that depends on no field or variable, at compile time,
 * and turns it into a constant.
 */
static struct cws_secl_node *fold(struct cstate *s, struct cws_secl_node *n)
{
	static const struct cws_event zero;
	struct ectx *x = &s->rs->x;
	const struct cws_event *saved = x->ev;
	struct val v;
	uint32_t k;

	if (n->op == CWS_SECL_OP_CONST || n->op == CWS_SECL_OP_ARRAY)
		return n;
	for (k = 0; k < n->n; k++)
		if (!is_const(n->c[k]))
			return n;
	secl_node_bind(n);
	x->ev = &zero;
	secl_node_value(x, n, &v);
	x->ev = saved;
	n->op = CWS_SECL_OP_CONST;
	n->flags = N_CONST;
	n->mop = M_NONE;
	n->n = 0;
	n->c = NULL;
	n->v = v;
	n->weight = 0;
	secl_node_bind(n);
	return n;
}

/* ------------------------------------------------------------------ */
/* Path values (Datadog's validatePath). */

#define MAX_PATH_DEPTH 1363
#define MAX_SEGMENT 255

static bool path_clean(const char *p, uint32_t n)
{
	uint32_t i, start = 0;

	if (n > 1 && p[n - 1] == '/')
		return false;
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != '/')
			continue;
		if (i > start || start == 0) {
			uint32_t len = i - start;

			if ((len == 1 && p[start] == '.') ||
			    (len == 2 && p[start] == '.' &&
			     p[start + 1] == '.'))
				return false;
		}
		if (i < n && i > 0 && i == start && start != 0)
			return false; /* "//" */
		start = i + 1;
	}
	return true;
}

/* At most 64 bytes of a value in a message, so the reason still fits. */
#define CLIP(v) (int)((v).n > 64 ? 64 : (v).n), (v).p, (v).n > 64 ? "..." : ""

static struct cws_secl_node *check_path(struct cstate *s, const struct fref *f,
					uint32_t pos, struct sv v, int match)
{
	uint32_t i, start = 0, depth = 1;

	if (match == CWS_SECL_MATCH_REGEX)
		return TYPE_ERR(s, pos, "regexp not supported on path `%s`",
				f->name);
	if (v.n == 0)
		return (struct cws_secl_node *)1;
	if (!path_clean(v.p, v.n) || (v.n == 1 && v.p[0] == '*') ||
	    (v.p[0] != '/' && v.p[0] != '*'))
		return TYPE_ERR(
			s, pos,
			"invalid path `%.*s%s`, all the path have to be absolute",
			CLIP(v));
	for (i = 0; i <= v.n; i++) {
		if (i < v.n && v.p[i] != '/')
			continue;
		if (i - start > MAX_SEGMENT)
			return TYPE_ERR(
				s, pos,
				"invalid path `%.*s%s`, each segment of a path must be shorter than %d",
				CLIP(v), MAX_SEGMENT);
		if (i < v.n)
			depth++;
		start = i + 1;
	}
	if (depth > MAX_PATH_DEPTH)
		return TYPE_ERR(
			s, pos,
			"invalid path `%.*s%s`, path depths have to be shorter than %d",
			CLIP(v), MAX_PATH_DEPTH);
	return (struct cws_secl_node *)1;
}

/* ------------------------------------------------------------------ */
/* Fields, variables, identifiers. */

static void note_field(struct cstate *s, const struct fref *f)
{
	if ((f->flags & FL_UNBACKED) && !s->unbacked)
		s->unbacked = f->name;
	if (f->restrict_types && !s->restrict_types) {
		s->restrict_types = f->restrict_types;
		s->restrict_field = f->name;
	}
}

static uint32_t field_weight(const struct fref *f)
{
	uint32_t w = f->kind == VK_STR ? 3 : 2;

	if (f->leaf && (f->flags & FL_DERIVED))
		w += 20;
	if (f->flags & FL_MULTI)
		w *= 5;
	if (f->root == R_ANC && !f->iter)
		w *= 20;
	return w;
}

static struct cws_secl_node *compile_field(struct cstate *s,
					   const struct ast *a)
{
	struct fref f, *fp;
	struct cws_secl_node *n;
	char type[32];
	int r;

	r = secl_field_resolve(a->s.p, a->s.n, &f);
	if (r == FR_UNSUPPORTED) {
		secl_field_unsupported_type(a->s.p, a->s.n, type, sizeof(type));
		return fail(
			s, -EOPNOTSUPP, CWS_SECL_ERR_UNSUPPORTED, a->pos,
			"field `%.*s` not found (event type `%s` is not supported by cws)",
			(int)a->s.n, a->s.p, type);
	}
	if (r == FR_BAD_ITER) {
		const char *br = memchr(a->s.p, '[', a->s.n);

		if (br && br + 2 < a->s.p + a->s.n && br[1] == '_' &&
		    br[2] == ']')
			return TYPE_ERR(
				s, a->pos,
				"register name `_` error: `_` is not allowed");
		return TYPE_ERR(s, a->pos,
				"field `%.*s` doesn't support iteration",
				(int)a->s.n, a->s.p);
	}
	if (r != FR_FOUND)
		return TYPE_ERR(s, a->pos, "field `%.*s` not found",
				(int)a->s.n, a->s.p);
	if (f.evtype) {
		if (s->o->type >= 0 && f.evtype != s->o->type)
			return fail(
				s, -EINVAL, CWS_SECL_ERR_EVENT_TYPE, a->pos,
				"field `%.*s` not available for event type `%s`",
				(int)a->s.n, a->s.p,
				cws_event_type_name(s->o->type));
		if (s->evtype < 0)
			s->evtype = f.evtype;
		else if (s->evtype != f.evtype)
			return fail(
				s, -EINVAL, CWS_SECL_ERR_EVENT_TYPE, a->pos,
				"expression with multiple event types is not supported");
	}
	if (f.iter) {
		if (!s->has_reg) {
			memcpy(s->reg, f.reg, sizeof(s->reg));
			s->has_reg = true;
		} else if (strcmp(s->reg, f.reg)) {
			return TYPE_ERR(
				s, a->pos,
				"iterator variable limit to one per rule");
		}
	}
	fp = arena_alloc(s->a, sizeof(*fp));
	if (!fp)
		return nomem(s);
	*fp = f;
	/* The name without the iterator, for messages and the tree walk. */
	{
		char buf[CWS_SECL_MAX_NAME];
		const char *br = memchr(a->s.p, '[', a->s.n);
		size_t n1;

		if (br) {
			const char *end =
				memchr(br, ']', a->s.n - (size_t)(br - a->s.p));

			n1 = (size_t)(br - a->s.p);
			snprintf(buf, sizeof(buf), "%.*s%.*s", (int)n1, a->s.p,
				 (int)(a->s.n - (size_t)(end + 1 - a->s.p)),
				 end + 1);
			fp->name = arena_strndup(s->a, buf, strlen(buf));
		} else {
			fp->name = arena_strndup(s->a, a->s.p, a->s.n);
		}
		if (!fp->name)
			return nomem(s);
	}
	note_field(s, fp);
	if (f.leaf == L_PK_FILTER && !s->pf_refs++)
		s->pf_pos = a->pos;
	n = mk(s, CWS_SECL_OP_FIELD, f.kind, a->pos, 0);
	if (!n)
		return NULL;
	n->f = fp;
	if ((f.flags & FL_MULTI) || (f.root == R_ANC && !f.iter))
		n->flags |= N_MULTI;
	n->weight = field_weight(fp);
	secl_node_bind(n);
	return n;
}

static struct cws_secl_node *var_node(struct cstate *s, const char *name,
				      size_t len, uint32_t pos)
{
	struct cws_secl_node *n;
	struct vdecl *d;
	int id;

	if (len == 11 && !memcmp(name, "process.pid", 11)) {
		n = mk(s, CWS_SECL_OP_VAR, VK_INT, pos, 0);
		if (!n)
			return NULL;
		n->var = VB_PID;
		n->flags |= N_BUILTIN;
	} else if (len == 14 && !memcmp(name, "builtins.uuid4", 14)) {
		n = mk(s, CWS_SECL_OP_VAR, VK_STR, pos, 0);
		if (!n)
			return NULL;
		n->var = VB_UUID4;
		n->flags |= N_BUILTIN;
	} else {
		id = secl_var_find(s->rs, name, len);
		if (id < 0)
			return TYPE_ERR(s, pos, "variable '%.*s' doesn't exist",
					(int)len, name);
		d = secl_var_decl(s->rs, id);
		n = mk(s, CWS_SECL_OP_VAR, d->kind, pos, 0);
		if (!n)
			return NULL;
		n->var = id;
		if (d->array)
			n->flags |= N_MULTI;
	}
	n->vname = arena_strndup(s->a, name, len);
	if (!n->vname)
		return nomem(s);
	n->weight = 10;
	secl_node_bind(n);
	return n;
}

/* A string with ${var} parts. */
static struct cws_secl_node *compile_interp(struct cstate *s,
					    const struct ast *a)
{
	struct cws_secl_node *n;
	uint32_t cap = 1, k = 0, i = 0, lit = 0;
	const char *p = a->s.p;
	uint32_t len = a->s.n;

	for (i = 0; i + 1 < len; i++)
		cap += p[i] == '$' && p[i + 1] == '{';
	cap = cap * 2 + 1;
	n = mk(s, CWS_SECL_OP_INTERP, VK_STR, a->pos, 0);
	if (!n)
		return NULL;
	n->parts = arena_zalloc(s->a, cap * sizeof(*n->parts));
	if (!n->parts)
		return nomem(s);
	i = 0;
	while (i < len) {
		const char *end;

		if (!(p[i] == '$' && i + 1 < len && p[i + 1] == '{') ||
		    !(end = memchr(p + i, '}', len - i))) {
			i++;
			continue;
		}
		if (i > lit) {
			n->parts[k].lit.p = p + lit;
			n->parts[k++].lit.n = i - lit;
		}
		n->parts[k].var = var_node(s, p + i + 2,
					   (size_t)(end - (p + i + 2)), a->pos);
		if (!n->parts[k++].var)
			return NULL;
		i = (uint32_t)(end - p) + 1;
		lit = i;
	}
	if (len > lit) {
		n->parts[k].lit.p = p + lit;
		n->parts[k++].lit.n = len - lit;
	}
	n->nparts = k;
	n->weight = 20;
	secl_node_bind(n);
	return n;
}

static struct cws_secl_node *compile(struct cstate *s, const struct ast *a);

static struct cws_secl_node *compile_ident(struct cstate *s,
					   const struct ast *a)
{
	const struct macro *m;
	struct cws_secl_node *n;
	int64_t v;

	if ((a->s.n == 4 && !memcmp(a->s.p, "true", 4)) ||
	    (a->s.n == 5 && !memcmp(a->s.p, "false", 5))) {
		n = mk(s, CWS_SECL_OP_CONST, VK_BOOL, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		n->v.kind = VK_BOOL;
		n->v.b = a->s.n == 4;
		secl_node_bind(n);
		return n;
	}
	if (secl_const_lookup(a->s.p, a->s.n, &v) == 0) {
		n = mk(s, CWS_SECL_OP_CONST, VK_INT, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		n->v.kind = VK_INT;
		n->v.i = v;
		secl_node_bind(n);
		return n;
	}
	m = secl_macro_find(s->rs, a->s.p, a->s.n);
	if (m) {
		uint32_t saved = s->macro_pos;

		if (s->macro_depth >= MAX_MACRO_DEPTH)
			return fail(s, -E2BIG, CWS_SECL_ERR_LIMIT, a->pos,
				    "macros nested too deeply");
		if (!s->macro_depth)
			s->macro_pos = a->pos;
		s->macro_depth++;
		n = compile(s, m->ast);
		s->macro_depth--;
		s->macro_pos = saved;
		return n;
	}
	return compile_field(s, a);
}

/* ------------------------------------------------------------------ */
/* Literal arrays. */

static struct cws_secl_node *compile_strset(struct cstate *s,
					    const struct ast *a)
{
	const struct fref *lf = field_of(s->lhs);
	bool glob = lf && (lf->flags & FL_GLOB);
	bool ci = lf && (lf->flags & FL_CI);
	struct cws_secl_node *n;
	struct strset *set;
	uint32_t k, nexact = 0;

	n = mk(s, CWS_SECL_OP_ARRAY, VK_STR, a->pos, 0);
	if (!n)
		return NULL;
	set = arena_zalloc(s->a, sizeof(*set));
	if (!set)
		return nomem(s);
	set->ci = ci;
	set->all = arena_zalloc(s->a, a->nitems * sizeof(*set->all));
	set->match = arena_zalloc(s->a, a->nitems * sizeof(*set->match));
	if (!set->all || !set->match)
		return nomem(s);
	for (k = 0; k < a->nitems; k++)
		nexact += a->items[k]->type == AST_STRING;
	set->cap = 4;
	while (set->cap < nexact * 2)
		set->cap *= 2;
	set->slot = arena_zalloc(s->a, set->cap * sizeof(*set->slot));
	if (!set->slot)
		return nomem(s);
	for (k = 0; k < a->nitems; k++) {
		const struct ast *m = a->items[k];
		int match = m->type == AST_PATTERN ? CWS_SECL_MATCH_PATTERN :
			    m->type == AST_REGEX   ? CWS_SECL_MATCH_REGEX :
						     CWS_SECL_MATCH_EXACT;
		struct smatch *sm;

		if (lf && (lf->flags & FL_PATHVAL) &&
		    !check_path(s, lf, m->pos, m->s, match))
			return NULL;
		if (match == CWS_SECL_MATCH_EXACT) {
			uint32_t mask = set->cap - 1;
			uint32_t at = (uint32_t)secl_hash(m->s.p, m->s.n, ci) &
				      mask;

			sm = arena_zalloc(s->a, sizeof(*sm));
			if (!sm)
				return nomem(s);
			sm->type = SM_EXACT;
			sm->ci = ci;
			sm->src = m->s;
			set->all[set->nall++] = sm;
			while (set->slot[at].p &&
			       !(set->slot[at].n == m->s.n &&
				 !memcmp(set->slot[at].p, m->s.p, m->s.n)))
				at = (at + 1) & mask;
			if (set->slot[at].p)
				continue; /* a duplicate */
			set->slot[at] = m->s;
			set->nexact++;
			continue;
		}
		sm = &set->match[set->nmatch];
		sm->type = match == CWS_SECL_MATCH_REGEX ? SM_REGEX :
			   glob				 ? SM_GLOB :
							   SM_PATTERN;
		sm->ci = ci;
		sm->src = m->s;
		/* A macro's own check only validates the syntax. */
		if (!(s->o->macro && !s->lhs) &&
		    secl_smatch_compile(s->a, sm, s->rs->mctx, s->err,
					P(s, m->pos)) < 0)
			return NULL;
		set->all[set->nall++] = sm;
		set->nmatch++;
		n->weight += sm->type == SM_REGEX ? 50 : 8;
	}
	n->ss = set;
	n->flags |= N_CONST;
	n->weight += 6;
	return n;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static struct cws_secl_node *compile_array(struct cstate *s,
					   const struct ast *a)
{
	struct cws_secl_node *n;
	uint32_t k;

	switch (a->op) {
	case 0:
		return compile_strset(s, a);
	case 1: {
		struct ipset *set;

		n = mk(s, CWS_SECL_OP_ARRAY, VK_IP, a->pos, 0);
		set = arena_zalloc(s->a, sizeof(*set));
		if (!n || !set)
			return n ? nomem(s) : NULL;
		set->v = arena_alloc(s->a, a->nitems * sizeof(*set->v));
		if (!set->v)
			return nomem(s);
		for (k = 0; k < a->nitems; k++)
			set->v[k] = a->items[k]->ip;
		set->n = a->nitems;
		n->ips = set;
		break;
	}
	default: {
		struct intset *set;

		n = mk(s, CWS_SECL_OP_ARRAY, VK_INT, a->pos, 0);
		set = arena_zalloc(s->a, sizeof(*set));
		if (!n || !set)
			return n ? nomem(s) : NULL;
		set->v = arena_alloc(s->a, a->nitems * sizeof(*set->v));
		set->src = arena_alloc(s->a, a->nitems * sizeof(*set->src));
		set->dur = arena_zalloc(s->a, a->nitems * sizeof(*set->dur));
		if (!set->v || !set->src || !set->dur)
			return nomem(s);
		for (k = 0; k < a->nitems; k++) {
			const struct ast *m = a->items[k];
			int64_t v = m->i;

			if (m->type == AST_IDENT &&
			    secl_const_lookup(m->s.p, m->s.n, &v) < 0)
				return TYPE_ERR(s, m->pos,
						"unknown constant `%.*s`",
						(int)m->s.n, m->s.p);
			set->v[k] = set->src[k] = v;
		}
		set->n = a->nitems;
		qsort(set->v, set->n, sizeof(*set->v), cmp_i64);
		n->is = set;
		break;
	}
	}
	n->flags |= N_CONST;
	n->weight = 5;
	return n;
}

/* ------------------------------------------------------------------ */
/* Comparisons. */

static uint8_t flip(uint8_t op)
{
	switch (op) {
	case CWS_SECL_OP_LT:
		return CWS_SECL_OP_GT;
	case CWS_SECL_OP_LE:
		return CWS_SECL_OP_GE;
	case CWS_SECL_OP_GT:
		return CWS_SECL_OP_LT;
	case CWS_SECL_OP_GE:
		return CWS_SECL_OP_LE;
	}
	return op;
}

static bool node_ci(const struct cws_secl_node *n)
{
	const struct fref *f = field_of(n);

	return f && (f->flags & FL_CI);
}

/* Gives a constant string its matcher, as a glob or pattern for lf. */
static struct cws_secl_node *const_matcher(struct cstate *s,
					   struct cws_secl_node *c,
					   const struct fref *lf, bool ci,
					   int match)
{
	struct smatch *sm;

	if (lf && (lf->flags & FL_PATHVAL) &&
	    !check_path(s, lf, c->pos, c->v.s, match))
		return NULL;
	if (match == CWS_SECL_MATCH_EXACT)
		return c;
	sm = arena_zalloc(s->a, sizeof(*sm));
	if (!sm)
		return nomem(s);
	sm->type = match == CWS_SECL_MATCH_REGEX ? SM_REGEX :
		   lf && (lf->flags & FL_GLOB)	 ? SM_GLOB :
						   SM_PATTERN;
	sm->ci = ci;
	sm->src = c->v.s;
	if (secl_smatch_compile(s->a, sm, s->rs->mctx, s->err, c->pos) < 0)
		return NULL;
	c->sm = sm;
	c->cmp = sm->type == SM_GLOB  ? CWS_SECL_MATCH_GLOB :
		 sm->type == SM_REGEX ? CWS_SECL_MATCH_REGEX :
					CWS_SECL_MATCH_PATTERN;
	return c;
}

static uint32_t cmp_weight(const struct cws_secl_node *l,
			   const struct cws_secl_node *r)
{
	uint32_t w = l->weight + r->weight + 1;

	if (r->sm)
		w += r->sm->type == SM_REGEX ? 50 : 5;
	return w;
}

static struct cws_secl_node *finish_cmp(struct cstate *s,
					struct cws_secl_node *n)
{
	n->weight = cmp_weight(n->c[0], n->c[1]);
	secl_node_bind(n);
	return fold(s, n);
}

/*
 * packet.filter == "<pcap filter>", either way round: the string is
 * compiled with libpcap (secl_packet.c) and tested on the packet's bytes.
 */
static struct cws_secl_node *compile_packet_filter(struct cstate *s,
						   const struct ast *a,
						   struct cws_secl_node *l,
						   struct cws_secl_node *r)
{
	struct cws_secl_node *n, *t;
	struct smatch *sm;

	if (!field_of(l)) {
		t = l;
		l = r;
		r = t;
	}
	if (a->op != CWS_SECL_OP_EQ || !is_const(r) || r->kind != VK_STR ||
	    r->cmp != CWS_SECL_MATCH_EXACT || field_of(r))
		return TYPE_ERR(s, a->pos, PF_ONLY_STATIC);
	sm = arena_zalloc(s->a, sizeof(*sm));
	if (!sm)
		return nomem(s);
	sm->type = SM_PCAP;
	sm->src = r->v.s;
	if (secl_pcap_compile(s->rs, sm, field_of(l)->name, s->err,
			      P(s, r->pos)) < 0)
		return NULL;
	r->sm = sm;
	r->cmp = CWS_SECL_MATCH_PATTERN;
	n = mk(s, CWS_SECL_OP_EQ, VK_BOOL, a->pos, 2);
	if (!n)
		return NULL;
	n->c[0] = l;
	n->c[1] = r;
	n->mop = M_SMATCH;
	n->cmp = CWS_SECL_OP_EQ;
	s->pf_ok++;
	n->weight = cmp_weight(l, r) + 100;
	secl_node_bind(n);
	return n;
}

static struct cws_secl_node *compile_cmp(struct cstate *s, const struct ast *a)
{
	struct cws_secl_node *l, *r, *n, *t;
	uint8_t op = a->op;
	const struct fref *lf;
	bool ci;

	l = compile(s, a->l);
	if (!l)
		return NULL;
	r = compile(s, a->r);
	if (!r)
		return NULL;
	if (l->op == CWS_SECL_OP_ARRAY || r->op == CWS_SECL_OP_ARRAY)
		return TYPE_ERR(
			s, r->op == CWS_SECL_OP_ARRAY ? a->r->pos : a->l->pos,
			"%s expected", kname(l->kind));
	if ((field_of(l) && field_of(l)->leaf == L_PK_FILTER) ||
	    (field_of(r) && field_of(r)->leaf == L_PK_FILTER))
		return compile_packet_filter(s, a, l, r);
	if (op == CWS_SECL_OP_MATCH || op == CWS_SECL_OP_NMATCH) {
		if (r->kind != l->kind)
			return TYPE_ERR(s, a->r->pos, "%s expected",
					kname(l->kind));
		if (l->kind != VK_STR)
			return TYPE_ERR(s, a->pos, "operator `%s` unknown",
					opname(op));
		if (!is_const(r)) {
			const struct fref *rf = field_of(r);

			return TYPE_ERR(
				s, a->r->pos,
				"unable to apply pattern on non static value `%s`",
				rf	 ? rf->name :
				r->vname ? r->vname :
					   "string");
		}
		lf = field_of(l);
		ci = node_ci(l);
		/* A plain string after =~ is a pattern. */
		if (!const_matcher(s, r, lf, ci,
				   r->cmp == CWS_SECL_MATCH_EXACT ?
					   CWS_SECL_MATCH_PATTERN :
					   r->cmp))
			return NULL;
		n = mk(s, op, VK_BOOL, a->pos, 2);
		if (!n)
			return NULL;
		n->c[0] = l;
		n->c[1] = r;
		n->mop = M_SMATCH;
		n->cmp = CWS_SECL_OP_EQ;
		if (op == CWS_SECL_OP_NMATCH)
			n->flags |= N_NEGATE;
		return finish_cmp(s, n);
	}
	if (r->kind != l->kind)
		return TYPE_ERR(s, a->r->pos, "%s expected", kname(l->kind));
	if (l->kind != VK_INT && op != CWS_SECL_OP_EQ && op != CWS_SECL_OP_NE)
		return TYPE_ERR(s, a->pos, "operator `%s` unknown", opname(op));
	/* The variable side first, the side with several values first. */
	if ((is_const(l) && !is_const(r)) ||
	    (!is_multi(l) && is_multi(r) && !is_const(l))) {
		t = l;
		l = r;
		r = t;
		op = flip(op);
	}
	n = mk(s, op, VK_BOOL, a->pos, 2);
	if (!n)
		return NULL;
	n->c[0] = l;
	n->c[1] = r;
	n->cmp = op == CWS_SECL_OP_NE ? CWS_SECL_OP_EQ : op;
	if (op == CWS_SECL_OP_NE)
		n->flags |= N_NEGATE;
	lf = field_of(l);
	ci = node_ci(l) || node_ci(r);
	if (ci)
		n->flags |= N_CI;
	if (l->kind == VK_STR && is_const(r)) {
		/* == ~"x" and == r"x" match; == "x" compares exactly. */
		if (!const_matcher(s, r, lf, ci, r->cmp))
			return NULL;
		n->mop = r->sm ? M_SMATCH : M_CMP;
		return finish_cmp(s, n);
	}
	/* A duration against a timestamp field or variable is an age. */
	if (l->kind == VK_INT && (r->flags & N_DURATION) &&
	    (l->op == CWS_SECL_OP_FIELD || l->op == CWS_SECL_OP_VAR))
		n->flags |= N_AGE;
	n->mop = is_multi(r) ? M_NESTED : M_CMP;
	return finish_cmp(s, n);
}

static struct cws_secl_node *compile_arraycmp(struct cstate *s,
					      const struct ast *a)
{
	const struct cws_secl_node *saved = s->lhs;
	struct cws_secl_node *l, *r, *n;
	uint8_t op = a->op;

	l = compile(s, a->l);
	if (!l)
		return NULL;
	if (l->op == CWS_SECL_OP_ARRAY)
		return TYPE_ERR(s, a->l->pos, "%s expected", "value");
	s->lhs = l;
	r = a->r->type == AST_ARRAY ? compile_array(s, a->r) : compile(s, a->r);
	s->lhs = saved;
	if (!r)
		return NULL;
	if (r->op != CWS_SECL_OP_ARRAY && r->op != CWS_SECL_OP_VAR &&
	    !is_multi(r) && !(is_const(r) && r->kind == VK_IP))
		return TYPE_ERR(s, a->r->pos, "array of %s expected",
				kname(l->kind));
	if (r->kind != l->kind)
		return TYPE_ERR(s, a->r->pos, "array of %s expected",
				kname(l->kind));
	if (r->op != CWS_SECL_OP_ARRAY && !is_const(r)) {
		/* `x in field_or_var`: equality with any of its values. */
		if (!is_multi(l) && is_multi(r)) {
			struct cws_secl_node *t = l;

			l = r;
			r = t;
		}
		n = mk(s,
		       op == CWS_SECL_OP_NOT_IN ? CWS_SECL_OP_NE :
						  CWS_SECL_OP_EQ,
		       VK_BOOL, a->pos, 2);
		if (!n)
			return NULL;
		n->c[0] = l;
		n->c[1] = r;
		n->cmp = CWS_SECL_OP_EQ;
		if (op == CWS_SECL_OP_NOT_IN)
			n->flags |= N_NEGATE;
		if (node_ci(l) || node_ci(r))
			n->flags |= N_CI;
		if (is_const(r) && r->kind == VK_STR &&
		    !const_matcher(s, r, field_of(l), node_ci(l), r->cmp))
			return NULL;
		n->mop = is_multi(r) ? M_NESTED : r->sm ? M_SMATCH : M_CMP;
		return finish_cmp(s, n);
	}
	n = mk(s, op, VK_BOOL, a->pos, 2);
	if (!n)
		return NULL;
	n->c[0] = l;
	n->c[1] = r;
	n->cmp = CWS_SECL_OP_EQ;
	if (op == CWS_SECL_OP_NOT_IN)
		n->flags |= N_NEGATE;
	/* allin means "every value" only for addresses (7.60). */
	if (op == CWS_SECL_OP_ALLIN && l->kind == VK_IP && is_multi(l))
		n->flags |= N_ALL;
	if (r->op == CWS_SECL_OP_CONST) {
		/* A single CIDR: a one-member set. */
		struct ipset *set = arena_zalloc(s->a, sizeof(*set));

		if (!set)
			return nomem(s);
		set->v = &r->v.ip;
		set->n = 1;
		r->ips = set;
	}
	switch (l->kind) {
	case VK_STR:
		n->mop = M_STRSET;
		break;
	case VK_INT:
		n->mop = M_INTSET;
		break;
	case VK_IP:
		n->mop = M_IPSET;
		break;
	default:
		return TYPE_ERR(s, a->r->pos, "array of %s expected",
				kname(l->kind));
	}
	return finish_cmp(s, n);
}

/* ------------------------------------------------------------------ */
/* Logic and arithmetic. */

static int cmp_weight_sort(const struct cws_secl_node *a,
			   const struct cws_secl_node *b)
{
	return a->weight < b->weight ? -1 : a->weight > b->weight;
}

static struct cws_secl_node *compile_logic(struct cstate *s,
					   const struct ast *a)
{
	uint8_t op = a->type == AST_AND ? CWS_SECL_OP_AND : CWS_SECL_OP_OR;
	struct cws_secl_node **kids, *n;
	struct cws_secl_node *decided = NULL;
	uint32_t k, nk = 0, cap = a->nitems, j;

	kids = arena_alloc(s->a, cap * sizeof(*kids));
	if (!kids)
		return nomem(s);
	/* Every operand is compiled (types, event type) before folding. */
	for (k = 0; k < a->nitems; k++) {
		struct cws_secl_node *c = compile(s, a->items[k]);

		if (!c)
			return NULL;
		if (c->kind != VK_BOOL || is_multi(c) ||
		    c->op == CWS_SECL_OP_ARRAY)
			return TYPE_ERR(s, a->items[k]->pos, "bool expected");
		if (is_const(c)) {
			/* true && x is x; false && x is false. */
			if (c->v.b != (op == CWS_SECL_OP_AND) && !decided)
				decided = c;
			continue;
		}
		if (c->op == op) {
			struct cws_secl_node **nk2;

			nk2 = arena_alloc(s->a, (cap + c->n) * sizeof(*nk2));
			if (!nk2)
				return nomem(s);
			memcpy(nk2, kids, nk * sizeof(*kids));
			kids = nk2;
			cap += c->n;
			for (j = 0; j < c->n; j++)
				kids[nk++] = c->c[j];
			continue;
		}
		kids[nk++] = c;
	}
	if (decided)
		return decided;
	if (nk == 0) {
		n = mk(s, CWS_SECL_OP_CONST, VK_BOOL, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		n->v.kind = VK_BOOL;
		n->v.b = op == CWS_SECL_OP_AND;
		secl_node_bind(n);
		return n;
	}
	if (nk == 1)
		return kids[0];
	/* Cheapest first; insertion sort keeps equal costs in order. */
	for (k = 1; k < nk; k++) {
		struct cws_secl_node *c = kids[k];

		for (j = k; j > 0 && cmp_weight_sort(kids[j - 1], c) > 0; j--)
			kids[j] = kids[j - 1];
		kids[j] = c;
	}
	n = mk(s, op, VK_BOOL, a->pos, 0);
	if (!n)
		return NULL;
	n->c = kids;
	n->n = nk;
	for (k = 0; k < nk; k++)
		n->weight += kids[k]->weight;
	secl_node_bind(n);
	return n;
}

static struct cws_secl_node *compile_unary(struct cstate *s,
					   const struct ast *a)
{
	struct cws_secl_node *c, *n;
	uint8_t op, kind;

	c = compile(s, a->l);
	if (!c)
		return NULL;
	switch (a->type) {
	case AST_NOT:
		op = CWS_SECL_OP_NOT;
		kind = VK_BOOL;
		break;
	case AST_NEG:
		op = CWS_SECL_OP_NEG;
		kind = VK_INT;
		break;
	default:
		op = CWS_SECL_OP_BITNOT;
		kind = VK_INT;
		break;
	}
	if (c->kind != kind || is_multi(c) || c->op == CWS_SECL_OP_ARRAY)
		return TYPE_ERR(s, a->l->pos, "%s expected", kname(kind));
	n = mk(s, op, kind, a->pos, 1);
	if (!n)
		return NULL;
	n->c[0] = c;
	n->weight = c->weight + 1;
	secl_node_bind(n);
	return fold(s, n);
}

static struct cws_secl_node *compile_arith(struct cstate *s,
					   const struct ast *a)
{
	static const uint8_t ops[] = {
		[AST_BITAND] = CWS_SECL_OP_BITAND,
		[AST_BITOR] = CWS_SECL_OP_BITOR,
		[AST_BITXOR] = CWS_SECL_OP_BITXOR,
		[AST_ADD] = CWS_SECL_OP_ADD,
		[AST_SUB] = CWS_SECL_OP_SUB,
	};
	struct cws_secl_node *l, *r, *n;

	l = compile(s, a->l);
	if (!l)
		return NULL;
	if (l->kind != VK_INT || is_multi(l) || l->op == CWS_SECL_OP_ARRAY)
		return TYPE_ERR(s, a->l->pos, "int expected");
	r = compile(s, a->r);
	if (!r)
		return NULL;
	if (r->kind != VK_INT || is_multi(r) || r->op == CWS_SECL_OP_ARRAY)
		return TYPE_ERR(s, a->r->pos, "int expected");
	n = mk(s, ops[a->type], VK_INT, a->pos, 2);
	if (!n)
		return NULL;
	n->c[0] = l;
	n->c[1] = r;
	n->weight = l->weight + r->weight + 1;
	secl_node_bind(n);
	return fold(s, n);
}

static struct cws_secl_node *compile(struct cstate *s, const struct ast *a)
{
	struct cws_secl_node *n;

	switch (a->type) {
	case AST_OR:
	case AST_AND:
		return compile_logic(s, a);
	case AST_NOT:
	case AST_NEG:
	case AST_BITNOT:
		return compile_unary(s, a);
	case AST_BITAND:
	case AST_BITOR:
	case AST_BITXOR:
	case AST_ADD:
	case AST_SUB:
		return compile_arith(s, a);
	case AST_CMP:
		return compile_cmp(s, a);
	case AST_ARRAYCMP:
		return compile_arraycmp(s, a);
	case AST_IDENT:
		return compile_ident(s, a);
	case AST_VAR:
		return var_node(s, a->s.p, a->s.n, a->pos);
	case AST_ARRAY:
		return compile_array(s, a);
	case AST_STRING:
		if (memmem(a->s.p, a->s.n, "${", 2))
			return compile_interp(s, a);
		/* fall through */
	case AST_PATTERN:
	case AST_REGEX:
		n = mk(s, CWS_SECL_OP_CONST, VK_STR, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		n->v.kind = VK_STR;
		n->v.s = a->s;
		n->cmp = a->type == AST_PATTERN ? CWS_SECL_MATCH_PATTERN :
			 a->type == AST_REGEX	? CWS_SECL_MATCH_REGEX :
						  CWS_SECL_MATCH_EXACT;
		secl_node_bind(n);
		return n;
	case AST_INT:
	case AST_DURATION:
		n = mk(s, CWS_SECL_OP_CONST, VK_INT, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		if (a->type == AST_DURATION)
			n->flags |= N_DURATION;
		n->v.kind = VK_INT;
		n->v.i = a->i;
		secl_node_bind(n);
		return n;
	case AST_IP:
		n = mk(s, CWS_SECL_OP_CONST, VK_IP, a->pos, 0);
		if (!n)
			return NULL;
		n->flags |= N_CONST;
		n->v.kind = VK_IP;
		n->v.ip = a->ip;
		secl_node_bind(n);
		return n;
	}
	return TYPE_ERR(s, a->pos, "invalid expression");
}

struct cws_secl_node *secl_compile(struct cws_secl_ruleset *rs, const char *src,
				   struct ast *ast,
				   const struct compile_opts *o, int *evtype,
				   bool *has_reg, const char **unbacked,
				   struct cws_secl_err *err)
{
	struct cstate s;
	struct cws_secl_node *root;

	(void)src;
	memset(&s, 0, sizeof(s));
	s.rs = rs;
	s.a = &rs->arena;
	s.err = err;
	s.o = o;
	s.evtype = -1;
	root = compile(&s, ast);
	if (!root)
		return NULL;
	if (s.pf_refs != s.pf_ok)
		return TYPE_ERR(&s, s.pf_pos, PF_ONLY_STATIC);
	if (o->rule && (root->kind != VK_BOOL || is_multi(root) ||
			root->op == CWS_SECL_OP_ARRAY))
		return TYPE_ERR(&s, ast->pos, "bool expected");
	if (o->rule && s.evtype < 0)
		return fail(&s, -EINVAL, CWS_SECL_ERR_EVENT_TYPE, 0,
			    "no event in the rule definition");
	if (s.restrict_types && s.evtype >= 0 &&
	    !(s.restrict_types & (1ull << s.evtype))) {
		char avail[128] = "";
		size_t off = 0;
		int t;

		for (t = 1; t < CWS_EVT__COUNT; t++)
			if (s.restrict_types & (1ull << t))
				off += (size_t)snprintf(avail + off,
							sizeof(avail) - off,
							"%s%s", off ? ", " : "",
							cws_event_type_name(t));
		return fail(
			&s, -EINVAL, CWS_SECL_ERR_EVENT_TYPE, 0,
			"field `%s` not available for event type `%s`, available for `[%s]`",
			s.restrict_field, cws_event_type_name(s.evtype), avail);
	}
	if (evtype)
		*evtype = s.evtype;
	if (has_reg)
		*has_reg = s.has_reg;
	if (unbacked)
		*unbacked = s.unbacked;
	return root;
}
