#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-probe's kernel filters on the real kernel (issue 12): the probe reads
# the policies, drops in the kernel what no rule can match (approvers,
# discarders), and never drops what a rule would match: not with
# Datadog's default policy, not after a rename, not across a reload.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
command -v cws-trigger >/dev/null ||
	test_skip_all "cws-trigger is not built (make helpers)"

here=$(pwd -P)
printf 'run_path: %s/run\n' "$here" >cfg.yaml
mkdir -p run

# Starts a probe writing to $1 with the options that follow; its pid in
# $probe. Ready once the hello is out and the status file exists.
start_probe() {
	local out=$1
	shift
	rm -f run/cws-probe.json
	cws-probe -c cfg.yaml -H 1 "$@" >"$out" 2>"$out.err" &
	probe=$!
	test_wait_until 30 "cws-cat $out | grep -q '^{\"type\":\"hello\"'" &&
		test_wait_until 10 "test -s run/cws-probe.json" ||
		{ kill $probe; return 1; }
}

# A counter of the probe's status file: kernel_filters.types.$1.$2.
kf() {
	jq -r ".kernel_filters.types.$1.$2 // 0" run/cws-probe.json
}

# Waits until the status file (rewritten every 2 s) shows jq filter $1.
status_shows() {
	test_wait_until 10 "jq -e '$1' run/cws-probe.json"
}

# Runs cws-trigger; its "pid result" line is appended to pids.
trig() {
	cws-trigger "$@" >>pids
}

