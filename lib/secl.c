/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * lib/secl's public face: the ruleset (macros, rules bucketed by event
 * type, variables, the evaluation scratch), error formatting, and the
 * read-only walk of compiled trees. The language itself lives in
 * secl_lex.c, secl_parse.c, secl_compile.c and secl_eval.c; the field
 * registry in secl_fields.c; constants in secl_const.c and
 * secl_const_abi.c; matchers in secl_match.c; variable storage in
 * secl_vars.c.
 *
 * Adding a rule parses it into a temporary arena, compiles it into the
 * ruleset's arena and, on error, rolls that arena back, so a policy full
 * of rules cws cannot load leaves nothing behind but the error messages.
 */
#include "compat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "secl_priv.h"

/* PCRE2 limits: backtracking steps and depth per match. */
#define REGEX_MATCH_LIMIT 1000000
#define REGEX_DEPTH_LIMIT 100000
#define REGEX_JIT_STACK (512 * 1024)

/* ------------------------------------------------------------------ */
/* Arena. */

#define CHUNK (64 * 1024)

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->top;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (!need)
		need = 16;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > CHUNK ? need : CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->prev = a->top;
		c->used = 0;
		c->cap = cap;
		a->top = c;
		a->total += cap;
	}
	p = (char *)c->data + c->used;
	c->used += need;
	return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

int arena_cleanup(struct arena *a, void (*fn)(void *), void *p)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->p = p;
	c->prev = a->cleanups;
	a->cleanups = c;
	return 0;
}

void arena_mark(const struct arena *a, struct arena_mark *m)
{
	m->top = a->top;
	m->used = a->top ? a->top->used : 0;
	m->cleanups = a->cleanups;
}

void arena_rollback(struct arena *a, const struct arena_mark *m)
{
	while (a->cleanups != m->cleanups) {
		struct cleanup *c = a->cleanups;

		a->cleanups = c->prev;
		c->fn(c->p);
	}
	while (a->top != m->top) {
		struct arena_chunk *c = a->top;

		a->top = c->prev;
		a->total -= c->cap;
		free(c);
	}
	if (a->top)
		a->top->used = m->used;
}

void arena_release(struct arena *a)
{
	struct arena_mark zero = { NULL, 0, NULL };

	arena_rollback(a, &zero);
}

/* ------------------------------------------------------------------ */
/* Errors. */

