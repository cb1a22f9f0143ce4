/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The stream loop. Records are read with lib/event's reader; control
 * records go out as the bytes they came in, events go through the
 * ruleset, retire records go out for the keys of our own process
 * records. Output is buffered and flushed whenever the reader is about
 * to read(2), that is when no complete record waits in the input, so a
 * live pipeline sees matches at once and a replay is written in large
 * blocks.
 *
 * Signals only set flags; a one-second interval timer interrupts a
 * blocked read(2) and marks the tick at which the status file and the
 * heartbeats are looked at, whether the input is silent or busy (the
 * loop does not read the clock per record). SIGHUP builds a whole new
 * policy set and swaps it in only if it loaded rules; otherwise the old
 * one stays and the failure is said.
 *
 * SIGINT and SIGTERM end the filter at the end of its input, not before:
 * a terminal signals every stage of `cws-probe | cws-filter | ...` at
 * once, and the probe closes its output as soon as it has written what
 * it captured, so reading on loses nothing and takes milliseconds. When
 * the upstream is something else that does not end, a second signal ends
 * the filter at once.
 */
#include "compat.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "exit.h"
#include "sigs.h"
#include "filter.h"
#include "broker.h"
#include "config.h"
#include "sandbox.h"

static volatile sig_atomic_t stop_signal, hup_signal, usr1_signal;
static volatile sig_atomic_t new_reader_signal; /* CWS_SIG_NEW_READER */
static volatile sig_atomic_t tick_signal = 1; /* the first pass is a tick */
/* SIGUSR2: cws run set a log level; the first pass reads it too. */
static volatile sig_atomic_t usr2_signal = 1;

static void on_stop(int sig)
{
	if (stop_signal)
		cws_log_second_signal(sig);
	stop_signal = sig;
}

static void on_hup(int sig)
{
	(void)sig;
	hup_signal = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1_signal = 1;
}

static void on_usr2(int sig)
{
	(void)sig;
	usr2_signal = 1;
}

static void on_new_reader(int sig)
{
	(void)sig;
	new_reader_signal = 1;
}

/*
 * SIGUSR1 (cws self-test, when self_test.send_report): the result in
 * <run_path>/cws-selftest.json goes downstream as a selftest record,
 * which cws-ship sends as Datadog's self-test report. The filter writes
 * it because it owns its output: nothing else may write into the pipe.
 */
static void send_self_test(struct filter *f)
{
	char path[4200];
	const char *ok[8], *ko[8];
	struct cws_event ev;
	json_error_t jerr;
	json_t *doc, *v;
	size_t i;
	int err;

	snprintf(path, sizeof(path), "%s/cws-selftest.json", f->opts->run_path);
	doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		cws_warnx("SIGUSR1: no self-test result to send: %s: %s", path,
			  jerr.text);
		return;
	}
	cws_event_clear(&ev);
	ev.type = CWS_REC_SELFTEST;
	ev.timestamp = cws_event_now();
	ev.selftest.succeeded.v = ok;
	ev.selftest.failed.v = ko;
	json_array_foreach(json_object_get(doc, "succeeded_tests"), i, v)
		if (i < 8 && json_is_string(v))
			ok[ev.selftest.succeeded.n++] = json_string_value(v);
	json_array_foreach(json_object_get(doc, "failed_tests"), i, v)
		if (i < 8 && json_is_string(v))
			ko[ev.selftest.failed.n++] = json_string_value(v);
	err = cws_writer_put(&f->wr, &ev);
	if (!err)
		err = cws_writer_flush(&f->wr);
	if (err)
		f->werr = err;
	else
		f->controls_sent++;
	json_decref(doc);
}

static void on_tick(int sig)
{
	(void)sig;
	tick_signal = 1;
}

long long filter_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int setup_signals(void)
{
	const struct cws_sig sigs[] = {
		{ SIGINT, on_stop },
		{ SIGTERM, on_stop },
		{ SIGHUP, on_hup },
		{ SIGUSR1, on_usr1 },
		{ SIGUSR2, on_usr2 },
		{ SIGALRM, on_tick },
		{ CWS_SIG_NEW_READER, on_new_reader },
	};

	return cws_signals(sigs, CWS_ARRAY_SIZE(sigs), FILTER_TICK_MS);
}

/*
 * Privileges go once the policies are read. Not root: no_new_privs and
 * the seccomp list. Root: the action broker is forked first (it keeps
 * what kill and hash actions need, broker.c), then cws-filter becomes
 * cws_user (no capability left), Landlock leaves it run_path to write
 * and the system's files, policies and configuration to read, and the
 * seccomp allow-list comes last. Without cws_user (no such user), as
 * before: root keeping only what its actions need.
 */
