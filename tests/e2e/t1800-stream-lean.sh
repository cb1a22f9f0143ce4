#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The lean stream (cws-event(5), schema 2) on the real kernel: process
# records written once, events by key, put back together by every reader;
# a capture cut in the middle; a fork storm within the tables' bounds;
# the probe's stream socket with two subscribers and one that stalls.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

here=$(pwd -P)
export DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0
# Status files here, not in /run/cws.
export DD_RUN_PATH=$here/run

start_probe() {
	local out=$1
	shift
	cws-probe -H 1 "$@" >"$out" 2>probe.err &
	probe=$!
	test_wait_until 30 "cws-cat $out 2>/dev/null | grep -q '^{\"type\":\"hello\"'" ||
		{ kill $probe; return 1; }
}

stop_probe() {
	kill -INT "$probe" && wait "$probe"
}

# A workload: a shell that runs a child that opens marked files.
workload() {
	sh -c 'for i in 1 2 3 4 5; do cat '"$here"'/lean-$i >/dev/null; done; /bin/true lean-child'
}

test_expect_success BPF,JQ 'a capture holds each context once and reads back whole' '
	for i in 1 2 3 4 5; do echo $i >lean-$i; done &&
	start_probe lean.mp -e exec,open,exit &&
	test_when_finished "kill $probe 2>/dev/null" &&
	workload &&
	test_wait_until 5 "cws-cat -R lean.mp | grep -q lean-child" &&
	stop_probe &&
	cws-cat -R lean.mp >raw.json &&
	cws-cat lean.mp >whole.json &&
	jq -e -s "map(select(.type == \"hello\")) | .[0].schema == 2" raw.json &&
	# Every key is defined before its first reference, once.
	jq -e -s "
		reduce .[] as \$r ({seen: {}, ok: true, dup: false};
			if \$r.type == \"process\" then
				(.dup = (.dup or (.seen[\$r.process.key | tostring] != null))) |
				.seen[\$r.process.key | tostring] = true
			elif \$r.type == \"event\" then
				.ok = (.ok and (\$r.process | has(\"key\")) and
				       .seen[\$r.process.key | tostring] == true and
				       (\$r.process | has(\"comm\") | not))
			else . end) | .ok and (.dup | not)
	" raw.json &&
	# Whole again: the opens of cat, its ancestors up to init.
	jq -e -s --arg p "$here/lean-3" "
		map(select(.type == \"event\" and .evt.name == \"open\" and .open.file.path == \$p)) |
		length == 1 and all(.process.comm == \"cat\" and
			(.process | has(\"key\") | not) and
			.process.ancestors[0].comm == \"sh\" and
			.process.ancestors[-1].pid == 1 and
			(.process.argv | index(\"$here/lean-3\")) != null)
	" whole.json &&
	! grep -q "\"type\":\"process\"" whole.json &&
	# Both forms back through -r read the same.
	cws-cat -r <raw.json | cws-cat >again1.json &&
	cws-cat -r <whole.json | cws-cat >again2.json &&
	test_cmp whole.json again1.json &&
	test_cmp whole.json again2.json &&
	# Smaller than the same events inline, by far.
	cws-cat -r <whole.json >inline.mp &&
	test $(($(stat -c %s lean.mp) * 3)) -lt "$(stat -c %s inline.mp)"
'

test_expect_success BPF,JQ 'cws-filter and cws-ship read the lean stream and write whole matches' '
	cws-filter -e "open.file.name == \"lean-3\"" <lean.mp >match.mp &&
	cws-cat -R match.mp >match-raw.json &&
	# Self-contained: the key its match needs comes first.
	jq -e -s "(.[0].type == \"hello\") and
		(map(select(.type == \"process\")) | length) >= 2 and
		(map(select(.type == \"event\")) | length == 1)" match-raw.json &&
	cws-cat match.mp >match.json &&
	jq -e -s "map(select(.type == \"event\")) | length == 1 and
		all(.rule.id != null and .process.comm == \"cat\" and
		    (.process.ancestors | length) >= 2)" match.json &&
	cws-ship <match.mp >shipped.json &&
	jq -e -s "map(select(.message != null) | .message | fromjson |
		select(.evt.name == \"open\")) | length == 1 and
		all(.process.comm == \"cat\" and .process.parent.comm == \"sh\" and
		    (.process.ancestors | length) >= 2)" shipped.json
'

test_expect_success BPF,JQ 'a capture cut in the middle reads, the unknown keys counted' '
	# Past the hello and the first process records: keys not defined.
	size=$(stat -c %s lean.mp) &&
	tail -c $((size / 2)) lean.mp >cut.mp &&
	# The first record is cut too: skipped with an error (exit 1).
	{ cws-cat cut.mp >cut.json 2>cut.err; test $? -le 1; } &&
	grep -q "referenced a process whose record was not in the stream" cut.err &&
	jq -e -s "map(select(.type == \"event\")) | length > 0" cut.json &&
	jq -e -s "map(select(.type == \"event\" and (.process | has(\"comm\") | not))) |
		all(.process.key > 0 and .process.pid > 0)" cut.json
'

test_expect_success BPF,JQ 'a fork storm keeps the tables within bounds, every event whole' '
	start_probe storm.mp -e exec,exit &&
	test_when_finished "kill $probe 2>/dev/null" &&
	cp /bin/true storm-true &&
	# 1500 processes: past the exited keys a writer (256) and a reader
	# (1024) keep, so both retire keys during the storm.
	for i in $(seq 1500); do ./storm-true $i; done &&
	/bin/true storm-end &&
	test_wait_until 10 "cws-cat -R storm.mp | grep -q storm-end" &&
	stop_probe &&
	cws-filter -e "exec.file.name == \"storm-true\"" <storm.mp >storm-m.mp &&
	cws-cat storm.mp >storm.json &&
	jq -e -s "map(select(.type == \"event\" and .process.comm == \"storm-true\")) |
		(map(select(.evt.name == \"exec\")) | length == 1500) and
		(map(select(.evt.name == \"exit\")) | length == 1500) and
		all(.process.file.name == \"storm-true\" and
		    .process.ancestors[0].pid > 0 and .process.argv[0] == \"./storm-true\")" storm.json &&
	cws-cat storm-m.mp | jq -e -s "map(select(.type == \"event\")) | length == 1500 and
		all(.process.argv[1] | tonumber > 0)" &&
	jq -e ".process_records.entries <= .process_records.max and
	       .process_records.retired > 0" run/cws-probe.json
'

# A subscriber that connects and never reads.
stall() {
	python3 -c "
import socket, time, sys
s = socket.socket(socket.AF_UNIX)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
open(sys.argv[2], \"w\").close()
time.sleep(120)
" "$1" "$2" &
	staller=$!
}

# A subscriber that copies the stream to a file until the probe ends it.
subscribe() {
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
with open(sys.argv[2], \"wb\") as f:
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        f.write(b)
" "$1" "$2"
}

test_expect_success BPF,JQ 'two subscribers see what stdout sees; a stalled one is cut off' '
	rm -f ev.sock &&
	: >sock-mark &&
	staller= &&
	start_probe sock.mp -b 64M -r "open.file.name == \"sock-mark\"" \
		-u ev.sock &&
	test_when_finished "kill \$probe \$staller 2>/dev/null" &&
	test -S ev.sock &&
	test "$(stat -c %a ev.sock)" = 600 &&
	{ subscribe ev.sock sub1.mp & sub1=$!; } &&
	{ subscribe ev.sock sub2.mp & sub2=$!; } &&
	stall ev.sock stalled &&
	test_wait_until 5 "test -e stalled && test -s sub1.mp && test -s sub2.mp" &&
	sleep 0.5 &&
	for i in $(seq 80000); do : <sock-mark; done &&
	# -R: the raw records; expanding 80000 events (each with its
	# ancestors and their environments) takes a while, done once below.
	test_wait_until 20 "test \$(cws-cat -R sock.mp 2>/dev/null | grep -c sock-mark) = 80000" &&
	stop_probe &&
	wait $sub1 && wait $sub2 &&
	cws-cat -R sock.mp | grep "^{\"type\":\"event\".*sock-mark" >main.marks &&
	cws-cat -R sub1.mp | grep "^{\"type\":\"event\".*sock-mark" >sub1.marks &&
	cws-cat -R sub2.mp | grep "^{\"type\":\"event\".*sock-mark" >sub2.marks &&
	test "$(wc -l <main.marks)" = 80000 &&
	test_cmp main.marks sub1.marks &&
	test_cmp main.marks sub2.marks &&
	# A subscriber'\''s stream reads whole on its own: every key defined.
	test "$(cws-cat sub1.mp 2>sub1.err | grep -c sock-mark)" = 80000 &&
	test_must_be_empty sub1.err &&
	# The stalled one: cut off, counted; the others and stdout had all.
	grep -q "cut off (1 so far)" probe.err &&
	! grep -q "(2 so far)" probe.err &&
	jq -e ".subscribers.cut_off == 1 and .subscribers.served == 3" run/cws-probe.json
'

test_done
