/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The syscall core: what every program on a syscall exit tracepoint
 * shares. Each event type hooks the exit tracepoint of each of its
 * syscalls, SEC("tracepoint/syscalls/sys_exit_<name>"), one program per
 * syscall, so that a type nobody asked for costs nothing (the probe does
 * not load its programs). At exit the return value is in the tracepoint's
 * context and the arguments are still in the registers the task saved on
 * entry (bpf_task_pt_regs): one hook per call gives both, and a failed
 * call is an event like any other, with its negative retval.
 *
 * A program builds one struct cws_kev_syscall (bpf/cws_event.h):
 *
 *	SEC("tracepoint/syscalls/sys_exit_chmod")
 *	int chmod__sys_exit_chmod(struct sys_exit_args *ctx)
 *	...
 *	rec = sys_begin(ctx, CWS_KEV_EVT_CHMOD);
 *	if (!rec)
 *		return 0;
 *	rec->args[0] = sys_arg(rec, 1);		(the event's documented args)
 *	sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
 *	sys_submit(rec);
 *
 * The record lives in a per-CPU scratch map (too large for the stack, and
 * its size is only known at the end). data[] is filled in call order, so
 * the helpers must be called in the order of the layout: file 0, file 1,
 * then the extra string; a call out of order does nothing and returns
 * -EINVAL. Every helper checks its own bounds; none fails the record: a
 * path that cannot be resolved is a record with path_error set, a string
 * that cannot be read a record with a *_FAULT flag.
 *
 * Files named by a user string (unlink, rename, a failed open) cannot be
 * looked up: from a tracepoint there is no way to walk a path by name, and
 * at exit the dentry of an unlinked or renamed file is gone or moved. The
 * record then holds the resolved directory the string is relative to
 * (dirfd, cwd, or "/") and the string as read at exit (a thread of the
 * same process can have changed it meanwhile); user space joins them.
 * The per-syscall tracepoints never fire for a 32-bit (ia32) syscall,
 * which a 64-bit process can make too (int 0x80): the kernel skips them
 * because their numbers are another table's. Such calls are seen on the
 * raw sys_exit, which fires for every syscall, by programs that keep only
 * 32-bit calls (sys_ia32) of their own numbers; sys_begin_ret reads the
 * arguments from the registers the 32-bit ABI uses, so the same builders
 * serve both. The open family (file.bpf.h) and the module calls
 * (proc_events.bpf.h) do so; other events' 32-bit calls are not seen.
 *
 * The exit is the one hook per call, with one exception: what only the
 * entry can see (the state a call is about to change) is kept by a small
 * program on the call's sys_enter tracepoint with sys_entry_save, for the
 * exit program's sys_entry_take.
 */
#ifndef CWS_SYSCALL_BPF_H
#define CWS_SYSCALL_BPF_H

#include "cws_event.h"
#include "maps.bpf.h"
#include "path.bpf.h"
#include "process.bpf.h"
#include "kfilter.bpf.h"

/* errno values (vmlinux.h has no macros). */
#ifndef EBADF
#define EBADF 9
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOENT
#define ENOENT 2
#endif

#ifndef AT_FDCWD
#define AT_FDCWD -100
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/*
 * Clamps a length for the verifier, in 64 bits. The comparison alone is not
 * always enough: clang may go on using a copy of the value made before the
 * comparison, whose bounds the verifier never learnt; the barrier forces
 * the clamped register to be the one used.
 */
#ifndef CLAMP
#define CLAMP(v, max)               \
	({                          \
		__u64 _v = (v);     \
		if (_v > (max))     \
			_v = (max); \
		barrier_var(_v);    \
		_v;                 \
	})
#endif

/*
 * The context of the per-syscall tracepoints, as their format files
 * (events/syscalls/sys_{enter,exit}_<name>/format) lay it out:
 * __syscall_nr is an int, the arguments or the return value start at
 * offset 16. vmlinux.h's trace_event_raw_sys_enter and _exit are the
 * raw_syscalls tracepoints' records, whose id is a long: read here, its
 * upper half would be padding.
 */
struct sys_enter_args {
	__u64 common; /* struct trace_entry */
	__s32 nr;
	__u32 _pad;
	__u64 args[6];
};

struct sys_exit_args {
	__u64 common; /* struct trace_entry */
	__s32 nr;
	__u32 _pad;
	__s64 ret;
};

/* Which kind of memory sys_str reads. */
#define SYS_STR_USER 0
#define SYS_STR_KERNEL 1

/*
 * The record and the builder's state, which is not part of the ABI. rec
 * comes first, so a struct cws_kev_syscall pointer is also a pointer to
 * its scratch.
 */
struct sys_scratch {
	struct cws_kev_syscall rec;
	__u64 arg[6]; /* the raw syscall arguments */
	__u32 len; /* bytes of rec.data used */
	__u32 sealed; /* the extra string is written: no more files */
	/* Kernel filters (kfilter.bpf.h), per file: */
	__u64 kf_name[CWS_KEV_SYS_FILES]; /* basename hash, 0: unknown */
	__u32 kf_disc[CWS_KEV_SYS_FILES]; /* a discarder holds */
	__u32 kf_mode; /* kf_types[event].mode, 0 when sys_submit skips */
	__u32 kf_facts; /* fill the files' discarder facts */
};

/* One per CPU: syscall tracepoint programs run with preemption disabled. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sys_scratch);
} sys_scratch SEC(".maps");

/*
 * The probe's root and mount namespace, as the kernel addresses them:
 * recorded by any hooked syscall the probe itself makes (it makes a
 * chdir(".") after attaching for that), compared with each task's.
 */
__u64 self_root_mnt = 0;
__u64 self_root_dentry = 0;
__u64 self_mnt_ns = 0;

/* Raw argument n (0-5) of the syscall, as sys_begin read it. */
#define sys_arg(rec, n) (((struct sys_scratch *)(rec))->arg[(n)])

/*
 * Whether the current syscall is a 32-bit one (x86: int 0x80 or the
 * 32-bit vDSO entry, from a 32-bit or a 64-bit process): the kernel sets
 * TS_COMPAT in thread_info.status on entry and clears it only on the way
 * back to user space, after the sys_exit tracepoint.
 */
#define SYS_TS_COMPAT 0x0002

static __always_inline int sys_ia32(struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
	return task->thread_info.status & SYS_TS_COMPAT;
#else
	return 0;
#endif
}

/* The 6th argument: libbpf 1.1 has PT_REGS_PARM1..5_SYSCALL only. */
#if defined(__TARGET_ARCH_x86)
#define SYS_PARM6(regs) ((regs)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define SYS_PARM6(regs) ((regs)->regs[5])
#elif defined(__bpf__) /* not for cppcheck, which defines no target */
#error "cws: the syscall arguments of this architecture are not known"
#endif

/*
 * Argument n (0-5) of the current syscall, from the registers the task
 * saved on entry. A 32-bit call passes them in bx, cx, dx, si, di, bp, as
 * 32-bit values: zero-extended here, as the kernel's compat wrappers do
 * (a caller that wants an int casts, as for a native call).
 */
static __always_inline __u64 sys_regs_arg(struct pt_regs *regs, int ia32, int n)
{
#if defined(__TARGET_ARCH_x86)
	if (ia32) {
		switch (n) {
		case 0:
			return (__u32)regs->bx;
		case 1:
			return (__u32)regs->cx;
		case 2:
			return (__u32)regs->dx;
		case 3:
			return (__u32)regs->si;
		case 4:
			return (__u32)regs->di;
		default:
			return (__u32)regs->bp;
		}
	}
#endif
	switch (n) {
	case 0:
		return PT_REGS_PARM1_SYSCALL(regs);
	case 1:
		return PT_REGS_PARM2_SYSCALL(regs);
	case 2:
		return PT_REGS_PARM3_SYSCALL(regs);
	case 3:
		return PT_REGS_PARM4_SYSCALL(regs);
	case 4:
		return PT_REGS_PARM5_SYSCALL(regs);
	default:
		return SYS_PARM6(regs);
	}
}

/*
 * Starts a record of the given event type (enum cws_kev_event) for the
 * current task's syscall, which returned ret: the header, the task, the
 * return value, and the raw arguments (from the registers saved on entry)
 * for sys_arg. args[] starts zeroed, for the program to fill with its
 * event's layout. Returns NULL (and counts a drop) when the scratch map
 * cannot be had. For hooks other than the syscalls:sys_exit_* tracepoints
 * (tp_btf/sys_exit); those use sys_begin.
 */
static __always_inline struct cws_kev_syscall *sys_begin_ret(__s64 ret,
							     __u16 event)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cws_kev_syscall *rec;
	struct sys_scratch *s;
	struct pt_regs *regs;
	__u32 zero = 0;
	int i, ia32;

	if (cfg_self_tgid &&
	    bpf_get_current_pid_tgid() >> 32 == cfg_self_tgid) {
		/* The probe's own root, for CWS_KEV_SYS_SAME_ROOT. */
		self_root_mnt = (__u64)task->fs->root.mnt;
		self_root_dentry = (__u64)task->fs->root.dentry;
		self_mnt_ns = (__u64)task->nsproxy->mnt_ns;
		return NULL;
	}
	s = bpf_map_lookup_elem(&sys_scratch, &zero);
	if (!s) {
		count_drop(CWS_KEV_DROP_NO_SCRATCH, event);
		return NULL;
	}
	rec = &s->rec;
	rec->hdr.type = CWS_KEV_SYSCALL;
	rec->hdr.version = CWS_KEV_VERSION;
	rec->hdr.cpu = bpf_get_smp_processor_id();
	rec->hdr.timestamp = bpf_ktime_get_boot_ns();
	fill_process(&rec->proc, task);
	rec->retval = ret;
	rec->event = event;
	rec->nfiles = 0;
	rec->str_len = 0;
	rec->flags = 0;
	if (self_root_mnt && (__u64)task->fs->root.mnt == self_root_mnt &&
	    (__u64)task->fs->root.dentry == self_root_dentry &&
	    (__u64)task->nsproxy->mnt_ns == self_mnt_ns)
		rec->flags = CWS_KEV_SYS_SAME_ROOT;
	for (i = 0; i < 6; i++)
		rec->args[i] = 0;
	s->len = 0;
	s->sealed = 0;
	s->kf_name[0] = s->kf_name[1] = 0;
	s->kf_disc[0] = s->kf_disc[1] = 0;
	s->kf_mode = kf_mode(event);
	s->kf_facts = s->kf_mode & CWS_KEV_KF_DISCARDERS;
	/* open is judged before its record is built (file.bpf.h). */
	if (event == CWS_KEV_EVT_OPEN)
		s->kf_mode = 0;
	rec->kf_epoch = 0;
	rec->kf_root = 0;
	if (s->kf_facts) {
		rec->kf_epoch = kf_epoch_now();
		rec->kf_root = kf_root();
	}

	/*
	 * The registers saved on entry: the syscall has not changed the
	 * argument registers (only ax holds the return value). A trusted BTF
	 * pointer, so these are plain loads rather than helper calls.
	 */
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	ia32 = sys_ia32(task);
	for (i = 0; i < 6; i++)
		s->arg[i] = sys_regs_arg(regs, ia32, i);
	return rec;
}

