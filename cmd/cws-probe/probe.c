/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Load, attach, poll. The BPF side writes records with BPF_RB_NO_WAKEUP
 * until enough data is pending (bpf/maps.bpf.h), so epoll alone would leave
 * a quiet system's events sitting in the ring: the loop polls with a
 * timeout and then consumes whatever is there, woken or not. Each pass
 * ends with one flush of stdout, so `cws-probe | cws-cat` shows an event
 * within one poll period while a busy system still gets large writes.
 *
 * Between passes the loop also reads the per-CPU drop counters (a "lost"
 * record when they grew) and writes the periodic heartbeat.
 *
 * On SIGINT or SIGTERM (which a terminal sends to every stage of a
 * pipeline at once) the programs stop writing (probe_stopped in
 * bpf/maps.bpf.h), the loop waits one RCU grace period for those already
 * past that check, reads the ring to its end, writes the final lost and
 * heartbeat records and closes stdout: the stages downstream, which read
 * to their end of input, see it within milliseconds. Only then are the
 * programs detached, the slow part: the kernel waits for grace periods
 * for each tracepoint, one after the other under its event_mutex (about
 * 70 ms each on 6.18, 5 s for the 70 of every event type). Anything that
 * reached the ring but cannot be written is counted in the status file
 * and said on stderr. A second signal ends the probe at once.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <linux/capability.h>
#include <linux/membarrier.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "exit.h"
#include "policy.h"
#include "probe.h"
#include "sigs.h"
#include "sandbox.h"
#include "status.h"

#include "bpf/cws.skel.h"

struct probe {
	struct cws_bpf *skel;
	struct ring_buffer *rb;
	struct cws_emit *emit;
	int ncpus;
	uint64_t *percpu; /* one drops map value per possible CPU */
	uint64_t drops[CWS_KEV_DROP_SLOTS]; /* totals already reported */
	int werr; /* first write error: stops the loop */
	uint64_t started; /* ns since the epoch */
	long long next_status; /* monotonic ms */
	bool status_failed; /* reported once */
	uint64_t attached; /* event types with a loaded program */
	uint64_t unwritten; /* ring records left after a write error */
	struct cws_fanout *fan; /* -u: the stream on a socket too */
	struct cws_tc tc; /* the DNS classifier's filters */
	struct cws_kfilter kf; /* kf.pol NULL: no kernel filter */
};

#define STATUS_INTERVAL_MS 2000

static volatile sig_atomic_t stop_signal, hup_signal;
static volatile sig_atomic_t new_reader_signal; /* CWS_SIG_NEW_READER */
/* SIGUSR2: cws run set a log level; the first pass reads it too. */
static volatile sig_atomic_t usr2_signal = 1;
static volatile sig_atomic_t output_closed; /* a second signal loses none */
static struct timespec stop_ts; /* when the first stop signal came */
static bool libbpf_verbose;

/*
 * A second SIGINT or SIGTERM is the way out of a drain that cannot end
 * (an output nobody reads): the signal again, with its default action,
 * once this handler returns.
 */
static void stop_now(int sig)
{
	static const char lost[] = "cws-probe: warning: second signal: "
				   "exiting without draining the ring "
				   "buffer\n";
	ssize_t n = 0;

	if (!output_closed)
		n = write(STDERR_FILENO, lost, sizeof(lost) - 1);
	(void)n;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR2) {
		usr2_signal = 1;
	} else if (sig == CWS_SIG_NEW_READER) {
		new_reader_signal = 1;
	} else if (sig == SIGHUP) {
		hup_signal = 1;
	} else if (!stop_signal) {
		clock_gettime(CLOCK_MONOTONIC, &stop_ts);
		stop_signal = sig;
	} else {
		stop_now(sig);
	}
}

/*
 * libbpf's messages go through the log module. Its warnings are mostly
 * about features it probes and falls back from, so they are debug output
 * unless -v was given; the error that matters is ours, printed after.
 */
static int CWS_PRINTF(2, 0)
	libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static char buf[65536]; /* a verifier log comes in one call */
	enum cws_log_level lvl;
	char *line, *next;

	switch (level) {
	case LIBBPF_WARN:
		lvl = libbpf_verbose ? CWS_LOG_WARNING : CWS_LOG_DEBUG;
		break;
	case LIBBPF_INFO:
		lvl = CWS_LOG_DEBUG;
		break;
	default:
		lvl = CWS_LOG_TRACE;
		break;
	}
	if (!cws_log_enabled(lvl))
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	for (line = buf; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (*line)
			cws_log(lvl, "%s%s",
				strncmp(line, "libbpf: ", 8) ? "libbpf: " : "",
				line);
	}
	return 0;
}

