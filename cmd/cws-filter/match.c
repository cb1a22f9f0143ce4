/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a match does, in Datadog's order: `every` first (a rule inside
 * its period has not matched at all), then the `set` actions (later
 * rules of the same event see the values), then kill, then the per-rule
 * rate limiter, which only decides whether a record is written: state
 * and enforcement never depend on it. Silent rules stop before writing.
 * Hash actions only serve the record, so they run last; a match whose
 * file must be hashed later is held (held.c).
 *
 * Times are the events' own timestamps, not the wall clock, so that a
 * replayed capture is limited as it was live. The limiter is a GCRA
 * (a token bucket kept as one "theoretical arrival time" per rule): no
 * division, no allocation.
 */
#include "compat.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker.h"
#include "filter.h"

int filter_rules_init(struct filter *f, const struct cws_policy *old,
		      const struct rule_state *old_st)
{
	const struct cws_policy *p = f->pol;
	struct rule_state *st;
	struct cws_lost_cause *drops;
	size_t i;

	st = calloc(p->nrules + 1, sizeof(*st));
	drops = calloc(p->nrules + 1, sizeof(*drops));
	if (!st || !drops) {
		free(st);
		free(drops);
		return -ENOMEM;
	}
	/* A reload keeps the counters of the rules it keeps. */
	for (i = 0; old && i < p->nrules; i++) {
		const struct cws_policy_rule *r = &p->rules[i], *o;

		if (r->status != CWS_POLICY_LOADED)
			continue;
		o = cws_policy_find(old, r->id);
		if (o && o->status == CWS_POLICY_LOADED) {
			st[i] = old_st[o->index];
			st[i].tat = 0;
			st[i].every_armed = false;
		}
	}
	free(f->st);
	free(f->drops);
	f->st = st;
	f->drops = drops;
	return 0;
}

