/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Variables: the storage behind ${name}, ${process.name},
 * ${container.name} and ${cgroup.name}, written by `set` actions.
 *
 * A declaration fixes a variable's name, scope and kind before any rule
 * reads it (rules are type-checked against it). Values live in instances:
 * one per variable for the global scope, one per (variable, pid),
 * (variable, container id) or (variable, cgroup path) for the others, in
 * a hash table hashed on the scope key alone so that all the values of
 * one process sit in one chain and dropping them at exit is cheap. Each value carries its own expiry
 * (TTL, measured in event time), arrays keep at most `size` values and
 * drop the oldest, and the number of scoped instances is capped: when the
 * cap is reached, expired instances are purged, and if none is, the set
 * fails with -ENOSPC rather than growing without bound.
 *
 * Writes allocate (values are copied); reads never do.
 */
#include "compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secl_priv.h"

struct vdecl *secl_var_decl(struct cws_secl_ruleset *rs, int var)
{
	if (var < 0 || (uint32_t)var >= rs->vars.ndecl)
		return NULL;
	return &rs->vars.decl[var];
}

int secl_var_find(const struct cws_secl_ruleset *rs, const char *name, size_t n)
{
	uint32_t i;

	for (i = 0; i < rs->vars.ndecl; i++) {
		const char *d = rs->vars.decl[i].name;

		if (!strncmp(d, name, n) && !d[n])
			return (int)i;
	}
	return -ENOENT;
}

int cws_secl_var_lookup(const struct cws_secl_ruleset *rs, const char *name)
{
	if (!rs || !name)
		return -EINVAL;
	return secl_var_find(rs, name, strlen(name));
}

bool secl_vval_live(const struct vval *v, uint64_t now)
{
	return !v->expire || v->expire > now;
}

static bool valid_name(const char *s)
{
	size_t i;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') ||
		    (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return false;
	}
	return i < CWS_SECL_MAX_NAME - 16;
}

static void vval_clear(struct vval *v)
{
	free(v->s);
	memset(v, 0, sizeof(*v));
}

/* Copies a value of kind into dst (strings duplicated, capped). */
static int vval_set(struct vval *dst, uint8_t kind, const struct val *src,
		    uint64_t expire)
{
	char *s = NULL;

	if (kind == VK_STR) {
		uint32_t n = src->s.n < CWS_EVENT_MAX_STR ? src->s.n :
							    CWS_EVENT_MAX_STR;

		s = malloc(n + 1);
		if (!s)
			return -ENOMEM;
		if (n)
			memcpy(s, src->s.p, n);
		s[n] = '\0';
		free(dst->s);
		dst->s = s;
		dst->slen = n;
	} else if (kind == VK_BOOL) {
		dst->b = src->b;
	} else {
		dst->i = src->i;
	}
	dst->expire = expire;
	return 0;
}

static enum cws_secl_kind vkind_public(uint8_t k, bool array)
{
	switch (k) {
	case VK_BOOL:
		return array ? CWS_SECL_BOOL_ARRAY : CWS_SECL_BOOL;
	case VK_INT:
		return array ? CWS_SECL_INT_ARRAY : CWS_SECL_INT;
	case VK_STR:
		return array ? CWS_SECL_STR_ARRAY : CWS_SECL_STR;
	}
	return CWS_SECL_NONE;
}

int cws_secl_var_declare(struct cws_secl_ruleset *rs, const char *name,
			 enum cws_secl_scope scope, enum cws_secl_kind kind,
			 const struct cws_secl_var_opts *opts,
			 struct cws_secl_err *err)
{
	static const char *const prefix[] = { "", "process.", "container.",
					      "cgroup." };
	struct vstore *vs;
	struct vdecl *d;
	char full[CWS_SECL_MAX_NAME];
	uint8_t vk;
	bool array = false;
	struct fref f;
	int64_t c;
	int id;

