/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SECL's named constants (Datadog's model/consts_linux.go and
 * consts_common.go; the names are Datadog's, the values Linux's), so that
 * rules read `open.flags & O_CREAT > 0`, `open.retval == EACCES` (errno
 * constants are negative, like the retvals they are compared with),
 * `process.cap_effective & CAP_SYS_ADMIN > 0` (capabilities are bit
 * masks, like the cap_* fields) or `dns.question.type == TXT`.
 *
 * Values that differ between architectures (open flags, mmap flags,
 * signals, errno, ptrace requests) come from the C library's headers of
 * the build; stable kernel ABI numbers (bpf enums and helper ids, ETH_P_*,
 * IP protocols, capabilities, DNS types) are written out, generated once
 * from the UAPI headers of Linux 6.x (linux/bpf.h: BPF_FUNC_name becomes
 * BPF_NAME, as Datadog spells helpers). A name listed twice keeps its
 * first value; the unit test checks that no name has two values.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "secl_priv.h"

struct sconst {
	const char *name;
	int64_t value;
};

#define C(x)                     \
	{                        \
#x, (int64_t)(x) \
	}
#define NEG(x)                    \
	{                         \
#x, -(int64_t)(x) \
	}
#define CAP(x, n)                          \
	{                                  \
#x, (int64_t)(1ull << (n)) \
	}

