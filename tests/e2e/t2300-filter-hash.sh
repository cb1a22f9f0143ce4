#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The hash action: cws-filter hashes real files (sha256 compared with
# sha256sum), holds a match until its process exits or 5 seconds pass,
# reports Datadog's states, and cws-ship writes the result as Datadog
# does (the file's hashes and hash_state, a rule_actions item checked
# against Datadog's JSON schemas); then the real pipeline with the
# default policy's cryptominer_args rule (on a process that lives long
# enough: here pid 1's root may be out of reach, so a file whose
# process is gone may not be found).
. "$(dirname "$0")/test-lib.sh"

export DD_RUN_PATH=$TRASH/run
here=$(pwd -P)
schemas=$CWS_SRC/../shared/fixtures/datadog-schemas
[ -d "$schemas" ] || schemas=/work/shared/fixtures/datadog-schemas
default_policy=$(dirname "$schemas")/datadog-policies/default-1.69.3.policy

python3 -c 'import jsonschema, referencing' 2>/dev/null &&
	[ -d "$schemas" ] && test_set_prereq SCHEMAS

# ev NAME TIMESTAMP PID OBJECT-JSON: one event as a JSON line.
ev() {
	printf '{"type":"event","evt":{"name":"%s","timestamp":%s},"process":{"pid":%s,"comm":"t"}%s}\n' \
		"$1" "$2" "$3" "${4:+,$4}"
}
open_ev() { ev open "$1" "$2" "\"open\":{\"file\":{\"path\":\"$3\",\"name\":\"${3##*/}\",\"inode\":$1},\"flags\":64}"; }
exit_ev() { ev exit "$1" "$2" '"exit":{"code":0,"cause":"EXITED"}'; }
hello() { echo '{"type":"hello","producer":"t","schema":1}'; }

# The messages cws-ship would send for a stream, one JSON per line.
shipped() { cws-ship -q -o - <"$1" | jq -c '.message | fromjson'; }

# sha256 FILE: "sha256:<hex>" as Datadog writes it.
sha256() { echo "sha256:$(sha256sum "$1" | cut -d" " -f1)"; }

head -c 5000 /dev/urandom >target
head -c 5000 /dev/urandom >target2
: >empty
mkdir -p pol && cat >pol/default.policy <<EOF
version: 1.0.0
rules:
  - id: hashed
    expression: open.file.path in ["$here/target", "$here/gone", "$here/empty"]
    actions:
      - hash: {}
  - id: small
    expression: open.file.path == "$here/target2" && open.flags & O_CREAT > 0
    actions:
      - hash:
          max_file_size: 4096
EOF

test_expect_success JQ 'a held match comes out when its process exits, with the right sha256' '
	sleep 60 & live=$! &&
	test_when_finished "kill $live 2>/dev/null" &&
	{
		hello &&
		open_ev 1 $live "$here/target" &&
		open_ev 2 $live "$here/target2" &&
		open_ev 3 4242 "$here/other" &&
		exit_ev 4 $live
	} | cws-cat -r >in.mp &&
	cws-filter -p pol <in.mp >out.mp 2>err &&
	test_must_be_empty err &&
	cws-cat out.mp | jq -c "select(.rule) | [.rule.id, .rule.actions[0].state, .rule.actions[0].trigger]" >got &&
	cat >expect <<-\EOF &&
	["hashed","Done","process_exit"]
	["small","FileTooBig","process_exit"]
	EOF
	test_cmp expect got &&
	jq -e ".hash | .held == 0 and .held_total == 2 and .released == 2 and
		.hashed == 1 and .states.Done == 1 and .states.FileTooBig == 1" run/cws-filter.json &&
	shipped out.mp | jq -r "select(.agent.rule_id == \"hashed\") | .file.hashes[]" >hashes &&
	grep -x "$(sha256 target)" hashes &&
	grep -q "^sha1:" hashes && grep -q "^ssdeep:" hashes &&
	test $(wc -l <hashes) = 3
'

test_expect_success JQ 'the shipped event has hashes, hash_state and Datadog'"'"'s rule_actions item' '
	shipped out.mp | jq -c "select(.agent.rule_id == \"hashed\") |
		[.agent.rule_actions, .file.hash_state, .file.path]" >got &&
	echo "[[{\"type\":\"hash\",\"path\":\"$here/target\",\"state\":\"Done\",\"trigger\":\"process_exit\"}],\"Done\",\"$here/target\"]" >expect &&
	test_cmp expect got &&
	shipped out.mp | jq -e "select(.agent.rule_id == \"small\") |
		.file.hash_state == \"FileTooBig\" and (.file | has(\"hashes\") | not)"
'

test_expect_success JQ,SCHEMAS 'the hash item and the agent context validate against Datadog'"'"'s schemas' '
	shipped out.mp | jq -c "select(.agent.rule_actions)" >msgs.json &&
	test -s msgs.json &&
	cat >validate.py <<-\EOF &&
	import json, os, sys
	from jsonschema import Draft202012Validator
	from referencing import Registry, Resource
	d = sys.argv[1]
	reg = Registry()
	for n in os.listdir(d):
	    if n.endswith(".json"):
	        s = json.load(open(os.path.join(d, n)))
	        s.pop("$id", None)  # hash.schema.json says kill.schema.json
	        reg = reg.with_resource(n, Resource.from_contents(s))
	def check(name, doc):
	    s = reg.get_or_retrieve(name).value.contents
	    Draft202012Validator(s, registry=reg).validate(doc)
	for line in open(sys.argv[2]):
	    m = json.loads(line)
	    check("agent_context.schema.json", m["agent"])
	    for a in m["agent"]["rule_actions"]:
	        check("hash.schema.json", a)
	print("ok")
	EOF
	python3 validate.py "$schemas" msgs.json
