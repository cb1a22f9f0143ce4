// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floors bench/probe.sh measures cws-probe against, in the same run:
 * what any eBPF tracer of system calls pays before it does any work of its
 * own. bench/floor_bench.c loads this object and attaches one program:
 *
 *   floor__empty    a raw tracepoint on sys_exit that returns at once: the
 *                   cost of being hooked (the tracepoint fires on every
 *                   system call's exit, the program is run and returns).
 *   floor__ringbuf  the same hook writing a 64-byte record (pid, tid,
 *                   syscall number, return value, time) into a ring buffer
 *                   for the calls the loader picked, batched as cws-probe
 *                   batches (bpf/maps.bpf.h submit()): BPF_RB_NO_WAKEUP,
 *                   except for the record that makes the pending data cross
 *                   wakeup_bytes. The cost of handing user space a small
 *                   record, without resolving anything.
 *
 * Both skip nothing but what they must: floor__ringbuf leaves out the
 * loader's own calls, as cws-probe leaves out its own (its reads of the
 * ring would otherwise make records of their own).
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/*
 * make lint's cppcheck reads this file without libbpf's headers: give it a
 * SEC that expands to nothing rather than an unknown macro.
 */
#ifndef SEC
#define SEC(name)
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define FLOOR_NR_MAX 512 /* above every syscall number of x86_64 and arm64 */

#if defined(__TARGET_ARCH_x86)
#define FLOOR_SYSCALL_NR(regs) BPF_CORE_READ((regs), orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define FLOOR_SYSCALL_NR(regs) BPF_CORE_READ((regs), syscallno)
#elif defined(__bpf__) /* not for cppcheck, which defines no target */
#error "floor: where the syscall number lives on this architecture is not known"
#endif

/* One record: 64 bytes, about a twentieth of a cws-probe open event. */
struct floor_rec {
	__u64 ts;
	__u32 pid;
	__u32 tid;
	__s64 nr;
	__s64 ret;
	__u8 pad[32];
};

/* Set by the loader before load. */
const volatile __u32 self_tgid = 0;
const volatile __u64 wakeup_bytes = 1 << 20;
/* Which syscall numbers get a record; all of them when record_all. */
const volatile bool record_all = false;
const volatile __u8 record_nr[FLOOR_NR_MAX] = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} floor_events SEC(".maps");

/* Records the ring had no room for, one per-CPU counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} floor_lost SEC(".maps");

SEC("raw_tp/sys_exit")
int floor__empty(struct bpf_raw_tracepoint_args *ctx)
{
	return 0;
}

SEC("raw_tp/sys_exit")
int floor__ringbuf(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	__u64 id = bpf_get_current_pid_tgid(), pending, flags;
	struct floor_rec rec = {};
	__u32 zero = 0;
	__u64 *lost;
	long nr;

	if ((__u32)(id >> 32) == self_tgid)
		return 0;
	nr = FLOOR_SYSCALL_NR(regs);
	if (!record_all) {
		/* An unsigned bound check the verifier can follow. */
		if ((unsigned long)nr >= FLOOR_NR_MAX || !record_nr[nr])
			return 0;
	}
	rec.ts = bpf_ktime_get_ns();
	rec.pid = (__u32)(id >> 32);
	rec.tid = (__u32)id;
	rec.nr = nr;
	rec.ret = (__s64)ctx->args[1];

	/* The batching of bpf/maps.bpf.h submit(), unchanged. */
	pending = bpf_ringbuf_query(&floor_events, BPF_RB_AVAIL_DATA);
	flags = pending < wakeup_bytes &&
				pending + sizeof(rec) >= wakeup_bytes ?
			BPF_RB_FORCE_WAKEUP :
			BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_output(&floor_events, &rec, sizeof(rec), flags)) {
		lost = bpf_map_lookup_elem(&floor_lost, &zero);
		if (lost)
			*lost += 1;
	}
	return 0;
}
