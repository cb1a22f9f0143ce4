# SPDX-License-Identifier: BSD-2-Clause
#
# Counting TAP, for tests/run.sh and tests/sanitize.sh: count_tap adds a
# log's results to the caller's passed, failed and skipped, and says
# ok, skip or FAIL with the failing tests' output.

count_tap() { # name logfile exit-code
	local name=$1 log=$2 rc=$3 p f s
	p=$(grep -cE '^ok [0-9]+' "$log" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# (skip|SKIP)' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	p=$((p - s))
	if grep -qE '^1\.\.0 # SKIP' "$log"; then
		s=$((s + 1))
		echo "skip  $name: $(sed -n 's/^1\.\.0 # SKIP //p' "$log")"
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		echo "FAIL  $name: exited $rc without a failing test (crash?)"
		tail -n 20 "$log" | sed 's/^/      /'
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" != 0 ]; then
		echo "FAIL  $name ($f failed)"
		grep -A40 -E '^not ok' "$log" | head -n 80 | sed 's/^/      /'
	else
		printf 'ok    %s (%d passed%s)\n' "$name" "$p" \
			"$([ "$s" != 0 ] && echo ", $s skipped")"
	fi
}
