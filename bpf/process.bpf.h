/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The task fields every record carries (struct cws_kev_process), read with
 * CO-RE so that one object loads on any kernel with BTF. Only what changes
 * under a process's feet and is cheap to read here is sent with every
 * record (ids, credentials, comm, cgroup, tty); what is costly or only
 * changes at exec (executable path, argv, cwd, container id, names) lives
 * in cws-probe's process cache and is added in user space.
 */
#ifndef CWS_PROCESS_BPF_H
#define CWS_PROCESS_BPF_H

#include "core.bpf.h"
#include "cws_event.h"

/*
 * kernel_cap_t is a __u64 since 6.3 and was __u32 cap[2] before; on a
 * little-endian machine both are the same 8 bytes.
 */
struct kernel_cap_struct___old {
	__u32 cap[2];
} __attribute__((preserve_access_index));

static __always_inline __u64 read_caps(const kernel_cap_t *caps)
{
	const struct kernel_cap_struct___old *old = (const void *)caps;

	if (bpf_core_field_exists(caps->val))
		return caps->val;
	return old->cap[0] | (__u64)old->cap[1] << 32;
}

/*
 * The task whose comm names the process of task. An io_uring worker (an
 * io-wq thread or a ring's SQPOLL thread, PF_IO_WORKER) is a thread of
 * the process that owns the ring, named "iou-wrk-PID" or "iou-sqp-PID":
 * what it does on the ring's behalf is reported with the owner's name,
 * its group leader's, so that rules and kernel filters on process.comm
 * see the process, not the kernel's thread.
 */
#define CWS_PF_IO_WORKER 0x00000010

static __always_inline struct task_struct *comm_task(struct task_struct *task)
{
	task = bpf_core_cast(task, struct task_struct);
	if (task->flags & CWS_PF_IO_WORKER)
		return task->group_leader;
	return task;
}

/*
 * Plain loads through BTF-typed pointers (fault-checked by the kernel),
 * rather than a bpf_probe_read_kernel helper call per field: this runs for
 * every record. task may be a plain value: it is cast first.
 */
static __always_inline void fill_process(struct cws_kev_process *proc,
					 struct task_struct *task)
{
	const struct cred *cred;
	struct tty_struct *tty;
	const __u64 *comm;

	task = bpf_core_cast(task, struct task_struct);
	cred = task->cred;
	proc->pid = task->tgid;
	proc->tid = task->pid;
	proc->ppid = task->real_parent->tgid;
	/*
	 * The group leader's start time is the process's fork time; after a
	 * non-leader thread execs, de_thread() has copied it over anyway.
	 */
	proc->fork_time = task->group_leader->start_boottime;
	proc->uid = cred->uid.val;
	proc->gid = cred->gid.val;
	proc->euid = cred->euid.val;
	proc->egid = cred->egid.val;
	proc->fsuid = cred->fsuid.val;
	proc->fsgid = cred->fsgid.val;
	proc->cap_effective = read_caps(&cred->cap_effective);
	proc->cap_permitted = read_caps(&cred->cap_permitted);
	/* loginuid only exists with CONFIG_AUDIT. */
	if (bpf_core_field_exists(task->loginuid))
		proc->auid = task->loginuid.val;
	else
		proc->auid = (__u32)-1;
	/* TASK_COMM_LEN is 16: two words, NUL terminated by the kernel. */
	comm = (const __u64 *)comm_task(task)->comm;
	((__u64 *)proc->comm)[0] = comm[0];
	((__u64 *)proc->comm)[1] = comm[1];
	proc->comm[CWS_KEV_COMM_LEN - 1] = '\0';
	/*
	 * The unified hierarchy's cgroup, which exists on cgroup v2 and hybrid
	 * hosts alike (on a v1-only host it is the root, id 1). kn->id is the
	 * 64-bit id since 5.5, the same as the cgroup directory's file handle.
	 */
	proc->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	tty = task->signal->tty;
	proc->tty_name[0] = '\0';
	if (tty)
		bpf_probe_read_kernel_str(proc->tty_name,
					  sizeof(proc->tty_name), tty->name);
}

#endif
