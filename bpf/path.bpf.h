/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Absolute path of a struct path (a dentry in a mount: an open file, the
 * cwd, a dirfd), resolved in the kernel. bpf_d_path is
 * only allowed from LSM, fentry and iterator programs, none of which this
 * kernel lets us load, so this is a hand-written copy of the kernel's
 * __prepend_path(): walk d_parent up to the mount's root, jump to the
 * mount point in the parent mount, and stop at the task's root (so that a
 * chrooted or containerised process sees its own paths, as with
 * /proc/PID/exe).
 *
 * Fields are read with plain loads through BTF-typed pointers (the
 * verifier turns them into fault-checked loads), not with one
 * bpf_probe_read_kernel helper call each: only the names' bytes are copied
 * with the helper. That keeps an open's path under a few hundred
 * nanoseconds.
 *
 * The string is built backwards from the end of a per-CPU scratch buffer,
 * one "/component" at a time. bpf_loop runs the steps, so the bound can be
 * large (CWS_KEV_PATH_MAX_STEPS) without unrolling; PATH_MAX bytes are the
 * other bound. Like the kernel's lockless d_path it takes neither
 * rename_lock nor mount_lock: a rename racing with the walk can give a path
 * that mixes the old and new names. Every way the walk can fail is
 * reported in path_error so that user space never passes a partial path
 * off as a full one.
 */
#ifndef CWS_PATH_BPF_H
#define CWS_PATH_BPF_H

#include "core.bpf.h"
#include "cws_event.h"

/*
 * The walk writes at most CWS_KEV_PATH_MAX bytes ending at offset
 * CWS_KEV_PATH_MAX; the extra NAME_MAX + 1 bytes at the end exist only so
 * that the verifier can prove "offset < PATH_MAX, size <= NAME_MAX" stays
 * in bounds without knowing that the offset went down by the size first.
 */
#define PATH_SCRATCH_SIZE (CWS_KEV_PATH_MAX + CWS_KEV_NAME_MAX + 1)

struct path_scratch {
	char buf[PATH_SCRATCH_SIZE];
};

/*
 * Programs do not nest on one CPU for the hooks that use this buffer (none
 * runs in interrupt context), so one buffer per CPU is enough.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_scratch);
} path_scratch SEC(".maps");

/* The state bpf_loop hands to each step. */
struct path_walk {
	struct dentry *dentry;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	char *buf; /* path_scratch's buffer */
	__u32 off; /* the path built so far is buf[off..CWS_KEV_PATH_MAX) */
	__u16 error; /* enum cws_kev_path_error */
	__u16 done;
};

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	/*
	 * CO-RE container_of: struct mount is private to fs/, its layout
	 * moves. The verifier refuses a negative offset from a typed pointer,
	 * hence the cast.
	 */
	return bpf_core_cast((void *)vfsmnt -
				     bpf_core_field_offset(struct mount, mnt),
			     struct mount);
}

/* Prepends "/name"; returns 0 or an enum cws_kev_path_error. */
static __always_inline int prepend_name(struct path_walk *w,
					struct dentry *dentry)
{
	const unsigned char *name = dentry->d_name.name;
	__u32 len = dentry->d_name.len, off = w->off;

	if (len > CWS_KEV_NAME_MAX)
		return CWS_KEV_PATH_TOO_LONG;
	if (len + 1 > off)
		return CWS_KEV_PATH_TOO_LONG;
	off -= len + 1;
	/*
	 * No-op masks for the verifier: off and len come back from the stack
	 * as unknown scalars on every bpf_loop step, and these bounds prove
	 * buf[off + 1 .. off + 1 + len) lies inside PATH_SCRATCH_SIZE.
	 */
	off &= CWS_KEV_PATH_MAX - 1;
	len &= CWS_KEV_NAME_MAX;
	w->buf[off] = '/';
	if (bpf_probe_read_kernel(w->buf + off + 1, len, name))
		return CWS_KEV_PATH_FAULT;
	w->off = off;
	return 0;
}

