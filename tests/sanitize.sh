#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The e2e suite against instrumented tools (make check-asan, make
# check-valgrind), ending with the summary line of tests/run.sh:
#
#   O=build/asan tests/sanitize.sh asan [tNNNN-name...]
#   O=build tests/sanitize.sh valgrind [tNNNN-name...]
#
# asan: $O is a tree built with SANITIZE=address,undefined (tools and
# test helpers). ASan, UBSan and LeakSanitizer write their reports
# under $O/test-logs/asan/<script>/ (log_path: a stage that `cws run`
# starts writes there too, whatever becomes of its stderr). UBSan is
# fatal (-fno-sanitize-recover=all). LeakSanitizer checks every process
# that never restricts itself; a process that becomes cws_user or loads
# its seccomp list turns it off (lib/sandbox.c says why), and
# check-valgrind checks those for leaks. A report fails the script's
# run even when every test of it passed. Waits are scaled by
# CWS_TEST_TIMEOUT_SCALE, 3 unless set. Copies of the source a test
# makes (the package's build tree under deb/) are not searched for
# reports: this script's own patterns are in them.
#
# valgrind: $O is a plain tree. Every tool runs under memcheck through
# a wrapper script in $O/valgrind/sbin, which is the tests' CWS_BUILD
# (first on PATH). `cws run` starts its stages by the path front_tool()
# finds next to /proc/self/exe (valgrind shows the client's there), then
# in ../sbin and ../bin: each real binary sits alone in a directory of
# its own, $O/valgrind/<tool>.real/, so that the first place cws looks
# holds no tool and the second is the wrappers' sbin: every stage that
# `cws run` starts is under valgrind too. A process's verdict is its
# log, $O/test-logs/valgrind/<script>/<tool>.<pid>.log: "ERROR SUMMARY:
# 0 errors" (definite leaks count as errors). A test that fails is not
# a valgrind error: tools run 20 to 50 times slower (waits are scaled
# by CWS_TEST_TIMEOUT_SCALE, 10 unless set, not every timeout of every
# script is), and the summary tells failures that timed out from others.
# The run fails only when a process had valgrind errors.
# Read whole before it runs (the braces): an edit during a run of an
# hour must not change the running script under bash's feet.
{
set -u
cd "$(dirname "$0")/.." || exit 2
mode=${1:-}
shift
case $mode in asan | valgrind) ;; *)
	echo "usage: tests/sanitize.sh asan|valgrind [tNNNN-name...]" >&2
	exit 2
	;;