	if (!rs || !valid_name(name) || (unsigned)scope > CWS_SECL_SCOPE_CGROUP)
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				 "invalid variable name '%s'",
				 name ? name : "");
	switch (kind) {
	case CWS_SECL_BOOL:
		vk = VK_BOOL;
		break;
	case CWS_SECL_INT:
		vk = VK_INT;
		break;
	case CWS_SECL_STR:
		vk = VK_STR;
		break;
	case CWS_SECL_INT_ARRAY:
		vk = VK_INT;
		array = true;
		break;
	case CWS_SECL_STR_ARRAY:
		vk = VK_STR;
		array = true;
		break;
	default:
		return secl_errf(err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				 "unsupported type for variable '%s'", name);
	}
	snprintf(full, sizeof(full), "%s%s", prefix[scope], name);
	/* The built-ins and the names Datadog reserves. */
	if (!strcmp(full, "process.pid") || !strncmp(full, "builtins.", 9) ||
	    secl_field_resolve(full, strlen(full), &f) == FR_FOUND)
		return secl_errf(err, -EEXIST, CWS_SECL_ERR_COMPILE, 0,
				 "variable '%s' conflicts with field", full);
	if (secl_const_lookup(full, strlen(full), &c) == 0)
		return secl_errf(err, -EEXIST, CWS_SECL_ERR_COMPILE, 0,
				 "variable '%s' conflicts with constant", full);
	id = secl_var_find(rs, full, strlen(full));
	if (id >= 0) {
		d = &rs->vars.decl[id];
		if (d->kind != vk || d->array != array || d->scope != scope)
			return secl_errf(
				err, -EEXIST, CWS_SECL_ERR_COMPILE, 0,
				"variable '%s' already declared with another type",
				full);
		return id;
	}
	vs = &rs->vars;
	if (vs->ndecl >= CWS_SECL_MAX_VARS)
		return secl_errf(err, -E2BIG, CWS_SECL_ERR_LIMIT, 0,
				 "more than %u variables", CWS_SECL_MAX_VARS);
	if (opts && opts->def) {
		const struct cws_secl_value *dv = opts->def;
		bool ok = (vk == VK_BOOL && dv->kind == CWS_SECL_BOOL) ||
			  (vk == VK_INT && dv->kind == CWS_SECL_INT) ||
			  (vk == VK_STR && dv->kind == CWS_SECL_STR);

		if (!ok)
			return secl_errf(
				err, -EINVAL, CWS_SECL_ERR_COMPILE, 0,
				"default value of '%s' has another type", full);
	}
	d = realloc(vs->decl, (vs->ndecl + 1) * sizeof(*d));
	if (!d)
		return secl_errf(err, -ENOMEM, CWS_SECL_ERR_NOMEM, 0,
				 "out of memory");
	vs->decl = d;
	d = &vs->decl[vs->ndecl];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", full);
	d->scope = (uint8_t)scope;
	d->kind = vk;
	d->array = array;
	d->size = CWS_SECL_VAR_MAX_VALUES;
	if (opts) {
		d->ttl = opts->ttl_ns;
		d->inherited = opts->inherited &&
			       scope == CWS_SECL_SCOPE_PROCESS;
		if (opts->size && opts->size < CWS_SECL_VAR_MAX_VALUES)
			d->size = opts->size;
		if (opts->def) {
			struct val v;

			memset(&v, 0, sizeof(v));
			/* Only the member of the variable's kind is set. */
			if (vk == VK_BOOL)
				v.b = opts->def->b;
			else if (vk == VK_INT)
				v.i = opts->def->i;
			else if (vk == VK_STR) {
				v.s.p = opts->def->s.p ? opts->def->s.p : "";
				v.s.n = opts->def->s.p ? opts->def->s.n : 0;
			}
			if (vval_set(&d->def, vk, &v, 0) < 0)
				return secl_errf(err, -ENOMEM,
						 CWS_SECL_ERR_NOMEM, 0,
						 "out of memory");
			d->has_def = true;
		}
	}
	return (int)vs->ndecl++;
}

/* ------------------------------------------------------------------ */
/* Instances. */

static uint64_t key_hash(uint8_t scope, uint32_t pid, const char *id)
{
	if (scope == CWS_SECL_SCOPE_PROCESS)
		return secl_hash((const char *)&pid, sizeof(pid), false);
	return secl_hash(id, (uint32_t)strlen(id), false);
}

/*
 * The key of a container or cgroup scope: the container id, or the
 * cgroup path of the event's process (host processes have one too).
 * NULL when there is none: Datadog then fails the set and reads the
 * variable as unset.
 */
static const char *scope_id(const struct cws_event *ev, uint8_t scope)
{
	const char *id;

	if (scope == CWS_SECL_SCOPE_CGROUP) {
		id = ev->process.cgroup_id;
		return id && *id ? id : NULL;
	}
	id = ev->container.id;
	if (!id || !*id)
		id = ev->process.container_id;
	return id && *id ? id : NULL;
}

