/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger-evasion: opens or runs a file the way an attacker would to
 * slip past a monitor that watches the usual system calls, so that the
 * evasion tests (t1960) can check what cws-probe reports. Each technique
 * prints one line, "PID RESULT" (its own pid and the raw result: an fd, a
 * negative errno on failure), and exits 0 whatever the call returned; 1
 * when a preparatory step failed, 2 on a usage error.
 *
 *   cws-trigger-evasion uring OP PATH [sqpoll] [skip] [fixed]
 *	opens PATH read-only through io_uring: OP is openat or openat2
 *	(IORING_OP_OPENAT, IORING_OP_OPENAT2). sqpoll: the ring has a
 *	kernel submission thread (IORING_SETUP_SQPOLL), so the process
 *	makes no io_uring_enter to submit; skip: the request asks for no
 *	completion on success (IOSQE_CQE_SKIP_SUCCESS), the result printed
 *	is then that of a NOP submitted after it; fixed: the file goes into
 *	the ring's table of direct descriptors (slot 0), not the fd table.
 *	Raw io_uring_setup/io_uring_enter and the rings mapped by hand, as
 *	a small implant would do it: nothing from liburing.
 *   cws-trigger-evasion compat-open PATH
 *   cws-trigger-evasion compat-openat PATH
 *   cws-trigger-evasion compat-delete-module NAME
 *	open(2), openat(AT_FDCWD, ...) or delete_module(NAME, O_NONBLOCK)
 *	through the 32-bit entry, int 0x80, from this 64-bit process (i386
 *	numbers 5, 295 and 129); the string is copied below 4 GiB, where a
 *	32-bit pointer reaches it.
 *   cws-trigger-evasion procfd-open PATH
 *	opens PATH with O_PATH, then opens /proc/self/fd/N read-only; the
 *	line has a third field, N.
 *   cws-trigger-evasion execveat-memfd FILE [ARGS...]
 *	copies FILE into a memfd named "cws-evasion" and runs it with
 *	execveat(fd, "", ..., AT_EMPTY_PATH); the line is printed before
 *	the exec (RESULT 0), the exec'd program keeps the pid.
 *   cws-trigger-evasion execveat-fd FILE [ARGS...]
 *	the same with an O_PATH fd of FILE itself.
 *   cws-trigger-evasion toctou FIFO DECOY [WRITER]
 *	a thread opens FIFO read-only from a buffer, which blocks in the
 *	kernel until a writer comes; meanwhile a second thread rewrites the
 *	buffer to DECOY, then opens WRITER (another name of the FIFO, FIFO
 *	itself by default) write-only, which lets the first open return. At
 *	the first open's exit, its path argument names DECOY.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/io_uring.h>
#include <linux/openat2.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 1u
#endif

/* i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define I386_OPEN 5
#define I386_OPENAT 295
#define I386_DELETE_MODULE 129

static const char *prog = "cws-trigger-evasion";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s uring openat|openat2 PATH [sqpoll] [skip] [fixed]\n"
		"       %s compat-open|compat-openat|procfd-open PATH\n"
		"       %s compat-delete-module NAME\n"
		"       %s execveat-memfd|execveat-fd FILE [ARGS...]\n"
		"       %s toctou FIFO DECOY [WRITER]\n",
		prog, prog, prog, prog, prog);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(1);
}

static long result(long r)
{
	return r < 0 ? -errno : r;
}

static void report(long r)
{
	printf("%d %ld\n", getpid(), r);
	fflush(stdout);
}

/* A ring, mapped by hand. */
struct ring {
	int fd;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *sq_flags;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_init(struct ring *r, unsigned flags)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	p.sq_thread_idle = 2000; /* ms: the thread stays awake for us */
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (r->fd < 0)
		die("io_uring_setup");
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_len > sq_len)
			sq_len = cq_len;
		cq_len = sq_len;
	}
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		die("mmap of the submission ring");
	cq = sq;
	if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
		cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
		if (cq == MAP_FAILED)
			die("mmap of the completion ring");
	}
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		die("mmap of the submission entries");
	r->sq_head = (unsigned *)(sq + p.sq_off.head);
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->sq_flags = (unsigned *)(sq + p.sq_off.flags);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* The next free entry, zeroed; published by ring_push. */
static struct io_uring_sqe *ring_sqe(struct ring *r)
{
	unsigned tail = *r->sq_tail, i = tail & *r->sq_mask;

