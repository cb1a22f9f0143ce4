/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL evaluation: every compiled node carries the function that
 * evaluates it, chosen once at compile time (secl_node_bind), so that
 * evaluating a rule is a walk of direct calls with no interpretation of
 * node types and no allocation. && and || stop at the first operand that
 * decides (their operands are sorted cheapest first by the compiler).
 *
 * A comparison tests each value of its left side against its right side
 * and is true when one value passes ("any element"); `!=`, `not in` and
 * `!~` are the negation of the `==`, `in` and `=~` any-test, so an array
 * field `!=` a value means no element equals it, and an empty array
 * matches nothing and "not-matches" everything, as in Datadog. The
 * common shapes (a scalar string field against a hash set, a pattern, a
 * string; an int field against a constant) have direct functions; the
 * rest goes through a generic visitor.
 *
 * A duration on the right of a comparison with a field means an age:
 * `process.created_at < 5s` compares now - created_at with 5 s, and
 * "now" is the event's timestamp, so replays are deterministic.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "secl_priv.h"

void *secl_scratch(struct ectx *x, size_t n)
{
	size_t at = (x->scratch_used + 7) & ~(size_t)7;
	void *p;

	if (!x->scratch) {
		/*
		 * Zeroed: PCRE2's JIT reads whole aligned blocks, past the end
		 * of a subject, which valgrind reports on fresh memory. Large
		 * callocs are fresh zero pages, so this costs nothing.
		 */
		x->scratch = calloc(1, CWS_SECL_SCRATCH);
		if (!x->scratch) {
			x->overflow = true;
			return NULL;
		}
		x->scratch_cap = CWS_SECL_SCRATCH;
	}
	if (n > x->scratch_cap || at > x->scratch_cap - n) {
		x->overflow = true;
		return NULL;
	}
	p = x->scratch + at;
	x->scratch_used = at + n;
	return p;
}

void secl_ectx_begin(struct ectx *x, const struct cws_event *ev)
{
	x->ev = ev;
	x->now = (int64_t)ev->timestamp;
	x->reg = -1;
	x->scratch_used = 0;
	x->overflow = false;
	memset(x->args_valid, 0, sizeof(x->args_valid));
}

/* ------------------------------------------------------------------ */
/* Variables. */

static const struct vval *var_scalar(struct ectx *x,
				     const struct cws_secl_node *n)
{
	struct vdecl *d = secl_var_decl(x->rs, n->var);
	const struct vinst *in = secl_var_instance(x->rs, n->var, x->ev);

	if (in && in->n && secl_vval_live(&in->v[0], (uint64_t)x->now))
		return &in->v[0];
	return d && d->has_def ? &d->def : NULL;
}

static struct sv uuid4(struct ectx *x)
{
	static uint64_t state;
	uint8_t b[16];
	char *out = secl_scratch(x, 36);
	struct sv r = { "", 0 };
	int i, k = 0;

	if (!out)
		return r;
	if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
		/* No entropy yet: a xorshift is good enough for an id. */
		if (!state)
			state = (uint64_t)time(NULL) ^ (uintptr_t)&state;
		for (i = 0; i < 16; i++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			b[i] = (uint8_t)state;
		}
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (i = 0; i < 16; i++) {
		static const char hex[] = "0123456789abcdef";

		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 15];
	}
	r.p = out;
	r.n = 36;
	return r;
}

static bool var_visit(struct ectx *x, const struct cws_secl_node *n,
		      const struct visit *v)
{
	struct vdecl *d = secl_var_decl(x->rs, n->var);
	const struct vinst *in = secl_var_instance(x->rs, n->var, x->ev);
	struct val val;
	uint32_t k;

	if (!d || !in)
		return false;
	for (k = 0; k < in->n; k++) {
		if (!secl_vval_live(&in->v[k], (uint64_t)x->now))
			continue;
		memset(&val, 0, sizeof(val));
		val.kind = d->kind;
		if (d->kind == VK_STR) {
			val.s.p = in->v[k].s ? in->v[k].s : "";
			val.s.n = in->v[k].slen;
		} else if (d->kind == VK_BOOL) {
			val.b = in->v[k].b;
		} else {
			val.i = in->v[k].i;
		}
		if (v->fn(x, v, &val))
			return true;
	}
	return false;
}

