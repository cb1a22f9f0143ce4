/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-sysev: the calls behind the system events (setsockopt,
 * prctl), each made once, printing "PID RESULT" (the raw result, a
 * negative errno on failure). Exits 0 whatever the call returned, 1 when
 * a preparatory step failed, 2 on a usage error.
 *
 *   cws-trigger-sysev attach-filter [N [RAWFILE]]
 *	attaches a classic BPF filter to a UDP socket: a 4-instruction
 *	IPv4 filter (no N, or N "ipv4"), or N instructions (N - 1 loads of
 *	constant i, then "ret #0"); RAWFILE gets the filter's raw bytes
 *	(for sha256sum).
 *   cws-trigger-sysev bpfdoor PIDFILE
 *	creates PIDFILE (open O_CREAT), removes it, then attaches the
 *	4-instruction filter from the same process, as BPFDoor does.
 *   cws-trigger-sysev prctl-name NAME
 *	prctl(PR_SET_NAME, NAME).
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>

#define MAX_INSNS 1024

static struct sock_filter four[] = {
	{ 0x28, 0, 0, 0x0000000c }, /* ldh [12] */
	{ 0x15, 0, 1, 0x00000800 }, /* jeq #0x800 jt 2 jf 3 */
	{ 0x06, 0, 0, 0x00040000 }, /* ret #262144 */
	{ 0x06, 0, 0, 0x00000000 }, /* ret #0 */
};

static int usage(void)
{
	fprintf(stderr, "usage: cws-trigger-sysev attach-filter [N [RAWFILE]]\n"
			"       cws-trigger-sysev bpfdoor PIDFILE\n"
			"       cws-trigger-sysev prctl-name NAME\n");
	return 2;
}

static long result(long r)
{
	return r < 0 ? -errno : r;
}

static int attach(struct sock_filter *ins, unsigned short n)
{
	struct sock_fprog prog = { .len = n, .filter = ins };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	long r;

	if (fd < 0) {
		fprintf(stderr, "cws-trigger-sysev: socket: %s\n",
			strerror(errno));
		return 1;
	}
	r = syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		    sizeof(prog));
	printf("%d %ld\n", (int)getpid(), result(r));
	close(fd);
	return 0;
}

static int attach_filter(int argc, char **argv)
{
	static struct sock_filter ins[MAX_INSNS];
	struct sock_filter *f = four;
	unsigned long n = 4, i;
	char *end;
	FILE *out;

	if (argc > 2 && strcmp(argv[2], "ipv4")) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno || *end || n < 1 || n > MAX_INSNS)
			return usage();
		for (i = 0; i + 1 < n; i++)
			ins[i] = (struct sock_filter){ 0x00, 0, 0, (__u32)i };
		ins[n - 1] = (struct sock_filter){ 0x06, 0, 0, 0 };
		f = ins;
	}
	if (argc > 3) {
		out = fopen(argv[3], "wb");
		if (!out || fwrite(f, sizeof(*f), n, out) != n || fclose(out)) {
			fprintf(stderr,
				"cws-trigger-sysev: cannot write '%s'\n",
				argv[3]);
			return 1;
		}
	}
	return attach(f, (unsigned short)n);
}

int main(int argc, char **argv)
{
	long r;
	int fd;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "attach-filter") && argc <= 4)
		return attach_filter(argc, argv);
	if (!strcmp(argv[1], "bpfdoor") && argc == 3) {
		fd = open(argv[2], O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr,
				"cws-trigger-sysev: cannot create '%s': %s\n",
				argv[2], strerror(errno));
			return 1;
		}
		close(fd);
		unlink(argv[2]);
		return attach(four, 4);
	}
	if (!strcmp(argv[1], "prctl-name") && argc == 3) {
		r = syscall(SYS_prctl, PR_SET_NAME, argv[2], 0, 0, 0);
		printf("%d %ld\n", (int)getpid(), result(r));
		return 0;
	}
	return usage();
}
