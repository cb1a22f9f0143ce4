/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process and kernel events: credentials (setuid, setgid, capset),
 * ptrace, signal, bpf, kernel modules and mounts. Like the file events,
 * one program per syscall on its exit tracepoint, named
 * <event>__sys_exit_<syscall> so that the probe loads only the types asked
 * for, each building a struct cws_kev_syscall with bpf/syscall.bpf.h. A
 * failed call is an event too, with its negative retval: the attempt is
 * what a rule looks for (a setuid(0) refused, a module refused). This
 * comment is the reference for what each event puts in the record (user
 * space: cmd/cws-probe/emit_proc.c).
 *
 * Ids are the call's request, not the kernel's answer, so that a failed
 * call says what was tried; (__u32)-1 is "left unchanged", as the calls
 * themselves have it. The fs id follows the effective id, as the kernel
 * does.
 *
 * args[] per event (unused slots are 0):
 *   setuid   args[0] uid, args[1] euid, args[2] fsuid (32-bit values).
 *            setuid(u): u, u, u; setreuid(r, e): r, e, e; setresuid(r, e,
 *            s): r, e, e; setfsuid(f): -1, -1, f (its retval is the old
 *            fsuid, never an error).
 *   setgid   the same with gids.
 *   capset   args[0] effective, args[1] permitted: the sets asked for
 *            (both 32-bit halves with the v2/v3 ABI).
 *   ptrace   args[0] request (PTRACE_*), args[1] pid (the tracee, a
 *            thread id).
 *   signal   args[0] pid (kill: the pid argument, which may be 0 or
 *            negative for a group; tkill: the thread; tgkill: the thread
 *            group), args[1] signal, args[2] thread id (tkill, tgkill).
 *   bpf      args[0] cmd (BPF_*), args[1] map type (BPF_MAP_CREATE) or
 *            program type (BPF_PROG_LOAD), args[2] expected attach type
 *            (BPF_PROG_LOAD), args[3..5] the helper ids the program
 *            calls, a bitmask of ids 0 to 191 (BPF_PROG_LOAD); str: the
 *            map or program name. Commands on
 *            map elements (lookup, update, delete, next key, batches)
 *            make no event.
 *   load_module
 *            init_module: args[0] 1 (loaded from memory), args[1] image
 *            length; str: the parameters. finit_module: file[0] the fd's
 *            file, args[2] flags; str: the parameters.
 *   unload_module
 *            str: the name. args[0] flags (O_NONBLOCK, O_TRUNC).
 *   mount    file[0]: the mount point (dirfd + path), file[1]: the
 *            source as given (CWS_KEV_FILE_RAW: a device, a directory
 *            for MS_BIND, or a name such as "tmpfs"); str: the file
 *            system type. args[0] flags (MS_*). move_mount: file[0] the
 *            target (to_dfd + to_path), file[1] the source (from_dfd +
 *            from_path, or the fsmount fd itself, whose stat has the
 *            file system type); args[0] its MOVE_MOUNT_* flags, args[1]
 *            1 (move_mount).
 *   umount   file[0]: the mount point (path). args[0] flags (MNT_*).
 *
 * Modules: a kernel built without CONFIG_MODULES has no
 * sys_exit_{init,finit,delete}_module tracepoints (the calls are
 * sys_ni_syscall, which defines none), yet the calls still reach the
 * kernel and fail with ENOSYS, and an attempt to load a module is exactly
 * what a rule wants to see. So the module events hook the generic
 * tp_btf/sys_exit, which fires for every syscall, and keep only their own
 * syscall numbers, 32-bit ones included (which no per-syscall
 * tracepoint sees); being on every syscall, they cost a few tens of
 * nanoseconds per syscall when asked for.
 */
#ifndef CWS_PROC_EVENTS_BPF_H
#define CWS_PROC_EVENTS_BPF_H

#include "syscall.bpf.h"

/*
 * cppcheck (make lint) reads this header without libbpf's: give it a SEC
 * that expands to nothing rather than an unknown macro before each program.
 */
#ifndef SEC
#define SEC(name)
#endif

/* UAPI values vmlinux.h does not carry (they are macros). */
#define PROC_CAP_V1 0x19980330 /* _LINUX_CAPABILITY_VERSION_1: one set */
#define PROC_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define PROC_MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#define PROC_BPF_MAP_CREATE 0
#define PROC_BPF_PROG_LOAD 5