/* Builds the string form of a variable for interpolation. */
struct join {
	struct visit v;
	char *buf;
	size_t len, cap;
	unsigned n;
};

static void join_put(struct join *j, const char *p, size_t n)
{
	if (j->len + n > j->cap)
		n = j->cap - j->len;
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

static bool join_fn(struct ectx *x, const struct visit *v,
		    const struct val *val)
{
	struct join *j = (struct join *)(uintptr_t)v;
	char num[24];

	(void)x;
	if (j->n++)
		join_put(j, ",", 1);
	if (val->kind == VK_STR) {
		join_put(j, val->s.p, val->s.n);
	} else if (val->kind == VK_BOOL) {
		join_put(j, val->b ? "true" : "false", val->b ? 4 : 5);
	} else {
		int l = snprintf(num, sizeof(num), "%lld", (long long)val->i);

		join_put(j, num, (size_t)l);
	}
	return false;
}

struct sv secl_var_string(struct ectx *x, const struct cws_secl_node *n)
{
	struct sv r = { "", 0 };
	struct join j;

	memset(&j, 0, sizeof(j));
	j.v.fn = join_fn;
	j.cap = CWS_EVENT_MAX_STR;
	j.buf = secl_scratch(x, j.cap);
	if (!j.buf)
		return r;
	secl_node_visit(x, n, &j.v);
	r.p = j.buf;
	r.n = (uint32_t)j.len;
	/* Give back what the join did not use. */
	x->scratch_used -= j.cap - j.len;
	return r;
}

/* ------------------------------------------------------------------ */
/* Leaves. */

static bool b_const(struct ectx *x, const struct cws_secl_node *n)
{
	(void)x;
	return n->v.b;
}

static int64_t i_const(struct ectx *x, const struct cws_secl_node *n)
{
	(void)x;
	return n->v.i;
}

static struct sv s_const(struct ectx *x, const struct cws_secl_node *n)
{
	(void)x;
	return n->v.s;
}

static void ip_const(struct ectx *x, const struct cws_secl_node *n,
		     struct cidr *out)
{
	(void)x;
	*out = n->v.ip;
}

static bool b_field(struct ectx *x, const struct cws_secl_node *n)
{
	struct val v;

	secl_field_get(x, n->f, &v);
	return v.b;
}

static int64_t i_field(struct ectx *x, const struct cws_secl_node *n)
{
	struct val v;

	secl_field_get(x, n->f, &v);
	return v.i;
}

static struct sv s_field(struct ectx *x, const struct cws_secl_node *n)
{
	struct val v;

	secl_field_get(x, n->f, &v);
	return v.s;
}

static void ip_field(struct ectx *x, const struct cws_secl_node *n,
		     struct cidr *out)
{
	struct val v;

	secl_field_get(x, n->f, &v);
	*out = v.ip;
}

static bool b_var(struct ectx *x, const struct cws_secl_node *n)
{
	const struct vval *v = var_scalar(x, n);

	return v ? v->b : false;
}

static int64_t i_var(struct ectx *x, const struct cws_secl_node *n)
{
	const struct vval *v;

	if (n->var == VB_PID)
		return x->ev->process.pid;
	v = var_scalar(x, n);
	return v ? v->i : 0;
}

static struct sv s_var(struct ectx *x, const struct cws_secl_node *n)
{
	const struct vval *v;
	struct sv r = { "", 0 };

	if (n->var == VB_UUID4)
		return uuid4(x);
	v = var_scalar(x, n);
	if (v && v->s) {
		r.p = v->s;
		r.n = v->slen;
	}
	return r;
}

static struct sv s_interp(struct ectx *x, const struct cws_secl_node *n)
{
	struct sv parts[64], r = { "", 0 };
	struct sv *pp = parts;
	size_t total = 0, off = 0;
	uint32_t k;
	char *buf;

	if (n->nparts > CWS_ARRAY_SIZE(parts)) {
		pp = secl_scratch(x, n->nparts * sizeof(*pp));
		if (!pp)
			return r;
	}
	for (k = 0; k < n->nparts; k++) {
		const struct cws_secl_node *v = n->parts[k].var;

		if (!v)
			pp[k] = n->parts[k].lit;
		else if (v->kind == VK_STR && !(v->flags & N_MULTI))
			pp[k] = v->fn.s(x, v);
		else
			pp[k] = secl_var_string(x, v);
		total += pp[k].n;
	}
	buf = secl_scratch(x, total ? total : 1);
	if (!buf)
		return r;
	for (k = 0; k < n->nparts; k++) {
		memcpy(buf + off, pp[k].p, pp[k].n);
		off += pp[k].n;
	}
	r.p = buf;
	r.n = (uint32_t)off;
	return r;
}

/* ------------------------------------------------------------------ */
/* Logic and arithmetic. */

static bool b_and(struct ectx *x, const struct cws_secl_node *n)
{
	uint32_t k;

	for (k = 0; k < n->n; k++)
		if (!n->c[k]->fn.b(x, n->c[k]))
			return false;
	return true;
}

static bool b_or(struct ectx *x, const struct cws_secl_node *n)
{
	uint32_t k;

	for (k = 0; k < n->n; k++)
		if (n->c[k]->fn.b(x, n->c[k]))
			return true;
	return false;
}

static bool b_not(struct ectx *x, const struct cws_secl_node *n)
{
	return !n->c[0]->fn.b(x, n->c[0]);
}

static int64_t i_neg(struct ectx *x, const struct cws_secl_node *n)
{
	return (int64_t)(0 - (uint64_t)n->c[0]->fn.i(x, n->c[0]));
}

static int64_t i_bitnot(struct ectx *x, const struct cws_secl_node *n)
{
	return ~n->c[0]->fn.i(x, n->c[0]);
}

static int64_t i_binary(struct ectx *x, const struct cws_secl_node *n)
{
	uint64_t a = (uint64_t)n->c[0]->fn.i(x, n->c[0]);
	uint64_t b = (uint64_t)n->c[1]->fn.i(x, n->c[1]);

	/* Wrapping arithmetic: no undefined behaviour on overflow. */
	switch (n->op) {
	case CWS_SECL_OP_BITAND:
		return (int64_t)(a & b);
	case CWS_SECL_OP_BITOR:
		return (int64_t)(a | b);
	case CWS_SECL_OP_BITXOR:
		return (int64_t)(a ^ b);
	case CWS_SECL_OP_ADD:
		return (int64_t)(a + b);
	case CWS_SECL_OP_SUB:
		return (int64_t)(a - b);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values and visits. */

void secl_node_value(struct ectx *x, const struct cws_secl_node *n,
		     struct val *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = n->kind;
	switch (n->kind) {
	case VK_BOOL:
		out->b = n->fn.b(x, n);
		break;
	case VK_INT:
		out->i = n->fn.i(x, n);
		break;
	case VK_STR:
		out->s = n->fn.s(x, n);
		break;
	case VK_IP:
		n->fn.ip(x, n, &out->ip);
		break;
	}
}

bool secl_node_visit(struct ectx *x, const struct cws_secl_node *n,
		     const struct visit *v)
{
	struct val val;

	if (n->flags & N_MULTI) {
		if (n->op == CWS_SECL_OP_FIELD)
			return secl_field_visit(x, n->f, v);
		if (n->op == CWS_SECL_OP_VAR)
			return var_visit(x, n, v);
		return false;
	}
	secl_node_value(x, n, &val);
	return v->fn(x, v, &val);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool str_eq(struct sv a, struct sv b, bool ci)
{
	uint32_t i;

	if (a.n != b.n)
		return false;
	if (!ci)
		return !memcmp(a.p, b.p, a.n);
	for (i = 0; i < a.n; i++)
		if (lower(a.p[i]) != lower(b.p[i]))
			return false;
	return true;
}

static bool int_cmp(uint8_t op, int64_t a, int64_t b)
{
	switch (op) {
	case CWS_SECL_OP_EQ:
		return a == b;
	case CWS_SECL_OP_LT:
		return a < b;
	case CWS_SECL_OP_LE:
		return a <= b;
	case CWS_SECL_OP_GT:
		return a > b;
	case CWS_SECL_OP_GE:
		return a >= b;
	}
	return false;
}

/* One value against another, for the comparison c. */
static bool cmp_vals(const struct ectx *x, const struct cws_secl_node *c,
		     const struct val *a, const struct val *b)
{
	switch (a->kind) {
	case VK_INT: {
		int64_t av = a->i;

		if (c->flags & N_AGE)
			av = (int64_t)((uint64_t)x->now - (uint64_t)av);
		return int_cmp(c->cmp, av, b->i);
	}
	case VK_BOOL:
		return a->b == b->b;
	case VK_STR:
		return str_eq(a->s, b->s, c->flags & N_CI);
	case VK_IP:
		return secl_cidr_contains(&b->ip, &a->ip) ||
		       secl_cidr_contains(&a->ip, &b->ip);
	}
	return false;
}

static bool intset_has(const struct intset *s, int64_t v)
{
	uint32_t lo = 0, hi = s->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (s->v[mid] == v)
			return true;
		if (s->v[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct nested {
	struct visit v;
	const struct cws_secl_node *c;
	const struct val *lv;
};

static bool nested_fn(struct ectx *x, const struct visit *v,
		      const struct val *rv)
{
	const struct nested *ns = (const struct nested *)v;

	return cmp_vals(x, ns->c, ns->lv, rv);
}

/* Does one left-hand value pass the comparison c? */
static bool test(struct ectx *x, const struct cws_secl_node *c,
		 const struct val *lv, const struct val *rv)
{
	const struct cws_secl_node *r = c->c[1];
	uint32_t k;

	switch (c->mop) {
	case M_CMP:
		return cmp_vals(x, c, lv, rv);
	case M_SMATCH:
		return secl_smatch_run(r->sm, lv->s.p, lv->s.n);
	case M_STRSET:
		return secl_strset_has(r->ss, lv->s.p, lv->s.n);
	case M_INTSET:
		return intset_has(r->is, lv->i);
	case M_IPSET:
		for (k = 0; k < r->ips->n; k++)
			if (secl_cidr_contains(&r->ips->v[k], &lv->ip))
				return true;
		return false;
	case M_NESTED: {
		struct nested ns = { { nested_fn, NULL, NULL }, c, lv };

		return secl_node_visit(x, r, &ns.v);
	}
	}
	return false;
}

struct cmpvisit {
	struct visit v;
	const struct cws_secl_node *c;
	uint32_t seen;
	bool all;
};

static bool cmp_fn(struct ectx *x, const struct visit *v, const struct val *lv)
{
	struct cmpvisit *cv = (struct cmpvisit *)(uintptr_t)v;
	bool ok = test(x, cv->c, lv, v->rv);

	cv->seen++;
	/* For "all", stop at the first value that fails. */
	return cv->all ? !ok : ok;
}

static bool b_cmp(struct ectx *x, const struct cws_secl_node *c)
{
	struct cmpvisit cv;
	struct val rv;
	bool r;

	cv.v.fn = cmp_fn;
	cv.v.arg = NULL;
	cv.v.rv = NULL;
	cv.c = c;
	cv.seen = 0;
	cv.all = c->flags & N_ALL;
	if (c->mop == M_CMP) {
		secl_node_value(x, c->c[1], &rv);
		cv.v.rv = &rv;
	}
	r = secl_node_visit(x, c->c[0], &cv.v);
	if (cv.all)
		r = cv.seen && !r; /* every value passed, and there was one */
	return (c->flags & N_NEGATE) ? !r : r;
}

/* Fast paths: a scalar field on the left, a constant on the right. */

static bool b_str_set(struct ectx *x, const struct cws_secl_node *c)
{
	struct val v;
	bool r;

	secl_field_get(x, c->c[0]->f, &v);
	r = secl_strset_has(c->c[1]->ss, v.s.p, v.s.n);
	return (c->flags & N_NEGATE) ? !r : r;
}

static bool b_str_match(struct ectx *x, const struct cws_secl_node *c)
{
	struct val v;
	bool r;

	secl_field_get(x, c->c[0]->f, &v);
	r = secl_smatch_run(c->c[1]->sm, v.s.p, v.s.n);
	return (c->flags & N_NEGATE) ? !r : r;
}

static bool b_str_eq(struct ectx *x, const struct cws_secl_node *c)
{
	struct val v;
	bool r;

	secl_field_get(x, c->c[0]->f, &v);
	r = str_eq(v.s, c->c[1]->v.s, c->flags & N_CI);
	return (c->flags & N_NEGATE) ? !r : r;
}

static bool b_int_cmp(struct ectx *x, const struct cws_secl_node *c)
{
	int64_t a = c->c[0]->fn.i(x, c->c[0]);
	bool r;

	if (c->flags & N_AGE)
		a = (int64_t)((uint64_t)x->now - (uint64_t)a);
	r = int_cmp(c->cmp, a, c->c[1]->v.i);
	return (c->flags & N_NEGATE) ? !r : r;
}

static bool b_int_set(struct ectx *x, const struct cws_secl_node *c)
{
	bool r = intset_has(c->c[1]->is, c->c[0]->fn.i(x, c->c[0]));

	return (c->flags & N_NEGATE) ? !r : r;
}

/* Direct fields: a load from the event, no call. */

static int64_t i_dfield(struct ectx *x, const struct cws_secl_node *n)
{
	return secl_direct_int(x->ev, n->f);
}

static bool b_dfield(struct ectx *x, const struct cws_secl_node *n)
{
	return secl_direct_int(x->ev, n->f) != 0;
}

static bool b_dint_cmp(struct ectx *x, const struct cws_secl_node *c)
{
	int64_t a = secl_direct_int(x->ev, c->c[0]->f);
	bool r;

	if (c->flags & N_AGE)
		a = (int64_t)((uint64_t)x->now - (uint64_t)a);
	r = int_cmp(c->cmp, a, c->c[1]->v.i);
	return (c->flags & N_NEGATE) ? !r : r;
}

/* (field & mask) OP value: flag tests. */
static bool b_dmask_cmp(struct ectx *x, const struct cws_secl_node *c)
{
	const struct cws_secl_node *m = c->c[0];
	int64_t a = secl_direct_int(x->ev, m->c[0]->f) & m->c[1]->v.i;
	bool r = int_cmp(c->cmp, a, c->c[1]->v.i);

	return (c->flags & N_NEGATE) ? !r : r;
}

/* A string member against a constant, without measuring it first. */
static bool b_dstr_eq(struct ectx *x, const struct cws_secl_node *c)
{
	const char *s = secl_direct_str(x->ev, c->c[0]->f);
	const struct sv *k = &c->c[1]->v.s;
	bool r = !strncmp(s, k->p, k->n) && s[k->n] == '\0';

	return (c->flags & N_NEGATE) ? !r : r;
}

/* A guard from a node bound to b_dint_cmp or b_dmask_cmp. */
static bool guard_from(const struct cws_secl_node *c, struct guard *g)
{
	const struct fref *f;

	if (c->fn.b == b_dint_cmp && !(c->flags & N_AGE)) {
		f = c->c[0]->f;
		g->mask = -1;
	} else if (c->fn.b == b_dmask_cmp) {
		f = c->c[0]->c[0]->f;
		g->mask = c->c[0]->c[1]->v.i;
	} else {
		return false;
	}
	g->val = c->c[1]->v.i;
	g->off = f->off;
	g->width = f->width;
	g->sign = f->sign;
	g->cmp = c->cmp;
	g->negate = (c->flags & N_NEGATE) != 0;
	return true;
}

void secl_guard_of(const struct cws_secl_node *root, struct guard *g)
{
	uint32_t k;

	g->off = -1;
	if (!root->fn.b || guard_from(root, g))
		return;
	if (root->op != CWS_SECL_OP_AND)
		return;
	for (k = 0; k < root->n; k++)
		if (guard_from(root->c[k], g))
			return;
}

static bool is_direct(const struct cws_secl_node *n)
{
	return n && n->op == CWS_SECL_OP_FIELD && n->f->off >= 0;
}

static bool is_cmp(uint8_t op)
{
	return op >= CWS_SECL_OP_EQ && op <= CWS_SECL_OP_ALLIN;
}

void secl_node_bind(struct cws_secl_node *n)
{
	const struct cws_secl_node *l = n->n > 0 ? n->c[0] : NULL;
	const struct cws_secl_node *r = n->n > 1 ? n->c[1] : NULL;
	bool scalar_field = l && l->op == CWS_SECL_OP_FIELD &&
			    !(l->flags & N_MULTI);

	switch (n->op) {
	case CWS_SECL_OP_CONST:
		switch (n->kind) {
		case VK_BOOL:
			n->fn.b = b_const;
			break;
		case VK_INT:
			n->fn.i = i_const;
			break;
		case VK_STR:
			n->fn.s = s_const;
			break;
		case VK_IP:
			n->fn.ip = ip_const;
			break;
		}
		return;
	case CWS_SECL_OP_FIELD:
		switch (n->kind) {
		case VK_BOOL:
			n->fn.b = is_direct(n) ? b_dfield : b_field;
			break;
		case VK_INT:
			n->fn.i = is_direct(n) ? i_dfield : i_field;
			break;
		case VK_STR:
			n->fn.s = s_field;
			break;
		case VK_IP:
			n->fn.ip = ip_field;
			break;
		}
		return;
	case CWS_SECL_OP_VAR:
		switch (n->kind) {
		case VK_BOOL:
			n->fn.b = b_var;
			break;
		case VK_INT:
			n->fn.i = i_var;
			break;
		default:
			n->fn.s = s_var;
			break;
		}
		return;
	case CWS_SECL_OP_INTERP:
		n->fn.s = s_interp;
		return;
	case CWS_SECL_OP_AND:
		n->fn.b = b_and;
		return;
	case CWS_SECL_OP_OR:
		n->fn.b = b_or;
		return;
	case CWS_SECL_OP_NOT:
		n->fn.b = b_not;
		return;
	case CWS_SECL_OP_NEG:
		n->fn.i = i_neg;
		return;
	case CWS_SECL_OP_BITNOT:
		n->fn.i = i_bitnot;
		return;
	case CWS_SECL_OP_BITAND:
	case CWS_SECL_OP_BITOR:
	case CWS_SECL_OP_BITXOR:
	case CWS_SECL_OP_ADD:
	case CWS_SECL_OP_SUB:
		n->fn.i = i_binary;
		return;
	}
	if (!is_cmp(n->op))
		return;
	n->fn.b = b_cmp;
	if (n->flags & N_ALL)
		return;
	if (scalar_field && l->kind == VK_STR) {
		if (n->mop == M_STRSET)
			n->fn.b = b_str_set;
		else if (n->mop == M_SMATCH)
			n->fn.b = b_str_match;
		else if (n->mop == M_CMP && r->op == CWS_SECL_OP_CONST)
			n->fn.b = is_direct(l) && !(n->flags & N_CI) ?
					  b_dstr_eq :
					  b_str_eq;
	} else if (l && l->kind == VK_INT && !(l->flags & N_MULTI)) {
		if (n->mop == M_CMP && r->op == CWS_SECL_OP_CONST &&
		    is_direct(l))
			n->fn.b = b_dint_cmp;
		else if (n->mop == M_CMP && r->op == CWS_SECL_OP_CONST &&
			 l->op == CWS_SECL_OP_BITAND && is_direct(l->c[0]) &&
			 l->c[1]->op == CWS_SECL_OP_CONST &&
			 !(n->flags & N_AGE))
			n->fn.b = b_dmask_cmp;
		else if (n->mop == M_CMP && r->op == CWS_SECL_OP_CONST)
			n->fn.b = b_int_cmp;
		else if (n->mop == M_INTSET)
			n->fn.b = b_int_set;
	}
}
