#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: process and kernel events (fork, exit,
# setuid, setgid, capset, ptrace, signal, bpf, modules, mounts) and the
# process cache behind every event's process, ancestors and container.
#
# One probe runs through the first test, which makes every call (each with
# cws-trigger-proc, one syscall per run); the other tests look for their
# events in that one capture, so the script loads the programs only once.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

here=$(pwd -P)
trigger=$(readlink -f "$(command -v cws-trigger-proc)")
sleep_path=$(readlink -f "$(command -v sleep)")
events=exec,exit,fork,setuid,setgid,capset,ptrace,signal,bpf,load_module
events=$events,unload_module,mount,umount

# A container-like cgroup needs a writable cgroup2 hierarchy.
cgroot=/sys/fs/cgroup/unified
[ -d $cgroot ] || cgroot=/sys/fs/cgroup
if test_have_prereq ROOT && [ -e $cgroot/cgroup.procs ] &&
	mkdir $cgroot/t1200-check 2>/dev/null; then
	rmdir $cgroot/t1200-check
	test_set_prereq CGROUP2
fi
hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
id_scope=$(hex64)
id_docker=$(hex64)
cg_scope=$cgroot/t1200.slice/docker-$id_scope.scope
cg_docker=$cgroot/t1200-docker/$id_docker

# Field $2 of a trigger's output $1: its pid, the result, a child's pid.
field() { cut -d' ' -f"$2" "$1"; }
has_hello() { cws-cat "$1" 2>/dev/null | grep -q '^{"type":"hello"'; }
runs() { test "$(readlink "/proc/$1/exe")" = "$2"; }

# Moves a shell into cgroup $1, which then runs the trigger.
in_cgroup() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec cws-trigger-proc setresuid -1 -1 -1' "$1"
}

# A shell chain: sh -> sh -> the trigger, each shell writing its pid.
cat >chain.sh <<'EOF'
echo $$ >chain1.pid
sh -c 'echo $$ >chain2.pid; cws-trigger-proc setresuid -1 -1 -1 >chain.out; true'
true
EOF

# Each jq file is a condition on one event, true for some event of the
# capture (jq -e looks at the last output: one any() per program).
cat >setuid.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "setuid" and
	.process.pid == $pid and .evt.retval == 0 and
	.setuid.uid == 4294967295 and .setuid.euid == 0 and
	.setuid.fsuid == 0 and (.setuid | has("user") | not) and
	.setuid.euser == "root" and .setuid.fsuser == "root")
EOF
cat >setgid.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "setgid" and
	.process.pid == $pid and .evt.retval == $ret and
	.setgid.gid == 4294967295 and .setgid.egid == 4294967295 and
	.setgid.fsgid == 0 and .setgid.fsgroup == "root")
EOF
cat >capset.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "capset" and
	.process.pid == $pid and .evt.retval == 0 and
	.capset.cap_effective == .process.cap_effective and
	.capset.cap_permitted == .process.cap_permitted and
	.capset.cap_effective > 0)
EOF
cat >ptrace.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "ptrace" and
	.process.pid == $pid and .evt.retval == 0 and
	.ptrace.request == 16 and .ptrace.tracee.pid == $child and
	.ptrace.tracee.ppid == $pid and .ptrace.tracee.file.path == $exe and
	.ptrace.tracee.argv == ["cws-trigger-proc", "ptrace"])
EOF
cat >signal.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "signal" and
	.process.pid == $pid and .evt.retval == 0 and
	.signal.type == 18 and .signal.pid == $target and
	.signal.target.pid == $target and .signal.target.tid == $target and
	.signal.target.comm == "sleep" and
	.signal.target.file.path == $sleep and
	.signal.target.argv == ["sleep", "30"] and
	.signal.target.ppid == $shell)
EOF
cat >bpf.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "bpf" and
	.process.pid == $pid and .evt.retval == $ret and .evt.retval > 0 and
	.bpf.cmd == 0 and .bpf.map.type == 2 and .bpf.map.name == "cwst_map")
EOF
cat >init_module.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "load_module" and
	.process.pid == $pid and .evt.retval == $ret and .evt.retval < 0 and
	.load_module.loaded_from_memory == true and
	.load_module.args == "t1200=1")
EOF
cat >finit_module.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "load_module" and
	.process.pid == $pid and .evt.retval == $ret and .evt.retval < 0 and
	.load_module.loaded_from_memory == false and
	.load_module.file.path == $file and .load_module.name == "t1200" and
	.load_module.args == "x=2")
