#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The project building itself, bare and watched by cws with Datadog's
# default policy, side by side in one run (issue 12): what the kernel
# filters drop of a real workload's file events, and what the whole
# pipeline costs per build with them and without them.
#
# The workload: a clean `make -j$JOBS all` of this tree at REV (HEAD:
# `git archive`, so that edits in progress in the working tree cannot
# break it), unpacked into a fresh directory under BUILD_BASE, default
# $O/bench (the same file system as a developer's build, and no path
# the default policy watches), each build into a new object directory,
# the previous one removed first.
# One unmeasured build first warms the page cache. Then ROUNDS rounds,
# each running the build once under each of, in this order:
#
#   bare          nothing: the reference
#   probe         cws-probe -p DIR -c CFG, DIR holding Datadog's default
#                 policy 1.69.3 (../shared/fixtures) alone, approvers and
#                 discarders on; CFG sets run_path; its stream goes to
#                 bench/evcount_bench -a, which counts it by type
#   probe-off     the same with -A -D (--no-approvers --no-discarders)
#   pipeline      cws run: cws-probe | cws-filter | cws-ship, delivering
#                 to tests/helpers/cws-test-intake -n on 127.0.0.1; its
#                 configuration gives runtime_security_config.policies.dir
#                 (DIR), which cws run hands to the filter and to the
#                 probe (-p DIR), self_test off, batch_wait 1 s; the
#                 script checks that the probe's status shows the policy
#   pipeline-off  the same with enable_approvers and enable_discarders
#                 false
#   capture       cws-probe -c CFG with no policy and no -e: everything
#                 captured, the whole stream written to a file (issue 13:
#                 the lean stream's bytes per event; issue 12's 5.9 kB
#                 was this stream in schema 1). Not in the default list.
#
# A watcher is started, waited for until its status files say running,
# given SETTLE seconds (its start-up, the /proc scan, is not the build's
# cost), then the build runs, then the watcher is given until its stages
# are idle (less than IDLE_TICKS clock ticks of CPU between them in a
# second, at most 60 s) and is stopped with SIGINT (cws run: SIGTERM).
#
# Printed, medians over the rounds:
#  - per watcher, the build's wall and CPU time (user + system of make and
#    everything it ran: the BPF programs' work in its system calls is
#    there) and their ratio to bare;
#  - from cws-probe's status file (kernel_filters, the file written just
#    before the build and the one after), summed over the file event
#    types (open, unlink, rename, chmod, chown, mkdir, rmdir, link,
#    utimes, setxattr, removexattr, chdir): what came in, the share
#    dropped in the kernel ((dropped_by_approvers + dropped_by_discarders)
#    / in) and the share the probe dropped in user space
#    (discarded_in_user_space / in), in being seen for the types the
#    kernel filters judge; for a type they pass whole (mode
#    "everything": they count nothing of it, seen stays 0) in is what
#    cws-probe wrote of it, which the probe watchers know from their
#    stream and the pipelines do not (such types are then named, left
#    out); per type for probe, beside what probe-off wrote;
#  - for the pipelines, the CPU seconds each stage used during the build
#    (utime + stime from /proc/PID/stat, read after the start-up and again
#    once idle after the build): cws-probe, cws-filter, cws-ship, and cws
#    itself (the supervisor), with on / off ratios; and what got through
#    (events the filter read, matches, messages the ship sent);
#  - the peak RSS of each stage (VmHWM of /proc/PID/status, read once the
#    stages are idle after the build, before they are stopped);
#  - for capture: the stream's bytes per event, the share of the bytes in
#    process records, the events (bench/evcount_bench -a -b, the whole
#    stream from the probe's start to its stop, its start-up too), and
#    beside it the same events in schema 1's inline encoding (`cws-cat
#    capture | cws-cat -r`: every event carrying its whole context).
#    CAPTURE_OUT=file keeps the last round's stream there (bench/filter.sh
#    CAPTURE=file replays it).
#
# cws-probe watches the whole machine: whatever else runs during a build
# (another session's tests) is in its counters and its CPU time too, and
# slows the build; take numbers on a quiet machine, with ROUNDS of 3 or
# more.
#
# Needs root and kernel BTF, the fixtures in ../shared and jq; skipped
# with the reason otherwise. Environment: O (build directory, default
# build), ROUNDS (1), JOBS (2), WATCHERS (bare probe probe-off pipeline
# pipeline-off; bare is always measured), REV (HEAD), BUILD_BASE
# ($O/bench), SETTLE (2 s), IDLE_TICKS (3), POLICY (the default policy's
# file), WARMUP (1; 0 to skip the warm-up build), CAPTURE_OUT (no file).
set -u
cd "$(dirname "$0")/.." || exit 2
root=$(pwd -P)
O=${O:-build}
ROUNDS=${ROUNDS:-1}
JOBS=${JOBS:-2}
WATCHERS=${WATCHERS:-bare probe probe-off pipeline pipeline-off}
BUILD_BASE=${BUILD_BASE:-$O/bench}
SETTLE=${SETTLE:-2}
IDLE_TICKS=${IDLE_TICKS:-3}
POLICY=${POLICY:-../shared/fixtures/datadog-policies/default-1.69.3.policy}
WARMUP=${WARMUP:-1}
REV=${REV:-HEAD}
CAPTURE_OUT=${CAPTURE_OUT:-}
FILE_TYPES="open unlink rename chmod chown mkdir rmdir link utimes setxattr removexattr chdir"
KEY=0123456789abcdef0123456789abcdef

