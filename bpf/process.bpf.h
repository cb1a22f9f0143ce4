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

#include "cws_event.h"

/*
 * kernel_cap_t is a __u64 since 6.3 and was __u32 cap[2] before; on a
 * little-endian machine both are the same 8 bytes, read as one __u64.
 */
static __always_inline __u64 read_caps(const kernel_cap_t *caps)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), caps);
	return v;
}

static __always_inline void fill_process(struct cws_kev_process *proc,
					 struct task_struct *task)
{
	const struct cred *cred = BPF_CORE_READ(task, cred);
	struct tty_struct *tty;

	proc->pid = BPF_CORE_READ(task, tgid);
	proc->tid = BPF_CORE_READ(task, pid);
	proc->ppid = BPF_CORE_READ(task, real_parent, tgid);
	/*
	 * The group leader's start time is the process's fork time; after a
	 * non-leader thread execs, de_thread() has copied it over anyway.
	 */
	proc->fork_time = BPF_CORE_READ(task, group_leader, start_boottime);
	proc->uid = BPF_CORE_READ(cred, uid.val);
	proc->gid = BPF_CORE_READ(cred, gid.val);
	proc->euid = BPF_CORE_READ(cred, euid.val);
	proc->egid = BPF_CORE_READ(cred, egid.val);
	proc->fsuid = BPF_CORE_READ(cred, fsuid.val);
	proc->fsgid = BPF_CORE_READ(cred, fsgid.val);
	proc->cap_effective = read_caps(
		__builtin_preserve_access_index(&cred->cap_effective));
	proc->cap_permitted = read_caps(
		__builtin_preserve_access_index(&cred->cap_permitted));
	/* loginuid only exists with CONFIG_AUDIT. */
	if (bpf_core_field_exists(task->loginuid))
		proc->auid = BPF_CORE_READ(task, loginuid.val);
	else
		proc->auid = (__u32)-1;
	bpf_probe_read_kernel_str(proc->comm, sizeof(proc->comm),
				  __builtin_preserve_access_index(&task->comm));
	/*
	 * The unified hierarchy's cgroup, which exists on cgroup v2 and hybrid
	 * hosts alike (on a v1-only host it is the root, id 1). kn->id is the
	 * 64-bit id since 5.5, the same as the cgroup directory's file handle.
	 */
	proc->cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	tty = BPF_CORE_READ(task, signal, tty);
	proc->tty_name[0] = '\0';
	if (tty)
		bpf_probe_read_kernel_str(
			proc->tty_name, sizeof(proc->tty_name),
			__builtin_preserve_access_index(&tty->name));
}

#endif
