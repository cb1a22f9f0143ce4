/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System events of agent 7.68-7.73: setsockopt, prctl, cgroup_write and
 * selinux. Like the other syscall events, one program per syscall on its
 * exit tracepoint, named <event>__sys_exit_<syscall>, each building a
 * struct cws_kev_syscall with bpf/syscall.bpf.h; the user-space half is
 * cmd/cws-probe/emit_sysev.c.
 *
 * Datadog hooks the kernel functions behind these (sk_attach_filter,
 * cgroup_procs_write, sel_write_enforce, ...) with kprobes, which this
 * kernel does not have. cgroup_write and selinux therefore hook the write
 * syscalls and keep only writes to a file of the right file system: the
 * superblock magic of the fd's file is read before anything else, so a
 * write to any other file costs an fd lookup and two loads.
 *
 * args[] per event (unused slots are 0):
 *   setsockopt
 *            args[0] level, args[1] optname, args[2] socket type,
 *            args[3] family, args[4] protocol (0 when fd is not a
 *            socket), args[5] for SO_ATTACH_FILTER: CWS_KEV_FILTER_READ |
 *            the instruction count as passed (struct sock_fprog.len);
 *            str: the raw filter, at most CWS_KEV_FILTER_MAX
 *            instructions of 8 bytes (CWS_KEV_FILTER_CUT when longer).
 *   prctl    args[0] option; for PR_SET_NAME, args[1] 1 when the name
 *            filled CWS_KEV_PRCTL_NAME_MAX - 1 bytes (cut); str: the name as the
 *            caller passed it, not the kernel's 15-byte comm.
 *   cgroup_write
 *            a write to cgroup.procs or tasks of a cgroup v2 or v1 mount:
 *            file[0] the cgroup directory; args[0] the byte count asked;
 *            str: the first CWS_KEV_WRITE_MAX - 1 bytes written (raw).
 *   selinux  a write to a selinuxfs file: file[0] that file; args[0] the
 *            byte count asked; str: the first bytes written (raw).
 * The written bytes are read at exit from the caller's buffer: a thread
 * of the same process may have changed them meanwhile.
 */
#ifndef CWS_SYSEV_BPF_H
#define CWS_SYSEV_BPF_H

#include "syscall.bpf.h"

/* cppcheck (make lint) reads this header without libbpf's SEC. */
#ifndef SEC
#define SEC(name)
#endif

#define SYSEV_SOL_SOCKET 1
#define SYSEV_SO_ATTACH_FILTER 26
#define SYSEV_PR_SET_NAME 15
#define SYSEV_S_IFMT 00170000
#define SYSEV_S_IFSOCK 0140000
#define SYSEV_CGROUP_SUPER_MAGIC 0x27e0ebull
#define SYSEV_CGROUP2_SUPER_MAGIC 0x63677270ull
#define SYSEV_SELINUX_MAGIC 0xf97cff8cull

/*
 * The extra string as n raw bytes of user memory at src (a filter, a
 * write's buffer: not NUL terminated, may hold NULs). Same contract as
 * sys_str: after the files, once.
 */
static __always_inline int sys_bytes(struct cws_kev_syscall *rec,
				     const void *src, __u64 n)
{
	struct sys_scratch *s = (struct sys_scratch *)rec;
	char *dst;

	if (s->sealed)
		return -EINVAL;
	s->sealed = 1;
	rec->flags |= CWS_KEV_SYS_STR;
	dst = sys_cursor(s);
	if (!dst) {
		rec->flags |= CWS_KEV_SYS_STR_FAULT;
		return 0;
	}
	n = CLAMP(n, CWS_KEV_STR_MAX - 1);
	if (n && bpf_probe_read_user(dst, n, src)) {
		rec->flags |= CWS_KEV_SYS_STR_FAULT;
		return 0;
	}
	rec->str_len = n;
	s->len += n;
	return 0;
}

/* setsockopt(fd, level, optname, optval, optlen). */
SEC("tracepoint/syscalls/sys_exit_setsockopt")
int setsockopt__sys_exit_setsockopt(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_SETSOCKOPT);
	struct {
		__u16 len;
		__u16 _pad[3];
		const void *filter;
	} fprog = {};
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	__u64 n;

	if (!rec)
		return 0;
	rec->args[0] = (__s32)sys_arg(rec, 1);
	rec->args[1] = (__s32)sys_arg(rec, 2);
	file = sys_fd_file((__s32)sys_arg(rec, 0));
	if (file && (BPF_CORE_READ(file, f_inode, i_mode) & SYSEV_S_IFMT) ==
			    SYSEV_S_IFSOCK) {
		sock = BPF_CORE_READ(file, private_data);
		sk = BPF_CORE_READ(sock, sk);
		rec->args[2] = BPF_CORE_READ(sock, type);
		if (sk) {
			rec->args[3] =
				BPF_CORE_READ(sk, __sk_common.skc_family);
			rec->args[4] = BPF_CORE_READ(sk, sk_protocol);
		}
	}
	if (rec->args[0] == SYSEV_SOL_SOCKET &&
	    rec->args[1] == SYSEV_SO_ATTACH_FILTER &&
	    !bpf_probe_read_user(&fprog, sizeof(fprog),
				 (const void *)sys_arg(rec, 3))) {
		rec->args[5] = CWS_KEV_FILTER_READ | fprog.len;
		n = fprog.len;
		if (n > CWS_KEV_FILTER_MAX) {
			n = CWS_KEV_FILTER_MAX;
			rec->args[5] |= CWS_KEV_FILTER_CUT;
		}
		sys_bytes(rec, fprog.filter, n * 8);
	}
	sys_submit(rec);
	return 0;
}