/*
 * sys_begin_ret on a syscalls:sys_exit_<name> tracepoint, whose context
 * (struct sys_exit_args) gives the return value. ctx is void * so that a
 * program may also declare it as vmlinux.h's trace_event_raw_sys_exit,
 * whose ret is at the same offset.
 */
static __always_inline struct cws_kev_syscall *sys_begin(void *ctx, __u16 event)
{
	return sys_begin_ret(((struct sys_exit_args *)ctx)->ret, event);
}

/*
 * The place in data[] for the next part, or NULL. The cursor comes back
 * from the map as an unknown scalar: clamping it to the last part's start
 * lets the verifier prove that a part of at most CWS_KEV_PATH_MAX bytes
 * written there stays inside data[] (the layout never goes further).
 */
static __always_inline char *sys_cursor(struct sys_scratch *s)
{
	__u64 off = s->len;

	if (off > CWS_KEV_SYS_DATA_MAX - CWS_KEV_PATH_MAX)
		return NULL;
	off = CLAMP(off, CWS_KEV_SYS_DATA_MAX - CWS_KEV_PATH_MAX);
	return s->rec.data + off;
}

/* Appends a path resolved by path.bpf.h; returns its length. */
static __always_inline __u16 sys_put_path(struct sys_scratch *s,
					  struct cws_kev_file *f,
					  struct dentry *dentry,
					  struct vfsmount *vfsmnt)
{
	__u32 off = CWS_KEV_PATH_MAX;
	__u16 error = CWS_KEV_PATH_FAULT;
	__u64 start, len;
	char *buf, *dst;

