/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading one policy file: its YAML (through the shared walker, ydoc.h)
 * into rule and macro definitions, as Datadog's policy.go unmarshals
 * them. Anything wrong inside one rule fails that rule only; a file that
 * is not YAML, or too deep, or too big once aliases are followed, adds
 * nothing.
 */
#include "compat.h"
#include "policy_priv.h"
#include "ydoc.h"

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
 * YAML, through the shared walker: the parsers below call its accessors
 * by the short names they have always used.
 */

struct yctx {
	struct cws_policy *p;
	struct cws_policy_priv *pv;
	struct cws_ydoc *yd;
	struct cws_policy_file *f;
};

#define ynode(y, idx) cws_ydoc_node((y)->yd, (idx))
#define ymap_get(y, m, key) cws_ydoc_get((y)->yd, (m), (key))
#define yscalar cws_ydoc_scalar
#define yplain cws_ydoc_plain
#define ynull cws_ydoc_null
#define ybool cws_ydoc_bool

static unsigned mark_line(yaml_mark_t m)
{
	return (unsigned)cws_ydoc_mark_line(m);
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

/*
 * Parses the map of a `hash` action into a: `field` (a file field,
 * checked against the rule's event type when it compiles) and
 * `max_file_size` (bytes), both optional.
 */
static void parse_hash(struct yctx *y, struct cws_policy_action *a,
		       yaml_node_t *m)
{
	const char *field = yscalar(ymap_get(y, m, "field"));
	yaml_node_t *max = ymap_get(y, m, "max_file_size");
	const char *s = yscalar(max);

	a->type = CWS_POLICY_ACT_HASH;
	a->usable = true;
	if (ynull(m))
		return; /* `hash:` alone, as `hash: {}` */
	if (m->type != YAML_MAPPING_NODE) {
		a->why = "expected a map";
	} else if (ymap_get(y, m, "field") && !ynull(ymap_get(y, m, "field")) &&
		   (!field || !*field)) {
		a->why = "`field`: expected a string";
	} else if (max && !ynull(max) &&
		   (!s || !is_int_text(s) || *s == '-' || *s == '+' ||
		    strtoull(s, NULL, 10) == 0)) {
		a->why = "`max_file_size`: expected a positive int";
	}
	if (field && *field)
		a->field = pstrdup(y->pv, field);
	if (s && !a->why && !ynull(max))
		a->max_file_size = strtoull(s, NULL, 10);
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
		} else if (!strcmp(a->name, "hash")) {
			const char *fwhy = a->why;

			parse_hash(y, a, body);
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
	struct cws_policy_rule *r = cws_policy_new_rule(y->p);
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
	struct cws_policy_macro *m = cws_policy_new_macro(y->p);
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
	     it < seq->data.sequence.items.top && !y->yd->overflow; it++) {
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

/* Parses one file's bytes into definitions attributed to f. */
void cws_policy_parse(struct cws_policy *p, struct cws_policy_file *f,
		      const char *data, size_t len)
{
	struct cws_policy_priv *pv = p->priv;
	size_t nrules = p->nrules, nmacros = p->nmacros;
	struct cws_ydoc yd;
	struct cws_ydoc_err err;
	struct yctx y = { .p = p, .pv = pv, .yd = &yd, .f = f };
	int rc;

	rc = cws_ydoc_load(&yd, data, len, CWS_POLICY_MAX_DEPTH,
			   CWS_POLICY_MAX_NODES, &err);
	if (rc == -ENOMEM) {
		pv->nomem = true;
		f->error = "out of memory";
	} else if (rc && err.kind == CWS_YDOC_DEPTH) {
		f->error = pprintf(pv, "line %d: nested deeper than %d levels",
				   err.line, CWS_POLICY_MAX_DEPTH);
	} else if (rc && err.kind == CWS_YDOC_READER) {
		f->error = pprintf(pv, "invalid YAML: %s at byte %zu",
				   err.problem, err.offset);
	} else if (rc) {
		f->error = pprintf(pv, "invalid YAML: %s at line %d column %d",
				   err.problem, err.line, err.col);
	} else {
		parse_doc(&y, cws_ydoc_root(&yd));
		if (yd.overflow)
			f->error = pprintf(pv,
					   "more than %u YAML nodes (aliases?)",
					   CWS_POLICY_MAX_NODES);
	}
	cws_ydoc_release(&yd);
	if (f->error) {
		/* A file is taken whole or not at all. */
		p->nrules = nrules;
		p->nmacros = nmacros;
	}
}
