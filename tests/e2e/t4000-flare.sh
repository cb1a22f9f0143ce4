#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-flare: every part in the archive, no planted secret in any member,
# the upload's multipart fields against a loopback endpoint, the
# question, no upload without a terminal, a bad case id, a part that
# cannot be collected.
. "$(dirname "$0")/test-lib.sh"

command -v unzip >/dev/null || test_skip_all "unzip is not installed"

# Secrets planted everywhere a flare reads; none may reach the archive.
API_KEY=a1b2c3d4e5f60718293a4b5c6d7e8f90
APP_KEY=0f1e2d3c4b5a69788796a5b4c3d2e1f001234567
TOKEN=PlantedAuthToken7f3a9c1e5b2d8f4a6c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d
secrets="a1b2c3d4e5f60718293a4b5c6d7 0f1e2d3c4b5a69788796a5b4c3d2e1f0012
S3cretProxyPass PlantedPassw0rd PlantedDsnValue PlantedTokVal
$TOKEN EnvPlantedKeyValue EnvPlantedSecretX PolicyPlantedTok
PolicyPlantedApiKeyVal LogUrlPassw0rd LogBearerTok3n LogPassw0rd
PEMBODYPLANTEDLINE1 PEMBODYPLANTEDLINE2 StatusUrlPassw0rd YamlPemPlanted"

mkdir -p etc run pol logs spool/ep-1 out
cat >etc/cws.yaml <<EOF2
hostname: flarehost
site: datadoghq.eu
api_key: $API_KEY
app_key: $APP_KEY
run_path: $TRASH/run
spool_dir: $TRASH/spool
flare_log_files: ["$TRASH/logs/*.log"]
flare_stripped_keys: [mysql_dsn]
proxy:
  https: http://flareuser:S3cretProxyPass@proxy.example:3128
  no_proxy: [127.0.0.1]
runtime_security_config:
  policies:
    dir: $TRASH/pol
my_service:
  password: PlantedPassw0rd
  mysql_dsn: PlantedDsnValue
  db_token: "PlantedTokVal"
EOF2
cat >etc/extra.yaml <<\EOF2
tls:
  key: |
    -----BEGIN PRIVATE KEY-----
    YamlPemPlanted
    -----END PRIVATE KEY-----
EOF2
printf '%s\n' "$TOKEN" >etc/auth_token
cat >pol/default.policy <<\EOF2
version: 1.2.3
# token: PolicyPlantedTok
rules:
  - id: shadow_read
    expression: open.file.path == "/etc/shadow"
    tags:
      api_key: PolicyPlantedApiKeyVal
  - id: broken_rule
    expression: open.file.pth == 1
EOF2
cat >logs/cws-ship.log <<EOF2
2026-11-22 cws-ship: error: POST https://u:LogUrlPassw0rd@intake.example/ failed
2026-11-22 cws-ship: debug: Authorization: Bearer LogBearerTok3n
2026-11-22 cws-ship: debug: token in use $TOKEN
2026-11-22 cws-ship: debug: login password=LogPassw0rd done
-----BEGIN RSA PRIVATE KEY-----
PEMBODYPLANTEDLINE1
PEMBODYPLANTEDLINE2
-----END RSA PRIVATE KEY-----
2026-11-22 cws-ship: info: still running
EOF2
printf '{\n  "tool": "cws-ship",\n  "endpoint": "https://u:StatusUrlPassw0rd@x.example/"\n}\n' >run/cws-ship.json
printf '{"tool": "cws-filter"}\n' >run/cws-filter.json
printf 'batch' >spool/ep-1/1.batch

export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_API_KEY=EnvPlantedKeyValue99
export DD_SECRET_THING=EnvPlantedSecretX
export DD_LOG_LEVEL=warn

# The members the archive must hold, whatever the machine.
cat >expect-parts <<\EOF2
flarehost/version.txt
flarehost/config/effective.yaml
flarehost/config/cws.yaml
flarehost/config/extra.yaml
flarehost/envvars.log
flarehost/status/cws-filter.json
flarehost/status/cws-ship.json
flarehost/runtime-security.d/default.policy
flarehost/policy-status.txt
flarehost/logs/cws-ship.log
flarehost/spool.txt
flarehost/kernel/version.txt
flarehost/kernel/btf.txt
flarehost/kernel/bpf-features.txt
flarehost/kernel/bpf-loaded.txt
flarehost/kernel/mounts.txt
flarehost/system.txt
flarehost/flare_creation.log
EOF2