	buf = path_resolve_dentry(dentry, vfsmnt, bpf_get_current_task_btf(),
				  &off, &error);
	f->path_error = error;
	dst = sys_cursor(s);
	if (!buf || !dst)
		return 0;
	/*
	 * The barrier makes the bounds check below apply to the very register
	 * the subtraction uses (see exec_path in cws.bpf.c).
	 */
	start = off;
	barrier_var(start);
	if (start >= CWS_KEV_PATH_MAX)
		return 0;
	len = CWS_KEV_PATH_MAX - start;
	if (bpf_probe_read_kernel(dst, len, buf + start)) {
		f->path_error = CWS_KEV_PATH_FAULT;
		return 0;
	}
	s->len += len;
	return len;
}

/*
 * Appends a NUL-terminated string of at most max - 1 bytes (max a
 * constant <= CWS_KEV_PATH_MAX), without its NUL. Returns its length, or
 * -EFAULT; *cut says it filled the whole buffer (it may have been longer:
 * at exactly max - 1 bytes it is whole but reported cut).
 */
static __always_inline long sys_put_str(struct sys_scratch *s, const char *src,
					__u32 max, int kernel, int *cut)
{
	char *dst = sys_cursor(s);
	long n;

	*cut = 0;
	if (!dst)
		return -E2BIG;
	if (kernel)
		n = bpf_probe_read_kernel_str(dst, max, src);
	else
		n = bpf_probe_read_user_str(dst, max, src);
	if (n < 0)
		return n;
	if (n == max)
		*cut = 1;
	n = n > 0 ? n - 1 : 0;
	s->len += n;
	return n;
}