esac
O=${O:-build}
case $O in /*) ;; *) O=$PWD/$O ;; esac
export CWS_SRC=$PWD CWS_TEST_SANITIZER=$mode
logdir=$O/test-logs/$mode
rm -rf "$logdir" && mkdir -p "$logdir" || exit 1
. tests/tap.sh
passed=0 failed=0 skipped=0

# Sanitizer reports, in one process's log or a test's output.
san_re='ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer'
san_re="$san_re|LeakSanitizer has encountered|Sanitizer: CHECK failed"
san_re="$san_re|ERROR: Can't open file"

# The tools the wrappers run; cws-probe is not one of them (see below).
tools="cws cws-filter cws-ship cws-cat cws-flare"

# The valgrind tree: a copy of each tool alone in its directory (a
# symlink would put the plain tree in /proc/self/exe), a wrapper each.
make_valgrind_tree() {
	local v=$O/valgrind t
	rm -rf "$v" && mkdir -p "$v/sbin/tests" || return 1
	ln -s "$O/tests/helpers" "$v/sbin/tests/helpers"
	for t in $tools; do
		mkdir -p "$v/$t.real" && cp "$O/$t" "$v/$t.real/$t" || return 1
		cat >"$v/sbin/$t" <<-EOF
			#!/bin/sh
			# $t under valgrind (tests/sanitize.sh wrote this).
			exec valgrind --tool=memcheck --vgdb=no --error-exitcode=99 \\
				--leak-check=full --errors-for-leak-kinds=definite \\
				--log-file="\${CWS_VALGRIND_LOGS:-/tmp}/$t.%p.log" \\
				"$v/$t.real/$t" "\$@"
		EOF
		chmod 755 "$v/sbin/$t"
	done
	# cws-probe runs unwrapped: see the note at the end of this file.
	mkdir -p "$v/cws-probe.real" &&
		cp "$O/cws-probe" "$v/cws-probe.real/" &&
		ln -s ../cws-probe.real/cws-probe "$v/sbin/cws-probe"
}

# A directory every process of a script can write its reports to, those
# that became cws_user included.
script_logs() {
	local d=$logdir/$1 p
	mkdir -p "$d" && chmod 1777 "$d" || return 1
	p=$d
	while [ "$p" != / ]; do
		p=$(dirname "$p")
		[ -n "$(find "$p" -maxdepth 0 -perm -o+x)" ] || chmod o+x "$p"
	done
	echo "$d"
}

case $mode in
asan)
	# A make of a test (t0010's make install) builds as this tree was
	# built, not a plain object over an instrumented one.
	export CWS_BUILD=$O SANITIZE=address,undefined
	# ASan's tools and helpers run a few times slower, and map far
	# more (t3300's rules see every mmap of its instrumented triggers).
	export CWS_TEST_TIMEOUT_SCALE=${CWS_TEST_TIMEOUT_SCALE:-3}
	for t in $tools cws-probe; do
		[ -x "$O/$t" ] || { echo "no $O/$t: build it first" >&2; exit 2; }
	done
	;;
valgrind)
	command -v valgrind >/dev/null || { echo "no valgrind" >&2; exit 2; }
	make_valgrind_tree || exit 2
	export CWS_BUILD=$O/valgrind/sbin
	export CWS_TEST_TIMEOUT_SCALE=${CWS_TEST_TIMEOUT_SCALE:-10}
	;;
esac

scripts=()
if [ $# = 0 ]; then
	scripts=(tests/e2e/t[0-9]*.sh)
else
	for n; do scripts+=(tests/e2e/"${n%.sh}".sh); done
fi

reports=0 procs=0 vg_bad=0 vg_nosum=0 slow=0 other=0
for t in "${scripts[@]}"; do
	[ -f "$t" ] || { echo "no $t" >&2; exit 2; }
	name=$(basename "$t" .sh)
	d=$(script_logs "$name") || exit 1
	log=$logdir/$name.log
	f0=$failed
	case $mode in
	asan)
		ASAN_OPTIONS=log_path=$d/asan:log_exe_name=1:detect_leaks=1 \
		UBSAN_OPTIONS=log_path=$d/asan:log_exe_name=1:print_stacktrace=1:halt_on_error=1 \
			bash "$t" >"$log" 2>&1
		count_tap "e2e/$name" "$log" $?
		# Reports in the log files, or on a stderr a test kept.
		bad=$(grep -lE "$san_re" "$d"/* 2>/dev/null | wc -l)
		bad=$((bad + $(grep -rlIE --exclude-dir=deb "$san_re" "$log" "$CWS_BUILD/trash/$name" \
			2>/dev/null | wc -l)))
		if [ "$bad" != 0 ]; then
			reports=$((reports + bad))
			failed=$((failed + 1))
			echo "FAIL  asan/$name: sanitizer reports in $bad files"
			grep -rhE -A12 "$san_re" "$d" 2>/dev/null | head -n 40 |
				sed 's/^/      /'
		fi
		;;
	valgrind)
		CWS_VALGRIND_LOGS=$d bash "$t" >"$log" 2>&1
		count_tap "e2e/$name" "$log" $?
		# The failed tests of this script: timed out, or other.
		n=$(grep -cE '^not ok [0-9]+' "$log")
		s=$(awk 'function end() { if (f && t) n++; f = t = 0 }
			/^not ok [0-9]+/ { end(); f = 1; next }
			/^(ok [0-9]+|1\.\.)/ { end(); next }
			f && /timed out|Terminated|exit(ed)? 124/ { t = 1 }
			END { end(); print n + 0 }' "$log")
		slow=$((slow + s)) other=$((other + n - s))
		for l in "$d"/*.log; do
			[ -f "$l" ] || continue
			procs=$((procs + 1))
			if grep -qE "^valgrind: .*(Assertion|impossible)" "$l"; then
				vg_bad=$((vg_bad + 1))
				echo "FAIL  valgrind/$name: $(basename "$l"): valgrind itself failed"
				grep -E -A3 "^valgrind: " "$l" | head -n 8 | sed 's/^/      /'
			elif grep -q 'ERROR SUMMARY: 0 errors' "$l"; then
				:
			elif grep -q 'ERROR SUMMARY:' "$l"; then
				vg_bad=$((vg_bad + 1))
				echo "FAIL  valgrind/$name: $(basename "$l"): $(
					grep -o 'ERROR SUMMARY: [0-9]* errors' "$l")"
				grep -E -A14 '^==[0-9]+== [A-Z].*(Invalid|uninitiali|definitely lost|Syscall param|Mismatched|overlap)' \
					"$l" | head -n 30 | sed 's/^/      /'
			else
				vg_nosum=$((vg_nosum + 1))
			fi
		done
		;;
	esac
	[ "$failed" = "$f0" ] || echo "      (logs: $log, $d)"
done

case $mode in
asan)
	echo "asan: $reports files with sanitizer reports"
	;;
valgrind)
	echo "valgrind: $procs processes, $vg_bad with errors," \
		"$vg_nosum without a summary (exec'd another program, or killed);" \
		"$slow failed tests timed out, $((other)) failed otherwise"
	;;
esac
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped" |
	tee "$logdir/summary"
case $mode in
asan) [ "$failed" = 0 ] ;;
valgrind) [ "$vg_bad" = 0 ] ;;
esac
exit
}

# cws-probe is not run under valgrind in the suite. It runs there (the
# programs load, events flow), but valgrind models bpf(2) only in part:
# it warns of commands it does not know (BTF_GET_NEXT_ID, PROG_BIND_MAP)
# and takes what the kernel writes for them as uninitialised, and it
# checks union bpf_attr fields that libbpf leaves unset for the command
# at hand: reports inside libbpf that are not cws's. And at 20 to 50
# times slower the probe cannot keep up with the machine's events: the
# ring buffer overflows and the probe tests fail for loss, not for
# memory. A manual run of cws-probe under valgrind is in
# docs/RELIABILITY.md ("Sanitizers and valgrind").