# The matches of capture $1 under the policy directory $2, one line per
# match of a triggered process: rule id, event, path, pid.
matches() {
	cws-filter -c cfg.yaml -p "$2" <"$1" | cws-cat |
		jq -r --slurpfile pids <(cut -d" " -f1 pids | jq -s .) '
			select(.type == "event" and
			       (.process.pid | IN($pids[0][]))) |
			[.rule.id, .evt.name, (.[.evt.name].file.path // ""),
			 .process.pid] | @tsv' | sort
}

# The open events in capture $1 made by a triggered process (pids).
open_events() {
	cws-cat "$1" | jq -s --slurpfile pids <(cut -d" " -f1 pids | jq -s .) '
		map(select(.type == "event" and .evt.name == "open" and
			   (.process.pid | IN($pids[0][])))) | length'
}

test_expect_success BPF,JQ 'setup: the default policy and a workload' '
	if test -f "$SHARED_FIXTURES/datadog-policies/default-1.69.3.policy"
	then
		mkdir default &&
		cp "$SHARED_FIXTURES/datadog-policies/default-1.69.3.policy" \
			default/default.policy &&
		cws-filter -n -v -p default >check.out &&
		grep "^  open: .* approvers: " check.out
	fi
'

if test -d default; then
	test_set_prereq DEFAULT
fi

test_expect_success BPF,JQ,DEFAULT 'the default policy: the same matches with kernel filters on and off' '
	: >pids &&
	start_probe on.mp -p default &&
	probe_on=$probe &&
	test_when_finished "kill $probe_on 2>/dev/null" &&
	{ cws-probe -c /dev/null -H 1 -p default -A -D >off.mp 2>off.err & } &&
	probe_off=$! &&
	test_when_finished "kill $probe_off 2>/dev/null" &&
	test_wait_until 30 "cws-cat off.mp | grep -q hello" &&
	mkdir -p work/sub &&
	for i in $(seq 1 200); do
		trig open "$here/work/f$i" "O_CREAT|O_WRONLY" 0644 || return 1
		trig open "$here/work/f$i" O_RDONLY || return 1
		trig open "$here/work/missing$i" O_RDONLY || return 1
	done &&
	for i in 1 2 3; do
		trig open /proc/sys/vm/drop_caches O_RDONLY &&
		trig open /root/.kube/config O_RDONLY &&
		trig open /var/run/secrets/eks.amazonaws.com/serviceaccount/token O_RDONLY &&
		trig unlink "$here/work/f$i" &&
		trig chmod "$here/work/f1$i" 0600 || return 1
	done &&
	if ! test -e /etc/ld.so.preload; then
		trig unlink /etc/ld.so.preload
	fi &&
	kill $probe_on $probe_off && wait $probe_on $probe_off;
	matches on.mp default >on.tsv &&
	matches off.mp default >off.tsv &&
	test_cmp off.tsv on.tsv &&
	grep -q "^drop_caches	open	/proc/sys/vm/drop_caches" on.tsv &&
	grep -q "^read_kubeconfig	open	/root/.kube/config" on.tsv &&
	test "$(wc -l <on.tsv)" -ge 6 &&
	# ... and far fewer opens of the workload crossed to user
	# space with them on (counted by pid: whatever else runs on the
	# machine, apt-get or a build, opens files the rules watch).
	on=$(open_events on.mp) &&
	off=$(open_events off.mp) &&
	echo "open events: on $on, off $off" &&
	test "$off" -ge 600 && test "$on" -lt $((off / 4))
'

test_expect_success BPF,JQ 'a rule that cannot be approved still sees everything of its type' '
	: >pids &&
	start_probe noappr.mp \
		-r "open.file.path == \"/nonexistent/shadow\"" \
		-r "open.file.path =~ \"$here/na/*\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	status_shows ".kernel_filters.types.open.approvers == false" &&
	jq -e ".kernel_filters.types.open.no_approver | test(\"last component is a pattern\")" run/cws-probe.json &&
	mkdir -p na && echo x >na/anything &&
	trig open "$here/na/anything" O_RDONLY &&
	trig open "$here/na/nothere" O_RDONLY &&
	kill $probe && wait $probe;
	cws-cat noappr.mp >noappr.json &&
	jq -s -e --arg p "$here/na/anything" "any(.open.file.path? == \$p)" noappr.json &&
	jq -s -e --arg p "$here/na/nothere" "any(.open.file.path? == \$p)" noappr.json
'

test_expect_success BPF,JQ 'approvers: an open of another name dies in the kernel, and is counted' '
	: >pids &&
	mkdir -p ap && echo x >ap/watched && echo y >ap/other &&
	start_probe appr.mp -r "open.file.path == \"$here/ap/watched\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	for i in 1 2 3 4 5; do
		trig open "$here/ap/other" O_RDONLY &&
		trig open "$here/ap/watched" O_RDONLY || return 1
	done &&
	status_shows ".kernel_filters.types.open.dropped_by_approvers >= 5" &&
	kill $probe && wait $probe;
	cws-cat appr.mp >appr.json &&
	test "$(jq -s --arg p "$here/ap/watched" "map(select(.open.file.path? == \$p)) | length" appr.json)" = 5 &&
	test "$(jq -s --arg p "$here/ap/other" "map(select(.open.file.path? == \$p)) | length" appr.json)" = 0 &&
	jq -e ".kernel_filters.types.open.approver_count == 1 and .kernel_filters.types.open.seen >= 10" run/cws-probe.json
'

test_expect_success BPF,JQ 'approvers on process.comm: only that command'"'"'s opens leave the kernel' '
	mkdir -p cm && echo x >cm/x && cp /bin/cat t1600-comm &&
	start_probe comm.mp \
		-r "process.comm == \"t1600-comm\" && open.file.path =~ \"$here/cm/*\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	status_shows ".kernel_filters.types.open.approvers == true" &&
	for i in 1 2 3; do
		cat cm/x >/dev/null && ./t1600-comm cm/x >/dev/null || return 1
	done &&
	kill $probe && wait $probe;
	cws-cat comm.mp >comm.json &&
	test "$(jq -s --arg p "$here/cm/x" "map(select(.open.file.path? == \$p and .process.comm == \"t1600-comm\")) | length" comm.json)" = 3 &&
	test "$(jq -s --arg p "$here/cm/x" "map(select(.open.file.path? == \$p and .process.comm == \"cat\")) | length" comm.json)" = 0
'

# Discarders alone (-A): the rule watches one file of dir w, none of o.
disc_rule="open.file.path == \"$here/w/target\""

test_expect_success BPF,JQ 'a discarded inode renamed into a watched path is seen' '
	: >pids &&
	mkdir -p o w && echo x >o/x &&
	start_probe ren.mp -A -r "$disc_rule" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	trig open "$here/o/x" O_RDONLY &&
	sleep 0.5 &&
	trig open "$here/o/x" O_RDONLY &&
	trig open "$here/o/x" O_RDONLY &&
	status_shows ".kernel_filters.types.open.dropped_by_discarders >= 2" &&
	mv o/x w/target &&
	trig open "$here/w/target" O_RDONLY &&
	kill $probe && wait $probe;
	cws-cat ren.mp >ren.json &&
	jq -s -e --arg p "$here/w/target" "any(.open.file.path? == \$p)" ren.json &&
	test "$(jq -s --arg p "$here/o/x" "map(select(.open.file.path? == \$p)) | length" ren.json)" -le 1
'

test_expect_success BPF,JQ 'a file written under a discarded directory after a rule for it was added is seen' '
	: >pids &&
	mkdir -p pol dd &&
	printf "rules:\n  - id: first\n    expression: open.file.path == \"%s/w/target\"\n" "$here" >pol/a.policy &&
	start_probe dir.mp -A -p pol &&
	test_when_finished "kill $probe 2>/dev/null" &&
	trig open "$here/dd/one" "O_CREAT|O_WRONLY" 0644 &&
	sleep 0.5 &&
	trig open "$here/dd/two" "O_CREAT|O_WRONLY" 0644 &&
	trig open "$here/dd/three" "O_CREAT|O_WRONLY" 0644 &&
	status_shows ".kernel_filters.types.open.dropped_by_discarders >= 2" &&
	printf "  - id: second\n    expression: open.file.path == \"%s/dd/new\"\n" "$here" >>pol/a.policy &&
	kill -HUP $probe &&
	test_wait_until 10 "grep -q \"policies reloaded\" dir.mp.err" &&
	trig open "$here/dd/new" "O_CREAT|O_WRONLY" 0644 &&
	kill $probe && wait $probe;
	cws-filter -c cfg.yaml -p pol <dir.mp | cws-cat >dir.json &&
	jq -s -e --arg p "$here/dd/new" "any(.rule.id? == \"second\" and .open.file.path == \$p)" dir.json
'

# A pipeline, probe and filter on one policy directory, reloaded in
# either order: the first event on the new rule's path matches.
reload_case() { # name, first, second ("probe" or "filter")
	: >pids &&
	mkdir -p "rl$1" &&
	printf "rules:\n  - id: old\n    expression: open.file.path == \"%s/rl%s/a\"\n" "$here" "$1" >"rl$1/p.policy" &&
	mkfifo "rl$1.fifo" &&
	{ cws-filter -c cfg.yaml -p "rl$1" <"rl$1.fifo" >"rl$1.out" 2>"rl$1.ferr" & } &&
	filter=$! &&
	test_when_finished "kill $filter 2>/dev/null" &&
	{ cws-probe -c cfg.yaml -H 1 -p "rl$1" >"rl$1.fifo" 2>"rl$1.perr" & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 30 "jq -e .kernel_filters run/cws-probe.json" &&
	trig open "$here/rl$1/b" "O_CREAT|O_WRONLY" 0644 &&
	printf "  - id: new\n    expression: open.file.path == \"%s/rl%s/b\"\n" "$here" "$1" >>"rl$1/p.policy" &&
	if test "$2" = probe; then
		kill -HUP $probe && sleep 1 && kill -HUP $filter
	else
		kill -HUP $filter && sleep 1 && kill -HUP $probe
	fi &&
	test_wait_until 10 "grep -q \"policies reloaded\" rl$1.perr" &&
	test_wait_until 10 "jq -e \".policies.pending == null and .policies.reloads == 1\" run/cws-filter.json" &&
	trig open "$here/rl$1/b" O_RDONLY &&
	test_wait_until 10 "cws-cat rl$1.out | grep -q \"\\\"new\\\"\"" &&
	kill $probe && wait $probe;
	wait $filter;
	cws-cat "rl$1.out" | jq -s -e --arg p "$here/rl$1/b" --argjson pid "$(tail -1 pids | cut -d" " -f1)" "
		map(select(.rule.id? == \"new\")) | length == 1 and
		.[0].open.file.path == \$p and .[0].process.pid == \$pid"
}

test_expect_success BPF,JQ 'a reload that adds a rule matches its first event: probe first' '
	reload_case 1 probe filter
'

test_expect_success BPF,JQ 'a reload that adds a rule matches its first event: filter first' '
	reload_case 2 filter probe
'

test_expect_success BPF,JQ 'the discarder map never grows past its bound' '
	: >pids &&
	mkdir -p flood &&
	start_probe flood.mp -A -d 128 \
		-r "open.file.name == \"zzz\" && open.file.path =~ \"$here/flood/*\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	# 400 files, past the bound three times over, opened by one cat in
	# the order of their names; then the last one again, by a cat whose
	# library opens are discarded too.
	for i in $(seq 1 400); do echo >flood/f$(printf %03d $i); done &&
	cat flood/f* >/dev/null &&
	sleep 0.5 &&
	for i in 1 2 3; do cat flood/f400; done >/dev/null &&
	# A status file written after the flood.
	rm run/cws-probe.json &&
	test_wait_until 10 "test -s run/cws-probe.json" &&
	jq -e ".kernel_filters.discarder_max == 128 and
	       .kernel_filters.discarder_entries <= 128 and
	       .kernel_filters.discarder_entries > 0 and
	       .kernel_filters.types.open.dropped_by_discarders > 0" run/cws-probe.json &&
	echo zzz >flood/zzz &&
	trig open "$here/flood/zzz" O_RDONLY &&
	kill $probe && wait $probe;
	cws-cat flood.mp | jq -s -e --arg p "$here/flood/zzz" "any(.open.file.path? == \$p)"
'

test_expect_success BPF,JQ 'a chdir approver never costs the process cache its cwd' '
	mkdir -p cwdd && cp /bin/true t1600-true &&
	start_probe cwd.mp -r "chdir.file.path == \"/nonexistent\"" \
		-r "exec.file.name == \"t1600-true\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	status_shows ".kernel_filters.types.chdir.approvers == true" &&
	(cd / && bash -c "cd $here/cwdd && $here/t1600-true cwdmark") &&
	kill $probe && wait $probe;
	cws-cat cwd.mp | jq -s -e --arg d "$here/cwdd" "
		any(.evt.name? == \"exec\" and .process.argv[1] == \"cwdmark\" and
		    .process.cwd == \$d)"
'

test_expect_success BPF,JQ 'a type no rule uses is not attached' '
	start_probe types.mp -r "open.file.path == \"/nonexistent\"" &&
	test_when_finished "kill $probe 2>/dev/null" &&
	jq -e ".events_attached == [\"open\"]" run/cws-probe.json &&
	kill $probe && wait $probe
'

test_done
