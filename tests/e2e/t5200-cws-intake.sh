#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws run end to end on the real kernel, delivering to a test intake on
# 127.0.0.1 (tests/helpers/cws-test-intake.c) as it would to Datadog: an
# open of a watched file arrives at the intake under its rule's id; a
# cws-filter killed with SIGKILL is started again and a later open still
# arrives; SIGTERM stops the pipeline with exit 0.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws run starts cws-probe, which needs root and BTF"
command -v cws-test-intake >/dev/null ||
	test_skip_all "cws-test-intake not built (make helpers)"
test_have_prereq JQ || test_skip_all "jq is missing"

here=$(pwd -P)
mkdir -p pol run spool
echo watched >watched
cat >pol/default.policy <<EOF
version: "1.0.0"
rules:
  - id: t5200_watched
    expression: open.file.path == "$here/watched"
EOF
cat >cws.yaml <<EOF
hostname: t5200-host
run_path: $here/run
spool_dir: $here/spool
security_agent:
  cmd_port: 0
runtime_security_config:
  policies:
    dir: $here/pol
  probe:
    events: [open]
  self_test:
    enabled: false
EOF

state() { jq -r .state "run/$1.json" 2>/dev/null; }

# How many messages of the rule, for the watched file, the intake accepted.
arrived() {
	jq -r "select(.agent.rule_id == \"t5200_watched\") | .file.path" \
		intake/messages.jsonl 2>/dev/null | grep -c "^$here/watched$"
}

# Opens the watched file until one more message than $1 has arrived: a
# busy machine may drop an event (the probe counts it).
arrive_one() {
	local before=$1 i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cat watched >/dev/null
		test_wait_until 5 "test \$(arrived) -gt $before" && return 0
	done
	return 1
}

test_expect_success BPF 'cws run sends to the test intake' '
	intake_start intake -k $KEY &&
	to_intake intake &&
	{ cws -c cws.yaml run >run.out 2>run.err & sup=$!; } &&
	echo $sup >sup.pid &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	test_wait_until 30 "test \"\$(state cws-ship)\" = running" &&
	grep "cws-ship: info: Reliable: Sending .* logs in HTTP to 127.0.0.1 on port $intake_PORT" run.err
'

test_expect_success BPF 'an open of the watched file arrives under its rule id' '
	arrive_one 0 &&
	jq -c "select(.agent.rule_id == \"t5200_watched\")" \
		intake/messages.jsonl | head -n 1 >m.json &&
	jq -e ".evt.name == \"open\" and .file.path == \"$here/watched\" and
		.process.comm == \"cat\"" m.json &&
	jq -e "select(.ddtags | startswith(\"rule_id:t5200_watched,\"))
		| .hostname == \"t5200-host\" and
		.ddsource == \"runtime-security-agent\"" \
		intake/wrappers.jsonl | grep -q true &&
	! test -s intake/errors
'

test_expect_success BPF 'a SIGKILLed cws-filter is started again; a later open arrives' '
	old=$(jq .pid run/cws-filter.json) &&
	kill -9 $old &&
	test_wait_until 20 "jq -e \".stages[1].restarts == 1\" run/cws.json" &&
	test_wait_until 20 "test \"\$(jq .pid run/cws-filter.json)\" != $old &&
		test \"\$(state cws-filter)\" = running" &&
	grep "cws-filter exited (signal 9" run.err &&
	arrive_one $(arrived)
'

test_expect_success BPF 'SIGTERM stops the pipeline, exit 0' '
	kill -TERM $(cat sup.pid) &&
	wait $(cat sup.pid) &&
	for t in cws cws-probe cws-filter cws-ship; do
		test "$(state $t)" = stopped || return 1
	done &&
	intake_stop intake
'

# A test that failed may have left cws run and the intake behind.
test -s sup.pid && kill "$(cat sup.pid)" 2>/dev/null && wait "$(cat sup.pid)"
intake_stop intake

test_done
