/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Names for the numbers of an event, as Datadog's serializers write
 * them: open flags and capabilities as arrays of names, protections and
 * mmap flags as "A|B" strings, signals, ptrace requests and bpf commands
 * by name. The tables are Linux's values (x86_64 and arm64 agree on all
 * of them).
 */
#include "compat.h"
#include "ship.h"

#include <stdio.h>
#include <string.h>

struct bit {
	uint64_t v;
	const char *name;
};

static const struct bit open_flags[] = {
	{ 01, "O_WRONLY" },	      { 02, "O_RDWR" },
	{ 0100, "O_CREAT" },	      { 0200, "O_EXCL" },
	{ 0400, "O_NOCTTY" },	      { 01000, "O_TRUNC" },
	{ 02000, "O_APPEND" },	      { 04000, "O_NONBLOCK" },
	{ 010000, "O_DSYNC" },	      { 020000, "O_ASYNC" },
	{ 040000, "O_DIRECT" },	      { 0100000, "O_LARGEFILE" },
	{ 0200000, "O_DIRECTORY" },   { 0400000, "O_NOFOLLOW" },
	{ 01000000, "O_NOATIME" },    { 02000000, "O_CLOEXEC" },
	{ 04000000, "__O_SYNC" },     { 010000000, "O_PATH" },
	{ 020000000, "__O_TMPFILE" },
};

static const char *const caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const struct bit prot[] = {
	{ 0x1, "PROT_READ" },	       { 0x2, "PROT_WRITE" },
	{ 0x4, "PROT_EXEC" },	       { 0x1000000, "PROT_GROWSDOWN" },
	{ 0x2000000, "PROT_GROWSUP" },
};

static const struct bit mmap_flags[] = {
	{ 0x01, "MAP_SHARED" },
	{ 0x02, "MAP_PRIVATE" },
	{ 0x10, "MAP_FIXED" },
	{ 0x20, "MAP_ANONYMOUS" },
	{ 0x100, "MAP_GROWSDOWN" },
	{ 0x800, "MAP_DENYWRITE" },
	{ 0x1000, "MAP_EXECUTABLE" },
	{ 0x2000, "MAP_LOCKED" },
	{ 0x4000, "MAP_NORESERVE" },
	{ 0x8000, "MAP_POPULATE" },
	{ 0x10000, "MAP_NONBLOCK" },
	{ 0x20000, "MAP_STACK" },
	{ 0x40000, "MAP_HUGETLB" },
	{ 0x80000, "MAP_SYNC" },
	{ 0x100000, "MAP_FIXED_NOREPLACE" },
};

static const char *const signals[] = {
	NULL,	   "SIGHUP",  "SIGINT",	   "SIGQUIT", "SIGILL",	   "SIGTRAP",
	"SIGABRT", "SIGBUS",  "SIGFPE",	   "SIGKILL", "SIGUSR1",   "SIGSEGV",
	"SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM", "SIGSTKFLT", "SIGCHLD",
	"SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",
	"SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",  "SIGIO",
	"SIGPWR",  "SIGSYS",
};

static const struct {
	int64_t v;
	const char *name;
} ptrace_reqs[] = {
	{ 0, "PTRACE_TRACEME" },
	{ 1, "PTRACE_PEEKTEXT" },
	{ 2, "PTRACE_PEEKDATA" },
	{ 3, "PTRACE_PEEKUSR" },
	{ 4, "PTRACE_POKETEXT" },
	{ 5, "PTRACE_POKEDATA" },
	{ 6, "PTRACE_POKEUSR" },
	{ 7, "PTRACE_CONT" },
	{ 8, "PTRACE_KILL" },
	{ 9, "PTRACE_SINGLESTEP" },
	{ 12, "PTRACE_GETREGS" },
	{ 13, "PTRACE_SETREGS" },
	{ 16, "PTRACE_ATTACH" },
	{ 17, "PTRACE_DETACH" },
	{ 24, "PTRACE_SYSCALL" },
	{ 0x4200, "PTRACE_SETOPTIONS" },
	{ 0x4201, "PTRACE_GETEVENTMSG" },
	{ 0x4202, "PTRACE_GETSIGINFO" },
	{ 0x4203, "PTRACE_SETSIGINFO" },
	{ 0x4204, "PTRACE_GETREGSET" },
	{ 0x4205, "PTRACE_SETREGSET" },
	{ 0x4206, "PTRACE_SEIZE" },
	{ 0x4207, "PTRACE_INTERRUPT" },
	{ 0x4208, "PTRACE_LISTEN" },
};

