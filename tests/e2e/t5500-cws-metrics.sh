#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# DogStatsD: cws run sends Datadog's runtime-security metrics, tagged with
# the host, to a listener on loopback (UDP, then a Unix datagram socket),
# counted datagram by datagram; without a DogStatsD configured it sends
# nothing and says so.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws run starts cws-probe, which needs root and BTF"
test_have_prereq JQ || test_skip_all "jq is missing"
command -v cws-test-statsd.py >/dev/null ||
	test_skip_all "cws-test-statsd.py not copied (make helpers)"

here=$(pwd -P)
mkdir -p pol run spool
echo secret >secret
cat >pol/default.policy <<EOF
version: "1.0.0"
rules:
  - id: t5500_secret
    expression: open.file.path == "$here/secret"
EOF
cat >base.yaml <<EOF
hostname: t5500-host
run_path: $here/run
spool_dir: $here/spool
runtime_security_config:
  policies:
    dir: $here/pol
  self_test:
    enabled: false
EOF

# statsd_start DIR [--unix PATH]: a listener; its pid in STATSD_PID.
statsd_start() {
	rm -rf "$1" && mkdir -p "$1" &&
	{ cws-test-statsd.py "$@" & } && STATSD_PID=$! &&
	test_wait_until 10 "test -s $1/port"
}

# run_cws CONFIG: cws run in the background, its pid in SUP.
run_cws() {
	{ cws -c "$1" run >out.json 2>run.err & } && SUP=$! &&
	test_wait_until 30 "jq -e '.state == \"running\"' run/cws-ship.json" &&
	test_wait_until 30 "jq -e '.state == \"running\" and .pid == $SUP' run/cws.json"
}

stop_cws() {
	kill -TERM $SUP && wait $SUP
}

# After a failure: nothing of this test left running.
cleanup() {
	kill -TERM ${SUP:-} ${STATSD_PID:-} 2>/dev/null
	wait ${SUP:-} 2>/dev/null
	return 0
}

test_expect_success BPF 'UDP: a datagram every 10 s, Datadog names, the host tag' '
	test_when_finished cleanup &&
	statsd_start udp &&
	cp base.yaml udp.yaml &&
	printf "dogstatsd_port: %s\nbind_host: 127.0.0.1\n" "$(cat udp/port)" >>udp.yaml &&
	run_cws udp.yaml &&
	test_wait_until 10 "grep -q \"dogstatsd: metrics every 10 s to 127.0.0.1:$(cat udp/port)\" run.err" &&
	test_wait_until 20 "grep -q ^datadog.security_agent.runtime.running:1 udp/series" &&
	test_wait_until 30 "cat secret >/dev/null; jq -e \".matches >= 1\" run/cws-filter.json" &&
	test_wait_until 30 "grep -q ^cws.filter.matches udp/series" &&
	cws -c udp.yaml status >status.out &&
	grep "^  DogStatsD: to 127.0.0.1:$(cat udp/port), [0-9]* datagrams sent, 0 dropped$" status.out &&
	stop_cws &&
	# What the supervisor counted is what the listener got.
	test_wait_until 5 "test \$(wc -l <udp/datagrams) = \$(jq .dogstatsd.datagrams run/cws.json)" &&
	test "$(jq .dogstatsd.dropped run/cws.json)" = 0 &&
	grep "^datadog.security_agent.runtime.running:1|g|#host:t5500-host$" udp/series &&
	grep "^datadog.runtime_security.perf_buffer.events.write:[1-9][0-9]*|c|#host:t5500-host,map:events$" udp/series &&
	grep "^cws.rules.loaded:1|g|#host:t5500-host$" udp/series &&
	grep "^cws.rules.failed:0|g|#host:t5500-host$" udp/series &&
	grep "^datadog.runtime_security.ruleset_loaded:1|c|#host:t5500-host$" udp/series &&
	grep "^cws.filter.matches:[1-9][0-9]*|c|#host:t5500-host$" udp/series &&
	# Every series is name:value|type|#tags, each datagram within 1432 bytes.
	! grep -v "^[a-z_.]*:-\?[0-9]*|[cg]|#host:t5500-host" udp/series &&
	awk "length(\$0) > 1432 + 3 * 40 { bad = 1 } END { exit bad }" udp/datagrams &&
	kill $STATSD_PID
'

test_expect_success BPF 'a Unix datagram socket, and the self-test count' '
	test_when_finished cleanup &&
	statsd_start uds --unix "$here/dsd.socket" &&
	cp base.yaml uds.yaml &&
	printf "dogstatsd_socket: %s\n" "$here/dsd.socket" >>uds.yaml &&
	export DD_RUNTIME_SECURITY_CONFIG_SELF_TEST_ENABLED=true &&
	run_cws uds.yaml &&
	test_wait_until 20 "grep -q ^datadog.security_agent.runtime.running uds/series" &&
	# The start-up self-test, then this one.
	test_wait_until 40 "grep -q ^datadog.runtime_security.self_test uds/series" &&
	cws -c uds.yaml self-test >st.out &&
	test "$(cat st.out)" = "Runtime self test: OK" &&
	test_wait_until 5 "test \$(grep -c ^datadog.runtime_security.self_test uds/series) = 2" &&
	test "$(grep -c "^datadog.runtime_security.self_test:1|c|#host:t5500-host,success:3,fails:0,os:linux,arch:$(uname -m)$" uds/series)" = 2 &&
	unset DD_RUNTIME_SECURITY_CONFIG_SELF_TEST_ENABLED &&
	stop_cws &&
	test "$(jq -r .dogstatsd.address run/cws.json)" = "unix://$here/dsd.socket" &&
	kill $STATSD_PID
'

test_expect_success BPF 'no DogStatsD configured: nothing sent, and the status says so' '
	test_when_finished cleanup &&
	run_cws base.yaml &&
	! grep dogstatsd run.err &&
	cws -c base.yaml status >status.out &&
	grep "^  DogStatsD: off (no dogstatsd_port or dogstatsd_socket)$" status.out &&
	stop_cws &&
	test "$(jq -r .dogstatsd.state run/cws.json)" = off
'

test_expect_success BPF 'a DogStatsD that is not there costs nothing: the pipeline runs on' '
	test_when_finished cleanup &&
	cp base.yaml gone.yaml &&
	printf "dogstatsd_port: 9\nbind_host: 127.0.0.1\n" >>gone.yaml &&
	run_cws gone.yaml &&
	cat secret >/dev/null &&
	test_wait_until 30 "jq -r .message out.json 2>/dev/null | grep -q t5500_secret" &&
	test_wait_until 30 "test \$(jq .dogstatsd.datagrams+.dogstatsd.dropped run/cws.json) -ge 2" &&
	stop_cws
'

test_done
