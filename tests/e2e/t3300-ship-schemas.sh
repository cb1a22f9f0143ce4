#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every message cws-ship sends validates against Datadog's own JSON
# schemas (../shared/fixtures/datadog-schemas, validated as Datadog's
# tests do: tests/schema-check.py). The real chain, on the real kernel:
# cws-probe | cws-filter | cws-ship to a loopback test intake, with one
# rule per event type and a trigger that makes the event; plus the
# ruleset_loaded and heartbeat messages, and a rule event with a kill.
#
# A new event type is one line of the trigger table below: its name and
# the command that makes it (run in the scratch directory, the helpers
# copied into bin/). The rule, the probe's event list and the check that
# a message of the type arrived follow from the table.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

schemas=$SHARED_FIXTURES/datadog-schemas
[ -f "$schemas/message.schema.json" ] ||
	test_skip_all "Datadog's schemas are not in $schemas"
python3 -c 'import jsonschema, referencing' 2>/dev/null ||
	test_skip_all "python3's jsonschema is missing (python3-jsonschema)"
command -v cws-test-intake >/dev/null && command -v cws-trigger >/dev/null ||
	test_skip_all "the test helpers are not built (make helpers)"
test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
command -v ip >/dev/null && test_set_prereq IPROUTE

here=$(pwd -P)
bin=$here/bin
ns=cwsv$$
vh=cwsvh$$
vn=cwsvn$$
# The cgroup v2 hierarchy cgroup_write's trigger moves the sleeper into.
cg=/sys/fs/cgroup/unified
[ -e $cg/cgroup.procs ] || cg=/sys/fs/cgroup

# TYPE COMMAND...: the trigger table, run in order; a type may have more
# than one line. The new names of link and rename, and the new mount, are
# looked up once the record arrives (cws-event(5)): they stay. umount
# takes a mount made before the probe started.
cat >triggers <<\EOF
exec cws-trigger chdir .
exit cws-trigger chdir .
open cws-trigger open f 'O_CREAT|O_WRONLY' 0644
open cws-trigger open g 'O_CREAT|O_WRONLY' 0644
open cws-trigger open h 'O_CREAT|O_WRONLY' 0644
chmod cws-trigger chmod f 0600
chown cws-trigger chown f 0 0
utimes cws-trigger utimes f
setxattr cws-trigger setxattr f user.cws v
removexattr cws-trigger removexattr f user.cws
link cws-trigger link f f.link
rename cws-trigger rename g g.renamed
mkdir cws-trigger mkdir d 0755
chdir cws-trigger chdir .
mmap cws-trigger mmap f PROT_READ MAP_SHARED
mprotect cws-trigger mprotect PROT_READ
splice cws-trigger splice f 1
memfd_create cws-trigger memfd_create cws MFD_CLOEXEC
mount cws-trigger-proc mount mnt
setuid cws-trigger-proc setuid 0
setgid cws-trigger-proc setfsgid 0
capset cws-trigger-proc capset
ptrace cws-trigger-proc ptrace
signal cws-trigger-proc kill $(cat sleep.pid) 18
bpf cws-trigger-proc bpf-map cwsv_map
load_module cws-trigger-proc init-module cwsv=1
unload_module cws-trigger-proc delete-module cwsv_nope
connect cws-trigger-net 4
bind cws-trigger-net 4
accept cws-trigger-net 4
dns cws-trigger-dns 10.213.77.2 schemas.example.com
rmdir cws-trigger rmdir d
unlink cws-trigger unlink h
umount cws-trigger-proc umount mnt2
setsockopt cws-trigger-sysev attach-filter ipv4 filter.raw
prctl cws-trigger-sysev prctl-name cws-schemas
cgroup_write mkdir -p $cg/cws-t3300 && cws-sh -c "echo $(cat sleep.pid) >$cg/cws-t3300/cgroup.procs"
EOF
types=$(cut -d' ' -f1 triggers | sort -u | tr '\n' ' ')