EOF
cat >delete_module.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "unload_module" and
	.process.pid == $pid and .evt.retval == $ret and .evt.retval < 0 and
	.unload_module.name == "nope")
EOF
cat >mount.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "mount" and
	.process.pid == $pid and .evt.retval == 0 and
	.mount.fs_type == "tmpfs" and .mount.mountpoint.path == $dir and
	.mount.source.path == "tmpfs")
EOF
cat >umount.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "umount" and
	.process.pid == $pid and .evt.retval == 0 and
	.umount.mountpoint.path == $dir)
EOF
cat >fork.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "fork" and
	.process.pid == $child and .process.ppid == $pid and
	.process.is_thread == true and .process.file.path == $exe and
	.process.argv == ["cws-trigger-proc", "exit", "7"] and
	.process.ancestors[0].pid == $pid)
EOF
cat >exit.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "exit" and
	.process.pid == $child and .process.ppid == $pid and
	.exit.code == $code and .exit.cause == $cause and
	.process.file.path == $exe and .process.ancestors[0].pid == $pid)
EOF
# Every event of the triggers: pid, parent, ancestors up to pid 1, names.
# As in Datadog, the parent of an exec'd image is the image it replaced:
# the images of its pid come first (the last one the copy of the shell it
# was forked as), then the shell (not for the process older than the
# probe: its images before its exec were never seen).
cat >context.jq <<'EOF'
[.[] | select(.type == "event" and .process.ppid == $shell and
	.process.file.path == $exe and .process.pid != $drop and
	.process.pid != $pre)] |
length >= 10 and all(
	.process.pid as $p |
	.process.ancestors[0].pid == $p and
	(.process.ancestors | map(select(.pid == $p)) | last |
	 .ppid == $shell and .is_thread and .file.path == $shellexe) and
	(.process.ancestors | map(select(.pid != $p)) | first | .pid) == $shell and
	.process.ancestors[-1].pid == 1 and
	.process.ancestors_truncated == false and
	.process.comm == "cws-trigger-pro" and
	.process.user == "root" and .process.group == "root" and
	.process.euser == "root" and .process.fsgroup == "root" and
	(.process.cwd | startswith($cwd)))
EOF
cat >pre.jq <<'EOF'
(map(select(.type == "hello")) | first | .timestamp) as $start |
any(.[]; .type == "event" and .evt.name == "setuid" and
	.process.pid == $pid and .process.created_at < $start and
	.process.file.path == $exe and
	.process.argv == ["cws-trigger-proc", "wait", "go", "setresuid",
			  "-1", "-1", "-1"] and
	.process.cwd == $cwd and .process.ppid == $shell and
	.process.ancestors[0].pid == $shell and
	.process.ancestors[-1].pid == 1 and
	(.process.ancestors | all(.file.name != null or .pid == 1)))
EOF
# Each pid appears twice: its image, then the copy of its parent's that
# it was forked as (Datadog's ancestors list every image of each pid).
cat >chain.jq <<'EOF'
any(.[]; .type == "event" and .evt.name == "setuid" and
	.process.pid == $pid and
	(.process.ancestors | map(.pid)) as $a |
	$a[0:6] == [$pid, $c2, $c2, $c1, $c1, $shell] and $a[-1] == 1 and
	(.process.ancestors[0:5] | map(.is_thread)) ==
		[true, false, true, false, true] and
	.process.ancestors[0].argv[0] == "sh" and
	.process.ancestors[1].argv[0] == "sh" and
	.process.ancestors[2].argv == ["sh", "chain.sh"] and
	.process.ancestors[3].argv == ["sh", "chain.sh"] and
	([range(0; ($a | length) - 1) as $i |
	  if $a[$i] == $a[$i + 1] then
		.process.ancestors[$i].ppid == .process.ancestors[$i + 1].ppid
	  else .process.ancestors[$i].ppid == $a[$i + 1] end] | all))
EOF
# The shell moves itself, then execs the trigger: in the container from
# that exec on, not before.
# A chdir after exec: the cwd follows, without an exec.
cat >cwd.jq <<'EOF'
[.[] | select(.type == "event" and .process.pid == $pid)] |
any(.evt.name == "exec" and .process.cwd == $here) and
any(.evt.name == "setuid" and .process.cwd == $dir) and
any(.evt.name == "exit" and .process.cwd == $dir)
EOF
cat >container.jq <<'EOF'
[.[] | select(.type == "event" and .process.pid == $pid)] |
(map(select(.process.file.path == $exe and
	    (.evt.name == "exec" or .evt.name == "setuid"))) |
 length == 2 and
 all(.container.id == $id and .process.container.id == $id)) and
