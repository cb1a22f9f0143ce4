#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe on the real kernel: the process context fields of issue 14 are
# real values or absent, never placeholders: the executable's inode facts
# at exec, envs and envp with Datadog's limits, the cgroup, and
# in_upper_layer on an overlay mount the test makes.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

here=$(pwd -P)

start_probe() {
	local out=$1
	shift
	cws-probe "$@" >"$out" 2>probe.err &
	probe=$!
	test_wait_until 30 "cws-cat $out | grep -q '^{\"type\":\"hello\"'" ||
		{ kill $probe; return 1; }
}

stop_probe() {
	kill -TERM "$probe" && wait "$probe"
}

test_expect_success BPF,JQ 'an exec carries the file mode, owner and times of stat(2)' '
	cp /bin/true t1900-true &&
	chown 12:34 t1900-true &&
	chmod 4751 t1900-true &&
	touch -d "2021-03-04 05:06:07.123456789" t1900-true &&
	start_probe exec.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	./t1900-true t1900-stat &&
	test_wait_until 5 "cws-cat exec.mp | grep -q t1900-stat" &&
	stop_probe &&
	cws-cat exec.mp >exec.json &&
	mode=$(printf %d 0x$(stat -c %f t1900-true)) &&
	mtime=$(stat -c %.9Y t1900-true | tr -d .) &&
	ctime=$(stat -c %.9Z t1900-true | tr -d .) &&
	jq -s -e --argjson mode "$mode" --argjson mtime "$mtime" \
		--argjson ctime "$ctime" "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   .process.argv == [\"./t1900-true\", \"t1900-stat\"])) |
		length == 1 and all(
			.process.file.mode == \$mode and
			.process.file.uid == 12 and .process.file.gid == 34 and
			.process.file.modification_time == \$mtime and
			.process.file.change_time == \$ctime and
			.exec.file.mode == \$mode and
			.process.file.in_upper_layer == false)
	" exec.json &&
	cws-filter -e "exec.file.mode & S_ISUID > 0 && exec.file.uid == 12 && exec.file.gid == 34 && exec.file.modification_time > 1m && exec.file.change_time < 1m && exec.file.name == \"t1900-true\"" \
		<exec.mp | cws-cat | grep -c "\"type\":\"event\"" >n &&
	echo 1 >want && test_cmp want n
'

