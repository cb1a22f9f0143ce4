#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The README's commands, as a user types them.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
here=$(pwd -P)
cp /bin/true t9000-marker

test_expect_success BPF,JQ 'make run streams live exec events as JSON lines until Ctrl-C' '
	{ timeout -k 10 -s INT 6 make --no-print-directory -s -C "$CWS_SRC" \
		O="$CWS_BUILD" run >run.json 2>run.err & pid=$!; } &&
	test_wait_until 10 "grep -q hello run.json" && ./t9000-marker readme-run &&
	{ wait $pid; rc=$?; } &&
	# make reports the interrupt itself (130 or 2); the tools exit 0.
	! grep -E "error|fatal" run.err &&
	jq -s -e "any(.[]; .evt.name == \"exec\" and
		.process.argv[1] == \"readme-run\" and
		.process.file.path == \"$here/t9000-marker\")" run.json
'

test_expect_success BPF,JQ 'record, then read the capture with cws-cat and jq' '
	{ cws-probe >capture.mp 2>probe.err & pid=$!; } &&
	test_when_finished "kill $pid 2>/dev/null" &&
	test_wait_until 15 "cws-cat capture.mp 2>/dev/null | grep -q hello" &&
	./t9000-marker readme-capture && sleep 0.3 &&
	kill -INT $pid && wait $pid &&
	cws-cat capture.mp | jq "select(.evt.name == \"exec\") | .process.argv" >argv.json &&
	jq -s -e "any(. == [\"./t9000-marker\", \"readme-capture\"])" argv.json
'

test_expect_success BPF,JQ 'cws-probe | cws-cat | jq -c shows pid and exe' '
	{ (cws-probe | cws-cat | jq -c "{pid: .process.pid, exe: .process.file.path}") \
		>live.json 2>live.err & pid=$!; } &&
	test_wait_until 15 "grep -q . live.json" && { ./t9000-marker & mpid=$!; wait $mpid; } && sleep 0.5;
	rc=$? &&
	# Ctrl-C, to this pipeline'\''s probe only (other tests may run one).
	pkill -INT -P $pid -x cws-probe; wait $pid;
	test $rc = 0 &&
	grep -F "{\"pid\":$mpid,\"exe\":\"$here/t9000-marker\"}" live.json
'

test_expect_success BPF,JQ 'cws-probe -r ... | cws-filter -e ... | cws-cat catches /etc/shadow' '
	mkdir -p run &&
	{ (DD_RUN_PATH=$here/run cws-probe -r "open.file.path == \"/etc/shadow\"" |
		cws-filter -e "open.file.path == \"/etc/shadow\"" |
		cws-cat) >shadow.json 2>shadow.err & pid=$!; } &&
	test_wait_until 15 "grep -q ruleset_loaded shadow.json" && sleep 1 &&
	for i in 1 2 3; do cat /etc/passwd /etc/hostname >/dev/null; done &&
	cat /etc/shadow >/dev/null &&
	# The other opens died in the kernel, by the approver "shadow" (the
	# status file is rewritten every 2 seconds).
	test_wait_until 10 "jq -e \".kernel_filters.types.open.approver_count == 1 and
	       .kernel_filters.types.open.dropped_by_approvers > 0\" run/cws-probe.json";
	rc=$? &&
	pkill -INT -P $pid -x cws-probe; wait $pid;
	test $rc = 0 &&
	jq -s -e "any(.[]; .evt.name == \"open\" and
		.open.file.path == \"/etc/shadow\" and .rule.id == \"cli_1\")" shadow.json
'

test_expect_success 'cws-filter -n checks a policy directory; a capture replays' '
	mkdir -p policies &&
	cat >policies/default.policy <<-\EOF &&
	version: 1.0.0
	rules:
	  - id: marker_exec
	    expression: exec.file.name == "t9000-marker"
	EOF
	cws-filter -n -p policies >summary 2>&1 &&
	grep -i "loaded" summary &&
	if test -s capture.mp; then
		cws-filter -p policies <capture.mp | cws-cat >replay.json &&
		jq -s -e "any(.[]; .rule.id == \"marker_exec\")" replay.json
	fi
'

test_expect_success 'a hand-made event reads back' '
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1},\"process\":{\"pid\":1}}" |
		cws-cat -r | cws-cat >out &&
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1},\"process\":{\"pid\":1}}" >expect &&
	test_cmp expect out
'

test_expect_success VALGRIND 'cws-cat is valgrind-clean on good and corrupt input' '
	echo "{\"type\":\"hello\",\"producer\":\"p\",\"schema\":1}" | cws-cat -r >v.mp &&
	printf "\301\301" >>v.mp && cat v.mp v.mp >vv.mp &&
	test_expect_code 1 valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 cws-cat vv.mp >/dev/null 2>vg.err &&
	! grep -q "==[0-9]*==" vg.err
'

test_expect_success 'each way out of the host in the README is what cws-ship does' '
	sed -n "/^### Ways out of the host/,/^## /p" "$CWS_SRC/README.md" |
		awk "/^\\\`\\\`\\\`yaml/ {n++; f = \"way\" n \".yaml\"; next}
		     /^\\\`\\\`\\\`/ {f = \"\"; next}
		     f {gsub(/<[^>]*>/, \"k-12345\"); print > f}" &&
	test -s way5.yaml && test ! -e way6.yaml &&
	for i in 1 2 3 4 5; do
		DD_RUN_PATH=$here/way$i.run DD_SPOOL_DIR=$here/way$i.spool \
		DD_LOGS_CONFIG_STOP_GRACE_PERIOD=0 \
			cws-ship -c way$i.yaml </dev/null 2>way$i.err || return 1
	done &&
	grep "^cws-ship: info: Reliable: Sending compressed logs in HTTPS to runtime-security-http-intake.logs.datadoghq.eu on port 443$" way1.err &&
	grep "^cws-ship: info: Reliable: Sending uncompressed logs in SSL encrypted TCP to agent-intake.logs.datadoghq.com on port 10516$" way2.err &&
	grep "endpoints: TCP: logs_config.socks5_proxy_address is set" way3.err &&
	test "$(jq -r ".endpoints[0].socks5" way3.run/cws-ship.json)" = proxy.internal:1080 &&
	grep "^cws-ship: info: Reliable: Sending compressed logs in HTTP to opw.internal on port 8282$" way4.err &&
	grep "^cws-ship: info: MRF Reliable: Sending compressed logs in HTTPS to runtime-security-http-intake.logs.mrf.us5.datadoghq.com on port 443$" way5.err
'

test_done
