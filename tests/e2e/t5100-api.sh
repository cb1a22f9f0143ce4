#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The IPC API that cws run serves (Datadog's security-agent API): TLS 1.3
# only with a fresh self-signed certificate, the bearer token and each of
# its refusals, every /agent endpoint, a live log level change, no secret
# in the configuration it shows, a flare, and POST stop stopping the
# pipeline in order. Only 127.0.0.1 is used.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws run starts cws-probe, which needs root and BTF"
command -v curl >/dev/null && test_set_prereq CURL
command -v openssl >/dev/null && test_set_prereq OPENSSL

here=$(pwd -P)
port=$((20000 + $$ % 10000))
mkdir -p pol run spool
cat >pol/default.policy <<EOF
version: "1.0.0"
rules:
  - id: t5100_never
    expression: open.file.path == "$here/never"
EOF
cat >cws.yaml <<EOF
hostname: t5100-host
run_path: $here/run
spool_dir: $here/spool
security_agent:
  cmd_port: $port
runtime_security_config:
  policies:
    dir: $here/pol
  probe:
    events: [open]
  self_test:
    enabled: false
EOF

# A planted API key: the ship sends to a closed local port, gives up
# quickly at stop, and the key must never show in full.
KEY=0123456789abcdef0123456789abcdef
export DD_API_KEY=$KEY
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=127.0.0.1:1
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL=true
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_SENDER_BACKOFF_BASE=0.05
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_SENDER_BACKOFF_MAX=0.2
export DD_LOGS_CONFIG_STOP_GRACE_PERIOD=2

url=https://127.0.0.1:$port/agent
api() { curl -sk -H "Authorization: Bearer $(cat auth_token)" "$@"; }
api_state() { jq -r '.api.state' run/cws.json 2>/dev/null; }
state() { jq -r .state "run/$1.json" 2>/dev/null; }

test_expect_success BPF,JQ 'a token under 32 characters: the API is down, the pipeline runs' '
	printf " \tshort-token \r\n" >auth_token &&
	{ cws -c cws.yaml run >short.out 2>short.err & sup=$!; } &&
	test_when_finished "kill $sup 2>/dev/null; wait $sup" &&
	test_wait_until 30 "test \"\$(api_state)\" = down" &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	grep "cws: error: API not started: invalid auth token in .$here/auth_token.: 11 characters, at least 32 needed" short.err &&
	jq -e ".api.error | test(\"at least 32\")" run/cws.json &&
	cws -c cws.yaml status >status.out &&
	grep "^  API: down: invalid auth token" status.out &&
	kill -TERM $sup && wait $sup &&
	test "$(api_state)" = down &&
	rm auth_token
'

test_expect_success BPF,JQ 'cws run starts the API after cws-ship, before the filter and the probe' '
	{ cws -c cws.yaml run >out.json 2>run.err & sup=$!; } &&
	echo $sup >sup.pid &&
	test_wait_until 30 "test \"\$(api_state)\" = up" &&
	test_wait_until 30 "test \"\$(state cws-probe)\" = running" &&
	jq -e ".api.address == \"https://127.0.0.1:$port\"" run/cws.json &&
	grep -n -e "cws-ship started" -e "API listening on https://127.0.0.1:$port" \
		-e "cws-filter started" -e "cws-probe started" run.err >order &&
	sed -n 1p order | grep "cws-ship started" &&
	sed -n 2p order | grep "API listening" &&
	sed -n 3p order | grep "cws-filter started" &&
	sed -n 4p order | grep "cws-probe started"
'

test_expect_success BPF 'the token was created: 64 hex characters, mode 0600' '
	grep "created the auth token .$here/auth_token. (mode 0600)" run.err &&
	test "$(stat -c %a auth_token)" = 600 &&
	grep -Eqx "[0-9a-f]{64}" auth_token
'

test_expect_success BPF,CURL 'TLS 1.3 only: a client capped at 1.2 is refused' '
	api --tlsv1.3 -o /dev/null -w "%{http_code}\n" $url/version >code &&
	echo 200 | test_cmp - code &&
	test_must_fail api --tls-max 1.2 $url/version
'

