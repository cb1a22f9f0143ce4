#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws, the front end: the small verbs, cws run as a supervisor on the real
# kernel (a rule catches a real open, a killed stage is started again and
# the next open is still caught, SIGHUP reloads, SIGTERM stops the stages
# in order), cws status in text and JSON, and the systemd unit.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws run starts cws-probe, which needs root and BTF"

command -v systemd-analyze >/dev/null && test_set_prereq SYSTEMD

here=$(pwd -P)
mkdir -p pol run spool
echo secret >secret
cat >pol/default.policy <<EOF
version: "1.0.0"
rules:
  - id: t5000_secret
    expression: open.file.path == "$here/secret"
  - id: t5000_broken
    expression: open.file.path == "unterminated
EOF
cat >cws.yaml <<EOF
hostname: t5000-host
run_path: $here/run
spool_dir: $here/spool
runtime_security_config:
  policies:
    dir: $here/pol
  probe:
    events: [open, chmod, chown]
EOF

# The rule ids of the intake messages cws-ship wrote to out.json.
rules() { jq -r '.message | fromjson | .agent.rule_id' out.json; }
caught() { rules 2>/dev/null | grep -c '^t5000_secret$'; }

# Opens the secret until one more match than $1 reached the output: a
# busy machine may drop an event (counted by the probe).
catch_one() {
	local before=$1 i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cat secret >/dev/null
		test_wait_until 2 "test \$(caught) -gt $before" && return 0
	done
	return 1
}

state() { jq -r .state "run/$1.json" 2>/dev/null; }

test_expect_success 'version, hostname, config get' '
	cws version | grep "^cws [0-9]" &&
	test "$(cws -c cws.yaml hostname)" = t5000-host &&
	test "$(cws -c cws.yaml config get run_path)" = "$here/run (file)" &&
	DD_API_KEY=0123456789abcdef0123456789abcdef \
		cws -c cws.yaml config get api_key >key.out &&
	grep "bcdef (env)$" key.out && ! grep 0123456789 key.out
'

test_expect_success 'an unknown verb or key is a usage error' '
	test_expect_code 2 cws frobnicate 2>err &&
	grep "unknown command" err &&
	test_expect_code 2 cws -c cws.yaml config get no.such.key
'

test_expect_success 'runtime security disabled: cws run starts nothing' '
	DD_RUNTIME_SECURITY_CONFIG_ENABLED=false cws -c cws.yaml run 2>err &&
	grep "runtime security is disabled by config" err &&
	! test -e run/cws.json && ! test -e run/cws-probe.json
'

test_expect_success 'cws policy check and eval' '
	cws -c cws.yaml policy check -p pol >check.out &&
	grep "^total: 1 loaded, 0 filtered, 1 failed$" check.out &&
	grep "^  open: 1 rule, approvers: 1 basename$" check.out &&
	grep "^    basename secret$" check.out &&
	printf "%s\n" "{\"type\":\"event\",\"evt\":{\"name\":\"open\",\"timestamp\":1,\"cpu\":0,\"retval\":3},\"process\":{\"pid\":1,\"tid\":1,\"ppid\":0,\"comm\":\"cat\"},\"open\":{\"file\":{\"path\":\"$here/secret\",\"name\":\"secret\"},\"flags\":0}}" >ev.json &&
	cws -c cws.yaml policy eval -p pol <ev.json >eval.out &&
	jq -s -e "any(.rule.id == \"t5000_secret\")" eval.out &&
	cws -c cws.yaml policy eval -e "open.file.name == \"other\"" <ev.json >eval2.out &&
	jq -s -e "any(.rule) | not" eval2.out
'

test_expect_success "Datadog's command forms and options after the command" '
	cws runtime policy check --policies-dir pol -c cws.yaml >dd.out &&
	test_cmp check.out dd.out &&
	cws runtime check-policies --policies-dir=pol -c cws.yaml >dd2.out &&
	test_cmp check.out dd2.out &&
	cws runtime policy eval --policies-dir pol -c cws.yaml <ev.json >eval3.out &&
	jq -s -e "any(.rule.id == \"t5000_secret\")" eval3.out &&
	test_expect_code 2 cws runtime activity-dump list 2>dd.err &&
	grep "unknown command .runtime." dd.err
'

test_expect_success VALGRIND 'valgrind: the verbs that do not run free what they read' '
	rm -f vg.err vg.bad &&
	for verb in hostname "config get run_path" "policy check -p pol"
	do
		valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			cws -c cws.yaml $verb >/dev/null 2>>vg.err
		test $? != 99 || echo "$verb" >>vg.bad
	done &&
	{ ! test -s vg.bad || { cat vg.bad vg.err; false; }; }
'