static bool needs_tracefs(struct bpf_object *obj)
{
	struct bpf_program *prog;

	for (prog = bpf_object__next_program(obj, NULL); prog;
	     prog = bpf_object__next_program(obj, prog)) {
		const char *sec = bpf_program__section_name(prog);

		if (!bpf_program__autoload(prog))
			continue;
		if (!strncmp(sec, "tracepoint/", 11) || !strncmp(sec, "tp/", 3))
			return true;
	}
	return false;
}

/*
 * Whether the kernel has BTF tracepoint name (a tp_btf program's), by its
 * btf_trace_<name> type in the kernel's BTF, parsed once (NULL: not yet).
 * Without the BTF to tell, the program is left to load and fail loudly.
 */
static bool has_btf_tracepoint(struct btf **vmlinux, const char *name)
{
	char type[256];

	if (!*vmlinux) {
		*vmlinux = btf__load_vmlinux_btf();
		if (!*vmlinux)
			return true;
	}
	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return btf__find_by_name_kind(*vmlinux, type, BTF_KIND_TYPEDEF) >= 0;
}

/*
 * Syscalls newer than the running kernel (fchmodat2 in 6.6, setxattrat in
 * 6.13) have no tracepoint, nor does a kernel built without io_uring have
 * the io_uring ones: their programs are not loaded rather than failing
 * the attach of everything else.
 */
static void skip_missing_tracepoints(struct bpf_object *obj)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events"
	};
	/* tp_btf tracepoints every kernel the probe runs on has. */
	static const char *const always[] = { "sys_exit", "sched_process_exec",
					      "sched_process_fork",
					      "sched_process_exit" };
	struct btf *vmlinux = NULL;
	struct bpf_program *prog;
	char path[512];
	unsigned i, j;

	for (i = 0; i < CWS_ARRAY_SIZE(roots); i++)
		if (!access(roots[i], F_OK))
			break;
	bpf_object__for_each_program(prog, obj)
	{
		const char *sec = bpf_program__section_name(prog);
		const char *tp = NULL;

		if (!bpf_program__autoload(prog))
			continue;
		if (!strncmp(sec, "tracepoint/", 11) &&
		    i < CWS_ARRAY_SIZE(roots)) {
			snprintf(path, sizeof(path), "%s/%s", roots[i],
				 sec + 11);
			if (access(path, F_OK))
				tp = sec + 11;
		} else if (!strncmp(sec, "tp_btf/", 7)) {
			for (j = 0; j < CWS_ARRAY_SIZE(always); j++)
				if (!strcmp(sec + 7, always[j]))
					break;
			if (j == CWS_ARRAY_SIZE(always) &&
			    !has_btf_tracepoint(&vmlinux, sec + 7))
				tp = sec + 7;
		}
		if (tp) {
			cws_debug(
				"no tracepoint '%s' in this kernel: '%s' not loaded",
				tp, bpf_program__name(prog));
			bpf_program__set_autoload(prog, false);
		}
	}
	btf__free(vmlinux);
}

static void explain_load_error(int err)
{
	switch (-err) {
	case EPERM:
		cws_log(CWS_LOG_FATAL,
			"cannot load BPF programs: %s: cws-probe needs root, or CAP_BPF and CAP_PERFMON",
			strerror(-err));
		break;
	case ENOSYS:
		cws_log(CWS_LOG_FATAL,
			"cannot load BPF programs: %s: the kernel has no bpf(2) (CONFIG_BPF_SYSCALL)",
			strerror(-err));
		break;
	default:
		cws_log(CWS_LOG_FATAL, "cannot load BPF programs: %s%s",
			strerror(-err),
			libbpf_verbose ? "" :
					 " (run with -v for libbpf's log)");
		break;
	}
}

/* Names the program cws_bpf__attach stopped at: the first without a link. */
static const char *failed_program(const struct cws_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	int i;

	for (i = 0; i < s->prog_cnt; i++)
		if (!*s->progs[i].link)
			return s->progs[i].name;
	return "?";
}

/*
 * CWS_SIG_NEW_READER: the reader of stdout was replaced (cws run started
 * it again), so the next event of each process goes with its records.
 * Looked at per record too: one ring_buffer__consume may write all that
 * the ring gathered while the reader was down.
 */