/*
 * The next file slot: idx must be rec->nfiles, and no extra string may
 * have been written yet (the data[] layout puts it last).
 */
static __always_inline struct cws_kev_file *sys_slot(struct sys_scratch *s,
						     __u32 idx)
{
	struct cws_kev_file *f;

	if (idx >= CWS_KEV_SYS_FILES || idx != s->rec.nfiles || s->sealed)
		return NULL;
	f = &s->rec.file[idx & (CWS_KEV_SYS_FILES - 1)];
	__builtin_memset(f, 0, sizeof(*f));
	s->rec.nfiles = idx + 1;
	return f;
}

/*
 * The inode's timestamps moved twice since 6.5: timespec64 i_ctime and
 * i_mtime, then __i_ctime (6.6) and __i_mtime (6.7), then *_sec and
 * *_nsec (6.11). Each time is read from whichever layout CO-RE finds, each
 * guarded on its own so that a dead branch never reaches the verifier.
 */
struct inode___pre611 {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
	struct timespec64 __i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

#define NSEC(sec, nsec) ((__u64)(sec)*1000000000ull + (__u64)(nsec))

static __always_inline __u64 inode_ctime(struct inode *inode)
{
	struct inode___pre611 *old = (void *)inode;

	/*
	 * Multigrain timestamps (6.13) keep a flag in the top bit of the
	 * nanoseconds (I_CTIME_QUERIED): not part of the time.
	 */
	if (bpf_core_field_exists(inode->i_ctime_sec))
		return NSEC(inode->i_ctime_sec,
			    inode->i_ctime_nsec & ~(1u << 31));
	if (bpf_core_field_exists(old->__i_ctime))
		return NSEC(old->__i_ctime.tv_sec, old->__i_ctime.tv_nsec);
	if (bpf_core_field_exists(old->i_ctime))
		return NSEC(old->i_ctime.tv_sec, old->i_ctime.tv_nsec);
	return 0;
}

static __always_inline __u64 inode_mtime(struct inode *inode)
{
	struct inode___pre611 *old = (void *)inode;

	if (bpf_core_field_exists(inode->i_mtime_sec))
		return NSEC(inode->i_mtime_sec, inode->i_mtime_nsec);
	if (bpf_core_field_exists(old->__i_mtime))
		return NSEC(old->__i_mtime.tv_sec, old->__i_mtime.tv_nsec);
	if (bpf_core_field_exists(old->i_mtime))
		return NSEC(old->i_mtime.tv_sec, old->i_mtime.tv_nsec);
	return 0;
}

/*
 * Whether an inode is on an overlayfs upper (writable) layer: an overlay
 * inode whose upper dentry is set, which a file created or copied up in
 * the container has and a file only in an image layer has not. The
 * overlay inode embeds the VFS inode (container_of); struct ovl_inode is
 * in vmlinux or in the overlay module's BTF, which libbpf also searches.
 * Where it is in neither the CO-RE test is a constant false, and a file
 * on overlayfs is then reported as not upper.
 */
#define CWS_OVERLAYFS_SUPER_MAGIC 0x794c7630

struct ovl_inode___cws {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

static __always_inline int inode_in_upper_layer(struct inode *inode)
{
	struct ovl_inode___cws *ovl;
	struct dentry *upper = NULL;
	unsigned long off;

	if (BPF_CORE_READ(inode, i_sb, s_magic) != CWS_OVERLAYFS_SUPER_MAGIC)
		return 0;
	if (!bpf_core_field_exists(struct ovl_inode___cws, __upperdentry))
		return 0;
	off = bpf_core_field_offset(struct ovl_inode___cws, vfs_inode);
	ovl = (void *)((char *)inode - off);
	bpf_probe_read_kernel(&upper, sizeof(upper), &ovl->__upperdentry);
	return upper != NULL;
}

/*
 * The stat fields of an inode; sets CWS_KEV_FILE_STAT. Plain loads (see
 * core.bpf.h): inode may be a plain value, it is cast first.
 */
static __always_inline void sys_stat(struct cws_kev_file *f,
				     struct inode *inode)
{
	if (!inode)
		return;
	inode = bpf_core_cast(inode, struct inode);
	f->inode = inode->i_ino;
	f->mode = inode->i_mode;
	f->uid = inode->i_uid.val;
	f->gid = inode->i_gid.val;
	f->ctime = inode_ctime(inode);
	f->mtime = inode_mtime(inode);
	bpf_probe_read_kernel_str(f->fstype, sizeof(f->fstype),
				  inode->i_sb->s_type->name);
	if (inode_in_upper_layer(inode))
		f->flags |= CWS_KEV_FILE_UPPER;
	f->flags |= CWS_KEV_FILE_STAT;
}

/*
 * The file of descriptor fd in the current task, or NULL. The table is
 * indexed by a variable, which plain loads cannot do: one helper call.
 */
static __always_inline struct file *sys_fd_file(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;

	if (fd < 0 || fd >= fdt->max_fds)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	return f;
}

/* The index of a file slot in the record. */
static __always_inline __u32 sys_slot_index(struct sys_scratch *s,
					    struct cws_kev_file *f)
{
	return f == &s->rec.file[0] ? 0 : 1;
}

/*
 * The kernel filters' view of a file the kernel has: its name for the
 * approvers, a discarder, the facts user space learns discarders from.
 */
static __always_inline void sys_kf_own(struct sys_scratch *s,
				       struct cws_kev_file *f,
				       struct dentry *dentry,
				       struct vfsmount *vfsmnt)
{
	__u32 idx = sys_slot_index(s, f);

