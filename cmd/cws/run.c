/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws run: the supervisor. It starts cws-probe | cws-filter | cws-ship
 * and keeps them running:
 *
 *  - It owns the two pipes and keeps both ends of each open, so that a
 *    stage that dies can be started again on the same pipe: its
 *    neighbours see neither EOF nor EPIPE, the writer upstream blocks
 *    when the pipe is full (and the probe then counts what its ring
 *    buffer loses, in the stream: nothing goes silently).
 *  - A stage that exits is started again after a back-off (1 s, doubling
 *    to 60 s, back to 1 s once it has stayed up a minute), counted and
 *    logged. The stage before it is told (CWS_SIG_NEW_READER, lib/sigs.h)
 *    to write its process records again: the successor reads the pipe
 *    from its middle (cws-event(5), schema 2). An exit with the usage or configuration code (2, 3) stops
 *    everything: starting it again would fail the same way.
 *  - SIGTERM or SIGINT stops the stages in order: the probe first; once
 *    it has exited, the filter's input is closed, so it reads what is in
 *    flight and exits; then the ship's, which delivers or spools it.
 *  - SIGHUP is passed to the probe and the filter (policy reload: in
 *    either order, see cws-probe(8)) and to the ship.
 *    SIGUSR2, which the API raises once it has written a new log level
 *    to <run_path>/runtime.yaml, is passed to every stage, which reads
 *    the file again. The stages start with SIGUSR2 ignored until their
 *    handler is in place (its default would kill them), and read the
 *    file once at start, so a restarted stage keeps the level.
 *  - The IPC API (api.c) starts as Datadog's StartRuntimeSecurity orders
 *    it: after the reporter (cws-ship, which logs the endpoints), before
 *    the rest of the pipeline; it stops once the stages have. If it
 *    cannot start, that is logged and shown in the status, and the
 *    pipeline runs without it: detection matters more than the API.
 *  - Only the supervisor's own children are reaped here: the API waits
 *    for the cws-flare it runs.
 *
 * Its own status goes to <run_path>/cws.json with the other stages'.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <cap-ng.h>
#include <jansson.h>
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <sys/inotify.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cws.h"
#include "exit.h"
#include "log.h"
#include "sandbox.h"
#include "sigs.h"
#include "status.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define STABLE_MS 60000 /* up this long: the back-off starts over */
#define STATUS_MS 2000

enum { PROBE, FILTER, SHIP, NSTAGES };

struct stage {
	const char *tool;
	char *extra[8]; /* arguments after -c file, NULL-terminated */
	pid_t pid; /* 0: not running */
	int in, out; /* the fds it gets as stdin and stdout */
	unsigned restarts;
	int last_status; /* as waitpid gives it */
	long long started_ms, next_start_ms;
	int backoff_ms;
	bool stopped; /* stopped on purpose: do not start again */
};