int secl_errf(struct cws_secl_err *err, int code, enum cws_secl_err_kind kind,
	      uint32_t pos, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->code = code;
		err->kind = kind;
		err->pos = pos;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

static void line_col(const char *expr, uint32_t pos, unsigned *line,
		     unsigned *col)
{
	uint32_t i;

	*line = 1;
	*col = 1;
	for (i = 0; expr && expr[i] && i < pos; i++) {
		if (expr[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int cws_secl_err_format(const struct cws_secl_err *err, const char *expr,
			char *buf, size_t cap)
{
	unsigned line, col;
	const char *id = err->rule_id ? err->rule_id : "";

	if (err->kind == CWS_SECL_ERR_SYNTAX) {
		line_col(expr, err->pos, &line, &col);
		return snprintf(buf, cap,
				"rule `%s` error: rule syntax error: %s: %u:%u",
				id, err->msg, line, col);
	}
	return snprintf(buf, cap, "rule `%s` error: %s", id, err->msg);
}

int cws_secl_err_caret(const struct cws_secl_err *err, const char *expr,
		       char *buf, size_t cap)
{
	size_t len, start, end, from, to, i, off = 0;
	int n;

	if (!expr || !err)
		return -EINVAL;
	len = strlen(expr);
	if (err->pos > len)
		return -EINVAL;
	start = err->pos;
	while (start > 0 && expr[start - 1] != '\n')
		start--;
	end = err->pos;
	while (end < len && expr[end] != '\n')
		end++;
	/* A window of 120 bytes around pos on long lines. */
	from = start;
	to = end;
	if (to - from > 120) {
		from = err->pos > start + 60 ? err->pos - 60 : start;
		to = from + 120 < end ? from + 120 : end;
	}
	n = snprintf(buf, cap, "%.*s\n", (int)(to - from), expr + from);
	if (n < 0)
		return -EINVAL;
	off = (size_t)n;
	for (i = from; i < err->pos; i++) {
		if (off + 1 < cap)
			buf[off] = expr[i] == '\t' ? '\t' : ' ';
		off++;
	}
	if (off + 1 < cap)
		buf[off] = '^';
	off++;
	if (cap)
		buf[off < cap ? off : cap - 1] = '\0';
	return (int)off;
}

/* ------------------------------------------------------------------ */
/* Ruleset. */

struct cws_secl_ruleset *cws_secl_ruleset_new(void)
{
	struct cws_secl_ruleset *rs = calloc(1, sizeof(*rs));

	if (!rs) {
		errno = ENOMEM;
		return NULL;
	}
	rs->x.rs = rs;
	rs->x.reg = -1;
	rs->mctx = pcre2_match_context_create(NULL);
	rs->jit_stack =
		pcre2_jit_stack_create(32 * 1024, REGEX_JIT_STACK, NULL);
	if (!rs->mctx) {
		cws_secl_ruleset_free(rs);
		errno = ENOMEM;
		return NULL;
	}
	pcre2_set_match_limit(rs->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(rs->mctx, REGEX_DEPTH_LIMIT);
	/* Without a JIT stack PCRE2 uses a small one on the machine stack. */
	if (rs->jit_stack)
		pcre2_jit_stack_assign(rs->mctx, NULL, rs->jit_stack);
	return rs;
}

int cws_secl_ruleset_set_host_service(struct cws_secl_ruleset *rs,
				      const char *service)
{
	if (!service || !*service) {
		rs->host_service = NULL;
		return 0;
	}
	rs->host_service = arena_strndup(&rs->arena, service, strlen(service));
	return rs->host_service ? 0 : -ENOMEM;
}

void cws_secl_ruleset_free(struct cws_secl_ruleset *rs)
{
	size_t t;

	if (!rs)
		return;
	arena_release(&rs->arena);
	for (t = 0; t < CWS_EVT__COUNT; t++) {
		free(rs->by_type[t].rules);
		free(rs->by_type[t].guards);
	}
	secl_vars_release(&rs->vars);
	secl_pcap_release(rs);
	free(rs->x.scratch);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jit_stack);
	free(rs);
}

const struct macro *secl_macro_find(const struct cws_secl_ruleset *rs,
				    const char *id, size_t n)
{
	const struct macro *m;

	for (m = rs->macros; m; m = m->next)
		if (!strncmp(m->id, id, n) && !m->id[n])
			return m;
	return NULL;
}

static bool valid_id(const char *id)
{
	size_t i;

	if (!id || !*id)
		return false;
	for (i = 0; id[i]; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return i < CWS_SECL_MAX_NAME;
}

static int check_macro_id(struct cws_secl_ruleset *rs, const char *id,
			  struct cws_secl_err *err)
{
	int64_t v;
	struct fref f;

	if (!valid_id(id))
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				 "invalid macro id '%s'", id ? id : "");
	if (rs->nmacros >= CWS_SECL_MAX_MACROS)
		return secl_errf(err, -E2BIG, CWS_SECL_ERR_LIMIT, 0,
				 "more than %u macros", CWS_SECL_MAX_MACROS);
	if (secl_macro_find(rs, id, strlen(id)))
		return secl_errf(err, -EEXIST, CWS_SECL_ERR_COMPILE, 0,
				 "macro '%s' already defined", id);
	if (secl_const_lookup(id, strlen(id), &v) == 0 || !strcmp(id, "true") ||
	    !strcmp(id, "false") ||
	    secl_field_resolve(id, strlen(id), &f) == FR_FOUND)
		return secl_errf(
			err, -EEXIST, CWS_SECL_ERR_COMPILE, 0,
			"macro id '%s' conflicts with a constant or a field",
			id);
	return 0;
}

int cws_secl_macro_add(struct cws_secl_ruleset *rs, const char *id,
		       const char *expr, struct cws_secl_err *err)
{
	struct compile_opts o = { .macro = true, .type = -1 };
	struct arena_mark mark;
	struct macro *m;
	struct ast *ast;
	size_t n;
	int ret;

	if (!rs || !expr)
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				 "invalid argument");
	ret = check_macro_id(rs, id, err);
	if (ret < 0)
		return ret;
	n = strlen(expr);
	arena_mark(&rs->arena, &mark);
	m = arena_zalloc(&rs->arena, sizeof(*m));
	if (!m || !(m->id = arena_strndup(&rs->arena, id, strlen(id))) ||
	    !(m->src = arena_strndup(&rs->arena, expr, n))) {
		ret = secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
				"out of memory");
		goto out_rollback;
	}
	ret = secl_parse(&rs->arena, m->src, n, true, &ast, err);
	if (ret < 0)
		goto out_rollback;
	m->ast = ast;
	/*
	 * Check it on its own (fields exist, types agree) so that a broken
	 * macro is reported once, here, rather than in every rule. The
	 * compiled check is thrown away: each rule compiles its own copy.
	 */
	{
		struct arena_mark check;

		arena_mark(&rs->arena, &check);
		if (!secl_compile(rs, m->src, ast, &o, NULL, NULL, NULL, err)) {
			ret = err ? err->code : -EINVAL;
			goto out_rollback;
		}
		arena_rollback(&rs->arena, &check);
	}
	m->next = rs->macros;
	rs->macros = m;
	rs->nmacros++;
	return 0;

out_rollback:
	arena_rollback(&rs->arena, &mark);
	return ret < 0 ? ret : -EINVAL;
}

int cws_secl_macro_add_values(struct cws_secl_ruleset *rs, const char *id,
			      const char *const *values, size_t n,
			      struct cws_secl_err *err)
{
	struct arena_mark mark;
	struct macro *m;
	struct ast *a;
	size_t k;
	int ret;

	if (!rs || (!values && n))
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				 "invalid argument");
	ret = check_macro_id(rs, id, err);
	if (ret < 0)
		return ret;
	if (n == 0 || n > CWS_SECL_MAX_ARRAY)
		return secl_errf(err, n ? -E2BIG : -EINVAL,
				 n ? CWS_SECL_ERR_LIMIT : CWS_SECL_ERR_SYNTAX,
				 0, "macro '%s' needs 1 to %u values", id,
				 CWS_SECL_MAX_ARRAY);
	arena_mark(&rs->arena, &mark);
	m = arena_zalloc(&rs->arena, sizeof(*m));
	a = arena_zalloc(&rs->arena, sizeof(*a));
	if (!m || !a || !(m->id = arena_strndup(&rs->arena, id, strlen(id))) ||
	    !(m->src = arena_strndup(&rs->arena, "", 0)) ||
	    !(a->items = arena_zalloc(&rs->arena, n * sizeof(*a->items))))
		goto out_nomem;
	a->type = AST_ARRAY;
	a->depth = 2;
	for (k = 0; k < n; k++) {
		struct ast *it = arena_zalloc(&rs->arena, sizeof(*it));
		size_t l = values[k] ? strnlen(values[k], CWS_EVENT_MAX_STR) :
				       0;

		if (!it ||
		    !(it->s.p = arena_strndup(&rs->arena,
					      values[k] ? values[k] : "", l)))
			goto out_nomem;
		it->type = AST_STRING;
		it->depth = 1;
		it->s.n = (uint32_t)l;
		a->items[k] = it;
	}
	a->nitems = (uint32_t)n;
	a->op = 0; /* strings */
	m->ast = a;
	m->next = rs->macros;
	rs->macros = m;
	rs->nmacros++;
	return 0;

out_nomem:
	arena_rollback(&rs->arena, &mark);
	return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0, "out of memory");
}

/* Parses (in a temporary arena) and compiles expr into rs's arena. */
static struct cws_secl_node *build(struct cws_secl_ruleset *rs,
				   const char *expr,
				   const struct compile_opts *o, int *type,
				   bool *has_reg, const char **unbacked,
				   struct cws_secl_err *err)
{
	struct arena tmp = { 0 };
	struct cws_secl_node *root = NULL;
	struct ast *ast;
	int ret;

	ret = secl_parse(&tmp, expr, strlen(expr), false, &ast, err);
	if (ret == 0)
		root = secl_compile(rs, expr, ast, o, type, has_reg, unbacked,
				    err);
	arena_release(&tmp);
	return root;
}

struct cws_secl_rule *cws_secl_rule_add(struct cws_secl_ruleset *rs,
					const char *id, const char *expr,
					void *data, struct cws_secl_err *err)
{
	struct compile_opts o = { .rule = true, .type = -1 };
	struct arena_mark mark;
	struct cws_secl_rule *r;
	struct bucket *b;
	int type = -1, ret;
	bool has_reg = false;
	const char *unbacked = NULL;

	if (!rs || !id || !expr) {
		secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
			  "invalid argument");
		errno = EINVAL;
		return NULL;
	}
	if (rs->nrules >= CWS_SECL_MAX_RULES) {
		secl_errf(err, -E2BIG, CWS_SECL_ERR_LIMIT, 0,
			  "more than %u rules", CWS_SECL_MAX_RULES);
		errno = E2BIG;
		return NULL;
	}
	arena_mark(&rs->arena, &mark);
	r = arena_zalloc(&rs->arena, sizeof(*r));
	if (!r || !(r->id = arena_strndup(&rs->arena, id, strlen(id))) ||
	    !(r->expr = arena_strndup(&rs->arena, expr, strlen(expr)))) {
		ret = secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
				"out of memory");
		goto out_rollback;
	}
	r->root = build(rs, r->expr, &o, &type, &has_reg, &unbacked, err);
	if (!r->root) {
		ret = err && err->code < 0 ? err->code : -EINVAL;
		goto out_rollback;
	}
	r->data = data;
	r->type = (uint8_t)type;
	r->has_reg = has_reg;
	r->unbacked = unbacked;
	b = &rs->by_type[type];
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 8;
		struct cws_secl_rule **nr = realloc(b->rules, nc * sizeof(*nr));
		struct guard *ng;

		if (nr)
			b->rules = nr;
		ng = nr ? realloc(b->guards, nc * sizeof(*ng)) : NULL;
		if (!ng) {
			ret = secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
					"out of memory");
			goto out_rollback;
		}
		b->guards = ng;
		b->cap = nc;
	}
	secl_guard_of(r->root, &b->guards[b->n]);
	b->rules[b->n++] = r;
	rs->nrules++;
	return r;