static int sandbox(const struct filter_opts *o, const struct cws_policy *pol,
		   bool hash)
{
	static const int kill_cap[] = { CAP_KILL };
	static const int hash_caps[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	static const char *const extra[] = { "pidfd_open",
					     "pidfd_send_signal" };
	const char *ro[12], *rw[1];
	char cfgdir[PATH_MAX], *p;
	size_t nro = 0;
	int caps[3], rc;
	size_t n = 0;
	uid_t uid;
	gid_t gid;

	if (!cws_sandbox_enabled())
		return 0;
	if (getuid() && geteuid()) {
		rc = cws_sandbox_no_new_privs();
	} else if (cws_sandbox_user_ids(o->cfg, &uid, &gid) ||
		   cws_sandbox_share_dir(o->cfg, o->run_path) ||
		   !cws_sandbox_user_reaches(o->cfg, &o->run_path, 1)) {
		cws_warnx("user '%s' (cws_user) does not exist or cannot "
			  "reach run_path: running as root, with only what "
			  "the actions need",
			  cws_config_get_string(o->cfg, "cws_user"));
		if (pol->has_kill)
			caps[n++] = kill_cap[0];
		if (hash) {
			caps[n++] = hash_caps[0];
			caps[n++] = hash_caps[1];
		}
		rc = cws_sandbox_keep_caps(caps, n);
	} else {
		rc = broker_start(o->hash.proc);
		if (!rc)
			rc = cws_sandbox_share_dir(o->cfg, o->run_path);
		if (!rc)
			rc = cws_sandbox_user(o->cfg);
	}
	if (rc)
		return rc;
	nro = cws_sandbox_system_ro(ro);
	if (o->policy_dir)
		ro[nro++] = o->policy_dir;
	if (o->self_test_dir)
		ro[nro++] = o->self_test_dir;
	snprintf(cfgdir, sizeof(cfgdir), "%s",
		 o->config_path ? o->config_path : CWS_CONFIG_DEFAULT_PATH);
	p = strrchr(cfgdir, '/');
	if (p)
		*p = '\0';
	ro[nro++] = p && *cfgdir ? cfgdir : ".";
	rw[0] = o->run_path;
	rc = cws_sandbox_landlock(ro, nro, rw, 1);
	if (rc == -EOPNOTSUPP)
		cws_debug("no Landlock in this kernel: file system rules off");
	else if (rc)
		return rc;
	return cws_sandbox_seccomp(extra, CWS_ARRAY_SIZE(extra));
}

/* Puts np in place of the running policies (np is taken). */
static void swap_in(struct filter *f, struct cws_policy *np)
{
	struct cws_policy *old = f->pol;
	struct rule_state *old_st = f->st;
	struct cws_lost_cause *old_drops = f->drops;

	f->st = NULL;
	f->drops = NULL;
	f->pol = np;
	if (filter_rules_init(f, old, old_st)) {
		cws_errorx("reload failed: out of memory; keeping the previous "
			   "policies");
		f->pol = old;
		f->st = old_st;
		f->drops = old_drops;
		cws_policy_free(np);
		f->reload_failures++;
		return;
	}
	free(old_st);
	free(old_drops);
	cws_policy_free(old);
	f->reloads++;
	f->loaded_ns = cws_event_now();
	f->next_expire = 0;
	if (np->has_kill)
		cws_warnx("kill actions loaded by a reload work only if "
			  "CAP_KILL was kept at start");
	if (np->has_hash && !f->hasher)
		cws_warnx("hash actions loaded by a reload are not run: "
			  "none was loaded at start");
	cws_info("policies reloaded: %zu loaded, %zu filtered, %zu failed",
		 np->loaded, np->filtered, np->failed);
	/* Before the first record, the stream's hello must come first. */
	if (!f->pending_loaded)
		filter_write_loaded(f);
	filter_write_status(f, "running");
}

/*
 * A reload takes effect where cws-probe's kernel filters follow the new
 * policies, never before: until then the stream is filtered for the old
 * ones, and an event that only a new rule matches may not be in it. So a
 * reloaded policy waits (pending) until a hello or heartbeat of the probe
 * carries its digest; the probe writes one as its own reload opens the
 * kernel filters (cws-probe(8)). With no kernel filter upstream, or one
 * that already follows the new policies, it applies at once. A pending
 * policy that waits longer than FILTER_KF_WAIT_MS is applied anyway, with
 * a warning (the probe was not reloaded, or follows other policies).
 */
static void kf_check_pending(struct filter *f, bool force)
{
	struct cws_policy *np = f->pending;

	if (!np)
		return;
	if (!force && f->upstream_kf && f->upstream_kf != cws_policy_digest(np))
		return;
	if (force)
		cws_warnx("reloaded policies applied without cws-probe's "
			  "kernel filters following them (%016llx, theirs "
			  "%016llx): events only the new rules match may have "
			  "been dropped in the kernel",
			  (unsigned long long)cws_policy_digest(np),
			  (unsigned long long)f->upstream_kf);
	f->pending = NULL;
	swap_in(f, np);
}

/* A control record of cws-probe: which policies its kernel follows. */
static void kf_upstream(struct filter *f, const struct cws_event *ev)
{
	uint64_t kf;

	if (ev->type == CWS_REC_HELLO && ev->hello.producer &&
	    !strcmp(ev->hello.producer, "cws-probe"))
		kf = ev->hello.kernel_filter;
	else if (ev->type == CWS_REC_HEARTBEAT && ev->heartbeat.producer &&
		 !strcmp(ev->heartbeat.producer, "cws-probe"))
		kf = ev->heartbeat.kernel_filter;
	else
		return;
	f->upstream_kf = kf;
	kf_check_pending(f, false);
	/* Twice in a row: a reload of the probe alone is no mismatch yet. */
	if (kf && !f->pending && kf != cws_policy_digest(f->pol) &&
	    ++f->kf_mismatch >= 2) {
		if (!f->kf_warned)
			cws_warnx(
				"cws-probe filters in the kernel for other "
				"policies (%016llx, ours %016llx): events "
				"only our rules match may never reach us; give "
				"both the same -p, -e/-r and -S",
				(unsigned long long)kf,
				(unsigned long long)cws_policy_digest(f->pol));
		f->kf_warned = true;
	} else if (!kf || kf == cws_policy_digest(f->pol)) {
		f->kf_warned = false;
		f->kf_mismatch = 0;
	}
}

static void reload(struct filter *f)
{
	struct cws_policy *np;
	int err;

	cws_info("reloading policies");
	err = filter_load(f->opts, &np, false);
	if (!err && !np->loaded) {
		cws_policy_free(np);
		err = -ENOENT;
		cws_errorx("reload failed: no rule loaded; keeping the "
			   "previous policies");
	} else if (err) {
		cws_errorx("reload failed; keeping the previous policies");
	}
	if (err) {
		f->reload_failures++;
		snprintf(f->last_error, sizeof(f->last_error),
			 "reload failed: %s",
			 err == -ENOENT ? "no rule loaded" : strerror(-err));
		return;
	}
	cws_policy_free(f->pending);
	f->pending = np;
	f->pending_since_ms = filter_now_ms();
	kf_check_pending(f, false);
	if (f->pending)
		cws_info("policies loaded (%016llx); applied from the point "
			 "where cws-probe's kernel filters follow them",
			 (unsigned long long)cws_policy_digest(np));
}

static void periodic(struct filter *f)
{
	long long now = filter_now_ms();

	/* Nothing of ours goes before the input's hello. */
	if (!f->pending_loaded && now >= f->next_hb_ms) {
		filter_write_heartbeat(f);
		if (f->hb_fast_left > 0)
			f->hb_fast_left--;
		f->next_hb_ms = now + (f->hb_fast_left > 0 ? FILTER_HB_FAST_MS :
							     FILTER_HB_SLOW_MS);
	}
	if (f->pending && now - f->pending_since_ms >= FILTER_KF_WAIT_MS)
		kf_check_pending(f, true);
	if (now >= f->next_status_ms) {
		f->next_status_ms = now + FILTER_STATUS_MS;
		filter_write_status(f, "running");
	}
}

/* The reader is about to read(2): what is buffered goes out first. */
static int flush_before_read(void *arg)
{
	struct filter *f = arg;

	if (!f->werr && f->wr.sbuf.size)
		f->werr = cws_writer_flush(&f->wr);
	return f->werr;
}

static void handle(struct filter *f, struct cws_event *ev)
{
	f->records++;
	if (ev->type != CWS_REC_HELLO && f->pending_loaded)
		filter_write_loaded(f);
	if (ev->type == CWS_REC_EVENT) {
		filter_event(f, ev);
		return;
	}
	if (ev->type == CWS_REC_RETIRE) {
		/*
		 * Our reader retired the keys; ours go on for the reader of
		 * our matches, whatever matched (cws-event(5)).
		 */
		if (!f->werr)
			f->werr = cws_writer_put_retire(&f->wr, ev->retire.keys,
							ev->retire.n);
		return;
	}
	f->controls++;
	kf_upstream(f, ev);
	if (!f->werr) {
		int rc = cws_writer_put_raw(&f->wr, ev->raw, ev->raw_len);

		if (rc)
			f->werr = rc;
	}
	/* The stream starts with hello: ruleset_loaded comes after it. */
	if (ev->type == CWS_REC_HELLO && f->pending_loaded)
		filter_write_loaded(f);
}

static int loop(struct filter *f)
{
	struct cws_event_err err;
	bool stopping = false;
	int n;

	for (;;) {
		if (stop_signal && !stopping) {
			stopping = true;
			cws_debug("%s: reading to the end of the input",
				  strsignal(stop_signal));
		}
		if (hup_signal) {
			hup_signal = 0;
			reload(f);
		}
		if (usr1_signal) {
			usr1_signal = 0;
			send_self_test(f);
		}
		if (usr2_signal) {
			usr2_signal = 0;
			cws_log_runtime_level(f->opts->run_path);
		}
		if (new_reader_signal) {
			new_reader_signal = 0;
			cws_writer_forget(&f->wr);
			cws_info("a new reader of standard output: process "
				 "records are written again");
		}
		if (tick_signal) {
			tick_signal = 0;
			periodic(f);
			if (f->nheld)
				filter_held_check(f, false);
		}
		if (f->werr)
			break;
		n = cws_reader_next(&f->rd, f->ev, &err);
		if (n == 0 || f->werr)
			break;
		if (n == -EINTR)
			continue;
		if (n == -EBADMSG) {
			f->bad_records++;
			snprintf(f->last_error, sizeof(f->last_error),
				 "offset %llu: %s",
				 (unsigned long long)err.offset, err.msg);
			if (cws_ratelimit_ok(&f->bad_rl))
				cws_errorx("offset %llu: %s",
					   (unsigned long long)err.offset,
					   err.msg);
			continue;
		}
		if (n < 0) {
			errno = -n;
			cws_error("cannot read standard input");
			return CWS_EXIT_FAILURE;
		}
		handle(f, f->ev);
	}
	/* The input ended: what waits for a hash goes out now. */
	filter_held_check(f, true);
	if (f->pending_loaded)
		filter_write_loaded(f);
	if (!f->werr)
		f->werr = cws_writer_flush(&f->wr);
	if (f->werr == -EPIPE) {
		cws_info("standard output closed, stopping");
		return CWS_EXIT_FAILURE;
	}
	if (f->werr) {
		errno = -f->werr;
		cws_error("cannot write to standard output");
		return CWS_EXIT_FAILURE;
	}
	return CWS_EXIT_OK;
}

int filter_run(const struct filter_opts *o, struct cws_policy *pol)
{
	struct filter *f = calloc(1, sizeof(*f));
	int rc = CWS_EXIT_FAILURE, err;

	if (!f) {
		cws_errorx("out of memory");
		cws_policy_free(pol);
		return CWS_EXIT_FAILURE;
	}
	f->opts = o;
	f->pol = pol;
	f->bad_rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(10, 5);
	f->err_rl = (struct cws_ratelimit)CWS_RATELIMIT_INIT(10, 5);
	f->started_ns = f->loaded_ns = cws_event_now();
	f->pending_loaded = true;
	if (o->rate > 0) {
		f->interval_ns = 1000000000ull / (uint64_t)o->rate;
		f->tolerance_ns = f->interval_ns *
				  (uint64_t)(o->burst > 1 ? o->burst - 1 : 0);
	}
	f->ev = malloc(sizeof(*f->ev));
	f->cev = malloc(sizeof(*f->cev));
	if (!f->ev || !f->cev || filter_rules_init(f, NULL, NULL) ||
	    cws_reader_init(&f->rd, STDIN_FILENO)) {
		cws_errorx("out of memory");
		goto out_free;
	}
	cws_writer_init(&f->wr, STDOUT_FILENO);
	f->rd.on_wait = flush_before_read;
	f->rd.on_wait_arg = f;
	f->rd.want_retire = true;
	/* Hash actions need a hasher from the start: privileges go next. */
	if (pol->has_hash && o->hash_enabled) {
		f->hasher = hasher_new(&o->hash);
		f->held = calloc(FILTER_HASH_MAX_HELD, sizeof(*f->held));
		if (!f->hasher || !f->held) {
			cws_errorx("out of memory");
			goto out_release;
		}
	}
	err = sandbox(o, pol, f->hasher != NULL);
	if (err) {
		cws_errorx("cannot sandbox itself: %s", strerror(-err));
		goto out_release;
	}
	cws_sandbox_test_hook();
	err = setup_signals();
	if (err) {
		cws_errorx("cannot set up signals: %s", strerror(-err));
		goto out_release;
	}
	f->next_status_ms = filter_now_ms();
	f->next_hb_ms = filter_now_ms() + FILTER_HB_FAST_MS;
	rc = loop(f);
	if (stop_signal)
		cws_debug("stopped by signal %d", (int)stop_signal);
	filter_write_status(f, "stopped");

out_release:
	filter_held_release(f);
	cws_writer_release(&f->wr);
	cws_reader_release(&f->rd);
out_free:
	cws_policy_free(f->pol);
	cws_policy_free(f->pending);
	free(f->st);
	free(f->drops);
	free(f->ev);
	free(f->cev);
	free(f);
	return rc;
}
