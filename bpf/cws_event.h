/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel -> cws-probe ABI: the records the BPF programs put in the ring
 * buffer, and the indices of the maps user space reads. Only cws-probe
 * includes this file; every other tool sees lib/event.h (libbpf-tools'
 * split). The probe checks the layout with _Static_assert, so a change here
 * that moves a field breaks its build rather than its output.
 *
 * Rules: fixed-width types only, so that clang -target bpf and the host
 * compiler agree; each struct starts with the record header (type and
 * version first), then fields from the largest to the smallest, with
 * explicit padding to a multiple of 8 bytes. Strings of bounded but
 * variable length are not fixed arrays: they sit back to back in a data[]
 * tail and the fixed part says how many bytes each one uses (the "base +
 * used length" of libbpf-tools' execsnoop), so a record only takes as many
 * bytes of the ring buffer as it carries. Tail strings are not NUL
 * terminated; argv keeps the NULs that separate its strings.
 */
#ifndef CWS_BPF_EVENT_H
#define CWS_BPF_EVENT_H

/* BPF code gets the __u* types from vmlinux.h, user space from the UAPI. */
#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Bumped on any change of a record's layout. */
#define CWS_KEV_VERSION 5

#define CWS_KEV_COMM_LEN 16 /* TASK_COMM_LEN */
#define CWS_KEV_PATH_MAX 4096 /* bytes of a resolved path, PATH_MAX */
#define CWS_KEV_FILENAME_MAX 4096 /* bytes of bprm->filename, NUL included */
#define CWS_KEV_ARGS_MAX 4096 /* bytes of argv, all strings together */
#define CWS_KEV_ENVS_MAX 4096 /* bytes of envp, all strings together */
#define CWS_KEV_NAME_MAX 255 /* bytes of one path component, NAME_MAX */
#define CWS_KEV_TTY_LEN 32 /* bytes of a tty name kept, NUL included */

/*
 * Steps of the in-kernel path walk: one per component or mount crossed. A
 * path of CWS_KEV_PATH_MAX bytes has at most 2048 components ("/a" each).
 */
#define CWS_KEV_PATH_MAX_STEPS 2048

enum cws_kev_type {
	CWS_KEV_EXEC = 1,
	CWS_KEV_FORK = 2, /* struct cws_kev_fork */
	CWS_KEV_EXIT = 3, /* struct cws_kev_exit */
	CWS_KEV_SYSCALL, /* struct cws_kev_syscall */
	/* A struct cws_kev_syscall for the process cache only: the new cwd. */
	CWS_KEV_CWD = 5,
};

/* Why the kernel could not resolve a path (cws_kev_exec.path_error). */
enum cws_kev_path_error {
	CWS_KEV_PATH_OK = 0,
	CWS_KEV_PATH_NO_FILE, /* no struct file to resolve */
	CWS_KEV_PATH_TOO_LONG, /* more than CWS_KEV_PATH_MAX bytes */
	CWS_KEV_PATH_TOO_DEEP, /* more than CWS_KEV_PATH_MAX_STEPS steps */
	CWS_KEV_PATH_FAULT, /* a kernel read failed mid-walk */
	CWS_KEV_PATH_UNREACHABLE, /* not under the task's root (memfd, ...) */
};

/* Flags of an exec record. */
#define CWS_KEV_EXEC_ARGS_TRUNCATED (1u << 0) /* argv longer than the cap */
#define CWS_KEV_EXEC_FILENAME_TRUNCATED (1u << 1)
#define CWS_KEV_EXEC_STAT (1u << 2) /* mode..mtime read from the inode */
#define CWS_KEV_EXEC_UPPER (1u << 3) /* on an overlayfs upper layer */
#define CWS_KEV_EXEC_UPPER_KNOWN (1u << 4) /* CWS_KEV_EXEC_UPPER is known */
#define CWS_KEV_EXEC_ENVS_TRUNCATED (1u << 5) /* envp longer than the cap */

/*
 * The event types, numbered as lib/event.h's enum cws_event_type (the
 * probe asserts each value): records and drop counters say which event
 * they are about.
 */
enum cws_kev_event {
	CWS_KEV_EVT_UNKNOWN = 0,
	CWS_KEV_EVT_EXEC,
	CWS_KEV_EVT_EXIT,
	CWS_KEV_EVT_FORK,
	CWS_KEV_EVT_OPEN,
	CWS_KEV_EVT_UNLINK,
	CWS_KEV_EVT_RENAME,
	CWS_KEV_EVT_CHMOD,
	CWS_KEV_EVT_CHOWN,
	CWS_KEV_EVT_MKDIR,
	CWS_KEV_EVT_RMDIR,
	CWS_KEV_EVT_LINK,
	CWS_KEV_EVT_UTIMES,
	CWS_KEV_EVT_SETXATTR,
	CWS_KEV_EVT_REMOVEXATTR,
	CWS_KEV_EVT_SETUID,
	CWS_KEV_EVT_SETGID,
	CWS_KEV_EVT_CAPSET,
	CWS_KEV_EVT_PTRACE,
	CWS_KEV_EVT_MMAP,
	CWS_KEV_EVT_MPROTECT,
	CWS_KEV_EVT_BPF,
	CWS_KEV_EVT_LOAD_MODULE,
	CWS_KEV_EVT_UNLOAD_MODULE,
	CWS_KEV_EVT_MOUNT,
	CWS_KEV_EVT_UMOUNT,
	CWS_KEV_EVT_SIGNAL,
	CWS_KEV_EVT_SPLICE,
	CWS_KEV_EVT_CHDIR,
	CWS_KEV_EVT_MEMFD_CREATE,
	CWS_KEV_EVT_DNS,
	CWS_KEV_EVT_CONNECT,
	CWS_KEV_EVT_BIND,
	CWS_KEV_EVT_ACCEPT,
	CWS_KEV_EVT_SETSOCKOPT,
	CWS_KEV_EVT_PRCTL,
	CWS_KEV_EVT_CGROUP_WRITE,
	CWS_KEV_EVT_SELINUX,
	CWS_KEV_EVT_IMDS,
	CWS_KEV_EVT_PACKET,
	CWS_KEV_EVT_IO_URING,
	CWS_KEV_EVT__COUNT
};

/*
 * Why a record never reached the ring buffer. The drops map counts per
 * cause and event type: index CWS_KEV_DROP_INDEX(cause, event).
 */
enum cws_kev_drop {
	CWS_KEV_DROP_RINGBUF_FULL = 0, /* bpf_ringbuf_output failed */
	CWS_KEV_DROP_NO_SCRATCH, /* the per-CPU scratch lookup failed */
	CWS_KEV_DROP__COUNT
};

#define CWS_KEV_DROP_INDEX(cause, event) ((cause)*CWS_KEV_EVT__COUNT + (event))
#define CWS_KEV_DROP_SLOTS (CWS_KEV_DROP__COUNT * CWS_KEV_EVT__COUNT)

/* Leads every record. */
struct cws_kev_header {
	__u16 type; /* enum cws_kev_type */
	__u16 version; /* CWS_KEV_VERSION */
	__u32 cpu; /* bpf_get_smp_processor_id() */
	__u64 timestamp; /* bpf_ktime_get_boot_ns(): ns since boot */
};

/* The task an event happened in. */
struct cws_kev_process {
	__u64 fork_time; /* start_boottime of the thread group: ns since boot */
	__u64 cap_effective;
	__u64 cap_permitted;
	/*
	 * kernfs id of the task's cgroup in the unified (v2) hierarchy, as
	 * bpf_get_current_cgroup_id() and name_to_handle_at(2) give it; user
	 * space maps it to a path, and the path to a container id, once per
	 * cgroup.
	 */
	__u64 cgroup_id;
	__u32 pid; /* thread group id */
	__u32 tid;
	__u32 ppid; /* real_parent's thread group id */
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 fsuid;
	__u32 fsgid;
	__u32 auid; /* loginuid, (__u32)-1 when unset */
	char comm[CWS_KEV_COMM_LEN]; /* NUL terminated */
	/* signal->tty->name, "pts/3"; empty without a controlling tty. */
	char tty_name[CWS_KEV_TTY_LEN];
};

/*
 * A successful execve: the task after the exec. data[] holds path_len
 * bytes of the executable's absolute path, then filename_len bytes of
 * bprm->filename (the name as passed to execve), then args_len bytes of
 * argv, then envs_len bytes of envp (NUL separated, as argv). The inode
 * facts (mode to mtime) are the executable's at exec time, valid with
 * CWS_KEV_EXEC_STAT.
 */
struct cws_kev_exec {
	struct cws_kev_header hdr;
	struct cws_kev_process proc;
	__u64 inode; /* of the executable */
	__u32 mount_id; /* of the executable's mount */
	__u32 flags; /* CWS_KEV_EXEC_* */
	__u16 path_len;
	__u16 path_error; /* enum cws_kev_path_error */
	__u16 filename_len;
	__u16 args_len;
	__u64 ctime; /* inode change time, ns since the epoch */
	__u64 mtime; /* modification time, ns since the epoch */
	__u32 mode; /* i_mode */
	__u32 uid; /* i_uid */
	__u32 gid; /* i_gid */
	__u16 envs_len;
	__u16 _pad;
	char fstype[16]; /* s_type->name, NUL padded (CWS_KEV_FSTYPE_LEN) */
	char data[CWS_KEV_PATH_MAX + CWS_KEV_FILENAME_MAX + CWS_KEV_ARGS_MAX +
		  CWS_KEV_ENVS_MAX];
};

/* Bytes of an exec record as written to the ring buffer. */
#define CWS_KEV_EXEC_SIZE(ev)                                             \
	(__builtin_offsetof(struct cws_kev_exec, data) + (ev)->path_len + \
	 (ev)->filename_len + (ev)->args_len + (ev)->envs_len)

/*
 * A new process (not a thread): the child of fork, vfork or clone without
 * CLONE_THREAD, just before it first runs. The probe keeps these for its
 * process cache whether or not fork events were asked for.
 */
struct cws_kev_fork {
	struct cws_kev_header hdr;
	struct cws_kev_process proc; /* the child */
	/*
	 * The task that called fork, whose image (executable, argv, cwd) the
	 * child starts with. It is proc.ppid except with CLONE_PARENT, when
	 * the child's parent is the caller's parent.
	 */
	__u32 parent_pid;
	__u32 pad;
};

/* The last thread of a process exits (the process is a zombie). */
struct cws_kev_exit {
	struct cws_kev_header hdr;
	struct cws_kev_process proc;
	__u32 status; /* as wait(2) reports it: exit code << 8, or signal */
	__u32 pad;
};

/*
 * A system call, seen at its exit tracepoint: one record layout for every
 * syscall-based event type, so that user space has one decoder and the
 * BPF side one set of helpers (bpf/syscall.bpf.h). What varies per event
 * type is the meaning of args[] (documented in bpf/file.bpf.h and the
 * other programs' headers), how many files it names and whether it has
 * the extra string.
 *
 * A file is known to the kernel in one of three ways, which its flags
 * say:
 *  - CWS_KEV_FILE_OWN: the kernel had the object itself (an fd, the fd
 *    open returned, the new cwd): path is the object's own absolute path,
 *    and with CWS_KEV_FILE_STAT the stat fields are its inode's.
 *  - CWS_KEV_FILE_AT: the object was named by a user string (unlink,
 *    rename, a failed open, ...), which the kernel cannot look up from a
 *    tracepoint: path is the directory the string is relative to (the
 *    dirfd's, the cwd, or "/" for an absolute string), and the string
 *    follows it in data[]. User space joins the two lexically.
 *  - CWS_KEV_FILE_RAW: only the string, relative to nothing the kernel
 *    resolved (a symlink's target).
 * A path the kernel could not resolve has path_error set; the bytes then
 * are the components resolved so far, last first, never a whole path.
 */
#define CWS_KEV_FSTYPE_LEN 16 /* bytes of a file system type name */
#define CWS_KEV_STR_MAX 4096 /* bytes of the extra string (xattr name...) */

#define CWS_KEV_FILE_OWN (1u << 0)
#define CWS_KEV_FILE_AT (1u << 1)
#define CWS_KEV_FILE_RAW (1u << 2)
#define CWS_KEV_FILE_STAT (1u << 3) /* inode..gid, times, fstype are set */
#define CWS_KEV_FILE_AT_CWD (1u << 4) /* AT: the base is the cwd */
#define CWS_KEV_FILE_AT_FD (1u << 5) /* AT: the base is the dirfd */
#define CWS_KEV_FILE_AT_ROOT (1u << 6) /* AT: absolute string, base "/" */
#define CWS_KEV_FILE_STR_TRUNCATED (1u << 7) /* string cut at the cap */
#define CWS_KEV_FILE_STR_FAULT (1u << 8) /* string unreadable at exit */
#define CWS_KEV_FILE_NULL (1u << 9) /* the string pointer was NULL */
#define CWS_KEV_FILE_UPPER (1u << 10) /* STAT: on an overlayfs upper layer */

/* Flags of a syscall record. */
#define CWS_KEV_SYS_STR (1u << 0) /* the extra string is there */
#define CWS_KEV_SYS_STR_TRUNCATED (1u << 1)
#define CWS_KEV_SYS_STR_FAULT (1u << 2)
/*
 * The task has the probe's root directory and mount namespace: a path
 * means the same to both, and the probe may look one up for it.
 */
#define CWS_KEV_SYS_SAME_ROOT (1u << 3)

/* One file a syscall names. 96 bytes. */
struct cws_kev_file {
	__u64 inode;
	__u64 ctime; /* inode change time, ns since the epoch */
	__u64 mtime; /* modification time, ns since the epoch */
	__u32 mount_id;
	__u32 mode; /* i_mode: S_IF* type and permission bits */
	__u32 uid;
	__u32 gid;
	__u32 flags; /* CWS_KEV_FILE_* */
	__u16 path_len; /* bytes of the resolved path in data[] */
	__u16 path_error; /* enum cws_kev_path_error */
	__u16 str_len; /* bytes of the user string after it */
	__u16 _pad0;
	char fstype[CWS_KEV_FSTYPE_LEN]; /* s_type->name, NUL padded */
	__u32 _pad1;
	/*
	 * For discarders (kfilter.bpf.h): with CWS_KEV_FILE_KF_LEAF, the
	 * inode's i_generation and its parent directory's inode; with
	 * CWS_KEV_FILE_KF_DIR, the directory the file is directly in (its
	 * parent, or the base of a one-component string) and its mount.
	 */
	__u64 dir_inode;
	__u32 gen;
	__u32 dir_gen;
	__u32 dir_mount_id;
	__u32 kf_flags; /* CWS_KEV_FILE_KF_* */
};

#define CWS_KEV_FILE_KF_LEAF (1u << 0)
#define CWS_KEV_FILE_KF_DIR (1u << 1)

#define CWS_KEV_SYS_FILES 2

/*
 * data[] holds, back to back and in this order: file[0]'s path and
 * string, file[1]'s path and string (only the first nfiles files are
 * there), then str_len bytes of the extra string. Sizes: each path and
 * string at most CWS_KEV_PATH_MAX, the extra string CWS_KEV_STR_MAX.
 */
#define CWS_KEV_SYS_DATA_MAX \
	(CWS_KEV_SYS_FILES * 2 * CWS_KEV_PATH_MAX + CWS_KEV_STR_MAX)

struct cws_kev_syscall {
	struct cws_kev_header hdr;
	struct cws_kev_process proc;
	__s64 retval; /* the syscall's return value, -errno on failure */
	__u64 args[6]; /* per event type, see the programs */
	struct cws_kev_file file[CWS_KEV_SYS_FILES];
	__u16 event; /* enum cws_kev_event */
	__u16 nfiles; /* files used in file[] */
	__u16 str_len; /* bytes of the extra string */
	__u16 flags; /* CWS_KEV_SYS_* */
	/*
	 * The kernel filters' epoch when the record was made, and the task's
	 * root (an opaque id): a discarder learnt from the record holds for
	 * that epoch and that root only.
	 */
	__u64 kf_epoch;
	__u64 kf_root;
	char data[CWS_KEV_SYS_DATA_MAX];
};

/* Bytes of data[] a record uses, and of the record as written. */
#define CWS_KEV_SYS_FILE_LEN(ev, i)                                      \
	((ev)->nfiles > (i) ?                                            \
		 (__u32)(ev)->file[i].path_len + (ev)->file[i].str_len : \
		 0)
#define CWS_KEV_SYS_DATA_LEN(ev)                                     \
	(CWS_KEV_SYS_FILE_LEN(ev, 0) + CWS_KEV_SYS_FILE_LEN(ev, 1) + \
	 (ev)->str_len)
#define CWS_KEV_SYS_SIZE(ev)                                \
	(__builtin_offsetof(struct cws_kev_syscall, data) + \
	 CWS_KEV_SYS_DATA_LEN(ev))

/*
 * Kernel filters (bpf/kfilter.bpf.h), set by the probe per event type in
 * kf_types[] (a global of the object's .bss).
 */
#define CWS_KEV_KF_OFF (1u << 0) /* not asked for: drop (hooked for epochs) */
#define CWS_KEV_KF_APPROVERS (1u << 1) /* pass only what an approver approves */
#define CWS_KEV_KF_DISCARDERS (1u << 2) /* drop what a discarder discards */
#define CWS_KEV_KF_NAME (1u << 3) /* approvers: file[0]'s basename */
#define CWS_KEV_KF_DEST_NAME (1u << 4) /* approvers: file[1]'s basename */
#define CWS_KEV_KF_FLAGS (1u << 5) /* approvers: args[0] & flags */
#define CWS_KEV_KF_COUNT (1u << 6) /* a policy is loaded: count what is seen */
#define CWS_KEV_KF_COMM (1u << 7) /* approvers: the task's comm */

struct cws_kev_kf_type {
	__u64 flags; /* CWS_KEV_KF_FLAGS: any of these bits approves */
	__u32 mode; /* CWS_KEV_KF_* */
	__u32 _pad;
};

/* Keys of the basename approvers: FNV-1a 64 of the name, seeded by kind. */
#define CWS_KEV_KF_HASH_NAME 1
#define CWS_KEV_KF_HASH_DEST 2
#define CWS_KEV_KF_HASH_COMM 3
#define CWS_KEV_FNV_OFFSET 0xcbf29ce484222325ull
#define CWS_KEV_FNV_PRIME 0x100000001b3ull

/* A discarder: an inode of a mount. */
struct cws_kev_disc_key {
	__u64 inode;
	__u32 mount_id;
	__u32 _pad;
};

struct cws_kev_disc {
	__u64 leaf; /* event types (1 << type) discarded for the file itself */
	__u64 dir; /* event types discarded for any file directly in it */
	__u64 epoch; /* kf_epoch it was learnt in */
	__u64 root; /* the task root it was learnt under */
	__u64 parent; /* leaf: the parent directory's inode */
	__u64 name; /* leaf: its name's hash (CWS_KEV_KF_HASH_NAME) */
	__u32 gen; /* i_generation */
	__u32 _pad;
};

/* What the kernel filters counted, per event type: kf_stats index. */
enum cws_kev_kf_stat {
	CWS_KEV_KF_SEEN = 0, /* events the filters looked at */
	CWS_KEV_KF_BY_APPROVERS, /* dropped: no approver */
	CWS_KEV_KF_BY_DISCARDERS, /* dropped: a discarder */
	CWS_KEV_KF_NOT_WANTED, /* dropped: a type hooked only for epochs */
	CWS_KEV_KF__COUNT
};

/*
 * System events (bpf/sysev.bpf.h): what they keep. An attached filter:
 * at most CWS_KEV_FILTER_MAX instructions (Datadog's MAX_BPF_FILTER_SIZE
 * is 511 of 8 bytes); args[5] has CWS_KEV_FILTER_READ when it was read,
 * CWS_KEV_FILTER_CUT when it was longer, and the count as passed in its
 * low 16 bits. A PR_SET_NAME name: CWS_KEV_PRCTL_NAME_MAX bytes, NUL
 * included (Datadog's 255). A cgroup or selinuxfs write: the first
 * CWS_KEV_WRITE_MAX - 1 bytes.
 */
#define CWS_KEV_FILTER_MAX 511
#define CWS_KEV_FILTER_READ (1ull << 63)
#define CWS_KEV_FILTER_CUT (1ull << 62)
#define CWS_KEV_PRCTL_NAME_MAX 256
#define CWS_KEV_WRITE_MAX 32

/*
 * An io_uring event (bpf/uring.bpf.h): args[0] is the request's opcode
 * (IORING_OP_*), or CWS_KEV_URING_SETUP for a ring's creation, which no
 * opcode is.
 */
#define CWS_KEV_URING_SETUP 0x10000

#define CWS_KEV_KF_INDEX(stat, event) ((stat)*CWS_KEV_EVT__COUNT + (event))
#define CWS_KEV_KF_SLOTS (CWS_KEV_KF__COUNT * CWS_KEV_EVT__COUNT)

/*
 * The classifier's packet filters (bpf/netev.bpf.h): classic BPF programs
 * as libpcap compiles packet.filter, one per map entry, which cws-probe
 * writes (cmd/cws-probe/netev.c). An instruction is struct bpf_insn's
 * layout.
 */
#define CWS_KEV_CBPF_FILTERS 16 /* filters the kernel runs, max */
#define CWS_KEV_CBPF_INSNS 256 /* instructions per filter, max */
#define CWS_KEV_PACKET_SNAPLEN 256 /* bytes of a packet event */
#define CWS_KEV_IMDS_MAX 2048 /* payload bytes of an imds event */

struct cws_kev_cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

struct cws_kev_cbpf_prog {
	__u32 len; /* instructions used */
	__u32 pad;
	struct cws_kev_cbpf_insn insns[CWS_KEV_CBPF_INSNS];
};

/* netev_flags: what the classifiers do (bpf/netev.bpf.h). */
#define CWS_KEV_NETEV_DNS (1u << 0) /* dns queries on egress */
#define CWS_KEV_NETEV_DNS_INGRESS (1u << 1) /* and on ingress */
#define CWS_KEV_NETEV_IMDS (1u << 2) /* imds events */
#define CWS_KEV_NETEV_PACKET (1u << 3) /* packet events */

/* Directions, as network_direction gives them (Datadog's values). */
#define CWS_KEV_DIR_INGRESS 1
#define CWS_KEV_DIR_EGRESS 2
/* A dns record's flags: seen on an ingress hook (else egress). */
#define CWS_KEV_SYS_NET_INGRESS (1u << 15)

#endif
