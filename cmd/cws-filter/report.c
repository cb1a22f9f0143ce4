/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What cws-filter says about itself: downstream, a ruleset_loaded record
 * with the status of every rule (Datadog's shape, so that cws-ship can
 * send it as is) and heartbeats carrying the policies and the rate
 * limiter's drops; on disk, <run_path>/cws-filter.json for `cws status`
 * and the flare. None of this runs per event.
 */
#include "compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "broker.h"
#include "filter.h"
#include "sandbox.h"
#include "status.h"

static void put(struct filter *f, const struct cws_event *ev)
{
	int rc;

	if (f->werr)
		return;
	rc = cws_writer_put(&f->wr, ev);
	if (rc == -E2BIG) {
		f->write_errors++;
		cws_errorx("the %s record is too large to be written",
			   cws_record_type_name(ev->type));
	} else if (rc) {
		f->werr = rc;
	}
}

void filter_write_heartbeat(struct filter *f)
{
	struct cws_event *ev = f->cev;
	struct cws_event rl;
	uint32_t n = 0;
	size_t i;

	if (cws_policy_ruleset_event(f->pol, &rl)) {
		f->write_errors++;
		return;
	}
	for (i = 0; i < f->pol->nrules; i++)
		if (f->st[i].rate_limited) {
			f->drops[n].cause = f->pol->rules[i].id;
			f->drops[n].count = f->st[i].rate_limited;
			n++;
		}
	cws_event_clear(ev);
	ev->type = CWS_REC_HEARTBEAT;
	ev->timestamp = cws_event_now();
	ev->heartbeat.producer = "cws-filter";
	ev->heartbeat.events = f->written;
	ev->heartbeat.lost = f->rate_limited;
	ev->ruleset.policies = rl.ruleset.policies;
	ev->ruleset.npolicies = rl.ruleset.npolicies;
	ev->ruleset.rate_limited = f->drops;
	ev->ruleset.nrate_limited = n;
	put(f, ev);
}

/*
 * Datadog's monitored_files: the values the loaded rules compare the
 * file path or name of a file event with, where a match makes the rule
 * likelier to fire (==, in, =~ outside a `not`), each once. Held in
 * one list of copies the caller frees.
 */
#define MONITORED_MAX 1024

struct monitored {
	const char **v;
	uint32_t n;
};

static bool fim_file_field(const char *name)
{
	static const char *const types[] = {
		"open",	       "chmod",	 "chown",  "mkdir",	  "rmdir",
		"rename",      "unlink", "utimes", "link",	  "setxattr",
		"removexattr", "splice", "chdir",  "load_module",
	};
	const char *dot = name ? strchr(name, '.') : NULL;
	size_t i, n;

	if (!dot || (strcmp(dot, ".file.path") && strcmp(dot, ".file.name")))
		return false;
	n = (size_t)(dot - name);
	for (i = 0; i < CWS_ARRAY_SIZE(types); i++)
		if (strlen(types[i]) == n && !memcmp(types[i], name, n))
			return true;
	return false;
}

static void monitored_add(struct monitored *m, const struct cws_secl_str *s)
{
	uint32_t i;
	char *c;

	if (!s->n || m->n >= MONITORED_MAX)
		return;
	for (i = 0; i < m->n; i++)
		if (strlen(m->v[i]) == s->n && !memcmp(m->v[i], s->p, s->n))
			return;
	c = strndup(s->p, s->n);
	if (c)
		m->v[m->n++] = c;
}

static void monitored_walk(struct monitored *m, const struct cws_secl_node *n,
			   bool neg)
{
	enum cws_secl_op op = cws_secl_node_op(n);
	const struct cws_secl_node *v;
	struct cws_secl_literal lit;
	size_t i;

	if (op == CWS_SECL_OP_NOT)
		neg = !neg;
	if (op == CWS_SECL_OP_AND || op == CWS_SECL_OP_OR ||
	    op == CWS_SECL_OP_NOT) {
		for (i = 0; i < cws_secl_node_nchildren(n); i++)
			monitored_walk(m, cws_secl_node_child(n, i), neg);
		return;
	}
	if (neg ||
	    (op != CWS_SECL_OP_EQ && op != CWS_SECL_OP_IN &&
	     op != CWS_SECL_OP_MATCH) ||
	    cws_secl_node_nchildren(n) != 2 ||
	    !fim_file_field(cws_secl_node_field(cws_secl_node_child(n, 0))))
		return;
	v = cws_secl_node_child(n, 1);
	for (i = 0; i < cws_secl_node_nvalues(v); i++)
		if (!cws_secl_node_value(v, i, &lit) &&
		    lit.kind == CWS_SECL_STR &&
		    lit.match != CWS_SECL_MATCH_REGEX)
			monitored_add(m, &lit.v.s);
}

