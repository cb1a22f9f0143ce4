/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * io_uring events to stream records (bpf/uring.bpf.h says what the kernel
 * puts in each record), called by emit_syscall.c after its generic part,
 * which has made obj.file and obj.dest of the paths a request names.
 *
 * The opcode is written as the kernel names it in its own tracepoints
 * (io_uring_get_opcode: the IORING_OP_ name without its prefix), from a
 * table of the UAPI's numbers, which only grow; a number the table does
 * not know yet is "OP_<n>", so that a newer kernel's request still makes
 * an event a rule can match.
 */
#include "compat.h"

#include <stdio.h>

#include "probe.h"

static const char *const op_names[] = {
	"NOP",
	"READV",
	"WRITEV",
	"FSYNC",
	"READ_FIXED",
	"WRITE_FIXED",
	"POLL_ADD",
	"POLL_REMOVE",
	"SYNC_FILE_RANGE",
	"SENDMSG",
	"RECVMSG",
	"TIMEOUT",
	"TIMEOUT_REMOVE",
	"ACCEPT",
	"ASYNC_CANCEL",
	"LINK_TIMEOUT",
	"CONNECT",
	"FALLOCATE",
	"OPENAT",
	"CLOSE",
	"FILES_UPDATE",
	"STATX",
	"READ",
	"WRITE",
	"FADVISE",
	"MADVISE",
	"SEND",
	"RECV",
	"OPENAT2",
	"EPOLL_CTL",
	"SPLICE",
	"PROVIDE_BUFFERS",
	"REMOVE_BUFFERS",
	"TEE",
	"SHUTDOWN",
	"RENAMEAT",
	"UNLINKAT",
	"MKDIRAT",
	"SYMLINKAT",
	"LINKAT",
	"MSG_RING",
	"FSETXATTR",
	"SETXATTR",
	"FGETXATTR",
	"GETXATTR",
	"SOCKET",
	"URING_CMD",
	"SEND_ZC",
	"SENDMSG_ZC",
	"READ_MULTISHOT",
	"WAITID",
	"FUTEX_WAIT",
	"FUTEX_WAKE",
	"FUTEX_WAITV",
	"FIXED_FD_INSTALL",
	"FTRUNCATE",
	"BIND",
	"LISTEN",
	"RECV_ZC",
	"EPOLL_WAIT",
	"READV_FIXED",
	"WRITEV_FIXED",
	"PIPE",
};

const char *cws_emit_uring_opcode(uint64_t op, char *buf, size_t len)
{
	if (op == CWS_KEV_URING_SETUP)
		return "SETUP";
	if (op < CWS_ARRAY_SIZE(op_names))
		return op_names[op];
	snprintf(buf, len, "OP_%llu", (unsigned long long)op);
	return buf;
}

void cws_emit_uring(struct cws_emit *e, const struct cws_kev_syscall *k,
		    struct cws_event *ev)
{
	ev->obj.uring.opcode = cws_emit_uring_opcode(k->args[0], e->uring_op,
						     sizeof(e->uring_op));
	ev->obj.flags = k->args[1];
	ev->obj.uring.setup_flags = (uint32_t)k->args[2];
	ev->obj.uring.has_file = k->nfiles > 0;
	ev->obj.uring.has_dest = k->nfiles > 1;
}