/* The module calls' numbers, for the sys_exit filter. */
#if defined(__TARGET_ARCH_x86)
#define PROC_NR_INIT_MODULE 175
#define PROC_NR_DELETE_MODULE 176
#define PROC_NR_FINIT_MODULE 313
/* The same calls made through the 32-bit entry (int 0x80). */
#define PROC_IA32_NR_INIT_MODULE 128
#define PROC_IA32_NR_DELETE_MODULE 129
#define PROC_IA32_NR_FINIT_MODULE 350
#define PROC_SYSCALL_NR(regs) BPF_CORE_READ((regs), orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define PROC_NR_INIT_MODULE 105
#define PROC_NR_DELETE_MODULE 106
#define PROC_NR_FINIT_MODULE 273
/* No 32-bit numbers: sys_ia32 is false off x86. */
#define PROC_IA32_NR_INIT_MODULE -1
#define PROC_IA32_NR_DELETE_MODULE -1
#define PROC_IA32_NR_FINIT_MODULE -1
#define PROC_SYSCALL_NR(regs) BPF_CORE_READ((regs), syscallno)
#elif defined(__bpf__) /* not for cppcheck, which defines no target */
#error "cws: the module syscall numbers of this architecture are not known"
#endif

#define PROC_ID_UNCHANGED 0xffffffffull

/* Credentials. */

static __always_inline int do_setid(struct sys_exit_args *ctx, __u16 event,
				    int nargs, int fs)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, event);
	__u64 a0, a1;

	if (!rec)
		return 0;
	/* 32-bit ids: the registers' upper halves are not the caller's. */
	a0 = (__u32)sys_arg(rec, 0);
	a1 = (__u32)sys_arg(rec, 1);
	if (fs) {
		rec->args[0] = PROC_ID_UNCHANGED;
		rec->args[1] = PROC_ID_UNCHANGED;
		rec->args[2] = a0;
	} else if (nargs == 1) {
		rec->args[0] = a0;
		rec->args[1] = a0;
		rec->args[2] = a0;
	} else {
		rec->args[0] = a0;
		rec->args[1] = a1;
		rec->args[2] = a1;
	}
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setuid")
int setuid__sys_exit_setuid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETUID, 1, 0);
}

SEC("tracepoint/syscalls/sys_exit_setreuid")
int setuid__sys_exit_setreuid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETUID, 2, 0);
}

SEC("tracepoint/syscalls/sys_exit_setresuid")
int setuid__sys_exit_setresuid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETUID, 3, 0);
}

SEC("tracepoint/syscalls/sys_exit_setfsuid")
int setuid__sys_exit_setfsuid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETUID, 1, 1);
}

SEC("tracepoint/syscalls/sys_exit_setgid")
int setgid__sys_exit_setgid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETGID, 1, 0);
}

SEC("tracepoint/syscalls/sys_exit_setregid")
int setgid__sys_exit_setregid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETGID, 2, 0);
}

SEC("tracepoint/syscalls/sys_exit_setresgid")
int setgid__sys_exit_setresgid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETGID, 3, 0);
}

SEC("tracepoint/syscalls/sys_exit_setfsgid")
int setgid__sys_exit_setfsgid(struct sys_exit_args *ctx)
{
	return do_setid(ctx, CWS_KEV_EVT_SETGID, 1, 1);
}

/* capset(hdrp, datap): the sets asked for, from the caller's memory. */
SEC("tracepoint/syscalls/sys_exit_capset")
int capset__sys_exit_capset(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_CAPSET);
	struct __user_cap_header_struct hdr = {};
	struct __user_cap_data_struct data[2] = {};
	__u32 n = 2;

	if (!rec)
		return 0;
	bpf_probe_read_user(&hdr, sizeof(hdr), (const void *)sys_arg(rec, 0));
	if (hdr.version == PROC_CAP_V1)
		n = 1;
	/* A fault leaves zeroes: the record still says a capset happened. */
	if (n == 1)
		bpf_probe_read_user(&data[0], sizeof(data[0]),
				    (const void *)sys_arg(rec, 1));
	else
		bpf_probe_read_user(data, sizeof(data),
				    (const void *)sys_arg(rec, 1));
	rec->args[0] = data[0].effective | (__u64)data[1].effective << 32;
	rec->args[1] = data[0].permitted | (__u64)data[1].permitted << 32;
	sys_submit(rec);
	return 0;
}

/* ptrace(request, pid, addr, data). */
SEC("tracepoint/syscalls/sys_exit_ptrace")
int ptrace__sys_exit_ptrace(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_PTRACE);

	if (!rec)
		return 0;
	rec->args[0] = sys_arg(rec, 0);
	rec->args[1] = (__s32)sys_arg(rec, 1);
	sys_submit(rec);
	return 0;
}

/* Signals. pid_t and int arguments are sign-extended from 32 bits. */

