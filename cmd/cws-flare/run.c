/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Running the few commands a flare needs (journalctl, tc, the stages'
 * -V): found in PATH or the sbin directories, run with stdin from
 * /dev/null and LC_ALL=C, output captured up to a cap, killed after
 * FLARE_CMD_TIMEOUT seconds. A command that is missing, fails or hangs
 * is a part not collected, never the end of the flare.
 */
#include "compat.h"
#include "flare.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool run_find(const char *name, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *p, *end;
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin",
		 path && *path ? path : "/usr/bin:/bin");
	for (p = dirs; *p; p = *end ? end + 1 : end) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end == p)
			continue;
		snprintf(buf, len, "%.*s/%s", (int)(end - p), p, name);
		if (!access(buf, X_OK))
			return true;
	}
	return false;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int run_cmd(const char *const *argv, struct fbuf *out, char *why, size_t whylen)
{
	long long deadline = now_ms() + FLARE_CMD_TIMEOUT * 1000LL, left;
	int pfd[2], status, rc = 0, devnull;
	struct pollfd pf;
	char buf[8192];
	size_t got = 0;
	bool killed = false;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (!pid) {
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		setenv("LC_ALL", "C", 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	pf.fd = pfd[0];
	pf.events = POLLIN;
	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		if (poll(&pf, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (!pf.revents)
			continue;
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Past the cap, keep reading so the command is not blocked. */
		if (got < FLARE_CMD_MAX)
			fbuf_add(out, buf,
				 (size_t)n < FLARE_CMD_MAX - got ?
					 (size_t)n :
					 FLARE_CMD_MAX - got);
		got += (size_t)n;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			return -ECHILD;
		}
	if (killed) {
		snprintf(why, whylen, "still running after %d seconds",
			 FLARE_CMD_TIMEOUT);
		return -ETIMEDOUT;
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "killed by signal %d", WTERMSIG(status));
		return -EINTR;
	}
	rc = WEXITSTATUS(status);
	if (rc == 127)
		snprintf(why, whylen, "cannot run '%s'", argv[0]);
	else if (rc)
		snprintf(why, whylen, "exit status %d", rc);
	return rc;
}
