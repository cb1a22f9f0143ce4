/* SPDX-License-Identifier: BSD-2-Clause */
#include "compat.h"
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "config.h"
#include "log.h"

static bool disabled;

/*
 * Sanitizer builds (make check-asan). LeakSanitizer checks for leaks at
 * exit by stopping the world: a helper task it clones ptrace(2)s every
 * thread, and the process waits for it with wait4(2). A sandboxed
 * process can do neither: the seccomp lists allow no ptrace and no
 * wait4 (the process spins forever waiting for a helper that died), and
 * a process that changed uid is no longer dumpable, which ptrace
 * refuses without CAP_SYS_PTRACE. So a process turns its leak check off
 * the moment it restricts itself (__lsan_is_turned_off, LeakSanitizer's
 * hook), and make check-valgrind checks those processes for leaks
 * instead; the tools and processes that never restrict themselves keep
 * it. The report file of log_path is opened at that moment too, while
 * the process can still create it: the runtime would open it at its
 * first report, when neither cws_user nor Landlock lets it.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif

#ifdef SANDBOX_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

static bool restricted;

int __lsan_is_turned_off(void)
{
	return restricted;
}

static void restricting(void)
{
	(void)__sanitizer_get_report_path();
	restricted = true;
}

/*
 * What the runtime itself calls in a restricted process, allowed by every
 * seccomp list of a sanitizer build: sigaltstack before each call that
 * does not return (_exit, longjmp), to unpoison the stack; without it
 * the runtime's own check fails and kills the process.
 */
static int allow_runtime(scmp_filter_ctx ctx)
{
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sigaltstack), 0);
}
#else
static void restricting(void)
{
}

static int allow_runtime(scmp_filter_ctx ctx)
{
	(void)ctx;
	return 0;
}
#endif

bool cws_sandbox_enabled(void)
{
	return !disabled;
}

void cws_sandbox_disable(void)
{
	disabled = true;
	cws_warnx("--no-sandbox: running WITHOUT the sandbox (cws_user, "
		  "Landlock, seccomp): for debugging only");
}

int cws_sandbox_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return 0;
}

int cws_sandbox_keep_caps(const int *caps, size_t n)
{
	size_t i;
	int err;

	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < n; i++)
		if (capng_update(CAPNG_ADD,
				 CAPNG_EFFECTIVE | CAPNG_PERMITTED |
					 CAPNG_BOUNDING_SET,
				 (unsigned)caps[i]))
			return -EINVAL;
	/*
	 * Bounding set first (it needs CAP_SETPCAP, which the capability
	 * sets are about to lose), then the sets themselves.
	 */
	err = capng_apply(CAPNG_SELECT_BOTH);
	if (err)
		return err == -4 ? -EPERM : -EINVAL;
	return cws_sandbox_no_new_privs();
}

int cws_sandbox_user_ids(const struct cws_config *cfg, uid_t *uid, gid_t *gid)
{
	const char *name = cws_config_get_string(cfg, "cws_user");
	struct passwd *pw;

	if (!*name)
		return -ENOENT;
	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return errno ? -errno : -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

bool cws_sandbox_user_reaches(const struct cws_config *cfg,
			      const char *const *dirs, size_t n)
{
	uid_t uid, ouid = geteuid();
	gid_t gid, ogid = getegid();
	bool ok = true;
	size_t i;

	if (cws_sandbox_user_ids(cfg, &uid, &gid))
		return false;
	/*
	 * Checked as that user through the file system ids alone (they
	 * take the file capabilities with them), then back: no child.
	 */
	setfsgid(gid);
	setfsuid(uid);
	for (i = 0; ok && i < n; i++)
		if (dirs[i] && faccessat(AT_FDCWD, dirs[i], R_OK | W_OK | X_OK,
					 AT_EACCESS))
			ok = false;
	setfsuid(ouid);
	setfsgid(ogid);
	return ok;
}

int cws_sandbox_user(const struct cws_config *cfg)
{
	uid_t uid;
	gid_t gid;
	int rc;

	if (disabled)
		return 0;
	if (getuid() && geteuid())
		return cws_sandbox_no_new_privs();
	rc = cws_sandbox_user_ids(cfg, &uid, &gid);
	if (rc)
		return rc;
	if (!uid)
		return -EINVAL; /* cws_user must not be root */
	restricting();
	/*
	 * The bounding set while root can still change it (CAP_SETPCAP);
	 * the capability sets empty themselves when uid 0 goes.
	 */
	capng_clear(CAPNG_SELECT_BOUNDS);
	if (capng_apply(CAPNG_SELECT_BOUNDS))
		return -EPERM;
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -errno;
	return cws_sandbox_no_new_privs();
}

static uid_t give_uid;
static gid_t give_gid;

static int give_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (lchown(path, give_uid, give_gid))
		return -errno;
	return 0;
}

