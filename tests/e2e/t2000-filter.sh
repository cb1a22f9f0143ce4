#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-filter on hand-made streams: -e rules, policy directories and -n,
# bad rules and records, pass-through, rate limits, every, reload, the
# kill action, privileges, the status file and the man page's examples.
. "$(dirname "$0")/test-lib.sh"

# Every run writes its status file here, not in /run/cws.
export DD_RUN_PATH=$TRASH/run

# ev NAME TIMESTAMP PID OBJECT-JSON: one event as a JSON line.
ev() {
	printf '{"type":"event","evt":{"name":"%s","timestamp":%s},"process":{"pid":%s,"comm":"t"}%s}\n' \
		"$1" "$2" "$3" "${4:+,$4}"
}
open_ev() { ev open "$1" "$2" "\"open\":{\"file\":{\"path\":\"$3\",\"name\":\"${3##*/}\"},\"flags\":0}"; }
exec_ev() { ev exec "$1" "$2" "\"exec\":{\"file\":{\"path\":\"$3\",\"name\":\"${3##*/}\"},\"argv\":[\"$3\"]}"; }

# The rule ids of the match records of a stream, one per line.
matches() { cws-cat "$@" | jq -r 'select(.type == "event" and .rule) | .rule.id'; }

test_expect_success JQ 'an -e rule writes each matching event with its rule' '
	{
		echo "{\"type\":\"hello\",\"producer\":\"t\",\"schema\":1}" &&
		open_ev 1 10 /etc/shadow &&
		open_ev 2 11 /etc/passwd &&
		exec_ev 3 12 /bin/cat
	} >in.json &&
	cws-cat -r in.json >in.mp &&
	cws-filter -e "open.file.path == \"/etc/shadow\"" <in.mp >out.mp 2>err &&
	test_must_be_empty err &&
	cws-cat out.mp >out.json &&
	jq -s -e "map(.type) == [\"hello\", \"ruleset_loaded\", \"heartbeat\", \"event\"]" out.json &&
	jq -s -e ".[3] | .rule == {id: \"cli_1\", policy: {name: \"cli\", source: \"cli\"}} and
		.process.pid == 10 and .open.file.path == \"/etc/shadow\"" out.json
'

test_expect_success JQ 'the event part of a match is the input record, unknown keys kept' '
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":5,\"future\":1},\"process\":{\"pid\":3,\"x\":[1,\"y\"]},\"open\":{\"file\":{\"path\":\"/a\"}},\"zzz\":{\"k\":true}}" >one.json &&
	cws-cat -r one.json | cws-filter -e "open.file.path == \"/a\"" | cws-cat |
		jq -c "select(.rule) | del(.rule)" >got.json &&
	test_cmp one.json got.json
'

test_expect_success JQ 'every matching rule writes its own record, in rule order' '
	cws-filter -e "open.file.name == \"shadow\"" -e "exec.file.name == \"cat\"" \
		-e "open.file.path =~ \"/etc/*\"" <in.mp >out.mp &&
	matches out.mp >ids &&
	printf "cli_1\ncli_3\ncli_3\ncli_2\n" >expect &&
	test_cmp expect ids
'

test_expect_success 'a bad -e rule is reported and skipped; none good exits 3' '
	cws-filter -e "open.file.path == == 1" -e "open.file.path == \"/etc/shadow\"" \
		<in.mp >out.mp 2>err &&
	echo "cws-filter: error: rule '\''cli_1'\'' in '\''cli'\'': syntax error: unexpected token \"=\" at 1:19" >expect &&
	test_cmp expect err &&
	test "$(matches out.mp)" = cli_2 &&
	test_expect_code 3 cws-filter -e "open.file.pth == 1" <in.mp >out.mp 2>err &&
	grep "rule .cli_1. in .cli.: field \`open.file.pth\` not found at 1:1" err &&
	grep "cws-filter: error: no rule loaded" err &&
	test_must_be_empty out.mp
'

mkdir -p pol
cat >pol/default.policy <<\EOF
version: 1.0.0
macros:
  - id: secrets
    values: [/etc/shadow, /etc/gshadow]