static void monitored_files(const struct cws_policy *pol, struct monitored *m)
{
	size_t i;

	m->n = 0;
	m->v = calloc(MONITORED_MAX, sizeof(*m->v));
	if (!m->v)
		return;
	for (i = 0; i < pol->nrules; i++)
		if (pol->rules[i].secl)
			monitored_walk(m,
				       cws_secl_rule_root(pol->rules[i].secl),
				       false);
}

static void monitored_free(struct monitored *m)
{
	uint32_t i;

	for (i = 0; m->v && i < m->n; i++)
		free((char *)m->v[i]);
	free(m->v);
}

void filter_write_loaded(struct filter *f)
{
	struct cws_event *ev = f->cev;
	struct monitored m;

	f->pending_loaded = false;
	if (cws_policy_ruleset_event(f->pol, ev)) {
		f->write_errors++;
		return;
	}
	ev->timestamp = cws_event_now();
	ev->ruleset.producer = "cws-filter";
	monitored_files(f->pol, &m);
	ev->ruleset.monitored_files = (struct cws_strv){ m.v, m.n };
	put(f, ev);
	monitored_free(&m);
	/* Datadog beats at once, then 5 times a minute, then slower. */
	filter_write_heartbeat(f);
	f->hb_fast_left = FILTER_HB_FAST_COUNT;
	f->next_hb_ms = filter_now_ms() + FILTER_HB_FAST_MS;
}

static json_t *policy_status(const struct filter *f)
{
	const struct cws_policy *p = f->pol;
	json_t *j = json_object(), *files = json_array(),
	       *errors = json_array();
	char when[64];
	size_t i;

	cws_status_time(when, sizeof(when), f->loaded_ns);
	json_object_set_new(j, "dir",
			    f->opts->policy_dir ?
				    json_string(f->opts->policy_dir) :
				    json_null());
	json_object_set_new(j, "loaded_at", json_string(when));
	json_object_set_new(j, "reloads", json_integer((json_int_t)f->reloads));
	json_object_set_new(j, "reload_failures",
			    json_integer((json_int_t)f->reload_failures));
	snprintf(when, sizeof(when), "%016llx",
		 (unsigned long long)cws_policy_digest(p));
	json_object_set_new(j, "digest", json_string(when));
	/* What cws-probe's kernel filters follow, and a reload waiting. */
	snprintf(when, sizeof(when), "%016llx",
		 (unsigned long long)f->upstream_kf);
	json_object_set_new(j, "kernel_filter",
			    f->upstream_kf ? json_string(when) : json_null());
	snprintf(when, sizeof(when), "%016llx",
		 (unsigned long long)cws_policy_digest(f->pending));
	json_object_set_new(j, "pending",
			    f->pending ? json_string(when) : json_null());
	json_object_set_new(j, "rules_loaded",
			    json_integer((json_int_t)p->loaded));
	json_object_set_new(j, "rules_filtered",
			    json_integer((json_int_t)p->filtered));
	json_object_set_new(j, "rules_failed",
			    json_integer((json_int_t)p->failed));
	json_object_set_new(j, "macros_failed",
			    json_integer((json_int_t)p->macros_failed));
	for (i = 0; i < p->nfiles; i++) {
		const struct cws_policy_file *pf = &p->files[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(pf->name));
		json_object_set_new(o, "version",
				    pf->version ? json_string(pf->version) :
						  json_null());
		json_object_set_new(o, "source", json_string(pf->source));
		json_object_set_new(o, "loaded",
				    json_integer((json_int_t)pf->loaded));
		json_object_set_new(o, "filtered",
				    json_integer((json_int_t)pf->filtered));
		json_object_set_new(o, "failed",
				    json_integer((json_int_t)pf->failed));
		if (pf->error)
			json_object_set_new(o, "error", json_string(pf->error));
		json_array_append_new(files, o);
	}
	json_object_set_new(j, "files", files);
	for (i = 0; i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i];
		json_t *o;

		if (r->merged || cws_policy_status_class(r->status) !=
					 CWS_POLICY_CLASS_FAILED)
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_string(r->id));
		json_object_set_new(o, "policy", json_string(r->file->name));
		json_object_set_new(
			o, "status",
			json_string(cws_policy_status_name(r->status)));
		json_object_set_new(o, "message",
				    json_string(r->message ? r->message : ""));
		json_array_append_new(errors, o);
	}
	json_object_set_new(j, "failed", errors);
	return j;
}

/* The last self-test matches written, oldest first (cws self-test). */
static json_t *self_test_status(const struct filter *f)
{
	json_t *st = json_object(), *evs = json_array();
	char when[64];
	unsigned i;

	for (i = 0; i < SELF_TEST_KEEP; i++) {
		const struct self_test_match *m =
			&f->self_test[(f->self_test_next + i) % SELF_TEST_KEEP];
		json_t *j;

		if (!m->at_ns)
			continue;
		j = json_object();
		json_object_set_new(j, "rule_id", json_string(m->rule_id));
		json_object_set_new(j, "path", json_string(m->path));
		cws_status_time(when, sizeof(when), m->at_ns);
		json_object_set_new(j, "at", json_string(when));
		json_array_append_new(evs, j);
	}
	json_object_set_new(st, "dir", json_string(f->opts->self_test_dir));
	json_object_set_new(st, "matches",
			    json_integer((json_int_t)f->self_test_matches));
	json_object_set_new(st, "events", evs);
	return st;
}

