#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The ways out of the host, as Datadog's security agent chooses them: the
# connectivity check when the runtime security endpoints cannot be built
# (passing: HTTP to the logs_config intake; failing: TCP), multi-region
# failover (its own intake and key, only while failover_logs is on,
# switched by SIGHUP), the Observability Pipelines Worker (Datadog's logs
# path, whatever asks for TCP), batch_max_concurrent_send, and an API key
# rotated with SIGHUP.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

command -v cws-test-intake >/dev/null || test_skip_all "cws-test-intake not built (make helpers)"
test_have_prereq JQ || test_skip_all "jq is missing"

matches 300 >n.mp
seq_pids 300 >n.expect

# Nothing from lib-ship's to_intake: each test says where events go.
unset DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL
export DD_API_KEY=$KEY

# count NAME: the match messages intake NAME accepted.
count() { test -e "$1/messages.jsonl" && pids "$1" | wc -l || echo 0; }

test_expect_success 'endpoints that cannot be built: the check passes, HTTP to logs_config' '
	intake_start gen &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=no-port-here \
	DD_LOGS_CONFIG_LOGS_DD_URL=127.0.0.1:$gen_PORT \
	DD_LOGS_CONFIG_LOGS_NO_SSL=true \
		cws-ship <n.mp 2>err &&
	grep "logs_dd_url: expected host:port, got .no-port-here.: using the logs_config.\* endpoints instead" err &&
	grep "endpoints: HTTP: the connectivity check passed" err &&
	grep "Reliable: Sending compressed logs in HTTP to 127.0.0.1 on port $gen_PORT" err &&
	# The check is an empty POST, then the batches.
	head -1 gen/requests.log | grep " 200 enc=- count=0 " &&
	grep "^POST /api/v2/secruntime" gen/req-2.head &&
	pids gen >got && test_cmp n.expect got &&
	test "$(status .protocol)" = http &&
	test "$(status .decision)" = "HTTP: the connectivity check passed"
'

test_expect_success 'the check fails: TCP, with Datadog'\''s warning' '
	intake_start gen && echo 503 >gen/mode &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=no-port-here \
	DD_LOGS_CONFIG_LOGS_DD_URL=127.0.0.1:$gen_PORT \
	DD_LOGS_CONFIG_LOGS_NO_SSL=true DD_LOGS_CONFIG_STOP_GRACE_PERIOD=0 \
		cws-ship </dev/null 2>err &&
	grep "You are currently sending Logs to Datadog through TCP" err &&
	grep "endpoints: TCP: the HTTP connectivity check failed" err &&
	grep "Reliable: Sending uncompressed logs in TCP to 127.0.0.1 on port $gen_PORT" err &&
	test "$(wc -l <gen/requests.log)" = 1 &&
	test "$(status .protocol)" = tcp &&
	test "$(status .endpoints[0].url)" = "tcp://127.0.0.1:$gen_PORT"
'

test_expect_success 'what forces HTTP skips the check' '
	intake_start gen && echo 503 >gen/mode &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=no-port-here \
	DD_LOGS_CONFIG_LOGS_DD_URL=127.0.0.1:$gen_PORT \
	DD_LOGS_CONFIG_LOGS_NO_SSL=true DD_LOGS_CONFIG_FORCE_USE_HTTP=true \
	DD_LOGS_CONFIG_STOP_GRACE_PERIOD=0 \
		cws-ship </dev/null 2>err &&
	grep "endpoints: HTTP: logs_config.force_use_http is set" err &&
	test ! -e gen/requests.log
'

# A configuration file, since SIGHUP reads it again.
write_config() { # main-port mrf-port main-key failover
	cat >cws.yaml <<-EOF
	api_key: $3
	runtime_security_config:
	  endpoints:
	    logs_dd_url: 127.0.0.1:$1
	    logs_no_ssl: true
	    batch_wait: 1
	multi_region_failover:
	  enabled: true
	  dd_url: http://127.0.0.1:$2
	  api_key: mrf-key-55555
	  failover_logs: $4
	EOF
}