static const char *const bpf_cmds[] = {
	"BPF_MAP_CREATE",	 "BPF_MAP_LOOKUP_ELEM",
	"BPF_MAP_UPDATE_ELEM",	 "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY",	 "BPF_PROG_LOAD",
	"BPF_OBJ_PIN",		 "BPF_OBJ_GET",
	"BPF_PROG_ATTACH",	 "BPF_PROG_DETACH",
	"BPF_PROG_TEST_RUN",	 "BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID",	 "BPF_PROG_GET_FD_BY_ID",
	"BPF_MAP_GET_FD_BY_ID",	 "BPF_OBJ_GET_INFO_BY_FD",
	"BPF_PROG_QUERY",	 "BPF_RAW_TRACEPOINT_OPEN",
	"BPF_BTF_LOAD",		 "BPF_BTF_GET_FD_BY_ID",
	"BPF_TASK_FD_QUERY",	 "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE",	 "BPF_BTF_GET_NEXT_ID",
	"BPF_MAP_LOOKUP_BATCH",	 "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
	"BPF_MAP_UPDATE_BATCH",	 "BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE",	 "BPF_LINK_UPDATE",
	"BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS",	 "BPF_ITER_CREATE",
	"BPF_LINK_DETACH",	 "BPF_PROG_BIND_MAP",
};

void names_open_flags(struct jbuf *b, uint64_t v)
{
	size_t i;

	jb_open(b, '[');
	/* The access mode is a number, not a bit: O_RDONLY is 0. */
	if (!(v & 03))
		jb_cstr(b, "O_RDONLY");
	for (i = 0; i < CWS_ARRAY_SIZE(open_flags); i++) {
		if (v & open_flags[i].v) {
			jb_sep(b);
			jb_cstr(b, open_flags[i].name);
		}
	}
	jb_close(b, ']');
}

/* io_uring's request (IOSQE_*) and ring (IORING_SETUP_*) flags. */
static const struct bit iosqe_flags[] = {
	{ 1 << 0, "IOSQE_FIXED_FILE" },
	{ 1 << 1, "IOSQE_IO_DRAIN" },
	{ 1 << 2, "IOSQE_IO_LINK" },
	{ 1 << 3, "IOSQE_IO_HARDLINK" },
	{ 1 << 4, "IOSQE_ASYNC" },
	{ 1 << 5, "IOSQE_BUFFER_SELECT" },
	{ 1 << 6, "IOSQE_CQE_SKIP_SUCCESS" },
};

static const struct bit ioring_setup_flags[] = {
	{ 1 << 0, "IORING_SETUP_IOPOLL" },
	{ 1 << 1, "IORING_SETUP_SQPOLL" },
	{ 1 << 2, "IORING_SETUP_SQ_AFF" },
	{ 1 << 3, "IORING_SETUP_CQSIZE" },
	{ 1 << 4, "IORING_SETUP_CLAMP" },
	{ 1 << 5, "IORING_SETUP_ATTACH_WQ" },
	{ 1 << 6, "IORING_SETUP_R_DISABLED" },
	{ 1 << 7, "IORING_SETUP_SUBMIT_ALL" },
	{ 1 << 8, "IORING_SETUP_COOP_TASKRUN" },
	{ 1 << 9, "IORING_SETUP_TASKRUN_FLAG" },
	{ 1 << 10, "IORING_SETUP_SQE128" },
	{ 1 << 11, "IORING_SETUP_CQE32" },
	{ 1 << 12, "IORING_SETUP_SINGLE_ISSUER" },
	{ 1 << 13, "IORING_SETUP_DEFER_TASKRUN" },
	{ 1 << 14, "IORING_SETUP_NO_MMAP" },
	{ 1 << 15, "IORING_SETUP_REGISTERED_FD_ONLY" },
	{ 1 << 16, "IORING_SETUP_NO_SQARRAY" },
	{ 1 << 17, "IORING_SETUP_HYBRID_IOPOLL" },
};