static struct vinst *inst_find(const struct vstore *vs, int var, uint8_t scope,
			       uint32_t pid, const char *id)
{
	struct vinst *in;

	if (!vs->nbucket)
		return NULL;
	in = vs->bucket[key_hash(scope, pid, id) & (vs->nbucket - 1)];
	for (; in; in = in->next) {
		if (in->var != var)
			continue;
		if (scope == CWS_SECL_SCOPE_PROCESS ? in->pid == pid :
						      !strcmp(in->id, id))
			return in;
	}
	return NULL;
}

static void inst_free(struct vinst *in)
{
	uint32_t k;

	for (k = 0; k < in->n; k++)
		free(in->v[k].s);
	free(in->v);
	free(in->id);
	free(in);
}

const struct vinst *secl_var_instance(struct cws_secl_ruleset *rs, int var,
				      const struct cws_event *ev)
{
	struct vdecl *d = secl_var_decl(rs, var);
	const struct vinst *in;
	const char *id;
	uint32_t k;

	if (!d)
		return NULL;
	switch (d->scope) {
	case CWS_SECL_SCOPE_GLOBAL:
		return d->global;
	case CWS_SECL_SCOPE_PROCESS:
		in = inst_find(&rs->vars, var, d->scope, ev->process.pid, NULL);
		if (in || !d->inherited || !ev->ancestors)
			return in;
		/* Inherited: the nearest ancestor that has a value. */
		for (k = 0; k < ev->nancestors; k++) {
			in = inst_find(&rs->vars, var, d->scope,
				       ev->ancestors[k].pid, NULL);
			if (in)
				return in;
		}
		return NULL;
	default:
		id = scope_id(ev, d->scope);
		return id ? inst_find(&rs->vars, var, d->scope, 0, id) : NULL;
	}
}

static int grow(struct vstore *vs)
{
	uint32_t nb = vs->nbucket ? vs->nbucket * 2 : 256, k;
	struct vinst **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (k = 0; k < vs->nbucket; k++) {
		struct vinst *in = vs->bucket[k], *next;

		for (; in; in = next) {
			const struct vdecl *d = &vs->decl[in->var];
			uint64_t h = key_hash(d->scope, in->pid, in->id);

			next = in->next;
			in->next = b[h & (nb - 1)];
			b[h & (nb - 1)] = in;
		}
	}
	free(vs->bucket);
	vs->bucket = b;
	vs->nbucket = nb;
	return 0;
}

static bool inst_expired(const struct vinst *in, uint64_t now)
{
	uint32_t k;

	for (k = 0; k < in->n; k++)
		if (secl_vval_live(&in->v[k], now))
			return false;
	return true;
}

void cws_secl_vars_expire(struct cws_secl_ruleset *rs, uint64_t now)
{
	struct vstore *vs;
	uint32_t k;

	if (!rs)
		return;
	vs = &rs->vars;
	for (k = 0; k < vs->nbucket; k++) {
		struct vinst **pp = &vs->bucket[k];

		while (*pp) {
			struct vinst *in = *pp;

			if (inst_expired(in, now)) {
				*pp = in->next;
				inst_free(in);
				vs->ninst--;
			} else {
				pp = &in->next;
			}
		}
	}
}

void cws_secl_vars_drop_pid(struct cws_secl_ruleset *rs, uint32_t pid)
{
	struct vstore *vs;
	struct vinst **pp;

	if (!rs || !rs->vars.nbucket)
		return;
	vs = &rs->vars;
	pp = &vs->bucket[key_hash(CWS_SECL_SCOPE_PROCESS, pid, NULL) &
			 (vs->nbucket - 1)];
	while (*pp) {
		struct vinst *in = *pp;

		if (vs->decl[in->var].scope == CWS_SECL_SCOPE_PROCESS &&
		    in->pid == pid) {
			*pp = in->next;
			inst_free(in);
			vs->ninst--;
		} else {
			pp = &in->next;
		}
	}
}