	memset(&r->sqes[i], 0, sizeof(r->sqes[i]));
	r->sq_array[i] = i;
	return &r->sqes[i];
}

static void ring_push(struct ring *r)
{
	__atomic_store_n(r->sq_tail, *r->sq_tail + 1, __ATOMIC_RELEASE);
}

/*
 * Submits what was pushed (a plain enter, or a wakeup of the polling
 * thread) and waits for one completion; returns its result.
 */
static int ring_wait(struct ring *r, unsigned to_submit, int sqpoll)
{
	unsigned head, flags = IORING_ENTER_GETEVENTS;
	struct io_uring_cqe *cqe;
	int res;

	if (sqpoll) {
		to_submit = 0;
		if (__atomic_load_n(r->sq_flags, __ATOMIC_ACQUIRE) &
		    IORING_SQ_NEED_WAKEUP)
			flags |= IORING_ENTER_SQ_WAKEUP;
	}
	for (;;) {
		head = *r->cq_head;
		if (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
			break;
		if (syscall(SYS_io_uring_enter, r->fd, to_submit, 1, flags,
			    NULL, 0) < 0 &&
		    errno != EINTR)
			die("io_uring_enter");
		to_submit = 0;
	}
	cqe = &r->cqes[head & *r->cq_mask];
	res = cqe->res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int uring(int argc, char **argv)
{
	int sqpoll = 0, skip = 0, fixed = 0, op, i, res, slot = -1;
	static struct open_how how;
	struct io_uring_sqe *sqe;
	struct ring r;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "openat"))
		op = IORING_OP_OPENAT;
	else if (!strcmp(argv[1], "openat2"))
		op = IORING_OP_OPENAT2;
	else
		usage();
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "sqpoll"))
			sqpoll = 1;
		else if (!strcmp(argv[i], "skip"))
			skip = 1;
		else if (!strcmp(argv[i], "fixed"))
			fixed = 1;
		else
			usage();
	}
	ring_init(&r, sqpoll ? IORING_SETUP_SQPOLL : 0);
	if (fixed) {
		/* One empty slot (-1) in the table of direct descriptors. */
		if (syscall(SYS_io_uring_register, r.fd, IORING_REGISTER_FILES,
			    &slot, 1) < 0)
			die("io_uring_register");
	}
	sqe = ring_sqe(&r);
	sqe->opcode = (uint8_t)op;
	sqe->fd = AT_FDCWD;
	sqe->addr = (uintptr_t)argv[2];
	if (op == IORING_OP_OPENAT) {
		sqe->open_flags = O_RDONLY;
	} else {
		how.flags = O_RDONLY;
		sqe->addr2 = (uintptr_t)&how;
		sqe->len = sizeof(how);
	}
	if (fixed)
		sqe->file_index = 1; /* slot 0 */
	if (skip)
		sqe->flags = IOSQE_CQE_SKIP_SUCCESS;
	ring_push(&r);
	if (skip) {
		/* The NOP completes once the open has been issued. */
		sqe = ring_sqe(&r);
		sqe->opcode = IORING_OP_NOP;
		ring_push(&r);
		res = ring_wait(&r, 2, sqpoll);
	} else {
		res = ring_wait(&r, 1, sqpoll);
	}
	report(res);
	return 0;
}