test_expect_success BPF,OPENSSL 'the certificate: self-signed CA, RSA 2048, SANs, 128-bit serial, 10 years' '
	openssl s_client -connect 127.0.0.1:$port </dev/null 2>/dev/null |
		openssl x509 -noout -text >cert.txt &&
	grep "Public-Key: (2048 bit)" cert.txt &&
	grep "CA:TRUE" cert.txt &&
	grep "IP Address:127.0.0.1" cert.txt && grep "DNS:localhost" cert.txt &&
	grep "Subject: O = \"Datadog, Inc.\"" cert.txt &&
	grep "Issuer: O = \"Datadog, Inc.\"" cert.txt &&
	grep "TLS Web Server Authentication, TLS Web Client Authentication" cert.txt &&
	sed -n "/Serial Number:/{n;p}" cert.txt | tr -d " :" >serial &&
	grep -Eqx "[0-9a-f]{30,32}" serial &&
	from=$(sed -n "s/.*Not Before: .* \([0-9]\{4\}\) GMT/\1/p" cert.txt) &&
	to=$(sed -n "s/.*Not After : .* \([0-9]\{4\}\) GMT/\1/p" cert.txt) &&
	test $((to - from)) = 10
'

test_expect_success BPF,CURL 'no token: 401, the realm, "no session token provided"' '
	curl -sk -D hdr -o body -w "%{http_code}\n" $url/version >code &&
	echo 401 | test_cmp - code &&
	grep -i "^WWW-Authenticate: Bearer realm=\"Datadog Agent\"" hdr &&
	echo "no session token provided" | test_cmp - body
'

test_expect_success BPF,CURL 'another scheme: 401 "unsupported authorization scheme"' '
	curl -sk -H "Authorization: Basic dXNlcjpwYXNz" -D hdr -o body \
		-w "%{http_code}\n" $url/version >code &&
	echo 401 | test_cmp - code &&
	grep -i "^WWW-Authenticate: Bearer realm=\"Datadog Agent\"" hdr &&
	echo "unsupported authorization scheme: Basic" | test_cmp - body
'

test_expect_success BPF,CURL 'a wrong token: 403 "invalid session token"' '
	curl -sk -H "Authorization: Bearer $(tr 0-9a-f a-f0-9 <auth_token)" \
		-D hdr -o body -w "%{http_code}\n" $url/version >code &&
	echo 403 | test_cmp - code &&
	echo "invalid session token" | test_cmp - body &&
	curl -sk -H "Authorization: Bearer $(cut -c1-63 auth_token)" \
		-o /dev/null -w "%{http_code}\n" $url/version >code &&
	echo 403 | test_cmp - code
'

test_expect_success BPF,CURL 'the scheme and no token: 403, and the API still answers' '
	curl -sk -H "Authorization: Bearer" -o body -w "%{http_code}\n" \
		$url/version >code &&
	echo 403 | test_cmp - code &&
	echo "invalid session token" | test_cmp - body &&
	api -o /dev/null -w "%{http_code}\n" $url/version >code &&
	echo 200 | test_cmp - code
'

test_expect_success BPF,CURL,JQ 'GET version and hostname' '
	api $url/version >v.json &&
	jq -e "(.Major|type) == \"number\" and (.Minor|type) == \"number\" and
		(.Patch|type) == \"number\" and has(\"Pre\") and has(\"Meta\") and
		has(\"Commit\")" v.json &&
	test "$(jq -r "\"\(.Major).\(.Minor).\(.Patch)\"" v.json)" = "$(cws version | cut -d" " -f2)" &&
	api $url/hostname >h.json &&
	printf "\"t5100-host\"" | test_cmp - h.json
'

test_expect_success BPF,CURL,JQ 'GET status: the same as cws status, JSON and text' '
	api "$url/status?format=json" >s.json &&
	jq -e ".cws.state == \"running\" and .cws.api.state == \"up\" and
		.\"cws-probe\".state == \"running\" and
		.\"cws-filter\".policies.rules_loaded == 1" s.json &&
	api $url/status | jq -e ".\"cws-ship\".state == \"running\"" &&
	api "$url/status?format=text" >s.txt &&
	grep "^CWS Agent (v" s.txt &&
	grep "^  cws-probe   running" s.txt &&
	grep "^  API: up, https://127.0.0.1:$port$" s.txt &&
	grep "^Policies (cws-filter)" s.txt
