/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cws-trigger: makes exactly one system call, so that a probe test knows
 * which event to look for. It calls syscall(2) with the number of the call
 * named, because glibc maps its wrappers onto other calls (open onto
 * openat, chmod onto fchmodat, ...), and prints one line: its pid and the
 * call's raw result (a negative errno on failure). It exits 0 whatever
 * the call returned; 2 on a usage error, 1 when a preparatory step (such
 * as opening the file an fd call works on) failed.
 *
 *   cws-trigger open PATH FLAGS [MODE]
 *
 * FLAGS and MODE are numbers (strtoul base 0, so 0644 is octal) or symbol
 * names joined with '|' (O_CREAT|O_WRONLY). A DIR argument names the
 * directory of an *at call: "cwd" for AT_FDCWD, otherwise a path opened
 * with O_PATH first. A PATH of "-" is a NULL pointer.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/openat2.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

struct sym {
	const char *name;
	unsigned long value;
};

static const struct sym syms[] = {
	{ "O_RDONLY", O_RDONLY },
	{ "O_WRONLY", O_WRONLY },
	{ "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT },
	{ "O_EXCL", O_EXCL },
	{ "O_TRUNC", O_TRUNC },
	{ "O_APPEND", O_APPEND },
	{ "O_DIRECTORY", O_DIRECTORY },
	{ "O_NOFOLLOW", O_NOFOLLOW },
	{ "O_CLOEXEC", O_CLOEXEC },
	{ "O_PATH", O_PATH },
	{ "O_TMPFILE", O_TMPFILE },
	{ "AT_REMOVEDIR", AT_REMOVEDIR },
	{ "AT_SYMLINK_NOFOLLOW", AT_SYMLINK_NOFOLLOW },
	{ "AT_SYMLINK_FOLLOW", AT_SYMLINK_FOLLOW },
	{ "AT_EMPTY_PATH", AT_EMPTY_PATH },
	{ "RENAME_NOREPLACE", 1 },
	{ "RENAME_EXCHANGE", 2 },
	{ "PROT_NONE", PROT_NONE },
	{ "PROT_READ", PROT_READ },
	{ "PROT_WRITE", PROT_WRITE },
	{ "PROT_EXEC", PROT_EXEC },
	{ "MAP_SHARED", MAP_SHARED },
	{ "MAP_PRIVATE", MAP_PRIVATE },
	{ "MAP_ANONYMOUS", MAP_ANONYMOUS },
	{ "MFD_CLOEXEC", 1 },
	{ "MFD_ALLOW_SEALING", 2 },
	{ "XATTR_CREATE", XATTR_CREATE },
	{ "XATTR_REPLACE", XATTR_REPLACE },
};

static const char *prog = "cws-trigger";

static void usage(void)
{
	fprintf(stderr,
		"usage: %s call args...\n"
		"calls: open PATH FLAGS [MODE] | openat DIR PATH FLAGS [MODE] |\n"
		"  openat2 DIR PATH FLAGS [MODE] | creat PATH MODE |\n"
		"  unlink PATH | unlinkat DIR PATH [FLAGS] | rmdir PATH |\n"
		"  rename OLD NEW | renameat DIR OLD DIR NEW |\n"
		"  renameat2 DIR OLD DIR NEW FLAGS | chmod PATH MODE |\n"
		"  fchmod PATH MODE | fchmodat DIR PATH MODE |\n"
		"  fchmodat2 DIR PATH MODE FLAGS | chown PATH UID GID |\n"
		"  lchown PATH UID GID | fchown PATH UID GID |\n"
		"  fchownat DIR PATH UID GID FLAGS | mkdir PATH MODE |\n"
		"  mkdirat DIR PATH MODE | link OLD NEW |\n"
		"  linkat DIR OLD DIR NEW FLAGS | symlink TARGET PATH |\n"
		"  symlinkat TARGET DIR PATH | utime PATH | utimes PATH |\n"
		"  utimensat DIR PATH FLAGS | futimesat DIR PATH |\n"
		"  setxattr PATH NAME VALUE [FLAGS] | lsetxattr ... |\n"
		"  fsetxattr PATH NAME VALUE [FLAGS] | removexattr PATH NAME |\n"
		"  lremovexattr PATH NAME | fremovexattr PATH NAME |\n"
		"  chdir PATH | fchdir PATH | splice PATH LEN |\n"
		"  splice-drained PATH LEN |\n"
		"  mmap PATH|- PROT FLAGS | mprotect PROT |\n"
		"  memfd_create NAME FLAGS\n",
		prog);
	exit(2);
}

/* A number, or symbols joined with '|'. */
static unsigned long num(const char *s)
{
	unsigned long v = 0;
	char buf[256], *tok, *save = NULL, *end;
	size_t i;

	if (strlen(s) >= sizeof(buf))
		usage();
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		errno = 0;
		v |= strtoul(tok, &end, 0);
		if (!errno && end != tok && !*end)
			continue;
		for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
			if (!strcmp(tok, syms[i].name))
				break;
		if (i == sizeof(syms) / sizeof(syms[0])) {
			fprintf(stderr, "%s: unknown value '%s'\n", prog, tok);
			exit(2);
		}
		v |= syms[i].value;
	}
	return v;
}