static struct vinst *inst_get(struct cws_secl_ruleset *rs, int var,
			      const struct vdecl *d, uint32_t pid,
			      const char *id, uint64_t now, int *ret)
{
	struct vstore *vs = &rs->vars;
	struct vinst *in = inst_find(vs, var, d->scope, pid, id);
	uint64_t h;

	if (in)
		return in;
	if (vs->ninst >= CWS_SECL_VAR_MAX_ENTRIES) {
		cws_secl_vars_expire(rs, now);
		if (vs->ninst >= CWS_SECL_VAR_MAX_ENTRIES) {
			*ret = -ENOSPC;
			return NULL;
		}
	}
	if ((vs->ninst + 1 > vs->nbucket * 2 || !vs->nbucket) &&
	    vs->nbucket < CWS_SECL_VAR_MAX_ENTRIES && grow(vs) < 0) {
		*ret = -ENOMEM;
		return NULL;
	}
	in = calloc(1, sizeof(*in));
	if (!in || (id && !(in->id = strdup(id)))) {
		free(in);
		*ret = -ENOMEM;
		return NULL;
	}
	in->var = var;
	in->pid = pid;
	h = key_hash(d->scope, pid, in->id);
	in->next = vs->bucket[h & (vs->nbucket - 1)];
	vs->bucket[h & (vs->nbucket - 1)] = in;
	vs->ninst++;
	return in;
}

/* Drops the expired values of in, keeping the order. */
static void inst_prune(struct vinst *in, uint64_t now)
{
	uint32_t r, w = 0;

	for (r = 0; r < in->n; r++) {
		if (secl_vval_live(&in->v[r], now))
			in->v[w++] = in->v[r];
		else
			free(in->v[r].s);
	}
	in->n = w;
}

static bool same(uint8_t kind, const struct vval *a, const struct val *b)
{
	if (kind == VK_STR)
		return a->slen == b->s.n && !memcmp(a->s, b->s.p, b->s.n);
	if (kind == VK_BOOL)
		return a->b == b->b;
	return a->i == b->i;
}