test_expect_success 'MRF: its own intake and key, only while failover_logs is on' '
	intake_start main -k $KEY && intake_start mrf -k mrf-key-55555 &&
	write_config $main_PORT $mrf_PORT $KEY false &&
	ship_fifo -c cws.yaml &&
	test_wait_until 10 "grep -q \"MRF Reliable: Sending compressed logs in HTTP to 127.0.0.1 on port $mrf_PORT\" ship.err" &&
	matches 100 >&3 &&
	test_wait_until 20 "test \$(count main) = 100" &&
	test_wait_until 10 "test \"\$(status .endpoints[1].skipped_messages)\" = \$(wc -l <main/wrappers.jsonl)" &&
	skipped=$(status .endpoints[1].skipped_messages) &&
	test ! -e mrf/requests.log &&
	test "$(status .endpoints[1].mrf)" = true &&
	test "$(status .endpoints[1].failover_logs)" = false &&
	# Failing over: SIGHUP reads failover_logs again.
	write_config $main_PORT $mrf_PORT $KEY true &&
	kill -HUP $SHIP_PID &&
	test_wait_until 10 "grep -q \"failover_logs is now true\" ship.err" &&
	matches 50 5000 >&3 &&
	test_wait_until 20 "test \$(count main) = 150" &&
	test_wait_until 20 "test \$(count mrf) = 50" &&
	pids mrf >got && seq_pids 50 5000 >expect && test_cmp expect got &&
	test ! -e mrf/errors &&
	ship_wait &&
	test "$(status .endpoints[1].sent_messages)" = $(wc -l <mrf/wrappers.jsonl) &&
	test "$(status .endpoints[1].skipped_messages)" = $skipped &&
	test "$(status .endpoints[0].sent_messages)" = $(wc -l <main/wrappers.jsonl)
'

test_expect_success 'cws status shows why, and every endpoint'\''s line' '
	cws status >st &&
	grep "^  Endpoints chosen: HTTP: multi_region_failover.enabled is set$" st &&
	grep "^  Endpoint: Reliable: Sending compressed logs in HTTP to 127.0.0.1 on port $main_PORT$" st &&
	grep "^  Endpoint: MRF Reliable: Sending compressed logs in HTTP to 127.0.0.1 on port $mrf_PORT$" st &&
	grep "^    failover_logs  *true$" st &&
	grep "^    api_key  *\*\**55555$" st
'

test_expect_success 'a rotated API key is used after SIGHUP, no restart' '
	unset DD_API_KEY &&
	intake_start main && intake_start mrf &&
	write_config $main_PORT $mrf_PORT old-key-11111 false &&
	ship_fifo -c cws.yaml &&
	matches 5 >&3 &&
	test_wait_until 20 "test \$(count main) = 5" &&
	grep -h "^DD-API-KEY: " main/req-*.head | sort -u >keys &&
	echo "DD-API-KEY: old-key-11111" >expect && test_cmp expect keys &&
	write_config $main_PORT $mrf_PORT new-key-22222 false &&
	kill -HUP $SHIP_PID &&
	test_wait_until 10 "grep -q \"rotating the API key of .http://127.0.0.1:$main_PORT/api/v2/secruntime.: \*\*\*\*\*\*\*\*11111 -> \*\*\*\*\*\*\*\*22222\" ship.err" &&
	test_wait_until 10 "test \"\$(status .endpoints[0].api_key)\" = \"********22222\"" &&
	matches 5 6000 >&3 &&
	test_wait_until 20 "test \$(count main) = 10" &&
	n=$(wc -l <main/requests.log) &&
	grep "^DD-API-KEY: " main/req-$n.head >key &&
	echo "DD-API-KEY: new-key-22222" >expect && test_cmp expect key &&
	! grep -e old-key-11111 -e new-key-22222 ship.err "$DD_RUN_PATH/cws-ship.json" &&
	ship_wait
'
export DD_API_KEY=$KEY