(map(select(.evt.name == "exec" and .process.file.path != $exe)) |
 length == 1 and all(has("container") | not))
EOF
# The probe encodes a process's context once and reuses it: a change of
# credentials must still show in the events that follow it.
cat >drop.jq <<'EOF'
[.[] | select(.type == "event" and .process.pid == $pid)] |
any(.evt.name == "exec" and .process.uid == 0 and .process.user == "root") and
any(.evt.name == "setuid" and .process.uid == 65534 and
    .process.user == "nobody") and
any(.evt.name == "exit" and .process.uid == 65534 and
    .process.euid == 65534 and .process.euser == "nobody")
EOF
cat >nocontainer.jq <<'EOF'
all(.[] | select(.type == "event" and .process.pid == $pid);
	(has("container") | not) and (.process | has("container") | not))
EOF

test_expect_success BPF,JQ 'capture: one probe sees every trigger' '
	{ cws-trigger-proc wait go setresuid -1 -1 -1 >pre.out & } &&
	pre=$! &&
	test_when_finished "touch go; kill $pre 2>/dev/null" &&
	{ cws-probe -e $events -b 64M -H 0 >cap.mp 2>probe.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "has_hello cap.mp" &&

	cws-trigger-proc setresuid -1 0 -1 >setuid.out &&
	cws-trigger-proc setresuid 65534 65534 65534 >drop.out &&
	cws-trigger-proc setfsgid 0 >setgid.out &&
	cws-trigger-proc capset >capset.out &&
	cws-trigger-proc ptrace >ptrace.out &&
	{ sleep 30 & } && sl=$! &&
	test_when_finished "kill $sl 2>/dev/null" &&
	test_wait_until 5 "runs $sl $sleep_path" &&
	cws-trigger-proc kill $sl 18 >kill.out &&
	cws-trigger-proc tkill $sl 18 >tkill.out &&
	cws-trigger-proc tgkill $sl $sl 18 >tgkill.out &&
	echo $sl >sleep.pid &&
	cws-trigger-proc bpf-map cwst_map >bpf.out &&
	cws-trigger-proc init-module t1200=1 >init.out &&
	printf "not a module" >t1200.ko &&
	cws-trigger-proc finit-module t1200.ko x=2 >finit.out &&
	cws-trigger-proc delete-module nope >delete.out &&
	mkdir mnt &&
	cws-trigger-proc mount mnt >mount.out &&
	cws-trigger-proc umount mnt >umount.out &&
	cws-trigger-proc exit 7 >exit.out &&
	cws-trigger-proc die 9 >die.out &&
	sh chain.sh &&
	mkdir -p elsewhere &&
	cws-trigger-proc in elsewhere setresuid -1 -1 -1 >cwd.out &&
	if test_have_prereq CGROUP2
	then
		mkdir -p $cg_scope $cg_docker &&
		test_when_finished "rmdir $cg_scope $cg_docker $cgroot/t1200.slice $cgroot/t1200-docker" &&
		in_cgroup $cg_scope >cg-scope.out &&
		in_cgroup $cg_docker >cg-docker.out
	fi &&
	touch go && wait $pre &&
	kill $probe && wait $probe &&
	cws-cat cap.mp >cap.json &&
	# Its containers have no runtime state: said once each (t1250).
	grep -v "^cws-probe: warning: no runtime state describes container" \
		probe.err >other.err;
	test_must_be_empty other.err
'

test_expect_success BPF,JQ 'setuid: the ids asked for, -1 unchanged, with names' '
	jq -s -e --argjson pid $(field setuid.out 1) -f setuid.jq cap.json
'

test_expect_success BPF,JQ 'a credential change shows in the next events' '
	jq -s -e --argjson pid $(field drop.out 1) -f drop.jq cap.json
'

test_expect_success BPF,JQ 'setgid: setfsgid changes only the fs id' '
	jq -s -e --argjson pid $(field setgid.out 1) \
		--argjson ret $(field setgid.out 2) -f setgid.jq cap.json
'

test_expect_success BPF,JQ 'capset: the sets asked for' '
	jq -s -e --argjson pid $(field capset.out 1) -f capset.jq cap.json
'

test_expect_success BPF,JQ 'ptrace: the request and the tracee from the cache' '
	jq -s -e --argjson pid $(field ptrace.out 1) \
		--argjson child $(field ptrace.out 3) --arg exe "$trigger" \
		-f ptrace.jq cap.json
'

test_expect_success BPF,JQ 'signal: kill, tkill and tgkill name their target' '
	for f in kill tkill tgkill
	do
		jq -s -e --argjson pid $(field $f.out 1) \
			--argjson target $(cat sleep.pid) --argjson shell $$ \
			--arg sleep "$sleep_path" -f signal.jq cap.json ||
			echo $f >>signal.failed
	done &&
	test_must_be_empty signal.failed
'

test_expect_success BPF,JQ 'bpf: BPF_MAP_CREATE with the map type and name' '
	jq -s -e --argjson pid $(field bpf.out 1) \
		--argjson ret $(field bpf.out 2) -f bpf.jq cap.json
'

test_expect_success BPF,JQ 'load_module and unload_module: refused calls are events' '
	jq -s -e --argjson pid $(field init.out 1) \
		--argjson ret $(field init.out 2) -f init_module.jq cap.json &&
	jq -s -e --argjson pid $(field finit.out 1) \
		--argjson ret $(field finit.out 2) --arg file "$here/t1200.ko" \
		-f finit_module.jq cap.json &&
	jq -s -e --argjson pid $(field delete.out 1) \
		--argjson ret $(field delete.out 2) -f delete_module.jq cap.json
'

test_expect_success BPF,JQ 'without module support the retval is -ENOSYS' '
	if ! test -e /proc/modules
	then
		test $(field init.out 2) = -38 &&
		test $(field delete.out 2) = -38
	fi
'

test_expect_success BPF,JQ 'mount and umount: tmpfs on a scratch directory' '
	jq -s -e --argjson pid $(field mount.out 1) --arg dir "$here/mnt" \
		-f mount.jq cap.json &&
	jq -s -e --argjson pid $(field umount.out 1) --arg dir "$here/mnt" \
		-f umount.jq cap.json
'

test_expect_success BPF,JQ 'fork: the child starts with its parent image' '
	jq -s -e --argjson pid $(field exit.out 1) \
		--argjson child $(field exit.out 3) --arg exe "$trigger" \
		-f fork.jq cap.json
'

test_expect_success BPF,JQ 'exit: code and cause, for an exit and a signal' '
	jq -s -e --argjson pid $(field exit.out 1) \
		--argjson child $(field exit.out 3) --arg exe "$trigger" \
		--argjson code 7 --arg cause EXITED -f exit.jq cap.json &&
	jq -s -e --argjson pid $(field die.out 1) \
		--argjson child $(field die.out 3) --arg exe "$trigger" \
		--argjson code 9 --arg cause SIGNALED -f exit.jq cap.json
'

test_expect_success BPF,JQ 'every event has its process, ancestors and user names' '
	jq -s -e --argjson shell $$ --arg exe "$trigger" --arg cwd "$here" \
		--arg shellexe "$(readlink -f /proc/$$/exe)" \
		--argjson drop $(field drop.out 1) \
		--argjson pre $(field pre.out 1) -f context.jq cap.json
'

test_expect_success BPF,JQ 'a process older than the probe has its image and ancestors' '
	jq -s -e --argjson pid $(field pre.out 1) --argjson shell $$ \
		--arg exe "$trigger" --arg cwd "$here" -f pre.jq cap.json
'

test_expect_success BPF,JQ 'ancestors of a shell chain are nearest first, up to pid 1' '
	jq -s -e --argjson pid $(field chain.out 1) \
		--argjson c1 $(cat chain1.pid) --argjson c2 $(cat chain2.pid) \
		--argjson shell $$ -f chain.jq cap.json
'

test_expect_success BPF,JQ 'the cwd follows chdir, with no exec' '
	jq -s -e --argjson pid $(field cwd.out 1) --arg here "$here" \
		--arg dir "$here/elsewhere" -f cwd.jq cap.json
'

test_have_prereq BPF && ! test_have_prereq CGROUP2 &&
	test_prereq_reason="no writable cgroup2 hierarchy at $cgroot"

test_expect_success BPF,JQ,CGROUP2 'container ids from docker cgroup names' '
	jq -s -e --argjson pid $(field cg-scope.out 1) --arg exe "$trigger" \
		--arg id $id_scope -f container.jq cap.json &&
	jq -s -e --argjson pid $(field cg-docker.out 1) --arg exe "$trigger" \
		--arg id $id_docker -f container.jq cap.json &&
	jq -s -e --argjson pid $(field setuid.out 1) -f nocontainer.jq cap.json
'

test_done