/* prctl(option, arg2, ...): arg2 is the name for PR_SET_NAME. */
SEC("tracepoint/syscalls/sys_exit_prctl")
int prctl__sys_exit_prctl(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_PRCTL);
	struct sys_scratch *s = (struct sys_scratch *)rec;
	long n;
	int cut;

	if (!rec)
		return 0;
	rec->args[0] = (__s32)sys_arg(rec, 0);
	if (rec->args[0] == SYSEV_PR_SET_NAME) {
		s->sealed = 1;
		rec->flags |= CWS_KEV_SYS_STR;
		n = sys_put_str(s, (const char *)sys_arg(rec, 1),
				CWS_KEV_PRCTL_NAME_MAX, 0, &cut);
		if (n < 0)
			rec->flags |= CWS_KEV_SYS_STR_FAULT;
		else
			rec->str_len = n;
		rec->args[1] = n >= 0 && cut;
	}
	sys_submit(rec);
	return 0;
}

/*
 * Writes: the file of fd, when its file system has the magic asked for
 * (0 otherwise), read before any record is started.
 */
static __always_inline struct file *sysev_fd_magic(long fd, __u64 magic1,
						   __u64 magic2)
{
	struct file *file = sys_fd_file(fd);
	__u64 magic;

	if (!file)
		return NULL;
	magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);
	return magic == magic1 || magic == magic2 ? file : NULL;
}

/* The written buffer: buf itself, or the first iovec of writev. */
static __always_inline const void *sysev_iov(const void *iov, __u64 *count)
{
	struct {
		const void *base;
		__u64 len;
	} v = {};

	if (bpf_probe_read_user(&v, sizeof(v), iov))
		return NULL;
	*count = v.len;
	return v.base;
}

/* True for the names of the files a cgroup migration is written to. */
static __always_inline int sysev_procs_name(struct dentry *dentry)
{
	char name[16] = {};
	const unsigned char *p = BPF_CORE_READ(dentry, d_name.name);

	if (bpf_probe_read_kernel_str(name, sizeof(name), p) < 0)
		return 0;
	if (name[0] == 't')
		return name[1] == 'a' && name[2] == 's' && name[3] == 'k' &&
		       name[4] == 's' && !name[5];
	return name[0] == 'c' && name[1] == 'g' && name[2] == 'r' &&
	       name[3] == 'o' && name[4] == 'u' && name[5] == 'p' &&
	       name[6] == '.' && name[7] == 'p' && name[8] == 'r' &&
	       name[9] == 'o' && name[10] == 'c' && name[11] == 's' &&
	       !name[12];
}

static __always_inline int sysev_cgroup_write(void *ctx, int vec)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct cws_kev_syscall *rec;
	struct dentry *dentry;
	const void *buf;
	struct file *file;
	__u64 count;

	file = sysev_fd_magic((__s32)PT_REGS_PARM1_SYSCALL(regs),
			      SYSEV_CGROUP2_SUPER_MAGIC,
			      SYSEV_CGROUP_SUPER_MAGIC);
	if (!file)
		return 0;
	dentry = BPF_CORE_READ(file, f_path.dentry);
	if (!sysev_procs_name(dentry))
		return 0;
	rec = sys_begin(ctx, CWS_KEV_EVT_CGROUP_WRITE);
	if (!rec)
		return 0;
	buf = (const void *)sys_arg(rec, 1);
	count = sys_arg(rec, 2);
	if (vec)
		buf = sysev_iov(buf, &count);
	rec->args[0] = count;
	sys_file_dentry(rec, 0, BPF_CORE_READ(dentry, d_parent),
			BPF_CORE_READ(file, f_path.mnt));
	sys_bytes(rec, buf,
		  count < CWS_KEV_WRITE_MAX ? count : CWS_KEV_WRITE_MAX - 1);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int cgroup_write__sys_exit_write(struct sys_exit_args *ctx)
{
	return sysev_cgroup_write(ctx, 0);
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int cgroup_write__sys_exit_pwrite64(struct sys_exit_args *ctx)
{
	return sysev_cgroup_write(ctx, 0);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int cgroup_write__sys_exit_writev(struct sys_exit_args *ctx)
{
	return sysev_cgroup_write(ctx, 1);
}

static __always_inline int sysev_selinux_write(void *ctx, int vec)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct cws_kev_syscall *rec;
	const void *buf;
	__u64 count;

	if (!sysev_fd_magic((__s32)PT_REGS_PARM1_SYSCALL(regs),
			    SYSEV_SELINUX_MAGIC, SYSEV_SELINUX_MAGIC))
		return 0;
	rec = sys_begin(ctx, CWS_KEV_EVT_SELINUX);
	if (!rec)
		return 0;
	buf = (const void *)sys_arg(rec, 1);
	count = sys_arg(rec, 2);
	if (vec)
		buf = sysev_iov(buf, &count);
	rec->args[0] = count;
	sys_file_fd(rec, 0, (__s32)sys_arg(rec, 0));
	sys_bytes(rec, buf,
		  count < CWS_KEV_WRITE_MAX ? count : CWS_KEV_WRITE_MAX - 1);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_write")
int selinux__sys_exit_write(struct sys_exit_args *ctx)
{
	return sysev_selinux_write(ctx, 0);
}

SEC("tracepoint/syscalls/sys_exit_pwrite64")
int selinux__sys_exit_pwrite64(struct sys_exit_args *ctx)
{
	return sysev_selinux_write(ctx, 0);
}

SEC("tracepoint/syscalls/sys_exit_writev")
int selinux__sys_exit_writev(struct sys_exit_args *ctx)
{
	return sysev_selinux_write(ctx, 1);
}

#endif
