#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws run starting a stage again in the middle of the stream: a process
# older than the restart keeps its context (cws-event(5), schema 2: the
# new reader has none of the process records its predecessor read, so
# the stage before it writes them again). The rule reads process.comm,
# which only a process record carries: it still matches after cws-filter
# is started again, and the messages still name the process after
# cws-ship is. Found by the soak (tests/soak).
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws run starts cws-probe, which needs root and BTF"

here=$(pwd -P)
mkdir -p pol run spool
echo secret >secret
# A shell of its own name, which opens the secret itself (a redirection
# of a builtin) every 0.2 s for as long as keep exists (3 minutes at most).
cp /bin/bash t5300-opener
cat >pol/default.policy <<EOF
version: "1.0.0"
rules:
  - id: t5300_opener
    expression: open.file.path == "$here/secret" && process.comm == "t5300-opener"
EOF
cat >cws.yaml <<EOF
hostname: t5300-host
run_path: $here/run
spool_dir: $here/spool
security_agent:
  cmd_port: 0
runtime_security_config:
  policies:
    dir: $here/pol
  self_test:
    enabled: false
EOF

state() { jq -r .state "run/$1.json" 2>/dev/null; }
# The comm of each match of the opener after line $1 of out.json.
comms() {
	tail -n +$(($1 + 1)) out.json |
		jq -r '.message | fromjson |
			select(.agent.rule_id == "t5300_opener") |
			.process.comm // "NONE"' 2>/dev/null
}

# restart STAGE: SIGKILL, then wait for cws run to start it again.
restart() {
	local old
	old=$(jq .pid "run/$1.json") &&
		kill -9 "$old" &&
		test_wait_until 30 "test \"\$(jq .pid run/$1.json)\" != $old &&
			test \"\$(state $1)\" = running"
}

test_expect_success BPF,JQ 'cws run catches the opener, with its context' '
	{ cws -c cws.yaml run >out.json 2>run.err & sup=$!; } &&
	echo $sup >sup.pid &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	touch keep &&
	{ ./t5300-opener -c "i=0; while test -e keep && test \$i -lt 900; do
		read -r x <secret; sleep 0.2; i=\$((i + 1)); done" & } &&
	test_wait_until 20 "comms 0 | grep -q ^t5300-opener$"
'

test_expect_success BPF,JQ 'cws-filter started again: the old process still matches' '
	n=$(wc -l <out.json) &&
	restart cws-filter &&
	test_wait_until 20 "comms $n | grep -q ^t5300-opener$" &&
	grep "cws-probe: info: a new reader of standard output" run.err
'

test_expect_success BPF,JQ 'cws-ship started again: its messages still name it' '
	n=$(wc -l <out.json) &&
	restart cws-ship &&
	test_wait_until 20 "comms $n | grep -q ^t5300-opener$" &&
	grep "cws-filter: info: a new reader of standard output" run.err &&
	# What was in the pipe before says pid and tid only, never zeroes.
	tail -n +$((n + 1)) out.json | jq -e -s "map(.message | fromjson |
		select(.process.comm == null) | .process | keys == [\"pid\", \"tid\"]) |
		all" &&
	n=$(wc -l <out.json) &&
	test_wait_until 10 "test \$(comms $n | wc -l) -ge 3" &&
	! comms $n | grep -v ^t5300-opener$
'

test_expect_success BPF,JQ 'SIGTERM stops it' '
	rm -f keep &&
	kill -TERM $(cat sup.pid) &&
	wait $(cat sup.pid)
'

test_done
