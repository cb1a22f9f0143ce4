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
 *  - io_uring_create, once a ring is set up: an io_uring event (type
 *    io_uring), a ring's creation;
 *  - io_uring_submit_req, once the kernel has prepared a request (after
 *    io_init_req and the opcode's prep: a path operation then holds the
 *    kernel's own copy of its path, which the process can no longer
 *    change): an io_uring event for every request, whatever its opcode.
 * open__io_uring_complete is loaded with the open events, the other two
 * with the io_uring events.
 *
 * args[] of an io_uring event (unused slots are 0):
 *   args[0] the request's opcode (IORING_OP_*), CWS_KEV_URING_SETUP for
 *           a ring's creation (whose retval is the ring's fd);
 *   args[1] the request's IOSQE_* flags (the low byte of req->flags: the
 *           kernel keeps the same bit numbers);
 *   args[2] the ring's IORING_SETUP_* flags;
 *   file[0] for the operations that name a file by path (OPENAT,
 *           OPENAT2, STATX, UNLINKAT, MKDIRAT, RENAMEAT, LINKAT,
 *           SETXATTR, GETXATTR): that path and the directory it is
 *           relative to (dfd, resolved in the owner's fd table), as a
 *           syscall's string (CWS_KEV_FILE_AT) but read from the
 *           kernel's copy; SYMLINKAT: the target string alone
 *           (CWS_KEV_FILE_RAW);
 *   file[1] the new name of RENAMEAT, LINKAT and SYMLINKAT.
 * An operation on an fd (READ, WRITE, ...) names no file here: the
 * kernel looks its file up when it issues it, after this tracepoint.
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
#define URING_OP_STATX 21
#define URING_OP_OPENAT2 28
#define URING_OP_RENAMEAT 35
#define URING_OP_UNLINKAT 36
#define URING_OP_MKDIRAT 37
#define URING_OP_SYMLINKAT 38
#define URING_OP_LINKAT 39
#define URING_OP_SETXATTR 42
#define URING_OP_GETXATTR 44
/* The request flags that are the SQE's IOSQE_* (REQ_F_*_BIT 0 to 7). */
#define URING_SQE_FLAGS 0xffull
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

/* The kernel's copy of a path, or NULL. */
static __always_inline const char *uring_name(struct filename *name)
{
	if (!name)
		return NULL;
	return bpf_core_cast(name, struct filename)->name;
}

/* A ring is set up: the caller, its fd and flags. */
SEC("tp_btf/io_uring_create")
int BPF_PROG(io_uring__io_uring_create, int fd, void *ring, __u32 sq_entries,
	     __u32 cq_entries, __u32 flags)
{
	struct cws_kev_syscall *rec;

	rec = sys_begin_ret(fd, CWS_KEV_EVT_IO_URING);
	if (!rec)
		return 0;
	rec->args[0] = CWS_KEV_URING_SETUP;
	rec->args[2] = flags;
	sys_submit(rec);
	return 0;
}

/*
 * A request is submitted. The switch only picks where its paths are
 * (each operation keeps them in its own struct, in the request's cmd
 * area); the files are then built once, so that the program holds one
 * copy of the path helpers.
 */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(io_uring__io_uring_submit_req, void *req_)
{
	struct io_kiocb *req = bpf_core_cast(req_, struct io_kiocb);
	const char *name0 = NULL, *name1 = NULL;
	struct cws_kev_syscall *rec;
	long dfd0 = AT_FDCWD, dfd1 = AT_FDCWD;
	int files = 0, raw0 = 0;
	void *cmd = &req->cmd;
	__u8 op = req->opcode;

	switch (op) {
	case URING_OP_OPENAT:
	case URING_OP_OPENAT2: {
		struct io_open *o = bpf_core_cast(cmd, struct io_open);

		dfd0 = o->dfd;
		name0 = uring_name(o->filename);
		files = 1;
		break;
	}
	case URING_OP_STATX: {
		struct io_statx *o = bpf_core_cast(cmd, struct io_statx);

		dfd0 = o->dfd;
		name0 = uring_name(o->filename);
		files = 1;
		break;
	}
	case URING_OP_UNLINKAT: {
		struct io_unlink *o = bpf_core_cast(cmd, struct io_unlink);

		dfd0 = o->dfd;
		name0 = uring_name(o->filename);
		files = 1;
		break;
	}
	case URING_OP_MKDIRAT: {
		struct io_mkdir *o = bpf_core_cast(cmd, struct io_mkdir);

		dfd0 = o->dfd;
		name0 = uring_name(o->filename);
		files = 1;
		break;
	}
	case URING_OP_SETXATTR:
	case URING_OP_GETXATTR: {
		struct io_xattr *o = bpf_core_cast(cmd, struct io_xattr);

		name0 = uring_name(o->filename);
		files = 1;
		break;
	}
	case URING_OP_RENAMEAT: {
		struct io_rename *o = bpf_core_cast(cmd, struct io_rename);

		dfd0 = o->old_dfd;
		name0 = uring_name(o->oldpath);
		dfd1 = o->new_dfd;
		name1 = uring_name(o->newpath);
		files = 2;
		break;
	}
	case URING_OP_SYMLINKAT:
		raw0 = 1;
		/* fallthrough: the same struct, oldpath is the target */
	case URING_OP_LINKAT: {
		struct io_link *o = bpf_core_cast(cmd, struct io_link);

		dfd0 = o->old_dfd;
		name0 = uring_name(o->oldpath);
		dfd1 = o->new_dfd;
		name1 = uring_name(o->newpath);
		files = 2;
		break;
	}
	}
	rec = sys_begin_ret(0, CWS_KEV_EVT_IO_URING);
	if (!rec)
		return 0;
	rec->args[0] = op;
	rec->args[1] = req->flags & URING_SQE_FLAGS;
	rec->args[2] = req->ctx->flags;
	if (files && raw0)
		sys_file_str_kind(rec, 0, name0, SYS_STR_KERNEL);
	else if (files)
		sys_file_at_kind(rec, 0, (int)dfd0, name0, 0, SYS_STR_KERNEL);
	if (files > 1)
		sys_file_at_kind(rec, 1, (int)dfd1, name1, 0, SYS_STR_KERNEL);
	sys_submit(rec);
	return 0;
}

#endif