/* One step of the walk; returns 1 to stop bpf_loop. */
static long path_step(__u32 index, void *data)
{
	struct path_walk *w = data;
	struct dentry *dentry = w->dentry, *parent;
	struct mount *mnt = w->mnt, *mnt_parent;

	if (!dentry || !mnt) {
		w->error = CWS_KEV_PATH_FAULT;
		return 1;
	}
	if (dentry == w->root_dentry && &mnt->mnt == w->root_mnt) {
		w->done = 1;
		return 1;
	}
	if (dentry == mnt->mnt.mnt_root) {
		mnt_parent = mnt->mnt_parent;
		if (mnt_parent && mnt_parent != mnt) {
			w->dentry = mnt->mnt_mountpoint;
			w->mnt = mnt_parent;
			return 0;
		}
		/*
		 * The root of the namespace's mount tree without meeting the
		 * task's root (the task is chrooted below a path it cannot
		 * name, or the file is on a detached mount): like d_path, keep
		 * the path from this root.
		 */
		w->done = 1;
		return 1;
	}
	parent = dentry->d_parent;
	w->error = prepend_name(w, dentry);
	if (w->error)
		return 1;
	if (!parent || parent == dentry) {
		/*
		 * A dentry that is its own parent but not a mount root is not
		 * under any mount point: memfd and other pseudo files. The
		 * name is kept (user space still knows the file name), the
		 * path is not.
		 */
		w->error = CWS_KEV_PATH_UNREACHABLE;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/*
 * Resolves the path of the dentry in vfsmnt as seen from task's root.
 * Returns the scratch buffer with the path at [*off, CWS_KEV_PATH_MAX), and
 * sets *error; on error the bytes there are the components resolved so far
 * (the last one first), never a whole path. A NULL dentry or mount is
 * CWS_KEV_PATH_NO_FILE. Returns NULL when there is no scratch buffer.
 */
static __always_inline char *path_resolve_dentry(struct dentry *dentry,
						 struct vfsmount *vfsmnt,
						 struct task_struct *task,
						 __u32 *off, __u16 *error)
{
	struct path_walk w = {};
	__u32 zero = 0;
	struct path_scratch *s = bpf_map_lookup_elem(&path_scratch, &zero);
	long steps;

	if (!s)
		return NULL;
	w.buf = s->buf;
	w.off = CWS_KEV_PATH_MAX;
	if (!dentry || !vfsmnt) {
		*off = w.off;
		*error = CWS_KEV_PATH_NO_FILE;
		return w.buf;
	}
	/* Typed pointers, whether the caller had them or plain values. */
	w.dentry = bpf_core_cast(dentry, struct dentry);
	w.mnt = real_mount(vfsmnt);
	task = bpf_core_cast(task, struct task_struct);
	w.root_dentry = task->fs->root.dentry;
	w.root_mnt = task->fs->root.mnt;

	steps = bpf_loop(CWS_KEV_PATH_MAX_STEPS, path_step, &w, 0);
	if (steps < 0)
		w.error = CWS_KEV_PATH_FAULT;
	else if (!w.done && !w.error)
		w.error = CWS_KEV_PATH_TOO_DEEP;
	if (!w.error && w.off == CWS_KEV_PATH_MAX) {
		/* The path is the root itself. */
		w.off = CWS_KEV_PATH_MAX - 1;
		w.buf[CWS_KEV_PATH_MAX - 1] = '/';
	}
	*off = w.off;
	*error = w.error;
	return w.buf;
}

/* The same for an open file (its f_path); a NULL f is NO_FILE. */
static __always_inline char *
path_resolve(struct file *f, struct task_struct *task, __u32 *off, __u16 *error)
{
	struct dentry *dentry = NULL;
	struct vfsmount *vfsmnt = NULL;

	if (f) {
		f = bpf_core_cast(f, struct file);
		dentry = f->f_path.dentry;
		vfsmnt = f->f_path.mnt;
	}
	return path_resolve_dentry(dentry, vfsmnt, task, off, error);
}

#endif