static void new_reader(struct probe *pr)
{
	new_reader_signal = 0;
	cws_writer_forget(&pr->emit->w);
	cws_info("a new reader of standard output: process records are "
		 "written again");
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct probe *pr = ctx;
	int err;

	if (new_reader_signal)
		new_reader(pr);

	/* Once stdout failed, what is left is only counted. */
	if (pr->werr) {
		pr->unwritten++;
		return 0;
	}
	err = cws_emit_record(pr->emit, data, size);
	if (err)
		pr->werr = err;
	return 0;
}

/* Writes a "lost" record when the kernel's drop counters grew. */
static int check_drops(struct probe *pr)
{
	uint64_t delta[CWS_KEV_DROP_SLOTS] = { 0 };
	int fd = bpf_map__fd(pr->skel->maps.drops);
	__u32 key;
	int i;

	for (key = 0; key < CWS_KEV_DROP_SLOTS; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &key, pr->percpu))
			continue;
		for (i = 0; i < pr->ncpus; i++)
			sum += pr->percpu[i];
		delta[key] = sum - pr->drops[key];
		pr->drops[key] = sum;
	}
	return cws_emit_lost(pr->emit, delta);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds from since to now, for the stop's debug lines. */
static double ms_since(const struct timespec *since)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)(ts.tv_sec - since->tv_sec) * 1e3 +
	       (double)(ts.tv_nsec - since->tv_nsec) / 1e6;
}

/* Adds {name: count} for the non-zero counts to obj under key. */
static void json_counts(json_t *obj, const char *key, const uint64_t *counts,
			unsigned n, const char *(*name)(unsigned))
{
	json_t *m = json_object();
	unsigned i;

	for (i = 0; i < n; i++)
		if (counts[i])
			json_object_set_new(
				m, name(i),
				json_integer((json_int_t)counts[i]));
	json_object_set_new(obj, key, m);
}

static const char *type_name(unsigned t)
{
	return cws_event_type_name(t);
}

static const char *cause_name(unsigned c)
{
	return cws_emit_drop_cause(c);
}

/*
 * Writes <run_path>/cws-probe.json: what is attached, counters, and drops
 * per cause and type since start. A failure is reported once; the probe
 * goes on without a status file rather than stop capturing.
 */
static void write_status(struct probe *pr, const struct cws_probe_opts *opts,
			 const char *state)
{
	uint64_t causes[CWS_KEV_DROP__COUNT] = { 0 };
	uint64_t types[CWS_KEV_EVT__COUNT] = { 0 };
	const struct cws_emit *e = pr->emit;
	json_t *doc, *kernel, *lost, *enabled;
	struct cws_proc_stats ps;
	char now[32], started[32];
	struct utsname u;
	unsigned i, t;
	int err;

	if (!opts->run_path || !*opts->run_path)
		return;
	for (i = 0; i < CWS_KEV_DROP__COUNT; i++)
		for (t = 0; t < CWS_KEV_EVT__COUNT; t++) {
			causes[i] += pr->drops[CWS_KEV_DROP_INDEX(i, t)];
			types[t] += pr->drops[CWS_KEV_DROP_INDEX(i, t)];
		}
	cws_status_time(now, sizeof(now), cws_event_now());
	cws_status_time(started, sizeof(started), pr->started);
	enabled = json_array();
	for (t = 1; t < CWS_EVT__COUNT; t++)
		if (pr->attached & (1ull << t))
			json_array_append_new(
				enabled, json_string(cws_event_type_name(t)));
	kernel = json_object();
	if (!uname(&u))
		json_object_set_new(kernel, "release", json_string(u.release));
	json_object_set_new(kernel, "btf",
			    json_boolean(!access(CWS_PROBE_BTF_PATH, R_OK)));
	lost = json_object();
	json_object_set_new(lost, "total", json_integer((json_int_t)e->lost));
	/* Taken from the ring, never written: stdout failed first. */
	json_object_set_new(lost, "unwritten",
			    json_integer((json_int_t)pr->unwritten));
	json_counts(lost, "causes", causes, CWS_KEV_DROP__COUNT, cause_name);
	json_counts(lost, "types", types, CWS_KEV_EVT__COUNT, type_name);

	doc = json_object();
	json_object_set_new(doc, "tool", json_string("cws-probe"));
	json_object_set_new(doc, "sandbox",
			    json_string(cws_sandbox_enabled() ? "on" : "off"));
	json_object_set_new(doc, "version", json_string(CWS_VERSION));
	json_object_set_new(doc, "pid", json_integer(getpid()));
	json_object_set_new(doc, "state", json_string(state));
	json_object_set_new(doc, "started_at", json_string(started));
	json_object_set_new(doc, "updated_at", json_string(now));
	json_object_set_new(
		doc, "uptime_seconds",
		json_integer((json_int_t)((cws_event_now() - pr->started) /
					  1000000000ull)));
	json_object_set_new(doc, "kernel", kernel);
	json_object_set_new(doc, "ring_buffer_bytes",
			    json_integer((json_int_t)opts->ring_size));
	json_object_set_new(doc, "events_attached", enabled);
	json_object_set_new(doc, "events", json_integer((json_int_t)e->events));
	json_object_set_new(doc, "filtered",
			    json_integer((json_int_t)e->filtered));
	json_object_set_new(doc, "bad_records",
			    json_integer((json_int_t)e->bad));
	json_object_set_new(doc, "lost", lost);
	cws_writer_proc_stats(&e->w, &ps);
	json_object_set_new(doc, "process_records",
			    cws_status_proc(&ps, false));
	if (pr->fan) {
		const struct cws_fanout_stats *fs = cws_fanout_stats(pr->fan);
		json_t *sub = json_object();

		json_object_set_new(sub, "path",
				    json_string(cws_fanout_path(pr->fan)));
		json_object_set_new(sub, "connected",
				    json_integer((json_int_t)fs->connected));
		json_object_set_new(sub, "served",
				    json_integer((json_int_t)fs->served));
		json_object_set_new(sub, "cut_off",
				    json_integer((json_int_t)fs->cut_off));
		json_object_set_new(sub, "closed",
				    json_integer((json_int_t)fs->closed));
		json_object_set_new(sub, "refused",
				    json_integer((json_int_t)fs->refused));
		json_object_set_new(sub, "bytes",
				    json_integer((json_int_t)fs->bytes));
		json_object_set_new(doc, "subscribers", sub);
	}
	if (pr->kf.pol)
		cws_kfilter_status(&pr->kf, doc);

	err = cws_status_write(opts->run_path, "cws-probe", doc);
	json_decref(doc);
	if (err && !pr->status_failed) {
		pr->status_failed = true;
		cws_log(CWS_LOG_WARNING,
			"cannot write the status file in '%s': %s",
			opts->run_path, strerror(-err));
	}
}

