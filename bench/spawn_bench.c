/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Spawns a program N times (fork + exec + wait, one at a time) and prints
 * the mean microseconds per spawn. bench/run.sh runs it with and without
 * cws-probe attached to measure what the exec hook costs a workload that
 * does little but exec.
 */
#include "compat.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "num.h"

extern char **environ;

int main(int argc, char **argv)
{
	static char true_path[] = "/bin/true";
	char *args[] = { argc > 2 ? argv[2] : true_path, NULL };
	const char *errstr = NULL;
	int n = argc > 1 ? (int)cws_strtonum(argv[1], 1, 100000000, &errstr) :
			   2000;
	int i, st;
	struct timespec a, b;
	pid_t pid;

	if (errstr) {
		fprintf(stderr, "spawn_bench: count is %s\n", errstr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		if (posix_spawn(&pid, args[0], NULL, NULL, args, environ))
			return 1;
		if (waitpid(pid, &st, 0) < 0)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f\n", ((double)(b.tv_sec - a.tv_sec) * 1e6 +
			  (double)(b.tv_nsec - a.tv_nsec) / 1e3) /
				 n);
	return 0;
}
