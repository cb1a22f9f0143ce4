#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: the system events of agent 7.68-7.73
# (setsockopt with an attached classic BPF filter, prctl, cgroup_write,
# selinux), the 1.69.3 rules that read them (bpfdoor_bpf_filter_creation,
# prctl_masquerading, execution_context_cgroup_write), and their messages
# through cws-ship against Datadog's schemas.
#
# One probe runs through the first test, which makes every call; the
# other tests look for their events in that one capture.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
python3 -c 'import jsonschema, referencing, yaml' 2>/dev/null &&
	test_set_prereq PYSCHEMA

events=setsockopt,prctl,cgroup_write,selinux,open
schemas=$SHARED_FIXTURES/datadog-schemas
policy=$SHARED_FIXTURES/datadog-policies/default-1.69.3.policy
pidfile=/var/run/haldrund.pid

# A writable cgroup v2 hierarchy, and a v1 one with its tasks file.
cg2=/sys/fs/cgroup/unified
[ -e $cg2/cgroup.procs ] || cg2=/sys/fs/cgroup
cg1=/sys/fs/cgroup/pids
if test_have_prereq ROOT && [ -e $cg2/cgroup.procs ] &&
	mkdir $cg2/t1900-check 2>/dev/null; then
	rmdir $cg2/t1900-check
	test_set_prereq CGROUP2
fi
if test_have_prereq ROOT && [ -e $cg1/tasks ] &&
	mkdir $cg1/t1900-check 2>/dev/null; then
	rmdir $cg1/t1900-check
	test_set_prereq CGROUP1
fi
# SELinux: only where the kernel has it and selinuxfs is mounted.
if [ -e /sys/fs/selinux/enforce ]; then
	test_set_prereq SELINUX
else
	say "# selinux: no selinuxfs on this kernel (/sys/fs/selinux/enforce is missing): its probe test is skipped; tests/unit/probe_sysev_test.c covers the decoding"
fi

has_hello() { cws-cat "$1" 2>/dev/null | grep -q '^{"type":"hello"'; }
field() { cut -d' ' -f"$2" "$1"; }

# Moves a shell into cgroup $1 through file $2, then back to $3 by
# writing 0 (the writer itself); prints its pid.
migrate() {
	sh -c 'echo $$ >"$1/$0" && echo 0 >"$2/$0" && echo $$' "$1" "$2" "$3"
}

# bpf_image's lines for the helper's 4-instruction IPv4 filter, as
# tcpdump -d prints them.
printf '%s\n' '(000) ldh      [12]' \
	'(001) jeq      #0x800           jt 2	jf 3' \
	'(002) ret      #262144' '(003) ret      #0' >ipv4.expect

test_expect_success BPF,JQ 'capture: one probe sees every call' '
	{ cws-probe -e $events -b 64M -H 0 >cap.mp 2>probe.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "has_hello cap.mp" &&

	cws-trigger-sysev attach-filter ipv4 ipv4.raw >ipv4.out &&
	cws-trigger-sysev attach-filter 600 long.raw >long.out &&
	cws-trigger-sysev prctl-name systemd-journald >journald.out &&
	cws-trigger-sysev prctl-name "[kworker/0:1]" >kworker.out &&
	cws-trigger-sysev prctl-name innocent >innocent.out &&
	cws-trigger-sysev prctl-name "$(printf "n%.0s" $(seq 300))" >longname.out &&
	test_when_finished "rm -f $pidfile" &&
	cws-trigger-sysev bpfdoor $pidfile >bpfdoor.out &&
	if test_have_prereq CGROUP2
	then
		mkdir $cg2/t1900 &&
		test_when_finished "rmdir $cg2/t1900" &&
		migrate cgroup.procs $cg2/t1900 $cg2 >cg2.out
	fi &&
	if test_have_prereq CGROUP1
	then
		mkdir $cg1/t1900 &&
		test_when_finished "rmdir $cg1/t1900" &&
		migrate tasks $cg1/t1900 $cg1 >cg1.out
	fi &&
	if test_have_prereq SELINUX
	then
		cat /sys/fs/selinux/enforce >enforce.was &&
		cat enforce.was >/sys/fs/selinux/enforce
	fi &&
	sleep 0.5 &&
	kill $probe && wait $probe &&
	cws-cat cap.mp >cap.json &&
	test_must_be_empty probe.err
'

test_expect_success BPF,JQ 'setsockopt: level, optname, the socket and its filter' '
	pid=$(field ipv4.out 1) &&
	jq -c --argjson pid $pid "select(.evt.name == \"setsockopt\" and
		.process.pid == \$pid) | .setsockopt" cap.json >ev.json &&
	test $(wc -l <ev.json) = 1 &&
	jq -e ".level == 1 and .optname == 26 and .socket_type == 2 and
		.socket_family == 2 and .socket_protocol == 17 and
		.filter_len == 4 and .is_filter_truncated == false and
		.used_immediates == [2048, 262144, 0]" ev.json &&
	jq -r .filter_instructions ev.json >ipv4.text &&
	test_cmp ipv4.expect ipv4.text &&
	echo "$(jq -r .filter_hash ev.json)  ipv4.raw" | sha256sum -c
