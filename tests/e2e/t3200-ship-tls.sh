#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-ship over HTTPS: the test intake with a certificate from a test CA,
# trusted through runtime_security_config.endpoints.ca_file (or
# SSL_CERT_FILE, as Go reads it), refused with another CA, accepted
# without checks only when skip_ssl_validation says so.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

command -v cws-test-intake >/dev/null || test_skip_all "cws-test-intake not built (make helpers)"
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

matches 50 >m.mp
seq_pids 50 >expect

# tls_env: send to the HTTPS intake (TLS on: no logs_no_ssl).
tls_env() {
	export DD_API_KEY=$KEY
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=127.0.0.1:$tls_PORT
	unset DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL
}

intake_start tls -k $KEY -c server.pem -p server.key

test_expect_success 'HTTPS with the test CA as ca_file' '
	(tls_env && DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem cws-ship <m.mp 2>err) &&
	grep "Reliable: Sending compressed logs in HTTPS to 127.0.0.1 on port $tls_PORT" err &&
	pids tls >got && test_cmp expect got
'

test_expect_success 'SSL_CERT_FILE works as it does for Datadog'\''s agent' '
	intake_start tls -k $KEY -c server.pem -p server.key &&
	(tls_env && SSL_CERT_FILE=$TRASH/testca.pem cws-ship <m.mp 2>err) &&
	pids tls >got && test_cmp expect got
'

test_expect_success 'another CA: refused, retried, kept in the spool' '
	intake_start tls -k $KEY -c server.pem -p server.key &&
	(tls_env && DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/otherca.pem \
		DD_LOGS_CONFIG_STOP_GRACE_PERIOD=1 cws-ship <m.mp 2>err) &&
	grep "retrying batch 1 in" err &&
	grep -i "certificate" err &&
	test ! -e tls/messages.jsonl &&
	test "$(status .endpoints[0].pending_messages)" = 52 &&
	grep "52 events (1 batches) for .https://127.0.0.1:$tls_PORT/api/v2/secruntime. stay in the spool" err
'

test_expect_success 'the right CA at the next start delivers what was kept' '
	(tls_env && DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_CA_FILE=$TRASH/testca.pem cws-ship </dev/null 2>err) &&
	pids tls >got && test_cmp expect got
'

test_expect_success 'skip_ssl_validation accepts any certificate' '
	intake_start tls -k $KEY -c server.pem -p server.key &&
	(tls_env && DD_SKIP_SSL_VALIDATION=true cws-ship <m.mp 2>err) &&
	pids tls >got && test_cmp expect got
'

intake_stop tls

test_done
