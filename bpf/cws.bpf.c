// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cws probe's kernel side. This kernel has no kprobes and refuses
 * fentry/fexit and BPF LSM, so every hook is a tracepoint: tp_btf where
 * the tracepoint hands us kernel structs (sched_process_*), per-syscall
 * tracepoints where we need syscall arguments. Each handler fills a record
 * of bpf/cws_event.h in a per-CPU scratch map and copies the used part of
 * it into the one ring buffer (maps.bpf.h).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>

#include "cws_event.h"
#include "maps.bpf.h"
#include "path.bpf.h"
#include "kfilter.bpf.h"
#include "process.bpf.h"
#include "sched.bpf.h"
#include "syscall.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* One exec record per CPU, too large for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cws_kev_exec);
} exec_scratch SEC(".maps");

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/*
 * Clamps a length for the verifier, in 64 bits. The comparison alone is not
 * always enough: clang may go on using a copy of the value made before the
 * comparison, whose bounds the verifier never learnt; the barrier forces
 * the clamped register to be the one used.
 */
#define CLAMP(v, max)               \
	({                          \
		__u64 _v = (v);     \
		if (_v > (max))     \
			_v = (max); \
		barrier_var(_v);    \
		_v;                 \
	})

/* Copies the resolved executable path into data[0..]; returns its length. */
static __always_inline __u32 exec_path(struct cws_kev_exec *ev,
				       struct task_struct *p, struct file *f)
{
	__u32 off = CWS_KEV_PATH_MAX;
	__u16 error = CWS_KEV_PATH_FAULT;
	__u64 start, len;
	char *buf;

	buf = path_resolve(f, p, &off, &error);
	ev->path_error = error;
	if (!buf)
		return 0;
	/*
	 * The barrier makes the bounds check below apply to the very register
	 * the subtraction uses; otherwise clang subtracts from an unchecked
	 * copy of off and the verifier sees a length that may be negative.
	 */
	start = off;
	barrier_var(start);
	if (start >= CWS_KEV_PATH_MAX)
		return 0;
	len = CWS_KEV_PATH_MAX - start;
	if (bpf_probe_read_kernel(ev->data, len, buf + start))
		return 0;
	return len;
}

/*
 * The executable's inode facts at exec time, as Datadog's exec hook reads
 * them: a rule such as `process.file.modification_time < 30s` asks about
 * the file that ran, not what it became later.
 */
