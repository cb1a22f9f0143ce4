/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload that bench/probe.sh runs bare and under each tracer: tight
 * loops of the system calls a runtime security agent watches, each timed on
 * its own. One operation of each loop:
 *
 *   open    openat(O_RDONLY) + close of an existing file on tmpfs
 *   enoent  openat(O_RDONLY) of a missing file (fails with ENOENT)
 *   exec    fork + execve("/bin/true") + waitpid
 *   create  openat(O_CREAT | O_EXCL) + close + unlinkat on tmpfs
 *   rename  renameat2(a, b) or renameat2(b, a), alternately, on tmpfs
 *
 * The file calls go through syscall(2), so that each operation is exactly
 * the system calls listed, whatever the C library would pick (glibc's
 * rename() is rename(2) on x86_64 but renameat2(2) elsewhere) and without
 * the library's cancellation bookkeeping. Tracers hooked on openat see
 * every open; nothing here calls open(2) or creat(2).
 *
 *   workload_bench [-gh] [-d dir] [-j procs] [-l loop[,loop...]]
 *                  [-n iterations] [-t seconds] [-w warmup]
 *
 * -l picks the loops (default all, in the order above); -n sets the count
 * of operations per process (default: each loop's own, see loops[]); -d
 * the directory in which a fresh cws-workload.XXXXXX is made for the files
 * (default /dev/shm, a tmpfs). With -j N the loop runs in N processes at
 * once, released together after each has set up and warmed up; with -t
 * SECONDS each process loops until the time is up instead of for a count.
 * -w sets the warm-up operations per process done before the clock starts
 * (default 1 % of the count, at most 1000). With -g, once the processes
 * are ready the workload writes "ready" to standard error and starts when
 * a byte (or end of file) comes on standard input: a test can then start
 * the loop itself with a shell builtin, the program's start-up left out.
 *
 * Counts are exact: an operation is counted once its calls returned what
 * was expected, and any other result ends the run with an error. With
 * -w 0 the workload makes no other open of a file in its directory than
 * the counted ones, so a flood's "ops" is the number of open events a
 * tracer had to see.
 *
 * Output is one line per loop, written with write(2) (no stdio buffer to be
 * duplicated by fork or lost at exit):
 *
 *   workload loop=open procs=1 ops=200000 ns=171223811 ns_per_op=856.1
 *   ops_per_s=1168064 cpu_ns_per_op=851.7
 *
 * (on one line). ns is the wall time from the start to the last process
 * done; ns_per_op is the time one process spends per operation,
 * procs * ns / ops; ops_per_s is ops / ns, all processes together.
 * cpu_ns_per_op is the CPU time (user + system, the loop's processes and
 * the programs they ran) per operation: unlike wall time it leaves out
 * the time other processes had the CPU, and also any time the loop slept
 * (an audit backlog, say).
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

#define PROG "workload_bench"
#define MAX_PROCS 64
#define CLOCK_EVERY 256 /* operations between two looks at the clock */

static const char usage_text[] =
	"usage: " PROG " [-gh] [-d dir] [-j procs] [-l loop[,loop...]]\n"
	"                      [-n iterations] [-t seconds] [-w warmup]\n"
	"loops: open, enoent, exec, create, rename, all (the default)\n";

struct loop;

/* What one process of a loop works on: its own files in the run's dir. */
struct worker {
	int idx;
	char path[PATH_MAX]; /* open: the file; create: the name to create */
	char other[PATH_MAX]; /* rename: the second name */
	bool flip; /* rename: which way the next call goes */
};

struct loop {
	const char *name;
	long long default_iters;
	int (*setup)(struct worker *w, const char *dir);
	int (*op)(struct worker *w);
};

/* Shared with the children: where each puts its count and its error. */
struct result {
	long long ops;
	long long cpu_ns; /* user + system time of the timed loop */
	int err; /* errno of the call that failed, 0 if none */
	char what[64]; /* which call failed */
};

static struct result *results;
static char **child_envp;
static bool go_signal; /* -g: wait for standard input before starting */

static long sys_openat(const char *path, int flags, mode_t mode)
{
	return syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static long sys_close(long fd)
{
	return syscall(SYS_close, (int)fd);
}

static int fail(struct worker *w, const char *what, int err)
{
	struct result *r = &results[w->idx];

	r->err = err ? err : EIO;
	snprintf(r->what, sizeof(r->what), "%s", what);
	return -1;
}

/*
 * Files are made with mknodat(2), not openat(O_CREAT): then, with -w 0, the
 * only opens of files in the run's directory are the counted ones, which
 * is what the flood's exact accounting relies on.
 */
static int make_file(struct worker *w, const char *path, const char *what)
{
	if (syscall(SYS_mknodat, AT_FDCWD, path, S_IFREG | 0644, 0))
		return fail(w, what, errno);
	return 0;
}

static int setup_file(struct worker *w, const char *dir)
{
	snprintf(w->path, sizeof(w->path), "%s/open.%d", dir, w->idx);
	return make_file(w, w->path, "create the file to open");
}

static int op_open(struct worker *w)
{
	long fd = sys_openat(w->path, O_RDONLY, 0);

	if (fd < 0)
		return fail(w, "openat", errno);
	if (sys_close(fd))
		return fail(w, "close", errno);
	return 0;
}

static int setup_enoent(struct worker *w, const char *dir)
{
	snprintf(w->path, sizeof(w->path), "%s/missing.%d", dir, w->idx);
	return 0;
}

static int op_enoent(struct worker *w)
{
	long fd = sys_openat(w->path, O_RDONLY, 0);

	if (fd >= 0) {
		sys_close(fd);
		return fail(w, "openat of a missing file succeeded", 0);
	}
	if (errno != ENOENT)
		return fail(w, "openat", errno);
	return 0;
}

static int setup_exec(struct worker *w, const char *dir)
{
	(void)dir;
	snprintf(w->path, sizeof(w->path), "/bin/true");
	return 0;
}

static int op_exec(struct worker *w)
{
	char *argv[] = { w->path, NULL };
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return fail(w, "fork", errno);
	if (!pid) {
		execve(w->path, argv, child_envp);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return fail(w, "waitpid", errno);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return fail(w, "/bin/true did not exit 0", 0);
	return 0;
}

static int setup_create(struct worker *w, const char *dir)
{
	snprintf(w->path, sizeof(w->path), "%s/create.%d", dir, w->idx);
	return 0;
}

static int op_create(struct worker *w)
{
	long fd = sys_openat(w->path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0)
		return fail(w, "openat(O_CREAT)", errno);
	if (sys_close(fd))
		return fail(w, "close", errno);
	if (syscall(SYS_unlinkat, AT_FDCWD, w->path, 0))
		return fail(w, "unlinkat", errno);
	return 0;
}

static int setup_rename(struct worker *w, const char *dir)
{
	snprintf(w->path, sizeof(w->path), "%s/rename-a.%d", dir, w->idx);
	snprintf(w->other, sizeof(w->other), "%s/rename-b.%d", dir, w->idx);
	w->flip = false;
	return make_file(w, w->path, "create the file to rename");
}

static int op_rename(struct worker *w)
{
	const char *from = w->flip ? w->other : w->path;
	const char *to = w->flip ? w->path : w->other;

	if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0))
		return fail(w, "renameat2", errno);
	w->flip = !w->flip;
	return 0;
}

static const struct loop loops[] = {
	{ "open", 200000, setup_file, op_open },
	{ "enoent", 200000, setup_enoent, op_enoent },
	{ "exec", 2000, setup_exec, op_exec },
	{ "create", 100000, setup_create, op_create },
	{ "rename", 200000, setup_rename, op_rename },
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000000LL + tv->tv_usec * 1000LL;
}

/*
 * CPU time of this process and of its reaped children (the exec loop's
 * /bin/true): what a tracer's hooks add to the workload's own system
 * calls, whatever else the machine runs meanwhile.
 */
static long long cpu_ns(void)
{
	struct rusage self, kids;

	if (getrusage(RUSAGE_SELF, &self) || getrusage(RUSAGE_CHILDREN, &kids))
		return 0;
	return tv_ns(&self.ru_utime) + tv_ns(&self.ru_stime) +
	       tv_ns(&kids.ru_utime) + tv_ns(&kids.ru_stime);
}

/* write(2) all of buf, on a possibly short-writing fd. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void CWS_PRINTF(1, 2) say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		write_all(STDERR_FILENO, buf,
			  (size_t)n < sizeof(buf) ? (size_t)n :
						    sizeof(buf) - 1);
}

/*
 * One process's part: set up, warm up, wait at the barrier, loop. Runs in
 * a child; returns its exit code.
 */
static int run_worker(const struct loop *l, int idx, const char *dir,
		      long long iters, long long warmup, long long deadline_ns,
		      const int *ready, const int *start)
{
	struct worker w = { .idx = idx };
	struct result *r = &results[idx];
	long long i, n = 0;
	char c = 0;

	if (l->setup(&w, dir))
		return 1;
	/* Warm the dentry cache and the page tables before the clock runs. */
	for (i = 0; i < warmup; i++)
		if (l->op(&w))
			return 1;
	/*
	 * Say we are ready, then wait for the parent's start (EOF). Closing
	 * our end of the ready pipe lets the parent see EOF there, instead
	 * of waiting forever, if a sibling dies before it is ready.
	 */
	if (write(ready[1], &c, 1) != 1) {
		fail(&w, "write to the ready pipe", errno);
		return 1;
	}
	close(ready[1]);
	if (read(start[0], &c, 1) < 0) {
		fail(&w, "read the start pipe", errno);
		return 1;
	}
	r->cpu_ns = cpu_ns();
	if (deadline_ns) {
		long long end = now_ns() + deadline_ns;

		for (;;) {
			for (i = 0; i < CLOCK_EVERY; i++, n++)
				if (l->op(&w)) {
					r->ops = n;
					return 1;
				}
			if (now_ns() >= end)
				break;
		}
	} else {
		for (n = 0; n < iters; n++)
			if (l->op(&w)) {
				r->ops = n;
				return 1;
			}
	}
	r->ops = n;
	r->cpu_ns = cpu_ns() - r->cpu_ns;
	return 0;
}

/* Runs one loop in procs processes and prints its line; 0 or -1. */
static int run_loop(const struct loop *l, const char *dir, int procs,
		    long long iters, long long warmup, double seconds)
{
	pid_t pids[MAX_PROCS];
	int ready[2], start[2], i, n, st, rc = 0;
	long long t0, t1, ops = 0, ns, cpu = 0;
	char line[256], c;
	int len;

	if (!iters)
		iters = l->default_iters;
	if (warmup < 0)
		warmup = iters / 100 < 1000 ? iters / 100 : 1000;
	memset(results, 0, sizeof(*results) * MAX_PROCS);
	if (pipe(ready)) {
		say(PROG ": error: cannot make a pipe: %s\n", strerror(errno));
		return -1;
	}
	if (pipe(start)) {
		say(PROG ": error: cannot make a pipe: %s\n", strerror(errno));
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			say(PROG ": error: cannot fork: %s\n", strerror(errno));
			procs = i;
			rc = -1;
			break;
		}
		if (!pids[i]) {
			close(ready[0]);
			close(start[1]);
			_exit(run_worker(l, i, dir, iters, warmup,
					 (long long)(seconds * 1e9), ready,
					 start));
		}
	}
	close(ready[1]);
	close(start[0]);
	/*
	 * Wait until every child is set up and warm (or gone: EOF), then
	 * start them all at once: closing the start pipe wakes every reader.
	 */
	for (n = 0; n < procs;) {
		ssize_t got = read(ready[0], &c, 1);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n++;
	}
	close(ready[0]);
	if (go_signal) {
		say("ready\n");
		while (read(STDIN_FILENO, &c, 1) < 0 && errno == EINTR)
			;
	}
	t0 = now_ns();
	close(start[1]);
	for (i = 0; i < procs; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			rc = -1;
	}
	t1 = now_ns();
	for (i = 0; i < procs; i++) {
		ops += results[i].ops;
		cpu += results[i].cpu_ns;
		if (results[i].err)
			say(PROG ": error: %s, process %d of loop '%s': %s\n",
			    results[i].what, i, l->name,
			    strerror(results[i].err));
	}
	if (rc) {
		say(PROG ": error: loop '%s' failed after %lld operations\n",
		    l->name, ops);
		return -1;
	}
	ns = t1 - t0;
	len = snprintf(
		line, sizeof(line),
		"workload loop=%s procs=%d ops=%lld ns=%lld ns_per_op=%.1f ops_per_s=%.0f cpu_ns_per_op=%.1f\n",
		l->name, procs, ops, ns,
		ops ? (double)ns * procs / (double)ops : 0.0,
		ns ? (double)ops * 1e9 / (double)ns : 0.0,
		ops ? (double)cpu / (double)ops : 0.0);
	if (write_all(STDOUT_FILENO, line, (size_t)len)) {
		say(PROG ": error: cannot write to standard output: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Marks the loops named in a comma-separated list; -1 on an unknown one. */
static int parse_loops(const char *list, bool *want)
{
	char buf[256], *tok, *save = NULL;
	size_t i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		for (i = 0; i < CWS_ARRAY_SIZE(loops); i++) {
			if (!strcmp(tok, "all") ||
			    !strcmp(tok, loops[i].name)) {
				want[i] = true;
				found = true;
			}
		}
		if (!found) {
			say(PROG ": error: unknown loop '%s'\n", tok);
			return -1;
		}
	}
	return 0;
}

static void usage(int fd, int code)
{
	write_all(fd, usage_text, sizeof(usage_text) - 1);
	exit(code);
}

static long long number(const char *s, long long min, long long max,
			const char *what)
{
	const char *errstr;
	long long v = cws_strtonum(s, min, max, &errstr);

	if (errstr) {
		say(PROG ": error: %s '%s' is %s\n", what, s, errstr);
		usage(STDERR_FILENO, 2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "go", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "loop", required_argument, NULL, 'l' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	bool want[CWS_ARRAY_SIZE(loops)] = { false }, any = false;
	const char *parent = "/dev/shm";
	long long iters = 0, warmup = -1;
	double seconds = 0;
	char dir[PATH_MAX];
	int opt, procs = 1, rc = 0;
	size_t i;

	child_envp = environ;
	while ((opt = getopt_long(argc, argv, "d:ghj:l:n:t:w:", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			parent = optarg;
			break;
		case 'g':
			go_signal = true;
			break;
		case 'h':
			usage(STDOUT_FILENO, 0);
			break;
		case 'j':
			procs = (int)number(optarg, 1, MAX_PROCS,
					    "process count");
			break;
		case 'l':
			if (parse_loops(optarg, want))
				usage(STDERR_FILENO, 2);
			break;
		case 'n':
			iters = number(optarg, 1, 1000000000LL,
				       "iteration count");
			break;
		case 't':
			seconds = (double)number(optarg, 1, 3600, "duration");
			break;
		case 'w':
			warmup = number(optarg, 0, 1000000000LL,
					"warm-up count");
			break;
		default:
			usage(STDERR_FILENO, 2);
		}
	}
	if (optind != argc)
		usage(STDERR_FILENO, 2);
	for (i = 0; i < CWS_ARRAY_SIZE(loops); i++)
		any |= want[i];
	if (!any)
		for (i = 0; i < CWS_ARRAY_SIZE(loops); i++)
			want[i] = true;

	results = mmap(NULL, sizeof(*results) * MAX_PROCS,
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		       0);
	if (results == MAP_FAILED) {
		say(PROG ": error: cannot map the results: %s\n",
		    strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/cws-workload.XXXXXX", parent);
	if (!mkdtemp(dir)) {
		say(PROG ": error: cannot make a directory in '%s': %s\n",
		    parent, strerror(errno));
		return 1;
	}
	for (i = 0; i < CWS_ARRAY_SIZE(loops) && !rc; i++)
		if (want[i] &&
		    run_loop(&loops[i], dir, procs, iters, warmup, seconds))
			rc = 1;

	/* Whatever the loops left behind: their files are named by index. */
	for (i = 0; i < MAX_PROCS; i++) {
		static const char *const names[] = { "open", "create",
						     "rename-a", "rename-b" };
		char path[PATH_MAX + 32];
		size_t k;

		for (k = 0; k < CWS_ARRAY_SIZE(names); k++) {
			snprintf(path, sizeof(path), "%s/%s.%zu", dir, names[k],
				 i);
			unlink(path);
		}
	}
	if (rmdir(dir))
		say(PROG ": warning: cannot remove '%s': %s\n", dir,
		    strerror(errno));
	return rc;
}
