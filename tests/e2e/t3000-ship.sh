#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-ship: the payload (Datadog's event JSON and wrapper), the local
# output, endpoints as Datadog builds them, and delivery to a loopback
# intake: exactly the events sent, the headers, gzip, zstd and identity
# bodies, batch limits, the status file.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

command -v cws-test-intake >/dev/null || test_skip_all "cws-test-intake not built (make helpers)"
test_have_prereq JQ || test_skip_all "jq is missing"

test_expect_success 'no key and no endpoint: JSON lines on stdout, said once' '
	matches 3 >m.mp &&
	cws-ship <m.mp >out.json 2>err &&
	echo "cws-ship: info: no api_key and no endpoint configured: writing the intake'\''s JSON to standard output" >expect &&
	test_cmp expect err &&
	test "$(wc -l <out.json)" = 5 &&
	jq -s -e "map(.ddsource) | unique == [\"runtime-security-agent\"]" out.json &&
	jq -r ".message | fromjson | .agent.rule_id" out.json >ids &&
	printf "ruleset_loaded\nheartbeat\ncli_1\ncli_1\ncli_1\n" >expect &&
	test_cmp expect ids
'

test_expect_success '-o FILE writes the lines to FILE' '
	cws-ship -o lines.json <m.mp >out 2>err &&
	test_must_be_empty out &&
	test "$(wc -l <lines.json)" = 5
'

test_expect_success 'the wrapper has Datadog'\''s keys, tags and types' '
	jq -c "select(.ddtags | startswith(\"rule_id:cli_1\")) | del(.message, .timestamp, .hostname)" out.json | head -1 >w &&
	echo "{\"status\":\"info\",\"service\":\"\",\"ddsource\":\"runtime-security-agent\",\"ddtags\":\"rule_id:cli_1,type:exec\"}" >expect &&
	test_cmp expect w &&
	jq -e "(.timestamp | type) == \"number\" and (.hostname | length) > 0" out.json >/dev/null &&
	DD_HOSTNAME=web-1 cws-ship <m.mp 2>/dev/null | jq -e -s "map(.hostname) | unique == [\"web-1\"]"
'

cat >ev.json <<\EOF
{"type":"event","evt":{"name":"exec","timestamp":1700000000123456789},"process":{"pid":42,"tid":42,"ppid":7,"comm":"mysql","tty_name":"pts0","created_at":1700000000000000000,"exec_time":1700000000100000000,"file":{"path":"/usr/bin/mysql","name":"mysql","inode":99,"mode":33261,"mount_id":3,"filesystem":"ext4","uid":0,"gid":0,"user":"root","group":"root"},"argv":["mysql","-u","root","--password=hunter2","-h","db","--api_key","s3cr3t","-t"],"uid":1000,"gid":1000,"euid":1000,"egid":1000,"fsuid":1000,"fsgid":1000,"auid":1000,"user":"alice","group":"alice","euser":"alice","egroup":"alice","fsuser":"alice","fsgroup":"alice","cap_effective":2097153,"cap_permitted":0,"container":{"id":"abc123"},"envp":["PATH=/usr/bin","LD_PRELOAD=/x.so","AWS_SECRET_ACCESS_KEY=zzz","DD_SERVICE=billing"],"ancestors":[{"pid":7,"ppid":1,"comm":"bash","argv":["bash"]},{"pid":1,"comm":"systemd"}]},"container":{"id":"abc123"},"exec":{"file":{"path":"/usr/bin/mysql","name":"mysql"},"argv":["mysql"]}}
{"type":"event","evt":{"name":"open","timestamp":5,"retval":-13},"process":{"pid":43,"comm":"cat"},"open":{"file":{"path":"/etc/shadow","name":"shadow","mode":33184,"destination":{"mode":420}},"flags":577}}
{"type":"event","evt":{"name":"chown","timestamp":6,"retval":-2},"process":{"pid":44,"comm":"chown"},"chown":{"file":{"path":"/tmp/x","name":"x","destination":{"uid":4294967295,"gid":0,"group":"root"}}}}
EOF
mkdir -p pol
cat >pol/p.policy <<\EOF
version: 1.2.3
rules:
  - id: mysql_exec
    version: 2.0.0
    description: MySQL client started
    expression: exec.file.name == "mysql"
    tags:
      severity: high
      service: dbtag
    product_tags: [tactic:TA0002]
  - id: shadow_open
    description: Shadow opened
    expression: open.file.path == "/etc/shadow"
  - id: any_chown
    expression: chown.file.path != ""