SEC("tracepoint/syscalls/sys_exit_kill")
int signal__sys_exit_kill(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_SIGNAL);

	if (!rec)
		return 0;
	rec->args[0] = (__s32)sys_arg(rec, 0);
	rec->args[1] = (__s32)sys_arg(rec, 1);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int signal__sys_exit_tkill(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_SIGNAL);

	if (!rec)
		return 0;
	rec->args[0] = (__s32)sys_arg(rec, 0);
	rec->args[1] = (__s32)sys_arg(rec, 1);
	rec->args[2] = (__s32)sys_arg(rec, 0);
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int signal__sys_exit_tgkill(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec = sys_begin(ctx, CWS_KEV_EVT_SIGNAL);

	if (!rec)
		return 0;
	rec->args[0] = (__s32)sys_arg(rec, 0);
	rec->args[1] = (__s32)sys_arg(rec, 2);
	rec->args[2] = (__s32)sys_arg(rec, 1);
	sys_submit(rec);
	return 0;
}

/*
 * The bpf(2) commands that read or write map elements: the data path of
 * every BPF user (this probe polls its own counters with them), thousands
 * per second on a busy host, and nothing a rule about loading programs or
 * creating maps needs. They make no event.
 */
#define PROC_BPF_ELEM_CMDS                                            \
	((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 21) | \
	 (1u << 24) | (1u << 25) | (1u << 26) | (1u << 27))

/*
 * bpf.prog.helpers: the helper ids a program calls, from the caller's
 * instructions (a call with src_reg 0 is a helper call; 1 and 2 are BPF
 * to BPF calls and kfuncs), as a bitmask of ids below 192 in args[3..5].
 * Datadog collects the same set from the verifier's check_helper_call;
 * without kprobes, the instructions as loaded are what there is. The
 * loop is bpf_loop, one instruction per call, so that the verifier sees
 * one instruction whatever insn_cnt is (chunks of several made it walk
 * every branch of each); it runs only for BPF_PROG_LOAD.
 */
#define PROC_INSN_MAX (1u << 20) /* BPF_COMPLEXITY_LIMIT_INSNS */
#define PROC_BPF_CALL 0x85 /* BPF_JMP | BPF_CALL */
#define PROC_HELPERS_MAX 192

struct proc_helpers {
	const struct bpf_insn *insns;
	__u32 cnt;
	__u64 mask[3];
};

static long proc_helpers_insn(__u64 index, void *arg)
{
	struct proc_helpers *h = arg;
	struct bpf_insn insn;
	__u32 id, w;

	if (index >= h->cnt ||
	    bpf_probe_read_user(&insn, sizeof(insn), h->insns + index))
		return 1;
	if (insn.code != PROC_BPF_CALL || insn.src_reg != 0)
		return 0;
	id = (__u32)insn.imm;
	if (id >= PROC_HELPERS_MAX)
		return 0;
	/*
	 * h is on the caller's stack, which the verifier lets no variable
	 * offset reach: one constant index per word.
	 */
	w = id >> 6;
	if (w == 0)
		h->mask[0] |= 1ull << (id & 63);
	else if (w == 1)
		h->mask[1] |= 1ull << (id & 63);
	else
		h->mask[2] |= 1ull << (id & 63);
	return 0;
}

static __always_inline void proc_helpers(struct cws_kev_syscall *rec,
					 const char *attr, __u64 size)
{
	struct proc_helpers h = {};
	__u64 insns = 0;

	if (size < __builtin_offsetof(union bpf_attr, insns) + sizeof(insns) ||
	    bpf_probe_read_user(&h.cnt, sizeof(h.cnt),
				attr + __builtin_offsetof(union bpf_attr,
							  insn_cnt)) ||
	    bpf_probe_read_user(&insns, sizeof(insns),
				attr + __builtin_offsetof(union bpf_attr,
							  insns)))
		return;
	/* bpf_loop is 5.17's: before, no helpers rather than no program. */
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_loop))
		return;
	h.insns = (const struct bpf_insn *)insns;
	if (h.cnt > PROC_INSN_MAX)
		h.cnt = PROC_INSN_MAX;
	bpf_loop(h.cnt, proc_helpers_insn, &h, 0);
	rec->args[3] = h.mask[0];
	rec->args[4] = h.mask[1];
	rec->args[5] = h.mask[2];
}

/*
 * bpf(cmd, attr, size): the types and name from the caller's attr, which
 * is still there at exit. A field past size was not passed (older
 * callers): it stays 0, or no name.
 */
