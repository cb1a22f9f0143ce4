/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The maps every program shares, and the one way a record leaves the
 * kernel. There is a single ring buffer for all event types so that user
 * space sees events in the order they were produced on all CPUs.
 *
 * Wake-ups are batched: a record is written with BPF_RB_NO_WAKEUP unless
 * the data waiting in the ring has passed wakeup_bytes, and user space
 * polls with a timeout so that a quiet system still gets its few events
 * out within one poll period. At high rates this saves one wake-up (and one
 * epoll_wait round trip) per record; at low rates it costs at most one poll
 * period of latency.
 */
#ifndef CWS_MAPS_BPF_H
#define CWS_MAPS_BPF_H

#include "cws_event.h"

/*
 * Set by the probe before load (rodata): its own process, whose syscalls
 * (reading /proc for the cache, writing the stream) are not events.
 */
const volatile __u32 cfg_self_tgid = 0;

/* Set by the probe before load (rodata): bytes pending before a wake-up. */
const volatile __u64 wakeup_bytes = 1 << 20;

/*
 * Set by the probe (a .bss global, mmapped) on SIGINT or SIGTERM: from
 * then on no record is written nor counted as lost, so that once the
 * programs already past this check have returned, what the ring holds
 * is all there will be and the probe can drain it and close its output
 * before the slow part of its exit, detaching the programs.
 */
__u32 probe_stopped = 0;

/* The probe resizes this before load (-b, event_stream.buffer_size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Records lost before user space, per cause and event type. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CWS_KEV_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 cause, __u32 event)
{
	__u32 key = CWS_KEV_DROP_INDEX(cause, event);
	__u64 *n = bpf_map_lookup_elem(&drops, &key);

	/* Per-CPU slot: no other writer, a plain increment is enough. */
	if (n)
		*n += 1;
}

/*
 * Copies size bytes of a record into the ring buffer. The record is built
 * in a per-CPU scratch map rather than reserved in the ring because its
 * size is only known at the end and bpf_ringbuf_reserve wants a constant:
 * reserving the maximum would take 12 KiB of ring per exec whatever it
 * carries.
 */
static __always_inline void submit(void *rec, __u64 size, __u32 event)
{
	__u64 flags = 0;

	if (*(volatile __u32 *)&probe_stopped)
		return;
	if (wakeup_bytes) {
		__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

		/*
		 * Only the record that crosses the mark wakes the reader: one
		 * that is behind gets one wake-up, not one per record (an
		 * irq_work and an APIC write each, measured at 6 % of an open
		 * on this VM).
		 */
		flags = pending < wakeup_bytes &&
					pending + size >= wakeup_bytes ?
				BPF_RB_FORCE_WAKEUP :
				BPF_RB_NO_WAKEUP;
	}
	if (bpf_ringbuf_output(&events, rec, size, flags))
		count_drop(CWS_KEV_DROP_RINGBUF_FULL, event);
}

#endif
