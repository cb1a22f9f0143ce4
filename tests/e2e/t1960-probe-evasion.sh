#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: what an attacker tries first to open or
# run a watched file unseen (issue 16, "Evasion"), each technique against
# a rule on the file's path, as docs/SECURITY.md tabulates them: io_uring
# (OPENAT, OPENAT2, an SQPOLL ring, a request with no completion, a
# direct descriptor), a 32-bit syscall from a 64-bit process, a hard
# link, /proc/self/fd/N, execveat on a memfd and on an fd, and a path
# swapped under the kernel between a syscall's entry and its exit.
#
# One probe runs with the policy, kernel filters on as in production,
# while cws-trigger-evasion makes each attempt once (printing its pid);
# cws-filter then judges that one capture with the same policy, and each
# test looks for the match a user would see. The hard link test has a
# probe of its own, without a policy, to show the event no rule matched.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
command -v cws-trigger-evasion >/dev/null ||
	test_skip_all "cws-trigger-evasion is not built (make helpers)"

# The kernel resolves physical paths: no symlinks in what we compare with.
here=$(pwd -P)
export DD_RUN_PATH=$TRASH/run DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0

# io_uring: compiled in (its tracepoints), and not switched off by
# kernel.io_uring_disabled (1: root only, which the tests are; 2: nobody).
if [ -d /sys/kernel/tracing/events/io_uring ] ||
	[ -d /sys/kernel/debug/tracing/events/io_uring ]; then
	if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" != 2 ]; then
		test_set_prereq IO_URING
	else
		say "# io_uring: kernel.io_uring_disabled is 2, no process may set up a ring: its tests are skipped"
	fi
else
	say "# io_uring: this kernel has no io_uring tracepoints (CONFIG_IO_URING off, or no tracefs): its tests are skipped"
fi
# 32-bit syscalls: a kernel without IA32 emulation (or booted with
# ia32_emulation=0) kills int 0x80 with SIGSEGV.
if [ "$(uname -m)" = x86_64 ] &&
	cws-trigger-evasion compat-open /dev/null >/dev/null 2>&1; then
	test_set_prereq IA32
else
	say "# int 0x80: no 32-bit syscall entry on this machine (not x86_64, or no IA32 emulation): its test is skipped"
fi

field() { cut -d' ' -f"$2" "$1"; }

# Runs cws-trigger-evasion ARGS...; its "pid result" line goes to $1.out.
trig() {
	local name=$1
	shift
	cws-trigger-evasion "$@" >"$name.out"
}

# Succeeds when a match of rule $2 from the process of trigger $1 (its
# pid) satisfies the jq filter $3 (default true); shows that process's
# matches otherwise.
has_match() {
	local name=$1 rule=$2 filter=${3:-true} pid
	pid=$(field "$name.out" 1) || return 1
	jq -s -e --argjson pid "$pid" --arg rule "$rule" "
		any(.[]; .rule.id? == \$rule and .process.pid == \$pid and
			($filter))" match.json >/dev/null || {
		echo "no match of $rule from '$name' (pid $pid) with: $filter" >&2
		jq -c --argjson pid "$pid" 'select(.process.pid? == $pid) |
			{rule: .rule.id, evt, (.evt.name): .[.evt.name]}' \
			match.json >&2
		return 1
	}
}

echo secret >watched
mkfifo fifo && ln fifo fifo.w
echo innocent >decoy
cp /bin/true wtrue
mkdir -p pol
cat >pol/default.policy <<EOF
version: 1.0.0
rules:
  - id: evasion_open
    expression: open.file.path == "$here/watched"
  - id: evasion_uring
    expression: io_uring.file.path == "$here/watched"
  - id: evasion_sqpoll_ring
    expression: io_uring.opcode == "SETUP" && io_uring.setup_flags & IORING_SETUP_SQPOLL > 0
  - id: evasion_fifo
    expression: open.file.path == "$here/fifo"
  - id: evasion_exec
    expression: exec.file.path == "$here/wtrue"
  - id: evasion_memfd_exec
    expression: exec.file.name =~ "memfd*" && exec.file.path == ""
  - id: evasion_link
    expression: link.file.path == "$here/watched"
  - id: evasion_module
    expression: unload_module.name == "cws_evasion_nope"