helpers() {
	command -v cws-trigger cws-trigger-proc cws-trigger-net cws-trigger-dns \
		cws-trigger-sysev
}

# Runs each command of the table, in bin/'s name; says which one failed.
# The script's shell is their parent (no subshell), which is still there
# when cws-probe looks up what a trigger that has exited left behind.
run_triggers() {
	local type cmd PATH=$bin:$PATH
	while read -r type cmd; do
		eval "$cmd" >"$type.out" 2>"$type.err" ||
			{ echo "the trigger of $type failed: $cmd" >&2; return 1; }
	done <triggers
}

# Whether the intake has a message of every type of the table (grep: the
# file grows large, and this runs ten times a second).
all_seen() {
	local t
	for t in $types; do
		grep -q "\"rule_id\":\"schemas_$t\"" in/messages.jsonl || return 1
	done
}

cleanup() {
	ip link del $vh 2>/dev/null
	ip netns del $ns 2>/dev/null
	[ -n "${sleeper:-}" ] && kill $sleeper 2>/dev/null && wait $sleeper 2>/dev/null
	rmdir $cg/cws-t3300 2>/dev/null
	umount "$here/mnt" "$here/mnt2" 2>/dev/null
}
trap cleanup EXIT

test_expect_success BPF,IPROUTE 'setup: the helpers in bin/, a namespace for dns' '
	mkdir -p bin mnt mnt2 pol &&
	mount -t tmpfs cwsv "$here/mnt2" &&
	cp $(helpers) bin/ &&
	cp "$(command -v sleep)" bin/cws-sleep &&
	cp "$(command -v sh)" bin/cws-sh &&
	ip netns add $ns &&
	ip link add $vh type veth peer name $vn netns $ns &&
	ip addr add 10.213.77.1/30 dev $vh && ip link set $vh up &&
	ip -n $ns addr add 10.213.77.2/30 dev $vn && ip -n $ns link set $vn up
'

# One rule per type of the table, on the processes of bin/ only: other
# tests of the machine make the same calls.
{
	echo "version: 1.2.3"
	echo "rules:"
	for t in $types; do
		cat <<-EOF
		  - id: schemas_$t
		    version: 4.5.6
		    description: a $t of the schema test
		    expression: $t.retval != 1234567 && process.file.path =~ "$bin/*"
		    tags:
		      severity: low
		EOF
	done
	cat <<-EOF
	  - id: schemas_kill
	    description: the schema test's kill
	    expression: exec.file.path == "$bin/cws-sleep" && exec.args == "31"
	    actions:
	      - kill:
	          signal: SIGKILL
	EOF
} >pol/default.policy

test_expect_success BPF,IPROUTE 'the real chain sends a message for every type of the table' '
	intake_start in &&
	test_when_finished "intake_stop in" &&
	to_intake in &&
	events=$(echo $types | tr " " ,) &&
	rm -f p.fifo f.fifo && mkfifo p.fifo f.fifo &&
	# A classifier place of its own: other tests'\'' probes replace theirs.
	{ DD_RUNTIME_SECURITY_CONFIG_NETWORK_CLASSIFIER_PRIORITY=33 \
		DD_RUNTIME_SECURITY_CONFIG_NETWORK_CLASSIFIER_HANDLE=33 \
		cws-probe -H 0 -p pol -e "$events" >p.fifo 2>probe.err & probe=$!; } &&
	{ DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 \
		cws-filter -p pol <p.fifo >f.fifo 2>filter.err & filter=$!; } &&
	{ cws-ship <f.fifo 2>ship.err & ship=$!; } &&
	test_when_finished "kill $probe $filter $ship 2>/dev/null" &&
	test_wait_until 60 "grep -q ruleset_loaded in/messages.jsonl" &&
	{ bin/cws-sleep 30 & sleeper=$!; } && echo $sleeper >sleep.pid &&
	run_triggers &&
	{ bin/cws-sleep 31 & killed=$!; } &&
	test_wait_until 20 "grep -q \"rule_id.:.schemas_kill\" in/messages.jsonl" &&
	! wait $killed &&
	# Those that do not come are named by the check below.
	{ test_wait_until 30 all_seen; seen=$?; } &&
	kill -INT $probe && wait $probe && wait $filter && wait $ship &&
	test $seen = 0