out_rollback:
	arena_rollback(&rs->arena, &mark);
	errno = -ret;
	return NULL;
}

void cws_secl_rule_drop(struct cws_secl_ruleset *rs, struct cws_secl_rule *r)
{
	struct bucket *b;
	size_t i, tail;

	if (!rs || !r || r->type >= CWS_EVT__COUNT)
		return;
	b = &rs->by_type[r->type];
	for (i = 0; i < b->n && b->rules[i] != r; i++)
		;
	if (i == b->n)
		return;
	/* Later rules keep their order: they are evaluated in it. */
	tail = b->n - i - 1;
	memmove(&b->rules[i], &b->rules[i + 1], tail * sizeof(*b->rules));
	memmove(&b->guards[i], &b->guards[i + 1], tail * sizeof(*b->guards));
	b->n--;
	rs->nrules--;
}

const char *cws_secl_rule_id(const struct cws_secl_rule *r)
{
	return r->id;
}

const char *cws_secl_rule_expr(const struct cws_secl_rule *r)
{
	return r->expr;
}

void *cws_secl_rule_data(const struct cws_secl_rule *r)
{
	return r->data;
}

enum cws_event_type cws_secl_rule_event_type(const struct cws_secl_rule *r)
{
	return (enum cws_event_type)r->type;
}

