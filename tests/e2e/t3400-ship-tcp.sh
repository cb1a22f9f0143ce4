#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-ship over Datadog's TCP logs protocol (logs_config.force_use_tcp):
# every message once, framed as Datadog frames it, to a plain and a TLS
# listener (tests/helpers/cws-test-tcp-intake.py); a listener stopped
# and restarted on the same port while cws-ship runs loses nothing and
# gets nothing twice; a socks5 proxy in between
# (tests/helpers/cws-test-socks5.py).
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

command -v cws-test-tcp-intake.py >/dev/null ||
	test_skip_all "cws-test-tcp-intake.py not installed (make helpers)"
command -v python3 >/dev/null || test_skip_all "python3 is missing"
command -v openssl >/dev/null || test_skip_all "openssl is missing"
test_have_prereq JQ || test_skip_all "jq is missing"

# A CA, a server certificate for 127.0.0.1 signed by it, another CA.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$1.key" -out "$1.pem" 2>/dev/null
}
ca testca && ca otherca &&
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	-keyout server.key -out server.csr 2>/dev/null &&
printf "subjectAltName=IP:127.0.0.1\n" >san.ext &&
openssl x509 -req -in server.csr -CA testca.pem -CAkey testca.key \
	-CAcreateserial -days 2 -extfile san.ext -out server.pem 2>/dev/null ||
	test_skip_all "cannot make test certificates"

export DD_API_KEY=$KEY
export DD_HOSTNAME=t3400-host
export DD_LOGS_CONFIG_FORCE_USE_TCP=true

# py_start NAME TOOL [args...]: starts a Python helper working in NAME/
# (kept: a restarted listener appends to its lines); sets ${NAME}_PID
# and ${NAME}_PORT. intake_stop NAME stops it (SIGTERM).
py_start() {
	local name=$1 tool=$2
	shift 2
	mkdir -p "$name" && rm -f "$name/port" &&
	{ "$tool" -d "$name" "$@" 2>>"$name.err" 3>&- & } &&
	eval "${name}_PID=$!" &&
	test_wait_until 10 "test -s $name/port" &&
	eval "${name}_PORT=$(cat "$name/port")"
}

# to_tcp NAME [tls]: cws-ship's environment for listener NAME.
to_tcp() {
	local port
	eval "port=\$${1}_PORT"
	export DD_LOGS_CONFIG_LOGS_DD_URL=127.0.0.1:$port
	if [ "${2:-}" = tls ]; then
		unset DD_LOGS_CONFIG_LOGS_NO_SSL
	else
		export DD_LOGS_CONFIG_LOGS_NO_SSL=true
	fi
}

# The message JSON of each line: what follows the first " {".
messages() { sed -n 's/^[^{]* \({.*\)$/\1/p' "$1/lines"; }

# The pids of the exec messages listener NAME received, sorted.
tcp_pids() {
	messages "$1" | jq -r 'select(.agent.rule_id == "cli_1") | .process.pid' |
		sort -n
}

# Every line of NAME is a frame as Datadog writes it: key, priority,
# time, host, no service, the source and the rule's tags, the message.
frames_ok() {
	! grep -v "^$KEY <46>0 [0-9]\{4\}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]\{9\}Z t3400-host - - - \[dd ddsource=\"runtime-security-agent\"\]\[dd ddtags=\"rule_id:[a-z_0-9]*,type:[a-z_]*\"\] {\"agent\":{\"rule_id\":\"[a-z_0-9]*\"" "$1/lines" &&
	test ! -e "$1/partial"
}

matches 300 >m.mp
seq_pids 300 >expect

py_start plain cws-test-tcp-intake.py