test_expect_success BPF,JQ 'a process older than the probe: inode facts from /proc/PID/exe' '
	cp /bin/sleep t1900-sleep &&
	chmod 750 t1900-sleep &&
	{ ./t1900-sleep 30 & } &&
	sl=$! &&
	test_when_finished "kill $sl 2>/dev/null" &&
	start_probe old.mp -e signal,exit &&
	test_when_finished "kill $probe 2>/dev/null" &&
	kill -TERM $sl &&
	test_wait_until 5 "cws-cat old.mp | grep -q \"exit\".*t1900-sleep" &&
	stop_probe &&
	cws-cat old.mp >old.json &&
	mode=$(printf %d 0x$(stat -c %f t1900-sleep)) &&
	mtime=$(stat -c %.9Y t1900-sleep | tr -d .) &&
	jq -s -e --argjson pid "$sl" --argjson mode "$mode" \
		--argjson mtime "$mtime" "
		map(select(.type == \"event\")) |
		(map(select(.evt.name == \"signal\" and .signal.pid == \$pid))[0].signal.target.file) as \$t |
		(map(select(.evt.name == \"exit\" and .process.pid == \$pid))[0].process.file) as \$e |
		\$t.mode == \$mode and \$t.modification_time == \$mtime and
		\$e.mode == \$mode and \$e.modification_time == \$mtime and
		\$e.in_upper_layer == false
	" old.json
'

test_expect_success BPF,JQ 'envs keep names, and values only for envs_with_value' '
	long=$(printf "%0300d" 0) &&
	start_probe env.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	env -i T1900_SECRET=hunter2 LD_PRELOAD=/tmp/t1900.so T1900_LONG=$long \
		/bin/true t1900-env &&
	test_wait_until 5 "cws-cat env.mp | grep -q t1900-env" &&
	stop_probe &&
	cws-cat env.mp >env.json &&
	jq -s -e --arg cut "T1900_LONG=$(printf "%0244d" 0)..." "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   .process.argv == [\"/bin/true\", \"t1900-env\"])) |
		length == 1 and all(
			.process.envs == [\"T1900_SECRET\", \"LD_PRELOAD=/tmp/t1900.so\", \"T1900_LONG\"] and
			.process.envp == [\"T1900_SECRET=hunter2\", \"LD_PRELOAD=/tmp/t1900.so\", \$cut] and
			.process.envs_truncated == true)
	" env.json &&
	cws-filter -e "exec.envs in [~\"LD_PRELOAD=*/tmp/*\"] && exec.envs in [\"T1900_SECRET\"] && exec.envs_truncated" \
		<env.mp | cws-cat | grep -c "\"type\":\"event\"" >n &&
	echo 1 >want && test_cmp want n &&
	cws-filter -e "exec.envs in [\"T1900_SECRET=hunter2\"]" <env.mp |
		cws-cat | grep -c "\"type\":\"event\"" >n || true &&
	echo 0 >want && test_cmp want n
'

test_expect_success BPF,JQ 'the cgroup is the process cgroup of /proc/PID/cgroup' '
	start_probe cg.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	sh -c "sed -n \"s/^0:://p\" /proc/\$\$/cgroup >cg.want; exec /bin/true t1900-cgroup" &&
	test_wait_until 5 "cws-cat cg.mp | grep -q t1900-cgroup" &&
	stop_probe &&
	cws-cat cg.mp >cg.json &&
	jq -s -e --arg id "$(cat cg.want)" "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   .process.argv == [\"/bin/true\", \"t1900-cgroup\"])) |
		length == 1 and all(
			.process.cgroup.id == \$id and .process.cgroup.inode > 0 and
			.process.cgroup.mount_id > 0)
	" cg.json
'

test_expect_success BPF,JQ 'in_upper_layer on overlayfs: upper true, lower false' '
	mkdir -p ovl &&
	mount -t tmpfs t1900 ovl &&
	test_when_finished "umount -l $here/ovl/merged 2>/dev/null; umount -l $here/ovl" &&
	mkdir ovl/lower ovl/upper ovl/work ovl/merged &&
	cp /bin/true ovl/lower/t1900-lower &&
	mount -t overlay overlay -o lowerdir=ovl/lower,upperdir=ovl/upper,workdir=ovl/work ovl/merged &&
	cp /bin/true ovl/merged/t1900-upper &&
	start_probe ovl.mp -e exec,open &&
	test_when_finished "kill $probe 2>/dev/null" &&
	ovl/merged/t1900-lower t1900-ovl &&
	ovl/merged/t1900-upper t1900-ovl &&
	cat ovl/merged/t1900-upper ovl/merged/t1900-lower >/dev/null &&
	test_wait_until 5 "cws-cat ovl.mp | grep -q \"t1900-lower.*cat\|cat.*t1900-lower\"" &&
	stop_probe &&
	cws-cat ovl.mp >ovl.json &&
	jq -s -e "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   .process.argv[1] == \"t1900-ovl\") |
		    {(.process.file.name): .process.file.in_upper_layer}) | add ==
		{\"t1900-lower\": false, \"t1900-upper\": true}
	" ovl.json &&
	jq -s -e "
		map(select(.type == \"event\" and .evt.name == \"open\" and
			   .process.comm == \"cat\" and
			   (.open.file.name | startswith(\"t1900-\"))) |
		    {(.open.file.name): .open.file.in_upper_layer}) | add ==
		{\"t1900-lower\": false, \"t1900-upper\": true}
	" ovl.json
'

test_expect_success BPF,JQ 'chdir.syscall.path is the argument as given' '
	mkdir -p t1900-dir &&
	start_probe chdir.mp -e chdir &&
	test_when_finished "kill $probe 2>/dev/null" &&
	python3 -c "import os; os.chdir(\"./t1900-dir/../t1900-dir\")" &&
	test_wait_until 5 "cws-cat chdir.mp | grep -q t1900-dir/../" &&
	stop_probe &&
	cws-cat chdir.mp >chdir.json &&
	jq -s -e --arg path "$here/t1900-dir" "
		map(select(.type == \"event\" and .evt.name == \"chdir\" and
			   .chdir.syscall.path == \"./t1900-dir/../t1900-dir\")) |
		length == 1 and all(.chdir.file.path == \$path)
	" chdir.json &&
	cws-filter -e "chdir.syscall.path =~ \"./t1900-dir/*\" && chdir.file.name == \"t1900-dir\"" \
		<chdir.mp | cws-cat | grep -c "\"type\":\"event\"" >n &&
	echo 1 >want && test_cmp want n
'

test_expect_success BPF,JQ 'container.created_at: the first exec seen in the container cgroup' '
	cg2=$(awk "\$3 == \"cgroup2\" { print \$2; exit }" /proc/mounts) &&
	test -n "$cg2" &&
	id=$(printf "%064d" 1900) &&
	mkdir -p "$cg2/t1900/$id" &&
	test_when_finished "rmdir $cg2/t1900/$id $cg2/t1900" &&
	start_probe cont.mp -e exec &&
	test_when_finished "kill $probe 2>/dev/null" &&
	sh -c "echo \$\$ >$cg2/t1900/$id/cgroup.procs && /bin/true t1900-first && sleep 0.2 && exec /bin/true t1900-second" &&
	/bin/true t1900-host &&
	test_wait_until 5 "cws-cat cont.mp | grep -q t1900-host" &&
	stop_probe &&
	cws-cat cont.mp >cont.json &&
	jq -s -e --arg id "$id" "
		map(select(.type == \"event\" and .evt.name == \"exec\" and
			   (.process.argv[1] // \"\" | startswith(\"t1900-\")))) |
		(map(select(.process.argv[1] == \"t1900-first\"))[0]) as \$first |
		(map(select(.process.argv[1] == \"t1900-second\"))[0]) as \$second |
		(map(select(.process.argv[1] == \"t1900-host\"))[0]) as \$host |
		\$first.process.container.id == \$id and
		((\$first.process.container.created_at - \$first.evt.timestamp) | fabs) < 1000000 and
		((\$second.process.container.created_at - \$first.evt.timestamp) | fabs) < 1000000 and
		\$second.evt.timestamp > \$first.evt.timestamp and
		\$second.process.cgroup.id == \"/t1900/\" + \$id and
		(\$host.process | has(\"container\") | not)
	" cont.json &&
	cws-filter -e "exec.argv in [\"t1900-second\"] && container.created_at > 100ms && container.created_at < 1m && process.container.id != \"\"" \
		<cont.mp | cws-cat | grep -c "\"type\":\"event\"" >n &&
	echo 1 >want && test_cmp want n
'

# Loads a tracepoint program calling bpf_send_signal (helper 109):
# r1 = 0; call 109; r0 = 0; exit.
cat >load_prog.py <<\EOF
import ctypes, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
insns = bytes([0xb7, 0x01, 0, 0, 0, 0, 0, 0, 0x85, 0, 0, 0, 109, 0, 0, 0,
               0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0])
ib = ctypes.create_string_buffer(insns, len(insns))
lic = ctypes.create_string_buffer(b"GPL")
attr = struct.pack("<IIQQIIQII16s", 5, 4, ctypes.addressof(ib),
                   ctypes.addressof(lic), 0, 0, 0, 0, 0, b"t1900_sig")
attr += bytes(144 - len(attr))
ab = ctypes.create_string_buffer(attr, len(attr))
sys.exit(0 if libc.syscall(321, 5, ab, len(attr)) >= 0 else 1)
EOF

test_expect_success BPF,JQ 'bpf.prog.helpers lists the helpers a loaded program calls' '
	start_probe bpf.mp -e bpf &&
	test_when_finished "kill $probe 2>/dev/null" &&
	python3 load_prog.py &&
	test_wait_until 5 "cws-cat bpf.mp | grep -q t1900_sig" &&
	stop_probe &&
	cws-cat bpf.mp >bpf.json &&
	jq -s -e "
		map(select(.type == \"event\" and .evt.name == \"bpf\" and
			   .bpf.prog.name == \"t1900_sig\")) |
		length == 1 and all(.bpf.prog.helpers == [109] and .evt.retval > 0)
	" bpf.json &&
	cws-filter -e "bpf.cmd == BPF_PROG_LOAD && (BPF_SEND_SIGNAL in bpf.prog.helpers || BPF_SEND_SIGNAL_THREAD in bpf.prog.helpers)" \
		<bpf.mp | cws-cat | grep -c "t1900_sig" >n &&
	echo 1 >want && test_cmp want n &&
	cws-filter -e "bpf.cmd == BPF_PROG_LOAD && BPF_PROBE_WRITE_USER in bpf.prog.helpers" \
		<bpf.mp | cws-cat | grep -c "t1900_sig" >n || true &&
	echo 0 >want && test_cmp want n
'

test_done