PROBE=$O/cws-probe
CWS=$O/cws
INTAKE=$O/tests/helpers/cws-test-intake
EVCOUNT=$O/bench/evcount_bench

say() { printf '%s\n' "$*"; }
warn() { printf 'build.sh: %s\n' "$*" >&2; }

echo "== building the project, bare and under cws with the default policy"
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	say "skipped: needs root and kernel BTF"
	exit 0
fi
if [ ! -r "$POLICY" ]; then
	say "skipped: $POLICY is missing (the fixtures live in ../shared)"
	exit 0
fi
if ! command -v jq >/dev/null; then
	say "skipped: jq is missing (the status files are read with it)"
	exit 0
fi
for f in "$PROBE" "$O/cws-filter" "$O/cws-ship" "$CWS" "$INTAKE" "$EVCOUNT"; do
	if [ ! -x "$f" ]; then
		say "skipped: $f is not built (make O=$O all helpers $EVCOUNT)"
		exit 0
	fi
done
if ! git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
	say "skipped: $root is not a git checkout (the build copies what git tracks)"
	exit 0
fi

mkdir -p "$BUILD_BASE" || exit 1
work=$(mktemp -d "$BUILD_BASE/cws-build.XXXXXX") || exit 1
work=$(cd "$work" && pwd -P) || exit 1
# Status files, spools and the intake under /run, away from the build.
state=$(mktemp -d /run/cws-build-bench.XXXXXX) || exit 1
watch_pid= intake_pid= count_pid=

cleanup() {
	stop_watcher 2>/dev/null
	[ -n "$count_pid" ] && kill "$count_pid" 2>/dev/null
	[ -n "$intake_pid" ] && kill "$intake_pid" 2>/dev/null &&
		wait "$intake_pid" 2>/dev/null
	rm -rf "$work" "$state"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the tree and the policy ---------------------------------------------

mkdir -p "$work/src" &&
	git -C "$root" archive --format=tar "$REV" | tar -x -C "$work/src" ||
	exit 1
mkdir -p "$state/policy" &&
	cp "$POLICY" "$state/policy/default.policy" || exit 1

# --- helpers -------------------------------------------------------------

median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }
HZ=$(getconf CLK_TCK)

# utime + stime of process $1, in clock ticks; empty if it is gone.
ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	[ -n "$s" ] || return 0
	s=${s##*) } # comm may hold spaces and parentheses
	set -- $s
	echo $((${12} + ${13}))
}

