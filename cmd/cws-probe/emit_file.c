/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The file events' own fields: what each event's BPF programs put in
 * args[] and the extra string (documented at the top of bpf/file.bpf.h),
 * moved into the SECL fields of struct cws_evobj. The generic part
 * (emit_syscall.c) has already filled obj.file from file[0] and obj.dest
 * from file[1], and evt.retval.
 */
#include "compat.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probe.h"

/* The bits a mode argument keeps (S_IALLUGO). */
#define MODE_BITS 07777

void cws_emit_file_open(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev)
{
	(void)e;
	ev->obj.flags = k->args[0];
	ev->obj.dest.mode = (uint32_t)(k->args[1] & MODE_BITS);
}

/* unlink only: rmdir has no flags. */
void cws_emit_file_unlink(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	(void)e;
	ev->obj.flags = k->args[0];
}

void cws_emit_file_chmod(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	(void)e;
	ev->obj.dest.mode = (uint32_t)(k->args[0] & MODE_BITS);
}

/* The new owner; (uint32_t)-1 leaves it unchanged, as chown(2) says. */
void cws_emit_file_chown(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	(void)e;
	ev->obj.dest.uid = (uint32_t)k->args[0];
	ev->obj.dest.gid = (uint32_t)k->args[1];
}

void cws_emit_file_mkdir(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	(void)e;
	ev->obj.dest.mode = (uint32_t)(k->args[0] & MODE_BITS);
}

/*
 * A symbolic link's target is relative to the directory the link is in,
 * not to the caller's cwd: once the link's own path is known, a relative
 * target is joined with its directory (lexically, like every string).
 */
struct fstype_of {
	uint64_t id;
	char *buf;
	size_t len;
	const char *found;
};

static int fstype_of(const struct cws_procfs_mount *m, void *arg)
{
	struct fstype_of *a = arg;

	if (m->id != a->id)
		return 0;
	if (*m->fstype && strlen(m->fstype) < a->len) {
		memcpy(a->buf, m->fstype, strlen(m->fstype) + 1);
		a->found = a->buf;
	}
	return 1;
}

/* The type of mount mnt_id in /proc/PID/mountinfo ("ext4"), or NULL. */
const char *cws_mount_fstype(uint32_t pid, uint64_t mnt_id, char *buf,
			     size_t len)
{
	struct fstype_of a = { .id = mnt_id, .buf = buf, .len = len };

	if (pid)
		cws_procfs_mounts(pid, fstype_of, &a);
	return a.found;
}

/*
 * The new name of a rename or link: the kernel gave a directory and a
 * string, no inode. It exists once the call succeeded, so it is looked
 * up where the caller sees it (/proc/PID/root, its mount namespace; its
 * parent's when the caller has exited already, as a one-call process
 * has) when the record arrives. Nothing is filled when neither is there,
 * or the name has gone since (renamed or removed again).
 */
static void stat_dest(struct cws_emit *e, struct cws_event *ev)
{
	struct cws_file *f = &ev->obj.dest;
	char path[CWS_EVENT_MAX_STR + 64];
	uint32_t pids[2] = { ev->process.pid, ev->process.ppid }, pid = 0;
	struct statx st;
	int i, n;

	if (ev->evt.retval || !f->path || f->inode)
		return;
	for (i = 0; i < 2 && !pid; i++) {
		if (!pids[i])
			continue;
		n = snprintf(path, sizeof(path), "/proc/%u/root%s", pids[i],
			     f->path);
		if (n > 0 && (size_t)n < sizeof(path) &&
		    !statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW,
			   STATX_BASIC_STATS | STATX_MNT_ID, &st) &&
		    (st.stx_mask & STATX_INO) && (st.stx_mask & STATX_MNT_ID))
			pid = pids[i];
	}
	if (!pid)
		return;
	f->inode = st.stx_ino;
	f->mode = st.stx_mode;
	f->uid = st.stx_uid;
	f->gid = st.stx_gid;
	f->mount_id = (uint32_t)st.stx_mnt_id;
	f->modification_time = (uint64_t)st.stx_mtime.tv_sec * 1000000000ull +
			       st.stx_mtime.tv_nsec;
	f->change_time = (uint64_t)st.stx_ctime.tv_sec * 1000000000ull +
			 st.stx_ctime.tv_nsec;
	f->filesystem = cws_mount_fstype(pid, st.stx_mnt_id, e->sys.fstype[1],
					 sizeof(e->sys.fstype[1]));
}