'

test_expect_success BPF,CURL,JQ 'GET status/health: every stage healthy' '
	# The example in README and cws(8), with the port of this test.
	curl -sk -H "Authorization: Bearer $(cat auth_token)" https://localhost:$port/agent/status/health >health.json &&
	jq -e ".Unhealthy == [] and
		(.Healthy | index(\"cws-probe\") and index(\"cws-filter\") and
			index(\"cws-ship\"))" health.json
'

test_expect_success BPF,CURL 'GET config: YAML, every key, no secret in it' '
	api -o config.yaml -w "%{http_code}\n" $url/config >code &&
	echo 200 | test_cmp - code &&
	grep "^hostname: \"t5100-host\"$" config.yaml &&
	grep "^security_agent:$" config.yaml && grep "^  cmd_port: $port$" config.yaml &&
	grep "^api_key: \"\*\{27\}bcdef\"$" config.yaml &&
	! grep 0123456789abcdef config.yaml &&
	! grep -F "$(cat auth_token)" config.yaml
'

test_expect_success BPF,CURL,JQ 'GET config/by-source and config/{setting}' '
	api $url/config/by-source >bs.json &&
	jq -e ".file.hostname == \"t5100-host\" and
		.file[\"security_agent.cmd_port\"] == $port and
		.default.log_level == \"info\" and
		.env.api_key == \"***************************bcdef\"" bs.json &&
	! grep 0123456789abcdef bs.json &&
	api $url/config/hostname >v.json &&
	jq -e ". == {\"value\": \"t5100-host\"}" v.json &&
	api "$url/config/hostname?sources=true" >v.json &&
	jq -e ".sources_value[0] == {\"Source\": \"default\", \"Value\": \"\"} and
		.sources_value[1] == {\"Source\": \"file\", \"Value\": \"t5100-host\"}" v.json &&
	api -w "%{http_code}\n" $url/config/no.such.key >v.out &&
	printf "{\"error\":\"setting no.such.key not found\"}\n400\n" | test_cmp - v.out
'

test_expect_success BPF,CURL,JQ 'list-runtime lists log_level; POST config/log_level changes it' '
	api $url/config/list-runtime >lr.json &&
	jq -e "keys == [\"log_level\"] and .log_level.Hidden == false" lr.json &&
	api -X POST -d value=debug -w "%{http_code}\n" $url/config/log_level >code &&
	echo 200 | test_cmp - code &&
	grep "cws: info: log level set to .debug. through the API" run.err &&
	api "$url/config/log_level?sources=true" >ll.json &&
	jq -e ".value == \"debug\" and
		.sources_value[3] == {\"Source\": \"runtime\", \"Value\": \"debug\"}" ll.json &&
	api $url/config/by-source | jq -e ".runtime.log_level == \"debug\"" &&
	api $url/version >/dev/null &&
	test_wait_until 10 "grep -q \"^cws: debug: api: GET /agent/version$\" run.err" &&
	api -X POST -d value=info $url/config/log_level
'

test_expect_success BPF,CURL 'POST config/log_level reaches every stage (SIGUSR2), and back' '
	# Only what the stages say from here on counts.
	since() { tail -n +$(($1 + 1)) run.err; } &&
	n=$(wc -l <run.err) &&
	api -X POST -d value=debug $url/config/log_level &&
	grep -x "log_level: debug" run/runtime.yaml &&
	for t in cws-probe cws-filter cws-ship; do
		test_wait_until 10 "since $n | grep -q \"^$t: debug: log level set to .debug. (runtime.yaml)$\"" ||
		return 1
	done &&
	n=$(wc -l <run.err) &&
	api -X POST -d value=info $url/config/log_level &&
	for t in cws-probe cws-filter cws-ship; do
		test_wait_until 10 "since $n | grep -q \"^$t: info: log level set to .info. (runtime.yaml)$\"" ||
		return 1
	done
'

test_expect_success BPF,JQ 'cws config set and list-runtime go through the API' '
	cws -c cws.yaml config list-runtime >lr.out &&
	sed -n 1p lr.out | grep -x "=== Settings that can be changed at runtime ===" &&
	grep "^log_level  *Set/get the log level, valid values are: trace, debug" lr.out &&
	test "$(wc -l <lr.out)" = 2 &&
	n=$(wc -l <run.err) &&
	cws -c cws.yaml config set log_level debug >set.out &&
	echo "Configuration setting log_level is now set to: debug" | test_cmp - set.out &&
	api $url/config/log_level | jq -e ".value == \"debug\"" &&
	test_wait_until 10 "tail -n +$((n + 1)) run.err | grep -q \"^cws-filter: debug: log level set to .debug.\"" &&
	cws -c cws.yaml config set log_level info >set.out &&
	api $url/config/log_level | jq -e ".value == \"info\""
'

test_expect_success BPF 'cws config set: the API'"'"'s refusal, exit 1' '
	test_must_fail cws -c cws.yaml config set log_level loud >set.out 2>set.err &&
	test_must_be_empty set.out &&
	grep "^cws: error: config set: unknown log level .loud.: trace, debug" set.err &&
	test "$(wc -l <set.err)" = 1 &&
	test_must_fail cws -c cws.yaml config set hostname x 2>set.err &&
	echo "cws: error: config set: setting hostname not found" | test_cmp - set.err &&
	test_expect_code 2 cws -c cws.yaml config set log_level
'

test_expect_success BPF,CURL 'POST config: a bad level is 500, another setting 400' '
	api -X POST -d value=loud -w "%{http_code}\n" $url/config/log_level >bad.out &&
	tail -n 1 bad.out | grep -x 500 && grep "{\"error\":\"unknown log level" bad.out &&
	api -X POST -d value=x -w "%{http_code}\n" $url/config/hostname >bad.out &&
	tail -n 1 bad.out | grep -x 400 &&
	test "$(cws -c cws.yaml config get hostname)" = "t5100-host (file)"
'

test_expect_success BPF,CURL 'POST flare: the path of an archive that exists' '
	api -X POST -w "\n%{http_code}\n" $url/flare >flare.out &&
	sed -n 2p flare.out | grep -x 200 &&
	zip=$(sed -n 1p flare.out) &&
	test -f "$zip" && case $zip in /*.zip) ;; *) false ;; esac &&
	grep "flare created through the API" run.err &&
	rm -rf "$(dirname "$zip")"
'

test_expect_success BPF,CURL 'unknown paths are 404, wrong methods 405' '
	api -o /dev/null -w "%{http_code}\n" $url/nothing >code &&
	echo 404 | test_cmp - code &&
	api -X POST -o /dev/null -w "%{http_code}\n" $url/version >code &&
	echo 405 | test_cmp - code
'

test_expect_success BPF,CURL,JQ 'POST stop: "" then cws run stops the stages in order, exit 0' '
	api -X POST $url/stop >stop.out &&
	printf "\"\"" | test_cmp - stop.out &&
	wait $(cat sup.pid) &&
	grep "stop asked through the API" run.err &&
	for t in cws cws-probe cws-filter cws-ship; do
		test "$(state $t)" = stopped || return 1
	done &&
	test "$(api_state)" = stopped &&
	grep -n "stopped (exit code 0)" run.err >order &&
	sed -n 1p order | grep cws-probe &&
	sed -n 2p order | grep cws-filter &&
	sed -n 3p order | grep cws-ship &&
	test_must_fail curl -sk $url/version
'

test_expect_success BPF 'cws config set with no agent running: one clear line, exit 1' '
	test_expect_code 1 cws -c cws.yaml config set log_level debug >set.out 2>set.err &&
	test_must_be_empty set.out &&
	grep "^cws: error: cannot reach the agent.s API at https://localhost:$port: " set.err &&
	test "$(wc -l <set.err)" = 1 &&
	test_expect_code 1 cws -c cws.yaml config list-runtime 2>set.err &&
	test "$(wc -l <set.err)" = 1
'

# A test that failed may have left cws run behind.
test -s sup.pid && kill "$(cat sup.pid)" 2>/dev/null && wait "$(cat sup.pid)"

test_done