# A clean build into a new object directory (the last one removed
# first, outside the timing); prints "wall user sys" in seconds.
build() {
	local t
	rm -rf "$work/obj" || return 1
	t=$( { TIMEFORMAT='%R %U %S'
		time make -C "$work/src" O="$work/obj" -j"$JOBS" all \
			>"$work/build.log" 2>&1; } 2>&1) || {
		warn "the build failed: $(tail -n 3 "$work/build.log" | tr '\n' ' ')"
		return 1
	}
	echo "$t"
}

# Peak resident set of process $1 in kB (VmHWM); empty if it is gone.
hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null
}

status_id() { stat -c '%i %.9Y' "$1" 2>/dev/null; }

# Waits for the status file $1 to be written once more (cws-probe writes
# it every 2 s, cws-filter and cws-ship every 5 s), up to 8 s.
fresh_status() {
	local id i
	id=$(status_id "$1")
	for ((i = 0; i < 80; i++)); do
		sleep 0.1
		[ -n "$(status_id "$1")" ] && [ "$(status_id "$1")" != "$id" ] &&
			return 0
	done
	warn "no new $1 in 8 s; its counters may lag"
}

# The probe's counters: "events" then, per type, "type seen approvers
# discarders user mode", from a status file written after now. The
# kernel filters count nothing of a type whose mode is "everything" (no
# approver, no discarder: all of it goes to user space), so seen is 0
# there whatever the kernel saw.
probe_counters() {
	fresh_status "$1"
	jq -r '"events \(.events) 0 0 0 -",
		(.kernel_filters.types // {} | to_entries[] | [.key,
		.value.seen, .value.dropped_by_approvers,
		.value.dropped_by_discarders, .value.discarded_in_user_space,
		(.value.mode | gsub(" |,"; ""))] | join(" "))' "$1"
}

# Waits until $1 holds state "running" (cws-probe: once its programs are
# attached), up to 60 s.
wait_running() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(jq -r .state "$1" 2>/dev/null)" = running ] && return 0
		[ -n "$watch_pid" ] && ! kill -0 "$watch_pid" 2>/dev/null &&
			return 1
		sleep 0.1
	done
	return 1
}

# Waits until the processes $@ together use at most IDLE_TICKS ticks in
# a second (their backlog is done), up to 60 s. Fails if one is gone.
wait_idle() {
	local i p a b t
	for ((i = 0; i < 60; i++)); do
		a=0
		for p; do
			t=$(ticks "$p")
			[ -n "$t" ] || return 1
			a=$((a + t))
		done
		sleep 1
		b=0
		for p; do
			t=$(ticks "$p")
			[ -n "$t" ] || return 1
			b=$((b + t))
		done
		[ $((b - a)) -le "$IDLE_TICKS" ] && return 0
	done
	warn "the watcher was still busy 60 s after the build"
}

stop_watcher() {
	local i
	[ -n "$watch_pid" ] || return 0
	kill -"${1:-INT}" "$watch_pid" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$watch_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$watch_pid" 2>/dev/null
	wait "$watch_pid"
	local rc=$?
	watch_pid=
	return $rc
}

# --- the watchers ----------------------------------------------------------

results=$state/results
: >"$results"

# One line of results: watcher round key value...
put() { echo "$*" >>"$results"; }

run_bare() {
	local t
	t=$(build) || return 1
	put "$1" "$r" build $t
}