static bool rate_allows(const struct filter *f, struct rule_state *st,
			uint64_t t)
{
	uint64_t tat;

	if (!f->interval_ns)
		return true;
	tat = st->tat > t ? st->tat : t;
	if (tat - t > f->tolerance_ns)
		return false;
	st->tat = tat + f->interval_ns;
	return true;
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/*
 * How long a SIGKILL'd process is waited for, to say when it was gone
 * (Datadog's exited_at and ttr): a killed process is gone within a
 * millisecond or so, later on a loaded machine; one that is not gone by
 * then is reported without them.
 */
#define KILL_EXIT_WAIT_MS 500

/*
 * Signals pid, through the action broker when cws-filter runs in its
 * sandbox, and says in o->killed_at and o->exited_at when it went and
 * when the process was gone. Returns 0 or -1 with errno set, as kill(2).
 */
static int kill_timed(uint32_t pid, int sig, struct cws_rule_action *o)
{
	uint64_t killed = 0, exited = 0;
	int rc = broker_running() ?
			 broker_kill(pid, sig, &killed, &exited) :
			 broker_kill_pidfd(pid, sig, &killed, &exited);

	o->killed_at = killed;
	o->exited_at = exited;
	if (rc) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/*
 * Kill actions, from user space: the event's process gets the signal.
 * Never pid 0 or 1, never cws-filter itself, and never for an event too
 * old to be live (a replayed capture must not kill whoever holds those
 * pids today).
 */
static uint32_t run_kills(struct filter *f, const struct cws_policy_rule *r,
			  struct rule_state *st, const struct cws_event *ev)
{
	uint64_t now = cws_event_now();
	uint32_t n = 0, pid = ev->process.pid;
	size_t i;

	for (i = 0; i < r->nactions && n < CWS_POLICY_MAX_ACTIONS; i++) {
		const struct cws_policy_action *a = &r->actions[i];
		struct cws_rule_action *o = &f->acts[n];

		if (a->type != CWS_POLICY_ACT_KILL || !a->usable ||
		    !cws_policy_action_applies(f->pol, a, ev))
			continue;
		n++;
		memset(o, 0, sizeof(*o));
		o->type = "kill";
		o->signal = a->signal_name;
		o->scope = "process";
		o->pid = pid;
		o->created_at = cws_event_now();
		o->detected_at = ev->timestamp;
		if (pid <= 1 || pid == (uint32_t)getpid()) {
			o->status = "refused";
			o->message = "refusing to signal this process";
		} else if (ev->timestamp + FILTER_KILL_MAX_AGE_NS < now) {
			o->status = "refused";
			o->message = "event too old: not live";
		} else if (kill_timed(pid, a->signal, o)) {
			o->status = "error";
			o->message = strerror(errno);
			st->kill_errors++;
			f->kill_errors++;
		} else {
			o->status = "performed";
			st->kills++;
			f->kills++;
		}
		if (o->message && cws_ratelimit_ok(&f->err_rl))
			cws_warnx("rule '%s': kill %s %u: %s", r->id,
				  a->signal_name, pid, o->message);
	}
	return n;
}

static int on_match(const struct cws_secl_rule *sr, const struct cws_event *ev,
		    void *arg)
{
	struct filter *f = arg;
	const struct cws_policy_rule *r = cws_policy_rule_of(sr);
	struct rule_state *st = &f->st[r->index];
	uint64_t t = ev->timestamp;
	struct cws_event_rule er;
	uint32_t nacts = 0;
	int rc;

	if (r->every_ns) {
		if (st->every_armed && t >= st->last_every &&
		    t - st->last_every < r->every_ns) {
			st->every_skipped++;
			f->every_skipped++;
			return 0;
		}
		st->every_armed = true;
		st->last_every = t;
	}
	st->matches++;
	f->matches++;
	if (r->nactions && cws_policy_run_sets(f->pol, r, ev))
		f->set_errors++;
	if (r->has_kill)
		nacts = run_kills(f, r, st, ev);
	if (r->silent)
		return 0;
	if (!rate_allows(f, st, t)) {
		st->rate_limited++;
		f->rate_limited++;
		return 0;
	}
	if (r->has_hash)
		nacts = filter_hash_actions(f, r, ev, nacts);
	memset(&er, 0, sizeof(er));
	er.id = r->id;
	er.version = r->version;
	er.description = r->description;
	er.group_id = r->group_id;
	er.policy_name = r->file->name;
	er.policy_version = r->file->version;
	er.policy_source = r->file->source;
	er.tags = r->tags;
	er.ntags = (uint32_t)r->ntags;
	er.product_tags.v = r->product_tags;
	er.product_tags.n = (uint32_t)r->nproduct_tags;
	er.actions = f->acts;
	er.nactions = nacts;
	if (f->npend && !filter_hold(f, ev, &er)) {
		st->written++; /* f->written when it is (held.c) */
		return 0;
	}
	rc = cws_writer_put_match(&f->wr, ev, &er);
	if (rc == -EINVAL || rc == -E2BIG) {
		f->write_errors++;
		if (cws_ratelimit_ok(&f->err_rl))
			cws_errorx("offset %llu: cannot write the match of "
				   "rule '%s': %s",
				   (unsigned long long)ev->offset, r->id,
				   rc == -E2BIG ? "record too large" :
						  "malformed record");
		return 0;
	}
	if (rc) {
		f->werr = rc;
		return rc; /* stdout is gone: stop evaluating */
	}
	st->written++;
	f->written++;
	if (r->file->source && !strcmp(r->file->source, SELF_TEST_SOURCE)) {
		struct self_test_match *m =
			&f->self_test[f->self_test_next++ % SELF_TEST_KEEP];

		snprintf(m->rule_id, sizeof(m->rule_id), "%s", r->id);
		snprintf(m->path, sizeof(m->path), "%s",
			 ev->obj.file.path ? ev->obj.file.path : "");
		m->at_ns = cws_event_now();
		f->self_test_matches++;
	}
	return 0;
}

void filter_event(struct filter *f, const struct cws_event *ev)
{
	struct cws_secl_ruleset *rs = f->pol->rs;

	f->events++;
	/* Expired `set` values are purged once a second of event time. */
	if (ev->timestamp >= f->next_expire) {
		cws_secl_vars_expire(rs, ev->timestamp);
		f->next_expire = ev->timestamp + 1000000000ull;
	}
	cws_secl_ruleset_eval(rs, ev, on_match, f);
	if (f->nheld && ev->evt.type == CWS_EVT_EXIT)
		filter_held_exit(f, ev->process.pid);
}
