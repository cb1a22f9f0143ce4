/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * File events: one program per syscall, on its exit tracepoint, named
 * <event>__sys_exit_<syscall> so that the probe loads only the types asked
 * for. Two events also need what only the entry sees (the mapping's
 * protection before mprotect, a pipe buffer's flags before splice): they
 * have a small <event>__sys_enter_<syscall> program too. Each builds a struct cws_kev_syscall with bpf/syscall.bpf.h; this
 * comment is the reference for what each event puts in it (user space:
 * cmd/cws-probe/emit_file.c).
 *
 * Where a file comes from. A call that hands the kernel an object (an fd,
 * the fd open returns, the cwd chdir sets) gives the object's own path,
 * resolved from its dentry: exact, symlinks and ".." and bind mounts
 * included, and its inode's stat. A call that names the object by a string
 * (unlink, rename, mkdir, a failed open, ...) gives the resolved directory
 * the string is relative to and the string, for user space to join
 * lexically: a symlink inside the string is not followed.
 *
 * args[] per event (unused slots are 0):
 *   open     file[0]: the opened file (the returned fd) when the call
 *            succeeded, else dirfd + path.
 *            args[0] flags (O_*, as passed; creat: O_CREAT|O_WRONLY|
 *            O_TRUNC), args[1] creation mode (& 07777, only with O_CREAT
 *            or O_TMPFILE), args[2] dirfd (AT_FDCWD for open, creat).
 *   unlink   file[0]: dirfd + path. args[0] unlinkat flags. unlinkat with
 *            AT_REMOVEDIR is an rmdir event (as Datadog's agent has it),
 *            from the same unlink__ program.
 *   rmdir    file[0]: dirfd + path. args[0] AT_REMOVEDIR.
 *   rename   file[0]: old dirfd + path, file[1]: new dirfd + path.
 *            args[0] renameat2 flags (RENAME_*).
 *   chmod    file[0]: the fd (fchmod), or dirfd + path; its stat is the
 *            inode's before the call (mode with the S_IF* bits, ctime),
 *            found by chmod__sys_enter_* (see chmod_lookup; none when
 *            it was not found). args[0] mode (& 07777), args[1]
 *            fchmodat2 flags. Only calls that succeeded or were refused
 *            (-EACCES, -EPERM) are events.
 *   chown    file[0]: the fd (fchown), or dirfd + path. args[0] uid,
 *            args[1] gid (as 32-bit values: 0xffffffff leaves it),
 *            args[2] AT_* flags (lchown: AT_SYMLINK_NOFOLLOW).
 *   mkdir    file[0]: dirfd + path. args[0] mode (& 07777, before umask).
 *   link     file[0]: the existing file (old dirfd + path; the fd itself
 *            for linkat AT_EMPTY_PATH); for symlink(2) the target string
 *            alone (CWS_KEV_FILE_RAW). file[1]: new dirfd + path.
 *            args[0] linkat flags, args[1] 1 for a symbolic link.
 *   utimes   file[0]: dirfd + path, or the fd (utimensat/futimesat with a
 *            NULL path, or AT_EMPTY_PATH). args[0] utimensat flags.
 *   setxattr, removexattr
 *            file[0]: the fd (f*xattr), or dirfd + path; str: the
 *            attribute's name. args[0] setxattr flags (XATTR_*), args[1]
 *            value size, args[2] AT_* flags (*xattrat).
 *   chdir    file[0]: the new cwd (own path and stat) when the call
 *            succeeded, else the path (chdir) or the fd (fchdir); str:
 *            chdir's path argument as given.
 *   splice   file[0]: fd_in's file, file[1]: fd_out's file.
 *            args[0] flags (SPLICE_F_*), args[1] len, args[2] pipe entry
 *            flag: the PIPE_BUF_FLAG_* of the buffer of fd_out's pipe
 *            (else fd_in's) the call was about to fill (read), seen by
 *            splice__sys_enter_splice; args[3] pipe exit flag: the same
 *            of the buffer it filled (read) last; args[4] 1 when the
 *            entry was seen.
 *   mmap     file[0]: the fd's file unless MAP_ANONYMOUS (else no file).
 *            args[0] prot (PROT_*), args[1] flags (MAP_*), args[2] len,
 *            args[3] offset. retval is the address.
 *   mprotect args[0] requested prot (PROT_*), args[1] vm_flags (VM_*) of
 *            the mapping at start before the call, seen by
 *            mprotect__sys_enter_mprotect (after it when the entry was not
 *            seen; 0 if there is no mapping), args[2] start, args[3] len,
 *            args[4] 1 when the entry was seen.
 *   memfd_create
 *            str: the name. args[0] flags (MFD_*). retval is the fd.
 */
#ifndef CWS_FILE_BPF_H
#define CWS_FILE_BPF_H

#include "syscall.bpf.h"

/*
 * cppcheck (make lint) reads this header without libbpf's: give it a SEC
 * that expands to nothing rather than an unknown macro before each program.
 */
#ifndef SEC
#define SEC(name)
#endif

/* UAPI values vmlinux.h does not carry (they are macros). */
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_TMPFILE (020000000 | O_DIRECTORY)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define MAP_ANONYMOUS 0x20
#define S_IFMT 00170000
#define S_IFIFO 0010000
#define MODE_BITS 07777 /* S_IALLUGO: what chmod and creation keep */
#ifndef EPERM
#define EPERM 1
#endif
#ifndef EACCES
#define EACCES 13
#endif

/* Which syscall of a family a shared body serves (constant once inlined). */
enum file_call {
	CALL_PATH, /* f(path, ...) */
	CALL_LPATH, /* l*(path, ...): no symlink follow */
	CALL_FD, /* f*(fd, ...) */
	CALL_AT, /* *at(dirfd, path, ...) */
	CALL_AT2, /* *at with a flags argument, or the "2" variant */
	CALL_EXTRA, /* a family's odd one out (creat, symlink) */
};

/*
 * The kernel filters on an open, before anything is built: this is the
 * hottest call, and most opens of a host match no rule. Reads only the
 * flags, the returned file's dentry or the end of the string, and the
 * maps. open_kf_mode says whether they apply (0: pass, the record is
 * built), open_kf_judge gives their verdict once the open's facts are
 * read: 1 to drop it (both count in kf_stats).
 */
static __always_inline __u32 open_kf_mode(int *drop)
{
	__u32 mode = kf_mode(CWS_KEV_EVT_OPEN);

	*drop = 0;
	if (!(mode &
	      (CWS_KEV_KF_OFF | CWS_KEV_KF_APPROVERS | CWS_KEV_KF_DISCARDERS)))
		return 0;
	/* The probe's own calls go on to sys_begin, which records its root. */
	if (cfg_self_tgid && bpf_get_current_pid_tgid() >> 32 == cfg_self_tgid)
		return 0;
	if (mode & CWS_KEV_KF_OFF) {
		kf_count(CWS_KEV_KF_NOT_WANTED, CWS_KEV_EVT_OPEN);
		*drop = 1;
		return 0;
	}
	kf_count(CWS_KEV_KF_SEEN, CWS_KEV_EVT_OPEN);
	return mode;
}

/*
 * The verdict on an open with flags that gave the file at dentry in mnt
 * (its name's hash h), or that failed (dentry NULL) on a string whose
 * last component hashes to h (0: unknown), a single component (one)
 * relative to dirfd.
 */
static __always_inline int open_kf_judge(__u32 mode, __u64 flags, __u64 h,
					 struct dentry *dentry,
					 struct vfsmount *mnt, int one,
					 long dirfd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *file;
	int ok;

	ok = !(mode & CWS_KEV_KF_APPROVERS);
	if (!ok && (mode & CWS_KEV_KF_FLAGS) &&
	    (flags & *(volatile __u64 *)&kf_types[CWS_KEV_EVT_OPEN].flags))
		ok = 1;
	if (!ok && (mode & CWS_KEV_KF_NAME))
		ok = kf_name_approves(h, CWS_KEV_EVT_OPEN);
	if (!ok && (mode & CWS_KEV_KF_COMM))
		ok = kf_name_approves(kf_hash_comm(), CWS_KEV_EVT_OPEN);
	if (!ok) {
		kf_count(CWS_KEV_KF_BY_APPROVERS, CWS_KEV_EVT_OPEN);
		return 1;
	}
	if (!(mode & CWS_KEV_KF_DISCARDERS))
		return 0;
	if (dentry) {
		ok = !kf_discards_dentry(dentry, mnt, h, CWS_KEV_EVT_OPEN);
	} else if (one && h) {
		/* A one-component name: directly in the cwd or the dirfd. */
		if (dirfd == AT_FDCWD) {
			ok = !kf_discards_in(task->fs->pwd.dentry,
					     task->fs->pwd.mnt,
					     CWS_KEV_EVT_OPEN);
		} else {
			file = sys_fd_file(dirfd);
			if (file) {
				file = bpf_core_cast(file, struct file);
				ok = !kf_discards_in(file->f_path.dentry,
						     file->f_path.mnt,
						     CWS_KEV_EVT_OPEN);
			}
		}
	}
	if (!ok) {
		kf_count(CWS_KEV_KF_BY_DISCARDERS, CWS_KEV_EVT_OPEN);
		return 1;
	}
	return 0;
}

/* The same for an open(2) family call that returned ret. */
static __always_inline int open_kf_drop(__s64 ret, enum file_call call)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	__u64 flags, h = 0;
	const char *path;
	struct pt_regs *regs;
	struct file *file;
	struct kf_buf *b;
	__u32 mode, zero = 0;
	long dirfd, n;
	int one = 0, ia32, drop;

	mode = open_kf_mode(&drop);
	if (!mode)
		return drop;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	ia32 = sys_ia32(task);
	switch (call) {
	case CALL_PATH: /* open(path, flags, mode) */
		dirfd = AT_FDCWD;
		path = (const char *)sys_regs_arg(regs, ia32, 0);
		flags = (__u32)sys_regs_arg(regs, ia32, 1);
		break;
	case CALL_EXTRA: /* creat(path, mode) */
		dirfd = AT_FDCWD;
		path = (const char *)sys_regs_arg(regs, ia32, 0);
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		break;
	case CALL_AT2: { /* openat2(dirfd, path, how, size) */
		struct open_how how = {};

		dirfd = (int)sys_regs_arg(regs, ia32, 0);
		path = (const char *)sys_regs_arg(regs, ia32, 1);
		bpf_probe_read_user(&how, sizeof(how),
				    (const void *)sys_regs_arg(regs, ia32, 2));
		flags = how.flags;
		break;
	}
	default: /* openat(dirfd, path, flags, mode) */
		dirfd = (int)sys_regs_arg(regs, ia32, 0);
		path = (const char *)sys_regs_arg(regs, ia32, 1);
		flags = (__u32)sys_regs_arg(regs, ia32, 2);
		break;
	}
	if (ret >= 0) {
		file = sys_fd_file(ret);
		if (file) {
			file = bpf_core_cast(file, struct file);
			dentry = file->f_path.dentry;
			mnt = file->f_path.mnt;
			h = kf_hash_dentry(dentry, CWS_KEV_KF_HASH_NAME);
		}
	} else {
		/*
		 * Most strings fit the tail buffer: read there and hashed in
		 * place. A longer one is read whole, its tail taken from it.
		 */
		b = bpf_map_lookup_elem(&kf_buf, &zero);
		if (b && path) {
			n = bpf_probe_read_user_str(b->tail, KF_TAIL, path);
			if (n > 1 && n < KF_TAIL) {
				h = kf_tail_hash(b, (__u32)n - 1, 1,
						 CWS_KEV_KF_HASH_NAME);
				one = b->one;
			} else if (n == KF_TAIL) {
				n = bpf_probe_read_user_str(
					b->path, sizeof(b->path), path);
				if (n > 1 && n < (long)sizeof(b->path))
					h = kf_hash_str(b->path, (__u32)n - 1,
							CWS_KEV_KF_HASH_NAME,
							&one);
			}
		}
	}
	/* one only describes a failed open's string. */
	return open_kf_judge(mode, flags, h, dentry, mnt, ret < 0 ? one : 0,
			     dirfd);
}

/* open, openat, openat2, creat, which returned ret. */
static __always_inline int do_open_ret(__s64 ret, enum file_call call)
{
	struct cws_kev_syscall *rec;
	const char *path;
	__u64 flags, mode;
	long dirfd;

	if (open_kf_drop(ret, call))
		return 0;
	rec = sys_begin_ret(ret, CWS_KEV_EVT_OPEN);
	if (!rec)
		return 0;
	switch (call) {
	case CALL_PATH: /* open(path, flags, mode) */
		dirfd = AT_FDCWD;
		path = (const char *)sys_arg(rec, 0);
		flags = (__u32)sys_arg(rec, 1);
		mode = sys_arg(rec, 2);
		break;
	case CALL_EXTRA: /* creat(path, mode) */
		dirfd = AT_FDCWD;
		path = (const char *)sys_arg(rec, 0);
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		mode = sys_arg(rec, 1);
		break;
	case CALL_AT2: { /* openat2(dirfd, path, how, size) */
		struct open_how how = {};

		dirfd = (int)sys_arg(rec, 0);
		path = (const char *)sys_arg(rec, 1);
		bpf_probe_read_user(&how, sizeof(how),
				    (const void *)sys_arg(rec, 2));
		flags = how.flags;
		mode = how.mode;
		break;
	}
	default: /* openat(dirfd, path, flags, mode) */
		dirfd = (int)sys_arg(rec, 0);
		path = (const char *)sys_arg(rec, 1);
		flags = (__u32)sys_arg(rec, 2);
		mode = sys_arg(rec, 3);
		break;
	}
	rec->args[0] = flags;
	/* Without O_CREAT the mode register holds whatever was there. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		rec->args[1] = mode & MODE_BITS;
	rec->args[2] = dirfd;
	if (rec->retval >= 0)
		sys_file_fd(rec, 0, rec->retval);
	else
		sys_file_at(rec, 0, dirfd, path);
	sys_submit(rec);
	return 0;
}

static __always_inline int do_open(struct sys_exit_args *ctx,
				   enum file_call call)
{
	return do_open_ret(ctx->ret, call);
}

SEC("tracepoint/syscalls/sys_exit_open")
int open__sys_exit_open(struct sys_exit_args *ctx)
{
	return do_open(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int open__sys_exit_creat(struct sys_exit_args *ctx)
{
	return do_open(ctx, CALL_EXTRA);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int open__sys_exit_openat(struct sys_exit_args *ctx)
{
	return do_open(ctx, CALL_AT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int open__sys_exit_openat2(struct sys_exit_args *ctx)
{
	return do_open(ctx, CALL_AT2);
}

/*
 * The open family's 32-bit calls, which no syscalls:sys_exit_* tracepoint
 * sees (syscall.bpf.h): on the raw sys_exit, for every syscall, so the
 * test that keeps only 32-bit ones comes first, a load from the task. Its
 * i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl).
 */
#if defined(__TARGET_ARCH_x86)
#define IA32_NR_OPEN 5
#define IA32_NR_CREAT 8
#define IA32_NR_OPENAT 295
#define IA32_NR_OPENAT2 437

SEC("tp_btf/sys_exit")
int BPF_PROG(open__sys_exit_ia32, struct pt_regs *regs, long ret)
{
	enum file_call call;

	if (!sys_ia32(bpf_get_current_task_btf()))
		return 0;
	switch (regs->orig_ax) {
	case IA32_NR_OPEN:
		call = CALL_PATH;
		break;
	case IA32_NR_CREAT:
		call = CALL_EXTRA;
		break;
	case IA32_NR_OPENAT:
		call = CALL_AT;
		break;
	case IA32_NR_OPENAT2:
		call = CALL_AT2;
		break;
	default:
		return 0;
	}
	/* A 32-bit call returns an int: the upper half is not its own. */
	return do_open_ret((int)ret, call);
}
#endif

/* unlink, unlinkat (unlink or rmdir), rmdir. */
static __always_inline int do_unlink(struct sys_exit_args *ctx,
				     enum file_call call)
{
	struct cws_kev_syscall *rec;
	__u64 flags = 0;
	__u16 event;

	if (call == CALL_AT) {
		/*
		 * Read the flags before sys_begin to pick the event type; the
		 * registers are the same ones sys_begin reads.
		 */
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(
			bpf_get_current_task_btf());

		flags = (int)PT_REGS_PARM3_SYSCALL(regs);
	} else if (call == CALL_EXTRA) {
		flags = AT_REMOVEDIR; /* rmdir(2) */
	}
	event = flags & AT_REMOVEDIR ? CWS_KEV_EVT_RMDIR : CWS_KEV_EVT_UNLINK;
	rec = sys_begin(ctx, event);
	if (!rec)
		return 0;
	rec->args[0] = flags;
	if (call == CALL_AT)
		sys_file_at(rec, 0, (int)sys_arg(rec, 0),
			    (const char *)sys_arg(rec, 1));
	else
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlink")
int unlink__sys_exit_unlink(struct sys_exit_args *ctx)
{
	return do_unlink(ctx, CALL_PATH);
}

/* Also the rmdir event, for AT_REMOVEDIR. */
SEC("tracepoint/syscalls/sys_exit_unlinkat")
int unlink__sys_exit_unlinkat(struct sys_exit_args *ctx)
{
	return do_unlink(ctx, CALL_AT);
}

SEC("tracepoint/syscalls/sys_exit_rmdir")
int rmdir__sys_exit_rmdir(struct sys_exit_args *ctx)
{
	return do_unlink(ctx, CALL_EXTRA);
}

/* rename, renameat, renameat2. */
static __always_inline int do_rename(struct sys_exit_args *ctx,
				     enum file_call call)
{
	struct cws_kev_syscall *rec;

	/* A renamed directory moves every path under it (kfilter.bpf.h). */
	if (ctx->ret == 0 && kf_discarders_on())
		kf_bump();
	rec = sys_begin(ctx, CWS_KEV_EVT_RENAME);
	if (!rec)
		return 0;
	if (call == CALL_PATH) {
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
		sys_file_at(rec, 1, AT_FDCWD, (const char *)sys_arg(rec, 1));
	} else {
		if (call == CALL_AT2)
			rec->args[0] = (__u32)sys_arg(rec, 4);
		sys_file_at(rec, 0, (int)sys_arg(rec, 0),
			    (const char *)sys_arg(rec, 1));
		sys_file_at(rec, 1, (int)sys_arg(rec, 2),
			    (const char *)sys_arg(rec, 3));
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_rename")
int rename__sys_exit_rename(struct sys_exit_args *ctx)
{
	return do_rename(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_renameat")
int rename__sys_exit_renameat(struct sys_exit_args *ctx)
{
	return do_rename(ctx, CALL_AT);
}

SEC("tracepoint/syscalls/sys_exit_renameat2")
int rename__sys_exit_renameat2(struct sys_exit_args *ctx)
{
	return do_rename(ctx, CALL_AT2);
}

/*
 * chmod's file as it was before the call. The exit tracepoint comes after
 * the kernel changed the mode and the ctime, so each chmod call has a
 * sys_enter program that finds the inode and keeps its stat for the exit
 * (Datadog reads it at security_inode_setattr, which this kernel does not
 * let us hook). fchmod has the inode from its fd. The path calls cannot
 * ask the kernel for a lookup: chmod_lookup walks the dentry cache from
 * the base directory, one component at a time, through each directory's
 * cached children. It gives up, and the file's stat stays unknown, where
 * the kernel's own lookup would do more than the cache shows: a component
 * not cached, a mount point, a symlink to follow, ".." out of a mount,
 * more than CHMOD_WALK_STEPS children to look at.
 */
#define CHMOD_WALK_STEPS 8192
#define CHMOD_PATH_MASK (CWS_KEV_PATH_MAX - 1)

struct chmod_before {
	__s64 nr; /* syscall number, -1 once taken */
	struct cws_kev_file f; /* the stat fields only */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct chmod_before);
} chmod_before SEC(".maps");

struct chmod_buf {
	/* NAME_MAX more: a component is copied from any offset below. */
	char path[CWS_KEV_PATH_MAX + CWS_KEV_NAME_MAX + 1];
	char name[CWS_KEV_NAME_MAX + 1]; /* a child's name */
	char comp[CWS_KEV_NAME_MAX + 1]; /* the component looked up */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chmod_buf);
} chmod_buf SEC(".maps");

enum chmod_phase {
	CHMOD_SLASHES, /* skipping '/' before a component */
	CHMOD_COMPONENT, /* reading a component, a byte per step */
	CHMOD_CHILDREN, /* comparing cur's children with it, one per step */
};

/*
 * The state of the walk, for bpf_loop's steps. A step does one thing
 * (a byte of the path, a child compared) with no loop of its own but a
 * short one over words: loops within a step would multiply the states
 * the verifier has to see.
 */
struct chmod_walk {
	struct chmod_buf *b;
	struct dentry *cur;
	struct dentry *mnt_root;
	struct hlist_node *child; /* the next child to compare */
	__u32 len; /* of the path */
	__u32 pos; /* in the path */
	__u32 start, clen; /* the component */
	int phase; /* enum chmod_phase */
	int link; /* cur is a symlink */
	int follow; /* a final symlink would be followed */
	int result; /* 0 going on, 1 found (cur), -1 given up */
};

/* Whether child d's name is the component (clen bytes in b->comp). */
static __always_inline int chmod_name_is(struct chmod_walk *w, struct dentry *d)
{
	__u32 k, n = w->clen, left;
	__u64 x;

	if (d->d_name.len != n || !n || n > CWS_KEV_NAME_MAX)
		return 0;
	/* The verifier wants the mask that clang drops after the test. */
	barrier_var(n);
	if (bpf_probe_read_kernel(w->b->name, n & CWS_KEV_NAME_MAX,
				  d->d_name.name))
		return 0;
	for (k = 0; k < (CWS_KEV_NAME_MAX + 1) / 8; k++) {
		if (k * 8 >= n)
			break;
		x = *(__u64 *)&w->b->name[k * 8] ^ *(__u64 *)&w->b->comp[k * 8];
		left = n - k * 8;
		if (left < 8)
			x &= (1ull << (left * 8)) - 1;
		if (x)
			return 0;
	}
	return 1;
}

static long chmod_walk_step(__u64 i, void *ctx)
{
	struct chmod_walk *w = ctx;
	struct dentry *d;
	unsigned int type;
	char c = 0;

	if (w->phase == CHMOD_CHILDREN) {
		if (!w->child)
			goto give_up; /* not in the cache */
		d = bpf_core_cast(container_of(w->child, struct dentry, d_sib),
				  struct dentry);
		w->child = bpf_core_cast(w->child, struct hlist_node)->next;
		if (!chmod_name_is(w, d))
			return 0;
		if (!d->d_inode || (d->d_flags & DCACHE_MOUNTED))
			goto give_up;
		type = d->d_flags & DCACHE_ENTRY_TYPE;
		w->link = type == DCACHE_SYMLINK_TYPE;
		w->cur = d;
		w->phase = CHMOD_SLASHES;
		return 0;
	}
	if (w->pos < w->len)
		c = w->b->path[w->pos & CHMOD_PATH_MASK];
	if (w->phase == CHMOD_SLASHES) {
		if (!c) {
			/* The end: cur is the file, unless a link to follow. */
			if (w->link && w->follow)
				goto give_up;
			w->result = 1;
			return 1;
		}
		if (c != '/') {
			if (w->link)
				goto give_up; /* a directory symlink */
			w->start = w->pos;
			w->phase = CHMOD_COMPONENT;
		}
		w->pos++;
		return 0;
	}
	/* CHMOD_COMPONENT */
	if (c && c != '/') {
		if (++w->pos - w->start > CWS_KEV_NAME_MAX)
			goto give_up;
		return 0;
	}
	w->clen = w->pos - w->start;
	w->phase = CHMOD_SLASHES;
	if (w->clen == 1 && w->b->path[w->start & CHMOD_PATH_MASK] == '.')
		return 0;
	if (w->clen == 2 && w->b->path[w->start & CHMOD_PATH_MASK] == '.' &&
	    w->b->path[(w->start + 1) & CHMOD_PATH_MASK] == '.') {
		if (w->cur == w->mnt_root || w->cur == w->cur->d_parent)
			goto give_up; /* out of the mount */
		w->cur = w->cur->d_parent;
		return 0;
	}
	if (bpf_probe_read_kernel(w->b->comp, w->clen & CWS_KEV_NAME_MAX,
				  &w->b->path[w->start & CHMOD_PATH_MASK]))
		goto give_up;
	w->child = w->cur->d_children.first;
	w->phase = CHMOD_CHILDREN;
	return 0;
give_up:
	w->result = -1;
	return 1;
}

/*
 * The inode that path (relative to dirfd) names, from the dentry cache,
 * or NULL; *mnt is set to its mount. See above for when it gives up.
 */
static __always_inline struct inode *
chmod_lookup(long dirfd, const char *path, int follow, struct vfsmount **mnt)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct chmod_walk w = {};
	struct file *file;
	__u32 zero = 0;
	long n;

	w.b = bpf_map_lookup_elem(&chmod_buf, &zero);
	if (!w.b || !path)
		return NULL;
	n = bpf_probe_read_user_str(w.b->path, CWS_KEV_PATH_MAX, path);
	if (n <= 1 || n >= CWS_KEV_PATH_MAX)
		return NULL;
	w.len = (__u32)n - 1;
	w.follow = follow;
	if (w.b->path[0] == '/') {
		w.cur = task->fs->root.dentry;
		*mnt = task->fs->root.mnt;
	} else if (dirfd == AT_FDCWD) {
		w.cur = task->fs->pwd.dentry;
		*mnt = task->fs->pwd.mnt;
	} else {
		file = sys_fd_file(dirfd);
		if (!file)
			return NULL;
		file = bpf_core_cast(file, struct file);
		w.cur = file->f_path.dentry;
		*mnt = file->f_path.mnt;
	}
	w.mnt_root = bpf_core_cast(*mnt, struct vfsmount)->mnt_root;
	bpf_loop(CHMOD_WALK_STEPS, chmod_walk_step, &w, 0);
	if (w.result != 1 || !w.cur)
		return NULL;
	return bpf_core_cast(w.cur, struct dentry)->d_inode;
}

/* On a chmod call's entry: keeps the stat of the file it names. */
static __always_inline int chmod_enter(struct sys_enter_args *ctx,
				       enum file_call call)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vfsmount *mnt = NULL;
	struct inode *inode = NULL;
	struct chmod_before *e;
	struct file *file;

	if (cfg_self_tgid && bpf_get_current_pid_tgid() >> 32 == cfg_self_tgid)
		return 0;
	e = bpf_task_storage_get(&chmod_before, task, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e)
		return 0;
	e->nr = -1;
	switch (call) {
	case CALL_PATH:
		inode = chmod_lookup(AT_FDCWD, (const char *)ctx->args[0], 1,
				     &mnt);
		break;
	case CALL_FD:
		file = sys_fd_file((long)ctx->args[0]);
		if (file) {
			file = bpf_core_cast(file, struct file);
			inode = file->f_inode;
			mnt = file->f_path.mnt;
		}
		break;
	default:
		inode = chmod_lookup(
			(int)ctx->args[0], (const char *)ctx->args[1],
			!(call == CALL_AT2 &&
			  ((__u32)ctx->args[3] & AT_SYMLINK_NOFOLLOW)),
			&mnt);
		break;
	}
	if (!inode || !mnt)
		return 0;
	__builtin_memset(&e->f, 0, sizeof(e->f));
	sys_stat(&e->f, inode);
	e->f.mount_id = real_mount(mnt)->mnt_id;
	e->nr = ctx->nr;
	return 0;
}

/* On its exit: file[0]'s stat becomes the one kept on entry, if any. */
static __always_inline void chmod_exit(struct cws_kev_syscall *rec, long nr)
{
	struct cws_kev_file *f = &rec->file[0];
	struct chmod_before *e;

	e = bpf_task_storage_get(&chmod_before, bpf_get_current_task_btf(), 0,
				 0);
	if (!e || e->nr != nr) {
		/* fchmod's exit stat is the new mode and ctime: not those. */
		f->mode = 0;
		f->ctime = 0;
		return;
	}
	e->nr = -1;
	f->inode = e->f.inode;
	f->mode = e->f.mode;
	f->uid = e->f.uid;
	f->gid = e->f.gid;
	f->ctime = e->f.ctime;
	f->mtime = e->f.mtime;
	__builtin_memcpy(f->fstype, e->f.fstype, sizeof(f->fstype));
	if (!f->mount_id)
		f->mount_id = e->f.mount_id;
	f->flags |= CWS_KEV_FILE_STAT;
}

/* chmod, fchmod, fchmodat, fchmodat2. */
static __always_inline int do_chmod(struct sys_exit_args *ctx,
				    enum file_call call)
{
	struct cws_kev_syscall *rec;

	/* As Datadog: a call that failed is an event only when refused. */
	if (ctx->ret < 0 && ctx->ret != -EACCES && ctx->ret != -EPERM)
		return 0;
	rec = sys_begin(ctx, CWS_KEV_EVT_CHMOD);
	if (!rec)
		return 0;
	switch (call) {
	case CALL_PATH: /* chmod(path, mode) */
		rec->args[0] = sys_arg(rec, 1) & MODE_BITS;
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
		break;
	case CALL_FD: /* fchmod(fd, mode) */
		rec->args[0] = sys_arg(rec, 1) & MODE_BITS;
		sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
		break;
	default: /* fchmodat(dirfd, path, mode), fchmodat2(..., flags) */
		rec->args[0] = sys_arg(rec, 2) & MODE_BITS;
		if (call == CALL_AT2)
			rec->args[1] = (__u32)sys_arg(rec, 3);
		sys_file_at_flags(rec, 0, (int)sys_arg(rec, 0),
				  (const char *)sys_arg(rec, 1), rec->args[1]);
		break;
	}
	chmod_exit(rec, ctx->nr);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_chmod")
int chmod__sys_enter_chmod(struct sys_enter_args *ctx)
{
	return chmod_enter(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_enter_fchmod")
int chmod__sys_enter_fchmod(struct sys_enter_args *ctx)
{
	return chmod_enter(ctx, CALL_FD);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat")
int chmod__sys_enter_fchmodat(struct sys_enter_args *ctx)
{
	return chmod_enter(ctx, CALL_AT);
}

SEC("tracepoint/syscalls/sys_enter_fchmodat2")
int chmod__sys_enter_fchmodat2(struct sys_enter_args *ctx)
{
	return chmod_enter(ctx, CALL_AT2);
}

SEC("tracepoint/syscalls/sys_exit_chmod")
int chmod__sys_exit_chmod(struct sys_exit_args *ctx)
{
	return do_chmod(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_fchmod")
int chmod__sys_exit_fchmod(struct sys_exit_args *ctx)
{
	return do_chmod(ctx, CALL_FD);
}

SEC("tracepoint/syscalls/sys_exit_fchmodat")
int chmod__sys_exit_fchmodat(struct sys_exit_args *ctx)
{
	return do_chmod(ctx, CALL_AT);
}

/* fchmodat2 exists since 6.6; the probe skips it on older kernels. */
SEC("tracepoint/syscalls/sys_exit_fchmodat2")
int chmod__sys_exit_fchmodat2(struct sys_exit_args *ctx)
{
	return do_chmod(ctx, CALL_AT2);
}

/* chown, lchown, fchown, fchownat. */
static __always_inline int do_chown(struct sys_exit_args *ctx,
				    enum file_call call)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_CHOWN);

	if (!rec)
		return 0;
	if (call == CALL_AT) {
		/* fchownat(dirfd, path, uid, gid, flags) */
		rec->args[0] = (__u32)sys_arg(rec, 2);
		rec->args[1] = (__u32)sys_arg(rec, 3);
		rec->args[2] = (__u32)sys_arg(rec, 4);
		sys_file_at_flags(rec, 0, (int)sys_arg(rec, 0),
				  (const char *)sys_arg(rec, 1), rec->args[2]);
	} else {
		/* chown(path, uid, gid), lchown, fchown(fd, uid, gid) */
		rec->args[0] = (__u32)sys_arg(rec, 1);
		rec->args[1] = (__u32)sys_arg(rec, 2);
		if (call == CALL_LPATH)
			rec->args[2] = AT_SYMLINK_NOFOLLOW;
		if (call == CALL_FD)
			sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
		else
			sys_file_at(rec, 0, AT_FDCWD,
				    (const char *)sys_arg(rec, 0));
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_chown")
int chown__sys_exit_chown(struct sys_exit_args *ctx)
{
	return do_chown(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_lchown")
int chown__sys_exit_lchown(struct sys_exit_args *ctx)
{
	return do_chown(ctx, CALL_LPATH);
}

SEC("tracepoint/syscalls/sys_exit_fchown")
int chown__sys_exit_fchown(struct sys_exit_args *ctx)
{
	return do_chown(ctx, CALL_FD);
}

SEC("tracepoint/syscalls/sys_exit_fchownat")
int chown__sys_exit_fchownat(struct sys_exit_args *ctx)
{
	return do_chown(ctx, CALL_AT);
}

/* mkdir, mkdirat. */
static __always_inline int do_mkdir(struct sys_exit_args *ctx,
				    enum file_call call)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_MKDIR);

	if (!rec)
		return 0;
	if (call == CALL_AT) {
		rec->args[0] = sys_arg(rec, 2) & MODE_BITS;
		sys_file_at(rec, 0, (int)sys_arg(rec, 0),
			    (const char *)sys_arg(rec, 1));
	} else {
		rec->args[0] = sys_arg(rec, 1) & MODE_BITS;
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mkdir")
int mkdir__sys_exit_mkdir(struct sys_exit_args *ctx)
{
	return do_mkdir(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_mkdirat")
int mkdir__sys_exit_mkdirat(struct sys_exit_args *ctx)
{
	return do_mkdir(ctx, CALL_AT);
}

/* link, linkat, symlink, symlinkat. */
static __always_inline int do_link(struct sys_exit_args *ctx,
				   enum file_call call, int symbolic)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_LINK);

	if (!rec)
		return 0;
	rec->args[1] = symbolic;
	if (symbolic) {
		/* symlink(target, path), symlinkat(target, dirfd, path) */
		sys_file_str(rec, 0, (const char *)sys_arg(rec, 0));
		if (call == CALL_AT)
			sys_file_at(rec, 1, (int)sys_arg(rec, 1),
				    (const char *)sys_arg(rec, 2));
		else
			sys_file_at(rec, 1, AT_FDCWD,
				    (const char *)sys_arg(rec, 1));
	} else if (call == CALL_AT) {
		/* linkat(olddirfd, old, newdirfd, new, flags) */
		rec->args[0] = (__u32)sys_arg(rec, 4);
		sys_file_at_flags(rec, 0, (int)sys_arg(rec, 0),
				  (const char *)sys_arg(rec, 1), rec->args[0]);
		sys_file_at(rec, 1, (int)sys_arg(rec, 2),
			    (const char *)sys_arg(rec, 3));
	} else {
		/* link(old, new) */
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
		sys_file_at(rec, 1, AT_FDCWD, (const char *)sys_arg(rec, 1));
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_link")
int link__sys_exit_link(struct sys_exit_args *ctx)
{
	return do_link(ctx, CALL_PATH, 0);
}

SEC("tracepoint/syscalls/sys_exit_linkat")
int link__sys_exit_linkat(struct sys_exit_args *ctx)
{
	return do_link(ctx, CALL_AT, 0);
}

SEC("tracepoint/syscalls/sys_exit_symlink")
int link__sys_exit_symlink(struct sys_exit_args *ctx)
{
	return do_link(ctx, CALL_PATH, 1);
}

SEC("tracepoint/syscalls/sys_exit_symlinkat")
int link__sys_exit_symlinkat(struct sys_exit_args *ctx)
{
	return do_link(ctx, CALL_AT, 1);
}

/* utime, utimes, utimensat, futimesat. */
static __always_inline int do_utimes(struct sys_exit_args *ctx,
				     enum file_call call)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_UTIMES);
	const char *path;
	long dirfd;

	if (!rec)
		return 0;
	if (call == CALL_PATH) {
		/* utime(path, times), utimes(path, times) */
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
	} else {
		/* utimensat(dirfd, path, times, flags), futimesat(...) */
		dirfd = (int)sys_arg(rec, 0);
		path = (const char *)sys_arg(rec, 1);
		if (call == CALL_AT2)
			rec->args[0] = (__u32)sys_arg(rec, 3);
		/* As do_utimes(): a NULL path with a dirfd is the fd itself. */
		if (!path && dirfd != AT_FDCWD)
			sys_file_fd(rec, 0, dirfd);
		else
			sys_file_at_flags(rec, 0, dirfd, path, rec->args[0]);
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_utime")
int utimes__sys_exit_utime(struct sys_exit_args *ctx)
{
	return do_utimes(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_utimes")
int utimes__sys_exit_utimes(struct sys_exit_args *ctx)
{
	return do_utimes(ctx, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_utimensat")
int utimes__sys_exit_utimensat(struct sys_exit_args *ctx)
{
	return do_utimes(ctx, CALL_AT2);
}

SEC("tracepoint/syscalls/sys_exit_futimesat")
int utimes__sys_exit_futimesat(struct sys_exit_args *ctx)
{
	return do_utimes(ctx, CALL_AT);
}

/*
 * setxattr, lsetxattr, fsetxattr, setxattrat and the removexattr family.
 * For setxattrat(dirfd, path, at_flags, name, args, size) the value's size
 * and flags are in struct xattr_args.
 */
struct cws_xattr_args {
	__u64 value;
	__u32 size;
	__u32 flags;
};

static __always_inline int do_xattr(struct sys_exit_args *ctx, __u16 event,
				    enum file_call call)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, event);
	int set = event == CWS_KEV_EVT_SETXATTR;
	const char *name;

	if (!rec)
		return 0;
	if (call == CALL_AT) {
		struct cws_xattr_args xa = {};

		rec->args[2] = (__u32)sys_arg(rec, 2);
		name = (const char *)sys_arg(rec, 3);
		if (set &&
		    !bpf_probe_read_user(&xa, sizeof(xa),
					 (const void *)sys_arg(rec, 4))) {
			rec->args[0] = xa.flags;
			rec->args[1] = xa.size;
		}
		sys_file_at_flags(rec, 0, (int)sys_arg(rec, 0),
				  (const char *)sys_arg(rec, 1), rec->args[2]);
	} else {
		/* (path or fd, name, value, size, flags) */
		name = (const char *)sys_arg(rec, 1);
		if (set) {
			rec->args[0] = (__u32)sys_arg(rec, 4);
			rec->args[1] = sys_arg(rec, 3);
		}
		if (call == CALL_LPATH)
			rec->args[2] = AT_SYMLINK_NOFOLLOW;
		if (call == CALL_FD)
			sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
		else
			sys_file_at(rec, 0, AT_FDCWD,
				    (const char *)sys_arg(rec, 0));
	}
	sys_str(rec, name, SYS_STR_USER);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setxattr")
int setxattr__sys_exit_setxattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_SETXATTR, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_lsetxattr")
int setxattr__sys_exit_lsetxattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_SETXATTR, CALL_LPATH);
}

SEC("tracepoint/syscalls/sys_exit_fsetxattr")
int setxattr__sys_exit_fsetxattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_SETXATTR, CALL_FD);
}

/* setxattrat and removexattrat exist since 6.13. */
SEC("tracepoint/syscalls/sys_exit_setxattrat")
int setxattr__sys_exit_setxattrat(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_SETXATTR, CALL_AT);
}

SEC("tracepoint/syscalls/sys_exit_removexattr")
int removexattr__sys_exit_removexattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_REMOVEXATTR, CALL_PATH);
}

SEC("tracepoint/syscalls/sys_exit_lremovexattr")
int removexattr__sys_exit_lremovexattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_REMOVEXATTR, CALL_LPATH);
}

SEC("tracepoint/syscalls/sys_exit_fremovexattr")
int removexattr__sys_exit_fremovexattr(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_REMOVEXATTR, CALL_FD);
}

SEC("tracepoint/syscalls/sys_exit_removexattrat")
int removexattr__sys_exit_removexattrat(struct sys_exit_args *ctx)
{
	return do_xattr(ctx, CWS_KEV_EVT_REMOVEXATTR, CALL_AT);
}

/* chdir, fchdir. */
SEC("tracepoint/syscalls/sys_exit_chdir")
int chdir__sys_exit_chdir(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_CHDIR);
	struct task_struct *task = bpf_get_current_task_btf();

	if (!rec)
		return 0;
	/* After a successful chdir the object is the cwd: resolve that. */
	if (rec->retval == 0)
		sys_file_dentry(rec, 0, BPF_CORE_READ(task, fs, pwd.dentry),
				BPF_CORE_READ(task, fs, pwd.mnt));
	else
		sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
	/* chdir.syscall.path: the argument as given (user space cuts it). */
	sys_str(rec, (const char *)sys_arg(rec, 0), SYS_STR_USER);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fchdir")
int chdir__sys_exit_fchdir(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_CHDIR);

	if (!rec)
		return 0;
	sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
	sys_submit(rec);
	return 0;
}

static __always_inline int is_pipe(struct file *f)
{
	return f && (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) == S_IFIFO;
}

/* Which buffer of a pipe pipe_buf_flags reads. */
enum pipe_slot {
	PIPE_NEXT_WRITE, /* head: the one the next write fills */
	PIPE_LAST_WRITTEN, /* head - 1 */
	PIPE_NEXT_READ, /* tail */
	PIPE_LAST_READ, /* tail - 1 */
};

/*
 * The PIPE_BUF_FLAG_* of one buffer of the pipe behind file f, or 0 when f
 * is not a pipe. i_pipe shares a union with i_cdev and i_link, so the
 * inode type is checked first.
 */
static __always_inline __u32 pipe_buf_flags(struct file *f,
					    enum pipe_slot which)
{
	struct pipe_inode_info *pipe;
	struct pipe_buffer *bufs;
	__u32 slot, ring;

	if (!is_pipe(f))
		return 0;
	pipe = BPF_CORE_READ(f, f_inode, i_pipe);
	if (!pipe)
		return 0;
	ring = BPF_CORE_READ(pipe, ring_size);
	bufs = BPF_CORE_READ(pipe, bufs);
	if (!ring || !bufs)
		return 0;
	if (which == PIPE_NEXT_WRITE || which == PIPE_LAST_WRITTEN)
		slot = BPF_CORE_READ(pipe, head);
	else
		slot = BPF_CORE_READ(pipe, tail);
	if (which == PIPE_LAST_WRITTEN || which == PIPE_LAST_READ)
		slot--;
	/* ring_size is a power of two (pipe_resize_ring). */
	return BPF_CORE_READ(bufs + (slot & (ring - 1)), flags);
}

/*
 * The pipe buffer a splice fills or drains: fd_out's pipe when it is one,
 * else fd_in's. At entry, the buffer the call is about to fill (or read);
 * at exit, the one it filled (or read) last. A file spliced into a pipe
 * whose buffer keeps PIPE_BUF_FLAG_CAN_MERGE is the Dirty Pipe pattern
 * (CVE-2022-0847) rules look for.
 */
static __always_inline __u32 splice_flags(long fd_in, long fd_out, int exit)
{
	struct file *out = sys_fd_file(fd_out);

	if (is_pipe(out))
		return pipe_buf_flags(out, exit ? PIPE_LAST_WRITTEN :
						  PIPE_NEXT_WRITE);
	return pipe_buf_flags(sys_fd_file(fd_in),
			      exit ? PIPE_LAST_READ : PIPE_NEXT_READ);
}

/*
 * The pipe's buffer before the call is only seen at entry: a small
 * program keeps its flags for the exit one (sys_entry_save).
 */
SEC("tracepoint/syscalls/sys_enter_splice")
int splice__sys_enter_splice(struct sys_enter_args *ctx)
{
	sys_entry_save(ctx->nr,
		       splice_flags((int)ctx->args[0], (int)ctx->args[2], 0));
	return 0;
}

/* splice(fd_in, off_in, fd_out, off_out, len, flags) */
SEC("tracepoint/syscalls/sys_exit_splice")
int splice__sys_exit_splice(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_SPLICE);
	__u64 entry = 0;

	if (!rec)
		return 0;
	rec->args[0] = (__u32)sys_arg(rec, 5);
	rec->args[1] = sys_arg(rec, 4);
	if (!sys_entry_take(ctx->nr, &entry))
		rec->args[4] = 1;
	rec->args[2] = entry;
	rec->args[3] =
		splice_flags((int)sys_arg(rec, 0), (int)sys_arg(rec, 2), 1);
	sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
	sys_file_fd(rec, 1, (int)sys_arg(rec, 2));
	sys_submit(rec);
	return 0;
}

/* mmap(addr, len, prot, flags, fd, off) */
SEC("tracepoint/syscalls/sys_exit_mmap")
int mmap__sys_exit_mmap(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_MMAP);

	if (!rec)
		return 0;
	rec->args[0] = (__u32)sys_arg(rec, 2);
	rec->args[1] = (__u32)sys_arg(rec, 3);
	rec->args[2] = sys_arg(rec, 1);
	rec->args[3] = sys_arg(rec, 5);
	if (!(rec->args[1] & MAP_ANONYMOUS))
		sys_file_fd(rec, 0, (int)sys_arg(rec, 4));
	sys_submit(rec);
	return 0;
}

static long vma_flags(struct task_struct *task, struct vm_area_struct *vma,
		      void *data)
{
	*(__u64 *)data = BPF_CORE_READ(vma, vm_flags);
	return 0;
}

/*
 * The flags of the mapping at addr. bpf_find_vma takes the mmap lock with
 * a trylock, so a contended mm gives 0 rather than a wait.
 */
static __always_inline __u64 vm_flags_at(__u64 addr)
{
	__u64 flags = 0;

	bpf_find_vma(bpf_get_current_task_btf(), addr, vma_flags, &flags, 0);
	return flags;
}

/*
 * vm_protection is the mapping's protection before the call (a W to X
 * change is what rules look for), which only the entry sees.
 */
SEC("tracepoint/syscalls/sys_enter_mprotect")
int mprotect__sys_enter_mprotect(struct sys_enter_args *ctx)
{
	sys_entry_save(ctx->nr, vm_flags_at(ctx->args[0]));
	return 0;
}

/* mprotect(start, len, prot) */
SEC("tracepoint/syscalls/sys_exit_mprotect")
int mprotect__sys_exit_mprotect(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_MPROTECT);
	__u64 flags = 0;

	if (!rec)
		return 0;
	rec->args[0] = (__u32)sys_arg(rec, 2);
	rec->args[2] = sys_arg(rec, 0);
	rec->args[3] = sys_arg(rec, 1);
	/* Without the entry (attached mid-call): the flags after it. */
	if (!sys_entry_take(ctx->nr, &flags))
		rec->args[4] = 1;
	else
		flags = vm_flags_at(rec->args[2]);
	rec->args[1] = flags;
	sys_submit(rec);
	return 0;
}

/* memfd_create(name, flags) */
SEC("tracepoint/syscalls/sys_exit_memfd_create")
int memfd_create__sys_exit_memfd_create(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_MEMFD_CREATE);

	if (!rec)
		return 0;
	rec->args[0] = (__u32)sys_arg(rec, 1);
	sys_str(rec, (const char *)sys_arg(rec, 0), SYS_STR_USER);
	sys_submit(rec);
	return 0;
}

#endif