'

test_expect_success BPF,JQ 'setsockopt: a filter over 511 instructions is cut' '
	pid=$(field long.out 1) &&
	jq -c --argjson pid $pid "select(.evt.name == \"setsockopt\" and
		.process.pid == \$pid) | .setsockopt" cap.json >ev.json &&
	jq -e ".filter_len == 600 and .is_filter_truncated == true and
		(.used_immediates | length) == 511" ev.json &&
	head -c $((511 * 8)) long.raw >long511.raw &&
	echo "$(jq -r .filter_hash ev.json)  long511.raw" | sha256sum -c
'

test_expect_success BPF,JQ 'prctl: PR_SET_NAME with the name as passed' '
	for f in journald kworker innocent
	do
		jq -e --argjson pid $(field $f.out 1) -s "any(.[];
			.evt.name == \"prctl\" and .process.pid == \$pid and
			.evt.retval == 0 and .prctl.option == 15 and
			.prctl.is_name_truncated == false)" cap.json || return 1
	done &&
	jq -e --argjson pid $(field journald.out 1) -s "any(.[];
		.process.pid == \$pid and
		.prctl.new_name == \"systemd-journald\")" cap.json
'

test_expect_success BPF,JQ 'prctl: a name past 255 bytes is cut and says so' '
	jq -e --argjson pid $(field longname.out 1) -s "any(.[];
		.process.pid == \$pid and .evt.name == \"prctl\" and
		(.prctl.new_name | length) == 255 and
		.prctl.is_name_truncated == true)" cap.json
'

test_expect_success BPF,JQ,CGROUP2 'cgroup_write: cgroup v2, the pid and the destination' '
	pid=$(cat cg2.out) &&
	jq -e --argjson pid $pid --arg dir $cg2/t1900 -s "
		any(.[]; .evt.name == \"cgroup_write\" and
		    .process.pid == \$pid and .cgroup_write.pid == \$pid and
		    .cgroup_write.file.path == \$dir and
		    .cgroup_write.file.filesystem == \"cgroup2\") and
		any(.[]; .evt.name == \"cgroup_write\" and
		    .process.pid == \$pid and .cgroup_write.pid == \$pid and
		    .cgroup_write.file.path == \"$cg2\")" cap.json
'

test_expect_success BPF,JQ,CGROUP1 'cgroup_write: cgroup v1, the tasks file' '
	pid=$(cat cg1.out) &&
	jq -e --argjson pid $pid --arg dir $cg1/t1900 -s "
		any(.[]; .evt.name == \"cgroup_write\" and
		    .cgroup_write.pid == \$pid and
		    .cgroup_write.file.path == \$dir and
		    .cgroup_write.file.filesystem == \"cgroup\")" cap.json
'

test_expect_success BPF,JQ 'cgroup_write: other writes make no event' '
	jq -e -s "all(.[] | select(.evt.name == \"cgroup_write\");
		.cgroup_write.file.filesystem | startswith(\"cgroup\"))" cap.json
'

test_expect_success BPF,JQ,SELINUX 'selinux: writing enforce is an event' '
	jq -e -s "any(.[]; .evt.name == \"selinux\" and
		.selinux.enforce.status != null)" cap.json
'

# The 1.69.3 policy, with the two rules this part is about made loadable
# on agent 7.60 (no agent_version) and visible (not silent), as
# default.policy.
cat >policy.py <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for r in doc["rules"]:
    if r["id"] in ("prctl_masquerading", "execution_context_cgroup_write"):
        r.pop("agent_version", None)
        r.pop("silent", None)
yaml.safe_dump(doc, open(sys.argv[2], "w"), sort_keys=False)
EOF

test_expect_success BPF,JQ,PYSCHEMA 'the 1.69.3 rules on these types load' '
	mkdir -p pol &&
	python3 policy.py $policy pol/default.policy &&
	cws-filter -n -p pol >load.out 2>load.err &&
	! grep -E "(bpfdoor_bpf_filter_creation|prctl_masquerading|execution_context_cgroup_write|selinux_disable_enforcement).*(error|not found)" load.err &&
	grep "total: .* loaded" load.out &&
	cws-filter -p pol </dev/null | cws-cat >rs.json &&
	jq -r "select(.type == \"ruleset_loaded\") | .policies[].rules[] |
		select(.id | IN(\"bpfdoor_bpf_filter_creation\",
			\"prctl_masquerading\", \"execution_context_cgroup_write\",
			\"selinux_disable_enforcement\")) | \"\(.id) \(.status)\"" \
		rs.json | sort >rs.status &&
	printf "%s loaded\n" bpfdoor_bpf_filter_creation \
		execution_context_cgroup_write prctl_masquerading \
		selinux_disable_enforcement >rs.expect &&
	test_cmp rs.expect rs.status
'

test_expect_success BPF,JQ,PYSCHEMA 'the 1.69.3 rules fire on the real calls' '
	DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 \
		cws-filter -p pol <cap.mp >match.mp 2>filter.err &&
	cws-cat match.mp >match.json &&
	jq -e --argjson pid $(field bpfdoor.out 1) -s "any(.[];
		.rule.id == \"bpfdoor_bpf_filter_creation\" and
		.process.pid == \$pid)" match.json &&
	jq -e --argjson pid $(field ipv4.out 1) -s "all(.[];
		.rule.id != \"bpfdoor_bpf_filter_creation\" or
		.process.pid != \$pid)" match.json &&
	for f in journald kworker
	do
		jq -e --argjson pid $(field $f.out 1) -s "any(.[];
			.rule.id == \"prctl_masquerading\" and
			.process.pid == \$pid)" match.json || return 1
	done &&
	jq -e --argjson pid $(field innocent.out 1) -s "all(.[];
		.rule.id != \"prctl_masquerading\" or
		.process.pid != \$pid)" match.json &&
	if test_have_prereq CGROUP2
	then
		jq -e --argjson pid $(cat cg2.out) -s "any(.[];
			.rule.id == \"execution_context_cgroup_write\" and
			.cgroup_write.pid == \$pid)" match.json
	fi