rules:
  - id: secret_read
    version: 2.1.0
    description: A secret file was opened
    expression: open.file.path in secrets
    tags:
      severity: high
    product_tags: [tactic:TA0006]
  - id: windows_only
    expression: exec.file.name == "mimikatz.exe"
    filters:
      - os == "windows"
  - id: typo
    expression: open.file.pth == "/etc/hosts"
  - id: newer
    agent_version: ">= 7.74"
    expression: open.file.path == "/x"
EOF
cat >pol/custom.policy <<\EOF
version: 0.1
rules:
  - id: cat_exec
    expression: exec.file.name == "cat"
    silent: false
    actions:
      - coredump: {process: true}
EOF

test_expect_success 'a bad rule is skipped with one line, the rest loads' '
	cws-filter -p pol <in.mp >out.mp 2>err &&
	cat >expect <<-\EOF &&
	cws-filter: error: rule '\''typo'\'' in '\''default.policy'\'': field `open.file.pth` not found at 1:1
	cws-filter: warning: rule '\''cat_exec'\'' in '\''custom.policy'\'': action 1 (coredump) skipped: not supported by cws
	EOF
	test_cmp expect err &&
	printf "secret_read\ncat_exec\n" >expect &&
	matches out.mp >ids && test_cmp expect ids
'

test_expect_success JQ 'the match record carries the rule and its policy' '
	cws-cat out.mp | jq -c "select(.rule.id == \"secret_read\") | .rule" >rule.json &&
	echo "{\"id\":\"secret_read\",\"version\":\"2.1.0\",\"description\":\"A secret file was opened\",\"policy\":{\"name\":\"default.policy\",\"version\":\"1.0.0\",\"source\":\"file\"},\"tags\":{\"severity\":\"high\"},\"product_tags\":[\"tactic:TA0006\"]}" >expect &&
	test_cmp expect rule.json
'