flare() { cws-flare -c "$TRASH/etc/cws.yaml" "$@"; }
member() { unzip -p "$zip" "flarehost/$1"; }

test_expect_success 'a flare holds every part, lists them, and is private' '
	flare -o "$TRASH/out" >listing 2>err &&
	zip=$(head -n 1 listing) &&
	case $zip in
	"$TRASH"/out/cws-flare-flarehost-20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9][0-9]-[0-9][0-9]-[0-9][0-9]Z.zip) ;;
	*) echo "unexpected name $zip"; false ;;
	esac &&
	test "$(stat -c %a "$zip")" = 600 &&
	unzip -Z1 "$zip" | sort >members &&
	sed 1d listing | awk "{print \$2}" | sort >listed &&
	test_cmp members listed &&
	sort expect-parts >expect-sorted &&
	comm -23 expect-sorted members >missing &&
	test_must_be_empty missing &&
	grep "Not uploaded: no terminal to ask on and no -s. The flare is $zip" err
'
zip=$(head -n 1 listing 2>/dev/null)

test_expect_success 'the journal and the TC filters are collected or noted' '
	fail=0 &&
	for p in logs/journal-cws-probe.log logs/journal-cws-filter.log \
		logs/journal-cws-ship.log kernel/tc.txt kernel/config.txt; do
		grep -qx "flarehost/$p" members ||
		member flare_creation.log | grep "^$p: not collected: ." ||
		fail=1
	done &&
	test $fail = 0
'

test_expect_success 'no planted secret is in any member' '
	fail=0 &&
	for m in $(cat members); do
		unzip -p "$zip" "$m" >member.txt || fail=1
		for s in $secrets; do
			if grep -F "$s" member.txt; then
				echo "secret $s leaked into $m"; fail=1
			fi
		done
	done &&
	test $fail = 0 && test -s members
'

test_expect_success 'scrubbed values keep what support needs' '
	member config/effective.yaml >eff &&
	grep "^api_key: \"\*\{27\}e8f90\"  # file $TRASH/etc/cws.yaml:3:10$" eff &&
	grep "^app_key: \"\*\{27\}34567\"" eff &&
	grep "^site: datadoghq.eu  # file $TRASH/etc/cws.yaml:2:7$" eff &&
	grep "^log_level: warn  # env DD_LOG_LEVEL$" eff &&
	grep "^runtime_security_config.endpoints.api_key: \"\*\{27\}lue99\"  # env DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_API_KEY$" eff &&
	grep "^skip_ssl_validation: false  # default$" eff &&
	grep "^# warning: .*unknown key .my_service.password." eff &&
	member config/cws.yaml >cfg &&
	grep "^api_key: \*\{27\}e8f90$" cfg &&
	grep "^  https: http://flareuser:\*\*\*\*\*\*\*\*@proxy.example:3128$" cfg &&
	grep "^  password: \*\*\*\*\*\*\*\*$" cfg &&
	grep "^  mysql_dsn: \*\*\*\*\*\*\*\*$" cfg &&
	grep "^site: datadoghq.eu$" cfg &&
	member logs/cws-ship.log >log &&
	grep "POST https://u:\*\*\*\*\*\*\*\*@intake.example/ failed" log &&
	grep "Authorization: Bearer \*\*\*\*\*\*\*\*$" log &&
	grep -A2 "^-----BEGIN RSA PRIVATE KEY-----$" log | grep "^\*\*\*\*\*\*\*\*$" &&
	grep "info: still running" log &&
	member envvars.log >env &&
	grep "^DD_SECRET_THING=\*\*\*\*\*\*\*\*$" env &&
	grep "^DD_LOG_LEVEL=warn$" env
'

test_expect_success 'the policy status says which rule failed and why' '
	member policy-status.txt >ps &&
	grep "^policy .default.policy. version 1.2.3: 1 loaded, 0 filtered, 1 failed$" ps &&
	grep "rule broken_rule (line 8): .*open.file.pth" ps
