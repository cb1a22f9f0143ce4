#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The process tables of a lean stream (cws-event(5), schema 2, retire
# records) under cws run on the real kernel, with no rule and no
# probe.events asking for exit events: a workload forks and execs 2400
# short processes that all open a watched file, half of them as cat,
# which a rule matches. cws-probe retires the keys of each process that
# exits, cws-filter passes on those of the keys it wrote (the cats'), so
# that the tables of cws-filter and cws-ship retire keys and stay near
# the thousand exited keys a reader keeps, instead of filling with exited
# processes up to 16384, and cws-ship lets go of the JSON it kept for
# their messages; the intake gets exactly the matches, and nothing for a
# retire record.
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
  - id: t5400_cat
    expression: open.file.path == "$here/watched" && process.comm == "cat"
EOF
# No rate limit: the matches come hundreds a second.
cat >cws.yaml <<EOF
hostname: t5400-host
run_path: $here/run
spool_dir: $here/spool
security_agent:
  cmd_port: 0
runtime_security_config:
  policies:
    dir: $here/pol
  probe:
    events: [open]
  event_server:
    rate: 0
  self_test:
    enabled: false
EOF

N=1200 # cats, and as many heads
state() { jq -r .state "run/$1.json" 2>/dev/null; }
table() { jq -r ".$2" "run/$1.json"; }

# The messages of the rule the intake accepted.
arrived() {
	jq -r "select(.agent.rule_id == \"t5400_cat\") | .process.pid" \
		intake/messages.jsonl 2>/dev/null | wc -l
}

test_expect_success BPF 'cws run sends to the test intake' '
	intake_start intake -l -k $KEY &&
	to_intake intake &&
	{ cws -c cws.yaml run >run.out 2>run.err & sup=$!; } &&
	echo $sup >sup.pid &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	test_wait_until 30 "test \"\$(state cws-filter)\" = running" &&
	test_wait_until 30 "test \"\$(state cws-ship)\" = running" &&
	# One match first: the kernel filters are in place.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cat watched >/dev/null
		test_wait_until 5 "test \$(arrived) -gt 0" && break
	done &&
	test $(arrived) = 1
'

test_expect_success BPF 'thousands of processes exit: the tables retire their keys' '
	for i in $(seq $N); do
		cat watched >/dev/null &&
		head -c 0 watched || return 1
	done &&
	test_wait_until 120 "test \$(arrived) -ge $((N + 1))" &&
	# The status files, rewritten every 5 s, once more after that.
	sleep 6 &&
	for t in cws-filter cws-ship; do
		jq -c .process_table run/$t.json || return 1
	done &&
	jq -c .process_records run/cws-filter.json run/cws-probe.json &&
	# cws-filter read every process: two keys each (the image fork
	# made, the one exec made), all but the last 1024 retired.
	test "$(table cws-filter process_table.retired)" -ge $((2 * 2 * N - 1024)) &&
	test "$(table cws-filter process_table.entries)" -lt 1200 &&
	test "$(table cws-filter process_table.evicted)" = 0 &&
	test "$(table cws-filter process_table.unknown)" = 0 &&
	# cws-ship read the cats only: their keys, retired as well.
	test "$(table cws-ship process_table.records)" -ge $((2 * N)) &&
	test "$(table cws-ship process_table.records)" -lt $((2 * N + 100)) &&
	test "$(table cws-ship process_table.retired)" -ge $((2 * N - 1024)) &&
	test "$(table cws-ship process_table.entries)" -lt 1200 &&
	test "$(table cws-ship process_table.evicted)" = 0 &&
	test "$(table cws-ship process_table.unknown)" = 0 &&
	# Nor does it keep their JSON: not 1024 contexts, a few.
	jq -c .process_json run/cws-ship.json &&
	test "$(table cws-ship process_json.swept)" -gt 0 &&
	test "$(table cws-ship process_json.kept)" -lt 50 &&
	# The writers retired what they wrote too.
	test "$(table cws-filter process_records.retired)" -ge $((2 * N - 256)) &&
	test "$(table cws-probe process_records.retired)" -ge $((2 * 2 * N - 256))
'

test_expect_success BPF 'cws status shows the keys retired' '
	cws -c cws.yaml status >status.out &&
	grep "Process table: .* retired" status.out >tables &&
	test $(wc -l <tables) = 2 &&
	! grep " 0 retired" tables
'

test_expect_success BPF 'the intake has exactly the matches, once each' '
	jq -r "select(.agent.rule_id == \"t5400_cat\") | .process.pid" \
		intake/messages.jsonl | sort >pids &&
	test $(wc -l <pids) = $((N + 1)) &&
	sort -u pids | test_cmp pids - &&
	jq -e -s "map(select(.agent.rule_id == \"t5400_cat\")) |
		all(.process.comm == \"cat\" and .file.path == \"$here/watched\")" \
		intake/messages.jsonl >/dev/null &&
	# And nothing else but the ruleset_loaded and heartbeat messages.
	jq -r .agent.rule_id intake/messages.jsonl | sort -u >ids &&
	printf "%s\n" heartbeat ruleset_loaded t5400_cat >want &&
	{ grep -vxF -f want ids >other || :; } &&
	test_must_be_empty other &&
	! test -s intake/errors
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
