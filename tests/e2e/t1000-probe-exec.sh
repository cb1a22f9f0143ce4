#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: exec events, lost and heartbeat records,
# signals, a closed output, options.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

# The kernel resolves physical paths: no symlinks in what we compare with.
here=$(pwd -P)

# Starts cws-probe in the background writing to $1 (more arguments are
# passed on) and waits for its hello (or kills it); sets $probe. A test
# that needs no other type passes -e exec: attaching every program takes
# seconds.
start_probe() {
	local out=$1
	shift
	cws-probe "$@" >"$out" 2>probe.err &
	probe=$!
	test_wait_until 30 "cws-cat $out | grep -q '^{\"type\":\"hello\"'" ||
		{ kill $probe; return 1; }
}

# Sends $1 to the probe and checks that it exits 0.
stop_probe() {
	kill -"$1" "$probe" && wait "$probe"
}

test_expect_success BPF,JQ 'an exec is reported with its path, argv and parent' '
	cp /bin/true t1000-true &&
	start_probe exec.mp &&
	test_when_finished "kill $probe 2>/dev/null" &&
	sh -c "echo \$\$ >parent.pid; ./t1000-true 0.0123 \"t1000 arg\"; true" &&
	sh -c "echo \$\$ >self.pid; exec ./t1000-true 0.0124 t1000-exec" &&
	test_wait_until 5 "cws-cat -R exec.mp | grep -q t1000-exec" &&
	stop_probe TERM &&
	cws-cat exec.mp >exec.json &&
	jq -s -e --arg path "$here/t1000-true" --argjson ppid "$(cat parent.pid)" \
		--arg inode "$(stat -c %i t1000-true)" "
		map(select(.type == \"event\" and .evt.name == \"exec\" and .process.file.path == \$path and
			   .process.argv == [\"./t1000-true\", \"0.0123\", \"t1000 arg\"])) |
		length == 1 and all(
			.evt.name == \"exec\" and .process.ppid == \$ppid and
			.process.file.name == \"t1000-true\" and
			.process.comm == \"t1000-true\" and
			(.process.file.inode | tostring) == \$inode and
			.process.file.mount_id > 0 and
			.process.args_truncated == false and
			.exec.file.path == \$path and .exec.argv == .process.argv and
			.process.uid == 0 and .process.euid == 0 and
			.evt.retval == 0 and
			.process.exec_time == .evt.timestamp and
			.process.created_at <= .evt.timestamp and
			(.process.file | has(\"path_resolution_error\") | not))
	" exec.json &&
	jq -s -e --argjson pid "$(cat self.pid)" "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   .process.argv == [\"./t1000-true\", \"0.0124\", \"t1000-exec\"])) |
		length == 1 and all(.process.pid == \$pid and .process.tid == \$pid)
	" exec.json
'

test_expect_success BPF,JQ 'the stream starts with hello and has epoch timestamps' '
	head -1 exec.json >hello.json &&
	jq -e --arg boot "$(cat /proc/sys/kernel/random/boot_id)" \
		--argjson pid "$probe" "
		.type == \"hello\" and .producer == \"cws-probe\" and
		.schema == 2 and .boot_id == \$boot and .pid == \$pid and
		(.host | length) > 0
	" hello.json &&
	now=$(date +%s) &&
	jq -s -e --argjson now "$now" "
		map(select(.type == \"event\")) | length > 0 and all(
			(.evt.timestamp / 1e9) > (\$now - 600) and
			(.evt.timestamp / 1e9) < (\$now + 60))
	" exec.json
'

test_expect_success BPF,JQ 'a path the kernel cannot resolve is an error, not a path' '
	start_probe memfd.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	python3 -c "
import os
fd = os.memfd_create(\"t1000-memfd\")
os.write(fd, open(\"/bin/true\", \"rb\").read())
if os.fork() == 0:
    os.execve(fd, [\"t1000-memfd\"], {})
os.wait()
" &&
	stop_probe TERM &&
	cws-cat memfd.mp | jq -s -e "
		map(select(.type == \"event\" and .evt.name == \"exec\" and .process.argv[0] == \"t1000-memfd\")) |
		length == 1 and all(
			(.process.file | has(\"path\") | not) and
			.process.file.name == \"memfd:t1000-memfd\" and
			(.process.file.path_resolution_error | length) > 0)
	"
'

test_expect_success BPF,JQ 'SIGINT stops the probe with exit 0 and a last heartbeat' '
	start_probe int.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	/bin/true &&
	stop_probe INT &&
	cws-cat -R int.mp | tail -1 | jq -e ".type == \"heartbeat\""
'

test_expect_success BPF,JQ 'heartbeats come every -H seconds and count events' '
	start_probe hb.mp -e exec -H 1 &&
	test_when_finished "kill $probe 2>/dev/null" &&
	sleep 2.5 &&
	stop_probe TERM &&
	cws-cat -R hb.mp >hb.json &&
	test "$(jq -s "map(select(.type == \"heartbeat\")) | length" hb.json)" -ge 3 &&
	jq -s -e "
		(map(select(.type == \"event\")) | length) as \$n |
		map(select(.type == \"heartbeat\")) | last |
		.producer == \"cws-probe\" and .events == \$n and .lost == 0
	" hb.json &&
	{ cws-probe -e exec -H 0 >nohb.mp 2>/dev/null & } && probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 10 "cws-cat -R nohb.mp | grep -q hello" &&
	stop_probe TERM &&
	! cws-cat -R nohb.mp | grep -q "\"type\":\"heartbeat\""
'

test_expect_success BPF,JQ 'a stalled reader makes the kernel drop, and a lost record says so' '
	mkfifo fifo &&
	{ { while ! test -e go; do sleep 0.1; done; cat; } <fifo >lost.mp & } &&
	reader=$! &&
	{ cws-probe -v -e exec -b 64K -H 0 >fifo 2>probe.err & } &&
	probe=$! &&
	test_when_finished "touch go; kill $probe $reader 2>/dev/null" &&
	test_wait_until 10 "grep -q \"programs attached\" probe.err" &&
	big=$(printf "%03000d" 0) &&
	for i in $(seq 300); do /bin/true $big; done &&
	touch go &&
	test_wait_until 10 "cws-cat -R lost.mp | grep -q \"\\\"type\\\":\\\"lost\\\"\"" &&
	stop_probe TERM &&
	wait $reader &&
	cws-cat -R lost.mp >lost.json &&
	jq -s -e "
		map(select(.type == \"lost\")) |
		length > 0 and all(.total > 0 and .causes.ringbuf_full == .total)
	" lost.json
'

test_expect_success BPF 'a closed output ends the probe with exit 1' '
	{ cws-probe -e exec -H 1 2>epipe.err; echo $? >epipe.rc; } | head -c 1 >/dev/null &&
	test "$(cat epipe.rc)" = 1 &&
	grep "cws-probe: info: standard output closed" epipe.err
'

test_expect_success BPF 'without privileges the probe says why and exits 1' '
	test_expect_code 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		cws-probe -n >out 2>err &&
	test_must_be_empty out &&
	grep "cws-probe: fatal: cannot load BPF programs: Operation not permitted" err
'

test_expect_success BPF,JQ 'the cws-probe(8) examples do what they say' '
	cws-probe -n >out 2>err &&
	test_must_be_empty out &&
	grep "^cws-probe: info: programs loaded and attached$" err &&
	mkfifo pipe &&
	{ cws-probe -H 0 >pipe 2>/dev/null & } && probe=$! &&
	{ cws-cat <pipe >ex.json & } && cat=$! &&
	test_when_finished "kill $probe $cat 2>/dev/null" &&
	test_wait_until 10 "grep -q hello ex.json" &&
	./t1000-true 0 t1000-example &&
	test_wait_until 5 "grep -q t1000-example ex.json" &&
	stop_probe TERM && wait $cat &&
	jq -r "select(.type == \"event\") |
	    \"\(.process.ppid) \(.process.file.path) \(.process.argv)\"" \
		ex.json >who &&
	grep -F "$$ $here/t1000-true [\"./t1000-true\",\"0\",\"t1000-example\"]" who
'

test_expect_success '-h prints the usage on stdout, -V the version' '
	cws-probe -h >out &&
	grep "^usage: cws-probe \[-ADhnqVv\] \[-b bytes\] \[-c file\] \[-e events\] \[-H seconds\]$" out &&
		grep "^          \[-d entries\] \[-p dir\] \[-r rule\] \[-S dir\] \[-u socket\]$" out &&
	cws-probe -V >out && grep "^cws-probe [0-9]" out
'

test_expect_success 'bad options and bad numbers exit 2 with the usage' '
	test_expect_code 2 cws-probe -Z 2>err && grep "^usage: cws-probe" err &&
	test_expect_code 2 cws-probe -b 1000 2>err && grep "ring size .1000. is too small" err &&
	test_expect_code 2 cws-probe -b 100000 2>err && grep "not a power of two" err &&
	test_expect_code 2 cws-probe -H -1 2>err && grep "heartbeat interval" err &&
	test_expect_code 2 cws-probe extra 2>err && grep "^usage: cws-probe" err
'

test_expect_success 'a bad ring size in the configuration exits 3' '
	printf "runtime_security_config:\n  event_stream:\n    buffer_size: 12345\n" >bad.yaml &&
	test_expect_code 3 cws-probe -c bad.yaml -n 2>err &&
	grep "event_stream.buffer_size .12345." err
'

test_expect_success BPF 'once attached, the probe keeps only the capabilities it uses' '
	start_probe caps.mp -e exec,open &&
	test_when_finished "kill $probe 2>/dev/null" &&
	# CAP_DAC_READ_SEARCH (2), CAP_SYS_PTRACE (19), CAP_BPF (39).
	grep "^CapEff:	0000008000080004$" /proc/$probe/status &&
	grep "^CapBnd:	0000008000080004$" /proc/$probe/status &&
	grep "^NoNewPrivs:	1$" /proc/$probe/status &&
	stop_probe INT &&
	# With the DNS classifier attached, CAP_NET_ADMIN (12) to remove it.
	start_probe caps2.mp -e exec,dns &&
	grep "^CapEff:	0000008000081004$" /proc/$probe/status &&
	stop_probe INT
'

test_expect_success BPF,JQ 'the status file shows what is attached and counted' '
	printf "run_path: %s/run\n" "$PWD" >status.yaml &&
	start_probe status.mp -c status.yaml -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 5 "test -f run/cws-probe.json" &&
	jq -e ".tool == \"cws-probe\" and .state == \"running\" and
		.events_attached == [\"exec\"] and .kernel.btf == true" \
		run/cws-probe.json &&
	./t1000-true status-check && stop_probe INT &&
	n=$(cws-cat -R status.mp | jq -s "map(select(.type == \"event\")) | length") &&
	jq -e --argjson n "$n" ".state == \"stopped\" and .events == \$n and
		.lost.total == 0" run/cws-probe.json &&
	! test -e run/.cws-probe.json.tmp
'

test_expect_success 'an unknown event type is a usage error' '
	test_expect_code 2 cws-probe -e exec,bogus 2>err &&
	grep "unknown event type .bogus." err
'

test_done
