#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# cws-filter's throughput on one core, and its memory (issue 4): Datadog's
# default policy judging a recorded mixed stream, next to cheaper readers
# of the same stream, side by side in one run (bench/run.sh calls this;
# so does `make bench`).
#
# 1. Record, once: cws-probe -e EVENTS (the process and file events;
#    mmap and mprotect, which every exec makes by the dozen, are left
#    out) while a workload runs: bench/workload_bench's loops (open,
#    failed open, fork + exec, create + unlink, rename), then shell
#    activity (execs, files created, renamed, chmod'ed, linked, touched,
#    removed, directories made and removed). Everything else the machine
#    does meanwhile is recorded too. Needs root and kernel BTF; with
#    CAPTURE=file a stream recorded before is replayed instead. Without
#    either, the bench says why and is skipped.
# 2. Replay: the capture, repeated back to back until about RECORDS
#    records, through a pipe from cat (pinned to FEED_CPU) into each
#    reader pinned to CPU with taskset, output to /dev/null:
#
#      pipe     cat to /dev/null: reading the pipe alone, the floor
#      decode   bench/decode_bench: cws_reader_next and nothing else
#      norule   cws-filter -e with one rule that never matches: the
#               filter's loop and decoding, no policy to speak of
#      default  cws-filter -p DIR, DIR holding only Datadog's default
#               policy 1.69.3 (../shared/fixtures) as default.policy
#      cws-cat  cws-cat to JSON lines, over the first CAT_RECORDS records
#               of the capture only (it is far slower than the others)
#
#    ROUNDS rounds, the readers interleaved in each. CPU time is user +
#    system of the reader (GNU time), which other jobs on the machine
#    inflate less than wall time (printed too: it also waits for cat).
#    Events/s per core is records / CPU seconds, of the round with the
#    median CPU time; max RSS is the largest of the rounds. Ratios are CPU
#    time per record over decode's, and over pipe's (the same bytes read
#    by cat: what moving them through the pipe costs a reader at all);
#    the wall-time ratio to pipe is printed for the default policy too.
#
# The build's stream (issue 13): `WATCHERS=capture CAPTURE_OUT=FILE
# bench/build.sh` records everything cws-probe sees during a clean build
# of the project; CAPTURE=FILE here replays it.
#
# Environment: O (build directory, default build), ROUNDS (3), RECORDS
# (2000000), CPU (1), FEED_CPU (0), CAPTURE (a stream to replay instead
# of recording one), KEEP=1 (keep the capture and print where it is),
# CAT_RECORDS (20000), SETTLE (0.5 s between attach and workload),
# EVENTS (the probe's -e list).
set -u
cd "$(dirname "$0")/.." || exit 2
O=${O:-build}
ROUNDS=${ROUNDS:-3}
RECORDS=${RECORDS:-2000000}
CPU=${CPU:-1}
FEED_CPU=${FEED_CPU:-0}
CAPTURE=${CAPTURE:-}
KEEP=${KEEP:-0}
CAT_RECORDS=${CAT_RECORDS:-20000}
SETTLE=${SETTLE:-0.5}
EVENTS=${EVENTS:-exec,exit,open,unlink,rename,chmod,chown,mkdir,rmdir,link,utimes,setxattr,removexattr,setuid,setgid,chdir}
POLICY=../shared/fixtures/datadog-policies/default-1.69.3.policy
NEVER='open.file.path == "/cws-bench/never/matches"'

say() { printf '%s\n' "$*"; }
warn() { printf 'filter.sh: %s\n' "$*" >&2; }

echo "== cws-filter: the Datadog default policy on a recorded stream, one core"
for f in "$O"/cws-filter "$O"/cws-cat "$O"/bench/decode_bench \
	"$O"/bench/workload_bench; do
	if [ ! -x "$f" ]; then
		say "skipped: $f is not built (make bench)"
		exit 0
	fi
done
if [ ! -r "$POLICY" ]; then
	say "skipped: $POLICY is missing (the fixtures live in ../shared)"
	exit 0
fi
for t in /usr/bin/time taskset; do
	if ! command -v "$t" >/dev/null; then
		say "skipped: $t is not installed"
		exit 0
	fi
done
if [ "$(nproc)" -lt 2 ] && [ "$CPU" = "$FEED_CPU" ]; then
	warn "one CPU: the feeder and the reader share it (CPU time is still per reader)"
fi