# cws-probe alone ($1 the watcher, the rest its extra options), its
# stream counted by type (evcount_bench -a, through a FIFO: $! is then
# the probe's pid).
run_probe() {
	local w=$1 run=$state/run-$1 t p0 p1
	shift
	rm -rf "$run" "$state/$w.fifo" && mkdir -p "$run" &&
		mkfifo "$state/$w.fifo" || return 1
	printf 'run_path: %s\n' "$run" >"$state/$w.yaml"
	"$EVCOUNT" -a "$state/$w.fifo" >"$state/$w.count" &
	count_pid=$!
	"$PROBE" -p "$state/policy" -c "$state/$w.yaml" "$@" \
		>"$state/$w.fifo" 2>"$state/$w.err" &
	watch_pid=$!
	if ! wait_running "$run/cws-probe.json"; then
		warn "$w: cws-probe did not start: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
		stop_watcher
		return 1
	fi
	sleep "$SETTLE"
	probe_counters "$run/cws-probe.json" >"$state/kf.before"
	p0=$(ticks "$watch_pid")
	t=$(build) || { stop_watcher; return 1; }
	if ! wait_idle "$watch_pid"; then
		stop_watcher
		warn "$w: cws-probe died during the build (exit status $?): $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
		return 1
	fi
	probe_counters "$run/cws-probe.json" >"$state/kf.after"
	p1=$(ticks "$watch_pid")
	put "$w" "$r" rss cws-probe "$(hwm "$watch_pid")"
	stop_watcher || warn "$w: cws-probe exited with an error: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
	wait "$count_pid"
	count_pid=
	put "$w" "$r" build $t
	put "$w" "$r" cpu probe "$(((p1 - p0) * 1000 / HZ))"
	kf_put "$w"
	# What the stream held, by type (its start-up too: a few hundred).
	sed -n 's/^evcount_types //p' "$state/$w.count" | tr ' ' '\n' |
		sed -n "s/^\\(.*\\)=\\(.*\\)/$w $r written \\1 \\2/p" >>"$results"
}

# The difference of the counters before and after, one line per type:
# watcher round kf type seen approvers discarders user mode.
kf_put() {
	awk -v w="$1" -v r="$r" 'NR == FNR { for (i = 2; i <= 5; i++) b[$1, i] = $i; next }
		{ printf "%s %s kf %s", w, r, $1
		  for (i = 2; i <= 5; i++) printf " %d", $i - b[$1, i]
		  printf " %s\n", $6 }' "$state/kf.before" "$state/kf.after" >>"$results"
}

intake_start() {
	local i
	rm -rf "$state/intake" && mkdir -p "$state/intake" || return 1
	"$INTAKE" -d "$state/intake" -n -k "$KEY" 2>"$state/intake.err" &
	intake_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$state/intake/port" ] && return 0
		sleep 0.1
	done
	warn "cws-test-intake did not start: $(tail -n 3 "$state/intake.err" | tr '\n' ' ')"
	return 1
}

