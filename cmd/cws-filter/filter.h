/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-filter's own modules: load.c (policies in, errors and -n summary
 * out), run.c (the stream loop, signals, reload), match.c (what happens
 * when a rule matches: every, set, kill, rate limit, the match record)
 * and report.c (ruleset_loaded, heartbeats, the status file).
 */
#ifndef CWS_FILTER_H
#define CWS_FILTER_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "hash.h"
#include "log.h"
#include "policy.h"

/* How often the status file is rewritten, and the periodic tick. */
#define FILTER_STATUS_MS 5000
#define FILTER_TICK_MS 1000
/* Datadog's heartbeats: 5 at one minute, then every 10 minutes. */
#define FILTER_HB_FAST_MS 60000
#define FILTER_KF_WAIT_MS 30000 /* a reload waits this long for the probe */
#define FILTER_HB_FAST_COUNT 5
#define FILTER_HB_SLOW_MS 600000
/* A kill action is refused for events older than this (a replay). */
#define FILTER_KILL_MAX_AGE_NS (30ull * 1000000000ull)
/* Hash actions: a match waits for its process's exit this long, at most. */
#define FILTER_HASH_DELAY_MS 5000
#define FILTER_HASH_MAX_HELD \
	1024 /* matches waiting; past it, the oldest goes */

struct cws_config;

struct filter_opts {
	const char *policy_dir; /* NULL: no directory (only -e rules) */
	const char *const *exprs; /* -e */
	size_t nexprs;
	bool check; /* -n */
	const char *run_path;
	const char *host_service; /* `service:` of the tags key; or NULL */
	long long rate; /* matches per second per rule; 0: no limit */
	long long burst;
	bool kill_enabled; /* runtime_security_config.enforcement.enabled */
	const char *self_test_dir; /* --self-test: the self-test rules' dir */
	bool hash_enabled; /* runtime_security_config.hash_resolver.enabled */
	struct hash_opts hash; /* and the rest of hash_resolver */
	const struct cws_config *cfg; /* as read at start (the sandbox) */
	const char *config_path; /* -c, or NULL */
};

/* The self-test matches kept for the status file (cws self-test). */
#define SELF_TEST_KEEP 16
#define SELF_TEST_SOURCE CWS_POLICY_SELF_TEST_SOURCE

struct self_test_match {
	char rule_id[96];
	char path[4097];
	uint64_t at_ns; /* when written */
};

/* Per loaded rule, indexed like policy->rules. */
struct rule_state {
	uint64_t matches; /* past `every` */
	uint64_t written;
	uint64_t rate_limited;
	uint64_t every_skipped;
	uint64_t kills, kill_errors;
	uint64_t tat; /* rate limiter: theoretical arrival time, ns */
	uint64_t last_every; /* `every`: time of the last match, ns */
	bool every_armed;
};

struct filter {
	const struct filter_opts *opts;
	struct cws_policy *pol;
	struct rule_state *st;
	struct cws_reader rd;
	struct cws_writer wr;
	struct cws_event *ev; /* the record being handled */
	struct cws_event *cev; /* records cws-filter writes itself */
	struct cws_lost_cause *drops; /* heartbeat scratch, nrules long */
	struct cws_rule_action acts[CWS_POLICY_MAX_ACTIONS];

	uint64_t interval_ns, tolerance_ns; /* rate limiter */
	uint64_t records, events, controls, matches, written;
	uint64_t rate_limited, every_skipped, bad_records, set_errors;
	uint64_t kills, kill_errors, write_errors;
	uint64_t reloads, reload_failures;
	/*
	 * The kernel filters upstream (hello and heartbeat kernel_filter of
	 * cws-probe): the digest of the policies they follow, 0 for none. A
	 * reloaded policy waits in pending until they follow it (run.c).
	 */
	uint64_t upstream_kf;
	bool kf_warned; /* said once that they follow other policies */
	unsigned kf_mismatch; /* records in a row that said other policies */
	struct cws_policy *pending;
	long long pending_since_ms;
	struct self_test_match self_test[SELF_TEST_KEEP];
	unsigned self_test_next; /* ring index */
	uint64_t self_test_matches;
	uint64_t controls_sent; /* selftest records written on SIGUSR1 */
	char last_error[320];
	uint64_t started_ns, loaded_ns;
	uint64_t next_expire; /* event time of the next variable purge */
	long long next_status_ms, next_hb_ms;
	int hb_fast_left;
	bool pending_loaded; /* ruleset_loaded not yet written */
	bool status_failed;
	int werr; /* a write error: stop */
	struct cws_ratelimit bad_rl, err_rl;

	/* Hash actions (held.c): the hasher, the held matches. */
	struct hasher *hasher; /* NULL when hash_resolver is off */
	struct held **held; /* FILTER_HASH_MAX_HELD slots, oldest first */
	size_t nheld;
	uint64_t hash_held, hash_released, hash_early;
	/* The match being handled, before its hash actions run. */
	struct {
		uint32_t idx; /* in acts */
		struct hash_req req;
	} pend[CWS_POLICY_MAX_ACTIONS];
	unsigned npend;
	struct hash_result hres[CWS_POLICY_MAX_ACTIONS];
	const char *hptr[CWS_POLICY_MAX_ACTIONS][HASH_MAX_ALGOS];
};

/* load.c */

/*
 * Builds and compiles a policy set from the options. Prints one error
 * line per file, macro or rule that failed (unless quiet) and returns 0,
 * or a negative errno when the directory cannot be read (message
 * printed). *out is set on success, even when no rule loaded.
 */
int filter_load(const struct filter_opts *o, struct cws_policy **out,
		bool quiet);

/* Prints the -n summary on stdout (each rule with -v). */
void filter_summary(const struct cws_policy *p);

/* run.c */

/* Runs the stream loop until the end of input; returns an exit code. */
int filter_run(const struct filter_opts *o, struct cws_policy *pol);

/* Monotonic milliseconds. */
long long filter_now_ms(void);

/* match.c */

/* Prepares the per-rule state for f->pol; carries counters from old. */
int filter_rules_init(struct filter *f, const struct cws_policy *old,
		      const struct rule_state *old_st);

/* Evaluates one event record: every matching rule runs and writes. */
void filter_event(struct filter *f, const struct cws_event *ev);

/* held.c */

/*
 * Appends to f->acts, from index n, an item per hash action of r that
 * applies to ev; exec files are hashed at once, the others are left
 * pending in f->pend. Returns the new count.
 */
uint32_t filter_hash_actions(struct filter *f, const struct cws_policy_rule *r,
			     const struct cws_event *ev, uint32_t n);

/*
 * Holds the match (ev, er) until its hash actions can run: 0 when held.
 * Otherwise (nothing pending, -ENOENT; or no memory) the pending
 * actions are run now and the caller writes the match as usual.
 */
int filter_hold(struct filter *f, const struct cws_event *ev,
		const struct cws_event_rule *er);

/* Writes the matches held for pid, which exited. */
void filter_held_exit(struct filter *f, uint32_t pid);

/* Writes the held matches whose time is up or whose process is gone;
 * all of them if all. */
void filter_held_check(struct filter *f, bool all);

/* Writes every held match, then frees the hasher and the queue. */
void filter_held_release(struct filter *f);

/* report.c */

/* Writes ruleset_loaded then a heartbeat (start and every reload). */
void filter_write_loaded(struct filter *f);

/* Writes a heartbeat record. */
void filter_write_heartbeat(struct filter *f);

/* Rewrites <run_path>/cws-filter.json; state is "running" or "stopped". */
void filter_write_status(struct filter *f, const char *state);

#endif
