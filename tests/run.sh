#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs every test of `make check` and prints one summary line:
#   N passed, N failed, N skipped
# Every producer speaks TAP (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP, the
# e2e scripts through tests/e2e/test-lib.sh); the checks that are not TAP
# (fuzz smoke, man lint, header check) count as one test each.
set -u
cd "$(dirname "$0")/.." || exit 2
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
export CWS_BUILD=$O CWS_SRC=$PWD
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
passed=0 failed=0 skipped=0
logdir=$O/test-logs
mkdir -p "$logdir"
. tests/tap.sh

check_log() { echo "$logdir/$(echo "$1" | tr / _).log"; }

check_result() { # name exit-code
	if [ "$2" = 0 ]; then
		passed=$((passed + 1))
		echo "ok    $1"
	else
		failed=$((failed + 1))
		echo "FAIL  $1"
		tail -n 30 "$(check_log "$1")" | sed 's/^/      /'
	fi
}

one_check() { # name command...
	local name=$1
	shift
	"$@" >"$(check_log "$name")" 2>&1
	check_result "$name" $?
}

# Unit tests, plain and under ASan+UBSan.
for tree in "$O" "$O/asan"; do
	tag=unit
	[ "$tree" = "$O/asan" ] && tag=asan
	for t in "$tree"/tests/unit/*_test; do
		[ -x "$t" ] || continue
		n=$tag/$(basename "$t")
		log=$logdir/$(echo "$n" | tr / _).log
		CMOCKA_MESSAGE_OUTPUT=TAP \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			"$t" >"$log" 2>&1
		count_tap "$n" "$log" $?
	done
done

# End-to-end tests.
for t in tests/e2e/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	n=e2e/$(basename "$t" .sh)
	log=$logdir/$(basename "$t" .sh).log
	bash "$t" >"$log" 2>&1
	count_tap "$n" "$log" $?
done

# Fuzz targets: a short smoke run each, from the seed corpus. A target
# runs on one CPU: as many run at once as there are CPUs, each for its
# full FUZZ_SECONDS, reported in order once all are done.
fuzz_jobs=$(nproc 2>/dev/null || echo 1)
fuzzers=()
for f in "$O"/tests/fuzz/*_fuzz; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=$O/fuzz-corpus/$n
	mkdir -p "$corpus"
	seeds=tests/fuzz/corpus/${n%_fuzz}
	[ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null
	while [ "$(jobs -rp | wc -l)" -ge "$fuzz_jobs" ]; do wait -n; done
	{
		"$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 \
			-timeout=10 "$corpus" >"$(check_log "fuzz/$n")" 2>&1
		echo $? >"$logdir/fuzz_$n.rc"
	} &
	fuzzers+=("$n")
done
wait
for n in "${fuzzers[@]}"; do
	check_result "fuzz/$n" "$(cat "$logdir/fuzz_$n.rc" 2>/dev/null || echo 1)"
	# Inputs that once crashed it: each replayed, one check each.
	for r in tests/fuzz/regress/${n%_fuzz}/*; do
		[ -f "$r" ] || continue
		one_check "fuzz/$n/$(basename "$r")" "$O/tests/fuzz/$n" \
			-rss_limit_mb=2048 -timeout=10 "$r"
	done
done

# Man pages and headers.
for m in man/*.[1-8]; do
	[ -f "$m" ] || continue
	one_check "man/$(basename "$m")" tests/manlint.sh "$m"
done
one_check lint tests/lint.sh
one_check headers make --no-print-directory -s O="$O" headers-check

printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped" |
	tee "$logdir/summary"
[ "$failed" = 0 ]