'

test_expect_success 'spool size and oldest batch, status files, kernel facts' '
	member spool.txt >sp &&
	grep "^batches waiting: 1$" sp &&
	grep "^oldest batch age: [0-9]* seconds$" sp &&
	member status/cws-filter.json | grep "\"tool\": \"cws-filter\"" &&
	member kernel/btf.txt | grep "^/sys/kernel/btf/vmlinux: " &&
	member kernel/bpf-features.txt | grep "^prog tracepoint: " &&
	member kernel/bpf-features.txt | grep "^map ringbuf: " &&
	member kernel/version.txt | grep "^release: $(uname -r)$" &&
	member system.txt | grep "^cpus: [0-9]* online" &&
	member version.txt | grep "^cws-flare [0-9]"
'

test_expect_success 'a case id that is not a number is refused' '
	mkdir -p out-bad &&
	test_expect_code 2 flare -o out-bad 12ab >bad.out 2>bad.err &&
	echo "cws-flare: fatal: case id '\''12ab'\'' is not a number: Datadog case ids are digits only, e.g. 1234567" >expect &&
	test_cmp expect bad.err &&
	test_must_be_empty bad.out &&
	test -z "$(ls out-bad)"
'

test_expect_success NOBODY 'a log it cannot read is noted, and the flare goes on' '
	# Where nobody can reach it: here, or a copy with its paths moved.
	nobody_setup && nb=$NOBODY_DIR && flare=$(nobody_tool cws-flare) &&
	if test "$nb" != "$TRASH"; then
		cp -a etc logs pol run spool "$nb"/ &&
		sed "s|$TRASH|$nb|g" etc/cws.yaml >"$nb/etc/cws.yaml"
	fi &&
	mkdir -p "$nb/out-nobody" && chmod 777 "$nb/out-nobody" &&
	printf "private\n" >"$nb/logs/private.log" && chmod 000 "$nb/logs/private.log" &&
	test_when_finished "chmod 644 $nb/logs/private.log" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		$flare -c "$nb/etc/cws.yaml" -o "$nb/out-nobody" >listing2 2>err2 &&
	z=$(head -n 1 listing2) &&
	unzip -p "$z" flarehost/flare_creation.log >notes &&
	grep "^logs/private.log: not collected: cannot read .$nb/logs/private.log.: Permission denied$" notes &&
	grep "cws-flare: warning: logs/private.log: not collected" err2 &&
	unzip -Z1 "$z" | grep -x flarehost/logs/cws-ship.log
'

# The loopback flare endpoint.
start_endpoint() {
	mkdir -p ep && rm -rf ep/* &&
	{ cws-test-flare -d ep -k "$API_KEY" & } &&
	ep_pid=$! &&
	test_wait_until 5 "test -s ep/port" &&
	export DD_FLARE_URL="http://127.0.0.1:$(cat ep/port)/support/flare"
}
stop_endpoint() { kill "$ep_pid" 2>/dev/null; wait "$ep_pid" 2>/dev/null; :; }

test_expect_success 'an upload sends the fields and the archive Datadog expects' '
	start_endpoint && test_when_finished stop_endpoint &&
	flare -s -e ops@example.com -o out 4242 >listing3 2>err3 &&
	z=$(head -n 1 listing3) &&
	grep "^POST /support/flare/4242 HTTP/1.1$" ep/req-1.head &&
	grep -i "^DD-API-KEY: $API_KEY$" ep/req-1.head &&
	grep -i "^Content-Type: multipart/form-data; boundary=" ep/req-1.head &&
	printf "%s\n" case_id email source \
		"flare_file filename=${z##*/} type=application/octet-stream" \
		agent_version hostname >expect &&
	test_cmp expect ep/req-1/fields &&
	test "$(cat ep/req-1/case_id)" = 4242 &&
	test "$(cat ep/req-1/email)" = ops@example.com &&
	test "$(cat ep/req-1/source)" = local &&
	test "$(cat ep/req-1/hostname)" = flarehost &&
	test "$(cat ep/req-1/agent_version)" = "$(cat "$CWS_SRC/VERSION")" &&
	cmp ep/req-1/flare_file "$z" &&
	grep "^Your logs were successfully uploaded. For future reference, your internal case id is 4242$" err3
