#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The real pipeline: cws-probe | cws-filter -e ... | cws-cat catches a
# real open of a scratch file, and only that one; then a policy rule
# with the same shape, and the man page's one-liner as a user types it.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

# The kernel resolves physical paths: no symlinks in what we compare with.
here=$(pwd -P)
export DD_RUN_PATH=$TRASH/run
echo secret >secret && echo other >other

# Starts cws-probe -e EVENTS | cws-filter ARGS | cws-cat >live.json,
# each with its pid, through fifos so that each can be stopped on its own.
start_pipeline() {
	local events=$1
	shift
	rm -f p.fifo f.fifo && mkfifo p.fifo f.fifo &&
	{ cws-probe -H 0 -e "$events" >p.fifo 2>probe.err & probe=$!; } &&
	{ cws-filter "$@" <p.fifo >f.fifo 2>filter.err & filter=$!; } &&
	{ cws-cat <f.fifo >live.json 2>cat.err & cat=$!; } &&
	# The probe's hello goes through once its programs are attached.
	test_wait_until 30 "grep -q ruleset_loaded live.json"
}

# Runs a command until a match of rule $1 shows up: other tests may be
# flooding the machine, and a full ring buffer drops events (counted).
until_match() {
	local rule=$1 i
	shift
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" >/dev/null
		test_wait_until 2 "jq -s -e \"any(.rule.id == \\\"$rule\\\")\" live.json" &&
			return 0
	done
	return 1
}

# SIGINT to the probe: it drains and exits, the others follow.
stop_pipeline() {
	kill -INT $probe && wait $probe && wait $filter && wait $cat
}

test_expect_success BPF,JQ 'cws-probe | cws-filter -e | cws-cat catches a real open' '
	start_pipeline open -e "open.file.path == \"$here/secret\"" &&
	test_when_finished "kill $probe $filter $cat 2>/dev/null" &&
	cat other >/dev/null &&
	until_match cli_1 cat secret &&
	stop_pipeline &&
	jq -s -e "map(.type)[0:3] == [\"hello\", \"ruleset_loaded\", \"heartbeat\"]" live.json &&
	jq -s -e "map(select(.rule)) | length >= 1 and
		all(.rule.id == \"cli_1\" and .open.file.path == \"$here/secret\" and
		    .process.comm == \"cat\")" live.json &&
	jq -e ".events > 0 and .matches >= 1 and .bad_records == 0" run/cws-filter.json &&
	test_must_be_empty filter.err
'

test_expect_success BPF,JQ 'a policy rule on exec catches the real exec, with its tags' '
	mkdir -p pol && cat >pol/default.policy <<-EOF &&
	version: 1.0.0
	rules:
	  - id: scratch_exec
	    expression: exec.file.path == "$here/t2200-true"
	    tags:
	      severity: low
	EOF
	cp /bin/true t2200-true &&
	start_pipeline exec -p pol &&
	test_when_finished "kill $probe $filter $cat 2>/dev/null" &&
	until_match scratch_exec ./t2200-true &&
	stop_pipeline &&
	jq -s -e "map(select(.rule)) | length >= 1 and
		all(.rule.tags.severity == \"low\" and .rule.policy.version == \"1.0.0\" and
		    .exec.file.path == \"$here/t2200-true\")" live.json
'

test_expect_success BPF,JQ 'man page: the one-liner, as typed, stops on Ctrl-C' '
	{ (cws-probe | cws-filter -e "open.file.path == \"/etc/shadow\"" | cws-cat) \
		>shadow.json 2>shadow.err & pid=$!; } &&
	test_when_finished "pkill -P $pid 2>/dev/null" &&
	test_wait_until 30 "grep -q ruleset_loaded shadow.json" &&
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cat /etc/shadow >/dev/null &&
		test_wait_until 2 "grep -q cli_1 shadow.json" && break
	done &&
	grep -q cli_1 shadow.json &&
	# Ctrl-C: SIGINT to the three processes of the pipeline.
	pkill -INT -P $pid && wait $pid &&
	# The tools exit on their own; a slow detach may close a pipe first.
	! grep -E "error|fatal" shadow.err &&
	jq -s -e "any(.rule.id == \"cli_1\" and .open.file.path == \"/etc/shadow\")" shadow.json
'

# Runs a command until a match of fim_watch on an event of type $1 shows
# up (see until_match).
until_fim() {
	local type=$1 i
	shift
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sh -c "$*" >/dev/null
		test_wait_until 2 "jq -s -e 'any(.rule.id == \"fim_watch\" and .evt.name == \"$type\")' live.json" &&
			return 0
	done
	return 1
}

test_expect_success BPF,JQ 'fim.write.file: real writes fire under the rule id, reads and same-owner chowns do not' '
	mkdir -p fimpol fim && cat >fimpol/default.policy <<-EOF &&
	rules:
	  - id: fim_watch
	    expression: fim.write.file.path =~ "$here/fim/**"
	EOF
	echo x >fim/a &&
	start_pipeline open,rename,chown -p fimpol &&
	test_when_finished "kill $probe $filter $cat 2>/dev/null" &&
	for i in 1 2 3; do
		cat fim/a >/dev/null && chown "$(id -u):$(id -g)" fim/a || return 1
	done &&
	until_fim open "echo y >fim/a" &&
	until_fim rename "echo z >b && mv b fim/c" &&
	until_fim chown "chown 1234 fim/a" &&
	stop_pipeline &&
	jq -s -e "map(select(.rule)) | all(.rule.id == \"fim_watch\") and
		all(.process.comm != \"cat\") and
		all(.evt.name != \"chown\" or .chown.file.destination.uid == 1234) and
		any(.evt.name == \"rename\" and .rename.file.destination.path == \"$here/fim/c\")" live.json
'

test_done
