/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * io_uring. A request the process puts in a ring's submission queue is
 * not a system call: the kernel carries it out in the io_uring_enter(2)
 * that submits it, in an io-wq worker, or in the ring's SQPOLL thread
 * (which needs no syscall at all to submit), and none of those passes a
 * syscalls:* tracepoint. The workers and the SQPOLL thread are threads of
 * the ring owner's process (PF_IO_WORKER: same files, same fs), so the
 * current task's fd table, cwd and root are the owner's wherever this
 * runs, and process.bpf.h names them after the owner.
 *
 * The io_uring tracepoints (tp_btf, with the kernel's structs) give:
 *  - io_uring_complete, as a request's completion is posted: an
 *    IORING_OP_OPENAT or OPENAT2 that succeeded becomes an open event,
 *    the same record an openat(2) makes, with the file the kernel opened:
 *    the fd it installed, or the ring's direct descriptor. A request that
 *    asked for no completion on success (IOSQE_CQE_SKIP_SUCCESS) posts
 *    none and passes no tracepoint after its submission: its open is only
 *    seen as the io_uring event below. Nor is a failed one an open event:
 *    by then the kernel has freed its copy of the path;
 * The program is open__io_uring_complete, loaded with the open events.
 */
#ifndef CWS_URING_BPF_H
#define CWS_URING_BPF_H

#include "file.bpf.h"

/* cppcheck (make lint) reads this header without libbpf's SEC. */
#ifndef SEC
#define SEC(name)
#endif

/* UAPI values (include/uapi/linux/io_uring.h). */
#define URING_OP_OPENAT 18
#define URING_OP_OPENAT2 28
#define URING_FILE_INDEX_ALLOC 0xffffffffu
/* io_uring/filetable.h: the low bits of a slot's file_ptr are flags. */
#define URING_FFS_FLAGS 3ull

/*
 * The file in slot idx of the ring's table of direct descriptors, or
 * NULL. The table is an array of nodes (6.13 and later; older kernels
 * lay it out otherwise and get no file here).
 */
static __always_inline struct file *uring_fixed_file(struct io_ring_ctx *ctx,
						     __u32 idx)
{
	struct io_rsrc_node *node = NULL;
	struct io_rsrc_node **nodes;

	if (!bpf_core_field_exists(ctx->file_table.data))
		return NULL;
	ctx = bpf_core_cast(ctx, struct io_ring_ctx);
	if (idx >= ctx->file_table.data.nr)
		return NULL;
	nodes = ctx->file_table.data.nodes;
	/* An index into an array: one helper read, as sys_fd_file does. */
	if (bpf_probe_read_kernel(&node, sizeof(node), nodes + idx) || !node)
		return NULL;
	node = bpf_core_cast(node, struct io_rsrc_node);
	return (struct file *)(node->file_ptr & ~URING_FFS_FLAGS);
}

/*
 * A completed IORING_OP_OPENAT or OPENAT2: an open event. The result is
 * the request's (the same as the CQE's), the flags and the mode those
 * the request was prepared with (io_open, which the request keeps until
 * it is freed); the kernel filters judge it as an openat(2).
 */
SEC("tp_btf/io_uring_complete")
int BPF_PROG(open__io_uring_complete, void *ctx_, void *req_)
{
	struct io_kiocb *req = bpf_core_cast(req_, struct io_kiocb);
	struct dentry *dentry = NULL;
	struct vfsmount *mnt = NULL;
	struct cws_kev_syscall *rec;
	struct file *file = NULL;
	struct io_open *open;
	__u64 flags, h = 0;
	__u32 kmode, slot;
	__s32 res;
	int drop;

	if (req->opcode != URING_OP_OPENAT && req->opcode != URING_OP_OPENAT2)
		return 0;
	res = req->cqe.res;
	if (res < 0)
		return 0;
	open = bpf_core_cast(&req->cmd, struct io_open);
	slot = open->file_slot;
	if (!slot)
		file = sys_fd_file(res);
	else
		file = uring_fixed_file(
			req->ctx,
			slot == URING_FILE_INDEX_ALLOC ? (__u32)res : slot - 1);
	flags = open->how.flags;
	kmode = open_kf_mode(&drop);
	if (drop)
		return 0;
	if (kmode) {
		if (file) {
			file = bpf_core_cast(file, struct file);
			dentry = file->f_path.dentry;
			mnt = file->f_path.mnt;
			h = kf_hash_dentry(dentry, CWS_KEV_KF_HASH_NAME);
		}
		if (open_kf_judge(kmode, flags, h, dentry, mnt, 0, 0))
			return 0;
	}
	rec = sys_begin_ret(res, CWS_KEV_EVT_OPEN);
	if (!rec)
		return 0;
	rec->args[0] = flags;
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		rec->args[1] = open->how.mode & MODE_BITS;
	rec->args[2] = open->dfd;
	sys_file_struct(rec, 0, file);
	sys_submit(rec);
	return 0;
}

#endif