'

test_expect_success 'without a case id or an email, those fields are left out' '
	start_endpoint && test_when_finished stop_endpoint &&
	flare -s -o out >/dev/null 2>err &&
	grep "^POST /support/flare HTTP/1.1$" ep/req-1.head &&
	printf "%s\n" source agent_version hostname >expect &&
	sed "s/ .*//" ep/req-1/fields >got &&
	grep -v flare_file got >got2 &&
	test_cmp expect got2
'

test_expect_success 'a refused upload keeps the archive and exits 1' '
	start_endpoint && test_when_finished stop_endpoint &&
	echo 403 >ep/mode &&
	test_expect_code 1 flare -s -o out 7 >listing4 2>err4 &&
	z=$(head -n 1 listing4) && test -f "$z" &&
	grep "make sure your API key is valid; API key ending with: e8f90" err4 &&
	grep "The flare was not uploaded; it is kept in $z" err4
'

test_expect_success 'an endpoint that is down: the archive is kept, exit 1' '
	DD_FLARE_URL=http://127.0.0.1:1/support/flare \
		test_expect_code 1 flare -s -o out >listing5 2>err5 &&
	z=$(head -n 1 listing5) && test -f "$z" &&
	grep "cws-flare: error: cannot upload to .http://127.0.0.1:1/support/flare." err5
'

test_expect_success 'without -s and without a terminal nothing is uploaded' '
	start_endpoint && test_when_finished stop_endpoint &&
	flare -o out 99 >listing6 2>err6 </dev/null &&
	z=$(head -n 1 listing6) &&
	grep "^Not uploaded: no terminal to ask on and no -s. The flare is $z$" err6 &&
	! test -e ep/req-1.head
'

test_expect_success 'on a terminal it asks first; no means no' '
	start_endpoint && test_when_finished stop_endpoint &&
	printf "me@example.com\nn\n" |
		script -qec "cws-flare -c $TRASH/etc/cws.yaml -o $TRASH/out 5" /dev/null >tty.out &&
	grep "Please enter your email: " tty.out &&
	grep "Are you sure you want to upload a flare? \[y/N\]" tty.out &&
	grep "Aborting. (You can still use $TRASH/out/cws-flare-flarehost-" tty.out &&
	! test -e ep/req-1.head
'

test_expect_success 'on a terminal, yes uploads with the email typed in' '
	start_endpoint && test_when_finished stop_endpoint &&
	printf "me@example.com\ny\n" |
		script -qec "cws-flare -c $TRASH/etc/cws.yaml -o $TRASH/out 6" /dev/null >tty.out &&
	grep "successfully uploaded" tty.out &&
	test "$(cat ep/req-1/email)" = me@example.com &&
	test "$(cat ep/req-1/case_id)" = 6
'

test_expect_success 'the README and man page examples' '
	start_endpoint && test_when_finished stop_endpoint &&
	export CWS_CONFIG_DEFAULT=$TRASH/etc/cws.yaml &&
	test_when_finished "export CWS_CONFIG_DEFAULT=/nonexistent/cws.yaml" &&
	rm -rf ex && mkdir ex && (
	cd ex && export TMPDIR=$TRASH/ex &&
	printf "\nn\n" | script -qec "cws-flare -o . 1234567" /dev/null >tty.out &&
	grep "Are you sure you want to upload a flare? \[y/N\]" tty.out &&
	unzip -p cws-flare-*.zip "*/flare_creation.log" >notes &&
	grep "^spool.txt\|^logs\|^every part" notes &&
	cws-flare -s -e ops@example.com 1234567 >listing 2>err &&
	test "$(cat ../ep/req-1/case_id)" = 1234567 &&
	unzip -p "$(head -n 1 listing)" "*/flare_creation.log" >notes2 &&
	test -s notes2 &&
	test "$(ls cws-flare-*.zip | wc -l)" = 2
	)
'

test_expect_success VALGRIND 'valgrind finds no error or leak' '
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		cws-flare -c "$TRASH/etc/cws.yaml" -o out >/dev/null 2>vg &&
	! grep "^==[0-9]*==" vg
'

test_done