static json_t *rule_counters(const struct filter *f)
{
	const struct cws_policy *p = f->pol;
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < p->nrules; i++) {
		const struct rule_state *s = &f->st[i];
		json_t *o;

		if (p->rules[i].status != CWS_POLICY_LOADED)
			continue;
		o = json_object();
		json_object_set_new(o, "id", json_string(p->rules[i].id));
		json_object_set_new(o, "matches",
				    json_integer((json_int_t)s->matches));
		json_object_set_new(o, "written",
				    json_integer((json_int_t)s->written));
		json_object_set_new(o, "rate_limited",
				    json_integer((json_int_t)s->rate_limited));
		if (s->every_skipped)
			json_object_set_new(
				o, "every_skipped",
				json_integer((json_int_t)s->every_skipped));
		if (p->rules[i].has_kill) {
			json_object_set_new(o, "kills",
					    json_integer((json_int_t)s->kills));
			json_object_set_new(
				o, "kill_errors",
				json_integer((json_int_t)s->kill_errors));
		}
		json_array_append_new(a, o);
	}
	return a;
}

#define SETI(doc, key, v) \
	json_object_set_new((doc), (key), json_integer((json_int_t)(v)))

void filter_write_status(struct filter *f, const char *state)
{
	char now[64], started[64];
	uint64_t t = cws_event_now();
	json_t *doc = json_object(), *rl = json_object();
	struct cws_proc_stats ps;
	int err;

	cws_status_time(now, sizeof(now), t);
	cws_status_time(started, sizeof(started), f->started_ns);
	json_object_set_new(doc, "tool", json_string("cws-filter"));
	json_object_set_new(doc, "version", json_string(CWS_VERSION));
	SETI(doc, "pid", getpid());
	json_object_set_new(doc, "sandbox",
			    json_string(cws_sandbox_enabled() ? "on" : "off"));
	if (broker_running())
		SETI(doc, "broker_pid", broker_child());
	json_object_set_new(doc, "state", json_string(state));
	json_object_set_new(doc, "started_at", json_string(started));
	json_object_set_new(doc, "updated_at", json_string(now));
	SETI(doc, "uptime_seconds", (t - f->started_ns) / 1000000000ull);
	json_object_set_new(doc, "policies", policy_status(f));
	SETI(doc, "records", f->records);
	SETI(doc, "events", f->events);
	SETI(doc, "control_records", f->controls);
	SETI(doc, "bad_records", f->bad_records);
	SETI(doc, "matches", f->matches);
	SETI(doc, "written", f->written);
	SETI(doc, "rate_limited", f->rate_limited);
	SETI(doc, "every_skipped", f->every_skipped);
	SETI(doc, "set_errors", f->set_errors);
	SETI(doc, "kills", f->kills);
	SETI(doc, "kill_errors", f->kill_errors);
	SETI(doc, "write_errors", f->write_errors);
	if (f->hasher) {
		const struct hash_stats *hs = hasher_stats(f->hasher);
		json_t *h = json_object(), *states = json_object();
		int i;

		SETI(h, "held", f->nheld);
		SETI(h, "held_total", f->hash_held);
		SETI(h, "released", f->hash_released);
		SETI(h, "released_early", f->hash_early);
		SETI(h, "hashed", hs->hashed);
		SETI(h, "cache_hits", hs->cache_hits);
		for (i = 0; i < HASH_NSTATES; i++)
			if (hs->states[i])
				SETI(states,
				     hash_state_name((enum hash_state)i),
				     hs->states[i]);
		json_object_set_new(h, "states", states);
		json_object_set_new(doc, "hash", h);
	}
	SETI(rl, "rate", f->opts->rate);
	SETI(rl, "burst", f->opts->burst);
	json_object_set_new(doc, "rate_limit", rl);
	json_object_set_new(doc, "rules", rule_counters(f));
	cws_reader_proc_stats(&f->rd, &ps);
	json_object_set_new(doc, "process_table", cws_status_proc(&ps, true));
	cws_writer_proc_stats(&f->wr, &ps);
	json_object_set_new(doc, "process_records",
			    cws_status_proc(&ps, false));
	if (f->opts->self_test_dir)
		json_object_set_new(doc, "self_test", self_test_status(f));
	if (*f->last_error)
		json_object_set_new(doc, "last_error",
				    json_string(f->last_error));
	err = cws_status_write(f->opts->run_path, "cws-filter", doc);
	json_decref(doc);
	if (err && !f->status_failed) {
		f->status_failed = true;
		cws_warnx("cannot write the status file in '%s': %s",
			  f->opts->run_path, strerror(-err));
	}
}
