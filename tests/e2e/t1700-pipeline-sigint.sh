#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Ctrl-C on a shell pipeline loses nothing already captured. A terminal
# sends SIGINT to every process of the pipeline at once; each stage then
# reads its input to the end (the probe closes its output once its ring
# buffer is drained) and exits 0. A second signal ends a stage at once.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

# The kernel resolves physical paths: no symlinks in what we compare with.
here=$(pwd -P)
mkdir scratch
RULE='open.file.name =~ "drain-*"'
# Every match written: no per-rule rate limit (10 a second by default).
export DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0

# Starts `cws-probe -e open [$2...] | cws-filter -e RULE | cws-cat >$1`
# in a session and process group of its own, as a terminal runs a pipeline:
# the group's id in pgid, the wrapper's pid in $job, and once the
# pipeline ends the three exit statuses in $1.rc. The wrapper only waits:
# its trap, like an interactive shell, leaves the signal to the pipeline.
start_pipeline() {
	rm -f "$1" "$1.rc" pgid &&
	{
		setsid bash -c '
			out=$1 rule=$2
			shift 2
			echo $$ >pgid
			trap : INT TERM
			cws-probe -e open "$@" 2>probe.err |
				cws-filter -e "$rule" 2>filter.err |
				cws-cat >"$out" 2>cat.err
			echo "${PIPESTATUS[*]}" >"$out.rc"
		' sh "$1" "$RULE" "${@:2}" &
		job=$!
	} &&
	test_wait_until 5 "test -s pgid" &&
	pgid=$(cat pgid) &&
	# The probe's hello goes through once its programs are attached.
	test_wait_until 30 "grep -q ruleset_loaded $1"
}

# Ctrl-C: SIGINT to the whole group at once; waits for the pipeline.
interrupt() {
	local t0=$EPOCHREALTIME
	kill -INT -- -"$pgid" && wait "$job" &&
	echo "pipeline ended $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms after SIGINT"
}

# Makes $1 opens of existing files drain-1 .. drain-$1 of scratch/, with
# a shell builtin: nothing else opens a matching name.
opens() {
	local i
	for ((i = 1; i <= $1; i++)); do : <"scratch/drain-$i"; done
}

# The open events of scratch/ in the JSON stream $1.
captured() {
	jq -n --arg dir "$here/scratch/" '[inputs | select(.type == "event" and
		.evt.name == "open" and (.open.file.path | startswith($dir)))] |
		length' "$1"
}

# The opens the lost records of the JSON stream $1 count.
lost() {
	jq -n '[inputs | select(.type == "lost") |
		.types.open // (if .types then 0 else .total end)] | add // 0' "$1"
}

# Nothing said that something was cut off or went wrong.
quiet_stop() {
	cat probe.err filter.err cat.err &&
	! grep -E "standard output closed|error|fatal|warning|second signal" \
		probe.err filter.err cat.err &&
	test_must_be_empty filter.err &&
	test_must_be_empty cat.err
}

for i in $(seq 10000); do : >"scratch/drain-$i"; done

test_expect_success BPF,JQ 'Ctrl-C: every matching open is in the output, all exit 0' '
	test_when_finished "kill -KILL -- -\$pgid 2>/dev/null" &&
	start_pipeline out.json &&
	opens 500 &&
	interrupt &&
	test "$(cat out.json.rc)" = "0 0 0" &&
	quiet_stop &&
	test "$(captured out.json)" = 500 &&
	test "$(lost out.json)" = 0 &&
	jq -s -e "map(select(.rule)) | all(.rule.id == \"cli_1\")" out.json
'

# A ring buffer that holds the whole burst, so that no open is lost: a
# lost record cannot say whose open it counts, and while the ring is full
# every open on the machine is (t1300 checks that accounting).
test_expect_success BPF,JQ 'a burst right before Ctrl-C: captured + lost == generated' '
	test_when_finished "kill -KILL -- -\$pgid 2>/dev/null" &&
	start_pipeline burst.json -b 64M &&
	opens 10000 &&
	interrupt &&
	test "$(cat burst.json.rc)" = "0 0 0" &&
	quiet_stop &&
	captured=$(captured burst.json) &&
	lost=$(lost burst.json) &&
	echo "generated 10000 captured $captured lost $lost" &&
	test $((captured + lost)) = 10000
'

# An upstream that does not end yet: a writer, $writer, holds the fifo $1
# open without writing.
start_silent() {
	rm -f "$1" && mkfifo "$1" &&
	{ sleep 60 >"$1" & writer=$!; }
}

test_expect_success 'after SIGINT cws-filter and cws-cat read to the end of the input' '
	cws-cat -r >late.mp <<-EOF &&
	{"type":"event","evt":{"name":"open","timestamp":1},"process":{"pid":1},"open":{"file":{"path":"/d/drain-1","name":"drain-1"},"flags":0}}
	EOF
	start_silent f.fifo && fw=$writer &&
	start_silent c.fifo && cw=$writer &&
	test_when_finished "kill $fw $cw 2>/dev/null" &&
	{ cws-filter -e "$RULE" <f.fifo >f.mp 2>f.err & filter=$!; } &&
	{ cws-cat c.fifo >c.json 2>c.err & cat=$!; } &&
	sleep 0.3 && kill -INT $filter $cat &&
	# Longer than the two seconds they used to wait.
	sleep 2.5 && kill -0 $filter && kill -0 $cat &&
	{ cat late.mp >f.fifo & } && { cat late.mp >c.fifo & } &&
	sleep 0.3 && kill $fw $cw &&
	wait $filter && wait $cat &&
	test_must_be_empty f.err &&
	test_must_be_empty c.err &&
	cws-cat f.mp >f.json &&
	grep -q "\"rule\":{\"id\":\"cli_1\"" f.json &&
	grep -q "drain-1" c.json
'

test_expect_success 'a second SIGINT ends cws-filter and cws-cat at once' '
	start_silent f2.fifo && fw=$writer &&
	start_silent c2.fifo && cw=$writer &&
	test_when_finished "kill $fw $cw 2>/dev/null" &&
	{ cws-filter -e "$RULE" <f2.fifo >/dev/null 2>f2.err & filter=$!; } &&
	{ cws-cat c2.fifo >/dev/null 2>c2.err & cat=$!; } &&
	sleep 0.3 && kill -INT $filter $cat &&
	sleep 0.3 && kill -0 $filter && kill -0 $cat &&
	kill -INT $filter $cat &&
	test_expect_code 130 wait $filter &&
	test_expect_code 130 wait $cat &&
	grep "cws-filter: warning: second signal" f2.err &&
	grep "cws-cat: warning: second signal" c2.err
'

test_done
