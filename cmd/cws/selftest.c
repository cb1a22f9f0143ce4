/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws self-test: Datadog's self-test, except that it says OK only once
 * the events have come out of the pipeline's far end. A target file is
 * named in <run_path>/self-test; three separate processes create it
 * (touch: an open with O_CREAT), chmod it and chown it; cws-filter's
 * built-in silent self-test rules match those three events (a file
 * named datadog_agent_cws_target_file in a directory of that one: each
 * run makes its own, so the name stays fixed for the kernel's
 * approvers), and cws-ship
 * records in its status file each self-test match it has accepted. The
 * command waits for all three, for this very file, in cws-ship's status.
 * A step that fails is named, with where its event stopped: not matched
 * by cws-filter (so not seen by cws-probe, or not by the filter), or
 * matched but not accepted by cws-ship.
 *
 * The result goes to <run_path>/cws-selftest.json for cws status.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cws.h"
#include "exit.h"
#include "log.h"
#include "num.h"
#include "status.h"

#define RULE_PREFIX "datadog_agent_cws_self_test_rule_"

struct step {
	const char *test; /* the rule id's suffix */
	const char *what; /* for messages */
	bool filtered, accepted;
};

static unsigned long long wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

/* Runs argv as a child and waits; returns its exit status or -1. */
static int run_cmd(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Marks the steps whose rule the status file of tool lists in its
 * "self_test" array for this target (accepted: cws-ship, else
 * cws-filter).
 */
static void scan(const char *dir, const char *tool, const char *target,
		 struct step *steps, size_t n, bool accepted)
{
	char path[4200];
	json_error_t err;
	json_t *doc, *ev;
	size_t i, j;

	snprintf(path, sizeof(path), "%s/%s.json", dir, tool);
	doc = json_load_file(path, 0, &err);
	if (!doc)
		return;
	json_array_foreach(json_object_get(json_object_get(doc, "self_test"),
					   "events"),
			   i, ev) {
		const char *id =
			json_string_value(json_object_get(ev, "rule_id"));
		const char *p = json_string_value(json_object_get(ev, "path"));

		if (!id || !p || strcmp(p, target) ||
		    strncmp(id, RULE_PREFIX, strlen(RULE_PREFIX)))
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(id + strlen(RULE_PREFIX), steps[j].test)) {
				if (accepted)
					steps[j].accepted = true;
				else
					steps[j].filtered = true;
			}
	}
	json_decref(doc);
}

static void write_result(const char *dir, const struct step *steps, size_t n,
			 const char *message)
{
	json_t *doc = json_object(), *ok = json_array(), *ko = json_array();
	char when[64];
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(steps[i].accepted ? ok : ko,
				      json_sprintf(RULE_PREFIX "%s",
						   steps[i].test));
	cws_status_time(when, sizeof(when), wall_ns());
	json_object_set_new(doc, "tool", json_string("cws self-test"));
	json_object_set_new(doc, "last_execution", json_string(when));
	json_object_set_new(doc, "succeeded_tests", ok);
	json_object_set_new(doc, "failed_tests", ko);
	json_object_set_new(doc, "result", json_string(message));
	cws_status_write(dir, "cws-selftest", doc);
	json_decref(doc);
}

/*
 * self_test.send_report: cws-filter, asked with SIGUSR1, sends the result
 * just written downstream as a selftest record, which cws-ship turns into
 * Datadog's self-test report.
 */
static void send_report(const struct front *f)
{
	long pid;

	if (!cws_config_get_bool(
		    f->cfg, "runtime_security_config.self_test.send_report"))
		return;
	pid = front_running_pid(f, "cws-filter");
	if (!pid || kill((pid_t)pid, SIGUSR1))
		cws_warnx(
			"self-test: the report could not be sent: no running cws-filter");
}

/*
 * Datadog's count of self tests, tagged with how many steps passed and
 * failed, the system and the architecture (metrics.c: only when
 * DogStatsD is configured).
 */
static void self_test_metric(const struct front *f, int ok, int failed)
{
	struct utsname u;
	char tags[200];

	if (uname(&u))
		snprintf(u.machine, sizeof(u.machine), "unknown");
	snprintf(tags, sizeof(tags), "success:%d,fails:%d,os:linux,arch:%s", ok,
		 failed, u.machine);
	metrics_send(f, "datadog.runtime_security.self_test", 1, "c", tags);
}

