/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-proc: makes the one system call a process-event test looks
 * for, through syscall(2) so that glibc cannot turn it into another call
 * (setresuid into a broadcast to every thread, kill into tgkill, ...). It
 * prints one line, "PID RESULT": its own pid and the call's raw result (a
 * negative errno on failure), and exits 0 whatever the call returned; 1
 * when a preparatory step failed, 2 on a usage error. Calls that need a
 * second process (ptrace, fork + exit) print "PID RESULT CHILD".
 *
 *   cws-trigger-proc setuid UID
 *   cws-trigger-proc setresuid RUID EUID SUID
 *   cws-trigger-proc setfsgid GID
 *   cws-trigger-proc capset            (the sets it already has)
 *   cws-trigger-proc ptrace            (PTRACE_ATTACH to a child)
 *   cws-trigger-proc kill PID SIG
 *   cws-trigger-proc tkill TID SIG
 *   cws-trigger-proc tgkill TGID TID SIG
 *   cws-trigger-proc bpf-map NAME      (BPF_MAP_CREATE, an array)
 *   cws-trigger-proc init-module PARAMS   (an image of junk)
 *   cws-trigger-proc finit-module FILE PARAMS
 *   cws-trigger-proc delete-module NAME
 *   cws-trigger-proc mount DIR         (tmpfs)
 *   cws-trigger-proc umount DIR
 *   cws-trigger-proc exit CODE         (a child calls exit_group(CODE))
 *   cws-trigger-proc die SIG           (a child kills itself with SIG)
 *   cws-trigger-proc wait FILE CMD ARGS...   (CMD once FILE exists)
 *   cws-trigger-proc in DIR CMD ARGS...      (CMD after chdir(DIR))
 *
 * Ids and numbers are parsed with strtol base 0, so -1 is "unchanged".
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/capability.h>

static const char *prog = "cws-trigger-proc";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s setuid|setresuid|setfsgid|capset|ptrace|kill|tkill|tgkill|\n"
		"       bpf-map|init-module|finit-module|delete-module|mount|umount|\n"
		"       exit|die|wait|in ARGS...\n",
		prog);
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		exit(2);
	}
	return v;
}

static void need(int argc, int n)
{
	if (argc != n)
		usage();
}

/* The raw result: -errno on failure, as the kernel returned it. */
static long raw(long r)
{
	return r == -1 ? -errno : r;
}

static void report(long r)
{
	printf("%d %ld\n", (int)getpid(), raw(r));
}

static int do_ptrace(void)
{
	pid_t child = fork();
	long r;

	if (child < 0)
		return 1;
	if (!child) {
		pause();
		_exit(0);
	}
	r = syscall(SYS_ptrace, PTRACE_ATTACH, child, NULL, NULL);
	r = raw(r);
	if (r == 0)
		waitpid(child, NULL, __WALL);
	kill(child, SIGKILL);
	waitpid(child, NULL, __WALL);
	printf("%d %ld %d\n", (int)getpid(), r, (int)child);
	return 0;
}

static int do_capset(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 1;
	report(syscall(SYS_capset, &hdr, data));
	return 0;
}

static int do_bpf_map(const char *name)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	snprintf(attr.map_name, sizeof(attr.map_name), "%s", name);
	report(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
	return 0;
}

/* A child that ends with status: exit code or signal. */
static int do_child_end(long code, int sig)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return 1;
	if (!child) {
		if (sig)
			syscall(SYS_kill, getpid(), sig);
		syscall(SYS_exit_group, code);
		_exit(127);
	}
	waitpid(child, &status, 0);
	printf("%d %d %d\n", (int)getpid(), status, (int)child);
	return 0;
}

static int run(int argc, char **argv);

/* Polls for a file without a syscall a test would see as an event. */
static int do_wait(int argc, char **argv)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	if (argc < 4)
		usage();
	while (access(argv[2], F_OK))
		nanosleep(&ts, NULL);
	return run(argc - 2, argv + 2);
}

/* Changes directory first, as a process does between exec and its work. */
static int do_in(int argc, char **argv)
{
	if (argc < 4)
		usage();
	if (syscall(SYS_chdir, argv[2])) {
		perror(argv[2]);
		return 1;
	}
	return run(argc - 2, argv + 2);
}

static int run(int argc, char **argv)
{
	const char *cmd;
	int fd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if (!strcmp(cmd, "setuid")) {
		need(argc, 3);
		report(syscall(SYS_setuid, num(argv[2])));
	} else if (!strcmp(cmd, "setresuid")) {
		need(argc, 5);
		report(syscall(SYS_setresuid, num(argv[2]), num(argv[3]),
			       num(argv[4])));
	} else if (!strcmp(cmd, "setfsgid")) {
		need(argc, 3);
		report(syscall(SYS_setfsgid, num(argv[2])));
	} else if (!strcmp(cmd, "capset")) {
		need(argc, 2);
		return do_capset();
	} else if (!strcmp(cmd, "ptrace")) {
		need(argc, 2);
		return do_ptrace();
	} else if (!strcmp(cmd, "kill")) {
		need(argc, 4);
		report(syscall(SYS_kill, num(argv[2]), num(argv[3])));
	} else if (!strcmp(cmd, "tkill")) {
		need(argc, 4);
		report(syscall(SYS_tkill, num(argv[2]), num(argv[3])));
	} else if (!strcmp(cmd, "tgkill")) {
		need(argc, 5);
		report(syscall(SYS_tgkill, num(argv[2]), num(argv[3]),
			       num(argv[4])));
	} else if (!strcmp(cmd, "bpf-map")) {
		need(argc, 3);
		return do_bpf_map(argv[2]);
	} else if (!strcmp(cmd, "init-module")) {
		static const char junk[] = "\177ELF not a module";

		need(argc, 3);
		report(syscall(SYS_init_module, junk, sizeof(junk), argv[2]));
	} else if (!strcmp(cmd, "finit-module")) {
		need(argc, 4);
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		report(syscall(SYS_finit_module, fd, argv[3], 0));
		close(fd);
	} else if (!strcmp(cmd, "delete-module")) {
		need(argc, 3);
		report(syscall(SYS_delete_module, argv[2], O_NONBLOCK));
	} else if (!strcmp(cmd, "mount")) {
		need(argc, 3);
		report(syscall(SYS_mount, "tmpfs", argv[2], "tmpfs", MS_NOSUID,
			       "size=1m"));
	} else if (!strcmp(cmd, "umount")) {
		need(argc, 3);
		report(syscall(SYS_umount2, argv[2], 0));
	} else if (!strcmp(cmd, "exit")) {
		need(argc, 3);
		return do_child_end(num(argv[2]), 0);
	} else if (!strcmp(cmd, "die")) {
		need(argc, 3);
		return do_child_end(0, (int)num(argv[2]));
	} else if (!strcmp(cmd, "wait")) {
		return do_wait(argc, argv);
	} else if (!strcmp(cmd, "in")) {
		return do_in(argc, argv);
	} else {
		usage();
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return run(argc, argv);
}