static const struct sconst consts[] = {
	/* open flags */
	C(O_RDONLY),
	C(O_WRONLY),
	C(O_RDWR),
	C(O_APPEND),
	C(O_CREAT),
	C(O_EXCL),
	C(O_SYNC),
	C(O_TRUNC),
	C(O_ACCMODE),
	C(O_ASYNC),
	C(O_CLOEXEC),
	C(O_DIRECT),
	C(O_DIRECTORY),
	C(O_DSYNC),
	C(O_FSYNC),
	C(O_NDELAY),
	C(O_NOATIME),
	C(O_NOCTTY),
	C(O_NOFOLLOW),
	C(O_NONBLOCK),
	C(O_RSYNC),
	C(O_PATH),
	C(O_TMPFILE),
	/* file mode and inode type */
	C(S_ISUID),
	C(S_ISGID),
	C(S_ISVTX),
	C(S_IRWXU),
	C(S_IRUSR),
	C(S_IWUSR),
	C(S_IXUSR),
	C(S_IRWXG),
	C(S_IRGRP),
	C(S_IWGRP),
	C(S_IXGRP),
	C(S_IRWXO),
	C(S_IROTH),
	C(S_IWOTH),
	C(S_IXOTH),
	C(S_IFMT),
	C(S_IFSOCK),
	C(S_IFLNK),
	C(S_IFREG),
	C(S_IFBLK),
	C(S_IFDIR),
	C(S_IFCHR),
	C(S_IFIFO),
	/* unlink flags */
	C(AT_REMOVEDIR),
	/* signals */
	C(SIGHUP),
	C(SIGINT),
	C(SIGQUIT),
	C(SIGILL),
	C(SIGTRAP),
	C(SIGABRT),
	C(SIGIOT),
	C(SIGBUS),
	C(SIGFPE),
	C(SIGKILL),
	C(SIGUSR1),
	C(SIGSEGV),
	C(SIGUSR2),
	C(SIGPIPE),
	C(SIGALRM),
	C(SIGTERM),
#ifdef SIGSTKFLT
	C(SIGSTKFLT),
#endif
	C(SIGCHLD),
	C(SIGCONT),
	C(SIGSTOP),
	C(SIGTSTP),
	C(SIGTTIN),
	C(SIGTTOU),
	C(SIGURG),
	C(SIGXCPU),
	C(SIGXFSZ),
	C(SIGVTALRM),
	C(SIGPROF),
	C(SIGWINCH),
	C(SIGIO),
	C(SIGPOLL),
	C(SIGPWR),
	C(SIGSYS),
	/* exit causes (exit.cause) */
	{ "EXITED", 0 },
	{ "COREDUMPED", 1 },
	{ "SIGNALED", 2 },
	/* login uid */
	{ "AUDIT_AUID_UNSET", 4294967295ll },
/* errno, negated like the retvals they are compared with */
#ifdef E2BIG
	NEG(E2BIG),
#endif
#ifdef EACCES
	NEG(EACCES),
#endif
#ifdef EADDRINUSE
	NEG(EADDRINUSE),
#endif
#ifdef EADDRNOTAVAIL
	NEG(EADDRNOTAVAIL),
#endif
#ifdef EADV
	NEG(EADV),
#endif
#ifdef EAFNOSUPPORT
	NEG(EAFNOSUPPORT),
#endif
#ifdef EAGAIN
	NEG(EAGAIN),
#endif
#ifdef EALREADY
	NEG(EALREADY),
#endif
#ifdef EBADE
	NEG(EBADE),
#endif
#ifdef EBADF
	NEG(EBADF),
#endif
#ifdef EBADFD
	NEG(EBADFD),
#endif
#ifdef EBADMSG
	NEG(EBADMSG),
#endif
#ifdef EBADR
	NEG(EBADR),
#endif
#ifdef EBADRQC
	NEG(EBADRQC),
#endif
#ifdef EBADSLT
	NEG(EBADSLT),
#endif
#ifdef EBFONT
	NEG(EBFONT),
#endif
#ifdef EBUSY
	NEG(EBUSY),
#endif
#ifdef ECANCELED
	NEG(ECANCELED),
#endif
#ifdef ECHILD
	NEG(ECHILD),
#endif
#ifdef ECHRNG
	NEG(ECHRNG),
#endif
#ifdef ECOMM
	NEG(ECOMM),
#endif
#ifdef ECONNABORTED
	NEG(ECONNABORTED),
#endif
#ifdef ECONNREFUSED
	NEG(ECONNREFUSED),
#endif
#ifdef ECONNRESET
	NEG(ECONNRESET),
#endif
#ifdef EDEADLK
	NEG(EDEADLK),
#endif
#ifdef EDEADLOCK
	NEG(EDEADLOCK),
#endif
#ifdef EDESTADDRREQ
	NEG(EDESTADDRREQ),
#endif
#ifdef EDOM
	NEG(EDOM),
#endif
#ifdef EDOTDOT
	NEG(EDOTDOT),
#endif
#ifdef EDQUOT
	NEG(EDQUOT),
#endif
#ifdef EEXIST
	NEG(EEXIST),
#endif
#ifdef EFAULT
	NEG(EFAULT),
#endif
#ifdef EFBIG
	NEG(EFBIG),
#endif
#ifdef EHOSTDOWN
	NEG(EHOSTDOWN),
#endif
#ifdef EHOSTUNREACH
	NEG(EHOSTUNREACH),
#endif
#ifdef EHWPOISON
	NEG(EHWPOISON),
#endif
#ifdef EIDRM
	NEG(EIDRM),
#endif
#ifdef EILSEQ
	NEG(EILSEQ),
#endif
#ifdef EINPROGRESS
	NEG(EINPROGRESS),
#endif
#ifdef EINTR
	NEG(EINTR),
#endif
#ifdef EINVAL
	NEG(EINVAL),
#endif
#ifdef EIO
	NEG(EIO),
#endif
#ifdef EISCONN
	NEG(EISCONN),
#endif
#ifdef EISDIR
	NEG(EISDIR),
#endif
#ifdef EISNAM
	NEG(EISNAM),
#endif
#ifdef EKEYEXPIRED
	NEG(EKEYEXPIRED),
#endif
#ifdef EKEYREJECTED
	NEG(EKEYREJECTED),
#endif
#ifdef EKEYREVOKED
	NEG(EKEYREVOKED),
#endif
#ifdef EL2HLT
	NEG(EL2HLT),
#endif
#ifdef EL2NSYNC
	NEG(EL2NSYNC),
#endif
#ifdef EL3HLT
	NEG(EL3HLT),
#endif
#ifdef EL3RST
	NEG(EL3RST),
#endif
#ifdef ELIBACC
	NEG(ELIBACC),
#endif
#ifdef ELIBBAD
	NEG(ELIBBAD),
#endif
#ifdef ELIBEXEC
	NEG(ELIBEXEC),
#endif
#ifdef ELIBMAX
	NEG(ELIBMAX),
#endif
#ifdef ELIBSCN
	NEG(ELIBSCN),
#endif
#ifdef ELNRNG
	NEG(ELNRNG),
#endif
#ifdef ELOOP
	NEG(ELOOP),
#endif
#ifdef EMEDIUMTYPE
	NEG(EMEDIUMTYPE),
#endif
#ifdef EMFILE
	NEG(EMFILE),
#endif
#ifdef EMLINK
	NEG(EMLINK),
#endif
#ifdef EMSGSIZE
	NEG(EMSGSIZE),
#endif
#ifdef EMULTIHOP
	NEG(EMULTIHOP),
#endif
#ifdef ENAMETOOLONG
	NEG(ENAMETOOLONG),
#endif
#ifdef ENAVAIL
	NEG(ENAVAIL),
#endif
#ifdef ENETDOWN
	NEG(ENETDOWN),
#endif
#ifdef ENETRESET
	NEG(ENETRESET),
#endif
#ifdef ENETUNREACH
	NEG(ENETUNREACH),
#endif
#ifdef ENFILE
	NEG(ENFILE),
#endif
#ifdef ENOANO
	NEG(ENOANO),
#endif
#ifdef ENOBUFS
	NEG(ENOBUFS),
#endif
#ifdef ENOCSI
	NEG(ENOCSI),
#endif
#ifdef ENODATA
	NEG(ENODATA),
#endif
#ifdef ENODEV
	NEG(ENODEV),
#endif
#ifdef ENOENT
	NEG(ENOENT),
#endif
#ifdef ENOEXEC
	NEG(ENOEXEC),
#endif
#ifdef ENOKEY
	NEG(ENOKEY),
#endif
#ifdef ENOLCK
	NEG(ENOLCK),
#endif
#ifdef ENOLINK
	NEG(ENOLINK),
#endif
#ifdef ENOMEDIUM
	NEG(ENOMEDIUM),
#endif
#ifdef ENOMEM
	NEG(ENOMEM),
#endif
#ifdef ENOMSG
	NEG(ENOMSG),
#endif
#ifdef ENONET
	NEG(ENONET),
#endif
#ifdef ENOPKG
	NEG(ENOPKG),
#endif
#ifdef ENOPROTOOPT
	NEG(ENOPROTOOPT),
#endif
#ifdef ENOSPC
	NEG(ENOSPC),
#endif
#ifdef ENOSR
	NEG(ENOSR),
#endif
#ifdef ENOSTR
	NEG(ENOSTR),
#endif
#ifdef ENOSYS
	NEG(ENOSYS),
#endif
#ifdef ENOTBLK
	NEG(ENOTBLK),
#endif
#ifdef ENOTCONN
	NEG(ENOTCONN),
#endif
#ifdef ENOTDIR
	NEG(ENOTDIR),
#endif
#ifdef ENOTEMPTY
	NEG(ENOTEMPTY),
#endif
#ifdef ENOTNAM
	NEG(ENOTNAM),
#endif
#ifdef ENOTRECOVERABLE
	NEG(ENOTRECOVERABLE),
#endif
#ifdef ENOTSOCK
	NEG(ENOTSOCK),
#endif
#ifdef ENOTSUP
	NEG(ENOTSUP),
#endif
#ifdef ENOTTY
	NEG(ENOTTY),
#endif
#ifdef ENOTUNIQ
	NEG(ENOTUNIQ),
#endif
#ifdef ENXIO
	NEG(ENXIO),
#endif
#ifdef EOPNOTSUPP
	NEG(EOPNOTSUPP),
#endif
#ifdef EOVERFLOW
	NEG(EOVERFLOW),
#endif
#ifdef EOWNERDEAD
	NEG(EOWNERDEAD),
#endif
#ifdef EPERM
	NEG(EPERM),
#endif
#ifdef EPFNOSUPPORT
	NEG(EPFNOSUPPORT),
#endif
#ifdef EPIPE
	NEG(EPIPE),
#endif
#ifdef EPROTO
	NEG(EPROTO),
#endif
#ifdef EPROTONOSUPPORT
	NEG(EPROTONOSUPPORT),
#endif
#ifdef EPROTOTYPE
	NEG(EPROTOTYPE),
#endif
#ifdef ERANGE
	NEG(ERANGE),
#endif
#ifdef EREMCHG
	NEG(EREMCHG),
#endif
#ifdef EREMOTE
	NEG(EREMOTE),
#endif
#ifdef EREMOTEIO
	NEG(EREMOTEIO),
#endif
#ifdef ERESTART
	NEG(ERESTART),
#endif
#ifdef ERFKILL
	NEG(ERFKILL),
#endif
#ifdef EROFS
	NEG(EROFS),
#endif
#ifdef ESHUTDOWN
	NEG(ESHUTDOWN),
#endif
#ifdef ESOCKTNOSUPPORT
	NEG(ESOCKTNOSUPPORT),
#endif
#ifdef ESPIPE
	NEG(ESPIPE),
#endif
#ifdef ESRCH
	NEG(ESRCH),
#endif
#ifdef ESRMNT
	NEG(ESRMNT),
#endif
#ifdef ESTALE
	NEG(ESTALE),
#endif
#ifdef ESTRPIPE
	NEG(ESTRPIPE),
#endif
#ifdef ETIME
	NEG(ETIME),
#endif
#ifdef ETIMEDOUT
	NEG(ETIMEDOUT),
#endif
#ifdef ETOOMANYREFS
	NEG(ETOOMANYREFS),
#endif
#ifdef ETXTBSY
	NEG(ETXTBSY),
#endif
#ifdef EUCLEAN
	NEG(EUCLEAN),
#endif
#ifdef EUNATCH
	NEG(EUNATCH),
#endif
#ifdef EUSERS
	NEG(EUSERS),
#endif
#ifdef EWOULDBLOCK
	NEG(EWOULDBLOCK),
#endif
#ifdef EXDEV
	NEG(EXDEV),
#endif
#ifdef EXFULL
	NEG(EXFULL),
#endif
	/* capabilities, as bit masks like the cap_* fields */
	CAP(CAP_CHOWN, 0),
	CAP(CAP_DAC_OVERRIDE, 1),
	CAP(CAP_DAC_READ_SEARCH, 2),
	CAP(CAP_FOWNER, 3),
	CAP(CAP_FSETID, 4),
	CAP(CAP_KILL, 5),
	CAP(CAP_SETGID, 6),
	CAP(CAP_SETUID, 7),
	CAP(CAP_SETPCAP, 8),
	CAP(CAP_LINUX_IMMUTABLE, 9),
	CAP(CAP_NET_BIND_SERVICE, 10),
	CAP(CAP_NET_BROADCAST, 11),
	CAP(CAP_NET_ADMIN, 12),
	CAP(CAP_NET_RAW, 13),
	CAP(CAP_IPC_LOCK, 14),
	CAP(CAP_IPC_OWNER, 15),
	CAP(CAP_SYS_MODULE, 16),
	CAP(CAP_SYS_RAWIO, 17),
	CAP(CAP_SYS_CHROOT, 18),
	CAP(CAP_SYS_PTRACE, 19),
	CAP(CAP_SYS_PACCT, 20),
	CAP(CAP_SYS_ADMIN, 21),
	CAP(CAP_SYS_BOOT, 22),
	CAP(CAP_SYS_NICE, 23),
	CAP(CAP_SYS_RESOURCE, 24),
	CAP(CAP_SYS_TIME, 25),
	CAP(CAP_SYS_TTY_CONFIG, 26),
	CAP(CAP_MKNOD, 27),
	CAP(CAP_LEASE, 28),
	CAP(CAP_AUDIT_WRITE, 29),
	CAP(CAP_AUDIT_CONTROL, 30),
	CAP(CAP_SETFCAP, 31),
	CAP(CAP_MAC_OVERRIDE, 32),
	CAP(CAP_MAC_ADMIN, 33),
	CAP(CAP_SYSLOG, 34),
	CAP(CAP_WAKE_ALARM, 35),
	CAP(CAP_BLOCK_SUSPEND, 36),
	CAP(CAP_AUDIT_READ, 37),
	CAP(CAP_PERFMON, 38),
	CAP(CAP_BPF, 39),
	CAP(CAP_CHECKPOINT_RESTORE, 40),
	/* ptrace requests */
	{ "PTRACE_TRACEME", 0 },
	{ "PTRACE_PEEKTEXT", 1 },
	{ "PTRACE_PEEKDATA", 2 },
	{ "PTRACE_PEEKUSR", 3 },
	{ "PTRACE_POKETEXT", 4 },
	{ "PTRACE_POKEDATA", 5 },
	{ "PTRACE_POKEUSR", 6 },
	{ "PTRACE_CONT", 7 },
	{ "PTRACE_KILL", 8 },
	{ "PTRACE_SINGLESTEP", 9 },
	{ "PTRACE_ATTACH", 16 },
	{ "PTRACE_DETACH", 17 },
	{ "PTRACE_SYSCALL", 24 },
	{ "PTRACE_SETOPTIONS", 0x4200 },
	{ "PTRACE_GETEVENTMSG", 0x4201 },
	{ "PTRACE_GETSIGINFO", 0x4202 },
	{ "PTRACE_SETSIGINFO", 0x4203 },
	{ "PTRACE_GETREGSET", 0x4204 },
	{ "PTRACE_SETREGSET", 0x4205 },
	{ "PTRACE_SEIZE", 0x4206 },
	{ "PTRACE_INTERRUPT", 0x4207 },
	{ "PTRACE_LISTEN", 0x4208 },
	{ "PTRACE_PEEKSIGINFO", 0x4209 },
	{ "PTRACE_GETSIGMASK", 0x420a },
	{ "PTRACE_SETSIGMASK", 0x420b },
	{ "PTRACE_SECCOMP_GET_FILTER", 0x420c },
	{ "PTRACE_SECCOMP_GET_METADATA", 0x420d },
	{ "PTRACE_GET_SYSCALL_INFO", 0x420e },
	{ "PTRACE_GET_RSEQ_CONFIGURATION", 0x420f },
#if defined(__x86_64__) || defined(__i386__)
	{ "PTRACE_GETREGS", 12 },
	{ "PTRACE_SETREGS", 13 },
	{ "PTRACE_GETFPREGS", 14 },
	{ "PTRACE_SETFPREGS", 15 },
	{ "PTRACE_GETFPXREGS", 18 },
	{ "PTRACE_SETFPXREGS", 19 },
	{ "PTRACE_OLDSETOPTIONS", 21 },
	{ "PTRACE_GET_THREAD_AREA", 25 },
	{ "PTRACE_SET_THREAD_AREA", 26 },
	{ "PTRACE_ARCH_PRCTL", 30 },
	{ "PTRACE_SYSEMU", 31 },
	{ "PTRACE_SYSEMU_SINGLESTEP", 32 },
	{ "PTRACE_SINGLEBLOCK", 33 },
#elif defined(__aarch64__)
	{ "PTRACE_SYSEMU", 31 },
	{ "PTRACE_SYSEMU_SINGLESTEP", 32 },
	{ "PTRACE_PEEKMTETAGS", 33 },
	{ "PTRACE_POKEMTETAGS", 34 },
#endif
	/* mmap flags */
	C(MAP_SHARED),
	C(MAP_PRIVATE),
#ifdef MAP_SHARED_VALIDATE
	C(MAP_SHARED_VALIDATE),
#endif
	C(MAP_ANON),
	C(MAP_ANONYMOUS),
	C(MAP_DENYWRITE),
	C(MAP_EXECUTABLE),
	C(MAP_FIXED),
#ifdef MAP_FIXED_NOREPLACE
	C(MAP_FIXED_NOREPLACE),
#endif
	C(MAP_GROWSDOWN),
	C(MAP_HUGETLB),
	C(MAP_LOCKED),
	C(MAP_NONBLOCK),
	C(MAP_NORESERVE),
	C(MAP_POPULATE),
	C(MAP_STACK),
#ifdef MAP_SYNC
	C(MAP_SYNC),
#endif
	{ "MAP_UNINITIALIZED", 0x4000000 },
#ifdef MAP_32BIT
	C(MAP_32BIT),
#endif
	C(MAP_FILE),
	C(MAP_TYPE),
	{ "MAP_HUGE_SHIFT", 26 },
	{ "MAP_HUGE_MASK", 0x3f },
	{ "MAP_HUGE_16KB", 14ll << 26 },
	{ "MAP_HUGE_64KB", 16ll << 26 },
	{ "MAP_HUGE_512KB", 19ll << 26 },
	{ "MAP_HUGE_1MB", 20ll << 26 },
	{ "MAP_HUGE_2MB", 21ll << 26 },
	{ "MAP_HUGE_8MB", 23ll << 26 },
	{ "MAP_HUGE_16MB", 24ll << 26 },
	{ "MAP_HUGE_32MB", 25ll << 26 },
	{ "MAP_HUGE_256MB", 28ll << 26 },
	{ "MAP_HUGE_512MB", 29ll << 26 },
	{ "MAP_HUGE_1GB", 30ll << 26 },
	{ "MAP_HUGE_2GB", 31ll << 26 },
	{ "MAP_HUGE_16GB", 34ll << 26 },
	/* memory protection */
	C(PROT_NONE),
	C(PROT_READ),
	C(PROT_WRITE),
	C(PROT_EXEC),
	C(PROT_GROWSDOWN),
	C(PROT_GROWSUP),
	/* virtual memory flags (mprotect.vm_protection, linux/mm.h) */
	{ "VM_NONE", 0x0 },
	{ "VM_READ", 0x1 },
	{ "VM_WRITE", 0x2 },
	{ "VM_EXEC", 0x4 },
	{ "VM_SHARED", 0x8 },
	{ "VM_MAYREAD", 0x10 },
	{ "VM_MAYWRITE", 0x20 },
	{ "VM_MAYEXEC", 0x40 },
	{ "VM_MAYSHARE", 0x80 },
	{ "VM_GROWSDOWN", 0x100 },
	{ "VM_UFFD_MISSING", 0x200 },
	{ "VM_PFNMAP", 0x400 },
	{ "VM_DENYWRITE", 0x800 },
	{ "VM_UFFD_WP", 0x1000 },
	{ "VM_LOCKED", 0x2000 },
	{ "VM_IO", 0x4000 },
	{ "VM_SEQ_READ", 0x8000 },
	{ "VM_RAND_READ", 0x10000 },
	{ "VM_DONTCOPY", 0x20000 },
	{ "VM_DONTEXPAND", 0x40000 },
	{ "VM_LOCKONFAULT", 0x80000 },
	{ "VM_ACCOUNT", 0x100000 },
	{ "VM_NORESERVE", 0x200000 },
	{ "VM_HUGETLB", 0x400000 },
	{ "VM_SYNC", 0x800000 },
	{ "VM_ARCH_1", 0x1000000 },
	{ "VM_WIPEONFORK", 0x2000000 },
	{ "VM_DONTDUMP", 0x4000000 },
	{ "VM_SOFTDIRTY", 0x8000000 },
	{ "VM_MIXEDMAP", 0x10000000 },
	{ "VM_HUGEPAGE", 0x20000000 },
	{ "VM_NOHUGEPAGE", 0x40000000 },
	{ "VM_MERGEABLE", 0x80000000ll },
	/* pipe buffer flags (splice, linux/pipe_fs_i.h) */
	{ "PIPE_BUF_FLAG_LRU", 0x01 },
	{ "PIPE_BUF_FLAG_ATOMIC", 0x02 },
	{ "PIPE_BUF_FLAG_GIFT", 0x04 },
	{ "PIPE_BUF_FLAG_PACKET", 0x08 },
	{ "PIPE_BUF_FLAG_CAN_MERGE", 0x10 },
	{ "PIPE_BUF_FLAG_WHOLE", 0x20 },
	{ "PIPE_BUF_FLAG_LOSS", 0x40 },
	/* mount flags */
	C(MS_RDONLY),
	C(MS_NOSUID),
	C(MS_NODEV),
	C(MS_NOEXEC),
	C(MS_SYNCHRONOUS),
	C(MS_REMOUNT),
	C(MS_MANDLOCK),
	C(MS_DIRSYNC),
	C(MS_NOATIME),
	C(MS_NODIRATIME),
	C(MS_BIND),
	C(MS_MOVE),
	C(MS_REC),
	C(MS_SILENT),
	C(MS_POSIXACL),
	C(MS_UNBINDABLE),
	C(MS_PRIVATE),
	C(MS_SLAVE),
	C(MS_SHARED),
	C(MS_RELATIME),
	C(MS_KERNMOUNT),
	C(MS_I_VERSION),
	C(MS_STRICTATIME),
	C(MS_LAZYTIME),
	C(MS_ACTIVE),
	C(MS_NOUSER),
	/* memfd_create flags (cws: memfd_create.flags) */
	{ "MFD_CLOEXEC", 0x1 },
	{ "MFD_ALLOW_SEALING", 0x2 },
	{ "MFD_HUGETLB", 0x4 },
	{ "MFD_NOEXEC_SEAL", 0x8 },
	{ "MFD_EXEC", 0x10 },
	/* address families */
	C(AF_UNSPEC),
	C(AF_LOCAL),
	C(AF_UNIX),
	C(AF_FILE),
	C(AF_INET),
	C(AF_AX25),
	C(AF_IPX),
	C(AF_APPLETALK),
	C(AF_NETROM),
	C(AF_BRIDGE),
	C(AF_ATMPVC),
	C(AF_X25),
	C(AF_INET6),
	C(AF_ROSE),
	C(AF_DECnet),
	C(AF_NETBEUI),
	C(AF_SECURITY),
	C(AF_KEY),
	C(AF_NETLINK),
	C(AF_ROUTE),
	C(AF_PACKET),
	C(AF_ASH),
	C(AF_ECONET),
	C(AF_ATMSVC),
	C(AF_RDS),
	C(AF_SNA),
	C(AF_IRDA),
	C(AF_PPPOX),
	C(AF_WANPIPE),
	C(AF_LLC),
	C(AF_IB),
	C(AF_MPLS),
	C(AF_CAN),
	C(AF_TIPC),
	C(AF_BLUETOOTH),
	C(AF_IUCV),
	C(AF_RXRPC),
	C(AF_ISDN),
	C(AF_PHONET),
	C(AF_IEEE802154),
	C(AF_CAIF),
	C(AF_ALG),
	C(AF_NFC),
	C(AF_VSOCK),
	C(AF_KCM),
	C(AF_QIPCRTR),
	C(AF_SMC),
	C(AF_XDP),
	{ "AF_MCTP", 45 },
	{ "AF_MAX", 46 },
	/* L4 protocols */
	{ "IP_PROTO_IP", 0 },
	{ "IP_PROTO_ICMP", 1 },
	{ "IP_PROTO_IGMP", 2 },
	{ "IP_PROTO_IPIP", 4 },
	{ "IP_PROTO_TCP", 6 },
	{ "IP_PROTO_EGP", 8 },
	{ "IP_PROTO_IGP", 9 },
	{ "IP_PROTO_PUP", 12 },
	{ "IP_PROTO_UDP", 17 },
	{ "IP_PROTO_IDP", 22 },
	{ "IP_PROTO_TP", 29 },
	{ "IP_PROTO_DCCP", 33 },
	{ "IP_PROTO_IPV6", 41 },
	{ "IP_PROTO_RSVP", 46 },
	{ "IP_PROTO_GRE", 47 },
	{ "IP_PROTO_ESP", 50 },
	{ "IP_PROTO_AH", 51 },
	{ "IP_PROTO_ICMPV6", 58 },
	{ "IP_PROTO_MTP", 92 },
	{ "IP_PROTO_BEETPH", 94 },
	{ "IP_PROTO_ENCAP", 98 },
	{ "IP_PROTO_PIM", 103 },
	{ "IP_PROTO_COMP", 108 },
	{ "IP_PROTO_SCTP", 132 },
	{ "IP_PROTO_UDPLITE", 136 },
	{ "IP_PROTO_MPLS", 137 },
	{ "IP_PROTO_RAW", 255 },
	/* DNS classes */
	{ "CLASS_INET", 1 },
	{ "CLASS_CSNET", 2 },
	{ "CLASS_CHAOS", 3 },
	{ "CLASS_HESIOD", 4 },
	{ "CLASS_NONE", 254 },
	{ "CLASS_ANY", 255 },
	/* DNS question types */
	{ "None", 0 },
	{ "A", 1 },
	{ "NS", 2 },
	{ "MD", 3 },
	{ "MF", 4 },
	{ "CNAME", 5 },
	{ "SOA", 6 },
	{ "MB", 7 },
	{ "MG", 8 },
	{ "MR", 9 },
	{ "NULL", 10 },
	{ "PTR", 12 },
	{ "HINFO", 13 },
	{ "MINFO", 14 },
	{ "MX", 15 },
	{ "TXT", 16 },
	{ "RP", 17 },
	{ "AFSDB", 18 },
	{ "X25", 19 },
	{ "ISDN", 20 },
	{ "RT", 21 },
	{ "NSAPPTR", 23 },
	{ "SIG", 24 },
	{ "KEY", 25 },
	{ "PX", 26 },
	{ "GPOS", 27 },
	{ "AAAA", 28 },
	{ "LOC", 29 },
	{ "NXT", 30 },
	{ "EID", 31 },
	{ "NIMLOC", 32 },
	{ "SRV", 33 },
	{ "ATMA", 34 },
	{ "NAPTR", 35 },
	{ "KX", 36 },
	{ "CERT", 37 },
	{ "DNAME", 39 },
	{ "OPT", 41 },
	{ "APL", 42 },
	{ "DS", 43 },
	{ "SSHFP", 44 },
	{ "RRSIG", 46 },
	{ "NSEC", 47 },
	{ "DNSKEY", 48 },
	{ "DHCID", 49 },
	{ "NSEC3", 50 },
	{ "NSEC3PARAM", 51 },
	{ "TLSA", 52 },
	{ "SMIMEA", 53 },
	{ "HIP", 55 },
	{ "NINFO", 56 },
	{ "RKEY", 57 },
	{ "TALINK", 58 },
	{ "CDS", 59 },
	{ "CDNSKEY", 60 },
	{ "OPENPGPKEY", 61 },
	{ "CSYNC", 62 },
	{ "ZONEMD", 63 },
	{ "SVCB", 64 },
	{ "HTTPS", 65 },
	{ "SPF", 99 },
	{ "UINFO", 100 },
	{ "UID", 101 },
	{ "GID", 102 },
	{ "UNSPEC", 103 },
	{ "NID", 104 },
	{ "L32", 105 },
	{ "L64", 106 },
	{ "LP", 107 },
	{ "EUI48", 108 },
	{ "EUI64", 109 },
	{ "URI", 256 },
	{ "CAA", 257 },
	{ "AVC", 258 },
	{ "TKEY", 249 },
	{ "TSIG", 250 },
	{ "IXFR", 251 },
	{ "AXFR", 252 },
	{ "MAILB", 253 },
	{ "MAILA", 254 },
	{ "ANY", 255 },
	{ "TA", 32768 },
	{ "DLV", 32769 },
	{ "Reserved", 65535 },
	/* bpf commands */
	{ "BPF_MAP_CREATE", 0 },
	{ "BPF_MAP_LOOKUP_ELEM", 1 },
	{ "BPF_MAP_UPDATE_ELEM", 2 },
	{ "BPF_MAP_DELETE_ELEM", 3 },
	{ "BPF_MAP_GET_NEXT_KEY", 4 },
	{ "BPF_PROG_LOAD", 5 },
	{ "BPF_OBJ_PIN", 6 },
	{ "BPF_OBJ_GET", 7 },
	{ "BPF_PROG_ATTACH", 8 },
	{ "BPF_PROG_DETACH", 9 },
	{ "BPF_PROG_TEST_RUN", 10 },
	{ "BPF_PROG_RUN", 10 },
	{ "BPF_PROG_GET_NEXT_ID", 11 },
	{ "BPF_MAP_GET_NEXT_ID", 12 },
	{ "BPF_PROG_GET_FD_BY_ID", 13 },
	{ "BPF_MAP_GET_FD_BY_ID", 14 },
	{ "BPF_OBJ_GET_INFO_BY_FD", 15 },
	{ "BPF_PROG_QUERY", 16 },
	{ "BPF_RAW_TRACEPOINT_OPEN", 17 },
	{ "BPF_BTF_LOAD", 18 },
	{ "BPF_BTF_GET_FD_BY_ID", 19 },
	{ "BPF_TASK_FD_QUERY", 20 },
	{ "BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21 },
	{ "BPF_MAP_FREEZE", 22 },
	{ "BPF_BTF_GET_NEXT_ID", 23 },
	{ "BPF_MAP_LOOKUP_BATCH", 24 },
	{ "BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25 },
	{ "BPF_MAP_UPDATE_BATCH", 26 },
	{ "BPF_MAP_DELETE_BATCH", 27 },
	{ "BPF_LINK_CREATE", 28 },
	{ "BPF_LINK_UPDATE", 29 },
	{ "BPF_LINK_GET_FD_BY_ID", 30 },
	{ "BPF_LINK_GET_NEXT_ID", 31 },
	{ "BPF_ENABLE_STATS", 32 },
	{ "BPF_ITER_CREATE", 33 },
	{ "BPF_LINK_DETACH", 34 },
	{ "BPF_PROG_BIND_MAP", 35 },
	/* bpf helper functions (BPF_FUNC_x as BPF_X) */
	{ "BPF_UNSPEC", 0 },
	{ "BPF_MAP_LOOKUP_ELEM", 1 },
	{ "BPF_MAP_UPDATE_ELEM", 2 },
	{ "BPF_MAP_DELETE_ELEM", 3 },
	{ "BPF_PROBE_READ", 4 },
	{ "BPF_KTIME_GET_NS", 5 },
	{ "BPF_TRACE_PRINTK", 6 },
	{ "BPF_GET_PRANDOM_U32", 7 },
	{ "BPF_GET_SMP_PROCESSOR_ID", 8 },
	{ "BPF_SKB_STORE_BYTES", 9 },
	{ "BPF_L3_CSUM_REPLACE", 10 },
	{ "BPF_L4_CSUM_REPLACE", 11 },
	{ "BPF_TAIL_CALL", 12 },
	{ "BPF_CLONE_REDIRECT", 13 },
	{ "BPF_GET_CURRENT_PID_TGID", 14 },
	{ "BPF_GET_CURRENT_UID_GID", 15 },
	{ "BPF_GET_CURRENT_COMM", 16 },
	{ "BPF_GET_CGROUP_CLASSID", 17 },
	{ "BPF_SKB_VLAN_PUSH", 18 },
	{ "BPF_SKB_VLAN_POP", 19 },
	{ "BPF_SKB_GET_TUNNEL_KEY", 20 },
	{ "BPF_SKB_SET_TUNNEL_KEY", 21 },
	{ "BPF_PERF_EVENT_READ", 22 },
	{ "BPF_REDIRECT", 23 },
	{ "BPF_GET_ROUTE_REALM", 24 },
	{ "BPF_PERF_EVENT_OUTPUT", 25 },
	{ "BPF_SKB_LOAD_BYTES", 26 },
	{ "BPF_GET_STACKID", 27 },
	{ "BPF_CSUM_DIFF", 28 },
	{ "BPF_SKB_GET_TUNNEL_OPT", 29 },
	{ "BPF_SKB_SET_TUNNEL_OPT", 30 },
	{ "BPF_SKB_CHANGE_PROTO", 31 },
	{ "BPF_SKB_CHANGE_TYPE", 32 },
	{ "BPF_SKB_UNDER_CGROUP", 33 },
	{ "BPF_GET_HASH_RECALC", 34 },
	{ "BPF_GET_CURRENT_TASK", 35 },
	{ "BPF_PROBE_WRITE_USER", 36 },
	{ "BPF_CURRENT_TASK_UNDER_CGROUP", 37 },
	{ "BPF_SKB_CHANGE_TAIL", 38 },
	{ "BPF_SKB_PULL_DATA", 39 },
	{ "BPF_CSUM_UPDATE", 40 },
	{ "BPF_SET_HASH_INVALID", 41 },
	{ "BPF_GET_NUMA_NODE_ID", 42 },
	{ "BPF_SKB_CHANGE_HEAD", 43 },
	{ "BPF_XDP_ADJUST_HEAD", 44 },
	{ "BPF_PROBE_READ_STR", 45 },
	{ "BPF_GET_SOCKET_COOKIE", 46 },
	{ "BPF_GET_SOCKET_UID", 47 },
	{ "BPF_SET_HASH", 48 },
	{ "BPF_SETSOCKOPT", 49 },
	{ "BPF_SKB_ADJUST_ROOM", 50 },
	{ "BPF_REDIRECT_MAP", 51 },
	{ "BPF_SK_REDIRECT_MAP", 52 },
	{ "BPF_SOCK_MAP_UPDATE", 53 },
	{ "BPF_XDP_ADJUST_META", 54 },
	{ "BPF_PERF_EVENT_READ_VALUE", 55 },
	{ "BPF_PERF_PROG_READ_VALUE", 56 },
	{ "BPF_GETSOCKOPT", 57 },
	{ "BPF_OVERRIDE_RETURN", 58 },
	{ "BPF_SOCK_OPS_CB_FLAGS_SET", 59 },
	{ "BPF_MSG_REDIRECT_MAP", 60 },
	{ "BPF_MSG_APPLY_BYTES", 61 },
	{ "BPF_MSG_CORK_BYTES", 62 },
	{ "BPF_MSG_PULL_DATA", 63 },
	{ "BPF_BIND", 64 },
	{ "BPF_XDP_ADJUST_TAIL", 65 },
	{ "BPF_SKB_GET_XFRM_STATE", 66 },
	{ "BPF_GET_STACK", 67 },
	{ "BPF_SKB_LOAD_BYTES_RELATIVE", 68 },
	{ "BPF_FIB_LOOKUP", 69 },
	{ "BPF_SOCK_HASH_UPDATE", 70 },
	{ "BPF_MSG_REDIRECT_HASH", 71 },
	{ "BPF_SK_REDIRECT_HASH", 72 },
	{ "BPF_LWT_PUSH_ENCAP", 73 },
	{ "BPF_LWT_SEG6_STORE_BYTES", 74 },
	{ "BPF_LWT_SEG6_ADJUST_SRH", 75 },
	{ "BPF_LWT_SEG6_ACTION", 76 },
	{ "BPF_RC_REPEAT", 77 },
	{ "BPF_RC_KEYDOWN", 78 },
	{ "BPF_SKB_CGROUP_ID", 79 },
	{ "BPF_GET_CURRENT_CGROUP_ID", 80 },
	{ "BPF_GET_LOCAL_STORAGE", 81 },
	{ "BPF_SK_SELECT_REUSEPORT", 82 },
	{ "BPF_SKB_ANCESTOR_CGROUP_ID", 83 },
	{ "BPF_SK_LOOKUP_TCP", 84 },
	{ "BPF_SK_LOOKUP_UDP", 85 },
	{ "BPF_SK_RELEASE", 86 },
	{ "BPF_MAP_PUSH_ELEM", 87 },
	{ "BPF_MAP_POP_ELEM", 88 },
	{ "BPF_MAP_PEEK_ELEM", 89 },
	{ "BPF_MSG_PUSH_DATA", 90 },
	{ "BPF_MSG_POP_DATA", 91 },
	{ "BPF_RC_POINTER_REL", 92 },
	{ "BPF_SPIN_LOCK", 93 },
	{ "BPF_SPIN_UNLOCK", 94 },
	{ "BPF_SK_FULLSOCK", 95 },
	{ "BPF_TCP_SOCK", 96 },
	{ "BPF_SKB_ECN_SET_CE", 97 },
	{ "BPF_GET_LISTENER_SOCK", 98 },
	{ "BPF_SKC_LOOKUP_TCP", 99 },
	{ "BPF_TCP_CHECK_SYNCOOKIE", 100 },
	{ "BPF_SYSCTL_GET_NAME", 101 },
	{ "BPF_SYSCTL_GET_CURRENT_VALUE", 102 },
	{ "BPF_SYSCTL_GET_NEW_VALUE", 103 },
	{ "BPF_SYSCTL_SET_NEW_VALUE", 104 },
	{ "BPF_STRTOL", 105 },
	{ "BPF_STRTOUL", 106 },
	{ "BPF_SK_STORAGE_GET", 107 },
	{ "BPF_SK_STORAGE_DELETE", 108 },
	{ "BPF_SEND_SIGNAL", 109 },
	{ "BPF_TCP_GEN_SYNCOOKIE", 110 },
	{ "BPF_SKB_OUTPUT", 111 },
	{ "BPF_PROBE_READ_USER", 112 },
	{ "BPF_PROBE_READ_KERNEL", 113 },
	{ "BPF_PROBE_READ_USER_STR", 114 },
	{ "BPF_PROBE_READ_KERNEL_STR", 115 },
	{ "BPF_TCP_SEND_ACK", 116 },
	{ "BPF_SEND_SIGNAL_THREAD", 117 },
	{ "BPF_JIFFIES64", 118 },
	{ "BPF_READ_BRANCH_RECORDS", 119 },
	{ "BPF_GET_NS_CURRENT_PID_TGID", 120 },
	{ "BPF_XDP_OUTPUT", 121 },
	{ "BPF_GET_NETNS_COOKIE", 122 },
	{ "BPF_GET_CURRENT_ANCESTOR_CGROUP_ID", 123 },
	{ "BPF_SK_ASSIGN", 124 },
	{ "BPF_KTIME_GET_BOOT_NS", 125 },
	{ "BPF_SEQ_PRINTF", 126 },
	{ "BPF_SEQ_WRITE", 127 },
	{ "BPF_SK_CGROUP_ID", 128 },
	{ "BPF_SK_ANCESTOR_CGROUP_ID", 129 },
	{ "BPF_RINGBUF_OUTPUT", 130 },
	{ "BPF_RINGBUF_RESERVE", 131 },
	{ "BPF_RINGBUF_SUBMIT", 132 },
	{ "BPF_RINGBUF_DISCARD", 133 },
	{ "BPF_RINGBUF_QUERY", 134 },
	{ "BPF_CSUM_LEVEL", 135 },
	{ "BPF_SKC_TO_TCP6_SOCK", 136 },
	{ "BPF_SKC_TO_TCP_SOCK", 137 },
	{ "BPF_SKC_TO_TCP_TIMEWAIT_SOCK", 138 },
	{ "BPF_SKC_TO_TCP_REQUEST_SOCK", 139 },
	{ "BPF_SKC_TO_UDP6_SOCK", 140 },
	{ "BPF_GET_TASK_STACK", 141 },
	{ "BPF_LOAD_HDR_OPT", 142 },
	{ "BPF_STORE_HDR_OPT", 143 },
	{ "BPF_RESERVE_HDR_OPT", 144 },
	{ "BPF_INODE_STORAGE_GET", 145 },
	{ "BPF_INODE_STORAGE_DELETE", 146 },
	{ "BPF_D_PATH", 147 },
	{ "BPF_COPY_FROM_USER", 148 },
	{ "BPF_SNPRINTF_BTF", 149 },
	{ "BPF_SEQ_PRINTF_BTF", 150 },
	{ "BPF_SKB_CGROUP_CLASSID", 151 },
	{ "BPF_REDIRECT_NEIGH", 152 },
	{ "BPF_PER_CPU_PTR", 153 },
	{ "BPF_THIS_CPU_PTR", 154 },
	{ "BPF_REDIRECT_PEER", 155 },
	{ "BPF_TASK_STORAGE_GET", 156 },
	{ "BPF_TASK_STORAGE_DELETE", 157 },
	{ "BPF_GET_CURRENT_TASK_BTF", 158 },
	{ "BPF_BPRM_OPTS_SET", 159 },
	{ "BPF_KTIME_GET_COARSE_NS", 160 },
	{ "BPF_IMA_INODE_HASH", 161 },
	{ "BPF_SOCK_FROM_FILE", 162 },
	{ "BPF_CHECK_MTU", 163 },
	{ "BPF_FOR_EACH_MAP_ELEM", 164 },
	{ "BPF_SNPRINTF", 165 },
	{ "BPF_SYS_BPF", 166 },
	{ "BPF_BTF_FIND_BY_NAME_KIND", 167 },
	{ "BPF_SYS_CLOSE", 168 },
	{ "BPF_TIMER_INIT", 169 },
	{ "BPF_TIMER_SET_CALLBACK", 170 },
	{ "BPF_TIMER_START", 171 },
	{ "BPF_TIMER_CANCEL", 172 },
	{ "BPF_GET_FUNC_IP", 173 },
	{ "BPF_GET_ATTACH_COOKIE", 174 },
	{ "BPF_TASK_PT_REGS", 175 },
	{ "BPF_GET_BRANCH_SNAPSHOT", 176 },
	{ "BPF_TRACE_VPRINTK", 177 },
	{ "BPF_SKC_TO_UNIX_SOCK", 178 },
	{ "BPF_KALLSYMS_LOOKUP_NAME", 179 },
	{ "BPF_FIND_VMA", 180 },
	{ "BPF_LOOP", 181 },
	{ "BPF_STRNCMP", 182 },
	{ "BPF_GET_FUNC_ARG", 183 },
	{ "BPF_GET_FUNC_RET", 184 },
	{ "BPF_GET_FUNC_ARG_CNT", 185 },
	{ "BPF_GET_RETVAL", 186 },
	{ "BPF_SET_RETVAL", 187 },
	{ "BPF_XDP_GET_BUFF_LEN", 188 },
	{ "BPF_XDP_LOAD_BYTES", 189 },
	{ "BPF_XDP_STORE_BYTES", 190 },
	{ "BPF_COPY_FROM_USER_TASK", 191 },
	{ "BPF_SKB_SET_TSTAMP", 192 },
	{ "BPF_IMA_FILE_HASH", 193 },
	{ "BPF_KPTR_XCHG", 194 },
	{ "BPF_MAP_LOOKUP_PERCPU_ELEM", 195 },
	{ "BPF_SKC_TO_MPTCP_SOCK", 196 },
	{ "BPF_DYNPTR_FROM_MEM", 197 },
	{ "BPF_RINGBUF_RESERVE_DYNPTR", 198 },
	{ "BPF_RINGBUF_SUBMIT_DYNPTR", 199 },
	{ "BPF_RINGBUF_DISCARD_DYNPTR", 200 },
	{ "BPF_DYNPTR_READ", 201 },
	{ "BPF_DYNPTR_WRITE", 202 },
	{ "BPF_DYNPTR_DATA", 203 },
	{ "BPF_TCP_RAW_GEN_SYNCOOKIE_IPV4", 204 },
	{ "BPF_TCP_RAW_GEN_SYNCOOKIE_IPV6", 205 },
	{ "BPF_TCP_RAW_CHECK_SYNCOOKIE_IPV4", 206 },
	{ "BPF_TCP_RAW_CHECK_SYNCOOKIE_IPV6", 207 },
	{ "BPF_KTIME_GET_TAI_NS", 208 },
	{ "BPF_USER_RINGBUF_DRAIN", 209 },
	/* bpf map types */
	{ "BPF_MAP_TYPE_UNSPEC", 0 },
	{ "BPF_MAP_TYPE_HASH", 1 },
	{ "BPF_MAP_TYPE_ARRAY", 2 },
	{ "BPF_MAP_TYPE_PROG_ARRAY", 3 },
	{ "BPF_MAP_TYPE_PERF_EVENT_ARRAY", 4 },
	{ "BPF_MAP_TYPE_PERCPU_HASH", 5 },
	{ "BPF_MAP_TYPE_PERCPU_ARRAY", 6 },
	{ "BPF_MAP_TYPE_STACK_TRACE", 7 },
	{ "BPF_MAP_TYPE_CGROUP_ARRAY", 8 },
	{ "BPF_MAP_TYPE_LRU_HASH", 9 },
	{ "BPF_MAP_TYPE_LRU_PERCPU_HASH", 10 },
	{ "BPF_MAP_TYPE_LPM_TRIE", 11 },
	{ "BPF_MAP_TYPE_ARRAY_OF_MAPS", 12 },
	{ "BPF_MAP_TYPE_HASH_OF_MAPS", 13 },
	{ "BPF_MAP_TYPE_DEVMAP", 14 },
	{ "BPF_MAP_TYPE_SOCKMAP", 15 },
	{ "BPF_MAP_TYPE_CPUMAP", 16 },
	{ "BPF_MAP_TYPE_XSKMAP", 17 },
	{ "BPF_MAP_TYPE_SOCKHASH", 18 },
	{ "BPF_MAP_TYPE_CGROUP_STORAGE", 19 },
	{ "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY", 20 },
	{ "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE", 21 },
	{ "BPF_MAP_TYPE_QUEUE", 22 },
	{ "BPF_MAP_TYPE_STACK", 23 },
	{ "BPF_MAP_TYPE_SK_STORAGE", 24 },
	{ "BPF_MAP_TYPE_DEVMAP_HASH", 25 },
	{ "BPF_MAP_TYPE_STRUCT_OPS", 26 },
	{ "BPF_MAP_TYPE_RINGBUF", 27 },
	{ "BPF_MAP_TYPE_INODE_STORAGE", 28 },
	{ "BPF_MAP_TYPE_TASK_STORAGE", 29 },
	{ "BPF_MAP_TYPE_BLOOM_FILTER", 30 },
	{ "BPF_MAP_TYPE_USER_RINGBUF", 31 },
	/* bpf program types */
	{ "BPF_PROG_TYPE_UNSPEC", 0 },
	{ "BPF_PROG_TYPE_SOCKET_FILTER", 1 },
	{ "BPF_PROG_TYPE_KPROBE", 2 },
	{ "BPF_PROG_TYPE_SCHED_CLS", 3 },
	{ "BPF_PROG_TYPE_SCHED_ACT", 4 },
	{ "BPF_PROG_TYPE_TRACEPOINT", 5 },
	{ "BPF_PROG_TYPE_XDP", 6 },
	{ "BPF_PROG_TYPE_PERF_EVENT", 7 },
	{ "BPF_PROG_TYPE_CGROUP_SKB", 8 },
	{ "BPF_PROG_TYPE_CGROUP_SOCK", 9 },
	{ "BPF_PROG_TYPE_LWT_IN", 10 },
	{ "BPF_PROG_TYPE_LWT_OUT", 11 },
	{ "BPF_PROG_TYPE_LWT_XMIT", 12 },
	{ "BPF_PROG_TYPE_SOCK_OPS", 13 },
	{ "BPF_PROG_TYPE_SK_SKB", 14 },
	{ "BPF_PROG_TYPE_CGROUP_DEVICE", 15 },
	{ "BPF_PROG_TYPE_SK_MSG", 16 },
	{ "BPF_PROG_TYPE_RAW_TRACEPOINT", 17 },
	{ "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", 18 },
	{ "BPF_PROG_TYPE_LWT_SEG6LOCAL", 19 },
	{ "BPF_PROG_TYPE_LIRC_MODE2", 20 },
	{ "BPF_PROG_TYPE_SK_REUSEPORT", 21 },
	{ "BPF_PROG_TYPE_FLOW_DISSECTOR", 22 },
	{ "BPF_PROG_TYPE_CGROUP_SYSCTL", 23 },
	{ "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE", 24 },
	{ "BPF_PROG_TYPE_CGROUP_SOCKOPT", 25 },
	{ "BPF_PROG_TYPE_TRACING", 26 },
	{ "BPF_PROG_TYPE_STRUCT_OPS", 27 },
	{ "BPF_PROG_TYPE_EXT", 28 },
	{ "BPF_PROG_TYPE_LSM", 29 },
	{ "BPF_PROG_TYPE_SK_LOOKUP", 30 },
	{ "BPF_PROG_TYPE_SYSCALL", 31 },
	/* bpf attach types */
	{ "BPF_CGROUP_INET_INGRESS", 0 },
	{ "BPF_CGROUP_INET_EGRESS", 1 },
	{ "BPF_CGROUP_INET_SOCK_CREATE", 2 },
	{ "BPF_CGROUP_SOCK_OPS", 3 },
	{ "BPF_SK_SKB_STREAM_PARSER", 4 },
	{ "BPF_SK_SKB_STREAM_VERDICT", 5 },
	{ "BPF_CGROUP_DEVICE", 6 },
	{ "BPF_SK_MSG_VERDICT", 7 },
	{ "BPF_CGROUP_INET4_BIND", 8 },
	{ "BPF_CGROUP_INET6_BIND", 9 },
	{ "BPF_CGROUP_INET4_CONNECT", 10 },
	{ "BPF_CGROUP_INET6_CONNECT", 11 },
	{ "BPF_CGROUP_INET4_POST_BIND", 12 },
	{ "BPF_CGROUP_INET6_POST_BIND", 13 },
	{ "BPF_CGROUP_UDP4_SENDMSG", 14 },
	{ "BPF_CGROUP_UDP6_SENDMSG", 15 },
	{ "BPF_LIRC_MODE2", 16 },
	{ "BPF_FLOW_DISSECTOR", 17 },
	{ "BPF_CGROUP_SYSCTL", 18 },
	{ "BPF_CGROUP_UDP4_RECVMSG", 19 },
	{ "BPF_CGROUP_UDP6_RECVMSG", 20 },
	{ "BPF_CGROUP_GETSOCKOPT", 21 },
	{ "BPF_CGROUP_SETSOCKOPT", 22 },
	{ "BPF_TRACE_RAW_TP", 23 },
	{ "BPF_TRACE_FENTRY", 24 },
	{ "BPF_TRACE_FEXIT", 25 },
	{ "BPF_MODIFY_RETURN", 26 },
	{ "BPF_LSM_MAC", 27 },
	{ "BPF_TRACE_ITER", 28 },
	{ "BPF_CGROUP_INET4_GETPEERNAME", 29 },
	{ "BPF_CGROUP_INET6_GETPEERNAME", 30 },
	{ "BPF_CGROUP_INET4_GETSOCKNAME", 31 },
	{ "BPF_CGROUP_INET6_GETSOCKNAME", 32 },
	{ "BPF_XDP_DEVMAP", 33 },
	{ "BPF_CGROUP_INET_SOCK_RELEASE", 34 },
	{ "BPF_XDP_CPUMAP", 35 },
	{ "BPF_SK_LOOKUP", 36 },
	{ "BPF_XDP", 37 },
	{ "BPF_SK_SKB_VERDICT", 38 },
	{ "BPF_SK_REUSEPORT_SELECT", 39 },
	{ "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE", 40 },
	{ "BPF_PERF_EVENT", 41 },
	{ "BPF_TRACE_KPROBE_MULTI", 42 },
	{ "BPF_LSM_CGROUP", 43 },
	/* L3 protocols */
	{ "ETH_P_LOOP", 0x0060 },
	{ "ETH_P_PUP", 0x0200 },
	{ "ETH_P_PUPAT", 0x0201 },
	{ "ETH_P_TSN", 0x22F0 },
	{ "ETH_P_ERSPAN2", 0x22EB },
	{ "ETH_P_IP", 0x0800 },
	{ "ETH_P_X25", 0x0805 },
	{ "ETH_P_ARP", 0x0806 },
	{ "ETH_P_BPQ", 0x08FF },
	{ "ETH_P_IEEEPUP", 0x0a00 },
	{ "ETH_P_IEEEPUPAT", 0x0a01 },
	{ "ETH_P_BATMAN", 0x4305 },
	{ "ETH_P_DEC", 0x6000 },
	{ "ETH_P_DNA_DL", 0x6001 },
	{ "ETH_P_DNA_RC", 0x6002 },
	{ "ETH_P_DNA_RT", 0x6003 },
	{ "ETH_P_LAT", 0x6004 },
	{ "ETH_P_DIAG", 0x6005 },
	{ "ETH_P_CUST", 0x6006 },
	{ "ETH_P_SCA", 0x6007 },
	{ "ETH_P_TEB", 0x6558 },
	{ "ETH_P_RARP", 0x8035 },
	{ "ETH_P_ATALK", 0x809B },
	{ "ETH_P_AARP", 0x80F3 },
	{ "ETH_P_8021Q", 0x8100 },
	{ "ETH_P_ERSPAN", 0x88BE },
	{ "ETH_P_IPX", 0x8137 },
	{ "ETH_P_IPV6", 0x86DD },
	{ "ETH_P_PAUSE", 0x8808 },
	{ "ETH_P_SLOW", 0x8809 },
	{ "ETH_P_WCCP", 0x883E },
	{ "ETH_P_MPLS_UC", 0x8847 },
	{ "ETH_P_MPLS_MC", 0x8848 },
	{ "ETH_P_ATMMPOA", 0x884c },
	{ "ETH_P_PPP_DISC", 0x8863 },
	{ "ETH_P_PPP_SES", 0x8864 },
	{ "ETH_P_LINK_CTL", 0x886c },
	{ "ETH_P_ATMFATE", 0x8884 },
	{ "ETH_P_PAE", 0x888E },
	{ "ETH_P_PROFINET", 0x8892 },
	{ "ETH_P_REALTEK", 0x8899 },
	{ "ETH_P_AOE", 0x88A2 },
	{ "ETH_P_ETHERCAT", 0x88A4 },
	{ "ETH_P_8021AD", 0x88A8 },
	{ "ETH_P_802_EX1", 0x88B5 },
	{ "ETH_P_PREAUTH", 0x88C7 },
	{ "ETH_P_TIPC", 0x88CA },
	{ "ETH_P_LLDP", 0x88CC },
	{ "ETH_P_MRP", 0x88E3 },
	{ "ETH_P_MACSEC", 0x88E5 },
	{ "ETH_P_8021AH", 0x88E7 },
	{ "ETH_P_MVRP", 0x88F5 },
	{ "ETH_P_1588", 0x88F7 },
	{ "ETH_P_NCSI", 0x88F8 },
	{ "ETH_P_PRP", 0x88FB },
	{ "ETH_P_CFM", 0x8902 },
	{ "ETH_P_FCOE", 0x8906 },
	{ "ETH_P_IBOE", 0x8915 },
	{ "ETH_P_TDLS", 0x890D },
	{ "ETH_P_FIP", 0x8914 },
	{ "ETH_P_80221", 0x8917 },
	{ "ETH_P_HSR", 0x892F },
	{ "ETH_P_NSH", 0x894F },
	{ "ETH_P_LOOPBACK", 0x9000 },
	{ "ETH_P_QINQ1", 0x9100 },
	{ "ETH_P_QINQ2", 0x9200 },
	{ "ETH_P_QINQ3", 0x9300 },
	{ "ETH_P_EDSA", 0xDADA },
	{ "ETH_P_DSA_8021Q", 0xDADB },
	{ "ETH_P_DSA_A5PSW", 0xE001 },
	{ "ETH_P_IFE", 0xED3E },
	{ "ETH_P_AF_IUCV", 0xFBFB },
	{ "ETH_P_802_3_MIN", 0x0600 },
	{ "ETH_P_802_3", 0x0001 },
	{ "ETH_P_AX25", 0x0002 },
	{ "ETH_P_ALL", 0x0003 },
	{ "ETH_P_802_2", 0x0004 },
	{ "ETH_P_SNAP", 0x0005 },
	{ "ETH_P_DDCMP", 0x0006 },
	{ "ETH_P_WAN_PPP", 0x0007 },
	{ "ETH_P_PPP_MP", 0x0008 },
	{ "ETH_P_LOCALTALK", 0x0009 },
	{ "ETH_P_CAN", 0x000C },
	{ "ETH_P_CANFD", 0x000D },
	{ "ETH_P_CANXL", 0x000E },
	{ "ETH_P_PPPTALK", 0x0010 },
	{ "ETH_P_TR_802_2", 0x0011 },
	{ "ETH_P_MOBITEX", 0x0015 },
	{ "ETH_P_CONTROL", 0x0016 },
	{ "ETH_P_IRDA", 0x0017 },
	{ "ETH_P_ECONET", 0x0018 },
	{ "ETH_P_HDLC", 0x0019 },
	{ "ETH_P_ARCNET", 0x001A },
	{ "ETH_P_DSA", 0x001B },
	{ "ETH_P_TRAILER", 0x001C },
	{ "ETH_P_PHONET", 0x00F5 },
	{ "ETH_P_IEEE802154", 0x00F6 },
	{ "ETH_P_CAIF", 0x00F7 },
	{ "ETH_P_XDSA", 0x00F8 },
	{ "ETH_P_MAP", 0x00F9 },
	{ "ETH_P_MCTP", 0x00FA },
	/* setsockopt levels (setsockopt.level) and the options of SOL_SOCKET */
	C(SOL_SOCKET),
	{ "IPPROTO_IP", 0 },
	{ "IPPROTO_TCP", 6 },
	{ "IPPROTO_UDP", 17 },
	{ "IPPROTO_IPV6", 41 },
	{ "IPPROTO_ICMPV6", 58 },
	C(SO_DEBUG),
	C(SO_REUSEADDR),
	C(SO_TYPE),
	C(SO_ERROR),
	C(SO_DONTROUTE),
	C(SO_BROADCAST),
	C(SO_SNDBUF),
	C(SO_RCVBUF),
	C(SO_KEEPALIVE),
	C(SO_OOBINLINE),
	C(SO_PRIORITY),
	C(SO_LINGER),
	C(SO_REUSEPORT),
	C(SO_RCVLOWAT),
	C(SO_SNDLOWAT),
	C(SO_BINDTODEVICE),
	C(SO_ATTACH_FILTER),
	C(SO_DETACH_FILTER),
	C(SO_LOCK_FILTER),
	C(SO_MARK),
	C(SO_ATTACH_BPF),
	C(SO_ATTACH_REUSEPORT_CBPF),
	C(SO_ATTACH_REUSEPORT_EBPF),
	/* socket types (setsockopt.socket_type) */
	C(SOCK_STREAM),
	C(SOCK_DGRAM),
	C(SOCK_RAW),
	C(SOCK_RDM),
	C(SOCK_SEQPACKET),
	C(SOCK_DCCP),
	C(SOCK_PACKET),
	/* prctl options (prctl.option) */
	C(PR_SET_PDEATHSIG),
	C(PR_GET_PDEATHSIG),
	C(PR_GET_DUMPABLE),
	C(PR_SET_DUMPABLE),
	C(PR_GET_KEEPCAPS),
	C(PR_SET_KEEPCAPS),
	C(PR_SET_NAME),
	C(PR_GET_NAME),
	C(PR_GET_SECCOMP),
	C(PR_SET_SECCOMP),
	C(PR_CAPBSET_READ),
	C(PR_CAPBSET_DROP),
	C(PR_SET_MM),
	C(PR_SET_PTRACER),
	C(PR_SET_CHILD_SUBREAPER),
	C(PR_GET_CHILD_SUBREAPER),
	C(PR_SET_NO_NEW_PRIVS),
	C(PR_GET_NO_NEW_PRIVS),
	C(PR_CAP_AMBIENT),
	/* network_direction (Datadog's NetworkDirection) */
	{ "INGRESS", 1 },
	{ "EGRESS", 2 },
	/* io_uring.setup_flags (linux/io_uring.h; cws's, not Datadog's) */
	{ "IORING_SETUP_IOPOLL", 1 << 0 },
	{ "IORING_SETUP_SQPOLL", 1 << 1 },
	{ "IORING_SETUP_SQ_AFF", 1 << 2 },
	{ "IORING_SETUP_CQSIZE", 1 << 3 },
	{ "IORING_SETUP_CLAMP", 1 << 4 },
	{ "IORING_SETUP_ATTACH_WQ", 1 << 5 },
	{ "IORING_SETUP_R_DISABLED", 1 << 6 },
	{ "IORING_SETUP_SUBMIT_ALL", 1 << 7 },
	{ "IORING_SETUP_COOP_TASKRUN", 1 << 8 },
	{ "IORING_SETUP_TASKRUN_FLAG", 1 << 9 },
	{ "IORING_SETUP_SQE128", 1 << 10 },
	{ "IORING_SETUP_CQE32", 1 << 11 },
	{ "IORING_SETUP_SINGLE_ISSUER", 1 << 12 },
	{ "IORING_SETUP_DEFER_TASKRUN", 1 << 13 },
	{ "IORING_SETUP_NO_MMAP", 1 << 14 },
	{ "IORING_SETUP_REGISTERED_FD_ONLY", 1 << 15 },
	{ "IORING_SETUP_NO_SQARRAY", 1 << 16 },
	{ "IORING_SETUP_HYBRID_IOPOLL", 1 << 17 },
	/* io_uring.flags: a request's IOSQE_* */
	{ "IOSQE_FIXED_FILE", 1 << 0 },
	{ "IOSQE_IO_DRAIN", 1 << 1 },
	{ "IOSQE_IO_LINK", 1 << 2 },
	{ "IOSQE_IO_HARDLINK", 1 << 3 },
	{ "IOSQE_ASYNC", 1 << 4 },
	{ "IOSQE_BUFFER_SELECT", 1 << 5 },
	{ "IOSQE_CQE_SKIP_SUCCESS", 1 << 6 },
};

int secl_const_lookup(const char *name, size_t n, int64_t *v)
{
	size_t i;

	/*
	 * A linear scan: it only runs while compiling, once per identifier,
	 * and the table is a few hundred entries.
	 */
	for (i = 0; i < CWS_ARRAY_SIZE(consts); i++) {
		const char *c = consts[i].name;

		if (c[0] == name[0] && !strncmp(c, name, n) && !c[n]) {
			*v = consts[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

int cws_secl_constant(const char *name, int64_t *value)
{
	if (!name || !*name)
		return -ENOENT;
	return secl_const_lookup(name, strlen(name), value);
}

const char *secl_const_at(size_t i, int64_t *v)
{
	if (i >= CWS_ARRAY_SIZE(consts))
		return NULL;
	*v = consts[i].value;
	return consts[i].name;
}