	if (s->kf_facts)
		kf_fill_own(f, dentry, vfsmnt);
	if (!s->kf_mode)
		return;
	s->kf_name[idx & 1] = kf_hash_dentry(
		dentry, idx ? CWS_KEV_KF_HASH_DEST : CWS_KEV_KF_HASH_NAME);
	if (!idx && (s->kf_mode & CWS_KEV_KF_DISCARDERS))
		s->kf_disc[0] = kf_discards_dentry(dentry, vfsmnt,
						   s->kf_name[0], s->rec.event);
}

/*
 * The same for a file named by a string of n bytes at str (in data[])
 * relative to the directory at base in vfsmnt (NULL for "/").
 */
static __always_inline void sys_kf_at(struct sys_scratch *s,
				      struct cws_kev_file *f, const char *str,
				      __u32 n, struct dentry *base,
				      struct vfsmount *vfsmnt)
{
	__u32 idx = sys_slot_index(s, f);
	int one = 0;
	__u64 h;

	if (!s->kf_mode && !s->kf_facts)
		return;
	if (f->flags & (CWS_KEV_FILE_STR_TRUNCATED | CWS_KEV_FILE_STR_FAULT))
		return;
	h = kf_hash_str(str, n,
			idx ? CWS_KEV_KF_HASH_DEST : CWS_KEV_KF_HASH_NAME,
			&one);
	if (s->kf_mode)
		s->kf_name[idx & 1] = h;
	if (!one || !h || !base)
		return;
	if (s->kf_facts)
		kf_fill_base(f, base, vfsmnt);
	if (!idx && (s->kf_mode & CWS_KEV_KF_DISCARDERS))
		s->kf_disc[0] = kf_discards_in(base, vfsmnt, s->rec.event);
}

/* Fills a slot with an object the kernel has: own path, stat, mount. */
static __always_inline void sys_fill_own(struct sys_scratch *s,
					 struct cws_kev_file *f,
					 struct dentry *dentry,
					 struct vfsmount *vfsmnt,
					 struct inode *inode)
{
	f->flags |= CWS_KEV_FILE_OWN;
	if (!dentry || !vfsmnt) {
		f->path_error = CWS_KEV_PATH_NO_FILE;
		return;
	}
	f->mount_id = real_mount(vfsmnt)->mnt_id;
	sys_stat(f, inode);
	sys_kf_own(s, f, dentry, vfsmnt);
	f->path_len = sys_put_path(s, f, dentry, vfsmnt);
}

/*
 * File idx is the object at dentry in vfsmnt (the cwd after chdir, a
 * mount point): its own path and stat. Returns 0 or -EINVAL (out of
 * order).
 */
static __always_inline int sys_file_dentry(struct cws_kev_syscall *rec,
					   __u32 idx, struct dentry *dentry,
					   struct vfsmount *vfsmnt)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	struct cws_kev_file *f = sys_slot(s, idx);