test_expect_success JQ 'ruleset_loaded has every rule with Datadog status names' '
	cws-cat out.mp | jq -c "select(.type == \"ruleset_loaded\") |
		.policies[] | [.name, .version, .source, (.rules[] | [.id, .status])]" >rl.json &&
	cat >expect <<-\EOF &&
	["default.policy","1.0.0","file",["secret_read","loaded"],["windows_only","agent_filter_error"],["typo","error"],["newer","agent_version_error"]]
	["custom.policy","0.1","file",["cat_exec","loaded"]]
	EOF
	test_cmp expect rl.json &&
	cws-cat out.mp | jq -s -e "map(select(.type == \"ruleset_loaded\"))[0] | .producer == \"cws-filter\" and
		(.policies[1].rules[0] | .actions == [\"coredump\"] and
		 (.message | test(\"coredump\")))"
'

test_expect_success '-n prints the policy status and exits 0' '
	cws-filter -n -p pol >sum 2>err &&
	cat >expect <<-\EOF &&
	policy '\''default.policy'\'' version 1.0.0: 1 loaded, 2 filtered, 1 failed
	  filtered: agent_version_error 1, agent_filter_error 1
	  failed: error 1
	policy '\''custom.policy'\'' version 0.1: 1 loaded, 0 filtered, 0 failed
	total: 2 loaded, 2 filtered, 1 failed
	EOF
	test_cmp expect sum &&
	grep "rule .typo." err
'

test_expect_success '-n -v lists every rule that is not plainly loaded' '
	cws-filter -n -v -p pol >sum 2>/dev/null &&
	grep "^    windows_only: agent_filter_error: not applicable to this host: \`os == \"windows\"\`$" sum &&
	grep "^    newer: agent_version_error: agent version 7.73.0 does not satisfy \`>= 7.74\`$" sum &&
	grep "^    typo: error: field" sum &&
	grep "^    cat_exec: loaded: action 1 (coredump) skipped" sum &&
	! grep "^    secret_read" sum
'

test_expect_success '-n exits 3 when nothing valid loads' '
	mkdir -p bad && printf "rules:\n  - id: x\n    expression: open.file.pth == 1\n" >bad/default.policy &&
	printf "rules: [oops\n" >bad/z.policy &&
	test_expect_code 3 cws-filter -n -p bad >sum 2>err &&
	grep "^total: 0 loaded, 0 filtered, 1 failed$" sum &&
	grep "^policy .z.policy.: skipped: invalid YAML: .* at line 2 column 1$" sum &&
	grep "cws-filter: error: policy .z.policy.: invalid YAML" err &&
	mkdir -p empty && test_expect_code 3 cws-filter -n -p empty >sum 2>err &&
	grep "no \*.policy file in .empty." err
'

test_expect_success 'a missing policy directory exits 3, from -p or the configuration' '
	test_expect_code 3 cws-filter -n -p nope 2>err &&
	grep "cws-filter: error: cannot read policy directory .nope.: No such file or directory" err &&
	test_expect_code 3 env DD_RUNTIME_SECURITY_CONFIG_POLICIES_DIR=$PWD/nope2 cws-filter -n 2>err &&
	grep "nope2" err &&
	DD_RUNTIME_SECURITY_CONFIG_POLICIES_DIR=$PWD/pol cws-filter -n >sum 2>/dev/null &&
	grep "^total: 2 loaded" sum
'

test_expect_success '-e with -p loads both' '
	cws-filter -n -p pol -e "exec.file.name == \"ls\"" >sum 2>/dev/null &&
	grep "^policy .cli.: 1 loaded, 0 filtered, 0 failed$" sum &&
	grep "^total: 3 loaded" sum
'

test_expect_success 'control records pass through byte for byte' '
	{
		echo "{\"type\":\"lost\",\"timestamp\":3,\"total\":5,\"causes\":{\"ringbuf_full\":5}}" &&
		echo "{\"type\":\"heartbeat\",\"timestamp\":4,\"producer\":\"cws-probe\",\"events\":9,\"lost\":5}" &&
		echo "{\"type\":\"selftest\",\"timestamp\":5,\"ok\":true}" &&
		echo "{\"type\":\"ruleset_loaded\",\"timestamp\":6,\"from\":\"upstream\"}" &&
		echo "{\"type\":\"some_future_record\",\"x\":{\"y\":-1}}" &&
		open_ev 7 1 /nomatch
	} | cws-cat -r >rest.mp &&
	echo "{\"type\":\"hello\",\"producer\":\"p\",\"schema\":1,\"host\":\"h\"}" | cws-cat -r >hello.mp &&
	cat hello.mp rest.mp >ctl.mp &&
	cws-filter -e "open.file.path == \"/etc/shadow\"" <ctl.mp >out.mp &&
	head -c $(wc -c <hello.mp) out.mp >got.hello && cmp hello.mp got.hello &&
	tail -c $(( $(wc -c <rest.mp) - $(open_ev 7 1 /nomatch | cws-cat -r | wc -c) )) out.mp >got.rest &&
	head -c $(wc -c <got.rest) rest.mp >want.rest &&
	cmp want.rest got.rest &&
	test "$(cws-cat out.mp | wc -l)" = 8
'

test_expect_success 'a malformed record is counted and skipped with one line' '
	open_ev 1 1 /etc/shadow | cws-cat -r >a.mp &&
	open_ev 2 2 /etc/shadow | cws-cat -r >b.mp &&
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\"},\"process\":{\"pid\":1}}" |
		python3 -c "import sys, json
d = json.loads(sys.stdin.read())
def p(o):
    if isinstance(o, dict):
        b = bytes([0x80 | len(o)])
        for k, v in o.items(): b += p(k) + p(v)
        return b
    if isinstance(o, str):
        return bytes([0xa0 | len(o)]) + o.encode()
    return bytes([o])
sys.stdout.buffer.write(p(d))" >bad.mp &&
	cat a.mp bad.mp b.mp >mixed.mp &&
	cws-filter -e "open.file.path == \"/etc/shadow\"" <mixed.mp >out.mp 2>err &&
	echo "cws-filter: error: offset $(wc -c <a.mp): missing required key '\''evt.timestamp'\''" >expect &&
	test_cmp expect err &&
	test "$(matches out.mp | wc -l)" = 2 &&
	jq -e ".bad_records == 1 and .events == 2 and .matches == 2 and
		(.last_error | test(\"evt.timestamp\"))" run/cws-filter.json
'

test_expect_success 'bad record errors are rate-limited' '
	for i in $(seq 20); do cat bad.mp; done >bads.mp &&
	cws-filter -e "open.file.path == \"/x\"" <bads.mp >/dev/null 2>err &&
	test "$(wc -l <err)" = 5 &&
	jq -e ".bad_records == 20" run/cws-filter.json
'

test_expect_success JQ 'the rate limiter lets a burst of 40 through, then drops' '
	for i in $(seq 50); do open_ev 1000 $i /etc/shadow; done | cws-cat -r >burst.mp &&
	cws-filter -e "open.file.path == \"/etc/shadow\"" <burst.mp >out.mp &&
	test "$(matches out.mp | wc -l)" = 40 &&
	jq -e ".matches == 50 and .written == 40 and .rate_limited == 10 and
		.rules == [{id: \"cli_1\", matches: 50, written: 40, rate_limited: 10}] and
		.rate_limit == {rate: 10, burst: 40}" run/cws-filter.json
'

test_expect_success 'the rate refills in event time and is configurable' '
	{
		for i in $(seq 45); do open_ev 1000000000 $i /etc/shadow; done &&
		for i in $(seq 10); do open_ev 1500000000 $i /etc/shadow; done
	} | cws-cat -r >refill.mp &&
	cws-filter -e "open.file.path == \"/etc/shadow\"" <refill.mp >out.mp &&
	# 40 at t=1s, then 0.5 s refills 5 tokens.
	test "$(matches out.mp | wc -l)" = 45 &&
	DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_BURST=5 \
		cws-filter -e "open.file.path == \"/etc/shadow\"" <burst.mp >out.mp &&
	test "$(matches out.mp | wc -l)" = 5 &&
	DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 \
		cws-filter -e "open.file.path == \"/etc/shadow\"" <burst.mp >out.mp &&
	test "$(matches out.mp | wc -l)" = 50
'

test_expect_success 'every: at most one match per period; silent rules write nothing' '
	mkdir -p ev && cat >ev/default.policy <<-\EOF &&
	rules:
	  - id: once_a_second
	    expression: open.file.path == "/etc/shadow"
	    every: 1s
	  - id: quiet
	    expression: open.file.path == "/etc/shadow"
	    silent: true
	EOF
	for t in 1000000000 1500000000 2000000000 2900000000 3100000000; do
		open_ev $t 1 /etc/shadow
	done | cws-cat -r >every.mp &&
	cws-filter -p ev <every.mp >out.mp &&
	test "$(matches out.mp | tr "\n" " ")" = "once_a_second once_a_second once_a_second " &&
	jq -e ".every_skipped == 2 and (.rules[] | select(.id == \"quiet\") |
		.matches == 5 and .written == 0)" run/cws-filter.json
'

# Runs cws-filter in the background on a fifo kept open on fd 7.
start_filter() {
	rm -f in.fifo && mkfifo in.fifo &&
	{ cws-filter "$@" <in.fifo >live.mp 2>live.err & filter=$!; } &&
	exec 7>in.fifo
}
stop_filter() {
	exec 7>&- && wait $filter
}
send() { cws-cat -r >&7; }

test_expect_success JQ 'SIGHUP reloads the policies' '
	mkdir -p hup && cp pol/default.policy hup/ &&
	start_filter -p hup &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	open_ev 1 1 /etc/shadow | send &&
	test_wait_until 5 "matches live.mp | grep -q secret_read" &&
	printf "rules:\n  - id: hosts\n    expression: open.file.path == \"/etc/hosts\"\n" >hup/default.policy &&
	kill -HUP $filter &&
	test_wait_until 5 "grep -q \"policies reloaded: 1 loaded\" live.err" &&
	{ open_ev 2 1 /etc/shadow && open_ev 3 1 /etc/hosts; } | send &&
	stop_filter &&
	test "$(matches live.mp | tr "\n" " ")" = "secret_read hosts " &&
	test "$(cws-cat live.mp | jq -s "map(select(.type == \"ruleset_loaded\")) | length")" = 2 &&
	cws-cat live.mp | jq -s -e "map(select(.type == \"ruleset_loaded\"))[1].policies[0].rules[0].id == \"hosts\"" &&
	jq -e ".policies.reloads == 1 and .policies.rules_loaded == 1" run/cws-filter.json
'

test_expect_success JQ 'a failed reload keeps the old rules and says so' '
	mkdir -p hup2 && cp pol/default.policy hup2/ &&
	start_filter -p hup2 &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	open_ev 1 1 /etc/shadow | send &&
	test_wait_until 5 "matches live.mp | grep -q secret_read" &&
	printf "rules: [oops\n" >hup2/default.policy &&
	kill -HUP $filter &&
	test_wait_until 5 "grep -q \"reload failed: no rule loaded; keeping the previous policies\" live.err" &&
	rm -r hup2 &&
	kill -HUP $filter &&
	test_wait_until 5 "grep -q \"cannot read policy directory\" live.err" &&
	open_ev 2 1 /etc/shadow | send &&
	stop_filter &&
	test "$(matches live.mp | tr "\n" " ")" = "secret_read secret_read " &&
	jq -e ".policies.reload_failures == 2 and .policies.reloads == 0" run/cws-filter.json
'

test_expect_success JQ 'heartbeats report the drops per rule' '
	start_filter -e "open.file.path == \"/etc/shadow\"" &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	cws-cat burst.mp | send &&
	test_wait_until 5 "test \$(matches live.mp | wc -l) = 40" &&
	kill -HUP $filter &&
	test_wait_until 5 "grep -q \"policies reloaded\" live.err" &&
	stop_filter &&
	cws-cat live.mp | jq -s -e "map(select(.type == \"heartbeat\")) | last |
		.producer == \"cws-filter\" and .events == 40 and .lost == 10 and
		.rate_limited == {cli_1: 10} and .policies == [{name: \"cli\", version: \"\", source: \"cli\"}]"
'

test_expect_success JQ 'the kill action kills the process of the event and says so' '
	mkdir -p kill && cat >kill/default.policy <<-\EOF &&
	rules:
	  - id: no_sleep
	    expression: exec.file.name == "sleep" && process.comm == "t"
	    actions:
	      - kill:
	          signal: SIGKILL
	EOF
	{ sleep 300 & victim=$!; } &&
	test_when_finished "kill $victim 2>/dev/null" &&
	exec_ev $(date +%s%N) $victim /bin/sleep | cws-cat -r >k.mp &&
	cws-filter -p kill <k.mp >out.mp &&
	{ wait $victim; rc=$?; } ; test $rc = 137 &&
	cws-cat out.mp | jq -c "select(.rule) | .rule.actions |
		map(del(.created_at, .detected_at, .killed_at, .exited_at))" >acts &&
	echo "[{\"type\":\"kill\",\"signal\":\"SIGKILL\",\"scope\":\"process\",\"pid\":$victim,\"status\":\"performed\"}]" >expect &&
	test_cmp expect acts &&
	# When: the event, the action, the signal, the process gone, in order.
	cws-cat out.mp | jq -e "select(.rule) | .rule.actions[0] |
		.detected_at <= .created_at and .created_at <= .killed_at and
		.killed_at <= .exited_at" &&
	jq -e ".kills == 1 and .kill_errors == 0" run/cws-filter.json
'

test_expect_success JQ 'kill is refused for old events, pid 1, and errors are recorded' '
	{
		exec_ev 1 4242 /bin/sleep &&
		exec_ev $(date +%s%N) 1 /bin/sleep &&
		exec_ev $(date +%s%N) 999999999 /bin/sleep
	} | cws-cat -r >k2.mp &&
	cws-filter -p kill <k2.mp >out.mp 2>err &&
	cws-cat out.mp | jq -c "select(.rule) | .rule.actions[0] | [.status, .message]" >got &&
	cat >expect <<-\EOF &&
	["refused","event too old: not live"]
	["refused","refusing to signal this process"]
	["error","No such process"]
	EOF
	test_cmp expect got &&
	grep "rule .no_sleep.: kill SIGKILL 999999999: No such process" err
'

test_expect_success 'enforcement.enabled: false refuses kill actions at load' '
	DD_RUNTIME_SECURITY_CONFIG_ENFORCEMENT_ENABLED=false cws-filter -n -p kill >/dev/null 2>err &&
	grep "action 1 (kill) skipped: .kill. action is disabled globally" err
'

test_expect_success ROOT 'as root: cws_user, no capability, seccomp; the broker keeps three' '
	start_filter -p kill &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	test_wait_until 5 "grep -q \"^Seccomp:	2$\" /proc/$filter/status" &&
	u=$(id -u cws) &&
	grep "^Uid:	$u	$u	$u	$u$" /proc/$filter/status &&
	grep "^CapEff:	0000000000000000$" /proc/$filter/status &&
	grep "^CapPrm:	0000000000000000$" /proc/$filter/status &&
	grep "^CapBnd:	0000000000000000$" /proc/$filter/status &&
	grep "^NoNewPrivs:	1$" /proc/$filter/status &&
	test_wait_until 10 "jq -e \".pid == $filter and .broker_pid > 0\" run/cws-filter.json" &&
	b=$(jq .broker_pid run/cws-filter.json) &&
	grep "^Name:	cws-broker$" /proc/$b/status &&
	grep "^Uid:	0	0	0	0$" /proc/$b/status &&
	# CAP_KILL, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE and nothing else.
	grep "^CapEff:	0000000000080024$" /proc/$b/status &&
	grep "^CapBnd:	0000000000080024$" /proc/$b/status &&
	grep "^Seccomp:	2$" /proc/$b/status &&
	grep "^NoNewPrivs:	1$" /proc/$b/status &&
	test "$(jq -r .sandbox run/cws-filter.json)" = on &&
	stop_filter &&
	test_wait_until 5 "! kill -0 $b 2>/dev/null"
'

test_expect_success ROOT 'in its sandbox a call outside the list fails; /etc/passwd stays closed' '
	CWS_SANDBOX_TEST=1 cws-filter -e "open.file.path == \"/x\"" </dev/null 2>err &&
	grep "^cws-filter: warning: sandbox test: ptrace: refused (Operation not permitted)$" err &&
	grep "^cws-filter: warning: sandbox test: open /etc/passwd for writing: refused (Permission denied)$" err
'

test_expect_success ROOT '--no-sandbox: root, loudly' '
	CWS_SANDBOX_TEST=1 cws-filter --no-sandbox -e "open.file.path == \"/x\"" </dev/null 2>err &&
	grep "^cws-filter: warning: --no-sandbox: running WITHOUT the sandbox" err &&
	grep "^cws-filter: warning: sandbox test: open /etc/passwd for writing: ALLOWED$" err &&
	test "$(jq -r .sandbox run/cws-filter.json)" = off
'

test_expect_success 'SIGTERM on a silent pipe: exit 0 at the end of the input, status file' '
	start_filter -e "open.file.path == \"/x\"" &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	sleep 0.3 && kill -TERM $filter &&
	sleep 0.3 && kill -0 $filter &&
	stop_filter &&
	jq -e ".state == \"stopped\" and .tool == \"cws-filter\"" run/cws-filter.json
'

test_expect_success 'a closed output stops cws-filter with exit 1' '
	for i in $(seq 3000); do open_ev $i 1 /etc/shadow; done | cws-cat -r >many.mp &&
	DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 cws-filter -e "open.file.path == \"/etc/shadow\"" <many.mp 2>err | head -c 100 >/dev/null;
	test "${PIPESTATUS[0]}" = 1 &&
	grep "standard output closed" err
'

test_expect_success '-h prints the usage of the man page, -V the version, bad use exits 2' '
	cws-filter -h >out &&
	printf "%s\n" "usage: cws-filter [-hnqVv] [--no-sandbox] [-c file] [-e expression] [-p dir]" \
		"           [--self-test dir]" >expect &&
	test_cmp expect out &&
	mandoc -Tascii "$CWS_SRC/man/cws-filter.8" | col -b | tr -s " \n\t" " " |
		grep -F "cws-filter [-hnqVv] [--no-sandbox] [-c file] [-e expression] [-p dir] [--self-test dir]" &&
	cws-filter -V | grep "^cws-filter [0-9]" &&
	test_expect_code 2 cws-filter -Z 2>err && grep usage err &&
	test_expect_code 2 cws-filter extra 2>err && grep usage err
'

test_expect_success VALGRIND 'valgrind finds no error or leak on a test stream' '
	cat in.mp burst.mp mixed.mp ctl.mp >vg.mp &&
	valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		cws-filter -p pol -e "open.file.name == \"shadow\" && process.pid > 0" <vg.mp >/dev/null 2>vg.err;
	test $? = 0 || { cat vg.err; false; }
'

test_expect_success VALGRIND 'valgrind: a reload leaks nothing' '
	mkdir -p vghup && cp pol/default.policy vghup/ &&
	rm -f in.fifo && mkfifo in.fifo &&
	{ valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite cws-filter -p vghup \
		<in.fifo >vghup.mp 2>vghup.err & filter=$!; } &&
	exec 7>in.fifo &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	open_ev 1 1 /etc/shadow | send &&
	test_wait_until 30 "test -s vghup.mp" &&
	kill -HUP $filter &&
	test_wait_until 30 "grep -q \"policies reloaded\" vghup.err" &&
	exec 7>&- && wait $filter || { cat vghup.err; false; }
'

# The EXAMPLES of cws-filter(8).
test_expect_success JQ 'man page: try a rule on a hand-made event' '
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":1},\"process\":{\"pid\":1},\"open\":{\"file\":{\"path\":\"/etc/shadow\"}}}" |
		cws-cat -r | cws-filter -e "open.file.path == \"/etc/shadow\"" |
		cws-cat | jq -c "select(.rule) | .rule" >out &&
	echo "{\"id\":\"cli_1\",\"policy\":{\"name\":\"cli\",\"source\":\"cli\"}}" >expect &&
	test_cmp expect out
'

test_expect_success 'man page: check a policy directory before installing it' '
	mkdir -p policies && cat >policies/default.policy <<-\EOF &&
	version: 1.0.0
	rules:
	  - id: secret_read
	    expression: open.file.path in ["/etc/shadow", "/etc/gshadow"]
	  - id: cat_exec
	    expression: exec.file.name == "cat"
	  - id: windows_only
	    expression: exec.file.name == "mimikatz.exe"
	    filters:
	      - os == "windows"
	EOF
	cws-filter -n -p ./policies >out &&
	cat >expect <<-\EOF &&
	policy '\''default.policy'\'' version 1.0.0: 2 loaded, 1 filtered, 0 failed
	  filtered: agent_filter_error 1
	total: 2 loaded, 1 filtered, 0 failed
	EOF
	test_cmp expect out
'

test_expect_success JQ 'man page: replay a capture through new policies' '
	cat in.mp burst.mp >capture.mp &&
	cws-filter -p ./policies < capture.mp | cws-cat |
		jq -r "select(.rule) | .rule.id" | sort | uniq -c >out &&
	printf "      1 cat_exec\n     40 secret_read\n" >expect &&
	test_cmp expect out
'

test_expect_success JQ 'man page: reload the policies of a running cws-filter' '
	start_filter -p policies &&
	test_when_finished "exec 7>&-; kill $filter 2>/dev/null" &&
	open_ev 1 1 /etc/shadow | send &&
	test_wait_until 5 "test -s live.mp" &&
	if test "$(pidof cws-filter)" = "$filter"
	then
		kill -HUP $(pidof cws-filter)
	else
		kill -HUP $filter
	fi &&
	test_wait_until 5 "grep -q \"policies reloaded\" live.err" &&
	stop_filter
'

# The EXAMPLES of cws-policy(5), copied here as written there.
test_expect_success JQ 'man page cws-policy(5): the example policies load and act' '
	mkdir -p ex && cat >ex/default.policy <<-\EOF &&
	version: 1.0.0
	macros:
	  - id: secrets
	    values: [/etc/shadow, /etc/gshadow]
	rules:
	  - id: secret_read
	    description: A secret file was opened
	    expression: open.file.path in secrets && process.uid != 0
	    tags:
	      severity: high
	  - id: windows_only
	    expression: exec.file.name == "mimikatz.exe"
	    filters:
	      - os == "windows"
	  - id: no_miners
	    expression: exec.file.name in ["xmrig", "minerd"]
	    actions:
	      - kill:
	          signal: SIGKILL
	EOF
	cws-filter -n -p ex >sum &&
	grep "^policy .default.policy. version 1.0.0: 2 loaded, 1 filtered, 0 failed$" sum &&
	cat >ex/custom.policy <<-\EOF &&
	rules:
	  - id: secret_read
	    combine: override
	    expression: open.file.path in secrets && process.uid >= 1000
	  - id: no_miners
	    disabled: true
	EOF
	cws-filter -n -v -p ex >sum &&
	grep "^total: 1 loaded, 2 filtered, 0 failed$" sum &&
	grep "^    no_miners: disabled: disabled by .custom.policy.$" sum &&
	{
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":1},\"process\":{\"pid\":5,\"uid\":500},\"open\":{\"file\":{\"path\":\"/etc/shadow\"}}}" &&
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":2},\"process\":{\"pid\":6,\"uid\":1000},\"open\":{\"file\":{\"path\":\"/etc/shadow\"}}}"
	} | cws-cat -r | cws-filter -p ex | cws-cat |
		jq -c "select(.rule) | [.process.pid, .rule.id, .rule.tags, .rule.description]" >out &&
	echo "[6,\"secret_read\",{\"severity\":\"high\"},\"A secret file was opened\"]" >expect &&
	test_cmp expect out
'

test_expect_success JQ '--self-test: the three self-test rules, marked, listed in the status' '
	mkdir -p strun &&
	st=/var/empty/st &&
	{
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":1},\"process\":{\"pid\":7},\"open\":{\"file\":{\"path\":\"$st/1/datadog_agent_cws_target_file\"},\"flags\":64}}" &&
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":2},\"process\":{\"pid\":7},\"open\":{\"file\":{\"path\":\"$st/1/datadog_agent_cws_target_file\"},\"flags\":0}}" &&
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"chmod\",\"timestamp\":3},\"process\":{\"pid\":8},\"chmod\":{\"file\":{\"path\":\"$st/1/datadog_agent_cws_target_file\"}}}" &&
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"chown\",\"timestamp\":4},\"process\":{\"pid\":9},\"chown\":{\"file\":{\"path\":\"$st/other\"}}}"
	} | cws-cat -r | DD_RUN_PATH=$TRASH/strun cws-filter --self-test $st -e "exec.file.name == \"none\"" |
		cws-cat | jq -c "select(.rule) | [.evt.timestamp, .rule.id, .rule.policy.source]" >out &&
	cat >expect <<-\EOF &&
	[1,"datadog_agent_cws_self_test_rule_open","self-test"]
	[3,"datadog_agent_cws_self_test_rule_chmod","self-test"]
	EOF
	test_cmp expect out &&
	jq -e ".self_test.matches == 2 and
		(.self_test.events | map(.rule_id)) ==
		[\"datadog_agent_cws_self_test_rule_open\", \"datadog_agent_cws_self_test_rule_chmod\"] and
		all(.self_test.events[]; .path == \"$st/1/datadog_agent_cws_target_file\")" strun/cws-filter.json &&
	test_expect_code 3 cws-filter --self-test "/tmp/a\"b" -e "exec.file.name == \"x\"" </dev/null 2>err &&
	grep "cannot go in a rule" err
'

test_expect_success JQ 'event.service: DD_SERVICE of the process, else the service: tag of the configuration' '
	{
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1},\"process\":{\"pid\":7,\"file\":{\"name\":\"true\"},\"envp\":[\"DD_SERVICE=web\"]}}" &&
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":2},\"process\":{\"pid\":8,\"file\":{\"name\":\"true\"}}}"
	} | cws-cat -r >svc.mp &&
	DD_TAGS="env:prod service:hostsvc" cws-filter -e "exec.file.name == \"true\" && event.service in [\"web\", \"hostsvc\"]" <svc.mp |
		cws-cat | jq -c "select(.rule) | .evt.timestamp" >out &&
	printf "1\n2\n" >expect &&
	test_cmp expect out &&
	cws-filter -e "exec.file.name == \"true\" && event.service == \"\"" <svc.mp |
		cws-cat | jq -c "select(.rule) | .evt.timestamp" >out &&
	echo 2 >expect &&
	test_cmp expect out
'

test_done