EOF

test_expect_success BPF,JQ 'capture: one probe, kernel filters on, sees every attempt' '
	{ cws-probe -p pol -H 1 -b 64M >cap.mp 2>probe.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 30 "cws-cat cap.mp | grep -q \"^{\\\"type\\\":\\\"hello\\\"\"" &&

	if test_have_prereq IO_URING
	then
		trig uring_openat uring openat "$here/watched" &&
		trig uring_openat2 uring openat2 "$here/watched" &&
		trig uring_sqpoll uring openat "$here/watched" sqpoll &&
		trig uring_skip uring openat "$here/watched" skip &&
		trig uring_fixed uring openat2 "$here/watched" sqpoll fixed
	fi &&
	if test_have_prereq IA32
	then
		trig compat_open compat-open "$here/watched" &&
		trig compat_openat compat-openat "$here/watched" &&
		trig compat_module compat-delete-module cws_evasion_nope
	fi &&
	trig procfd procfd-open "$here/watched" &&
	trig exec_fd execveat-fd "$here/wtrue" &&
	trig exec_memfd execveat-memfd "$here/wtrue" &&
	trig toctou toctou "$here/fifo" "$here/decoy" "$here/fifo.w" &&
	sleep 1.5 &&
	kill $probe && wait $probe &&
	test_must_be_empty probe.err &&
	cws-filter -p pol <cap.mp >match.mp 2>filter.err &&
	cws-cat match.mp | jq -c "select(.rule)" >match.json &&
	test_must_be_empty filter.err
'

test_expect_success BPF,JQ,IO_URING 'io_uring OPENAT: an open event with the file the kernel opened' '
	has_match uring_openat evasion_open "
		.evt.name == \"open\" and .evt.retval == $(field uring_openat.out 2) and
		.open.file.name == \"watched\" and .open.file.inode > 0" &&
	has_match uring_openat evasion_uring "
		.io_uring.opcode == \"OPENAT\" and .io_uring.setup_flags == 0"
'

test_expect_success BPF,JQ,IO_URING 'io_uring OPENAT2: an open event too' '
	has_match uring_openat2 evasion_open "
		.evt.retval == $(field uring_openat2.out 2)" &&
	has_match uring_openat2 evasion_uring ".io_uring.opcode == \"OPENAT2\""
'

test_expect_success BPF,JQ,IO_URING 'io_uring SQPOLL: opened by the ring thread, reported as the owner' '
	has_match uring_sqpoll evasion_open "
		.process.tid != \$pid and
		.process.comm == \"cws-trigger-eva\"" &&
	has_match uring_sqpoll evasion_sqpoll_ring "
		.evt.retval >= 0 and .io_uring.file == null" &&
	has_match uring_sqpoll evasion_uring ".process.tid != \$pid"
'

test_expect_success BPF,JQ,IO_URING 'io_uring IOSQE_CQE_SKIP_SUCCESS: no completion, no open event; the io_uring event has it' '
	has_match uring_skip evasion_uring "
		.io_uring.opcode == \"OPENAT\" and .io_uring.flags == 64" &&
	! has_match uring_skip evasion_open 2>/dev/null
'

test_expect_success BPF,JQ,IO_URING 'io_uring direct descriptor: the open event has the file of the ring slot' '
	test "$(field uring_fixed.out 2)" = 0 &&
	has_match uring_fixed evasion_open "
		.evt.retval == 0 and .open.file.inode > 0"
'

test_expect_success BPF,JQ,IA32 'int 0x80 open, openat, delete_module: the same events as the 64-bit calls' '
	has_match compat_open evasion_open "
		.evt.retval == $(field compat_open.out 2) and
		.open.file.inode > 0" &&
	has_match compat_openat evasion_open "
		.evt.retval == $(field compat_openat.out 2)" &&
	has_match compat_module evasion_module "
		.evt.retval == $(field compat_module.out 2)"
'

test_expect_success BPF,JQ '/proc/self/fd/N: the open is of the file itself' '
	has_match procfd evasion_open "
		.open.flags == $(printf %d 0x80000) and
		.evt.retval == $(field procfd.out 2)"
'

test_expect_success BPF,JQ 'execveat(fd, "", AT_EMPTY_PATH) on a file: exec.file is the file' '
	has_match exec_fd evasion_exec "
		.evt.name == \"exec\" and .process.file.path == \"$here/wtrue\""
'

test_expect_success BPF,JQ 'execveat on a memfd: no path, the memfd name (Datadog'"'"'s memfd rule)' '
	has_match exec_memfd evasion_memfd_exec "
		.exec.file.name == \"memfd:cws-evasion\" and
		.exec.file.path == null and
		.exec.file.path_resolution_error != null" &&
	! has_match exec_memfd evasion_exec 2>/dev/null
'

test_expect_success BPF,JQ 'a path swapped between entry and exit: the file the kernel opened' '
	# At exit the buffer named the decoy; the event has the fifo.
	test "$(field toctou.out 3)" = "$here/decoy" &&
	has_match toctou evasion_fifo "
		.evt.retval == $(field toctou.out 2) and
		.process.tid == \$pid and .open.flags == $(printf %d 0x80000)" &&
	jq -s -e --argjson pid $(field toctou.out 1) "all(.[];
		.process.pid != \$pid or .open.file.path != \"$here/decoy\")" \
		match.json
'

test_expect_success BPF,JQ 'a hard link: the open shows the name used; the link and the inode give it away' '
	{ cws-probe -e open,link -H 0 -b 64M >link.mp 2>link.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 30 "cws-cat link.mp | grep -q \"^{\\\"type\\\":\\\"hello\\\"\"" &&
	cws-trigger link "$here/watched" "$here/hlink" >mklink.out &&
	cws-trigger open "$here/hlink" O_RDONLY >hlink.out &&
	sleep 1 &&
	kill $probe && wait $probe &&
	ino=$(stat -c %i watched) &&
	cws-cat link.mp | jq -c --argjson pid $(field hlink.out 1) "
		select(.evt.name? == \"open\" and .process.pid == \$pid)" >hl.json &&
	jq -e --arg p "$here/hlink" --argjson ino $ino "
		.open.file.path == \$p and .open.file.inode == \$ino" hl.json &&
	# A rule on the original path does not match it; one on the inode does.
	cws-filter -e "open.file.path == \"$here/watched\"" <link.mp |
		cws-cat | jq -s -e --argjson pid $(field hlink.out 1) "
		all(.[]; .process.pid? != \$pid)" &&
	cws-filter -e "open.file.inode == $ino" <link.mp | cws-cat |
		jq -s -e --argjson pid $(field hlink.out 1) "
		any(.[]; .rule.id? == \"cli_1\" and .process.pid == \$pid)" &&
	# Making the link is the event a rule on the original path sees.
	cws-filter -p pol <link.mp | cws-cat | jq -s -e --arg p "$here/hlink" \
		--argjson pid $(field mklink.out 1) "any(.[];
		.rule.id? == \"evasion_link\" and .process.pid == \$pid and
		.link.file.destination.path == \$p)"
'

test_expect_success BPF,JQ,IO_URING 'io_uring matches through cws-ship: the file and an io_uring object' '
	cws-cat match.mp | jq -c "select(.type != \"event\" or
		.evt.name == \"io_uring\")" | cws-cat -r |
		cws-ship -o ship.jsonl 2>ship.err &&
	jq -e -s --arg p "$here/watched" "map(.message | fromjson? // {}) |
		any(.evt.name == \"io_uring\" and
		    .evt.category == \"Kernel Activity\" and
		    .file.path == \$p and .io_uring.opcode == \"OPENAT\") and
		any(.io_uring.opcode == \"SETUP\" and
		    .io_uring.setup_flags == [\"IORING_SETUP_SQPOLL\"])" ship.jsonl
'

test_done