const char *cws_secl_rule_unbacked_field(const struct cws_secl_rule *r)
{
	return r->unbacked;
}

size_t cws_secl_ruleset_count(const struct cws_secl_ruleset *rs,
			      enum cws_event_type type)
{
	if (!rs || (unsigned)type >= CWS_EVT__COUNT)
		return 0;
	return rs->by_type[type].n;
}

const struct cws_secl_rule *
cws_secl_ruleset_rule(const struct cws_secl_ruleset *rs,
		      enum cws_event_type type, size_t i)
{
	if (!rs || (unsigned)type >= CWS_EVT__COUNT || i >= rs->by_type[type].n)
		return NULL;
	return rs->by_type[type].rules[i];
}

uint64_t cws_secl_ruleset_event_types(const struct cws_secl_ruleset *rs)
{
	uint64_t m = 0;
	size_t t;

	for (t = 0; rs && t < CWS_EVT__COUNT; t++)
		if (rs->by_type[t].n)
			m |= 1ull << t;
	return m;
}

/* ------------------------------------------------------------------ */
/* Evaluation. */

static bool run(struct ectx *x, const struct cws_secl_node *root, bool has_reg)
{
	uint32_t n, i;

	if (!has_reg)
		return root->fn.b(x, root);
	/* An [A] iterator: the whole rule, once per ancestor. */
	n = x->ev->ancestors ? x->ev->nancestors : 0;
	if (n > CWS_SECL_MAX_ITER)
		n = CWS_SECL_MAX_ITER;
	for (i = 0; i < n; i++) {
		x->reg = (int)i;
		if (root->fn.b(x, root)) {
			x->reg = -1;
			return true;
		}
	}
	x->reg = -1;
	return false;
}

