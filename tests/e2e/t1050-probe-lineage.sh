#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: process lineage as Datadog's process cache
# has it. Each image is an entry: an exec'd image's parent is the image it
# replaced (same pid), so a wrapper that execs (nohup, env, exec in sh -c)
# is its command's parent, and the ancestors list every image of each pid.
# Then Datadog's nohup_usage rule, as 1.69.3 ships it, fires through
# cws-filter, and cws-ship renders process.parent as Datadog does.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

fixtures=$SHARED_FIXTURES/datadog-policies
[ -r $fixtures/default-1.69.3.policy ] && test_set_prereq FIXTURES
export DD_RUN_PATH=$TRASH/run

has_hello() { cws-cat "$1" 2>/dev/null | grep -q '^{"type":"hello"'; }

sh_path=$(readlink -f /bin/sh)
nohup_path=$(readlink -f "$(command -v nohup)")
env_path=$(readlink -f "$(command -v env)")
cat_path=$(readlink -f "$(command -v cat)")
bash_path=$(readlink -f /proc/$$/exe)
echo lineage >l.txt

# The chains, each a script run by a fresh sh that writes its pid.
cat >nohup.sh <<'EOF'
echo $$ >nohup.pid
nohup env sh -c "exec cat l.txt" >/dev/null 2>&1
true
EOF
cat >chain.sh <<'EOF'
echo $$ >chain.pid
exec env sh -c 'echo $$ >chain2.pid; exec cat l.txt'
EOF
# Execs itself once, identically: an exec bomb in Datadog's words.
cat >bomb.sh <<'EOF'
echo $$ >bomb.pid
if ! [ -e bombed ]; then : >bombed; exec sh bomb.sh; fi
exec cat l.txt
EOF
# The shell exits before its child execs cat.
cat >orphan.sh <<'EOF'
echo $$ >orphan.pid
(sleep 0.5; exec cat l.txt) &
exit 0
EOF
cats() {
	cws-cat cap.mp | jq -s -e '[.[] | select(.evt.name? == "exec" and
		.process.argv == ["cat", "l.txt"])] | length >= 4' >/dev/null
}

# [file.path] of each exec event of pid $pid and of each ancestor of the
# same pid, nearest first.
cat >images.jq <<'EOF'
.[] | select(.type == "event" and .evt.name == "exec" and
	.process.pid == $pid) |
[.process.file.path] + [.process.ancestors[] | select(.pid == $pid) |
			.file.path]
EOF

test_expect_success BPF,JQ 'capture: nohup, env and exec chains' '
	{ cws-probe -e exec -b 64M -H 0 >cap.mp 2>probe.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "has_hello cap.mp" &&
	sh nohup.sh &&
	sh chain.sh >/dev/null &&
	sh bomb.sh >/dev/null &&
	sh orphan.sh >/dev/null &&
	test_wait_until 10 cats &&
	kill $probe && wait $probe &&
	cws-cat cap.mp >cap.json &&
	test_must_be_empty probe.err
'

test_expect_success BPF,JQ 'nohup env sh -c: every image of the pid, nearest first' '
	jq -s "[.[] | select(.type == \"event\" and .evt.name == \"exec\" and
		.process.ppid == $(cat nohup.pid))][0].process.pid" cap.json >pid &&
	jq -s -c --argjson pid $(cat pid) -f images.jq cap.json >got &&
	cat >expect <<-EOF &&
	["$nohup_path","$sh_path"]
	["$env_path","$nohup_path","$sh_path"]
	["$sh_path","$env_path","$nohup_path","$sh_path"]
	["$cat_path","$sh_path","$env_path","$nohup_path","$sh_path"]
	EOF
	test_cmp expect got
'