'

# Validates each message of a cws-ship output against message.schema.json
# and, where Datadog has <event type>.schema.json, the event's own object
# against that schema's definition of it (the process context around it
# is another part's: t5200).
cat >validate.py <<'EOF'
import json, os, sys
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
d = sys.argv[1]
reg = Registry()
names = set()
for f in os.listdir(d):
    if f.endswith(".json"):
        s = json.load(open(os.path.join(d, f)))
        names.add(f)
        reg = reg.with_resource(s.get("$id", f), Resource.from_contents(s))
bad = 0
seen = set()
for line in open(sys.argv[2]):
    msg = json.loads(json.loads(line)["message"])
    t = msg.get("evt", {}).get("name")
    if not t:
        continue
    seen.add(t)
    checks = [({"$ref": "message.schema.json"}, msg)]
    if t + ".schema.json" in names:
        checks.append(({"$ref": t + ".schema.json#/properties/" + t},
                       msg.get(t)))
    elif not isinstance(msg.get(t), dict):
        bad += 1
        print("%s: no %s object" % (t, t))
    for schema, inst in checks:
        v = Draft202012Validator(schema, registry=reg)
        for e in v.iter_errors(inst):
            bad += 1
            print("%s: %s: %s at %s" % (t, schema["$ref"], e.message,
                  "/".join(map(str, e.path))))
print("types: " + " ".join(sorted(seen)))
sys.exit(1 if bad else 0)
EOF

test_expect_success BPF,JQ,PYSCHEMA 'messages through cws-ship validate against the schemas' '
	cws-cat match.mp | jq -c "select(.type != \"event\" or
		(.evt.name | IN(\"setsockopt\", \"prctl\", \"cgroup_write\")))" |
		cws-cat -r | cws-ship -o ship.jsonl 2>ship.err &&
	python3 validate.py $schemas ship.jsonl >valid.out &&
	grep "types: .*setsockopt" valid.out && grep "types: .*prctl" valid.out
'

# A policy of one rule per selinux shape.
cat >se.policy <<'EOF'
version: 1.0.0
rules:
  - id: se_status
    expression: selinux.enforce.status == "permissive"
  - id: se_bool
    expression: selinux.bool.state == "on"
  - id: se_commit
    expression: selinux.bool_commit.state == true
EOF

test_expect_success JQ,PYSCHEMA 'selinux messages validate against selinux.schema.json' '
	echo "{\"type\":\"hello\",\"producer\":\"t\",\"schema\":1}" >se.json &&
	for obj in "{\"enforce\":{\"status\":\"permissive\"}}" \
		"{\"bool\":{\"name\":\"httpd_can_network_connect\",\"state\":\"on\"}}" \
		"{\"bool_commit\":{\"state\":true}}"
	do
		echo "{\"type\":\"event\",\"evt\":{\"name\":\"selinux\",\"timestamp\":1000},\"process\":{\"pid\":7,\"ppid\":1,\"comm\":\"setenforce\",\"file\":{\"path\":\"/usr/sbin/setenforce\",\"name\":\"setenforce\"}},\"selinux\":{\"file\":{\"path\":\"/sys/fs/selinux/enforce\",\"name\":\"enforce\",\"inode\":4,\"mode\":33188,\"filesystem\":\"selinuxfs\"}}}" |
			jq -c --argjson o "$obj" ".selinux += \$o" >>se.json || return 1
	done &&
	cws-cat -r se.json >se.mp &&
	mkdir -p sepol && cp se.policy sepol/default.policy &&
	DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 \
		cws-filter -p sepol <se.mp >se-match.mp &&
	cws-cat se-match.mp | jq -r "select(.rule) | .rule.id" >se.ids &&
	printf "%s\n" se_status se_bool se_commit >se.expect &&
	test_cmp se.expect se.ids &&
	cws-ship -o se.jsonl <se-match.mp &&
	python3 validate.py $schemas se.jsonl >se-valid.out &&
	grep "types: selinux" se-valid.out
'

test_done