struct sup {
	struct front *f;
	struct stage st[NSTAGES];
	int pipe_pf[2], pipe_fs[2]; /* probe -> filter, filter -> ship */
	long long started_ms;
	unsigned long long started_ns;
	int fatal; /* an exit code that stops everything, 0 if none */
	struct metrics *metrics; /* DogStatsD, NULL when off */
	long long metrics_ms; /* when they go next */
	pid_t self_test; /* the start-up self-test, while it runs */
	bool self_test_done;
	pid_t api_pid; /* the API's process, 0 when none */
	int api_fd; /* its socket: its start-up word, then its requests */
	pthread_t api_thread;
	bool api_thread_on;
	char api_address[300];
	const char *api_state; /* "up", "down", "disabled", "stopped" */
	char api_error[512];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static unsigned long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

static char opt_c[] = "-c", opt_r[] = "-r", opt_self_test[] = "--self-test";
static char opt_p[] = "-p", opt_u[] = "-u", opt_no_sandbox[] = "--no-sandbox";
static char self_test_dir[4200], policy_dir[4200], socket_path[4200];

/*
 * runtime_security_config.policies.watch_dir: an inotify watch on the
 * policy directory; a change there is a SIGHUP, once the directory has
 * been quiet for WATCH_QUIET_MS (an editor writes in several steps).
 */
#define WATCH_QUIET_MS 500

static int watch_open(const char *dir)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
				      IN_CREATE | IN_DELETE | IN_ATTRIB) < 0) {
		cws_warn("policies.watch_dir: cannot watch '%s'", dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* True when the directory changed (events read and dropped). */
static bool watch_changed(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	bool changed = false;

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		changed = true;
	return changed;
}

/* Forks and execs tool with stdin in, stdout out; -1 on failure. */
static pid_t spawn(const struct front *f, const char *tool, int in, int out,
		   char *const *extra, const sigset_t *mask)
{
	char path[4200], *argv[16];
	pid_t pid;
	int n = 0, i;

	argv[n++] = (char *)tool;
	if (f->config_path) {
		argv[n++] = opt_c;
		argv[n++] = (char *)f->config_path;
	}
	if (f->no_sandbox && strcmp(tool, "cws-cat"))
		argv[n++] = opt_no_sandbox;
	for (i = 0; extra && extra[i] && n < 15; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	tool = front_tool(f, tool, path, sizeof(path));
	pid = fork();
	if (pid)
		return pid;
	if (in != STDIN_FILENO && dup2(in, STDIN_FILENO) < 0)
		_exit(127);
	if (out != STDOUT_FILENO && dup2(out, STDOUT_FILENO) < 0)
		_exit(127);
	/* Nothing else of ours: the pipes' other ends especially. */
	closefrom(STDERR_FILENO + 1);
	signal(SIGUSR2, SIG_IGN);
	signal(CWS_SIG_NEW_READER, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, mask, NULL);
	execvp(tool, argv);
	fprintf(stderr, "cws: cannot run %s: %s\n", tool, strerror(errno));
	_exit(127);
}

static void start(struct sup *s, struct stage *st, const sigset_t *mask)
{
	st->pid = spawn(s->f, st->tool, st->in, st->out, st->extra, mask);
	if (st->pid < 0) {
		cws_error("cannot fork %s: %s", st->tool, strerror(errno));
		st->pid = 0;
		st->next_start_ms = now_ms() + st->backoff_ms;
		return;
	}
	st->started_ms = now_ms();
	cws_info("%s started (pid %d)", st->tool, (int)st->pid);
}

static const char *exit_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit code %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "status %#x", status);
	return buf;
}

/* A stage exited: schedule its restart, or stop everything. */
static void reaped(struct sup *s, struct stage *st, int status)
{
	long long now = now_ms();
	char why[64];

	st->pid = 0;
	st->last_status = status;
	exit_text(status, why, sizeof(why));
	if (st->stopped) {
		cws_info("%s stopped (%s)", st->tool, why);
		return;
	}
	if (WIFEXITED(status) && (WEXITSTATUS(status) == CWS_EXIT_USAGE ||
				  WEXITSTATUS(status) == CWS_EXIT_CONFIG)) {
		cws_error(
			"%s exited with %s (usage or configuration): stopping",
			st->tool, why);
		s->fatal = WEXITSTATUS(status);
		return;
	}
	/*
	 * Its successor will read the pipe from where it stopped, with none
	 * of the process records it had read: the stage before writes them
	 * again from now on.
	 */
	if (st > s->st && st[-1].pid)
		kill(st[-1].pid, CWS_SIG_NEW_READER);
	if (now - st->started_ms >= STABLE_MS)
		st->backoff_ms = BACKOFF_MIN_MS;
	st->restarts++;
	st->next_start_ms = now + st->backoff_ms;
	cws_warnx("%s exited (%s); restart %u in %d ms", st->tool, why,
		  st->restarts, st->backoff_ms);
	st->backoff_ms = st->backoff_ms * 2 > BACKOFF_MAX_MS ?
				 BACKOFF_MAX_MS :
				 st->backoff_ms * 2;
}

/* The next of our children that exited, 0 if none. */
static pid_t reap_one(struct sup *s, int *status)
{
	pid_t pid;
	int i;

	if (s->self_test) {
		pid = waitpid(s->self_test, status, WNOHANG);
		if (pid > 0)
			return pid;
	}
	if (s->api_pid > 0) {
		pid = waitpid(s->api_pid, status, WNOHANG);
		if (pid > 0)
			return pid;
	}
	for (i = 0; i < NSTAGES; i++) {
		if (!s->st[i].pid)
			continue;
		pid = waitpid(s->st[i].pid, status, WNOHANG);
		if (pid > 0)
			return pid;
	}
	return 0;
}

static void reap_all(struct sup *s)
{
	int status, i;
	pid_t pid;

	while ((pid = reap_one(s, &status)) > 0) {
		if (pid == s->self_test) {
			s->self_test = 0;
			s->self_test_done = true;
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				cws_info("start-up self-test: OK");
			else
				cws_warnx(
					"start-up self-test failed: cws status says which step");
			continue;
		}
		if (pid == s->api_pid) {
			char why[64];

			s->api_pid = 0;
			s->api_state = "down";
			snprintf(s->api_error, sizeof(s->api_error),
				 "the API process exited (%s)",
				 exit_text(status, why, sizeof(why)));
			cws_errorx("%s", s->api_error);
			continue;
		}
		for (i = 0; i < NSTAGES; i++)
			if (s->st[i].pid == pid)
				reaped(s, &s->st[i], status);
	}
}

/* Whether a stage's status file says it is running (the probe attached). */
static bool stage_running(struct sup *s, const char *tool)
{
	char path[4200];
	json_error_t err;
	json_t *doc;
	bool yes;

	snprintf(path, sizeof(path), "%s/%s.json",
		 cws_config_get_string(s->f->cfg, "run_path"), tool);
	doc = json_load_file(path, 0, &err);
	yes = doc && json_is_string(json_object_get(doc, "state")) &&
	      !strcmp(json_string_value(json_object_get(doc, "state")),
		      "running") &&
	      json_integer_value(json_object_get(doc, "pid")) ==
		      (json_int_t)s->st[PROBE].pid;
	json_decref(doc);
	return yes;
}

/*
 * Runs `cws self-test` once, when the probe says it runs: the result goes
 * to <run_path>/cws-selftest.json, which cws status shows.
 */
static void maybe_self_test(struct sup *s, const sigset_t *mask)
{
	static char verb[] = "self-test";
	char *extra[] = { verb, NULL };

	if (s->self_test_done || s->self_test || !self_test_dir[0] ||
	    !s->st[PROBE].pid || !stage_running(s, "cws-probe"))
		return;
	s->self_test =
		spawn(s->f, "cws", STDIN_FILENO, STDERR_FILENO, extra, mask);
	if (s->self_test < 0) {
		s->self_test = 0;
		s->self_test_done = true;
		cws_warnx("cannot start the self-test: %s", strerror(errno));
	}
}

static void write_status(struct sup *s, const char *state)
{
	json_t *doc = json_object(), *stages = json_array();
	char when[64];
	int i;

	json_object_set_new(doc, "tool", json_string("cws"));
	json_object_set_new(doc, "version", json_string(CWS_VERSION));
	json_object_set_new(doc, "pid", json_integer(getpid()));
	json_object_set_new(doc, "state", json_string(state));
	cws_status_time(when, sizeof(when), s->started_ns);
	json_object_set_new(doc, "started_at", json_string(when));
	cws_status_time(when, sizeof(when), wall_ns());
	json_object_set_new(doc, "updated_at", json_string(when));
	json_object_set_new(doc, "uptime_seconds",
			    json_integer((now_ms() - s->started_ms) / 1000));
	for (i = 0; i < NSTAGES; i++) {
		struct stage *st = &s->st[i];
		json_t *j = json_object();
		char why[64];

		json_object_set_new(j, "tool", json_string(st->tool));
		json_object_set_new(j, "pid", json_integer(st->pid));
		json_object_set_new(j, "running", json_boolean(st->pid > 0));
		json_object_set_new(j, "restarts", json_integer(st->restarts));
		if (st->restarts || st->stopped)
			json_object_set_new(
				j, "last_exit",
				json_string(exit_text(st->last_status, why,
						      sizeof(why))));
		json_array_append_new(stages, j);
	}
	json_object_set_new(doc, "stages", stages);
	if (s->api_state) {
		json_t *api = json_pack("{s:s}", "state", s->api_state);

		if (s->api_pid && !strcmp(s->api_state, "up"))
			json_object_set_new(api, "address",
					    json_string(s->api_address));
		if (s->api_error[0])
			json_object_set_new(api, "error",
					    json_string(s->api_error));
		json_object_set_new(doc, "api", api);
	}
	json_object_set_new(doc, "dogstatsd", metrics_status(s->metrics));
	cws_status_write(cws_config_get_string(s->f->cfg, "run_path"), "cws",
			 doc);
	json_decref(doc);
}

/* Every METRICS_MS, what the stages counted, to DogStatsD. */
static void send_metrics(struct sup *s)
{
	struct metrics_stage ms[NSTAGES];
	int i;

	if (!s->metrics || now_ms() < s->metrics_ms)
		return;
	s->metrics_ms = now_ms() + METRICS_MS;
	for (i = 0; i < NSTAGES; i++) {
		ms[i].tool = s->st[i].tool;
		ms[i].restarts = s->st[i].restarts;
	}
	metrics_flush(s->metrics, s->f, ms, NSTAGES);
}

/* Waits up to ms for a signal; returns it, or 0 on time-out. */
static int wait_signal(const sigset_t *mask, long long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000 };
	int sig = sigtimedwait(mask, NULL, &ts);

	return sig < 0 ? 0 : sig;
}

