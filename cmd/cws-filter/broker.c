/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The action broker: what cws-filter's actions need and cws-filter
 * itself no longer has once it runs as cws_user with no capability.
 *
 * Started as root, before anything untrusted is read, cws-filter forks
 * this small process and talks to it over a socketpair. The broker keeps
 * CAP_KILL (the kill action signals other users' processes),
 * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (the hash action reads a
 * process's file through /proc/PID/root), no_new_privs and a seccomp
 * allow-list of its own (open is its only file system call); it
 * answers two requests:
 *
 *	kill PID SIG    through a pidfd (a recycled pid cannot be hit),
 *	                never pid 0 or 1, cws-filter or itself; it says when
 *	                the signal went and when a SIGKILLed process was gone
 *	open PID PATH   PATH as PID sees it (<proc>/PID/root/PATH), read
 *	                only, the descriptor passed back (SCM_RIGHTS)
 *
 * and exits when cws-filter closes its end. What a compromised
 * cws-filter can do through it is what those requests allow: signal a
 * process, read a file; not write one, not run one.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "broker.h"
#include "event.h"
#include "log.h"
#include "sandbox.h"

#define KILL_EXIT_WAIT_MS 500

enum { OP_KILL = 1, OP_OPEN = 2 };

struct request {
	int op;
	uint32_t pid;
	int sig;
	char path[4096];
};

struct reply {
	int err; /* 0 or an errno */
	uint64_t killed_at, exited_at;
};

static int broker_fd = -1;
static pid_t broker_pid;

bool broker_running(void)
{
	return broker_fd >= 0;
}

pid_t broker_child(void)
{
	return broker_pid;
}

int broker_kill_pidfd(uint32_t pid, int sig, uint64_t *killed_at,
		      uint64_t *exited_at)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	struct pollfd p;
	int rc;

	if (fd < 0 && errno == ESRCH)
		return -ESRCH;
	rc = fd >= 0 ? (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) :
		       kill((pid_t)pid, sig);
	rc = rc ? -errno : 0;
	if (!rc)
		*killed_at = cws_event_now();
	if (!rc && fd >= 0 && sig == SIGKILL) {
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(&p, 1, KILL_EXIT_WAIT_MS) == 1)
			*exited_at = cws_event_now();
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int send_fd(int sock, const struct reply *r, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)r, sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		m.msg_control = cbuf;
		m.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static void serve(int sock, const char *proc, pid_t filter)
{
	struct request q;
	struct reply r;
	char full[PATH_MAX + 64];
	ssize_t n;
	int fd;

	for (;;) {
		n = recv(sock, &q, sizeof(q), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* cws-filter is gone */
		memset(&r, 0, sizeof(r));
		fd = -1;
		if ((size_t)n != sizeof(q)) {
			r.err = EINVAL;
		} else if (q.op == OP_KILL) {
			if (q.pid <= 1 || q.pid == (uint32_t)filter ||
			    q.pid == (uint32_t)getpid())
				r.err = EPERM;
			else
				r.err = -broker_kill_pidfd(q.pid, q.sig,
							   &r.killed_at,
							   &r.exited_at);
		} else if (q.op == OP_OPEN) {
			q.path[sizeof(q.path) - 1] = '\0';
			if (q.path[0] != '/' ||
			    (size_t)snprintf(full, sizeof(full), "%s/%u/root%s",
					     proc, q.pid,
					     q.path) >= sizeof(full)) {
				r.err = ENAMETOOLONG;
			} else {
				/* Not blocking: a FIFO must not stall. */
				fd = open(full, O_RDONLY | O_CLOEXEC |
							O_NOCTTY | O_NONBLOCK);
				r.err = fd < 0 ? errno : 0;
			}
		} else {
			r.err = EINVAL;
		}
		send_fd(sock, &r, fd);
		if (fd >= 0)
			close(fd);
	}
}

static void child(int sock, const char *proc, pid_t filter)
{
	static const int caps[] = { CAP_KILL, CAP_SYS_PTRACE,
				    CAP_DAC_READ_SEARCH };
	/* All it does: requests in, answers out, open, signal, log. */
	/* clang-format off */
	static const char *const calls[] = {
		"recvfrom", "recvmsg", "sendto", "sendmsg", "open",
		"openat", "close", "pidfd_open", "pidfd_send_signal", "kill",
		"poll", "ppoll", "write", "writev", "getpid", "gettid",
		"clock_gettime", "brk", "mmap", "munmap", "mprotect",
		"madvise", "futex", "rt_sigreturn", "rt_sigprocmask",
		"restart_syscall", "exit", "exit_group",
	};
	/* clang-format on */
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "cws-broker");
	/* Nothing of cws-filter's but the socket and stderr. */
	if (sock != 3) {
		if (dup2(sock, 3) < 0)
			_exit(1);
		sock = 3;
	}
	closefrom(4);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * No Landlock here: a Landlock domain may not reach into a process
	 * outside it (its ptrace rule), and /proc/PID/root is such a
	 * reach. Opening read-only is all its seccomp list allows for files
	 * (no unlink, rename, link, mkdir, chmod).
	 */
	rc = cws_sandbox_keep_caps(caps, CWS_ARRAY_SIZE(caps));
	if (!rc)
		rc = cws_sandbox_seccomp_only(calls, CWS_ARRAY_SIZE(calls));
	if (rc) {
		cws_errorx("action broker: cannot sandbox itself: %s",
			   strerror(-rc));
		_exit(1);
	}
	serve(sock, proc, filter);
	_exit(0);
}

int broker_start(const char *proc)
{
	int sv[2];
	pid_t filter = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (!pid) {
		close(sv[0]);
		child(sv[1], proc ? proc : "/proc", filter);
	}
	close(sv[1]);
	broker_fd = sv[0];
	broker_pid = pid;
	return 0;
}

static int ask(const struct request *q, struct reply *r, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { r, sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;

	if (send(broker_fd, q, sizeof(*q), MSG_NOSIGNAL) < 0)
		return -errno;
	do
		n = recvmsg(broker_fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*r))
		return n < 0 ? -errno : -EPIPE;
	if (fd) {
		*fd = -1;
		c = CMSG_FIRSTHDR(&m);
		if (c && c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	return 0;
}

int broker_kill(uint32_t pid, int sig, uint64_t *killed_at, uint64_t *exited_at)
{
	struct request q = { .op = OP_KILL, .pid = pid, .sig = sig };
	struct reply r;
	int rc = ask(&q, &r, NULL);

	if (rc)
		return rc;
	*killed_at = r.killed_at;
	*exited_at = r.exited_at;
	return -r.err;
}

int broker_open(uint32_t pid, const char *path)
{
	struct request q = { .op = OP_OPEN, .pid = pid };
	struct reply r;
	int rc, fd = -1;

	size_t len = strlen(path);

	if (len >= sizeof(q.path))
		return -ENAMETOOLONG;
	memcpy(q.path, path, len + 1);
	rc = ask(&q, &r, &fd);
	if (rc)
		return rc;
	if (r.err) {
		if (fd >= 0)
			close(fd);
		return -r.err;
	}
	return fd >= 0 ? fd : -EIO;
}
