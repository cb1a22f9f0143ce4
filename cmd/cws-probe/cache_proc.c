/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The process cache read from /proc: a process's status, stat, loginuid,
 * tty, exe, cmdline, environ and cwd into an entry (for a pid the cache
 * does not know yet), and the seed, which reads every process once at
 * start. See cache.c for the cache itself.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cache_priv.h"

/* Reading a process from /proc. */

/*
 * The name the kernel gives a tty (what tty->name holds, as the BPF side
 * reads it) from /proc/PID/stat's tty_nr: unix98 ptys are "pts<N>"; other
 * drivers register their devices in sysfs, whose uevent names them.
 */
static void tty_from_nr(struct cws_cache *c, unsigned long nr, char *out,
			size_t len)
{
	unsigned maj = major(nr), min = minor(nr);
	const char *name;

	out[0] = '\0';
	if (!nr)
		return;
	if (maj >= 136 && maj <= 143) {
		snprintf(out, len, "pts%u", (maj - 136) * 256 + min);
		return;
	}
	snprintf(c->path2, sizeof(c->path2), "/sys/dev/char/%u:%u/uevent", maj,
		 min);
	if (cws_read_file(c->path2, c->buf, sizeof(c->buf)) <= 0)
		return;
	name = strstr(c->buf, "DEVNAME=");
	if (name)
		snprintf(out, len, "%.*s", (int)strcspn(name + 8, "\n"),
			 name + 8);
}

/* The thread group of a task id, from /proc/TID/status; 0 if gone. */
uint32_t cache_proc_tgid(struct cws_cache *c, uint32_t tid)
{
	struct cws_procfs_status st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	if (cws_read_file(path, c->buf, sizeof(c->buf)) <= 0)
		return 0;
	cws_procfs_status(c->buf, &st);
	return st.tgid;
}

/*
 * The name the kernel gives a file system type, from its magic, for those
 * whose mounts are not in any mountinfo (memfd's shmem) and the common
 * ones; buf is left empty for the others.
 */
static void fstype_of_magic(long magic, char *buf, size_t len)
{
	static const struct {
		long magic;
		const char *name;
	} names[] = {
		{ 0x01021994, "tmpfs" },    { 0x794c7630, "overlay" },
		{ 0x58465342, "xfs" },	    { 0x9123683e, "btrfs" },
		{ 0x73717368, "squashfs" }, { 0x9fa0, "proc" },
		{ 0x62656572, "sysfs" },    { 0x858458f6, "ramfs" },
	};
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(names); i++)
		if (names[i].magic == magic && strlen(names[i].name) < len) {
			memcpy(buf, names[i].name, strlen(names[i].name) + 1);
			return;
		}
}

/* Reads the executable and argv of pid into a new image. */
static struct image *proc_image(struct cws_cache *c, uint32_t pid)
{
	struct image *img;
	struct statx stx;
	struct statfs sfs;
	char link[64];
	ssize_t plen, alen, elen;
	const char *perr = NULL;
	bool truncated, etrunc;

	snprintf(link, sizeof(link), "/proc/%u/cmdline", pid);
	alen = cws_read_file(link, c->buf, sizeof(c->buf));
	if (alen < 0)
		alen = 0;
	truncated = (size_t)alen > CWS_KEV_ARGS_MAX;
	if (truncated)
		alen = CWS_KEV_ARGS_MAX;
	snprintf(link, sizeof(link), "/proc/%u/environ", pid);
	elen = cws_read_file(link, c->env, sizeof(c->env));
	if (elen < 0)
		elen = 0;
	etrunc = (size_t)elen > CWS_KEV_ENVS_MAX;
	if (etrunc)
		elen = CWS_KEV_ENVS_MAX;
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	plen = cache_read_link(link, c->path, sizeof(c->path));
	if (plen < 0) {
		/* Kernel threads have no executable: no path and no error. */
		perr = plen == -ENOENT ? NULL : "not readable from /proc";
		plen = 0;
	}
	img = cache_image_new(c, c->path, (size_t)plen, perr, c->buf,
			      (size_t)alen, truncated, c->env, (size_t)elen,
			      etrunc);
	/*
	 * The executable's inode now, which for a process older than the
	 * probe is the closest to its state at exec. Whether it is on an
	 * overlayfs upper layer is not visible from here: known (false)
	 * only off overlayfs.
	 */
	if (img && plen &&
	    !statx(AT_FDCWD, link, 0,
		   STATX_INO | STATX_MNT_ID | STATX_MODE | STATX_UID |
			   STATX_GID | STATX_MTIME | STATX_CTIME,
		   &stx)) {
		img->inode = stx.stx_ino;
		if (stx.stx_mask & STATX_MNT_ID)
			img->mount_id = (uint32_t)stx.stx_mnt_id;
		if ((stx.stx_mask & (STATX_MODE | STATX_UID | STATX_GID |
				     STATX_MTIME | STATX_CTIME)) ==
		    (STATX_MODE | STATX_UID | STATX_GID | STATX_MTIME |
		     STATX_CTIME)) {
			img->mode = stx.stx_mode;
			img->uid = stx.stx_uid;
			img->gid = stx.stx_gid;
			img->mtime =
				(uint64_t)stx.stx_mtime.tv_sec * 1000000000ull +
				stx.stx_mtime.tv_nsec;
			img->ctime =
				(uint64_t)stx.stx_ctime.tv_sec * 1000000000ull +
				stx.stx_ctime.tv_nsec;
		}
		if (!statfs(link, &sfs) && sfs.f_type != OVERLAYFS_MAGIC)
			img->upper_known = true;
		if (stx.stx_mask & STATX_MNT_ID)
			cws_mount_fstype(pid, stx.stx_mnt_id, img->fstype,
					 sizeof(img->fstype));
		/* A kernel-internal mount (a memfd's) is in no mountinfo. */
		if (!img->fstype[0] && !statfs(link, &sfs))
			fstype_of_magic(sfs.f_type, img->fstype,
					sizeof(img->fstype));
	}
	return img;
}