/* Stops one stage: SIGTERM, then waits for it (SIGKILL after 30 s). */
static void stop_stage(struct sup *s, struct stage *st, const sigset_t *mask)
{
	long long deadline = now_ms() + 30000;

	st->stopped = true;
	if (!st->pid)
		return;
	kill(st->pid, SIGTERM);
	while (st->pid) {
		long long left = deadline - now_ms();

		if (left <= 0) {
			cws_warnx("%s did not stop in 30 s: killing it",
				  st->tool);
			kill(st->pid, SIGKILL);
			deadline = now_ms() + 5000;
		}
		wait_signal(mask, left > 200 || left <= 0 ? 200 : left);
		reap_all(s);
	}
}

/* The IPC API; the pipeline runs on without it if it cannot start. */
static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The API's process side (the child): serves until SIGTERM or until the
 * supervisor is gone. Its first message says how the start went: "U"
 * and the address, "X" disabled, "D" down, with the reason.
 */
static void api_process(struct sup *s, int fd)
{
	struct front_api *api;
	sigset_t stop;
	char m[600];
	bool disabled;
	int sig;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "cws-api");
	/* Nothing of the pipeline: the filter's and the ship's EOF. */
	close_fd(&s->pipe_pf[0]);
	close_fd(&s->pipe_pf[1]);
	close_fd(&s->pipe_fs[0]);
	close_fd(&s->pipe_fs[1]);
	s->f->api_notify_fd = fd;
	api = front_api_start(s->f, &disabled, s->api_error,
			      sizeof(s->api_error));
	snprintf(m, sizeof(m), "%c%s",
		 api	  ? 'U' :
		 disabled ? 'X' :
			    'D',
		 api ? front_api_address(api) : s->api_error);
	send(fd, m, strlen(m), MSG_NOSIGNAL);
	if (!api)
		_exit(0);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	do
		sig = sigwaitinfo(&stop, NULL);
	while (sig < 0 && errno == EINTR);
	front_api_stop(api);
	_exit(0);
}

