/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The bodies of Datadog's custom events that describe the policies
 * (pkg/security/rules/monitor): ruleset_loaded, with every policy, its
 * status and its rules, and the heartbeat's policy. payload.c wraps and
 * tags them like every other message.
 */
#include "compat.h"
#include "ship.h"

#include <string.h>

/* The "service" of every custom event. */
#define SERVICE "runtime-security-agent"

/* A custom event's head: agent, title, date, service. */
void payload_custom_head(struct jbuf *b, const char *rule_id, const char *title,
			 uint64_t ts)
{
	jb_open(b, '{');
	payload_agent(b, rule_id);
	jb_key(b, "title");
	jb_cstr(b, title);
	jb_key(b, "date");
	jb_time(b, ts);
	jb_kstr(b, "service", SERVICE);
}

void payload_policy_head(struct jbuf *b, const struct cws_ruleset_policy *p)
{
	jb_kstr(b, "name", p->name);
	jb_kstr(b, "version", p->version);
	jb_kstr(b, "source", p->source);
}

static void kv_map(struct jbuf *b, const char *key, const struct cws_kv *kv,
		   uint32_t n)
{
	uint32_t i;

	if (!n)
		return;
	jb_key(b, key);
	jb_open(b, '{');
	for (i = 0; i < n; i++) {
		jb_sep(b);
		jb_cstr(b, kv[i].key);
		jb_raw(b, ":", 1);
		jb_cstr(b, kv[i].value);
	}
	jb_close(b, '}');
}

/*
 * Internal policies (the self-test one) stay out of ruleset_loaded and
 * heartbeats, as Datadog leaves them out unless told otherwise.
 */
bool payload_internal_policy(const struct cws_ruleset_policy *p)
{
	return p->source && !strcmp(p->source, SHIP_SELF_TEST_SOURCE);
}

/*
 * A policy's status as Datadog's NewPoliciesState makes it from its
 * rules': loaded, partially_loaded (some rules rejected), fully_rejected
 * (none loaded, some rejected), partially_filtered and fully_filtered
 * (rules left out by their filters or agent version), error (the file).
 */
static const char *policy_status(const struct cws_ruleset_policy *p)
{
	uint32_t i, loaded = 0, filtered = 0, rejected = 0;

	if (p->error)
		return "error";
	for (i = 0; i < p->nrules; i++) {
		const char *s = p->rules[i].status ? p->rules[i].status : "";

		if (!strcmp(s, "loaded"))
			loaded++;
		else if (!strcmp(s, "filtered") ||
			 !strcmp(s, "agent_version_error"))
			filtered++;
		else
			rejected++;
	}
	if (!loaded)
		return rejected ? "fully_rejected" :
		       filtered ? "fully_filtered" :
				  "loaded";
	return rejected ? "partially_loaded" :
	       filtered ? "partially_filtered" :
			  "loaded";
}

/*
 * A rule's actions as Datadog lists them: one object per action, keyed
 * by its type. The record names the types only.
 */
static void rule_actions(struct jbuf *b, const struct cws_strv *v)
{
	uint32_t i;

	if (!v->n)
		return;
	jb_key(b, "actions");
	jb_open(b, '[');
	for (i = 0; i < v->n; i++) {
		const char *t = v->v[i] ? v->v[i] : "";

		jb_sep(b);
		jb_open(b, '{');
		jb_key(b, t);
		jb_puts(b, strcmp(t, "hash") ? "{}" : "{\"enabled\":true}");
		jb_close(b, '}');
	}
	jb_close(b, ']');
}

void payload_ruleset_loaded(struct jbuf *b, const struct cws_event *ev,
			    const msgpack_object *mf, uint64_t ts)
{
	uint32_t i, j, k;

	payload_custom_head(b, "ruleset_loaded", "New ruleset loaded", ts);
	/* Always there, as Datadog's schema wants it: [] for none. */
	jb_key(b, "monitored_files");
	jb_open(b, '[');
	for (i = 0;
	     mf && mf->type == MSGPACK_OBJECT_ARRAY && i < mf->via.array.size;
	     i++) {
		const msgpack_object *s = &mf->via.array.ptr[i];

		if (s->type != MSGPACK_OBJECT_STR)
			continue;
		jb_sep(b);
		jb_str(b, s->via.str.ptr, s->via.str.size);
	}
	jb_close(b, ']');
	jb_key(b, "policies");
	jb_open(b, '[');
	for (i = 0; i < ev->ruleset.npolicies; i++) {
		const struct cws_ruleset_policy *p = &ev->ruleset.policies[i];

		if (payload_internal_policy(p))
			continue;
		jb_sep(b);
		jb_open(b, '{');
		payload_policy_head(b, p);
		jb_kstr(b, "status", policy_status(p));
		jb_kstr(b, "message", p->error);
		jb_key(b, "rules");
		jb_open(b, '[');
		for (j = 0; j < p->nrules; j++) {
			const struct cws_ruleset_rule *r = &p->rules[j];

			jb_sep(b);
			jb_open(b, '{');
			jb_kstr(b, "id", r->id);
			jb_kstr(b, "version", r->version);
			jb_kstr(b, "expression", r->expression);
			jb_kstr(b, "status", r->status);
			jb_kstr(b, "message", r->message);
			kv_map(b, "tags", r->tags, r->ntags);
			rule_actions(b, &r->actions);
			if (r->modified_by.n) {
				jb_key(b, "modified_by");
				jb_open(b, '[');
				for (k = 0; k < r->modified_by.n; k++) {
					jb_sep(b);
					jb_open(b, '{');
					jb_kstr(b, "name", r->modified_by.v[k]);
					jb_close(b, '}');
				}
				jb_close(b, ']');
			}
			jb_close(b, '}');
		}
		jb_close(b, ']');
		jb_close(b, '}');
	}
	jb_close(b, ']');
	jb_close(b, '}');
}