/* Event types of the classifiers. */
#define NETEV_TYPES \
	(1ull << CWS_EVT_DNS | 1ull << CWS_EVT_IMDS | 1ull << CWS_EVT_PACKET)

/* The event types the classifiers look for: rules' or -e's. */
static uint64_t net_types(const struct probe *pr,
			  const struct cws_probe_opts *opts)
{
	return (pr->kf.pol ? cws_kfilter_hooked(&pr->kf) : opts->events) &
	       NETEV_TYPES;
}

/*
 * SIGHUP: the policies again, and the kernel filters for them, in an
 * order that drops nothing a new rule would match (kfilter.c): the
 * gates open (programs of new types attached first), what the ring holds
 * is read out under the old policy, a heartbeat says which policy the
 * records after it are filtered for, and the gates close for the new
 * one. A policy that fails to load leaves everything as it was. Returns
 * a write error, else 0.
 */
static int reload(struct probe *pr, const struct cws_probe_opts *opts)
{
	struct cws_policy *np;
	uint64_t old_hooked;
	int n, err;

	if (!pr->kf.pol) {
		cws_info("SIGHUP: no policy given, nothing to reload");
		return 0;
	}
	if (cws_kfilter_load(opts, &np)) {
		cws_warnx("SIGHUP: the policies did not load; the kernel "
			  "filters stay as they were");
		return 0;
	}
	old_hooked = cws_kfilter_hooked(&pr->kf);
	cws_kfilter_open_gates(&pr->kf);
	err = cws_probe_attach(pr->skel->skeleton,
			       old_hooked |
				       cws_kfilter_hooked_with(&pr->kf, np));
	if (err)
		cws_warnx("SIGHUP: a new event type could not be attached; "
			  "its rules see nothing until cws-probe restarts");
	if ((cws_kfilter_hooked_with(&pr->kf, np) & NETEV_TYPES) && !pr->tc.n)
		cws_warnx("SIGHUP: dns, imds and packet rules need the "
			  "classifiers, which are attached at start only: "
			  "restart cws-probe");
	else if ((cws_kfilter_hooked_with(&pr->kf, np) &
		  (1ull << CWS_EVT_IMDS | 1ull << CWS_EVT_PACKET)) &&
		 !pr->tc.ingress)
		cws_warnx("SIGHUP: imds and packet rules see only packets "
			  "going out until cws-probe restarts (no classifier "
			  "on the ingress hooks)");
	pr->emit->events_mask |= cws_secl_ruleset_event_types(np->rs);
	n = ring_buffer__consume(pr->rb);
	if (n < 0)
		cws_warnx("SIGHUP: cannot read the ring buffer: %s",
			  strerror(-n));
	cws_kfilter_swap(&pr->kf, np);
	pr->emit->kernel_filter = pr->kf.digest;
	err = cws_emit_heartbeat(pr->emit);
	if (!err)
		err = cws_emit_flush(pr->emit);
	cws_kfilter_close_gates(&pr->kf);
	if (cws_probe_attach(pr->skel->skeleton, cws_kfilter_hooked(&pr->kf)))
		cws_warnx("SIGHUP: cannot detach the programs of event types "
			  "no rule uses any more");
	pr->emit->events_mask = cws_kfilter_wanted(&pr->kf);
	pr->attached = cws_kfilter_hooked(&pr->kf) &
		       cws_kfilter_wanted(&pr->kf);
	/* New packet filters, and imds or packet on or off. */
	if (pr->tc.n)
		cws_netev_apply(pr->skel, opts, net_types(pr, opts),
				pr->kf.pol);
	cws_info("policies reloaded: %zu rules; kernel filters for %016llx",
		 pr->kf.pol->loaded, (unsigned long long)pr->kf.digest);
	write_status(pr, opts, "running");
	return err;
}