static __always_inline void exec_stat(struct cws_kev_exec *ev,
				      struct inode *inode)
{
	if (!inode)
		return;
	ev->mode = BPF_CORE_READ(inode, i_mode);
	ev->uid = BPF_CORE_READ(inode, i_uid.val);
	ev->gid = BPF_CORE_READ(inode, i_gid.val);
	inode = bpf_core_cast(inode, struct inode);
	ev->ctime = inode_ctime(inode);
	ev->mtime = inode_mtime(inode);
	bpf_probe_read_kernel_str(ev->fstype, sizeof(ev->fstype),
				  inode->i_sb->s_type->name);
	ev->flags |= CWS_KEV_EXEC_STAT | CWS_KEV_EXEC_UPPER_KNOWN;
	if (inode_in_upper_layer(inode))
		ev->flags |= CWS_KEV_EXEC_UPPER;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(core__sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct cws_kev_exec *ev;
	struct file *file;
	struct mm_struct *mm;
	struct mount *mnt;
	__u64 arg_start, arg_end, off, len;
	__u32 zero = 0;
	const char *filename;
	long ret;

	ev = bpf_map_lookup_elem(&exec_scratch, &zero);
	if (!ev) {
		count_drop(CWS_KEV_DROP_NO_SCRATCH, CWS_KEV_EVT_EXEC);
		return 0;
	}
	ev->hdr.type = CWS_KEV_EXEC;
	ev->hdr.version = CWS_KEV_VERSION;
	ev->hdr.cpu = bpf_get_smp_processor_id();
	ev->hdr.timestamp = bpf_ktime_get_boot_ns();
	fill_process(&ev->proc, p);
	ev->flags = 0;

	/*
	 * bprm->file is what runs: the interpreter for a script, the same
	 * file as the new mm->exe_file (and /proc/PID/exe).
	 */
	file = BPF_CORE_READ(bprm, file);
	ev->inode = BPF_CORE_READ(file, f_inode, i_ino);
	exec_stat(ev, BPF_CORE_READ(file, f_inode));
	mnt = real_mount(BPF_CORE_READ(file, f_path.mnt));
	ev->mount_id = BPF_CORE_READ(mnt, mnt_id);
	len = exec_path(ev, p, file);
	ev->path_len = len;
	off = CLAMP(len, CWS_KEV_PATH_MAX);

	/* The name as passed to execve, relative or through symlinks. */
	filename = BPF_CORE_READ(bprm, filename);
	ret = bpf_probe_read_kernel_str(ev->data + off, CWS_KEV_FILENAME_MAX,
					filename);
	len = ret > 0 ? ret - 1 : 0;
	if (ret == CWS_KEV_FILENAME_MAX)
		ev->flags |= CWS_KEV_EXEC_FILENAME_TRUNCATED;
	ev->filename_len = len;
	off += CLAMP(len, CWS_KEV_FILENAME_MAX);

	/*
	 * argv as the new image sees it: copy_strings() has just put it on
	 * the new stack, p is current, so the pages are there to read.
	 */
	mm = BPF_CORE_READ(p, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > CWS_KEV_ARGS_MAX)
		ev->flags |= CWS_KEV_EXEC_ARGS_TRUNCATED;
	len = CLAMP(len, CWS_KEV_ARGS_MAX);
	/* off <= PATH_MAX + FILENAME_MAX: the verifier needs that said again. */
	off = CLAMP(off, CWS_KEV_PATH_MAX + CWS_KEV_FILENAME_MAX);
	if (len &&
	    bpf_probe_read_user(ev->data + off, len, (const void *)arg_start)) {
		len = 0;
		ev->flags |= CWS_KEV_EXEC_ARGS_TRUNCATED;
	}
	ev->args_len = len;
	off += len;

	/*
	 * envp, like argv: on the new stack right after it. Bounded as argv
	 * is; what is past the cap is cut and said so (envs_truncated).
	 */
	arg_start = BPF_CORE_READ(mm, env_start);
	arg_end = BPF_CORE_READ(mm, env_end);
	len = arg_end > arg_start ? arg_end - arg_start : 0;
	if (len > CWS_KEV_ENVS_MAX)
		ev->flags |= CWS_KEV_EXEC_ENVS_TRUNCATED;
	len = CLAMP(len, CWS_KEV_ENVS_MAX);
	off = CLAMP(off,
		    CWS_KEV_PATH_MAX + CWS_KEV_FILENAME_MAX + CWS_KEV_ARGS_MAX);
	if (len &&
	    bpf_probe_read_user(ev->data + off, len, (const void *)arg_start)) {
		len = 0;
		ev->flags |= CWS_KEV_EXEC_ENVS_TRUNCATED;
	}
	ev->envs_len = len;

	/*
	 * The size is read back from the record's own __u16 fields, which the
	 * verifier only knows as < 64 KiB each: clamp it to the map value.
	 */
	kf_seen(CWS_KEV_EVT_EXEC);
	submit(ev, CLAMP(CWS_KEV_EXEC_SIZE(ev), sizeof(*ev)), CWS_KEV_EVT_EXEC);
	return 0;
}

#include "file.bpf.h"
#include "proc_events.bpf.h"
#include "net.bpf.h"
#include "dns.bpf.h"
#include "sysev.bpf.h"
#include "netev.bpf.h"
#include "uring.bpf.h"