EOF

test_expect_success 'a match becomes Datadog'\''s rule event' '
	cws-cat -r ev.json | cws-filter -p pol >ev.mp &&
	cws-ship <ev.mp >ev.out 2>/dev/null &&
	jq -c "select(.ddtags | startswith(\"rule_id:mysql_exec\"))" ev.out >mysql.w &&
	jq -r .ddtags mysql.w >tags &&
	echo "rule_id:mysql_exec,severity:high,service:dbtag,tactic:TA0002,type:exec,container_id:abc123" >expect &&
	test_cmp expect tags &&
	test "$(jq -r .service mysql.w)" = billing &&
	jq -c ".message | fromjson" mysql.w >mysql.json &&
	jq -e ".agent == {rule_id: \"mysql_exec\", rule_version: \"2.0.0\",
		policy_name: \"p.policy\", policy_version: \"1.2.3\",
		version: \"7.73.0\", os: \"linux\", arch: .agent.arch, origin: \"ebpf\"}" mysql.json &&
	jq -e ".title == \"MySQL client started\" and
		.evt == {name: \"exec\", category: \"Process Activity\", outcome: \"Success\"} and
		.date == \"2023-11-14T22:13:20.123456789Z\" and
		.container == {id: \"abc123\"}" mysql.json &&
	jq -e ".process | .pid == 42 and .ppid == 7 and .tty == \"pts0\" and
		.uid == 1000 and .user == \"alice\" and
		.fork_time == \"2023-11-14T22:13:20Z\" and
		.exec_time == \"2023-11-14T22:13:20.1Z\" and
		.credentials.cap_effective == [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"] and
		.credentials.cap_permitted == [] and
		.executable == {path: \"/usr/bin/mysql\", name: \"mysql\", inode: 99,
			mode: 33261, mount_id: 3, filesystem: \"ext4\", uid: 0, gid: 0,
			user: \"root\", group: \"root\"} and
		.container == {id: \"abc123\"} and
		.parent.pid == 7 and .parent.argv0 == \"bash\" and
		(.ancestors | map(.pid)) == [7, 1]" mysql.json
'

test_expect_success 'secrets in args are scrubbed; envs keep names, but envs_with_value' '
	jq -c ".process | [.argv0, .args, .envs]" mysql.json >got &&
	echo "[\"mysql\",[\"-u\",\"root\",\"--password=********\",\"-h\",\"db\",\"--api_key\",\"********\",\"-t\"],[\"PATH=/usr/bin\",\"LD_PRELOAD=/x.so\",\"AWS_SECRET_ACCESS_KEY\",\"DD_SERVICE\"]]" >expect &&
	test_cmp expect got &&
	! grep -e hunter2 -e s3cr3t -e zzz ev.out
'

test_expect_success 'custom_sensitive_words add to Datadog'\''s words' '
	DD_RUNTIME_SECURITY_CONFIG_CUSTOM_SENSITIVE_WORDS="-u" cws-ship <ev.mp >/dev/null 2>err &&
	grep "custom_sensitive_words: .-u. skipped" err &&
	DD_RUNTIME_SECURITY_CONFIG_CUSTOM_SENSITIVE_WORDS="h" cws-ship <ev.mp 2>/dev/null |
		jq -c "select(.ddtags | startswith(\"rule_id:mysql_exec\")) | .message | fromjson | .process.args" >args &&
	echo "[\"-u\",\"root\",\"--password=********\",\"-h\",\"********\",\"--api_key\",\"********\",\"-t\"]" >expect &&
	test_cmp expect args
'

test_expect_success 'file events carry flags, destination and outcome as names' '
	jq -c "select(.ddtags | startswith(\"rule_id:shadow_open\")) | .message | fromjson | [.evt, .file]" ev.out >open.json &&
	echo "[{\"name\":\"open\",\"category\":\"File Activity\",\"outcome\":\"Refused\"},{\"path\":\"/etc/shadow\",\"name\":\"shadow\",\"mode\":33184,\"uid\":0,\"gid\":0,\"flags\":[\"O_WRONLY\",\"O_CREAT\",\"O_TRUNC\"],\"destination\":{\"mode\":420}}]" >expect &&
	test_cmp expect open.json &&
	jq -c "select(.ddtags | startswith(\"rule_id:any_chown\")) | .message | fromjson | [.evt.outcome, .file.destination]" ev.out >chown.json &&
	echo "[\"Error\",{\"uid\":-1,\"gid\":0,\"group\":\"root\"}]" >expect &&
	test_cmp expect chown.json
'

test_expect_success 'ruleset_loaded and one heartbeat per policy are custom events' '
	jq -c "select(.ddtags == \"rule_id:ruleset_loaded,type:ruleset_loaded\") | .message | fromjson |
		[.agent.rule_id, .title, .service, (.policies[] | [.name, .version, .source, (.rules | map([.id, .status]))])]" ev.out >rl &&
	echo "[\"ruleset_loaded\",\"New ruleset loaded\",\"runtime-security-agent\",[\"p.policy\",\"1.2.3\",\"file\",[[\"mysql_exec\",\"loaded\"],[\"shadow_open\",\"loaded\"],[\"any_chown\",\"loaded\"]]]]" >expect &&
	test_cmp expect rl &&
	jq -c "select(.ddtags == \"rule_id:heartbeat,type:heartbeat\") | .message | fromjson | [.title, .policy]" ev.out >hb &&
	echo "[\"Heartbeat\",{\"name\":\"p.policy\",\"version\":\"1.2.3\",\"source\":\"file\"}]" >expect &&
	test_cmp expect hb
'

test_expect_success 'a bad record is said with its offset and skipped' '
	{ printf "\\xc1"; cat m.mp; } >bad.mp &&
	cws-ship <bad.mp >out2.json 2>err &&
	grep "^cws-ship: error: offset 0: " err &&
	test "$(wc -l <out2.json)" = 5
'

test_expect_success 'endpoints: one status line each, as Datadog prints them' '
	DD_API_KEY=$KEY DD_SITE=datadoghq.eu \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_ADDITIONAL_ENDPOINTS="[{\"api_key\":\"k2\",\"host\":\"intake.example.com\",\"port\":8443,\"is_reliable\":false},{\"api_key\":\"k3\",\"host\":\"http://10.0.0.1\"}]" \
		cws-ship </dev/null >out 2>err &&
	cat >expect <<-\EOF &&
	cws-ship: info: Reliable: Sending compressed logs in HTTPS to runtime-security-http-intake.logs.datadoghq.eu on port 443
	cws-ship: info: Unreliable: Sending compressed logs in HTTPS to intake.example.com on port 8443
	cws-ship: info: Reliable: Sending compressed logs in HTTP to 10.0.0.1 on port 80
	EOF
	test_cmp expect err &&
	status ".endpoints | map(.url) | join(\" \")" >urls &&
	echo "https://runtime-security-http-intake.logs.datadoghq.eu:443/api/v2/secruntime https://intake.example.com:8443/api/v2/secruntime http://10.0.0.1:80/api/v2/secruntime" >expect &&
	test_cmp expect urls
'

test_expect_success 'the track, dd_url and the endpoint key follow Datadog'\''s keys' '
	DD_API_KEY=$KEY DD_RUNTIME_SECURITY_CONFIG_USE_SECRUNTIME_TRACK=false \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_DD_URL=https://custom.example.com:1234 \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_API_KEY=ffffffffffffffffffffffffffffffff \
		cws-ship </dev/null 2>err &&
	test "$(status ".endpoints[0].url")" = https://custom.example.com:1234/api/v2/logs &&
	test "$(status ".endpoints[0].api_key")" = "***************************fffff"
'

test_expect_success 'the API key never shows in talk or the status file' '
	DD_API_KEY=$KEY cws-ship </dev/null 2>err &&
	! grep -r "$KEY" err "$DD_RUN_PATH" &&
	status ".endpoints[0].api_key" | grep "^\*\{27\}bcdef$"
'

test_expect_success 'bad endpoint settings exit 3 with one line' '
	test_expect_code 3 env DD_API_KEY=$KEY DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_COMPRESSION_KIND=lz4 cws-ship </dev/null 2>err &&
	echo "cws-ship: fatal: runtime_security_config.endpoints.compression_kind: expected gzip or zstd, got '\''lz4'\''" >expect &&
	test_cmp expect err &&
	test_expect_code 3 env DD_API_KEY=$KEY DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_ADDITIONAL_ENDPOINTS="[{\"port\":1}]" cws-ship </dev/null 2>err &&
	grep "additional_endpoints\[0\]: expected a host" err
'

intake_start in1 -k $KEY

test_expect_success 'exactly N events in, exactly N messages at the intake' '
	matches 2500 >n.mp &&
	(to_intake in1 && cws-ship <n.mp 2>err) &&
	seq_pids 2500 >expect &&
	pids in1 >got &&
	test_cmp expect got &&
	test ! -e in1/errors &&
	test "$(awk "{print \$2}" in1/requests.log | sort -u)" = 200 &&
	test "$(status .endpoints[0].sent_messages)" = 2502 &&
	test "$(status .endpoints[0].pending_messages)" = 0 &&
	test "$(status .messages)" = 2502 &&
	test "$(find "$DD_SPOOL_DIR" -name "*.batch" | wc -l)" = 0
'

test_expect_success 'batches hold at most batch_max_size messages' '
	awk "{sub(\"count=\", \"\", \$4); if (\$4 + 0 > 1000) bad = 1} END {exit bad}" in1/requests.log &&
	test "$(wc -l <in1/requests.log)" -ge 3
'

test_expect_success 'the request carries Datadog'\''s headers' '
	grep "^POST /api/v2/secruntime$" in1/req-1.head &&
	grep "^DD-API-KEY: $KEY$" in1/req-1.head &&
	grep "^Content-Type: application/json$" in1/req-1.head &&
	grep "^Content-Encoding: gzip$" in1/req-1.head &&
	grep "^DD-EVP-ORIGIN: cloud-workload-security$" in1/req-1.head &&
	grep "^DD-EVP-ORIGIN-VERSION: 7.73.0$" in1/req-1.head &&
	grep "^User-Agent: datadog-agent/7.73.0 (cws-ship " in1/req-1.head &&
	grep "^DD-CWS-Batch-ID: [0-9a-f]\{16\}-[0-9]*$" in1/req-1.head &&
	grep "^dd-current-timestamp: [0-9]*$" in1/req-1.head
'

test_expect_success 'zstd bodies, with their level' '
	intake_start in2 -k $KEY &&
	matches 300 >z.mp &&
	(to_intake in2 &&
	 DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_COMPRESSION_KIND=zstd \
	 DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_ZSTD_COMPRESSION_LEVEL=3 cws-ship <z.mp 2>err) &&
	intake_stop in2 &&
	grep "enc=zstd" in2/requests.log &&
	! grep -v "enc=zstd" in2/requests.log &&
	seq_pids 300 >expect && pids in2 >got && test_cmp expect got
'

test_expect_success 'use_compression false: Content-Encoding identity' '
	intake_start in3 -k $KEY &&
	(to_intake in3 && DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_USE_COMPRESSION=false cws-ship <z.mp 2>err) &&
	intake_stop in3 &&
	grep "Sending uncompressed logs in HTTP" err &&
	! grep -v "enc=identity" in3/requests.log &&
	seq_pids 300 >expect && pids in3 >got && test_cmp expect got
'

test_expect_success 'a message too large alone is dropped with a line and counted' '
	intake_start in4 -k $KEY &&
	{ events 2 && printf "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1},\"process\":{\"pid\":5,\"file\":{\"path\":\"/bin/cat\",\"name\":\"cat\"},\"argv\":[\"cat\",\"%s\"]},\"exec\":{\"file\":{\"name\":\"cat\"}}}\n" "$(head -c 3000 /dev/zero | tr "\\0" x)"; } |
		cws-cat -r | DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 cws-filter -e "exec.file.name == \"cat\"" >big.mp &&
	(to_intake in4 && DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_MAX_CONTENT_SIZE=2048 cws-ship <big.mp 2>err) &&
	intake_stop in4 &&
	grep "cws-ship: error: offset [0-9]*: message of [0-9]* bytes dropped: larger than batch_max_content_size" err &&
	test "$(status .dropped_too_large)" = 1 &&
	printf "1000\n1001\n" >expect && pids in4 >got && test_cmp expect got
'

test_expect_success 'the status file: counters, state, endpoint' '
	test "$(status .tool)" = cws-ship &&
	test "$(status .state)" = stopped &&
	test "$(status .output)" = intake &&
	test "$(status ".endpoints[0].state")" = stopped &&
	status ".endpoints[0].dropped_messages | keys | join(\" \")" >keys &&
	echo "corrupt http_400 http_401 http_403 http_413 spool_full" >expect &&
	test_cmp expect keys &&
	test "$(stat -c %a "$DD_SPOOL_DIR")" = 700
'

intake_stop in1

test_expect_success 'README and man page: what would be sent, without an intake' '
	mkdir -p policies &&
	cp pol/p.policy policies/ &&
	cws-cat -r ev.json >capture.mp &&
	cws-filter -p policies < capture.mp | cws-ship 2>/dev/null |
		jq -c ".message | fromjson | {rule: .agent.rule_id, title}" >readme.json &&
	grep -F "{\"rule\":\"mysql_exec\",\"title\":\"MySQL client started\"}" readme.json &&
	cws-filter -p ./policies < capture.mp | cws-ship 2>/dev/null |
		jq ".message | fromjson | .agent.rule_id" >ids &&
	grep -x "\"shadow_open\"" ids
'

test_expect_success 'README and man page: the status file with jq' '
	intake_start in5 -k $KEY &&
	(to_intake in5 && cws-ship <m.mp 2>/dev/null) &&
	intake_stop in5 &&
	jq ".endpoints[] | {url, state, pending_messages, last_error}" \
		"$DD_RUN_PATH/cws-ship.json" >st.json &&
	jq -e ".state == \"stopped\" and .pending_messages == 0" st.json
'

test_expect_success 'the man page: a private intake from a configuration file' '
	cat >cws.yaml <<-EOF &&
	api_key: $KEY
	runtime_security_config:
	  endpoints:
	    dd_url: https://intake.example.com:8443
	    ca_file: /etc/cws/intake-ca.pem
	    additional_endpoints:
	      - {api_key: "k2", host: backup.example.com, is_reliable: false}
	EOF
	cws-ship -c cws.yaml </dev/null 2>err &&
	cat >expect <<-\EOF &&
	cws-ship: info: Reliable: Sending compressed logs in HTTPS to intake.example.com on port 8443
	cws-ship: info: Unreliable: Sending compressed logs in HTTPS to backup.example.com on port 443
	EOF
	test_cmp expect err
'

test_expect_success 'requests go through proxy.http (and proxy.https for TLS)' '
	intake_start px &&
	DD_API_KEY=$KEY DD_PROXY_HTTP=http://127.0.0.1:$px_PORT \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=intake.invalid:8080 \
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL=true cws-ship <m.mp 2>err &&
	intake_stop px &&
	grep "^POST http://intake.invalid:8080/api/v2/secruntime$" px/req-1.head &&
	test "$(wc -l <px/messages.jsonl)" = 5
'

# A directory cws_user may write in: root's cws-ship becomes that user.
mkdir -p logs && { getent passwd cws >/dev/null && chown cws logs; }

test_expect_success 'SIGHUP reopens the -o file' '
	rm -f pipe && mkfifo pipe &&
	{ cws-ship -o logs/rot.json <pipe 2>err & } && pid=$! &&
	exec 3>pipe &&
	matches 2 >&3 &&
	test_wait_until 10 "test \$(wc -l <logs/rot.json 2>/dev/null || echo 0) = 4" &&
	mv logs/rot.json logs/rot.json.1 && kill -HUP $pid &&
	test_wait_until 10 "grep -q \"reopening .logs/rot.json.\" err" &&
	matches 1 3000 | cws-cat | sed 1d | cws-cat -r >&3 &&
	exec 3>&- && wait $pid &&
	test "$(wc -l <logs/rot.json.1)" = 4 &&
	jq -r ".message | fromjson | .process.pid // empty" logs/rot.json >got &&
	echo 3000 >expect && test_cmp expect got
'

test_expect_success ROOT 'root gives up every capability before reading' '
	rm -f pipe "$DD_RUN_PATH/cws-ship.json" && mkfifo pipe &&
	{ cws-ship <pipe >/dev/null 2>err & } && pid=$! &&
	exec 3>pipe && matches 1 >&3 &&
	test_wait_until 10 "test \"\$(status .pid)\" = $pid" &&
	grep "^CapEff:	0000000000000000$" /proc/$pid/status &&
	grep "^CapPrm:	0000000000000000$" /proc/$pid/status &&
	grep "^CapBnd:	0000000000000000$" /proc/$pid/status &&
	grep "^NoNewPrivs:	1$" /proc/$pid/status &&
	grep "^Seccomp:	2$" /proc/$pid/status &&
	grep "^Uid:	$(id -u cws)	$(id -u cws)	$(id -u cws)	$(id -u cws)$" /proc/$pid/status &&
	test "$(status .sandbox)" = on &&
	exec 3>&- && wait $pid
'

test_expect_success ROOT 'a call outside its list is refused; /etc/passwd stays closed' '
	rm -f pipe && mkfifo pipe &&
	{ CWS_SANDBOX_TEST=1 cws-ship <pipe >/dev/null 2>err & } && pid=$! &&
	exec 3>pipe && matches 1 >&3 && exec 3>&- && wait $pid &&
	grep "^cws-ship: warning: sandbox test: ptrace: refused (Operation not permitted)$" err &&
	grep "^cws-ship: warning: sandbox test: open /etc/passwd for writing: refused (Permission denied)$" err
'

test_expect_success ROOT '--no-sandbox: root, loudly' '
	rm -f pipe && mkfifo pipe &&
	{ cws-ship --no-sandbox <pipe >/dev/null 2>err & } && pid=$! &&
	exec 3>pipe && matches 1 >&3 &&
	test_wait_until 10 "test \"\$(status .pid)\" = $pid" &&
	grep "^Uid:	0	0	0	0$" /proc/$pid/status &&
	grep "^Seccomp:	0$" /proc/$pid/status &&
	test "$(status .sandbox)" = off &&
	DD_RUN_PATH=$DD_RUN_PATH cws status >st.out &&
	grep "^              WARNING: running without its sandbox (--no-sandbox)$" st.out &&
	exec 3>&- && wait $pid &&
	grep "^cws-ship: warning: --no-sandbox: running WITHOUT the sandbox" err
'

test_expect_success NOBODY 'an unprivileged user runs it, spool and all' '
	nobody_setup && nb=$NOBODY_DIR/nob && ship=$(nobody_tool cws-ship) &&
	mkdir -p $nb && chown nobody $nb && chmod 755 . &&
	intake_start in7 -k $KEY &&
	(to_intake in7 && DD_SPOOL_DIR=$nb/spool DD_RUN_PATH=$nb/run \
		setpriv --reuid=nobody --regid=nogroup --clear-groups $ship <m.mp 2>err) &&
	intake_stop in7 &&
	test "$(stat -c %U $nb/spool)" = nobody &&
	test "$(wc -l <in7/messages.jsonl)" = 5
'

test_expect_success 'self-test matches are accepted and listed, not sent' '
	mkdir -p st &&
	t=$TRASH/st/x/datadog_agent_cws_target_file &&
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"chmod\",\"timestamp\":1},\"process\":{\"pid\":9},\"chmod\":{\"file\":{\"path\":\"$t\",\"name\":\"x\"}}}" |
		cws-cat -r | cws-filter -e "open.file.path == \"/nothing\"" --self-test $TRASH/st >st.mp &&
	cws-ship <st.mp >st.out 2>/dev/null &&
	! grep -q datadog_agent_cws_self_test_rule st.out &&
	test "$(status .self_test.matches)" = 1 &&
	status ".self_test.events[0] | [.rule_id, .path] | join(\" \")" >got &&
	echo "datadog_agent_cws_self_test_rule_chmod $t" >expect &&
	test_cmp expect got
'

test_expect_success VALGRIND 'valgrind-clean, locally and to an intake' '
	valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 cws-ship <ev.mp >/dev/null 2>vg.err &&
	! grep -q "==[0-9]*==" vg.err &&
	intake_start in6 -k $KEY && echo 500 >in6/script &&
	(to_intake in6 && valgrind -q --vgdb=no --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=9 cws-ship <z.mp 2>vg.err) &&
	intake_stop in6 &&
	! grep -q "==[0-9]*==" vg.err &&
	seq_pids 300 >expect && pids in6 >got && test_cmp expect got
'

test_done
