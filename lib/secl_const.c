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
 * the build, here; stable kernel ABI numbers the C library does not name
 * (bpf enums and helper ids, ETH_P_*, IP protocols, DNS types) are
 * written out in secl_const_abi.c. The lookup reads this table, then
 * that one; the unit test checks that no name has two values.
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

static const struct secl_const consts[] = {
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

/* Entry i of both tables, this one first; NULL past their end. */
static const struct secl_const *entry(size_t i)
{
	if (i < CWS_ARRAY_SIZE(consts))
		return &consts[i];
	i -= CWS_ARRAY_SIZE(consts);
	return i < secl_const_abi_n ? &secl_const_abi[i] : NULL;
}

int secl_const_lookup(const char *name, size_t n, int64_t *v)
{
	const struct secl_const *e;
	size_t i;

	/*
	 * A linear scan: it only runs while compiling, once per identifier,
	 * and the tables are a few hundred entries.
	 */
	for (i = 0; (e = entry(i)); i++) {
		if (e->name[0] == name[0] && !strncmp(e->name, name, n) &&
		    !e->name[n]) {
			*v = e->value;
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
	const struct secl_const *e = entry(i);

	if (!e)
		return NULL;
	*v = e->value;
	return e->name;
}
