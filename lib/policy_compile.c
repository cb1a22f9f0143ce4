/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compiling the definitions of every file into one ruleset, as Datadog's
 * ruleset.go does: same-id definitions merged in load order, macros
 * added, the variables of `set` actions declared, each rule compiled on
 * its own (a rule that fails keeps its error, the rest load), then the
 * actions checked against the rule that carries them; and what cws-filter
 * asks of the result at match time.
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

/*
 * A hash action hashes a file of the event, as Datadog validates it:
 * without `field`, the event's own file, so open and exec rules only;
 * with one, a file field (it has a .path) of the rule's event type or
 * of every event (process.file).
 */
static void check_hash(struct cws_policy *p, struct cws_policy_action *a,
		       enum cws_event_type type)
{
	struct cws_policy_priv *pv = p->priv;
	enum cws_event_type ft = CWS_EVT_UNKNOWN;
	char path[256];

	if (!a->field) {
		if (type != CWS_EVT_OPEN && type != CWS_EVT_EXEC)
			unusable(a, pprintf(pv,
					    "a hash action without `field` is "
					    "only for open and exec rules, not "
					    "%s",
					    cws_event_type_name(type)));
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s.path", a->field) >=
		    sizeof(path) ||
	    cws_secl_field_kind(path, &ft) != CWS_SECL_STR ||
	    (ft != CWS_EVT_UNKNOWN && ft != type))
		unusable(a,
			 pprintf(pv, "`field`: `%s` is not a file of %s events",
				 a->field, cws_event_type_name(type)));
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
	if (a->type == CWS_POLICY_ACT_HASH) {
		check_hash(p, a, type);
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
		else if (a->type == CWS_POLICY_ACT_HASH)
			r->has_hash = true;
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
	p->has_hash = false;
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
			p->has_hash |= r->has_hash;
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