void cws_emit_file_rename(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	(void)k;
	stat_dest(e, ev);
}

void cws_emit_file_link(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev)
{
	stat_dest(e, ev);

	struct cws_emit_sys *s = &e->sys;
	struct cws_file *f = &ev->obj.file;
	const char *link = ev->obj.dest.path;
	size_t dirlen;
	long n;

	if (!k->args[1] || k->nfiles < 2 ||
	    !(k->file[0].flags & CWS_KEV_FILE_RAW) ||
	    (k->file[0].flags &
	     (CWS_KEV_FILE_STR_FAULT | CWS_KEV_FILE_STR_TRUNCATED)) ||
	    !k->file[0].str_len || s->str[0][0] == '/')
		return;
	if (!link) {
		f->path_resolution_error = ev->obj.dest.path_resolution_error;
		return;
	}
	/* The link's directory: its path up to the last "/". */
	dirlen = (size_t)(strrchr(link, '/') - link);
	memcpy(s->word, link, dirlen);
	s->word[dirlen] = '\0';
	n = cws_emit_join_path(s->join, sizeof(s->join), dirlen ? s->word : "/",
			       s->str[0]);
	if (n < 0 || n > CWS_EVENT_MAX_STR) {
		f->path_resolution_error = "path too long";
		return;
	}
	memcpy(s->path[0], s->join, (size_t)n + 1);
	f->path = s->path[0];
	f->name = cws_emit_basename(f->path);
	f->path_resolution_error = NULL;
}

/* The attribute's name, and its namespace: what comes before the first ".". */
void cws_emit_file_xattr(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	struct cws_emit_sys *s = &e->sys;
	const char *dot;

	(void)k;
	if (!s->extra)
		return;
	ev->obj.xattr_name = s->extra;
	dot = strchr(s->extra, '.');
	if (dot) {
		memcpy(s->word, s->extra, (size_t)(dot - s->extra));
		s->word[dot - s->extra] = '\0';
		ev->obj.xattr_namespace = s->word;
	}
}

/*
 * splice.file is the end that is not a pipe (Datadog's agent takes the
 * first file get_pipe_info finds is not one), fd_in's when both are.
 */
void cws_emit_file_splice(struct cws_emit *e, const struct cws_kev_syscall *k,
			  struct cws_event *ev)
{
	struct cws_evobj *o = &ev->obj;

	(void)e;
	if (k->nfiles == 2 && (o->file.mode & S_IFMT) == S_IFIFO &&
	    (o->dest.mode & S_IFMT) != S_IFIFO &&
	    (k->file[1].flags & CWS_KEV_FILE_STAT))
		o->file = o->dest;
	memset(&o->dest, 0, sizeof(o->dest));
	o->flags = k->args[0];
	o->pipe_entry_flag = (uint32_t)k->args[2];
	o->pipe_exit_flag = (uint32_t)k->args[3];
}

void cws_emit_file_mmap(struct cws_emit *e, const struct cws_kev_syscall *k,
			struct cws_event *ev)
{
	(void)e;
	ev->obj.protection = k->args[0];
	ev->obj.flags = k->args[1];
}

void cws_emit_file_mprotect(struct cws_emit *e, const struct cws_kev_syscall *k,
			    struct cws_event *ev)
{
	(void)e;
	ev->obj.protection = k->args[0];
	ev->obj.vm_protection = k->args[1];
}

void cws_emit_file_memfd_create(struct cws_emit *e,
				const struct cws_kev_syscall *k,
				struct cws_event *ev)
{
	ev->obj.name = e->sys.extra;
	ev->obj.flags = k->args[0];
}

/*
 * chdir.syscall.path: the argument as the caller gave it, unresolved, cut
 * at 128 bytes as Datadog's hook reads it (runc_leaky_fd matches
 * /proc/self/fd/ paths there).
 */
void cws_emit_file_chdir(struct cws_emit *e, const struct cws_kev_syscall *k,
			 struct cws_event *ev)
{
	struct cws_emit_sys *s = &e->sys;

	(void)k;
	if (!s->extra)
		return;
	snprintf(s->word, sizeof(s->word), "%.128s", s->extra);
	ev->obj.syscall_path = s->word;
}
