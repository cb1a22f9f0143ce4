/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Plain loads of kernel memory. A BTF-typed pointer (bpf_get_current_task_btf,
 * a tp_btf argument, or a field loaded through one) can be dereferenced
 * directly: the verifier turns each load into a fault-checked one, which
 * costs a few nanoseconds where a bpf_probe_read_kernel helper call (what
 * BPF_CORE_READ does) costs tens. The programs that run for every event
 * read their fields this way.
 *
 * bpf_core_cast makes such a pointer from any value (one read with a
 * helper, or computed, as container_of does): bpf_rdonly_cast (6.2), which
 * the verifier rewrites into a plain move. libbpf 1.1 does not have it yet.
 */
#ifndef CWS_CORE_BPF_H
#define CWS_CORE_BPF_H

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#ifndef bpf_core_cast
#define bpf_core_cast(ptr, type) \
	((type *)bpf_rdonly_cast((ptr), bpf_core_type_id_kernel(type)))
#endif

#endif