int cws_secl_ruleset_eval(struct cws_secl_ruleset *rs,
			  const struct cws_event *ev,
			  int (*match)(const struct cws_secl_rule *rule,
				       const struct cws_event *ev, void *arg),
			  void *arg)
{
	const struct bucket *b;
	struct ectx *x;
	int matches = 0, ret = 0;
	size_t i;

	if (!rs || !ev || ev->type != CWS_REC_EVENT ||
	    (unsigned)ev->evt.type >= CWS_EVT__COUNT)
		return 0;
	x = &rs->x;
	secl_ectx_begin(x, ev);
	x->in_eval = true;
	b = &rs->by_type[ev->evt.type];
	for (i = 0; i < b->n; i++) {
		const struct cws_secl_rule *r;

		if (!secl_guard_pass(&b->guards[i], ev))
			continue;
		r = b->rules[i];
		if (!run(x, r->root, r->has_reg))
			continue;
		matches++;
		if (match) {
			ret = match(r, ev, arg);
			if (ret < 0)
				break;
		}
	}
	x->in_eval = false;
	if (ev->evt.type == CWS_EVT_EXIT &&
	    (ev->process.tid == ev->process.pid || !ev->process.tid))
		cws_secl_vars_drop_pid(rs, ev->process.pid);
	return ret < 0 ? ret : matches;
}

bool cws_secl_rule_eval(struct cws_secl_ruleset *rs,
			const struct cws_secl_rule *rule,
			const struct cws_event *ev)
{
	bool r;

	if (!rs || !rule || !ev)
		return false;
	if (!rs->x.in_eval)
		secl_ectx_begin(&rs->x, ev);
	else
		rs->x.ev = ev;
	r = run(&rs->x, rule->root, rule->has_reg);
	return r;
}

struct cws_secl_expr *cws_secl_expr_compile(struct cws_secl_ruleset *rs,
					    const char *expr,
					    enum cws_event_type type,
					    struct cws_secl_err *err)
{
	struct compile_opts o = { .type = (int)type };
	struct arena_mark mark;
	struct cws_secl_expr *e;
	bool has_reg = false;