static const char *path(const char *s)
{
	return strcmp(s, "-") ? s : NULL;
}

/* An fd for a DIR argument: AT_FDCWD for "cwd", else an O_PATH fd. */
static int dirfd_of(const char *s)
{
	int fd;

	if (!strcmp(s, "cwd"))
		return AT_FDCWD;
	fd = open(s, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open '%s': %s\n", prog, s,
			strerror(errno));
		exit(1);
	}
	return fd;
}

/* An fd on a file, for the f* calls. */
static int fd_of(const char *s, int flags)
{
	int fd = open(s, flags | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot open '%s': %s\n", prog, s,
			strerror(errno));
		exit(1);
	}
	return fd;
}

/* Fills the pipe's whole ring, then reads it all back. */
static void drain_pipe(int p[2])
{
	static char buf[4096];
	int size = fcntl(p[1], F_GETPIPE_SZ), i;

	for (i = 0; size > 0 && i < size / (int)sizeof(buf); i++)
		if (write(p[1], buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    read(p[0], buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "%s: cannot fill the pipe\n", prog);
			exit(1);
		}
}

static void need(int argc, int n)
{
	if (argc < n)
		usage();
}

static long run(int argc, char **argv)
{
	const char *call = argv[0];

	need(argc, 2);
	if (!strcmp(call, "open")) {
		need(argc, 3);
		return syscall(SYS_open, path(argv[1]), (int)num(argv[2]),
			       argc > 3 ? (int)num(argv[3]) : 0);
	}
	if (!strcmp(call, "openat")) {
		need(argc, 4);
		return syscall(SYS_openat, dirfd_of(argv[1]), path(argv[2]),
			       (int)num(argv[3]),
			       argc > 4 ? (int)num(argv[4]) : 0);
	}
	if (!strcmp(call, "openat2")) {
		struct open_how how = { 0 };

		need(argc, 4);
		how.flags = num(argv[3]);
		how.mode = argc > 4 ? num(argv[4]) : 0;
		return syscall(SYS_openat2, dirfd_of(argv[1]), path(argv[2]),
			       &how, sizeof(how));
	}
	if (!strcmp(call, "creat")) {
		need(argc, 3);
		return syscall(SYS_creat, path(argv[1]), (int)num(argv[2]));
	}
	if (!strcmp(call, "unlink"))
		return syscall(SYS_unlink, path(argv[1]));
	if (!strcmp(call, "unlinkat")) {
		need(argc, 3);
		return syscall(SYS_unlinkat, dirfd_of(argv[1]), path(argv[2]),
			       argc > 3 ? (int)num(argv[3]) : 0);
	}
	if (!strcmp(call, "rmdir"))
		return syscall(SYS_rmdir, path(argv[1]));
	if (!strcmp(call, "rename")) {
		need(argc, 3);
		return syscall(SYS_rename, path(argv[1]), path(argv[2]));
	}
	if (!strcmp(call, "renameat") || !strcmp(call, "renameat2")) {
		int two = !strcmp(call, "renameat2");

		need(argc, two ? 6 : 5);
		if (two)
			return syscall(SYS_renameat2, dirfd_of(argv[1]),
				       path(argv[2]), dirfd_of(argv[3]),
				       path(argv[4]), (unsigned)num(argv[5]));
		return syscall(SYS_renameat, dirfd_of(argv[1]), path(argv[2]),
			       dirfd_of(argv[3]), path(argv[4]));
	}
	if (!strcmp(call, "chmod")) {
		need(argc, 3);
		return syscall(SYS_chmod, path(argv[1]), (int)num(argv[2]));
	}
	if (!strcmp(call, "fchmod")) {
		need(argc, 3);
		return syscall(SYS_fchmod, fd_of(argv[1], O_RDONLY),
			       (int)num(argv[2]));
	}
	if (!strcmp(call, "fchmodat")) {
		need(argc, 4);
		return syscall(SYS_fchmodat, dirfd_of(argv[1]), path(argv[2]),
			       (int)num(argv[3]));
	}
	if (!strcmp(call, "fchmodat2")) {
		need(argc, 5);
		return syscall(SYS_fchmodat2, dirfd_of(argv[1]), path(argv[2]),
			       (int)num(argv[3]), (int)num(argv[4]));
	}
	if (!strcmp(call, "chown") || !strcmp(call, "lchown") ||
	    !strcmp(call, "fchown")) {
		long nr = call[0] == 'l' ? SYS_lchown : SYS_chown;

		need(argc, 4);
		if (call[0] == 'f')
			return syscall(SYS_fchown, fd_of(argv[1], O_RDONLY),
				       (int)strtol(argv[2], NULL, 0),
				       (int)strtol(argv[3], NULL, 0));
		return syscall(nr, path(argv[1]), (int)strtol(argv[2], NULL, 0),
			       (int)strtol(argv[3], NULL, 0));
	}
	if (!strcmp(call, "fchownat")) {
		need(argc, 6);
		return syscall(SYS_fchownat, dirfd_of(argv[1]), path(argv[2]),
			       (int)strtol(argv[3], NULL, 0),
			       (int)strtol(argv[4], NULL, 0),
			       (int)num(argv[5]));
	}
	if (!strcmp(call, "mkdir")) {
		need(argc, 3);
		return syscall(SYS_mkdir, path(argv[1]), (int)num(argv[2]));
	}
	if (!strcmp(call, "mkdirat")) {
		need(argc, 4);
		return syscall(SYS_mkdirat, dirfd_of(argv[1]), path(argv[2]),
			       (int)num(argv[3]));
	}
	if (!strcmp(call, "link")) {
		need(argc, 3);
		return syscall(SYS_link, path(argv[1]), path(argv[2]));
	}
	if (!strcmp(call, "linkat")) {
		need(argc, 6);
		return syscall(SYS_linkat, dirfd_of(argv[1]), path(argv[2]),
			       dirfd_of(argv[3]), path(argv[4]),
			       (int)num(argv[5]));
	}
	if (!strcmp(call, "symlink")) {
		need(argc, 3);
		return syscall(SYS_symlink, path(argv[1]), path(argv[2]));
	}
	if (!strcmp(call, "symlinkat")) {
		need(argc, 4);
		return syscall(SYS_symlinkat, path(argv[1]), dirfd_of(argv[2]),
			       path(argv[3]));
	}
	if (!strcmp(call, "utime"))
		return syscall(SYS_utime, path(argv[1]), NULL);
	if (!strcmp(call, "utimes"))
		return syscall(SYS_utimes, path(argv[1]), NULL);
	if (!strcmp(call, "utimensat")) {
		need(argc, 4);
		return syscall(SYS_utimensat, dirfd_of(argv[1]), path(argv[2]),
			       NULL, (int)num(argv[3]));
	}
	if (!strcmp(call, "futimesat")) {
		need(argc, 3);
		return syscall(SYS_futimesat, dirfd_of(argv[1]), path(argv[2]),
			       NULL);
	}
	if (!strcmp(call, "setxattr") || !strcmp(call, "lsetxattr") ||
	    !strcmp(call, "fsetxattr")) {
		int flags;

		need(argc, 4);
		flags = argc > 4 ? (int)num(argv[4]) : 0;
		if (call[0] == 'f')
			return syscall(SYS_fsetxattr, fd_of(argv[1], O_RDONLY),
				       argv[2], argv[3], strlen(argv[3]),
				       flags);
		return syscall(call[0] == 'l' ? SYS_lsetxattr : SYS_setxattr,
			       path(argv[1]), argv[2], argv[3], strlen(argv[3]),
			       flags);
	}
	if (!strcmp(call, "removexattr") || !strcmp(call, "lremovexattr") ||
	    !strcmp(call, "fremovexattr")) {
		need(argc, 3);
		if (call[0] == 'f')
			return syscall(SYS_fremovexattr,
				       fd_of(argv[1], O_RDONLY), argv[2]);
		return syscall(call[0] == 'l' ? SYS_lremovexattr :
						SYS_removexattr,
			       path(argv[1]), argv[2]);
	}
	if (!strcmp(call, "chdir"))
		return syscall(SYS_chdir, path(argv[1]));
	if (!strcmp(call, "fchdir"))
		return syscall(SYS_fchdir,
			       fd_of(argv[1], O_RDONLY | O_DIRECTORY));
	if (!strcmp(call, "splice") || !strcmp(call, "splice-drained")) {
		int in, p[2];

		need(argc, 3);
		in = fd_of(argv[1], O_RDONLY);
		if (pipe(p)) {
			fprintf(stderr, "%s: pipe: %s\n", prog,
				strerror(errno));
			exit(1);
		}
		/*
		 * Dirty Pipe's preparation: every buffer of the ring written
		 * (PIPE_BUF_FLAG_CAN_MERGE set) then read, so the splice
		 * reuses a buffer that had the flag.
		 */
		if (call[6] == '-')
			drain_pipe(p);
		return syscall(SYS_splice, in, NULL, p[1], NULL,
			       (size_t)num(argv[2]), 0u);
	}
	if (!strcmp(call, "mmap")) {
		int flags, prot, fd = -1;

		need(argc, 4);
		prot = (int)num(argv[2]);
		flags = (int)num(argv[3]);
		if (path(argv[1]))
			fd = fd_of(argv[1],
				   prot & PROT_WRITE ? O_RDWR : O_RDONLY);
		return syscall(SYS_mmap, NULL, 4096ul, prot, flags, fd, 0l);
	}
	if (!strcmp(call, "mprotect")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "%s: mmap: %s\n", prog,
				strerror(errno));
			exit(1);
		}
		return syscall(SYS_mprotect, p, 4096ul, (int)num(argv[1]));
	}
	if (!strcmp(call, "memfd_create")) {
		need(argc, 3);
		return syscall(SYS_memfd_create, argv[1],
			       (unsigned)num(argv[2]));
	}
	usage();
	return 0;
}

int main(int argc, char **argv)
{
	long ret;

	if (argc < 2)
		usage();
	ret = run(argc - 1, argv + 1);
	if (ret == -1)
		ret = -errno;
	printf("%d %ld\n", (int)getpid(), ret);
	return 0;
}