/* A 32-bit system call through int 0x80 (clobbers r8-r11). */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int compat(const char *call, const char *path)
{
	size_t n = strlen(path) + 1;
	char *low;
	long r;

	/* A 32-bit pointer: the copy must sit below 4 GiB. */
	low = mmap(NULL, n, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		die("mmap below 4 GiB");
	memcpy(low, path, n);
	if (!strcmp(call, "compat-open"))
		r = int80(I386_OPEN, (long)(uintptr_t)low, O_RDONLY, 0);
	else if (!strcmp(call, "compat-delete-module"))
		r = int80(I386_DELETE_MODULE, (long)(uintptr_t)low, O_NONBLOCK,
			  0);
	else
		r = int80(I386_OPENAT, AT_FDCWD, (long)(uintptr_t)low,
			  O_RDONLY);
	report((int)r);
	return 0;
}

static int procfd(const char *path)
{
	char name[64];
	int fd = open(path, O_PATH | O_CLOEXEC);
	long r;

	if (fd < 0)
		die("open");
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	r = result(syscall(SYS_open, name, O_RDONLY | O_CLOEXEC, 0));
	printf("%d %ld %d\n", getpid(), r, fd);
	return 0;
}

/* Copies file into a new memfd; returns the memfd. */
static int memfd_copy(const char *file)
{
	char buf[65536];
	int in, fd;
	ssize_t n;

	fd = (int)syscall(SYS_memfd_create, "cws-evasion", MFD_CLOEXEC);
	if (fd < 0)
		die("memfd_create");
	in = open(file, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("open");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			die("write");
	if (n < 0)
		die("read");
	close(in);
	return fd;
}

static int run_fd(int memfd, int argc, char **argv)
{
	extern char **environ;
	char *none[] = { argv[1], NULL };
	int fd;

	if (memfd) {
		fd = memfd_copy(argv[1]);
	} else {
		fd = open(argv[1], O_PATH | O_CLOEXEC);
		if (fd < 0)
			die("open");
	}
	report(0);
	/* O_CLOEXEC on fd: the kernel keeps the file it runs itself. */
	syscall(SYS_execveat, fd, "", argc > 2 ? argv + 1 : none, environ,
		AT_EMPTY_PATH);
	die("execveat");
	return 1;
}

/* The TOCTOU race, made deterministic by a FIFO that blocks the open. */
static struct {
	char buf[4096];
	const char *decoy, *writer;
	pid_t opener;
} race;

/* Whether thread tid is inside system call nr right now. */
static int in_syscall(pid_t tid, long nr)
{
	char name[64], line[256];
	FILE *f;
	long cur = -1;

	snprintf(name, sizeof(name), "/proc/self/task/%d/syscall", tid);
	f = fopen(name, "re");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f))
		cur = strtol(line, NULL, 10);
	fclose(f);
	return cur == nr;
}

static void *swapper(void *unused)
{
	struct timespec tick = { 0, 1000000 };
	int i, fd;

	(void)unused;
	for (i = 0; i < 5000; i++) {
		if (__atomic_load_n(&race.opener, __ATOMIC_ACQUIRE) &&
		    in_syscall(race.opener, SYS_open))
			break;
		nanosleep(&tick, NULL);
	}
	/* The kernel has its copy of the name; the buffer is ours again. */
	nanosleep(&tick, NULL);
	snprintf(race.buf, sizeof(race.buf), "%s", race.decoy);
	fd = open(race.writer, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die("open of the writer");
	/* Held until the process exits: the reader must see it open. */
	return NULL;
}

static int toctou(int argc, char **argv)
{
	pthread_t t;
	long r;

	if (strlen(argv[1]) >= sizeof(race.buf))
		usage();
	snprintf(race.buf, sizeof(race.buf), "%s", argv[1]);
	race.decoy = argv[2];
	race.writer = argc > 3 ? argv[3] : argv[1];
	if (pthread_create(&t, NULL, swapper, NULL))
		die("pthread_create");
	__atomic_store_n(&race.opener, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	r = result(syscall(SYS_open, race.buf, O_RDONLY | O_CLOEXEC, 0));
	pthread_join(t, NULL);
	printf("%d %ld %s\n", getpid(), r, race.buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "uring"))
		return uring(argc - 1, argv + 1);
	if (argc == 3 && (!strcmp(argv[1], "compat-open") ||
			  !strcmp(argv[1], "compat-openat") ||
			  !strcmp(argv[1], "compat-delete-module")))
		return compat(argv[1], argv[2]);
	if (argc == 3 && !strcmp(argv[1], "procfd-open"))
		return procfd(argv[2]);
	if (!strcmp(argv[1], "execveat-memfd"))
		return run_fd(1, argc - 1, argv + 1);
	if (!strcmp(argv[1], "execveat-fd"))
		return run_fd(0, argc - 1, argv + 1);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "toctou"))
		return toctou(argc - 1, argv + 1);
	usage();
	return 2;
}
