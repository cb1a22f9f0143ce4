/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Giving up privileges once they are no longer needed (STYLE.md: acquire,
 * then restrict, then read untrusted input). Capabilities go through
 * libcap-ng rather than raw capset(2): it knows the kernel's last
 * capability and keeps the bounding set consistent. System call
 * allow-lists go through libseccomp; file system rules through Landlock
 * (raw system calls: Debian ships no library for it).
 *
 * The order a stage follows: open what it needs, cws_sandbox_user (as
 * root: become cws_user, which drops every capability), then
 * cws_sandbox_landlock, then cws_sandbox_seccomp last (it forbids the
 * calls the other two make).
 */
#ifndef CWS_SANDBOX_H
#define CWS_SANDBOX_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cws_config;

/*
 * Keeps only the capabilities caps[0..n) in the effective and permitted
 * sets, empties the inheritable and ambient sets and the bounding set,
 * and sets no_new_privs so that nothing exec'd later gains any. Returns 0
 * or a negative errno; on failure the process keeps what it had.
 */
int cws_sandbox_keep_caps(const int *caps, size_t n);

/* Sets PR_SET_NO_NEW_PRIVS. Returns 0 or a negative errno. */
int cws_sandbox_no_new_privs(void);

/*
 * Whether the sandbox is on: false once cws_sandbox_disable ran (the
 * --no-sandbox option), which also says so, loudly, on stderr.
 */
bool cws_sandbox_enabled(void);
void cws_sandbox_disable(void);

/*
 * When running as root: becomes the user named by the key cws_user
 * (supplementary groups gone, then gid, then uid: every capability goes
 * with uid 0), then sets no_new_privs. Not root: no_new_privs only.
 * Returns 0, -ENOENT when that user does not exist (the caller says so
 * and goes on as root without capabilities), or another negative errno.
 */
int cws_sandbox_user(const struct cws_config *cfg);

/*
 * As root: whether cws_user can read, write and search every one of
 * dirs[0..n) (NULL entries skipped), tried in a child that becomes it.
 * A stage whose directories that user cannot reach (below a 0700
 * directory, say) stays root without capabilities instead.
 */
bool cws_sandbox_user_reaches(const struct cws_config *cfg,
			      const char *const *dirs, size_t n);

/* The uid and gid of cws_user, for files made for it; -ENOENT. */
int cws_sandbox_user_ids(const struct cws_config *cfg, uid_t *uid, gid_t *gid);

/*
 * As root, before cws_sandbox_user: makes dir (created if missing, mode
 * 0700) and everything in it owned by cws_user, for a stage that must
 * write there afterwards (the spool). 0, -ENOENT without that user.
 */
int cws_sandbox_give_dir(const struct cws_config *cfg, const char *dir);

/*
 * As root: dir (created if missing) stays its owner's, and cws_user's
 * group may write there too (run_path, where root's and cws_user's
 * stages both write status files). 0 or a negative errno.
 */
int cws_sandbox_share_dir(const struct cws_config *cfg, const char *dir);

/*
 * Landlock: from now on the file system is read-only below ro[0..nro)
 * and read-write below rw[0..nrw), and out of reach elsewhere. A path
 * that does not exist is skipped. Returns 0, or -EOPNOTSUPP when the
 * kernel has no Landlock (the caller logs it at debug level).
 */
/*
 * Fills ro with the system directories every tool reads (libraries,
 * /etc, /proc, /sys, /dev) for cws_sandbox_landlock; returns how many
 * (CWS_SANDBOX_SYSTEM_RO).
 */
#define CWS_SANDBOX_SYSTEM_RO 7
size_t cws_sandbox_system_ro(const char **ro);

int cws_sandbox_landlock(const char *const *ro, size_t nro,
			 const char *const *rw, size_t nrw);

/*
 * The system call allow-list: the calls every cws tool makes (memory,
 * files, signals, threads, time) plus extra[0..n) by name. Any other
 * call fails with EPERM. Returns 0 or a negative errno (an unknown
 * name is -EINVAL).
 */
int cws_sandbox_seccomp(const char *const *extra, size_t n);

/* The same with names[0..n) alone, for a process that does little. */
int cws_sandbox_seccomp_only(const char *const *names, size_t n);

/*
 * The test hook of the sandbox tests (CWS_SANDBOX_TEST=1 in the
 * environment, nothing otherwise): tries a call that no list allows
 * (ptrace) and opening /etc/passwd for writing, and says what happened
 * on stderr, one line each.
 */
void cws_sandbox_test_hook(void);

#endif