	if (!f)
		return -EINVAL;
	sys_fill_own(s, f, dentry, vfsmnt,
		     dentry ? bpf_core_cast(dentry, struct dentry)->d_inode :
			      NULL);
	return 0;
}

/*
 * File idx is an open file (sys_file_struct), or what descriptor fd of the
 * current task refers to (sys_file_fd): its own path (physical: symlinks,
 * "..", bind mounts all resolved by the kernel when it was opened) and its
 * inode's stat. Returns 0, -EBADF when there is no file (fd not open:
 * path_error CWS_KEV_PATH_NO_FILE), or -EINVAL (out of order).
 */
static __always_inline int sys_file_struct(struct cws_kev_syscall *rec,
					   __u32 idx, struct file *file)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	struct cws_kev_file *f = sys_slot(s, idx);

	if (!f)
		return -EINVAL;
	if (!file) {
		f->flags |= CWS_KEV_FILE_OWN;
		f->path_error = CWS_KEV_PATH_NO_FILE;
		return -EBADF;
	}
	file = bpf_core_cast(file, struct file);
	sys_fill_own(s, f, file->f_path.dentry, file->f_path.mnt,
		     file->f_inode);
	return 0;
}

static __always_inline int sys_file_fd(struct cws_kev_syscall *rec, __u32 idx,
				       long fd)
{
	return sys_file_struct(rec, idx, sys_fd_file(fd));
}

/*
 * Appends the string of a file (user memory, or kernel memory for kind
 * SYS_STR_KERNEL); sets its flags and str_len.
 */
static __always_inline const char *sys_put_file_str(struct sys_scratch *s,
						    struct cws_kev_file *f,
						    const char *path, int kind)
{
	const char *dst = sys_cursor(s);
	long n;
	int cut;

	n = sys_put_str(s, path, CWS_KEV_PATH_MAX, kind == SYS_STR_KERNEL,
			&cut);
	if (n < 0) {
		f->flags |= CWS_KEV_FILE_STR_FAULT;
		return NULL;
	}
	if (cut)
		f->flags |= CWS_KEV_FILE_STR_TRUNCATED;
	f->str_len = n;
	return dst;
}

/* One byte of user or kernel memory (kind SYS_STR_*); 0 or -EFAULT. */
static __always_inline long sys_read_char(char *c, const char *p, int kind)
{
	if (kind == SYS_STR_KERNEL)
		return bpf_probe_read_kernel(c, 1, p);
	return bpf_probe_read_user(c, 1, p);
}

/*
 * File idx is named by user_path relative to dirfd (AT_FDCWD: the cwd), as
 * in the *at() syscalls. The record gets the directory the string is
 * relative to (resolved: the dirfd's or the cwd's path, "/" for an absolute
 * string) and the string itself; no stat, the kernel has no inode for it.
 * With AT_EMPTY_PATH in at_flags an empty string names dirfd itself, which
 * is then resolved like sys_file_fd. A NULL or unreadable string gives
 * CWS_KEV_FILE_STR_FAULT and no path. Returns 0 or -EINVAL (out of order).
 * sys_file_at_kind reads the string from kernel memory for kind
 * SYS_STR_KERNEL (the kernel's own copy of a path, as getname made it).
 */
