/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Process lifecycle: the fork and exit records that keep cws-probe's
 * process cache in step with the kernel. Both programs are core__ (always
 * attached, whatever --events says): without fork records a new process's
 * executable, argv and ancestry would have to be read from /proc after the
 * fact, when it may be gone; without exit records the cache would only
 * ever shrink by eviction. Whether a fork or exit *event* is written is
 * decided in user space (the emitter's event mask), not here, because the
 * record is needed either way.
 *
 * tp_btf rather than the sched/ tracepoints: they hand us the task_structs
 * directly, so the child's (not current's) fields can be read.
 */
#ifndef CWS_SCHED_BPF_H
#define CWS_SCHED_BPF_H

#include "cws_event.h"
#include "maps.bpf.h"
#include "process.bpf.h"

/* signal_struct.flags: the whole group is exiting (exit_group, a signal). */
#define CWS_SIGNAL_GROUP_EXIT 0x00000004
/* task_struct.flags: a kernel thread, which has no process to cache. */
#define CWS_PF_KTHREAD 0x00200000

static __always_inline void sched_header(struct cws_kev_header *hdr, __u16 type)
{
	hdr->type = type;
	hdr->version = CWS_KEV_VERSION;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->timestamp = bpf_ktime_get_boot_ns();
}

/*
 * Fires in the parent (current) once copy_process() has built the child:
 * the child's creds, cgroup, tty and start time are all set. Threads are
 * skipped: the cache is per process, and a thread shares its process's
 * image anyway; so are kernel threads.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(core__sched_process_fork, struct task_struct *parent,
	     struct task_struct *child)
{
	/* 144 bytes: small enough for the stack, no scratch map needed. */
	struct cws_kev_fork ev;

	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) ||
	    (BPF_CORE_READ(child, flags) & CWS_PF_KTHREAD))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	sched_header(&ev.hdr, CWS_KEV_FORK);
	fill_process(&ev.proc, child);
	ev.parent_pid = BPF_CORE_READ(parent, tgid);
	submit(&ev, sizeof(ev), CWS_KEV_EVT_FORK);
	return 0;
}

/*
 * Fires in do_exit() for every exiting thread, after signal->live was
 * decremented (on every kernel since the tracepoint exists, whether or not
 * it passes group_dead): live == 0 means this is the last thread, and the
 * process is gone. The status is computed as wait_task_zombie() does, so
 * the record says what the parent's wait(2) will see.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(core__sched_process_exit, struct task_struct *p)
{
	struct cws_kev_exit ev;
	struct signal_struct *sig = BPF_CORE_READ(p, signal);

	if (BPF_CORE_READ(sig, live.counter) != 0)
		return 0;
	if (BPF_CORE_READ(p, flags) & CWS_PF_KTHREAD)
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	sched_header(&ev.hdr, CWS_KEV_EXIT);
	fill_process(&ev.proc, p);
	if (BPF_CORE_READ(sig, flags) & CWS_SIGNAL_GROUP_EXIT)
		ev.status = BPF_CORE_READ(sig, group_exit_code);
	else
		ev.status = BPF_CORE_READ(p, exit_code);
	submit(&ev, sizeof(ev), CWS_KEV_EVT_EXIT);
	return 0;
}

#endif