# cws run ($1 the watcher, $2 true or false: the kernel filters).
run_pipeline() {
	local w=$1 kf=$2 run=$state/run-$1 t s
	local -A pids c0 c1
	rm -rf "$run" "$state/spool-$w" && mkdir -p "$run" "$state/spool-$w" ||
		return 1
	[ -n "$intake_pid" ] || intake_start || return 1
	cat >"$state/$w.yaml" <<EOF
hostname: cws-bench
run_path: $run
spool_dir: $state/spool-$w
api_key: $KEY
security_agent:
  cmd_port: 0
runtime_security_config:
  policies:
    dir: $state/policy
  self_test:
    enabled: false
  enable_approvers: $kf
  enable_discarders: $kf
  endpoints:
    logs_dd_url: 127.0.0.1:$(cat "$state/intake/port")
    logs_no_ssl: true
    batch_wait: 1
EOF
	"$CWS" -c "$state/$w.yaml" run >/dev/null 2>"$state/$w.err" &
	watch_pid=$!
	for s in cws-probe cws-filter cws-ship; do
		if ! wait_running "$run/$s.json"; then
			warn "$w: $s did not start: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
			stop_watcher TERM
			return 1
		fi
	done
	sleep "$SETTLE"
	pids[cws]=$watch_pid
	for s in cws-probe cws-filter cws-ship; do
		pids[$s]=$(jq -r .pid "$run/$s.json")
	done
	# Does the probe judge with the policy? (cws run hands it over.)
	if [ "$(jq -r '.kernel_filters.rules // 0' "$run/cws-probe.json")" = 0 ]; then
		warn "$w: cws-probe got no policy from cws run: its kernel filters are off"
		put "$w" "$r" note no-policy
	fi
	probe_counters "$run/cws-probe.json" >"$state/kf.before"
	fresh_status "$run/cws-filter.json"
	jq -r '"filter \(.events) \(.matches)"' "$run/cws-filter.json" >"$state/fs.before"
	for s in "${!pids[@]}"; do c0[$s]=$(ticks "${pids[$s]}"); done
	t=$(build) || { stop_watcher TERM; return 1; }
	if ! wait_idle "${pids[@]}"; then
		warn "$w: a stage died during the build: $(tail -n 5 "$state/$w.err" | tr '\n' ' ')"
		put "$w" "$r" note stage-died
	fi
	probe_counters "$run/cws-probe.json" >"$state/kf.after"
	for s in "${!pids[@]}"; do
		c1[$s]=$(ticks "${pids[$s]}")
		put "$w" "$r" rss "$s" "$(hwm "${pids[$s]}")"
	done
	fresh_status "$run/cws-filter.json"
	jq -r '"filter \(.events) \(.matches)"' "$run/cws-filter.json" >"$state/fs.after"
	fresh_status "$run/cws-ship.json"
	put "$w" "$r" build $t
	for s in "${!pids[@]}"; do
		if [ -z "${c1[$s]}" ] || [ -z "${c0[$s]}" ]; then
			warn "$w: $s (pid ${pids[$s]}) exited during the build"
			put "$w" "$r" note "$s-restarted"
			continue
		fi
		put "$w" "$r" cpu "$s" "$(((c1[$s] - c0[$s]) * 1000 / HZ))"
	done
	kf_put "$w"
	awk -v w="$w" -v r="$r" 'NR == FNR { e = $2; m = $3; next }
		{ printf "%s %s through filter_events %d\n%s %s through matches %d\n",
			w, r, $2 - e, w, r, $3 - m }' "$state/fs.before" "$state/fs.after" >>"$results"
	put "$w" "$r" through sent "$(jq '[.endpoints[]?.sent_messages] | add // 0' "$run/cws-ship.json")"
	put "$w" "$r" through restarts "$(jq '[.stages[]?.restarts] | add // 0' "$run/cws.json" 2>/dev/null)"
	stop_watcher TERM || warn "$w: cws run exited with an error: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
}

# cws-probe with no policy, everything captured, its stream to a file:
# what the stream costs in bytes, and the same events in schema 1.
run_capture() {
	local w=capture run=$state/run-capture cap=$state/capture.mp t p0 p1
	local v
	rm -rf "$run" "$cap" && mkdir -p "$run" || return 1
	printf 'run_path: %s\n' "$run" >"$state/$w.yaml"
	"$PROBE" -q -c "$state/$w.yaml" >"$cap" 2>"$state/$w.err" &
	watch_pid=$!
	if ! wait_running "$run/cws-probe.json"; then
		warn "$w: cws-probe did not start: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
		stop_watcher
		return 1
	fi
	sleep "$SETTLE"
	p0=$(ticks "$watch_pid")
	t=$(build) || { stop_watcher; return 1; }
	if ! wait_idle "$watch_pid"; then
		stop_watcher
		warn "$w: cws-probe died during the build (exit status $?): $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
		return 1
	fi
	p1=$(ticks "$watch_pid")
	put "$w" "$r" rss cws-probe "$(hwm "$watch_pid")"
	stop_watcher || warn "$w: cws-probe exited with an error: $(tail -n 3 "$state/$w.err" | tr '\n' ' ')"
	put "$w" "$r" build $t
	put "$w" "$r" cpu probe "$(((p1 - p0) * 1000 / HZ))"
	v=$("$EVCOUNT" -b "$cap" | tr '\n' ' ') || return 1
	put "$w" "$r" stream lean $v
	# The same events inline, as schema 1 wrote them.
	"$O/cws-cat" -q "$cap" | "$O/cws-cat" -q -r >"$state/inline.mp" || {
		warn "$w: cws-cat | cws-cat -r failed"
		return 1
	}
	v=$("$EVCOUNT" -b "$state/inline.mp" | tr '\n' ' ') || return 1
	put "$w" "$r" stream inline $v
	rm -f "$state/inline.mp"
	if [ -n "$CAPTURE_OUT" ]; then
		mv "$cap" "$CAPTURE_OUT" || warn "$w: cannot keep the capture in $CAPTURE_OUT"
	else
		rm -f "$cap"
	fi
}