test_expect_success 'nothing to rotate, SIGHUP says so' '
	write_config $main_PORT $mrf_PORT $KEY false &&
	ship_fifo -c cws.yaml &&
	test_wait_until 10 "test \"\$(status .pid)\" = $SHIP_PID" &&
	kill -HUP $SHIP_PID &&
	test_wait_until 10 "grep -q \"SIGHUP: the API keys are unchanged\" ship.err" &&
	ship_wait
'

test_expect_success 'OPW: the Worker takes every event on Datadog'\''s logs path' '
	intake_start opw &&
	DD_OBSERVABILITY_PIPELINES_WORKER_LOGS_ENABLED=true \
	DD_OBSERVABILITY_PIPELINES_WORKER_LOGS_URL=http://127.0.0.1:$opw_PORT \
	DD_LOGS_CONFIG_FORCE_USE_TCP=true \
		cws-ship <n.mp 2>err &&
	grep "endpoints: HTTP: observability_pipelines_worker.logs.enabled is set" err &&
	grep "Reliable: Sending compressed logs in HTTP to 127.0.0.1 on port $opw_PORT" err &&
	pids opw >got && test_cmp n.expect got &&
	grep -h "^POST " opw/req-*.head | sort -u >paths &&
	echo "POST /api/v2/logs" >expect && test_cmp expect paths &&
	grep -h "^DD-API-KEY: $KEY" opw/req-1.head &&
	grep -h "^DD-EVP-ORIGIN: cloud-workload-security" opw/req-1.head
'

test_expect_success 'OPW without a URL is a configuration error' '
	test_expect_code 3 env DD_OBSERVABILITY_PIPELINES_WORKER_LOGS_ENABLED=true \
		cws-ship </dev/null 2>err &&
	grep "observability_pipelines_worker.logs.url: expected the Worker.s URL" err
'

# ship_slow N: N-event batches through an intake that answers each in
# 300 ms; sets how many requests it answered at once at most.
ship_slow() {
	intake_start slow &&
	echo "200 delay=300" >slow/mode &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=127.0.0.1:$slow_PORT \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL=true \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_MAX_SIZE=20 \
		cws-ship "$@" <n.mp 2>err &&
	pids slow >got && test_cmp n.expect got &&
	test "$(wc -l <slow/requests.log)" -ge 15 &&
	peak=$(sed "s/.*inflight=\([0-9]*\).*/\1/" slow/requests.log | sort -n | tail -1)
}

test_expect_success 'batch_max_concurrent_send: batches in flight at once, each once' '
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_MAX_CONCURRENT_SEND=4 ship_slow &&
	test "$peak" -gt 1 && test "$peak" -le 4 &&
	test "$(status .batch_max_concurrent_send)" = 4 &&
	test "$(awk "{print \$5}" slow/requests.log | sort | uniq -d | wc -l)" = 0
'

test_expect_success 'by default one request is in flight, batches in order' '
	ship_slow &&
	test "$peak" = 1 &&
	awk "{sub(\".*-\", \"\", \$5); print \$5}" slow/requests.log >seqs &&
	sort -n seqs >sorted && test_cmp sorted seqs
'

# peers: two batches more than a second apart to a fresh intake; how many client
# connections (ports) carried them.
peers() {
	intake_start reuse &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=127.0.0.1:$reuse_PORT \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL=true ship_fifo &&
	matches 1 7001 >&3 &&
	test_wait_until 10 "test \$(count reuse) = 1" &&
	sleep 1.1 &&
	matches 1 7002 >&3 &&
	test_wait_until 10 "test \$(count reuse) = 2" &&
	ship_wait &&
	npeers=$(sed "s/.*peer=//" reuse/requests.log | sort -u | wc -l)
}

test_expect_success 'one connection is kept by default' '
	peers && test "$npeers" = 1
'

test_expect_success 'connection_reset_interval: a new one once it has passed' '
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CONNECTION_RESET_INTERVAL=1 peers &&
	test "$npeers" = 2
'

intake_stop gen
intake_stop main
intake_stop mrf
intake_stop opw
intake_stop slow
intake_stop reuse
test_done