static void proc_cwd(struct cws_cache *c, struct entry *e)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/cwd", e->pid);
	n = cache_read_link(link, c->path, sizeof(c->path));
	if (n < 0 || (e->cwd && !strcmp(e->cwd->s, c->path)))
		return;
	cache_blob_put(c, e->cwd);
	e->cwd = cache_str_new(c, c->path, (size_t)n);
}

/*
 * Fills e (pid set, blank otherwise) from /proc. Returns 0, -ESRCH when
 * pid is gone, or -ECHILD with *tgid set when pid is a thread of another
 * process. want_start, when not 0, is the start time (ns since boot) the
 * process must have: another process with a reused pid is -ESRCH.
 */
static int proc_fill(struct cws_cache *c, struct entry *e, uint64_t want_start,
		     uint32_t *tgid)
{
	struct cws_procfs_status ps;
	struct cws_procfs_stat st;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/status", e->pid);
	if (cws_read_file(path, c->buf, sizeof(c->buf)) <= 0)
		return -ESRCH;
	cws_procfs_status(c->buf, &ps);
	if (ps.has_tgid && (*tgid = ps.tgid) != e->pid)
		return -ECHILD;
	if (ps.has_uid) {
		e->uid = ps.uid;
		e->euid = ps.euid;
		e->fsuid = ps.fsuid;
	}
	if (ps.has_gid) {
		e->gid = ps.gid;
		e->egid = ps.egid;
		e->fsgid = ps.fsgid;
	}
	e->cap_effective = ps.cap_effective;
	e->cap_permitted = ps.cap_permitted;

	snprintf(path, sizeof(path), "/proc/%u/stat", e->pid);
	if (cws_read_file(path, c->buf, sizeof(c->buf)) <= 0 ||
	    cws_procfs_stat(c->buf, &st))
		return -ESRCH;
	snprintf(e->comm, sizeof(e->comm), "%s", st.comm);
	e->ppid = st.ppid;
	e->fork_time = st.starttime * c->tick_ns;
	e->flags |= E_COARSE;
	if (want_start && (want_start < e->fork_time ||
			   want_start - e->fork_time >= 2 * c->tick_ns))
		return -ESRCH;
	/* Kernel threads: none of the rest exists. */
	if (st.flags & PF_KTHREAD)
		return 0;

	snprintf(path, sizeof(path), "/proc/%u/loginuid", e->pid);
	if (cws_read_file(path, c->buf, sizeof(c->buf)) > 0)
		e->auid = (uint32_t)strtoul(c->buf, NULL, 10);
	tty_from_nr(c, st.tty_nr, e->tty, sizeof(e->tty));
	e->img = proc_image(c, e->pid);
	/* When it ran its image is unknown; its start is the best guess. */
	e->exec_time = e->fork_time;
	proc_cwd(c, e);
	cache_proc_cgroup(c, e);
	return 0;
}

/* An entry for pid from /proc, in the table; NULL if pid is gone. */
struct entry *cache_from_proc(struct cws_cache *c, uint32_t pid,
			      uint64_t want_start)
{
	struct entry *e = cache_entry_new(c, pid);
	uint32_t tgid = pid;
	int err = proc_fill(c, e, want_start, &tgid);

	if (err) {
		cache_blob_put(c, e->img);
		cache_blob_put(c, e->cwd);
		cache_blob_put(c, e->cgpath);
		memset(e, 0, sizeof(*e));
		e->hnext = c->free_head;
		c->free_head = cache_idx_of(c, e);
		return NULL;
	}
	cache_insert(c, e);
	c->stats.from_proc++;
	return e;
}

static int pid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int cws_cache_seed(struct cws_cache *c)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	uint32_t *pids = NULL, n = 0, cap = 0, i, skipped = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > INT32_MAX)
			continue;
		if (n == cap) {
			uint32_t *np;

			cap = cap ? cap * 2 : 1024;
			np = realloc(pids, cap * sizeof(*pids));
			if (!np) {
				free(pids);
				closedir(d);
				return -ENOMEM;
			}
			pids = np;
		}
		pids[n++] = (uint32_t)pid;
	}
	closedir(d);
	/* Parents before children, mostly: pids grow with time. */
	qsort(pids, n, sizeof(*pids), pid_cmp);
	for (i = 0; i < n; i++) {
		struct entry *e;

		if (cache_lookup(c, pids[i]))
			continue;
		if (!c->free_head) {
			skipped = n - i;
			break;
		}
		e = cache_from_proc(c, pids[i], 0);
		/* Kernel threads never cause events: do not keep them. */
		if (e && !e->img)
			cache_release(c, e);
		else if (e)
			c->stats.seeded++;
	}
	c->stats.from_proc = 0;
	free(pids);
	if (skipped)
		cws_warnx(
			"process cache full at start: %u processes not cached (pid_cache_size is %u)",
			skipped, c->size);
	cws_debug("process cache seeded with %llu processes",
		  (unsigned long long)c->stats.seeded);
	return 0;
}