/* The supervisor's side: the API's requests become its own signals. */
static void *api_listen(void *arg)
{
	struct sup *s = arg;
	char m[8];
	ssize_t n;

	while ((n = recv(s->api_fd, m, sizeof(m), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* Only what the API may ask for. */
		if (n == 2 && m[0] == 'S' &&
		    (m[1] == SIGTERM || m[1] == SIGUSR2))
			kill(getpid(), m[1]);
	}
	return NULL;
}

static void start_api(struct sup *s)
{
	struct timeval tv = { .tv_sec = 30 };
	char m[600];
	ssize_t n;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		s->api_state = "down";
		snprintf(s->api_error, sizeof(s->api_error), "socketpair: %s",
			 strerror(errno));
		cws_errorx("API not started: %s", s->api_error);
		return;
	}
	fflush(NULL);
	s->api_pid = fork();
	if (!s->api_pid) {
		close(sv[0]);
		api_process(s, sv[1]);
	}
	close(sv[1]);
	s->api_fd = sv[0];
	if (s->api_pid < 0) {
		s->api_pid = 0;
		snprintf(m, sizeof(m), "Dcannot fork: %s", strerror(errno));
		n = (ssize_t)strlen(m);
	} else {
		setsockopt(s->api_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = recv(s->api_fd, m, sizeof(m) - 1, 0);
		if (n <= 0)
			n = snprintf(m, sizeof(m), "Dthe API process exited");
	}
	m[n] = '\0';
	snprintf(s->api_error, sizeof(s->api_error), "%.*s",
		 (int)sizeof(s->api_error) - 1, m + 1);
	if (m[0] == 'U') {
		s->api_state = "up";
		snprintf(s->api_address, sizeof(s->api_address), "%.*s",
			 (int)sizeof(s->api_address) - 1, m + 1);
		s->api_error[0] = '\0';
		cws_info("API listening on %s (process %d)", s->api_address,
			 (int)s->api_pid);
		tv.tv_sec = 0;
		setsockopt(s->api_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		s->api_thread_on =
			!pthread_create(&s->api_thread, NULL, api_listen, s);
		return;
	}
	/* It has said why it is not there, and exits. */
	if (s->api_pid > 0)
		waitpid(s->api_pid, NULL, 0);
	s->api_pid = 0;
	if (m[0] == 'X') {
		s->api_state = "disabled";
		cws_info("API disabled (%s)", s->api_error);
	} else {
		s->api_state = "down";
		cws_errorx("API not started: %s", s->api_error);
	}
}

/* Stops the API's process (once the stages have stopped). */
static void stop_api(struct sup *s)
{
	if (s->api_pid > 0) {
		kill(s->api_pid, SIGTERM);
		waitpid(s->api_pid, NULL, 0);
		s->api_pid = 0;
	}
	if (s->api_fd > 0)
		shutdown(s->api_fd, SHUT_RDWR);
	if (s->api_thread_on)
		pthread_join(s->api_thread, NULL);
	s->api_thread_on = false;
	if (s->api_fd > 0)
		close(s->api_fd);
	s->api_fd = -1;
}

static void remove_runtime(const struct front *f)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s",
		 cws_config_get_string(f->cfg, "run_path"),
		 CWS_LOG_RUNTIME_FILE);
	if (unlink(path) && errno != ENOENT)
		cws_warnx("cannot remove '%s': %s", path, strerror(errno));
}

/*
 * The supervisor keeps what it needs to start, stop and signal the
 * stages: its bounding set is what they need at start (cws-probe's
 * loading set, the user switch of the others), its own sets only
 * CAP_KILL (the stages run as another user), CAP_SETUID, CAP_SETGID and
 * CAP_SETPCAP (its API process becomes cws_user). A root exec gets the
 * bounding set back: cws-probe starts with what it needs. No
 * no_new_privs here, for that reason; run_path is shared with
 * cws_user's group first.
 */
static int limit_self(struct front *f)
{
	static const int stages[] = {
		CAP_BPF,	  CAP_PERFMON,	  CAP_SYS_ADMIN,
		CAP_SYS_RESOURCE, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
		CAP_NET_ADMIN,	  CAP_KILL,	  CAP_SETUID,
		CAP_SETGID,	  CAP_SETPCAP,	  CAP_CHOWN,
		CAP_FOWNER,
	};
	static const int own[] = { CAP_KILL, CAP_SETUID, CAP_SETGID,
				   CAP_SETPCAP };
	const char *run = cws_config_get_string(f->cfg, "run_path");
	size_t i;
	int rc;

	if (getuid() || !cws_sandbox_enabled())
		return 0;
	rc = cws_sandbox_share_dir(f->cfg, run);
	if (rc && rc != -ENOENT) {
		cws_errorx("run_path '%s': %s", run, strerror(-rc));
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	for (i = 0; i < CWS_ARRAY_SIZE(stages); i++)
		capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET,
			     (unsigned)stages[i]);
	for (i = 0; i < CWS_ARRAY_SIZE(own); i++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			     (unsigned)own[i]);
	if (capng_apply(CAPNG_SELECT_BOTH)) {
		cws_errorx("cannot limit the supervisor's capabilities");
		return -1;
	}
	return 0;
}

int front_run(struct front *f, int argc, char **argv)
{
	struct sup s = { .f = f, .api_fd = -1 };
	static const char *const tools[NSTAGES] = { "cws-probe", "cws-filter",
						    "cws-ship" };
	sigset_t mask;
	int i, sig, rc = CWS_EXIT_OK, watch_fd = -1;
	long long watch_due = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: cws run\n");
		return CWS_EXIT_USAGE;
	}
	if (!cws_config_get_bool(f->cfg, "runtime_security_config.enabled")) {
		cws_info(
			"runtime security is disabled by config (runtime_security_config.enabled: false): nothing started");
		return CWS_EXIT_OK;
	}
	if (pipe2(s.pipe_pf, O_CLOEXEC) || pipe2(s.pipe_fs, O_CLOEXEC))
		cws_fatal(CWS_EXIT_FAILURE, "pipe");
	if (limit_self(f))
		return CWS_EXIT_FAILURE;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A level set at run time lasts as long as this run. */
	remove_runtime(f);

	s.started_ms = now_ms();
	s.started_ns = wall_ns();
	for (i = 0; i < NSTAGES; i++) {
		s.st[i].tool = tools[i];
		s.st[i].backoff_ms = BACKOFF_MIN_MS;
	}
	/* The filter's built-in self-test rules watch this directory. */
	if (cws_config_get_bool(f->cfg,
				"runtime_security_config.self_test.enabled")) {
		snprintf(self_test_dir, sizeof(self_test_dir), "%s/self-test",
			 cws_config_get_string(f->cfg, "run_path"));
		s.st[FILTER].extra[0] = opt_self_test;
		s.st[FILTER].extra[1] = self_test_dir;
	}
	/*
	 * The probe filters in the kernel for the very policies the filter
	 * loads: the same directory, the same self-test rules.
	 */
	snprintf(policy_dir, sizeof(policy_dir), "%s",
		 cws_config_get_string(f->cfg,
				       "runtime_security_config.policies.dir"));
	s.st[PROBE].extra[0] = opt_p;
	s.st[PROBE].extra[1] = policy_dir;
	/* event_monitoring_config.socket: the probe's stream for others. */
	if (*cws_config_get_string(f->cfg, "event_monitoring_config.socket"))
		snprintf(socket_path, sizeof(socket_path), "%s",
			 cws_config_get_string(
				 f->cfg, "event_monitoring_config.socket"));
	else
		snprintf(socket_path, sizeof(socket_path),
			 "%s/event-monitor.sock",
			 cws_config_get_string(f->cfg, "run_path"));
	s.st[PROBE].extra[2] = opt_u;
	s.st[PROBE].extra[3] = socket_path;
	s.st[PROBE].extra[4] = s.st[FILTER].extra[0];
	s.st[PROBE].extra[5] = s.st[FILTER].extra[1];
	if (cws_config_get_bool(f->cfg,
				"runtime_security_config.policies.watch_dir"))
		watch_fd = watch_open(policy_dir);
	s.st[PROBE].in = STDIN_FILENO;
	s.st[PROBE].out = s.pipe_pf[1];
	s.st[FILTER].in = s.pipe_pf[0];
	s.st[FILTER].out = s.pipe_fs[1];
	s.st[SHIP].in = s.pipe_fs[0];
	s.st[SHIP].out = STDOUT_FILENO;
	/*
	 * Downstream first, so that nothing waits on a reader to come; the
	 * API once the reporter runs.
	 */
	for (i = NSTAGES - 1; i >= 0; i--) {
		start(&s, &s.st[i], &mask);
		if (i == SHIP)
			start_api(&s);
	}
	s.metrics = metrics_open(f);
	/* The first once the stages have written their status. */
	s.metrics_ms = now_ms() + STATUS_MS;
	write_status(&s, "running");

	for (;;) {
		long long now = now_ms(), wait = STATUS_MS;

		for (i = 0; i < NSTAGES; i++) {
			struct stage *st = &s.st[i];

			if (st->pid || st->stopped)
				continue;
			if (st->next_start_ms <= now)
				start(&s, st, &mask);
			else if (st->next_start_ms - now < wait)
				wait = st->next_start_ms - now;
		}
		maybe_self_test(&s, &mask);
		sig = wait_signal(&mask, s.self_test_done && watch_fd < 0 ?
						 wait :
						 WATCH_QUIET_MS);
		reap_all(&s);
		if (s.fatal) {
			rc = s.fatal;
			break;
		}
		if (sig == SIGTERM || sig == SIGINT) {
			cws_info("%s: stopping the pipeline", strsignal(sig));
			break;
		}
		if (watch_changed(watch_fd))
			watch_due = now_ms() + WATCH_QUIET_MS;
		if (watch_due && now_ms() >= watch_due) {
			watch_due = 0;
			cws_info("policy directory '%s' changed: reloading",
				 policy_dir);
			sig = SIGHUP;
		}
		if (sig == SIGHUP) {
			/*
			 * Either order is safe: cws-filter applies the new
			 * policies where the probe's stream says its kernel
			 * filters follow them (cws-probe(8)).
			 */
			for (i = PROBE; i <= SHIP; i++)
				if (s.st[i].pid)
					kill(s.st[i].pid, SIGHUP);
			cws_info("SIGHUP passed to cws-probe, cws-filter and "
				 "cws-ship");
		}
		if (sig == SIGUSR2) {
			for (i = 0; i < NSTAGES; i++)
				if (s.st[i].pid)
					kill(s.st[i].pid, SIGUSR2);
			cws_debug("SIGUSR2 (log level) passed to the stages");
		}
		write_status(&s, "running");
		send_metrics(&s);
	}

	/*
	 * In order: once the probe has gone, only our copy of its pipe's
	 * write end is left; closing it gives the filter its EOF after what
	 * is in flight. The same for the ship.
	 */
	write_status(&s, "stopping");
	if (s.self_test)
		kill(s.self_test, SIGTERM);
	stop_stage(&s, &s.st[PROBE], &mask);
	close_fd(&s.pipe_pf[1]);
	s.st[FILTER].stopped = true;
	while (s.st[FILTER].pid) {
		wait_signal(&mask, 200);
		reap_all(&s);
	}
	close_fd(&s.pipe_fs[1]);
	s.st[SHIP].stopped = true;
	while (s.st[SHIP].pid) {
		wait_signal(&mask, 200);
		reap_all(&s);
	}
	close_fd(&s.pipe_pf[0]);
	close_fd(&s.pipe_fs[0]);
	if (s.api_pid) {
		stop_api(&s);
		s.api_state = "stopped";
		cws_info("API stopped");
	}
	remove_runtime(f);
	/* The last counts, then off. */
	s.metrics_ms = 0;
	send_metrics(&s);
	write_status(&s, "stopped");
	metrics_close(s.metrics);
	s.metrics = NULL;
	return rc;
}