SEC("tracepoint/syscalls/sys_exit_bpf")
int bpf__sys_exit_bpf(struct sys_exit_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct cws_kev_syscall *rec;
	const char *attr;
	__u64 cmd, size;
	__u32 v = 0;

	/* Before sys_begin, so that an element access costs only this. */
	cmd = (__u32)PT_REGS_PARM1_SYSCALL(regs);
	if (cmd < 32 && (PROC_BPF_ELEM_CMDS & (1u << cmd)))
		return 0;
	rec = sys_begin(ctx, CWS_KEV_EVT_BPF);
	if (!rec)
		return 0;
	attr = (const char *)sys_arg(rec, 1);
	size = (__u32)sys_arg(rec, 2);
	rec->args[0] = cmd;
	if (cmd == PROC_BPF_MAP_CREATE) {
		if (size >= sizeof(__u32) &&
		    !bpf_probe_read_user(&v, sizeof(v), attr))
			rec->args[1] = v;
		if (size >= __builtin_offsetof(union bpf_attr, map_name) + 16)
			sys_str(rec,
				attr + __builtin_offsetof(union bpf_attr,
							  map_name),
				SYS_STR_USER);
	} else if (cmd == PROC_BPF_PROG_LOAD) {
		if (size >= sizeof(__u32) &&
		    !bpf_probe_read_user(&v, sizeof(v), attr))
			rec->args[1] = v;
		v = 0;
		if (size >= __builtin_offsetof(union bpf_attr,
					       expected_attach_type) +
				    sizeof(__u32) &&
		    !bpf_probe_read_user(
			    &v, sizeof(v),
			    attr + __builtin_offsetof(union bpf_attr,
						      expected_attach_type)))
			rec->args[2] = v;
		proc_helpers(rec, attr, size);
		if (size >= __builtin_offsetof(union bpf_attr, prog_name) + 16)
			sys_str(rec,
				attr + __builtin_offsetof(union bpf_attr,
							  prog_name),
				SYS_STR_USER);
	}
	sys_submit(rec);
	return 0;
}

/* Modules, on the generic sys_exit (see the note at the top). */

/*
 * The module call of syscall nr, as a native number, or -1 for another
 * call. A 32-bit call (int 0x80) has numbers from another table (175 is
 * not ours there): it is mapped onto the native ones, and its arguments
 * come from the 32-bit registers (sys_begin_ret).
 */
static __always_inline long proc_module_nr(long nr)
{
	int ia32;

	/* Every syscall comes here: the cheapest test first. */
	if (nr != PROC_NR_INIT_MODULE && nr != PROC_NR_FINIT_MODULE &&
	    nr != PROC_NR_DELETE_MODULE && nr != PROC_IA32_NR_INIT_MODULE &&
	    nr != PROC_IA32_NR_FINIT_MODULE && nr != PROC_IA32_NR_DELETE_MODULE)
		return -1;
	ia32 = sys_ia32(bpf_get_current_task_btf());
	if (!ia32) {
		if (nr == PROC_NR_INIT_MODULE || nr == PROC_NR_FINIT_MODULE ||
		    nr == PROC_NR_DELETE_MODULE)
			return nr;
		return -1;
	}
	if (nr == PROC_IA32_NR_INIT_MODULE)
		return PROC_NR_INIT_MODULE;
	if (nr == PROC_IA32_NR_FINIT_MODULE)
		return PROC_NR_FINIT_MODULE;
	if (nr == PROC_IA32_NR_DELETE_MODULE)
		return PROC_NR_DELETE_MODULE;
	return -1;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(load_module__sys_exit, struct pt_regs *regs, long ret)
{
	struct cws_kev_syscall *rec;
	long nr = proc_module_nr(PROC_SYSCALL_NR(regs));

	if (nr != PROC_NR_INIT_MODULE && nr != PROC_NR_FINIT_MODULE)
		return 0;
	rec = sys_begin_ret(ret, CWS_KEV_EVT_LOAD_MODULE);
	if (!rec)
		return 0;
	if (nr == PROC_NR_INIT_MODULE) {
		/* init_module(image, len, params) */
		rec->args[0] = 1;
		rec->args[1] = sys_arg(rec, 1);
		sys_str(rec, (const char *)sys_arg(rec, 2), SYS_STR_USER);
	} else {
		/* finit_module(fd, params, flags) */
		rec->args[2] = (__u32)sys_arg(rec, 2);
		sys_file_fd(rec, 0, (int)sys_arg(rec, 0));
		sys_str(rec, (const char *)sys_arg(rec, 1), SYS_STR_USER);
	}
	sys_submit(rec);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(unload_module__sys_exit, struct pt_regs *regs, long ret)
{
	struct cws_kev_syscall *rec;

	if (proc_module_nr(PROC_SYSCALL_NR(regs)) != PROC_NR_DELETE_MODULE)
		return 0;
	rec = sys_begin_ret(ret, CWS_KEV_EVT_UNLOAD_MODULE);
	if (!rec)
		return 0;
	/* delete_module(name, flags) */
	rec->args[0] = (__u32)sys_arg(rec, 1);
	sys_str(rec, (const char *)sys_arg(rec, 0), SYS_STR_USER);
	sys_submit(rec);
	return 0;
}

/* Mounts. */

/* mount(source, target, fstype, flags, data) */
SEC("tracepoint/syscalls/sys_exit_mount")
int mount__sys_exit_mount(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec;

	/* Paths under a mount point change (kfilter.bpf.h). */
	if (ctx->ret == 0 && kf_discarders_on())
		kf_bump();
	rec = sys_begin(ctx, CWS_KEV_EVT_MOUNT);
	if (!rec)
		return 0;
	rec->args[0] = sys_arg(rec, 3);
	sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 1));
	sys_file_str(rec, 1, (const char *)sys_arg(rec, 0));
	sys_str(rec, (const char *)sys_arg(rec, 2), SYS_STR_USER);
	sys_submit(rec);
	return 0;
}