tmp=$(mktemp -d /dev/shm/cws-filter-bench.XXXXXX) || exit 1
probe_pid=
cleanup() {
	if [ -n "$probe_pid" ]; then
		kill -INT "$probe_pid" 2>/dev/null
		wait "$probe_pid" 2>/dev/null
	fi
	if [ "$KEEP" = 1 ] && [ -z "$CAPTURE" ] && [ -s "$tmp/capture.mp" ]; then
		say "capture kept: $tmp/capture.mp"
		find "$tmp" -mindepth 1 ! -name capture.mp -exec rm -rf {} +
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the capture --------------------------------------------------------

# Shell activity beside the workload's loops: what a host does, and a
# few commands that rules of the default policy flag (whoami, lsmod,
# nohup, tar -c, base64 -d, a program run from /dev/shm), so that the
# filter writes some matches too.
activity() {
	local d=$1 i
	cp /bin/true "$d/.hidden-true" || return 1
	for ((i = 0; i < 300; i++)); do
		/bin/true
		if ((i % 10 == 0)); then
			whoami >/dev/null
			"$d/.hidden-true"
		fi
		echo "$i" >"$d/f$i"
		mv "$d/f$i" "$d/g$i"
		chmod 600 "$d/g$i"
		ln "$d/g$i" "$d/h$i"
		touch "$d/h$i"
		mkdir "$d/d$i"
		rmdir "$d/d$i"
		rm -f "$d/g$i" "$d/h$i"
	done
	ls -l "$d" >/dev/null
	id >/dev/null
	uname -a >/dev/null
	lsmod >/dev/null 2>&1
	nohup /bin/true >/dev/null 2>&1
	tar -cf /dev/null -C "$d" . 2>/dev/null
	base64 -d </dev/null >/dev/null
}

record() {
	local cap=$1 i
	if [ "$(id -u)" != 0 ]; then
		say "skipped: recording needs root (or CAPTURE=file to replay one)"
		return 1
	fi
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		say "skipped: recording needs kernel BTF (or CAPTURE=file)"
		return 1
	fi
	mkdir -p "$tmp/work" || return 1
	"$O"/cws-probe -q -e "$EVENTS" >"$cap" 2>"$tmp/probe.err" &
	probe_pid=$!
	# The hello record is written once the programs are attached.
	for ((i = 0; i < 300; i++)); do
		[ -s "$cap" ] && break
		if ! kill -0 "$probe_pid" 2>/dev/null; then
			say "skipped: cws-probe failed: $(tail -n 2 "$tmp/probe.err" | tr '\n' ' ')"
			probe_pid=
			return 1
		fi
		sleep 0.1
	done
	sleep "$SETTLE"
	"$O"/bench/workload_bench -l all -n 2000 -d "$tmp/work" >/dev/null
	activity "$tmp/work"
	sleep "$SETTLE"
	if ! kill -INT "$probe_pid" 2>/dev/null; then
		say "skipped: cws-probe exited while recording: $(tail -n 2 "$tmp/probe.err" | tr '\n' ' ')"
		probe_pid=
		return 1
	fi
	wait "$probe_pid"
	probe_pid=
}

if [ -n "$CAPTURE" ]; then
	cap=$CAPTURE
	if [ ! -s "$cap" ]; then
		say "skipped: CAPTURE=$cap is empty or missing"
		exit 0
	fi
else
	cap=$tmp/capture.mp
	record "$cap" || exit 0
fi

read -r _ cap_records _ cap_events _ cap_bad < <("$O"/bench/decode_bench <"$cap")
if [ "${cap_events:-0}" -lt 1 ]; then
	say "skipped: the capture holds no event"
	exit 0
fi
repeat=$(((RECORDS + cap_records - 1) / cap_records))
cap_bytes=$(stat -c %s "$cap")
say "capture: $cap_records records ($cap_events events, $cap_bad bad), $cap_bytes bytes, $((cap_bytes / cap_records)) bytes per record"
"$O"/bench/decode_bench -m <"$cap"
say "replay: the capture $repeat times, $((cap_records * repeat)) records, readers on CPU $CPU, cat on CPU $FEED_CPU, $ROUNDS rounds"

mkdir -p "$tmp/policy" || exit 1
cp "$POLICY" "$tmp/policy/default.policy" || exit 1
files=()
for ((i = 0; i < repeat; i++)); do files+=("$cap"); done
"$O"/bench/decode_bench -w "$CAT_RECORDS" <"$cap" >"$tmp/head.mp"
cat_records=$("$O"/bench/decode_bench <"$tmp/head.mp" | awk '{ print $2 }')
# Status files go to the scratch directory, not /run/cws.
mkdir -p "$tmp/run" && printf 'run_path: %s\n' "$tmp/run" >"$tmp/cws.yaml"

# --- 2. the replay -----------------------------------------------------------

# run NAME RECORDS INPUT... -- COMMAND...: one timed run, appended to
# $tmp/NAME as "cpu wall maxrss_kb records user sys".
run() {
	local name=$1 n=$2 out
	shift 2
	local in=()
	while [ "$1" != -- ]; do
		in+=("$1")
		shift
	done
	shift
	taskset -c "$FEED_CPU" cat "${in[@]}" |
		/usr/bin/time -o "$tmp/time" -f '%U %S %e %M' \
			taskset -c "$CPU" "$@" >/dev/null 2>"$tmp/$name.err"
	out=$(tail -n 1 "$tmp/time")
	if grep -q 'non-zero status' "$tmp/time" || [[ $out != [0-9]* ]]; then
		warn "$name failed: $(head -n 1 "$tmp/time"): $(tail -n 2 "$tmp/$name.err" | tr '\n' ' ')"
		return 1
	fi
	awk -v n="$n" '{
		printf "%.2f %.2f %d %d %.2f %.2f\n", $1 + $2, $3, $4, n, $1, $2
	}' <<<"$out" >>"$tmp/$name"
}