/* One pass: poll, consume, then the control records, then one flush. */
static int poll_once(struct probe *pr, const struct cws_probe_opts *opts,
		     long long *next_heartbeat)
{
	int n, err;

	if (usr2_signal) {
		usr2_signal = 0;
		cws_log_runtime_level(opts->run_path);
	}
	if (hup_signal) {
		hup_signal = 0;
		err = reload(pr, opts);
		if (err)
			return err;
	}
	if (new_reader_signal)
		new_reader(pr);
	cws_emit_sync_clock(pr->emit);
	n = ring_buffer__poll(pr->rb, CWS_PROBE_POLL_MS);
	/* Records written with BPF_RB_NO_WAKEUP woke nobody: read them too. */
	if (n >= 0 || n == -EINTR)
		n = ring_buffer__consume(pr->rb);
	if (pr->werr)
		return pr->werr;
	if (n < 0 && n != -EINTR) {
		cws_log(CWS_LOG_ERROR, "cannot read the ring buffer: %s",
			strerror(-n));
		return n;
	}
	cws_tc_poll(&pr->tc);
	err = check_drops(pr);
	if (!err && opts->heartbeat && now_ms() >= *next_heartbeat) {
		*next_heartbeat = now_ms() + opts->heartbeat * 1000LL;
		err = cws_emit_heartbeat(pr->emit);
	}
	if (!err)
		err = cws_emit_flush(pr->emit);
	pr->werr = err;
	/* Between two flushes: a new subscriber starts at a record. */
	if (!err && pr->fan)
		cws_fanout_service(pr->fan, cws_emit_greeting, pr->emit);
	if (now_ms() >= pr->next_status) {
		pr->next_status = now_ms() + STATUS_INTERVAL_MS;
		write_status(pr, opts, "running");
	}
	return err;
}

/*
 * No record is written from now on: the flag first, then one RCU grace
 * period, since every program runs under rcu_read_lock (trace_call_bpf,
 * the raw tracepoints' and tc's runners) and
 * membarrier(MEMBARRIER_CMD_GLOBAL) is synchronize_rcu() from user space.
 * On a nohz_full kernel, which refuses it, a short sleep stands in: a
 * program runs for microseconds.
 */
static void stop_programs(struct probe *pr)
{
	struct timespec pause = { .tv_nsec = 50 * 1000000 };

	__atomic_store_n(&pr->skel->bss->probe_stopped, 1, __ATOMIC_SEQ_CST);
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0)) {
		cws_debug("membarrier: %s: waiting 50 ms for the programs",
			  strerror(errno));
		nanosleep(&pause, NULL);
	}
}

/*
 * Once the programs are stopped: what is left in the ring, the final
 * counts, then stdout closed (/dev/null in its place, so that no file
 * opened later becomes fd 1). After a write error the ring is only
 * counted (on_record).
 */
static int drain(struct probe *pr, const struct cws_probe_opts *opts)
{
	int n, err = 0, null_fd;

	do
		n = ring_buffer__consume(pr->rb);
	while (n > 0);
	if (n < 0)
		cws_log(CWS_LOG_ERROR, "cannot read the ring buffer: %s",
			strerror(-n));
	if (!pr->werr) {
		err = check_drops(pr);
		if (!err && opts->heartbeat)
			err = cws_emit_heartbeat(pr->emit);
		if (!err)
			err = cws_emit_flush(pr->emit);
		pr->werr = err;
	}
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (close(STDOUT_FILENO) && !pr->werr && errno != EINTR)
		pr->werr = -errno;
	if (null_fd >= 0 && null_fd != STDOUT_FILENO) {
		dup2(null_fd, STDOUT_FILENO);
		close(null_fd);
	}
	output_closed = 1;
	return pr->werr;
}