/* move_mount(from_dfd, from_path, to_dfd, to_path, flags) */
SEC("tracepoint/syscalls/sys_exit_move_mount")
int mount__sys_exit_move_mount(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec;
	__u64 flags;

	/* Paths under a mount point change (kfilter.bpf.h). */
	if (ctx->ret == 0 && kf_discarders_on())
		kf_bump();
	rec = sys_begin(ctx, CWS_KEV_EVT_MOUNT);
	if (!rec)
		return 0;
	flags = (__u32)sys_arg(rec, 4);
	rec->args[0] = flags;
	rec->args[1] = 1;
	sys_file_at_flags(
		rec, 0, (int)sys_arg(rec, 2), (const char *)sys_arg(rec, 3),
		flags & PROC_MOVE_MOUNT_T_EMPTY_PATH ? AT_EMPTY_PATH : 0);
	sys_file_at_flags(
		rec, 1, (int)sys_arg(rec, 0), (const char *)sys_arg(rec, 1),
		flags & PROC_MOVE_MOUNT_F_EMPTY_PATH ? AT_EMPTY_PATH : 0);
	sys_submit(rec);
	return 0;
}

/* umount2(target, flags): the kernel's name for it is umount. */
SEC("tracepoint/syscalls/sys_exit_umount")
int umount__sys_exit_umount(struct sys_exit_args *ctx)
{
	struct cws_kev_syscall *rec;

	/* Paths under a mount point change (kfilter.bpf.h). */
	if (ctx->ret == 0 && kf_discarders_on())
		kf_bump();
	rec = sys_begin(ctx, CWS_KEV_EVT_UMOUNT);
	if (!rec)
		return 0;
	rec->args[0] = (__u32)sys_arg(rec, 1);
	sys_file_at(rec, 0, AT_FDCWD, (const char *)sys_arg(rec, 0));
	sys_submit(rec);
	return 0;
}

/*
 * The cache's cwd: core__ programs, always attached, that send the new
 * cwd of every successful chdir and fchdir as a CWS_KEV_CWD record (a
 * syscall record, event chdir, file[0] the cwd), for the cache alone. The
 * cwd is otherwise only known from /proc when the probe starts, and fork
 * copies it; reading /proc later would race with the process. When chdir
 * events are asked for too, the chdir__ programs send their own records.
 */
static __always_inline int proc_cwd(struct sys_exit_args *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cws_kev_syscall *rec;

	if (ctx->ret != 0)
		return 0;
	rec = sys_begin(ctx, CWS_KEV_EVT_CHDIR);
	if (!rec)
		return 0;
	rec->hdr.type = CWS_KEV_CWD;
	/*
	 * The cache's record, not a chdir event: the kernel filters judge
	 * the chdir program's record, never this one.
	 */
	sys_kf_skip(rec);
	sys_file_dentry(rec, 0, BPF_CORE_READ(task, fs, pwd.dentry),
			BPF_CORE_READ(task, fs, pwd.mnt));
	sys_submit(rec);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_chdir")
int core__sys_exit_chdir(struct sys_exit_args *ctx)
{
	return proc_cwd(ctx);
}

SEC("tracepoint/syscalls/sys_exit_fchdir")
int core__sys_exit_fchdir(struct sys_exit_args *ctx)
{
	return proc_cwd(ctx);
}

#endif