slot() {
	case $1 in
	bare) run_bare bare ;;
	probe) run_probe probe ;;
	probe-off) run_probe probe-off -A -D ;;
	pipeline) run_pipeline pipeline true ;;
	pipeline-off) run_pipeline pipeline-off false ;;
	capture) run_capture ;;
	*) warn "unknown watcher '$1' (bare probe probe-off pipeline pipeline-off capture)"; return 1 ;;
	esac
}

# --- the rounds ------------------------------------------------------------

watchers=(bare)
for w in $WATCHERS; do [ "$w" = bare ] || watchers+=("$w"); done

say "machine:  $(uname -sr), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "tree:     $root at $REV ($(git -C "$root" rev-parse --short "$REV")), unpacked in $work/src"
say "build:    make -j$JOBS all, a new object directory each time"
say "policy:   $POLICY, alone in $state/policy"
if [ "$WARMUP" = 1 ]; then
	printf 'warm-up build: '
	t=$(build) || exit 1
	say "$t (wall user sys, s)"
fi
say "rounds:   $ROUNDS, each: ${watchers[*]}"
for ((r = 1; r <= ROUNDS; r++)); do
	printf 'round %d/%d:' "$r" "$ROUNDS"
	for w in "${watchers[@]}"; do
		printf ' %s' "$w"
		slot "$w" || printf '(failed)'
	done
	printf '\n'
done
say "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the tables ------------------------------------------------------------

