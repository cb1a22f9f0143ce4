/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The soak's workload (tests/soak/soak.sh): a steady stream of the system
 * calls cws watches, at a set rate, each one numbered so that the far end
 * of the pipeline can be checked for every single event.
 *
 *	soak-workload -d dir [-r ops_per_s] [-m match_every] [-x exec_every]
 *	              [-t seconds] [-p progress_file]
 *
 * Operation i is one of:
 *
 *   every match_every-th (i % m == 0): an open of dir/m/<n>, a file that
 *      does not exist (ENOENT), n counting these opens from 0: the soak
 *      policy matches every open under dir/m, so each is one match that
 *      carries its own number in its path;
 *   every exec_every-th (i % x == 1): fork + execve of dir/bin/soak-true
 *      with the argument "x<n>", n counting the execs from 0, and a wait
 *      for it: the policy matches the exec of that file;
 *   else: an open + close of one of 64 files in dir/u, which no rule
 *      matches (after the first few, the kernel's discarders drop them).
 *
 * The loop keeps to the rate by the clock: it does what is due and sleeps
 * a millisecond. When it falls behind by more than 100 ms (a busy
 * machine) the rest of the debt is forgotten, so the rate achieved is
 * what the summary says, with bursts of at most 100 ms worth to catch up.
 *
 * Every second, and at the end, a line "<epoch ms> <ops> <opens> <execs>"
 * is appended to the progress file: the soak maps a missing number to the
 * moment it was made. At the end (the time is up, SIGTERM or SIGINT) one
 * line on standard output:
 *
 *	ops=N opens=N execs=N seconds=S rate=R
 *
 * opens and execs are the counts of numbered operations done: numbers 0 to
 * opens - 1 and 0 to execs - 1. Any unexpected result of a call (an open
 * under m that does not fail with ENOENT, an exec that does not exit 0)
 * stops the workload with exit status 1: the counts must be exact.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

#define PROG "soak-workload"
#define NUNMATCHED 64

static const char usage_text[] =
	"usage: " PROG " -d dir [-r ops_per_s] [-m match_every] "
	"[-x exec_every]\n"
	"                     [-t seconds] [-p progress_file]\n";

static volatile sig_atomic_t stop;
static char **child_envp;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

CWS_NORETURN static void die(const char *what, int err)
{
	fprintf(stderr, PROG ": error: %s: %s\n", what, strerror(err));
	exit(1);
}

static long long number(const char *s, long long min, long long max,
			const char *what)
{
	const char *errstr;
	long long v = cws_strtonum(s, min, max, &errstr);

	if (errstr) {
		fprintf(stderr, PROG ": error: %s '%s' is %s\n", what, s,
			errstr);
		exit(2);
	}
	return v;
}

struct counts {
	long long ops, opens, execs;
};

static void progress(const char *path, const struct counts *c)
{
	char line[128];
	int fd, n;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot open the progress file", errno);
	n = snprintf(line, sizeof(line), "%lld %lld %lld %lld\n", wall_ms(),
		     c->ops, c->opens, c->execs);
	if (write(fd, line, (size_t)n) != n)
		die("cannot write the progress file", errno);
	close(fd);
}

static void op_match(const char *dir, long long n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/m/%lld", dir, n);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		die("an open under m/ succeeded", EEXIST);
	if (errno != ENOENT)
		die("open under m/", errno);
}

static void op_exec(const char *dir, long long n)
{
	char path[PATH_MAX], arg[32];
	char *argv[] = { path, arg, NULL };
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/bin/soak-true", dir);
	snprintf(arg, sizeof(arg), "x%lld", n);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		execve(path, argv, child_envp);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid", errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		die("soak-true did not exit 0", ECHILD);
}

static void op_other(const char *dir, long long i)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/u/%lld", dir, i % NUNMATCHED);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open under u/", errno);
	close(fd);
}

static void setup(const char *dir)
{
	char path[PATH_MAX];
	int i, fd;

	for (i = 0; i < NUNMATCHED; i++) {
		snprintf(path, sizeof(path), "%s/u/%d", dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			die("cannot create a file under u/", errno);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/bin/soak-true", dir);
	if (access(path, X_OK))
		die("dir/bin/soak-true is not executable", errno);
}

int main(int argc, char **argv, char **envp)
{
	const char *dir = NULL, *progress_path = NULL;
	long long rate = 6000, match_every = 20, exec_every = 500, seconds = 0;
	long long t0, start, now, last_progress, due, per_ns;
	struct counts c = { 0, 0, 0 };
	struct sigaction sa;
	int opt;

	while ((opt = getopt(argc, argv, "d:hm:p:r:t:x:")) != -1) {
		switch (opt) {
		case 'd':
			dir = optarg;
			break;
		case 'm':
			match_every = number(optarg, 1, 1000000, "match_every");
			break;
		case 'p':
			progress_path = optarg;
			break;
		case 'r':
			rate = number(optarg, 1, 10000000, "ops_per_s");
			break;
		case 't':
			seconds = number(optarg, 0, 1000000, "seconds");
			break;
		case 'x':
			exec_every = number(optarg, 0, 1000000, "exec_every");
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (!dir || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}
	child_envp = envp;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setup(dir);

	per_ns = 1000000000LL / rate;
	t0 = start = mono_ns();
	last_progress = start;
	due = 0;
	progress(progress_path, &c);
	while (!stop) {
		now = mono_ns();
		if (seconds && now - t0 >= seconds * 1000000000LL)
			break;
		/* What the clock says is due; a debt over 100 ms is let go. */
		due = (now - start) / per_ns;
		if (due - c.ops > rate / 10 + 1) {
			start += (due - c.ops - rate / 10 - 1) * per_ns;
			due = c.ops + rate / 10 + 1;
		}
		while (c.ops < due && !stop) {
			if (c.ops % match_every == 0)
				op_match(dir, c.opens++);
			else if (exec_every > 1 && c.ops % exec_every == 1)
				op_exec(dir, c.execs++);
			else
				op_other(dir, c.ops);
			c.ops++;
		}
		if (now - last_progress >= 1000000000LL) {
			last_progress = now;
			progress(progress_path, &c);
		}
		usleep(1000);
	}
	progress(progress_path, &c);
	now = mono_ns();
	printf("ops=%lld opens=%lld execs=%lld seconds=%.1f rate=%.0f\n", c.ops,
	       c.opens, c.execs, (double)(now - t0) / 1e9,
	       (double)c.ops * 1e9 / (double)(now - t0));
	return 0;
}