test_expect_success 'plain TCP: 300 events, each framed once as Datadog does' '
	to_tcp plain &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_MAX_SIZE=50 cws-ship <m.mp 2>err &&
	test "$(wc -l <plain/lines)" = 302 &&
	tcp_pids plain >got && test_cmp expect got &&
	frames_ok plain &&
	messages plain | jq -r .agent.rule_id | sort | uniq -c >ids &&
	printf "%7d cli_1\n%7d heartbeat\n%7d ruleset_loaded\n" 300 1 1 >expect.ids &&
	test_cmp expect.ids ids &&
	grep "^cws-ship: info: endpoints: TCP: logs_config.force_use_tcp is set$" err &&
	grep "^cws-ship: info: Connecting to the backend: 127.0.0.1:$plain_PORT, with SSL: false$" err &&
	! grep -e warning: -e error: err | grep -v "currently sending Logs to Datadog through TCP" &&
	test "$(status .endpoints[0].protocol)" = tcp &&
	test "$(status .endpoints[0].url)" = "tcp://127.0.0.1:$plain_PORT" &&
	test "$(status .endpoints[0].status)" = "Reliable: Sending uncompressed logs in TCP to 127.0.0.1 on port $plain_PORT" &&
	test "$(status .endpoints[0].sent_messages)" = 302 &&
	test "$(status .endpoints[0].sent_batches)" = 7 &&
	test "$(status .endpoints[0].retries)" = 0 &&
	test "$(wc -l <plain/connections)" = 1
'

py_start tls cws-test-tcp-intake.py --tls server.pem server.key

test_expect_success 'TLS with the test CA as ca_file: each message once' '
	to_tcp tls tls &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem \
		DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_MAX_SIZE=50 cws-ship <m.mp 2>err &&
	test "$(wc -l <tls/lines)" = 302 &&
	test "$(wc -l <tls/connections)" = 1 &&
	tcp_pids tls >got && test_cmp expect got &&
	frames_ok tls &&
	grep "^cws-ship: info: Connecting to the backend: 127.0.0.1:$tls_PORT, with SSL: true$" err &&
	test "$(status .endpoints[0].url)" = "tcp+tls://127.0.0.1:$tls_PORT" &&
	test "$(status .endpoints[0].status)" = "Reliable: Sending uncompressed logs in SSL encrypted TCP to 127.0.0.1 on port $tls_PORT"
'

test_expect_success 'TLS: SSL_CERT_FILE works too' '
	to_tcp tls tls && : >tls/lines &&
	SSL_CERT_FILE=$TRASH/testca.pem cws-ship <m.mp 2>err &&
	tcp_pids tls >got && test_cmp expect got
'

test_expect_success 'TLS: another CA is refused, retried, the batch kept' '
	to_tcp tls tls && : >tls/lines &&
	matches 10 >ten.mp &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/otherca.pem \
		DD_LOGS_CONFIG_STOP_GRACE_PERIOD=1 cws-ship <ten.mp 2>err &&
	grep "retrying batch 1 in" err &&
	grep -i "certificate" err &&
	test ! -s tls/lines &&
	test "$(status .endpoints[0].pending_messages)" = 12 &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem cws-ship </dev/null 2>err &&
	seq_pids 10 >expect10 && tcp_pids tls >got && test_cmp expect10 got
'

matches 100 1000 >lot1.mp
matches 100 2000 >lot2.mp
{ seq_pids 100 1000 && seq_pids 100 2000; } >expect.restart

# restart NAME [tls]: a first lot, received; the listener stopped
# (SIGTERM: it reads what it was sent); a second lot, retried while it
# is down; the listener back on the same port: each message once.
restart() {
	local port
	rm -rf "$1" &&
	py_start "$1" cws-test-tcp-intake.py ${2:+--tls server.pem server.key} &&
	to_tcp "$1" "${2:-}" &&
	eval "port=\$${1}_PORT" &&
	ship_fifo &&
	cat lot1.mp >&3 &&
	test_wait_until 10 "test \$(tcp_pids $1 | wc -l) = 100" &&
	intake_stop "$1" &&
	cat lot2.mp >&3 &&
	test_wait_until 10 "grep -q \"retrying batch 2 in\" ship.err" &&
	py_start "$1" cws-test-tcp-intake.py --port "$port" ${2:+--tls server.pem server.key} &&
	test_wait_until 10 "test \$(tcp_pids $1 | wc -l) -ge 200" &&
	ship_wait &&
	tcp_pids "$1" >got && test_cmp expect.restart got &&
	test "$(wc -l <"$1/lines")" = 204 &&
	test "$(wc -l <"$1/connections")" = 2 &&
	frames_ok "$1" &&
	test "$(status .endpoints[0].sent_messages)" = 204
}

