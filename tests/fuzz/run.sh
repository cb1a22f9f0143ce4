#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs libFuzzer targets one after the other, each from its seeds
# (tests/fuzz/corpus/<name>/) and a corpus kept under the build directory
# ($O/fuzz-corpus/<name>_fuzz/, which grows from run to run), then prints
# one line per target: executions, seconds, coverage (cov, ft), crashes.
#
#   tests/fuzz/run.sh [-t seconds] [-r runs] [-j procs] [target...]
#
# -t: each target's time (FUZZ_TIME, default 60); -r: stop at that many
# executions instead (FUZZ_RUNS; the time still applies when both are
# given); -j: one target on that many CPUs at once (FUZZ_JOBS, default
# 1), as libFuzzer's fork mode (-fork=N) runs it: child processes on
# parts of the corpus, their new inputs merged into it, the executions
# counted are those of all children. FUZZ_ARGS adds libFuzzer options
# (-max_len=1024). Targets are names ("stream") or all of $O/tests/fuzz. A crash,
# leak, timeout or sanitizer report leaves the input in
# $O/fuzz-corpus/<name>_fuzz.crashes/ and makes the exit status 1. Runs
# under nice(1) (FUZZ_NICE, default 19): the machine is someone's.
# `make fuzz` (or fuzz-run) calls this; the full logs are in $O/fuzz-logs/
# (<name>.log, or <name>.N.log for a run beside another of that target).
set -u
cd "$(dirname "$0")/../.." || exit 2
O=${O:-build}
time=${FUZZ_TIME:-}
runs=${FUZZ_RUNS:-}
nice=${FUZZ_NICE:-19}
jobs=${FUZZ_JOBS:-1}
while getopts t:r:j:h opt; do
	case $opt in
	t) time=$OPTARG ;;
	r) runs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*)
		echo "usage: tests/fuzz/run.sh [-t seconds] [-r runs] [-j procs] [target...]"
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
# With a number of runs and no time given, the runs alone decide.
[ -z "$time" ] && time=$([ -n "$runs" ] && echo 0 || echo 60)

if [ $# = 0 ]; then
	set -- $(for f in "$O"/tests/fuzz/*_fuzz; do
		[ -x "$f" ] && basename "$f" _fuzz
	done)
fi
mkdir -p "$O/fuzz-logs"
rc=0
printf '%-10s %12s %8s %7s %8s  %s\n' target executions seconds cov ft result
for t in "$@"; do
	t=${t%_fuzz}
	bin=$O/tests/fuzz/${t}_fuzz
	if [ ! -x "$bin" ]; then
		echo "fuzz: no target '$bin' (make fuzz-build)" >&2
		rc=1
		continue
	fi
	corpus=$O/fuzz-corpus/${t}_fuzz
	crashes=$corpus.crashes
	mkdir -p "$corpus" "$crashes"
	# Runs of one target at once (on its one corpus, as libFuzzer
	# allows) each write their own log, $t.log, then $t.2.log, ...:
	# a run holds a lock on its log until it ends, and its final count
	# is read from its own log only.
	log=$O/fuzz-logs/$t.log
	i=1
	while ! { exec 9<>"$log" && flock -n 9; }; do
		i=$((i + 1))
		log=$O/fuzz-logs/$t.$i.log
	done
	[ -d "tests/fuzz/corpus/$t" ] &&
		cp -n "tests/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null
	args=(-print_final_stats=1 -rss_limit_mb=2048 -timeout=10
		-artifact_prefix="$crashes/")
	[ "$time" != 0 ] && args+=(-max_total_time="$time")
	[ -n "$runs" ] && args+=(-runs="$runs")
	[ "$jobs" -gt 1 ] && args+=(-fork="$jobs")
	# shellcheck disable=SC2206 # options, split on blanks
	args+=(${FUZZ_ARGS:-})
	start=$(date +%s)
	echo "+ nice -n $nice $bin ${args[*]} $corpus" >"$log"
	nice -n "$nice" "$bin" "${args[@]}" "$corpus" >>"$log" 2>&1
	status=$?
	exec 9>&-
	secs=$(($(date +%s) - start))
	if [ "$jobs" -gt 1 ]; then
		# Fork mode: the parent's lines ("#N: cov: ...") hold the
		# totals; a crashing child's own stats may follow them.
		last=$(grep -E '^#[0-9]+: ' "$log" | tail -n 1)
		execs=$(echo "$last" | sed -n 's/^#\([0-9]*\): .*/\1/p')
	else
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	fi
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	result=ok
	if [ $status != 0 ]; then
		result="FAILED (exit $status, see $log)"
		rc=1
	fi
	printf '%-10s %12s %8s %7s %8s  %s\n' "$t" "${execs:-?}" "$secs" \
		"${cov:-?}" "${ft:-?}" "$result"
done
exit $rc