/* A JSON array of the names of the bits of v in t (unnamed bits left out). */
static void bits_array(struct jbuf *b, const struct bit *t, size_t n,
		       uint64_t v)
{
	size_t i;

	jb_open(b, '[');
	for (i = 0; i < n; i++) {
		if (v & t[i].v) {
			jb_sep(b);
			jb_cstr(b, t[i].name);
		}
	}
	jb_close(b, ']');
}

void names_iosqe_flags(struct jbuf *b, uint64_t v)
{
	bits_array(b, iosqe_flags, CWS_ARRAY_SIZE(iosqe_flags), v);
}

void names_ioring_setup_flags(struct jbuf *b, uint64_t v)
{
	bits_array(b, ioring_setup_flags, CWS_ARRAY_SIZE(ioring_setup_flags),
		   v);
}

void names_caps(struct jbuf *b, uint64_t v)
{
	size_t i;

	jb_open(b, '[');
	for (i = 0; i < CWS_ARRAY_SIZE(caps); i++) {
		if (v & (1ull << i)) {
			jb_sep(b);
			jb_cstr(b, caps[i]);
		}
	}
	jb_close(b, ']');
}

static void bits_string(struct jbuf *b, const struct bit *t, size_t n,
			uint64_t v, const char *zero)
{
	char tmp[512];
	size_t i, o = 0, k;

	tmp[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!(v & t[i].v))
			continue;
		k = strlen(t[i].name);
		if (o + k + 2 >= sizeof(tmp))
			break;
		if (o)
			tmp[o++] = '|';
		memcpy(tmp + o, t[i].name, k);
		o += k;
		tmp[o] = '\0';
	}
	jb_cstr(b, o ? tmp : zero);
}

void names_prot(struct jbuf *b, uint64_t v)
{
	bits_string(b, prot, CWS_ARRAY_SIZE(prot), v, "PROT_NONE");
}

void names_mmap_flags(struct jbuf *b, uint64_t v)
{
	bits_string(b, mmap_flags, CWS_ARRAY_SIZE(mmap_flags), v, "");
}

const char *names_signal(int64_t sig)
{
	if (sig > 0 && (uint64_t)sig < CWS_ARRAY_SIZE(signals))
		return signals[sig];
	return NULL;
}

const char *names_ptrace(int64_t req)
{
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(ptrace_reqs); i++)
		if (ptrace_reqs[i].v == req)
			return ptrace_reqs[i].name;
	return NULL;
}

const char *names_bpf_cmd(int64_t cmd)
{
	if (cmd >= 0 && (uint64_t)cmd < CWS_ARRAY_SIZE(bpf_cmds))
		return bpf_cmds[cmd];
	return NULL;
}

/* Datadog's model.GetEventTypeCategory: everything else is FIM. */
const char *names_category(const char *evt)
{
	static const char *const process[] = {
		"exec", "signal", "exit", "fork", "syscalls", "setrlimit"
	};
	static const char *const kernel[] = {
		"bpf",	   "selinux",	    "mmap",	"mprotect",
		"ptrace",  "unload_module", "accept",	"bind",
		"connect", "sysctl",	    "io_uring",
	};
	static const char *const network[] = { "imds", "packet", "dns",
					       "full_dns_response",
					       "network_flow_monitor" };
	size_t i;

	for (i = 0; i < CWS_ARRAY_SIZE(process); i++)
		if (!strcmp(evt, process[i]))
			return "Process Activity";
	for (i = 0; i < CWS_ARRAY_SIZE(kernel); i++)
		if (!strcmp(evt, kernel[i]))
			return "Kernel Activity";
	for (i = 0; i < CWS_ARRAY_SIZE(network); i++)
		if (!strcmp(evt, network[i]))
			return "Network Activity";
	return "File Activity";
}

/*
 * Datadog's bitmaskToString: the names of the bits set, then what no name
 * covers as a decimal number, sorted as strings and joined with " | ";
 * "" for 0.
 */