/* mkdir -p: the parents 0755, dir itself 0700. */
static int mkdirs(const char *dir)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int cws_sandbox_give_dir(const struct cws_config *cfg, const char *dir)
{
	int rc;

	if (disabled || getuid())
		return 0;
	rc = cws_sandbox_user_ids(cfg, &give_uid, &give_gid);
	if (rc)
		return rc;
	rc = mkdirs(dir);
	if (rc)
		return rc;
	rc = nftw(dir, give_one, 16, FTW_PHYS | FTW_MOUNT);
	return rc < 0 ? -errno : -rc;
}

int cws_sandbox_share_dir(const struct cws_config *cfg, const char *dir)
{
	struct stat st;
	uid_t uid;
	gid_t gid;
	int rc;

	if (disabled || getuid())
		return 0;
	rc = cws_sandbox_user_ids(cfg, &uid, &gid);
	if (rc)
		return rc;
	rc = mkdirs(dir);
	if (rc)
		return rc;
	if (stat(dir, &st))
		return -errno;
	if (st.st_gid != gid && chown(dir, (uid_t)-1, gid))
		return -errno;
	if ((st.st_mode & 0070) != 0070 &&
	    chmod(dir, (st.st_mode & 07777) | 0070))
		return -errno;
	return 0;
}

/* --- Landlock ------------------------------------------------------------ */

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define LL_READ                                                      \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_READ_DIR)
/* What a file (not a directory) can be granted. */
#define LL_FILE                                                       \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static int ll_rule(int ruleset, const char *path, uint64_t access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access };
	struct stat st;
	int rc = 0;

	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	/* Missing, or out of this user's reach anyway: nothing to grant. */
	if (pb.parent_fd < 0)
		return errno == ENOENT || errno == EACCES ? 0 : -errno;
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_FILE;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH,
		    &pb, 0))
		rc = -errno;
	close(pb.parent_fd);
	return rc;
}

size_t cws_sandbox_system_ro(const char **ro)
{
	static const char *const sys[CWS_SANDBOX_SYSTEM_RO] = {
		"/etc", "/usr", "/lib", "/lib64", "/proc", "/sys", "/dev"
	};
	size_t i;

	for (i = 0; i < CWS_SANDBOX_SYSTEM_RO; i++)
		ro[i] = sys[i];
	return CWS_SANDBOX_SYSTEM_RO;
}

int cws_sandbox_landlock(const char *const *ro, size_t nro,
			 const char *const *rw, size_t nrw)
{
	struct landlock_ruleset_attr attr = { 0 };
	uint64_t all;
	long abi;
	size_t i;
	int fd, rc = 0;

	if (disabled)
		return 0;
	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
		      LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return -EOPNOTSUPP;
	/* Every file system right the kernel's version knows. */
	all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;
	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	attr.handled_access_fs = all;
	restricting();
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	for (i = 0; !rc && i < nro; i++)
		rc = ll_rule(fd, ro[i], LL_READ & all);
	for (i = 0; !rc && i < nrw; i++)
		rc = ll_rule(fd, rw[i], all);
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		rc = -errno;
	if (!rc && syscall(SYS_landlock_restrict_self, fd, 0))
		rc = -errno;
	close(fd);
	return rc;
}

/* --- seccomp ------------------------------------------------------------- */

/*
 * What every tool's steady state calls, directly or through glibc and
 * the libraries it links (yaml, msgpack, jansson, curl, zlib, zstd,
 * pthreads): memory, files, signals, time, threads, sockets.
 */