total=$((cap_records * repeat))
for ((r = 1; r <= ROUNDS; r++)); do
	run pipe "$total" "${files[@]}" -- cat || exit 1
	run decode "$total" "${files[@]}" -- "$O"/bench/decode_bench || exit 1
	run norule "$total" "${files[@]}" -- \
		"$O"/cws-filter -q -c "$tmp/cws.yaml" -e "$NEVER" || exit 1
	run default "$total" "${files[@]}" -- \
		"$O"/cws-filter -q -c "$tmp/cws.yaml" -p "$tmp/policy" || exit 1
	run cws-cat "$cat_records" "$tmp/head.mp" -- \
		"$O"/cws-cat -q -c "$tmp/cws.yaml" || exit 1
done

# The median round by CPU time, per reader; the largest RSS.
median() {
	sort -n "$tmp/$1" | sed -n "$(((ROUNDS + 1) / 2))p"
}
maxrss() {
	sort -k3 -n "$tmp/$1" | tail -n 1 | awk '{ print $3 }'
}
printf '%-8s %9s %7s %7s %7s %14s %12s %9s %6s %6s\n' reader records "user s" \
	"sys s" "wall s" "events/s/core" "events/s" "max RSS" ratio "/ cat"
read -r dcpu _ _ dn _ <<<"$(median decode)"
read -r pcpu pwall _ pn _ <<<"$(median pipe)"
for name in pipe decode norule default cws-cat; do
	read -r cpu wall _ n user sys <<<"$(median "$name")"
	awk -v name="$name" -v n="$n" -v cpu="$cpu" -v wall="$wall" \
		-v user="$user" -v sys="$sys" -v rss="$(maxrss "$name")" \
		-v dcpu="$dcpu" -v dn="$dn" -v pcpu="$pcpu" -v pn="$pn" 'BEGIN {
		if (cpu <= 0)
			cpu = 0.01
		if (pcpu <= 0)
			pcpu = 0.01
		printf "%-8s %9d %7.2f %7.2f %7.2f %14.0f %12.0f %6.1f MB %6.2f %6.2f\n",
			name, n, user, sys, wall, n / cpu, n / wall, rss / 1024,
			(cpu / n) / (dcpu / dn), (cpu / n) / (pcpu / pn)
	}'
done
say "(events/s/core: records / (user + sys); events/s: records / wall;"
say " ratio: CPU time per record over decode's; / cat: over pipe's, cat"
say " reading the same bytes; the median of $ROUNDS rounds)"
read -r fcpu fwall _ fn _ <<<"$(median default)"
awk -v fw="$fwall" -v pw="$pwall" -v fc="$fcpu" -v pc="$pcpu" 'BEGIN {
	printf "default against cat of the same stream: CPU %.2f times, wall %.2f times\n",
		fc / (pc > 0 ? pc : 0.01), fw / (pw > 0 ? pw : 0.01) }'
# What the default policy found, from the last run's status file.
sed -n 's/^  "\(events\|matches\|written\|rate_limited\)": \([0-9]*\),*$/\1 \2/p' \
	"$tmp/run/cws-filter.json" 2>/dev/null | paste -sd' ' |
	sed 's/^/default, last round: /' 
awk -v c="$(median default | awk '{ print $1 }')" \
	-v n="$(median default | awk '{ print $4 }')" 'BEGIN {
	r = n / c
	printf "target 1000000 events/s per core: %s (%.0f)\n",
		(r >= 1000000 ? "met" : "missed"), r
}'