test_expect_success 'plain: a listener restarted mid-stream gets everything once' '
	test_when_finished "intake_stop rp" &&
	restart rp
'

test_expect_success 'TLS: a listener restarted mid-stream gets everything once' '
	test_when_finished "intake_stop rt" &&
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem &&
	restart rt tls
'
unset DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE

py_start px cws-test-socks5.py

test_expect_success 'through a socks5 proxy, which reaches the listener' '
	: >plain/lines && : >px/connects && to_tcp plain &&
	DD_LOGS_CONFIG_SOCKS5_PROXY_ADDRESS=127.0.0.1:$px_PORT cws-ship <m.mp 2>err &&
	tcp_pids plain >got && test_cmp expect got &&
	test "$(wc -l <plain/lines)" = 302 &&
	grep "^cws-ship: info: Connecting to the backend: 127.0.0.1:$plain_PORT, via socks5: 127.0.0.1:$px_PORT, with SSL: false$" err &&
	echo "127.0.0.1:$plain_PORT" >expect.connects &&
	test_cmp expect.connects px/connects &&
	test "$(status .endpoints[0].socks5)" = "127.0.0.1:$px_PORT"
'

test_expect_success 'socks5 and TLS: the proxy resolves, curl checks the certificate' '
	: >tls/lines && : >px/connects && to_tcp tls tls &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem \
		DD_LOGS_CONFIG_SOCKS5_PROXY_ADDRESS=127.0.0.1:$px_PORT cws-ship <m.mp 2>err &&
	tcp_pids tls >got && test_cmp expect got &&
	echo "127.0.0.1:$tls_PORT" >expect.connects &&
	test_cmp expect.connects px/connects
'

test_expect_success 'connection_reset_interval: a new connection once it has passed' '
	: >plain/lines && : >plain/connections && to_tcp plain &&
	DD_LOGS_CONFIG_CONNECTION_RESET_INTERVAL=1 ship_fifo &&
	matches 1 7001 >&3 &&
	test_wait_until 10 "test \$(tcp_pids plain | wc -l) = 1" &&
	sleep 1.1 &&
	matches 1 7002 >&3 &&
	test_wait_until 10 "test \$(tcp_pids plain | wc -l) = 2" &&
	ship_wait &&
	test "$(wc -l <plain/connections)" = 2
'

test_expect_success 'a key rotated with SIGHUP frames the lines after it' '
	unset DD_API_KEY &&
	: >plain/lines && to_tcp plain &&
	echo "api_key: old-key-11111" >cws.yaml &&
	ship_fifo -c cws.yaml &&
	matches 3 8000 >&3 &&
	test_wait_until 10 "test \$(tcp_pids plain | wc -l) = 3" &&
	echo "api_key: new-key-22222" >cws.yaml &&
	kill -HUP $SHIP_PID &&
	test_wait_until 10 "grep -q \"rotating the API key of .tcp://127.0.0.1:$plain_PORT.\" ship.err" &&
	matches 3 9000 >&3 &&
	test_wait_until 10 "test \$(tcp_pids plain | wc -l) = 6" &&
	ship_wait &&
	grep " {\"agent\":{\"rule_id\":\"cli_1\"" plain/lines | cut -d" " -f1 | uniq -c >keys &&
	printf "%7d old-key-11111\n%7d new-key-22222\n" 3 3 >expect.keys &&
	test_cmp expect.keys keys
'
export DD_API_KEY=$KEY

intake_stop px
intake_stop plain
intake_stop tls

test_done