static int inst_add(struct vinst *in, const struct vdecl *d,
		    const struct val *v, uint64_t expire)
{
	uint32_t k;

	for (k = 0; k < in->n; k++) {
		if (same(d->kind, &in->v[k], v)) {
			in->v[k].expire = expire;
			return 0;
		}
	}
	if (in->n >= d->size) {
		/* Full: the oldest value goes. */
		free(in->v[0].s);
		memmove(in->v, in->v + 1, (in->n - 1) * sizeof(*in->v));
		in->n--;
	}
	if (in->n == in->cap) {
		uint32_t nc = in->cap ? in->cap * 2 : 4;
		struct vval *nv = realloc(in->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		in->v = nv;
		in->cap = nc;
	}
	memset(&in->v[in->n], 0, sizeof(in->v[0]));
	if (vval_set(&in->v[in->n], d->kind, v, expire) < 0)
		return -ENOMEM;
	in->n++;
	return 0;
}

int cws_secl_var_set(struct cws_secl_ruleset *rs, int var,
		     const struct cws_event *ev, const struct cws_secl_value *v,
		     bool append, const struct cws_secl_var_key *key)
{
	struct vdecl *d;
	struct vinst *in;
	uint64_t now, expire;
	uint32_t pid = 0;
	const char *id = NULL;
	size_t n, k;
	int ret = 0;
	uint8_t ek; /* element kind of v */

	if (!rs || !ev || !v)
		return -EINVAL;
	d = secl_var_decl(rs, var);
	if (!d)
		return -EINVAL;
	switch (v->kind) {
	case CWS_SECL_BOOL:
	case CWS_SECL_BOOL_ARRAY:
		ek = VK_BOOL;
		break;
	case CWS_SECL_INT:
	case CWS_SECL_INT_ARRAY:
		ek = VK_INT;
		break;
	case CWS_SECL_STR:
	case CWS_SECL_STR_ARRAY:
		ek = VK_STR;
		break;
	default:
		return -EINVAL;
	}
	n = 1;
	if (v->kind == CWS_SECL_BOOL_ARRAY)
		n = v->bools.n;
	else if (v->kind == CWS_SECL_INT_ARRAY)
		n = v->ints.n;
	else if (v->kind == CWS_SECL_STR_ARRAY)
		n = v->strs.n;
	if (ek != d->kind || (n != 1 && !d->array))
		return -EINVAL;
	now = ev->timestamp;
	expire = d->ttl ? now + d->ttl : 0;
	switch (d->scope) {
	case CWS_SECL_SCOPE_GLOBAL:
		if (!d->global) {
			d->global = calloc(1, sizeof(*d->global));
			if (!d->global)
				return -ENOMEM;
			d->global->var = var;
		}
		in = d->global;
		break;
	case CWS_SECL_SCOPE_PROCESS:
		pid = key ? key->pid : ev->process.pid;
		in = inst_get(rs, var, d, pid, NULL, now, &ret);
		break;
	default:
		id = key && key->id ? key->id : scope_id(ev, d->scope);
		if (!id || !*id)
			return -ENOENT;
		in = inst_get(rs, var, d, 0, id, now, &ret);
		break;
	}
	if (!in)
		return ret;
	if (!append || !d->array) {
		for (k = 0; k < in->n; k++)
			vval_clear(&in->v[k]);
		in->n = 0;
	} else {
		inst_prune(in, now);
	}
	for (k = 0; k < n; k++) {
		struct val e;

		memset(&e, 0, sizeof(e));
		e.kind = ek;
		switch (v->kind) {
		case CWS_SECL_BOOL:
			e.b = v->b;
			break;
		case CWS_SECL_BOOL_ARRAY:
			e.b = v->bools.v[k];
			break;
		case CWS_SECL_INT:
			e.i = v->i;
			break;
		case CWS_SECL_INT_ARRAY:
			e.i = v->ints.v[k];
			break;
		case CWS_SECL_STR:
			e.s.p = v->s.p ? v->s.p : "";
			e.s.n = v->s.p ? v->s.n : 0;
			break;
		default:
			e.s.p = v->strs.v[k].p ? v->strs.v[k].p : "";
			e.s.n = v->strs.v[k].p ? v->strs.v[k].n : 0;
			break;
		}
		ret = inst_add(in, d, &e, expire);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void secl_vars_release(struct vstore *vs)
{
	uint32_t k;

	for (k = 0; k < vs->nbucket; k++) {
		struct vinst *in = vs->bucket[k], *next;

		for (; in; in = next) {
			next = in->next;
			inst_free(in);
		}
	}
	for (k = 0; k < vs->ndecl; k++) {
		if (vs->decl[k].global)
			inst_free(vs->decl[k].global);
		free(vs->decl[k].def.s);
	}
	free(vs->bucket);
	free(vs->decl);
	memset(vs, 0, sizeof(*vs));
}

/* Reads a variable as a value (arrays into the scratch memory). */
int cws_secl_var_get(struct cws_secl_ruleset *rs, int var,
		     const struct cws_event *ev, struct cws_secl_value *out)
{
	struct vdecl *d;
	const struct vinst *in;
	uint32_t k, live = 0;

	if (!rs || !ev || !out)
		return -EINVAL;
	d = secl_var_decl(rs, var);
	if (!d)
		return -EINVAL;
	if (!rs->x.in_eval)
		secl_ectx_begin(&rs->x, ev);
	memset(out, 0, sizeof(*out));
	out->kind = vkind_public(d->kind, d->array);
	in = secl_var_instance(rs, var, ev);
	if (!d->array) {
		const struct vval *vv = NULL;

		if (in && in->n && secl_vval_live(&in->v[0], ev->timestamp))
			vv = &in->v[0];
		else if (d->has_def)
			vv = &d->def;
		if (!vv) {
			if (d->kind == VK_STR)
				out->s.p = "";
			return 0;
		}
		if (d->kind == VK_BOOL)
			out->b = vv->b;
		if (d->kind == VK_INT)
			out->i = vv->i;
		if (d->kind == VK_STR) {
			out->s.p = vv->s ? vv->s : "";
			out->s.n = vv->slen;
		}
		return 0;
	}
	for (k = 0; in && k < in->n; k++)
		live += secl_vval_live(&in->v[k], ev->timestamp);
	if (d->kind == VK_STR) {
		struct cws_secl_str *a =
			live ? secl_scratch(&rs->x, live * sizeof(*a)) : NULL;

		if (live && !a)
			return -E2BIG;
		out->strs.v = a;
		for (k = 0; a && k < in->n; k++) {
			if (!secl_vval_live(&in->v[k], ev->timestamp))
				continue;
			a[out->strs.n].p = in->v[k].s;
			a[out->strs.n++].n = in->v[k].slen;
		}
	} else {
		int64_t *a = live ? secl_scratch(&rs->x, live * sizeof(*a)) :
				    NULL;

		if (live && !a)
			return -E2BIG;
		out->ints.v = a;
		for (k = 0; a && k < in->n; k++)
			if (secl_vval_live(&in->v[k], ev->timestamp))
				a[out->ints.n++] = in->v[k].i;
	}
	return 0;
}
