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

/*
 * cppcheck (make lint) reads this header without libbpf's: give it a SEC
 * that expands to nothing rather than an unknown macro before each program.
 */
#ifndef SEC
#define SEC(name)
#endif

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
 * Fires in do_exit() for every exiting thread; only the last one of its
 * process makes a record. Since 6.16 the tracepoint passes group_dead, the
 * kernel's own answer to "was this the last thread". Before, there is
 * only signal->live, already decremented when the tracepoint fires: 0
 * means the last thread, but threads exiting together (exit_group) can
 * each read 0 once all have decremented it, so that test may give one
 * record per such thread. The status is computed as wait_task_zombie()
 * does, so the record says what the parent's wait(2) will see.
 */
SEC("tp_btf/sched_process_exit")
int core__sched_process_exit(__u64 *ctx)
{
	struct task_struct *p = (struct task_struct *)ctx[0];
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	struct cws_kev_exit ev;
	int last;

	/*
	 * ctx[1] only exists on kernels with group_dead; elsewhere the CO-RE
	 * test is a constant 0 and the verifier never sees the read.
	 */
	if (bpf_core_field_exists(struct trace_event_raw_sched_process_exit,
				  group_dead))
		last = (__u8)ctx[1];
	else
		last = BPF_CORE_READ(sig, live.counter) == 0;
	if (!last || (BPF_CORE_READ(p, flags) & CWS_PF_KTHREAD))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	sched_header(&ev.hdr, CWS_KEV_EXIT);
	fill_process(&ev.proc, p);
	if (BPF_CORE_READ(sig, flags) & CWS_SIGNAL_GROUP_EXIT)
		ev.status = BPF_CORE_READ(sig, group_exit_code);
	else
		ev.status = BPF_CORE_READ(p, exit_code);
	kf_seen(CWS_KEV_EVT_EXIT);
	submit(&ev, sizeof(ev), CWS_KEV_EVT_EXIT);
	return 0;
}

#endif