'

test_expect_success JQ 'states: FileNotFound, FileEmpty; without an exit, the end of input releases' '
	{
		hello &&
		open_ev 1 $$ "$here/gone" &&
		open_ev 2 $$ "$here/empty"
	} | cws-cat -r >in2.mp &&
	cws-filter -p pol <in2.mp >out2.mp &&
	cws-cat out2.mp | jq -c "select(.rule) | .rule.actions[0] | [.path, .state, .trigger]" >got &&
	cat >expect <<-EOF &&
	["$here/gone","FileNotFound","timeout"]
	["$here/empty","FileEmpty","timeout"]
	EOF
	test_cmp expect got
'

test_expect_success JQ 'an event type left out of hash_resolver.event_types is not hashed' '
	DD_RUNTIME_SECURITY_CONFIG_HASH_RESOLVER_EVENT_TYPES=exec \
		cws-filter -p pol <in.mp >out3.mp &&
	cws-cat out3.mp | jq -e -s "map(select(.rule.id == \"hashed\"))[0].rule.actions[0] |
		.state == \"EventTypeNotConfigured\" and (has(\"hashes\") | not)"
'

test_expect_success JQ 'hash_resolver.enabled false: no hash item, the match at once' '
	DD_RUNTIME_SECURITY_CONFIG_HASH_RESOLVER_ENABLED=false \
		cws-filter -p pol <in.mp >out4.mp &&
	cws-cat out4.mp | jq -e -s "map(select(.rule.id == \"hashed\"))[0].rule | has(\"actions\") | not"
'

test_expect_success 'a bad hash_resolver value is a configuration error' '
	DD_RUNTIME_SECURITY_CONFIG_HASH_RESOLVER_HASH_ALGORITHMS="sha256 sha3" \
		test_expect_code 3 cws-filter -p pol <in.mp >/dev/null 2>err &&
	grep "hash_resolver.hash_algorithms: unknown algorithm .sha3." err
'

test_expect_success JQ 'a live process: the match waits 5 seconds, then comes out, the input still open' '
	sleep 60 & live=$! &&
	test_when_finished "kill $live 2>/dev/null" &&
	{ hello && open_ev 1 $live "$here/target"; } | cws-cat -r >in5.mp &&
	{ { cat in5.mp; sleep 12; } | cws-filter -p pol >out5.mp 2>/dev/null & filter=$!; } &&
	test_when_finished "kill $filter 2>/dev/null" &&
	sleep 3 &&
	! cws-cat out5.mp | jq -e "select(.rule)" &&
	test_wait_until 8 "cws-cat out5.mp | jq -e \"select(.rule.id == \\\"hashed\\\")\"" &&
	cws-cat out5.mp | jq -e "select(.rule.id == \"hashed\") | .rule.actions[0] |
		.trigger == \"timeout\" and .state == \"Done\""
'

test_expect_success 'a hash action without field on a chmod rule is refused' '
	mkdir -p pol2 && cat >pol2/default.policy <<-\EOF &&
	version: 1.0.0
	rules:
	  - id: c
	    expression: chmod.file.path == "/x"
	    actions:
	      - hash: {}
	      - hash: {field: exec.file}
	      - hash: {field: process.file}
	EOF
	cws-filter -n -v -p pol2 >sum 2>/dev/null &&
	grep "c: loaded: action 1 (hash) skipped: a hash action without .field. is only for open and exec rules, not chmod; action 2 (hash) skipped: .field.: .exec.file. is not a file of chmod events$" sum
'

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

test_expect_success BPF,JQ 'the default policy'"'"'s cryptominer_args hashes the real file it ran' '
	mkdir -p dpol &&
	python3 -c "
import sys, yaml
p = yaml.safe_load(open(sys.argv[1]))
r = [r for r in p[\"rules\"] if r[\"id\"] == \"cryptominer_args\"]
yaml.safe_dump({\"version\": p[\"version\"], \"rules\": r}, open(sys.argv[2], \"w\"))
" "$default_policy" dpol/default.policy &&
	grep -q "hash" dpol/default.policy &&
	cp /bin/bash t2300-miner &&
	rm -f p.fifo && mkfifo p.fifo &&
	{ cws-probe -H 0 -e exec,exit >p.fifo 2>probe.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null" &&
	{ cws-filter -p dpol <p.fifo >live.mp 2>filter.err & filter=$!; } &&
	test_wait_until 30 "cws-cat live.mp | grep -q ruleset_loaded" &&
	for i in 1 2 3 4 5; do
		./t2300-miner -c "sleep 3" t2300-miner --donate-level=1 &&
		test_wait_until 2 "cws-cat live.mp | grep -q cryptominer_args" && break
	done &&
	kill -INT $probe && wait $probe && wait $filter &&
	shipped live.mp | jq -c "select(.agent.rule_id == \"cryptominer_args\")" >miner.json &&
	jq -e -s ".[0] | .file.path == \"$here/t2300-miner\" and .file.hash_state == \"Done\" and
		.agent.rule_actions[0].type == \"hash\" and .agent.rule_actions[0].trigger == \"exec\"" miner.json &&
	jq -r -s ".[0].file.hashes[]" miner.json >hashes &&
	grep -x "$(sha256 t2300-miner)" hashes
'

test_done