'

# A process whose executable cws-probe cannot read (here /proc/1/exe is
# denied: init, the top ancestor of every process) has no name, inode or
# stat to give: the keys are absent, not invented (docs/COMPATIBILITY.md).
allow_hidden="\.ancestors\[[0-9]+\]\.executable: rule required of .*'(name|inode|mode|uid|gid|modification_time|change_time)' is a required property"

test_expect_success BPF,IPROUTE 'every message validates against Datadog'\''s schemas' '
	python3 "$CWS_SRC/tests/schema-check.py" \
		--allow "$allow_hidden" "$schemas" in/messages.jsonl \
		$types ruleset_loaded heartbeat >violations;
	rc=$? &&
	cat violations &&
	test $rc = 0 &&
	test_must_be_empty violations
'

test_expect_success 'the check names the type, the JSON path and the rule it breaks' '
	cat >bad.jsonl <<-\EOF &&
	{"agent":{"rule_id":"r"},"evt":{"name":"mount"},"mount":{"fs_type":"tmpfs","mountpoint.path":"/mnt"}}
	{"agent":{"rule_id":"ruleset_loaded"},"date":"2026-01-01T00:00:00Z","policies":[]}
	EOF
	test_expect_code 1 python3 "$CWS_SRC/tests/schema-check.py" "$schemas" \
		bad.jsonl mount open >out 2>err &&
	grep "^mount: \$\.mount: rule required of mount.schema.json#/.*: '\''mp'\'' is a required property" out &&
	grep "^ruleset_loaded: \$: rule required of ruleset_loaded.schema.json#/required: '\''monitored_files'\''" out &&
	grep "^open: no message" out &&
	grep "0 of 2 messages valid" err
'

test_expect_success JQ 'ruleset_loaded: monitored files, policy status, actions as objects' '
	mkdir -p mf && cat >mf/p.policy <<-\EOF &&
	version: 1.0.0
	rules:
	  - id: a
	    expression: open.file.path in ["/etc/shadow", "/etc/gshadow"] && process.comm != "x"
	  - id: b
	    expression: chmod.file.name == "passwd" && not (chmod.file.path == "/tmp/no")
	  - id: c
	    expression: exec.file.path == "/bin/sh"
	  - id: d
	    expression: open.file.path =~ "/etc/ssh/*"
	    actions:
	      - kill:
	          signal: SIGKILL
	  - id: e
	    expression: open.file.pth == "/x"
	EOF
	printf "{\"type\":\"hello\",\"producer\":\"t\",\"schema\":1}\n" | cws-cat -r |
		cws-filter -p mf 2>/dev/null |
		env -u DD_API_KEY -u DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL \
			cws-ship 2>/dev/null |
		jq -c ".message | fromjson | select(.agent.rule_id == \"ruleset_loaded\")" >rl.jsonl &&
	jq -c "[.monitored_files, .policies[0].status, .policies[0].rules[3].actions]" rl.jsonl >got &&
	echo "[[\"/etc/shadow\",\"/etc/gshadow\",\"passwd\",\"/etc/ssh/*\"],\"partially_loaded\",[{\"kill\":{}}]]" >expect &&
	test_cmp expect got &&
	python3 "$CWS_SRC/tests/schema-check.py" "$schemas" rl.jsonl ruleset_loaded
'

test_expect_success BPF,IPROUTE 'the kill action has its times, as Datadog writes them' '
	jq -e -s "map(select(.agent.rule_id == \"schemas_kill\"))[0].agent.rule_actions[0] |
		.type == \"kill\" and .signal == \"SIGKILL\" and .status == \"performed\" and
		(.created_at | type) == \"string\" and (.ttr | endswith(\"s\"))" in/messages.jsonl
'

test_done