static __always_inline int sys_file_at_kind(struct cws_kev_syscall *rec,
					    __u32 idx, long dirfd,
					    const char *user_path,
					    __u64 at_flags, int kind)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *base = NULL;
	struct vfsmount *base_mnt = NULL;
	struct cws_kev_file *f;
	struct file *file;
	const char *str;
	char c = 0;

	if (user_path && !sys_read_char(&c, user_path, kind) && !c &&
	    (at_flags & AT_EMPTY_PATH)) {
		if (dirfd == AT_FDCWD)
			return sys_file_dentry(rec, idx, task->fs->pwd.dentry,
					       task->fs->pwd.mnt);
		return sys_file_fd(rec, idx, dirfd) == -EINVAL ? -EINVAL : 0;
	}
	f = sys_slot(s, idx);
	if (!f)
		return -EINVAL;
	f->flags |= CWS_KEV_FILE_AT;
	if (!user_path || sys_read_char(&c, user_path, kind)) {
		f->flags |= CWS_KEV_FILE_STR_FAULT |
			    (user_path ? 0 : CWS_KEV_FILE_NULL);
		f->path_error = CWS_KEV_PATH_NO_FILE;
		return 0;
	}
	if (c == '/') {
		/* Relative to the task's root, which is "/" in our paths. */
		char *dst = sys_cursor(s);

		f->flags |= CWS_KEV_FILE_AT_ROOT;
		if (dst) {
			dst[0] = '/';
			s->len += 1;
			f->path_len = 1;
		}
	} else if (dirfd == AT_FDCWD) {
		f->flags |= CWS_KEV_FILE_AT_CWD;
		base = task->fs->pwd.dentry;
		base_mnt = task->fs->pwd.mnt;
		f->path_len = sys_put_path(s, f, base, base_mnt);
	} else {
		f->flags |= CWS_KEV_FILE_AT_FD;
		file = sys_fd_file(dirfd);
		if (file) {
			file = bpf_core_cast(file, struct file);
			base = file->f_path.dentry;
			base_mnt = file->f_path.mnt;
			f->path_len = sys_put_path(s, f, base, base_mnt);
		} else
			f->path_error = CWS_KEV_PATH_NO_FILE;
	}
	str = sys_put_file_str(s, f, user_path, kind);
	if (str)
		sys_kf_at(s, f, str, f->str_len, base, base_mnt);
	return 0;
}

static __always_inline int sys_file_at_flags(struct cws_kev_syscall *rec,
					     __u32 idx, long dirfd,
					     const char *user_path,
					     __u64 at_flags)
{
	return sys_file_at_kind(rec, idx, dirfd, user_path, at_flags,
				SYS_STR_USER);
}

/* sys_file_at_flags without flags: an empty string names nothing. */
static __always_inline int sys_file_at(struct cws_kev_syscall *rec, __u32 idx,
				       long dirfd, const char *user_path)
{
	return sys_file_at_flags(rec, idx, dirfd, user_path, 0);
}

/*
 * File idx is known only by a user string relative to nothing the kernel
 * resolved (a symlink's target, relative to the link's directory once
 * followed): CWS_KEV_FILE_RAW, no path, the string. Returns 0 or -EINVAL.
 * sys_file_str_kind reads kernel memory for kind SYS_STR_KERNEL.
 */
static __always_inline int sys_file_str_kind(struct cws_kev_syscall *rec,
					     __u32 idx, const char *str,
					     int kind)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	struct cws_kev_file *f = sys_slot(s, idx);

	if (!f)
		return -EINVAL;
	f->flags |= CWS_KEV_FILE_RAW;
	sys_put_file_str(s, f, str, kind);
	return 0;
}

static __always_inline int sys_file_str(struct cws_kev_syscall *rec, __u32 idx,
					const char *user_str)
{
	return sys_file_str_kind(rec, idx, user_str, SYS_STR_USER);
}

/*
 * The record's extra string (an xattr name, a memfd name, a module name),
 * read from user memory (SYS_STR_USER) or kernel memory (SYS_STR_KERNEL),
 * at most CWS_KEV_STR_MAX - 1 bytes. Comes after the files: no file can be
 * added once it is written. Sets CWS_KEV_SYS_STR, and *_TRUNCATED or
 * *_FAULT. Returns 0, or -EINVAL when called twice.
 */