test_expect_success BPF,JQ 'the parent is the replaced image; ppid stays the kernel one' '
	jq -s -e --argjson sh $(cat nohup.pid) "
		[.[] | select(.type == \"event\" and .evt.name == \"exec\" and
			.process.comm == \"cat\" and .process.ppid == \$sh)] |
		length >= 1 and all(
			.process.ancestors[0].comm == \"sh\" and
			.process.ancestors[0].pid == .process.pid and
			.process.ancestors[0].ppid == \$sh and
			.process.ancestors[0].is_thread == false and
			.process.ancestors[1].comm == \"env\" and
			.process.ancestors[2].comm == \"nohup\" and
			.process.ancestors[3].pid == .process.pid and
			.process.ancestors[3].is_thread == true and
			.process.ancestors[3].ppid == \$sh and
			.process.ancestors[4].pid == \$sh and
			.process.ancestors[-1].pid == 1)
	" cap.json
'

test_expect_success BPF,JQ 'exec after exec: the parent is the image before, not the parent process' '
	pid=$(cat chain.pid) &&
	test $pid = $(cat chain2.pid) &&
	jq -s -c --argjson pid $pid -f images.jq cap.json >got &&
	cat >expect <<-EOF &&
	["$sh_path","$bash_path"]
	["$env_path","$sh_path","$bash_path"]
	["$sh_path","$env_path","$sh_path","$bash_path"]
	["$cat_path","$sh_path","$env_path","$sh_path","$bash_path"]
	EOF
	test_cmp expect got
'

# Datadog keeps one entry for an exec identical to the image it replaces
# (file, argv, credentials): sh bomb.sh execs sh bomb.sh, then cat, whose
# parent is the one sh bomb.sh, forked from this shell.
test_expect_success BPF,JQ 'an identical exec (exec bomb) makes no new image' '
	jq -s -e --argjson pid $(cat bomb.pid) "
		[.[] | select(.type == \"event\" and .evt.name == \"exec\" and
			.process.pid == \$pid)] |
		map(.process.argv) == [[\"sh\", \"bomb.sh\"], [\"sh\", \"bomb.sh\"],
				       [\"cat\", \"l.txt\"]] and
		(last | .process.ancestors | map(select(.pid == \$pid)) |
		 length == 2 and .[0].argv == [\"sh\", \"bomb.sh\"] and
		 .[0].is_thread == false and .[1].is_thread == true)
	" cap.json
'

test_expect_success BPF,JQ 'an exited parent stays its children'"'"'s ancestor' '
	jq -s -e --argjson sh $(cat orphan.pid) "
		[.[] | select(.type == \"event\" and .evt.name == \"exec\" and
			.process.argv == [\"cat\", \"l.txt\"] and
			.process.ancestors[1].pid == \$sh)] |
		length == 1 and all(.process.ppid != \$sh and
			.process.ancestors[0].pid == .process.pid and
			.process.ancestors[0].is_thread and
			.process.ancestors[1].argv == [\"sh\", \"orphan.sh\"] and
			.process.ancestors[-1].pid == 1)
	" cap.json
'

test_expect_success BPF,JQ,FIXTURES 'nohup_usage of Datadog 1.69.3 fires for the nohup chain only' '
	mkdir -p dd && cp $fixtures/default-1.69.3.policy dd/default.policy &&
	cws-filter -p dd <cap.mp 2>/dev/null | cws-cat >match.json &&
	jq -s -e --argjson sh $(cat nohup.pid) "
		[.[] | select(.rule.id? == \"nohup_usage\")] |
		length == 1 and all(.process.ppid == \$sh and
			.process.file.path == \"$env_path\" and
			.process.ancestors[0].comm == \"nohup\")
	" match.json
'

test_expect_success BPF,JQ,FIXTURES 'cws-ship: process.parent is the replaced image' '
	mkdir -p shiprun &&
	cws-filter -p dd <cap.mp 2>/dev/null |
		DD_RUN_PATH=$TRASH/shiprun DD_SPOOL_DIR=$TRASH/shiprun/spool \
		cws-ship 2>/dev/null | jq -r .message >msgs.json &&
	jq -s -e "
		map(select(.agent.rule_id == \"nohup_usage\")) |
		length == 1 and all(
			.process.parent.comm == \"nohup\" and
			.process.parent.pid == .process.pid and
			.process.ancestors[0].comm == \"nohup\")
	" msgs.json
'

test_done