	if (!rs || !expr || (unsigned)type >= CWS_EVT__COUNT) {
		secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
			  "invalid argument");
		errno = EINVAL;
		return NULL;
	}
	arena_mark(&rs->arena, &mark);
	e = arena_zalloc(&rs->arena, sizeof(*e));
	if (!e) {
		secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	/* The text must outlive the tree: string constants point into it. */
	e->root = NULL;
	{
		char *copy = arena_strndup(&rs->arena, expr, strlen(expr));

		if (copy)
			e->root =
				build(rs, copy, &o, NULL, &has_reg, NULL, err);
		else
			secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
				  "out of memory");
	}
	if (e->root && has_reg) {
		secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
			  "iterators are not supported in value expressions");
		e->root = NULL;
	}
	if (e->root && e->root->op == CWS_SECL_OP_ARRAY) {
		secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, e->root->pos,
			  "a value expected, not an array");
		e->root = NULL;
	}
	if (!e->root) {
		arena_rollback(&rs->arena, &mark);
		errno = err && err->code < 0 ? -err->code : EINVAL;
		return NULL;
	}
	e->type = (uint8_t)type;
	return e;
}

static enum cws_secl_kind node_public_kind(const struct cws_secl_node *n)
{
	bool multi = n->flags & N_MULTI;

	switch (n->kind) {
	case VK_BOOL:
		return multi ? CWS_SECL_BOOL_ARRAY : CWS_SECL_BOOL;
	case VK_INT:
		return multi ? CWS_SECL_INT_ARRAY : CWS_SECL_INT;
	case VK_STR:
		return multi ? CWS_SECL_STR_ARRAY : CWS_SECL_STR;
	case VK_IP:
		return multi ? CWS_SECL_IP_ARRAY : CWS_SECL_IP;
	}
	return CWS_SECL_NONE;
}

enum cws_secl_kind cws_secl_expr_kind(const struct cws_secl_expr *e)
{
	return e ? node_public_kind(e->root) : CWS_SECL_NONE;
}

/* Collects the values of an array expression into scratch memory. */
struct collect {
	struct visit v;
	struct cws_secl_value *out;
	size_t cap;
	bool full;
};

static bool collect_fn(struct ectx *x, const struct visit *v,
		       const struct val *val)
{
	struct collect *c = (struct collect *)(uintptr_t)v;
	struct cws_secl_value *o = c->out;
	size_t n = o->strs.n; /* same offset for every array kind */

	if (n == c->cap) {
		c->full = true;
		return true;
	}
	switch (val->kind) {
	case VK_STR:
		((struct cws_secl_str *)(uintptr_t)o->strs.v)[n].p = val->s.p;
		((struct cws_secl_str *)(uintptr_t)o->strs.v)[n].n = val->s.n;
		break;
	case VK_INT:
		((int64_t *)(uintptr_t)o->ints.v)[n] = val->i;
		break;
	case VK_BOOL:
		((bool *)(uintptr_t)o->bools.v)[n] = val->b;
		break;
	default:
		return false;
	}
	o->strs.n = n + 1;
	(void)x;
	return false;
}

int cws_secl_expr_eval(struct cws_secl_ruleset *rs,
		       const struct cws_secl_expr *e,
		       const struct cws_event *ev, struct cws_secl_value *out)
{
	const struct cws_secl_node *n;
	struct ectx *x;
	struct val v;

	if (!rs || !e || !ev || !out)
		return -EINVAL;
	x = &rs->x;
	if (!x->in_eval)
		secl_ectx_begin(x, ev);
	else
		x->ev = ev;
	n = e->root;
	memset(out, 0, sizeof(*out));
	out->kind = node_public_kind(n);
	if (n->flags & N_MULTI) {
		struct collect c;
		size_t esz = n->kind == VK_STR ? sizeof(struct cws_secl_str) :
			     n->kind == VK_INT ? sizeof(int64_t) :
						 sizeof(bool);
		void *arr;

		memset(&c, 0, sizeof(c));
		c.v.fn = collect_fn;
		c.out = out;
		c.cap = CWS_SECL_VAR_MAX_VALUES;
		arr = secl_scratch(x, c.cap * esz);
		if (!arr)
			return -E2BIG;
		out->strs.v = arr;
		if (n->kind == VK_IP) {
			out->strs.v = NULL;
			return 0;
		}
		secl_node_visit(x, n, &c.v);
		return x->overflow ? -E2BIG : 0;
	}
	secl_node_value(x, n, &v);
	switch (v.kind) {
	case VK_BOOL:
		out->b = v.b;
		break;
	case VK_INT:
		out->i = v.i;
		break;
	case VK_STR:
		out->s.p = v.s.p;
		out->s.n = v.s.n;
		break;
	case VK_IP:
		memcpy(out->ip.addr, v.ip.a, 16);
		out->ip.bits = v.ip.bits;
		break;
	}
	return x->overflow ? -E2BIG : 0;
}