/*
 * The detach takes seconds (see the top of this file) and nothing waits
 * for it: a child does it, with every descriptor the links hold, while
 * the probe exits, so that a shell (or cws run) sees the probe end as soon
 * as its output is closed. The programs write nothing meanwhile
 * (probe_stopped). Returns true in the probe, false in the child (which
 * detaches and exits) or when there is no child.
 */
static bool detach_in_background(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return false;
	if (pid > 0)
		return true;
	setsid();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return false;
}

static int run_loop(struct probe *pr, const struct cws_probe_opts *opts)
{
	long long next_heartbeat = now_ms() + opts->heartbeat * 1000LL;
	int err, derr;

	err = cws_emit_hello(pr->emit);
	if (!err)
		err = cws_emit_flush(pr->emit);
	pr->werr = err;
	while (!err && !stop_signal)
		err = poll_once(pr, opts, &next_heartbeat);

	stop_programs(pr);
	if (stop_signal)
		cws_debug("%s: programs stopped %.1f ms after the signal",
			  strsignal(stop_signal), ms_since(&stop_ts));
	derr = drain(pr, opts);
	if (stop_signal && !pr->werr)
		cws_debug("ring buffer drained, standard output closed %.1f ms "
			  "after the signal; %llu events, %llu lost",
			  ms_since(&stop_ts),
			  (unsigned long long)pr->emit->events,
			  (unsigned long long)pr->emit->lost);
	write_status(pr, opts, "stopped");

	if (pr->unwritten)
		cws_warnx("%llu records read from the ring buffer were not "
			  "written (counted in the status file as "
			  "lost.unwritten)",
			  (unsigned long long)pr->unwritten);
	if (pr->werr == -EPIPE) {
		cws_info("standard output closed, stopping");
		return CWS_EXIT_FAILURE;
	}
	if (pr->werr) {
		cws_log(CWS_LOG_ERROR, "cannot write to standard output: %s",
			strerror(-pr->werr));
		return CWS_EXIT_FAILURE;
	}
	return err || derr ? CWS_EXIT_FAILURE : CWS_EXIT_OK;
}

/*
 * Once the programs are attached and the ring buffer is mapped, the probe
 * keeps only what its steady state uses: reading other users' /proc
 * entries for the process cache (CAP_SYS_PTRACE for /proc/PID/exe and
 * cwd, CAP_DAC_READ_SEARCH for the rest) and bpf(2) on its own maps'
 * file descriptors (CAP_BPF: with kernel.unprivileged_bpf_disabled set,
 * some kernels refuse even lookups on an open map without it). Loading,
 * attaching, mounting and everything else are gone for good.
 */