/* clang-format off */
static const char *const base[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64",
	"open", "openat", "close", "close_range", "fstat", "newfstatat",
	"stat", "lstat", "statx", "lseek", "access", "faccessat",
	"faccessat2", "readlink", "readlinkat", "getcwd", "getdents64",
	"mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink",
	"unlinkat", "link", "linkat", "fsync", "fdatasync", "ftruncate",
	"flock", "fcntl", "ioctl", "dup", "dup2", "dup3", "pipe", "pipe2",
	"umask", "statfs", "fstatfs", "fchmod",
	"mmap", "munmap", "mprotect", "mremap", "madvise", "brk",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait",
	"sigaltstack", "kill", "tgkill", "tkill", "restart_syscall",
	"poll", "ppoll", "select", "pselect6", "epoll_create1",
	"epoll_ctl", "epoll_wait", "epoll_pwait", "eventfd2",
	"futex", "set_robust_list", "get_robust_list", "rseq", "clone",
	"clone3", "exit", "exit_group", "sched_yield", "sched_getaffinity",
	"gettid", "getpid", "getppid", "getuid", "geteuid", "getgid",
	"getegid", "getgroups", "getresuid", "getresgid", "uname",
	"sysinfo", "prlimit64", "getrlimit", "getrusage", "prctl",
	"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep",
	"gettimeofday", "time", "setitimer", "getitimer", "alarm",
	"getrandom",
	"socket", "socketpair", "connect", "bind", "listen", "accept",
	"accept4", "getsockname", "getpeername", "setsockopt",
	"getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg",
	"sendmmsg", "recvmmsg", "shutdown",
};
/* clang-format on */

/* Allows the call name in ctx; 0 when this architecture lacks it. */
static int allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR) {
		cws_errorx("seccomp: unknown system call '%s'", name);
		return -EINVAL;
	}
	if (nr < 0)
		return 0; /* not on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

/*
 * Under valgrind the filter is in force too (libseccomp falls back from
 * seccomp(2), which valgrind lacks, to prctl(2), which it passes on),
 * and valgrind's own scheduler makes its calls through it: a list as
 * short as the kill broker's (no read) kills valgrind. There, every list
 * is the common one plus its own.
 */
static int load(const char *const *list, size_t nlist, const char *const *extra,
		size_t n)
{
	scmp_filter_ctx ctx;
	size_t i;
	int rc = 0;

	if (disabled)
		return 0;
	restricting();
	if (!list && cws_under_valgrind()) {
		list = base;
		nlist = CWS_ARRAY_SIZE(base);
	}
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return -ENOMEM;
	for (i = 0; !rc && i < nlist; i++)
		rc = allow(ctx, list[i]);
	for (i = 0; !rc && i < n; i++)
		rc = allow(ctx, extra[i]);
	if (!rc)
		rc = allow_runtime(ctx);
	if (!rc)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	/* A kernel without seccomp. */
	if (rc == -ENOSYS || rc == -EOPNOTSUPP) {
		cws_warnx(
			"no seccomp filter: the kernel does not take one (%s)",
			strerror(-rc));
		rc = 0;
	}
	return rc;
}

int cws_sandbox_seccomp(const char *const *extra, size_t n)
{
	return load(base, CWS_ARRAY_SIZE(base), extra, n);
}

int cws_sandbox_seccomp_only(const char *const *names, size_t n)
{
	return load(NULL, 0, names, n);
}

void cws_sandbox_test_hook(void)
{
	const char *t = getenv("CWS_SANDBOX_TEST");
	int fd;

	if (!t || strcmp(t, "1"))
		return;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
		cws_warnx("sandbox test: ptrace: refused (%s)",
			  strerror(errno));
	} else {
		cws_warnx("sandbox test: ptrace: ALLOWED");
		/* Traced by the parent now: LeakSanitizer cannot be. */
		restricting();
	}
	fd = open("/etc/passwd", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		cws_warnx("sandbox test: open /etc/passwd for writing: "
			  "refused (%s)",
			  strerror(errno));
	} else {
		cws_warnx("sandbox test: open /etc/passwd for writing: "
			  "ALLOWED");
		close(fd);
	}
}