/* ------------------------------------------------------------------ */
/* The tree walk. */

const struct cws_secl_node *cws_secl_rule_root(const struct cws_secl_rule *r)
{
	return r ? r->root : NULL;
}

enum cws_secl_op cws_secl_node_op(const struct cws_secl_node *n)
{
	return (enum cws_secl_op)n->op;
}

enum cws_secl_kind cws_secl_node_kind(const struct cws_secl_node *n)
{
	return n->op == CWS_SECL_OP_ARRAY ? node_public_kind(n) :
					    node_public_kind(n);
}

uint32_t cws_secl_node_pos(const struct cws_secl_node *n)
{
	return n->pos;
}

size_t cws_secl_node_nchildren(const struct cws_secl_node *n)
{
	return n->n;
}

const struct cws_secl_node *cws_secl_node_child(const struct cws_secl_node *n,
						size_t i)
{
	return i < n->n ? n->c[i] : NULL;
}

const char *cws_secl_node_field(const struct cws_secl_node *n)
{
	return n->op == CWS_SECL_OP_FIELD ? n->f->name : NULL;
}

const char *cws_secl_node_var(const struct cws_secl_node *n)
{
	return n->op == CWS_SECL_OP_VAR ? n->vname : NULL;
}

size_t cws_secl_node_nvalues(const struct cws_secl_node *n)
{
	if (n->op == CWS_SECL_OP_CONST)
		return 1;
	if (n->op != CWS_SECL_OP_ARRAY)
		return 0;
	if (n->ss)
		return n->ss->nall;
	if (n->is)
		return n->is->n;
	if (n->ips)
		return n->ips->n;
	return 0;
}

static enum cws_secl_match match_of(uint8_t sm_type)
{
	switch (sm_type) {
	case SM_PATTERN:
		return CWS_SECL_MATCH_PATTERN;
	case SM_GLOB:
		return CWS_SECL_MATCH_GLOB;
	case SM_REGEX:
		return CWS_SECL_MATCH_REGEX;
	}
	return CWS_SECL_MATCH_EXACT;
}

int cws_secl_node_value(const struct cws_secl_node *n, size_t i,
			struct cws_secl_literal *out)
{
	const struct val *v = NULL;

	if (i >= cws_secl_node_nvalues(n))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (n->op == CWS_SECL_OP_CONST) {
		v = &n->v;
		out->match = n->kind == VK_STR ? (enum cws_secl_match)n->cmp :
						 CWS_SECL_MATCH_EXACT;
		out->duration = n->flags & N_DURATION;
	} else if (n->ss) {
		const struct smatch *m = n->ss->all[i];

		out->kind = CWS_SECL_STR;
		out->match = match_of(m->type);
		out->v.kind = CWS_SECL_STR;
		out->v.s.p = m->src.p;
		out->v.s.n = m->src.n;
		return 0;
	} else if (n->is) {
		out->kind = CWS_SECL_INT;
		out->v.kind = CWS_SECL_INT;
		out->v.i = n->is->src[i];
		return 0;
	} else {
		out->kind = CWS_SECL_IP;
		out->v.kind = CWS_SECL_IP;
		memcpy(out->v.ip.addr, n->ips->v[i].a, 16);
		out->v.ip.bits = n->ips->v[i].bits;
		return 0;
	}
	out->kind = node_public_kind(n);
	out->v.kind = out->kind;
	switch (v->kind) {
	case VK_BOOL:
		out->v.b = v->b;
		break;
	case VK_INT:
		out->v.i = v->i;
		break;
	case VK_STR:
		out->v.s.p = v->s.p;
		out->v.s.n = v->s.n;
		break;
	case VK_IP:
		memcpy(out->v.ip.addr, v->ip.a, 16);
		out->v.ip.bits = v->ip.bits;
		break;
	}
	return 0;
}