static int drop_privileges(bool tc, bool policy)
{
	int keep[5] = { CAP_BPF, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	size_t n = 3;

	/* CAP_NET_ADMIN only to remove our classifiers at exit. */
	if (tc)
		keep[n++] = CAP_NET_ADMIN;
	/*
	 * CAP_PERFMON to attach, at a policy reload, the programs (loaded at
	 * start) of an event type the new rules use.
	 */
	if (policy)
		keep[n++] = CAP_PERFMON;
	if (getuid() && geteuid())
		return cws_sandbox_no_new_privs();
	return cws_sandbox_keep_caps(keep, n);
}

/*
 * The steady state's system calls (seccomp, after the capabilities
 * went): the common list, bpf(2) on its maps and, at a policy reload,
 * perf_event_open(2) to attach programs; open_by_handle_at(2) for
 * cgroup paths; the detaching child at exit (setsid, membarrier from
 * libbpf). No execve, mount, module, ptrace or key calls.
 */
static int sandbox(void)
{
	static const char *const extra[] = {
		"bpf",
		"perf_event_open",
		"open_by_handle_at",
		"name_to_handle_at",
		"setsid",
		"membarrier",
		"wait4",
		"capget",
		"capset",
	};

	return cws_sandbox_seccomp(extra, CWS_ARRAY_SIZE(extra));
}

static int setup_signals(void)
{
	/* epoll_wait must return so that the loop sees the flag. */
	const struct cws_sig sigs[] = {
		{ SIGINT, on_signal },
		{ SIGTERM, on_signal },
		{ SIGUSR2, on_signal },
		{ SIGHUP, on_signal },
		{ CWS_SIG_NEW_READER, on_signal },
	};

	return cws_signals(sigs, CWS_ARRAY_SIZE(sigs), 0);
}

/* Opens the skeleton and sizes it; loads and attaches it. */
static int load_programs(struct probe *pr, const struct cws_probe_opts *opts)
{
	uint64_t load;
	int err;

	pr->skel = cws_bpf__open();
	if (!pr->skel) {
		err = -errno;
		cws_log(CWS_LOG_FATAL, "cannot open the BPF object: %s",
			strerror(-err));
		return err;
	}
	err = bpf_map__set_max_entries(pr->skel->maps.events,
				       (__u32)opts->ring_size);
	if (err) {
		cws_log(CWS_LOG_FATAL, "cannot size the ring buffer: %s",
			strerror(-err));
		return err;
	}
	err = bpf_map__set_max_entries(pr->skel->maps.kf_discarders,
				       opts->discarders_max ?
					       opts->discarders_max :
					       CWS_KFILTER_DISCARDERS_DEFAULT);
	if (err) {
		cws_log(CWS_LOG_FATAL, "cannot size the discarder map: %s",
			strerror(-err));
		return err;
	}
	/* Wake the reader when an eighth of the ring is pending. */
	pr->skel->rodata->wakeup_bytes = opts->ring_size / 8;
	pr->skel->rodata->cfg_self_tgid = (__u32)getpid();

	if (pr->kf.pol)
		cws_debug("kernel filters: %zu rules of policy %016llx",
			  pr->kf.pol->loaded,
			  (unsigned long long)pr->kf.digest);
	/*
	 * With policies every type's programs load (a reload may attach
	 * them); only the types in use are attached (cws_probe_attach).
	 */
	load = opts->events;
	if (pr->kf.pol)
		load |= cws_kfilter_hooked(&pr->kf) |
			cws_probe_default_events();
	if (!cws_probe_select(pr->skel->obj, load, &pr->attached)) {
		cws_log(CWS_LOG_FATAL,
			"no BPF program for the events asked for");
		return -ENOENT;
	}
	if (needs_tracefs(pr->skel->obj)) {
		err = cws_mount_tracefs();
		if (err)
			return err;
		skip_missing_tracepoints(pr->skel->obj);
	}
	err = cws_bpf__load(pr->skel);
	if (err) {
		explain_load_error(err);
		return err;
	}
	if (pr->kf.pol) {
		err = cws_kfilter_apply(&pr->kf, pr->skel);
		if (err) {
			cws_log(CWS_LOG_FATAL,
				"cannot set up the kernel filters: %s",
				strerror(-err));
			return err;
		}
		/* Only the types a rule uses (or -e asked for). */
		pr->attached &= cws_kfilter_wanted(&pr->kf);
		err = cws_probe_attach(pr->skel->skeleton,
				       cws_kfilter_hooked(&pr->kf));
		if (err)
			return err;
	} else {
		err = cws_bpf__attach(pr->skel);
		if (err) {
			cws_log(CWS_LOG_FATAL, "cannot attach '%s': %s",
				failed_program(pr->skel), strerror(-err));
			return err;
		}
	}
	/*
	 * A hooked call of our own shows the programs the probe's root and
	 * mount namespace (bpf/syscall.bpf.h, CWS_KEV_SYS_SAME_ROOT); chdir
	 * is always hooked, and "." changes nothing.
	 */
	if (chdir("."))
		cws_debug("chdir(\".\"): %s: paths are joined lexically",
			  strerror(errno));
	cws_debug("programs attached; ring buffer of %lu bytes, wake-up at %lu",
		  opts->ring_size, opts->ring_size / 8);
	return 0;
}

int cws_probe_run(const struct cws_probe_opts *opts)
{
	struct probe pr = { .tc = { .nl = -1 } };
	int rc = CWS_EXIT_FAILURE;
	struct timespec t0;

	if (access(CWS_PROBE_BTF_PATH, R_OK))
		cws_fatalx(
			CWS_EXIT_FAILURE,
			"kernel BTF not found at %s: cws-probe needs a kernel built with CONFIG_DEBUG_INFO_BTF=y",
			CWS_PROBE_BTF_PATH);
	libbpf_verbose = opts->verbose;
	libbpf_set_print(libbpf_log);
	if (setup_signals()) {
		cws_error("cannot set up signal handlers");
		return CWS_EXIT_FAILURE;
	}

	if (opts->policy_dir || opts->nexprs || opts->self_test_dir) {
		struct cws_policy *p;

		if (cws_kfilter_load(opts, &p))
			return CWS_EXIT_CONFIG;
		cws_kfilter_init(&pr.kf, opts, p);
	}
	if (load_programs(&pr, opts))
		goto out_destroy;
	if (opts->check) {
		cws_info("programs loaded and attached");
		rc = CWS_EXIT_OK;
		goto out_destroy;
	}

	pr.ncpus = libbpf_num_possible_cpus();
	if (pr.ncpus <= 0) {
		cws_log(CWS_LOG_FATAL, "cannot count the possible CPUs: %s",
			strerror(-pr.ncpus));
		goto out_destroy;
	}
	pr.percpu = calloc((size_t)pr.ncpus, sizeof(*pr.percpu));
	pr.emit = malloc(sizeof(*pr.emit));
	if (!pr.percpu || !pr.emit) {
		cws_error("cannot allocate the probe's buffers");
		goto out_free;
	}
	cws_emit_init(pr.emit, STDOUT_FILENO, opts->hostname);
	pr.started = cws_event_now();
	/* The cache is made again for its size and for what envs keep. */
	pr.emit->envs_with_value = opts->envs_with_value;
	if ((opts->cache_size || opts->envs_with_value) &&
	    cws_emit_set_cache_size(pr.emit, opts->cache_size ?
						     opts->cache_size :
						     CWS_CACHE_DEFAULT_SIZE)) {
		cws_error("cannot size the process cache");
		goto out_release_emit;
	}
	pr.emit->events_mask = opts->events;
	if (pr.kf.pol) {
		pr.emit->events_mask = cws_kfilter_wanted(&pr.kf);
		pr.emit->kf = &pr.kf;
		pr.emit->kernel_filter = pr.kf.digest;
	}

	pr.rb = ring_buffer__new(bpf_map__fd(pr.skel->maps.events), on_record,
				 &pr, NULL);
	if (!pr.rb) {
		cws_error("cannot set up the ring buffer");
		goto out_release_emit;
	}
	if (bpf_program__autoload(pr.skel->progs.dns__tc_egress) &&
	    (net_types(&pr, opts) & NETEV_TYPES)) {
		uint64_t types = net_types(&pr, opts);
		int err;

		cws_netev_apply(pr.skel, opts, types, pr.kf.pol);
		err = cws_tc_attach(
			&pr.tc, bpf_program__fd(pr.skel->progs.dns__tc_egress),
			bpf_program__fd(pr.skel->progs.dns__tc_ingress),
			opts->tc_priority, opts->tc_handle,
			opts->tc_ingress || (types & (1ull << CWS_EVT_IMDS |
						      1ull << CWS_EVT_PACKET)));

		if (err)
			cws_warnx("network: cannot list the interfaces: %s",
				  strerror(-err));
		else if (!pr.tc.n)
			cws_warnx(
				"network: the DNS classifier is on no interface: no dns event");
	}
	if (opts->socket) {
		char why[256];

		/* An extra for other agents: the pipeline goes on without. */
		pr.fan = cws_fanout_new(opts->socket, why, sizeof(why));
		if (!pr.fan) {
			cws_errorx("cannot serve the stream on '%s': %s; "
				   "going on without it",
				   opts->socket, why);
		} else {
			pr.emit->w.tap = cws_fanout_write;
			pr.emit->w.tap_arg = pr.fan;
		}
	}
	if (drop_privileges(pr.tc.n > 0, pr.kf.pol != NULL)) {
		cws_error("cannot drop capabilities");
		goto out_free_rb;
	}
	rc = sandbox();
	if (rc) {
		cws_errorx("cannot install the seccomp filter: %s",
			   strerror(-rc));
		rc = CWS_EXIT_FAILURE;
		goto out_free_rb;
	}
	cws_sandbox_test_hook();
	rc = run_loop(&pr, opts);
	/* Subscribers see the end of the stream as stdout does. */
	cws_fanout_free(pr.fan);
	pr.fan = NULL;
	pr.emit->w.tap = NULL;
	if (detach_in_background())
		return rc;
	/* Slow (see the top of this file), and after stdout is closed. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cws_tc_detach(&pr.tc);
	cws_bpf__detach(pr.skel);
	cws_debug("programs detached in %.0f ms", ms_since(&t0));
out_free_rb:
	cws_fanout_free(pr.fan);
	cws_tc_detach(&pr.tc);
	ring_buffer__free(pr.rb);
out_release_emit:
	cws_emit_release(pr.emit);
out_free:
	free(pr.emit);
	free(pr.percpu);
out_destroy:
	cws_bpf__destroy(pr.skel);
	cws_kfilter_release(&pr.kf);
	return rc;
}