test_expect_success BPF,JQ 'cws run: the pipeline catches a real open' '
	{ cws -c cws.yaml run >out.json 2>run.err & sup=$!; } &&
	echo $sup >sup.pid &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	test_wait_until 30 "rules | grep -q ruleset_loaded" &&
	catch_one 0 &&
	test "$(state cws)" = running &&
	test "$(state cws-filter)" = running &&
	test "$(state cws-ship)" = running
'

# field PID NAME: a line of /proc/PID/status, tabs as spaces.
field() { sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status | tr '\t' ' '; }
pid_of() { jq -r .pid "run/$1.json"; }

test_expect_success BPF,JQ 'every stage in its sandbox: user, capabilities, no_new_privs, seccomp' '
	u=$(id -u cws) &&
	sup=$(cat sup.pid) &&
	probe=$(pid_of cws-probe) && filter=$(pid_of cws-filter) &&
	ship=$(pid_of cws-ship) && broker=$(jq -r .broker_pid run/cws-filter.json) &&
	api=$(pgrep -P $sup -x cws-api) &&
	for p in $filter $ship $api; do
		test "$(field $p Uid)" = "$u $u $u $u" &&
		test "$(field $p CapEff)" = 0000000000000000 &&
		test "$(field $p CapBnd)" = 0000000000000000 &&
		test "$(field $p NoNewPrivs)" = 1 || return 1
	done &&
	test "$(field $filter Seccomp)" = 2 && test "$(field $ship Seccomp)" = 2 &&
	# The probe: root, what cws-probe(8) lists (CAP_DAC_READ_SEARCH,
	# CAP_SYS_PTRACE, CAP_PERFMON, CAP_BPF here: no classifier), seccomp.
	test "$(field $probe Uid)" = "0 0 0 0" &&
	test "$(field $probe CapEff)" = 000000c000080004 &&
	test "$(field $probe NoNewPrivs)" = 1 && test "$(field $probe Seccomp)" = 2 &&
	# The broker: root with CAP_KILL, CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE.
	test "$(field $broker Uid)" = "0 0 0 0" &&
	test "$(field $broker CapEff)" = 0000000000080024 &&
	test "$(field $broker Seccomp)" = 2 &&
	# The supervisor: CAP_KILL, CAP_SETGID, CAP_SETUID, CAP_SETPCAP.
	test "$(field $sup CapEff)" = 00000000000001e0 &&
	test "$(jq -r .sandbox run/cws-probe.json run/cws-filter.json run/cws-ship.json | sort -u)" = on
'

test_expect_success BPF,JQ 'cws status shows every stage, and --json' '
	cws -c cws.yaml status >status.out &&
	grep "^  cws-probe   running" status.out &&
	grep "^  cws-filter  running" status.out &&
	grep "^Policies (cws-filter)" status.out &&
	grep "Rules: 4 loaded, 0 filtered, 1 failed" status.out &&
	grep "failed: t5000_broken (default.policy)" status.out &&
	grep "datadog-agent-cws-self-test-policy (version 1.0.0): 3 loaded" status.out &&
	grep "Enabled event types: open, chmod, chown" status.out &&
	grep "^  Kernel filters: policy [0-9a-f]\{16\}, 4 rules, approvers on, discarders on" status.out &&
	grep "^    open         filtered          2 approvers, seen [0-9]*, dropped" status.out &&
	cws -c cws.yaml status --json >status.json &&
	jq -e ".cws.state == \"running\" and
		.\"cws-probe\".state == \"running\" and
		.\"cws-filter\".policies.rules_loaded == 4 and
		.\"cws-filter\".policies.rules_failed == 1 and
		(.\"cws-filter\".policies.failed[0] | .id == \"t5000_broken\" and
		 (.message | length) > 0) and
		.\"cws-ship\".state == \"running\"" status.json
'