static void bits_sorted(struct jbuf *b, const struct bit *t, size_t n,
			uint64_t v)
{
	char tmp[512], rest[24];
	size_t i, o = 0, k;
	uint64_t named = 0;

	for (i = 0; i < n; i++)
		if (v & t[i].v)
			named |= t[i].v;
	tmp[0] = '\0';
	/* A number sorts before every name (digits before letters). */
	if (v & ~named) {
		snprintf(rest, sizeof(rest), "%llu",
			 (unsigned long long)(v & ~named));
		o = strlen(rest);
		memcpy(tmp, rest, o + 1);
	}
	for (i = 0; i < n; i++) {
		if (!(v & t[i].v))
			continue;
		k = strlen(t[i].name);
		if (o + k + 4 >= sizeof(tmp))
			break;
		if (o) {
			memcpy(tmp + o, " | ", 3);
			o += 3;
		}
		memcpy(tmp + o, t[i].name, k);
		o += k;
		tmp[o] = '\0';
	}
	jb_cstr(b, tmp);
}

/* Sorted by name, as bits_sorted needs them. */
static const struct bit pipe_buf_flags[] = {
	{ 0x02, "PIPE_BUF_FLAG_ATOMIC" }, { 0x10, "PIPE_BUF_FLAG_CAN_MERGE" },
	{ 0x04, "PIPE_BUF_FLAG_GIFT" },	  { 0x40, "PIPE_BUF_FLAG_LOSS" },
	{ 0x01, "PIPE_BUF_FLAG_LRU" },	  { 0x08, "PIPE_BUF_FLAG_PACKET" },
	{ 0x20, "PIPE_BUF_FLAG_WHOLE" },
};

void names_pipe_buf_flags(struct jbuf *b, uint64_t v)
{
	bits_sorted(b, pipe_buf_flags, CWS_ARRAY_SIZE(pipe_buf_flags), v);
}

static const char *const bpf_map_types[] = {
	"BPF_MAP_TYPE_UNSPEC",
	"BPF_MAP_TYPE_HASH",
	"BPF_MAP_TYPE_ARRAY",
	"BPF_MAP_TYPE_PROG_ARRAY",
	"BPF_MAP_TYPE_PERF_EVENT_ARRAY",
	"BPF_MAP_TYPE_PERCPU_HASH",
	"BPF_MAP_TYPE_PERCPU_ARRAY",
	"BPF_MAP_TYPE_STACK_TRACE",
	"BPF_MAP_TYPE_CGROUP_ARRAY",
	"BPF_MAP_TYPE_LRU_HASH",
	"BPF_MAP_TYPE_LRU_PERCPU_HASH",
	"BPF_MAP_TYPE_LPM_TRIE",
	"BPF_MAP_TYPE_ARRAY_OF_MAPS",
	"BPF_MAP_TYPE_HASH_OF_MAPS",
	"BPF_MAP_TYPE_DEVMAP",
	"BPF_MAP_TYPE_SOCKMAP",
	"BPF_MAP_TYPE_CPUMAP",
	"BPF_MAP_TYPE_XSKMAP",
	"BPF_MAP_TYPE_SOCKHASH",
	"BPF_MAP_TYPE_CGROUP_STORAGE",
	"BPF_MAP_TYPE_REUSEPORT_SOCKARRAY",
	"BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE",
	"BPF_MAP_TYPE_QUEUE",
	"BPF_MAP_TYPE_STACK",
	"BPF_MAP_TYPE_SK_STORAGE",
	"BPF_MAP_TYPE_DEVMAP_HASH",
	"BPF_MAP_TYPE_STRUCT_OPS",
	"BPF_MAP_TYPE_RINGBUF",
	"BPF_MAP_TYPE_INODE_STORAGE",
	"BPF_MAP_TYPE_TASK_STORAGE",
	"BPF_MAP_TYPE_BLOOM_FILTER",
	"BPF_MAP_TYPE_USER_RINGBUF",
};

const char *names_bpf_map_type(uint32_t t)
{
	return t < CWS_ARRAY_SIZE(bpf_map_types) ? bpf_map_types[t] : NULL;
}