int front_self_test(struct front *f, int argc, char **argv)
{
	const char *dir = cws_config_get_string(f->cfg, "run_path");
	struct step steps[] = {
		{ "open", "the open with O_CREAT (touch)", false, false },
		{ "chmod", "the chmod", false, false },
		{ "chown", "the chown", false, false },
	};
	const size_t n = CWS_ARRAY_SIZE(steps);
	char tdir[4200], rdir[4250], target[4300], uid[16], msg[1024];
	long long timeout = 30, deadline_ms, ms;
	unsigned char rnd[6];
	size_t i, done;
	int opt;

	optind = 0; /* a new argument vector: the verb's */
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		const char *bad = NULL;

		if (opt == 't')
			timeout = cws_strtonum(optarg, 1, 3600, &bad);
		if (opt != 't' || bad) {
			fprintf(stderr, "usage: cws self-test [-t seconds]\n");
			return CWS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: cws self-test [-t seconds]\n");
		return CWS_EXIT_USAGE;
	}
	if (!cws_config_get_bool(f->cfg,
				 "runtime_security_config.self_test.enabled")) {
		printf("Runtime self test: error: self-tests are disabled\n");
		return CWS_EXIT_FAILURE;
	}
	snprintf(tdir, sizeof(tdir), "%s/self-test", dir);
	if (mkdir(tdir, 0700) && errno != EEXIST) {
		printf("Runtime self test: error: cannot make %s: %s\n", tdir,
		       strerror(errno));
		return CWS_EXIT_FAILURE;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		cws_fatal(CWS_EXIT_FAILURE, "getrandom");
	snprintf(rdir, sizeof(rdir), "%s/%02x%02x%02x%02x%02x%02x", tdir,
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (mkdir(rdir, 0700)) {
		printf("Runtime self test: error: cannot make %s: %s\n", rdir,
		       strerror(errno));
		return CWS_EXIT_FAILURE;
	}
	snprintf(target, sizeof(target), "%s/datadog_agent_cws_target_file",
		 rdir);
	snprintf(uid, sizeof(uid), "%u", (unsigned)getuid());

	{
		static char touch_[] = "touch", chmod_[] = "chmod",
			    chown_[] = "chown", mode[] = "777";
		char *touch[] = { touch_, target, NULL };
		char *chmod[] = { chmod_, mode, target, NULL };
		char *chown[] = { chown_, uid, target, NULL };
		char *const *cmds[] = { touch, chmod, chown };

		for (i = 0; i < n; i++)
			if (run_cmd(cmds[i])) {
				snprintf(msg, sizeof(msg),
					 "%s: the command '%s' failed",
					 steps[i].what, cmds[i][0]);
				goto fail;
			}
	}

	deadline_ms = (long long)(wall_ns() / 1000000) + timeout * 1000;
	for (;;) {
		scan(dir, "cws-filter", target, steps, n, false);
		scan(dir, "cws-ship", target, steps, n, true);
		for (i = done = 0; i < n; i++)
			done += steps[i].accepted;
		ms = deadline_ms - (long long)(wall_ns() / 1000000);
		if (done == n || ms <= 0)
			break;
		usleep(200000);
	}
	self_test_metric(f, done, n - done);
	if (done == n) {
		unlink(target);
		rmdir(rdir);
		write_result(dir, steps, n, "OK");
		send_report(f);
		printf("Runtime self test: OK\n");
		return CWS_EXIT_OK;
	}
	for (i = 0; i < n && steps[i].accepted; i++)
		;
	snprintf(
		msg, sizeof(msg), "%s: %s within %lld s", steps[i].what,
		steps[i].filtered ?
			"matched by cws-filter but not accepted by cws-ship" :
			"no match from cws-filter (not seen by cws-probe, or cws-filter not running)",
		timeout);
	if (0) {
fail: /* a command failed: no step passed */
		self_test_metric(f, 0, n);
	}
	unlink(target);
	rmdir(rdir);
	write_result(dir, steps, n, msg);
	send_report(f);
	printf("Runtime self test: error: %s\n", msg);
	return CWS_EXIT_FAILURE;
}