static __always_inline int sys_str(struct cws_kev_syscall *rec, const char *str,
				   int kind)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	long n;
	int cut;

	if (s->sealed)
		return -EINVAL;
	s->sealed = 1;
	rec->flags |= CWS_KEV_SYS_STR;
	n = sys_put_str(s, str, CWS_KEV_STR_MAX, kind == SYS_STR_KERNEL, &cut);
	if (n < 0) {
		rec->flags |= CWS_KEV_SYS_STR_FAULT;
		return 0;
	}
	if (cut)
		rec->flags |= CWS_KEV_SYS_STR_TRUNCATED;
	rec->str_len = n;
	return 0;
}

/*
 * What only the syscall's entry can see (the flags of a mapping before
 * mprotect changes them): a program on the sys_enter tracepoint of the
 * same call saves one value in the thread's task storage, the exit
 * program takes it. A thread is in one syscall at a time, so one slot per
 * thread is enough; it goes away with the thread, and the syscall number
 * guards against a value left by a call whose exit was not seen (the
 * probe attached in between).
 */
struct sys_entry {
	__u64 value;
	__s64 nr; /* syscall number, -1 once taken */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sys_entry);
} sys_entries SEC(".maps");

/* On sys_enter: keeps value for the exit of syscall nr (ctx->nr). */
static __always_inline void sys_entry_save(long nr, __u64 value)
{
	struct sys_entry *e;

	e = bpf_task_storage_get(&sys_entries, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e)
		return;
	e->value = value;
	e->nr = nr;
}

/*
 * On sys_exit: the value the entry of this call (ctx->nr) saved, which is
 * then spent. Returns 0, or -ENOENT when the entry was not seen.
 */
static __always_inline int sys_entry_take(long nr, __u64 *value)
{
	struct sys_entry *e;

	e = bpf_task_storage_get(&sys_entries, bpf_get_current_task_btf(), 0,
				 0);
	if (!e || e->nr != nr)
		return -ENOENT;
	*value = e->value;
	e->nr = -1;
	return 0;
}

/* A record the kernel filters must not judge nor count (the cache's). */
static __always_inline void sys_kf_skip(struct cws_kev_syscall *rec)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;

	s->kf_mode = 0;
	s->kf_facts = 0;
}

/*
 * The kernel filters' verdict on a record built by the helpers above:
 * true to drop it (counted in kf_stats). open is judged before its record
 * is built (kf_mode 0 here).
 */
static __always_inline int sys_kf_drop(struct sys_scratch *s)
{
	struct cws_kev_syscall *rec = &s->rec;
	__u32 mode = s->kf_mode, event = rec->event;
	int ok;

	if (!mode)
		return 0;
	if (mode & CWS_KEV_KF_OFF) {
		kf_count(CWS_KEV_KF_NOT_WANTED, event);
		return 1;
	}
	kf_count(CWS_KEV_KF_SEEN, event);
	if (mode & CWS_KEV_KF_APPROVERS) {
		ok = 0;
		if ((mode & CWS_KEV_KF_NAME) && rec->nfiles >= 1)
			ok = kf_name_approves(s->kf_name[0], event);
		if (!ok && (mode & CWS_KEV_KF_DEST_NAME) && rec->nfiles >= 2)
			ok = kf_name_approves(s->kf_name[1], event);
		if (!ok && (mode & CWS_KEV_KF_COMM))
			ok = kf_name_approves(kf_hash_comm(), event);
		if (!ok) {
			kf_count(CWS_KEV_KF_BY_APPROVERS, event);
			return 1;
		}
	}
	if ((mode & CWS_KEV_KF_DISCARDERS) && rec->nfiles == 1 &&
	    s->kf_disc[0]) {
		kf_count(CWS_KEV_KF_BY_DISCARDERS, event);
		return 1;
	}
	return 0;
}

/* Writes the used part of the record to the ring buffer. */
static __always_inline void sys_submit(struct cws_kev_syscall *rec)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;

	if (sys_kf_drop(s))
		return;

	/*
	 * The length comes back from the map as an unknown scalar: clamp it
	 * to the record's size for bpf_ringbuf_output.
	 */
	submit(rec,
	       CLAMP(__builtin_offsetof(struct cws_kev_syscall, data) + s->len,
		     sizeof(*rec)),
	       rec->event);
}

#endif
