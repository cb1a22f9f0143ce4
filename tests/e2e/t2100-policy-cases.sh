#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Policy cases as data (curl's tests/data, jq's test triples): each
# tests/e2e/policy/NNNN.case holds a policy (or -e expressions), input
# events as JSON lines and the verdicts expected, one line per event.
# The file is made of sections, each starting with a `--- ` line:
#
#   # Free text: the first comment line names the test.
#   --- policy [NAME]   a policy file (NAME defaults to default.policy);
#                       several sections make several files
#   --- expr            -e expressions, one per line
#   --- events          JSON lines; "type" defaults to "event",
#                       evt.timestamp to the line number, process to
#                       {"pid": 1}
#   --- expect          per event, the ids of the rules it matched in
#                       order, space separated, or - for none
#   --- status          optional: "id status" lines, compared with the
#                       ruleset_loaded record (only the rules listed)
#
# The rate limiter is off (DD_..._EVENT_SERVER_RATE=0) so that a case
# sees every match.
. "$(dirname "$0")/test-lib.sh"

export DD_RUN_PATH=$TRASH/run DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0
cases=$CWS_SRC/tests/e2e/policy

test_have_prereq JQ || test_skip_all "jq is needed to build the events"

# Splits a case into files in the current directory: policy/, expr,
# events.json, expect, status.
split_case() {
	awk '
	/^--- / {
		sec = $2
		if (sec == "policy") {
			name = NF > 2 ? $3 : "default.policy"
			out = "policy/" name
		} else {
			out = sec
		}
		printf "" > out
		next
	}
	out != "" { print >> out }
	' "$1"
}

run_case() {
	local c=$1 args=() line
	rm -rf case && mkdir -p case/policy && cd case || return 1
	split_case "$c" || return 1
	if [ -n "$(ls policy)" ]; then
		args+=(-p policy)
	fi
	if [ -f expr ]; then
		while IFS= read -r line; do
			[ -n "$line" ] && args+=(-e "$line")
		done <expr
	fi
	# Every event gets its line number, which match records carry on.
	jq -c -n '[inputs] | to_entries[] | .key as $i | .value |
		{type: "event"} + . | .evt.timestamp //= ($i + 1) |
		.process //= {pid: 1} | .case_line = ($i + 1)' \
		events >events.json || return 1
	cws-cat -r events.json >events.mp || return 1
	cws-filter "${args[@]}" <events.mp >out.mp 2>err
	echo "exit $?" >>err
	cws-cat out.mp >out.json || return 1
	n=$(wc -l <events.json)
	for i in $(seq "$n"); do
		ids=$(jq -r --argjson i "$i" \
			'select(.rule and .case_line == $i) | .rule.id' out.json |
			tr '\n' ' ' | sed 's/ $//')
		echo "${ids:--}"
	done >verdicts
	if ! diff -u expect verdicts; then
		cat err
		return 1
	fi
	if [ -f status ]; then
		jq -r 'select(.type == "ruleset_loaded") | .policies[].rules[] |
			"\(.id) \(.status)"' out.json >all-status
		while IFS= read -r line; do
			[ -z "$line" ] && continue
			grep -qxF "$line" all-status ||
				{ echo "status: want '$line'"; cat all-status err; return 1; }
		done <status
	fi
	cd ..
}

for c in "$cases"/*.case; do
	name=$(basename "$c" .case)
	desc=$(sed -n 's/^# *//p' "$c" | head -1)
	test_expect_success "$name: $desc" "cd '$TRASH' && run_case '$c'"
done

test_done