test_expect_success BPF,JQ 'the start-up self-test, and cws self-test, end to end' '
	test_wait_until 40 "jq -e \".result == \\\"OK\\\"\" run/cws-selftest.json" &&
	grep "start-up self-test: OK" run.err &&
	cws -c cws.yaml self-test >st.out &&
	test "$(cat st.out)" = "Runtime self test: OK" &&
	jq -e ".failed_tests == [] and (.succeeded_tests | length) == 3" run/cws-selftest.json &&
	cws -c cws.yaml status >status2.out &&
	grep "^  Result: OK$" status2.out &&
	! ls -R run/self-test | grep datadog_agent_cws_target_file &&
	test -z "$(ls run/self-test)" &&
	# self_test.send_report: the start-up report and this one, as Datadog sends them.
	test_wait_until 20 "test \$(rules | grep -c \"^self_test\$\") -ge 2" &&
	jq -r ".message" out.json | jq -s -e "map(select(.agent.rule_id == \"self_test\")) |
		all(.title == \"Self tests result\" and .failed_tests == [] and
		    (.succeeded_tests | sort) == [\"datadog_agent_cws_self_test_rule_chmod\",
			\"datadog_agent_cws_self_test_rule_chown\", \"datadog_agent_cws_self_test_rule_open\"])"
'

test_expect_success BPF,JQ 'a self-test names the step that failed and where it stopped' '
	ship=$(jq .pid run/cws-ship.json) &&
	kill -STOP $ship &&
	test_when_finished "kill -CONT $ship" &&
	test_expect_code 1 cws -c cws.yaml self-test -t 8 >st.out &&
	kill -CONT $ship &&
	grep "^Runtime self test: error: the open with O_CREAT (touch): matched by cws-filter but not accepted by cws-ship within 8 s$" st.out &&
	probe=$(jq .pid run/cws-probe.json) &&
	kill -STOP $probe &&
	test_when_finished "kill -CONT $probe" &&
	test_expect_code 1 cws -c cws.yaml self-test -t 3 >st.out &&
	kill -CONT $probe &&
	grep "^Runtime self test: error: the open with O_CREAT (touch): no match from cws-filter (not seen by cws-probe, or cws-filter not running) within 3 s$" st.out &&
	DD_RUNTIME_SECURITY_CONFIG_SELF_TEST_ENABLED=false \
		test_expect_code 1 cws -c cws.yaml self-test >st.out &&
	grep "self-tests are disabled" st.out
'

test_expect_success BPF,JQ 'a stage killed is started again, and the next open caught' '
	old=$(jq .pid run/cws-filter.json) &&
	kill -9 $old &&
	test_wait_until 20 "jq -e \".stages[1].restarts == 1\" run/cws.json" &&
	test_wait_until 20 "test \"\$(jq .pid run/cws-filter.json)\" != $old &&
		test \"\$(state cws-filter)\" = running" &&
	grep "cws-filter exited (signal 9" run.err &&
	catch_one $(caught)
'

test_expect_success BPF,JQ 'SIGHUP reloads the policies; cws policy reload too' '
	kill -HUP $(cat sup.pid) &&
	test_wait_until 20 "jq -e \".policies.reloads == 1\" run/cws-filter.json" &&
	cws -c cws.yaml policy reload &&
	test_wait_until 20 "jq -e \".policies.reloads == 2\" run/cws-filter.json"
'

test_expect_success BPF,JQ 'SIGTERM stops the stages in order, exit 0' '
	# The programs of this probe (others may run on the machine).
	probe=$(pid_of cws-probe) &&
	cat /proc/$probe/fdinfo/* 2>/dev/null | sed -n "s/^prog_id:[[:space:]]*//p" | sort -u >ids &&
	test -s ids &&
	kill -TERM $(cat sup.pid) &&
	wait $(cat sup.pid) &&
	for t in cws cws-probe cws-filter cws-ship; do
		test "$(state $t)" = stopped || return 1
	done &&
	grep -n "stopped (exit code 0)" run.err >order &&
	sed -n 1p order | grep cws-probe &&
	sed -n 2p order | grep cws-filter &&
	sed -n 3p order | grep cws-ship &&
	# Nothing of the probe is left in the kernel: programs, classifiers.
	# The kernel frees a program after an RCU grace period, not at the
	# exit of its last holder: give it a few seconds.
	for id in $(cat ids); do
		test_wait_until 10 "! bpftool prog show id $id >/dev/null 2>&1" || return 1
	done &&
	! tc filter show dev lo egress 2>/dev/null | grep dns__tc_egress
'

test_expect_success 'cws status without a pipeline says so' '
	DD_RUN_PATH=$here/none test_expect_code 1 cws status 2>err &&
	grep "no status file in .$here/none" err
'

test_expect_success SYSTEMD 'the systemd unit installs and passes systemd-analyze verify' '
	make --no-print-directory -s -C "$CWS_SRC" O="$CWS_BUILD" install \
		PREFIX="$here/prefix" SYSCONFDIR="$here/prefix/etc" >inst.out 2>&1 &&
	unit=$here/prefix/lib/systemd/system/cws.service &&
	grep "^ExecStart=$here/prefix/bin/cws -c $here/prefix/etc/cws/cws.yaml run$" $unit &&
	grep "^ExecReload=" $unit && grep "^Restart=" $unit &&
	grep "^CapabilityBoundingSet=" $unit && grep "^ProtectSystem=strict" $unit &&
	grep "^PrivateTmp=yes" $unit && grep "^ReadWritePaths=/run/cws /var/lib/cws" $unit &&
	systemd-analyze verify --man=no $unit
'

test_done