/*
 * cws policy eval: JSON events on stdin (as cws-cat writes them) through
 * cws-cat -r | cws-filter ARGS | cws-cat, the matches on stdout. Returns
 * cws-filter's exit code, or the first failure of the others.
 */
int front_eval(struct front *f, int argc, char **argv)
{
	char *extra[8] = { NULL }, *rev[] = { opt_r, NULL };
	int p1[2], p2[2], i, n = 0, status, rc = CWS_EXIT_OK;
	pid_t pid[3];
	sigset_t none;

	for (i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-p") && strcmp(argv[i], "-e")) ||
		    i + 1 >= argc || n > 5) {
			fprintf(stderr,
				"usage: cws policy eval [-p dir] [-e expression]...\n");
			return CWS_EXIT_USAGE;
		}
		extra[n++] = argv[i];
		extra[n++] = argv[++i];
	}
	sigemptyset(&none);
	if (pipe2(p1, O_CLOEXEC) || pipe2(p2, O_CLOEXEC))
		cws_fatal(CWS_EXIT_FAILURE, "pipe");
	pid[0] = spawn(f, "cws-cat", STDIN_FILENO, p1[1], rev, &none);
	pid[1] = spawn(f, "cws-filter", p1[0], p2[1], extra, &none);
	pid[2] = spawn(f, "cws-cat", p2[0], STDOUT_FILENO, NULL, &none);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	for (i = 0; i < 3; i++) {
		if (pid[i] < 0) {
			rc = CWS_EXIT_FAILURE;
			continue;
		}
		if (waitpid(pid[i], &status, 0) < 0)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			int code = WIFEXITED(status) ? WEXITSTATUS(status) :
						       CWS_EXIT_FAILURE;

			if (i == 1 || rc == CWS_EXIT_OK)
				rc = code;
		}
	}
	return rc;
}
