# SPDX-License-Identifier: BSD-2-Clause
#
# A small git t/-style test library. A script sources it, declares tests
# with test_expect_success, and ends with test_done. Output is TAP.
#
#   . "$(dirname "$0")/test-lib.sh"
#   test_expect_success [PREREQ,...] 'description' 'commands'
#
# Each script runs in its own scratch directory, $TRASH, under the build
# directory; the tools under test are first on PATH. Commands run in the
# script's shell (so variables and background jobs carry over), with
# output captured and shown only when a test fails (or with -v / $VERBOSE).
# Prerequisites: ROOT, BPF (root, kernel BTF, bpf(2) usable), JQ.

set -u

CWS_SRC=${CWS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
CWS_BUILD=${CWS_BUILD:-$CWS_SRC/build}
case $CWS_BUILD in /*) ;; *) CWS_BUILD=$CWS_SRC/$CWS_BUILD ;; esac
PATH=$CWS_BUILD:$CWS_BUILD/tests/helpers:$PATH
export CWS_SRC CWS_BUILD PATH
# Tests never read the machine's configuration.
export CWS_CONFIG_DEFAULT=/nonexistent/cws.yaml
unset $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p') 2>/dev/null

test_name=$(basename "$0" .sh)
TRASH=$CWS_BUILD/trash/$test_name
rm -rf "$TRASH" && mkdir -p "$TRASH" || exit 1
cd "$TRASH" || exit 1
# Root's cws-filter and cws-ship become cws_user, who must reach their
# run and spool directories here: a clone in a mktemp -d directory
# (0700) gets search permission for others on the way (o+x, not read).
if [ "$(id -u)" = 0 ] && getent passwd cws >/dev/null; then
	d=$TRASH
	while [ "$d" != / ] && [ -n "$d" ]; do
		[ -n "$(find "$d" -maxdepth 0 -perm -o+x)" ] || chmod o+x "$d"
		d=$(dirname "$d")
	done
fi
SHARED_FIXTURES=$CWS_SRC/../shared/fixtures

test_count=0
test_failed=0
test_skipped=0
test_cleanup=
VERBOSE=${VERBOSE:-}
[ "${1:-}" = -v ] && VERBOSE=1

say() { printf '%s\n' "$*"; }

# Prerequisites are a space-separated list of names.
test_prereqs=" "
test_set_prereq() { test_prereqs="$test_prereqs$1 "; }
test_have_prereq() {
	local p
	for p in $(printf '%s' "$1" | tr , ' '); do
		case $test_prereqs in *" $p "*) ;; *) return 1 ;; esac
	done
}
test_prereq_reason=

[ "$(id -u)" = 0 ] && test_set_prereq ROOT
command -v jq >/dev/null 2>&1 && test_set_prereq JQ
# Tools built with sanitizers, or already run under valgrind by their
# wrappers (tests/sanitize.sh sets CWS_TEST_SANITIZER), are not valgrind's.
if command -v valgrind >/dev/null 2>&1 && [ -z "${CWS_TEST_SANITIZER:-}" ]; then
	test_set_prereq VALGRIND
fi
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	test_set_prereq BPF
fi

# NOBODY: root can run a command as the unprivileged user nobody.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	test_set_prereq NOBODY
fi

# nobody_setup sets NOBODY_DIR to a directory nobody can reach: the
# scratch directory when it can (its parents are searchable), else a
# fresh 0755 one under /tmp, removed when the test's shell exits. A
# checkout under a directory only root may enter (mktemp -d makes them
# 0700) needs the second. Call it in the test body, not in $(...).
nobody_setup() {
	NOBODY_DIR=$TRASH
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "$TRASH" 2>/dev/null && return 0
	NOBODY_DIR=$(mktemp -d /tmp/cws-test-nobody.XXXXXX) &&
		chmod 755 "$NOBODY_DIR" || return 1
	trap 'rm -rf "$NOBODY_DIR"' EXIT
}

# The path of built tool $1 that nobody can run (after nobody_setup):
# copied into NOBODY_DIR when the build directory is out of its reach.
nobody_tool() {
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
		test -x "$CWS_BUILD/$1" 2>/dev/null; then
		echo "$CWS_BUILD/$1"
		return
	fi
	mkdir -p "$NOBODY_DIR/bin" && chmod 755 "$NOBODY_DIR/bin" &&
		cp "$CWS_BUILD/$1" "$NOBODY_DIR/bin/" && echo "$NOBODY_DIR/bin/$1"
}

# Registers commands to run after the current test, pass or fail.
test_when_finished() { test_cleanup="$1; $test_cleanup"; }

test_expect_success() {
	local prereq= desc body log rc
	if [ $# = 3 ]; then prereq=$1; shift; fi
	desc=$1 body=$2
	test_count=$((test_count + 1))
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_skipped=$((test_skipped + 1))
		say "ok $test_count # skip $desc (missing $prereq${test_prereq_reason:+: $test_prereq_reason})"
		return 0
	fi
	log=$TRASH/.test-$test_count.log
	test_cleanup=:
	if [ -n "$VERBOSE" ]; then
		eval "$body" </dev/null
	else
		eval "$body" </dev/null >"$log" 2>&1
	fi
	rc=$?
	eval "$test_cleanup" >/dev/null 2>&1
	if [ $rc = 0 ]; then
		say "ok $test_count - $desc"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $desc"
		say "#	$(printf '%s' "$body" | sed '2,$s/^/#	/')"
		[ -f "$log" ] && sed 's/^/# > /' "$log" | tail -n 40
	fi
}

# Skips the whole script (no tests run), with a reason.
test_skip_all() {
	say "1..0 # SKIP $*"
	exit 0
}

test_done() {
	say "1..$test_count"
	[ $test_failed = 0 ] || exit 1
	exit 0
}

# Runs a command that must fail normally: exit 1..125, not a signal.
test_must_fail() {
	"$@"
	local rc=$?
	if [ $rc = 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $rc -gt 125 ]; then
		echo "test_must_fail: command died (exit $rc): $*" >&2
		return 1
	fi
	return 0
}

# Runs a command that must exit with exactly the given code.
test_expect_code() {
	local want=$1 rc
	shift
	"$@"
	rc=$?
	[ $rc = "$want" ] && return 0
	echo "test_expect_code: expected $want, got $rc: $*" >&2
	return 1
}

test_cmp() { diff -u "$1" "$2"; }

# Fails with a message when a file is not empty.
test_must_be_empty() {
	if [ -s "$1" ]; then
		echo "'$1' is not empty:" >&2
		cat "$1" >&2
		return 1
	fi
}

# Polls a command every 0.1 s until it succeeds, for at most $1 seconds
# of wall time: a command slow to answer (cws-cat over a capture that
# grows by megabytes a second) is not given $1 * 10 more tries. Tools
# under valgrind run many times slower: CWS_TEST_TIMEOUT_SCALE (a whole
# number, 1 by default) multiplies the wait.
test_wait_until() {
	local end=$((${EPOCHREALTIME/./} + $1 * ${CWS_TEST_TIMEOUT_SCALE:-1} * 1000000))
	shift
	until eval "$*" >/dev/null 2>&1; do
		if [ "${EPOCHREALTIME/./}" -ge "$end" ]; then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.1
	done
}