# The values of column $3 of the lines "$1 <round> $2 ...".
values() {
	awk -v w="$1" -v k="$2" -v c="$3" '$1 == w && $3 == k { print $c }' "$results"
}
values4() {
	awk -v w="$1" -v k="$2" -v s="$3" -v c="$4" \
		'$1 == w && $3 == k && $4 == s { print $c }' "$results"
}
med() { local v; mapfile -t v; [ ${#v[@]} -gt 0 ] && median "${v[@]}"; }

say ""
say "the build: wall and CPU (user + system of make and all it ran), median of $ROUNDS"
printf '%-13s %8s %8s %8s %8s\n' watcher "wall s" ratio "CPU s" ratio
bw=$(values bare build 4 | med) bc=$(awk '$1 == "bare" && $3 == "build" { print $5 + $6 }' "$results" | med)
for w in "${watchers[@]}"; do
	wall=$(values "$w" build 4 | med) || { printf '%-13s %8s\n' "$w" failed; continue; }
	cpu=$(awk -v w="$w" '$1 == w && $3 == "build" { print $5 + $6 }' "$results" | med)
	awk -v w="$w" -v a="$wall" -v c="$cpu" -v ba="$bw" -v bc="$bc" 'BEGIN {
		printf "%-13s %8.1f %8.2f %8.1f %8.2f\n", w, a, a / ba, c, c / bc }'
done

# Summed over the rounds and the file types. A type the kernel filters
# judge counts what they saw (seen); a type they pass whole (mode
# everything: no approver, no discarder; every type with -A -D) counts
# what cws-probe wrote of it, which only the probe watchers know (the
# pipeline's stream goes to cws-filter): there such types are left out.
kf_table() {
	awk -v types=" $FILE_TYPES " -v per="$1" '
	$3 == "kf" && index(types, " " $4 " ") {
		w[$1] = 1; s[$1, $4] += $5; a[$1] += $6; d[$1] += $7
		u[$1] += $8; mode[$1, $4] = $9
		if (per && $1 == per) { pa[$4] += $6; pd[$4] += $7; pu[$4] += $8 }
	}
	$3 == "kf" && $4 == "events" { ev[$1] += $5 }
	$3 == "written" { wr[$1, $4] += $5; known[$1] = 1 }
	function pct(x, y) { return y ? sprintf("%.1f%%", 100 * x / y) : "-" }
	END {
		if (per) {
			for (i = 1; i <= n; i++) {
				t = order[i]; m = mode[per, t]
				in_ = m == "everything" ? wr[per, t] : s[per, t]
				if (m == "") continue
				off = (per "-off") in known ? wr[per "-off", t] + 0 : "-"
				printf "%-12s %-10s %9d %9d %9s %9s %9s %9s %9s\n",
					t, m, s[per, t], wr[per, t], off,
					pct(pa[t] + pd[t], in_), pct(pa[t], in_),
					pct(pd[t], in_), pct(pu[t], in_)
			}
			exit
		}
		for (k = 1; k <= nw; k++) {
			x = ws[k]
			if (!(x in w)) continue
			in_ = 0; fw = 0; left = ""; judged = 0
			for (i = 1; i <= n; i++) {
				t = order[i]
				fw += wr[x, t]
				if (mode[x, t] != "everything") {
					in_ += s[x, t]
					judged += mode[x, t] == "filtered"
				} else if (known[x]) {
					in_ += wr[x, t]
				} else {
					left = left " " t
				}
			}
			note = left != "" ? "  (not counted:" left ")" : ""
			if (!judged)
				note = "  (no type judged in the kernel)"
			printf "%-13s %9d %9s %9s %9s %9s %9s %9s%s\n", x, in_,
				pct(a[x] + d[x], in_), pct(a[x], in_), pct(d[x], in_),
				pct(u[x], in_), known[x] ? fw : "-", ev[x], note
		}
	}
	BEGIN {
		n = split(substr(types, 2, length(types) - 2), order, " ")
		nw = split("probe probe-off pipeline pipeline-off", ws, " ")
	}' "$results"
}
say ""
say "file events during the build, summed over $ROUNDS round(s): the types"
say "$FILE_TYPES"
say "in:         what reached the kernel filters (seen) or, of a type they pass"
say "            whole (mode everything), what cws-probe wrote"
say "kernel:     dropped in the kernel, (approvers + discarders) / in"
say "user:       dropped by cws-probe in user space / in"
say "written:    events cws-probe wrote, of these types and of every type"
printf '%-13s %9s %9s %9s %9s %9s %9s %9s\n' watcher in kernel approvers \
	discarders user "written" "all"
kf_table ""
if grep -q '^probe [0-9]* kf ' "$results"; then
	say ""
	say "probe, per type, summed over the rounds (written by probe-off beside)"
	printf '%-12s %-10s %9s %9s %9s %9s %9s %9s %9s\n' type mode seen written \
		"off wrote" kernel approvers discarders user
	kf_table probe
fi

say ""
say "CPU seconds per build of each stage (median of $ROUNDS), from /proc/PID/stat"
printf '%-13s %10s %10s %10s %10s %10s\n' watcher cws-probe cws-filter cws-ship cws total
declare -A tot
for w in "${watchers[@]}"; do
	[ "$w" = bare ] && continue
	grep -q "^$w [0-9]* cpu " "$results" || continue
	line=$(printf '%-13s' "$w")
	sum=0
	for s in cws-probe cws-filter cws-ship cws; do
		k=$s
		case $w in probe | probe-off | capture)
			[ "$s" = cws-probe ] && k=probe ;;
		esac
		v=$(values4 "$w" cpu "$k" 5 | med) || { line+=$(printf ' %10s' -); continue; }
		sum=$((sum + v))
		line+=$(awk -v v="$v" 'BEGIN { printf " %10.2f", v / 1000 }')
	done
	tot[$w]=$sum
	say "$line$(awk -v v="$sum" 'BEGIN { printf " %10.2f", v / 1000 }')"
done
for p in probe pipeline; do
	[ -n "${tot[$p]:-}" ] && [ -n "${tot[$p-off]:-}" ] && [ "${tot[$p-off]}" != 0 ] &&
		awk -v p="$p" -v a="${tot[$p]}" -v b="${tot[$p-off]}" \
			'BEGIN { printf "ratio %s / %s-off: %.2f\n", p, p, a / b }'
done

if grep -q ' through ' "$results"; then
	say ""
	say "through the pipeline during the build (median of $ROUNDS)"
	printf '%-13s %12s %10s %10s %10s\n' watcher "filter read" matches sent restarts
	for w in pipeline pipeline-off; do
		grep -q "^$w [0-9]* through " "$results" || continue
		printf '%-13s %12s %10s %10s %10s\n' "$w" \
			"$(values4 "$w" through filter_events 5 | med)" \
			"$(values4 "$w" through matches 5 | med)" \
			"$(values4 "$w" through sent 5 | med)" \
			"$(values4 "$w" through restarts 5 | med)"
	done
	say "sent: messages cws-ship delivered since it started (its start-up's too)"
fi
if grep -q ' rss ' "$results"; then
	say ""
	say "peak RSS of each stage during the build, MB (VmHWM, the largest of $ROUNDS)"
	printf '%-13s %10s %10s %10s %10s\n' watcher cws-probe cws-filter cws-ship cws
	for w in "${watchers[@]}"; do
		grep -q "^$w [0-9]* rss " "$results" || continue
		line=$(printf '%-13s' "$w")
		for s in cws-probe cws-filter cws-ship cws; do
			v=$(values4 "$w" rss "$s" 5 | sort -n | tail -n 1)
			if [ -z "$v" ]; then
				line+=$(printf ' %10s' -)
			else
				line+=$(awk -v v="$v" 'BEGIN { printf " %10.1f", v / 1024 }')
			fi
		done
		say "$line"
	done
fi

# The stream's bytes, from "capture R stream FORM evcount ... evcount_bytes
# total=... ..." lines: field NAME of the line.
sfield() { tr ' ' '\n' | sed -n "s/^$1=//p"; }
if grep -q '^capture [0-9]* stream ' "$results"; then
	say ""
	say "the whole stream, no policy (capture, median of $ROUNDS by bytes/event)"
	printf '%-8s %12s %10s %12s %14s %10s\n' form bytes events "bytes/event" \
		"process bytes" records
	for f in lean inline; do
		awk -v f="$f" '$1 == "capture" && $3 == "stream" && $4 == f' "$results" |
			while read -r line; do
				b=$(sfield total <<<"$line") e=$(sfield events <<<"$line")
				echo "$((e ? b / e : 0)) $line"
			done | sort -n | sed -n "$(((ROUNDS + 1) / 2))p" |
			while read -r _ line; do
				b=$(sfield total <<<"$line") e=$(sfield events <<<"$line")
				pb=$(sfield process <<<"$line") np=$(sfield processes <<<"$line")
				awk -v f="$f" -v b="$b" -v e="$e" -v pb="$pb" -v np="$np" 'BEGIN {
					printf "%-8s %12d %10d %12.0f %9d %3.0f%% %10d\n",
						f, b, e, e ? b / e : 0, pb, b ? 100 * pb / b : 0, np }'
			done
	done
	say "process bytes: the schema 2 process records (records: how many), share"
	say "of all bytes; inline: the same capture through cws-cat | cws-cat -r"
	awk '$1 == "capture" && $3 == "stream" && $4 == "lean"' "$results" |
		while read -r line; do
			b=$(sfield total <<<"$line") e=$(sfield events <<<"$line")
			echo "$((e ? b / e : 0))"
		done | sort -n | sed -n "$(((ROUNDS + 1) / 2))p" |
		awk '{ printf "target at most 400 bytes per event: %s (%d)\n",
			($1 <= 400 ? "met" : "missed"), $1 }'
	[ -n "$CAPTURE_OUT" ] && say "capture kept: $CAPTURE_OUT (the last round's)"
fi
grep -q ' note no-policy' "$results" &&
	say "note: cws run did not give cws-probe the policy: its kernel filters were off"
exit 0
