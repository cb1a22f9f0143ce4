#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# What a tracer costs the workload it watches, cws-probe beside its peers,
# measured side by side in one run (bench/run.sh calls this; so does
# `make bench`). Needs root; every tracer that is missing is skipped with
# the reason, never a failure.
#
# 1. The loops of bench/workload_bench.c (open, enoent, exec, create,
#    rename), bare and under each tracer, interleaved round by round:
#    bare, floor-rawtp, floor-ringbuf, cws, cws-default, ..., bare, ...
#    Each tracer is started, waited for until its BPF programs are
#    attached (or auditd's rules loaded), given SETTLE seconds, then the
#    loops run and it is stopped. Two tables, wall time and CPU time per
#    operation, give per loop the median bare and the ratio
#    median(tracer) / median(bare) for each tracer.
#
#    The loops' files are on a tmpfs that this script mounts on a fresh
#    /run/cws-bench.XXXXXX and unmounts at exit: no rule of Datadog's
#    default policy watches there (its O_CREAT rules watch /tmp, /dev/shm,
#    /var/tmp, /etc, /usr, /home, /root...), so cws-default's columns are
#    the cost of the paths no rule watches.
#
#      floor-rawtp    bench/floor_bench -m empty: an empty program on the
#                     sys_exit raw tracepoint, the cost of being hooked
#      floor-ringbuf  bench/floor_bench -m ringbuf: the same hook writing a
#                     64-byte record per exit of the file and exec calls,
#                     batched as cws-probe batches, read and counted
#      cws       cws-probe --events open,exec,unlink,rename >/dev/null:
#                everything captured (no --events when it has no such
#                option; the types it has no programs for are reported)
#      cws-default
#                cws-probe -p DIR -c CFG >/dev/null, DIR holding Datadog's
#                default policy 1.69.3 alone (../shared/fixtures), kernel
#                approvers and discarders on. CFG gives a run_path: after
#                each loop the script waits for the probe's next status
#                file (every 2 s) and takes, from its kernel_filters, what
#                the loop's event types were seen and dropped; a third
#                table gives the share dropped in the kernel.
#      cws-default-off
#                the same with -A -D (--no-approvers --no-discarders):
#                everything the policy's event types see goes to user
#                space, where the probe drops nothing either
#      bpftrace  every openat with pid, comm and path (sys_enter_openat +
#                sys_exit_openat), printf to /dev/null
#      libbpf    libbpf-tools' opensnoop for the file loops, execsnoop for
#                exec, to /dev/null
#      auditd    a private auditd (own config, log in a temporary directory
#                on disk, Debian's settings otherwise) with one rule:
#                -a always,exit -F arch=b64 -S open,openat,openat2,creat,
#                execve,execveat,unlink,unlinkat,rename,renameat,renameat2
#
# 2. A flood: FLOOD_PROCS processes opening files as fast as they can for
#    FLOOD_SECONDS, bare and then under cws-probe, whose stream goes to a
#    file on tmpfs. Offered is the workload's own count, captured the open
#    events of the workload's files in the stream, lost what the stream's
#    lost records attribute to open from a marker on; captured + lost must
#    equal offered. An excess is reported (the lost records cannot say
#    whose opens they lost: other processes' count too); a shortfall, an
#    event gone uncounted, fails the script. The probe's peak RSS (VmHWM)
#    is read at the end of the flood.
#    With FLOOD_PIPELINE=1 a second flood runs under the whole pipeline,
#    cws-probe | cws-filter -p DIR (the default policy) | cws-ship -o
#    /dev/null (the messages written, not sent), for the peak RSS of each
#    stage and what cws-filter read (its status file).
#
# The audit subsystem, once enabled, gives every task created afterwards
# an audit context, until reboot: each system call then takes the slow
# path (about +45 ns on this VM). So that the other columns are not
# charged for auditd's, a "never,task" rule is loaded whenever auditd is
# not being measured, and only if the machine has no audit rules and
# auditing off to begin with. Everything is put back at exit: rules
# removed, the enabled flag and backlog limit restored, auditd stopped.
#
# Environment: O (build directory, default build), ROUNDS (5), LOOPS,
# TRACERS (floor-rawtp floor-ringbuf cws cws-default cws-default-off
# bpftrace libbpf auditd: a subset makes a shorter run), POLICY (the
# default policy's file), N_OPEN, N_ENOENT, N_EXEC, N_CREATE,
# N_RENAME (operations per loop), AUDIT_DIV (4: auditd's file loops run
# that many times fewer), SETTLE (0.5 s), FLOOD_SECONDS (3),
# FLOOD_PROCS (2), FLOOD=0 to skip the flood, FLOOD_PIPELINE (0),
# FLOOD_PROBE_ARGS (more options for cws-probe in the floods, e.g. -b 256M).
set -u
cd "$(dirname "$0")/.." || exit 2
O=${O:-build}
ROUNDS=${ROUNDS:-5}
LOOPS=${LOOPS:-open enoent exec create rename}
ALL_TRACERS="floor-rawtp floor-ringbuf cws cws-default cws-default-off bpftrace libbpf auditd"
TRACERS=${TRACERS:-$ALL_TRACERS}
POLICY=${POLICY:-../shared/fixtures/datadog-policies/default-1.69.3.policy}
N_OPEN=${N_OPEN:-200000}
N_ENOENT=${N_ENOENT:-200000}
N_EXEC=${N_EXEC:-1000}
N_CREATE=${N_CREATE:-50000}
N_RENAME=${N_RENAME:-100000}
SETTLE=${SETTLE:-0.5}
FLOOD=${FLOOD:-1}
FLOOD_SECONDS=${FLOOD_SECONDS:-3}
FLOOD_PROCS=${FLOOD_PROCS:-2}
FLOOD_PIPELINE=${FLOOD_PIPELINE:-0}
FLOOD_PROBE_ARGS=${FLOOD_PROBE_ARGS:-}
AUDIT_DIV=${AUDIT_DIV:-4}
CWS_EVENTS=open,exec,unlink,rename
AUDIT_KEY=cws-bench
AUDIT_SYSCALLS="open openat openat2 creat execve execveat unlink unlinkat rename renameat renameat2"

PROBE=$O/cws-probe
WORKLOAD=$O/bench/workload_bench
EVCOUNT=$O/bench/evcount_bench
FLOOR=$O/bench/floor_bench

say() { printf '%s\n' "$*"; }
warn() { printf 'probe.sh: %s\n' "$*" >&2; }

echo "== tracer overhead: workload loops bare and under each tracer, interleaved"
if [ "$(id -u)" != 0 ]; then
	say "skipped: needs root (tracers load BPF programs and audit rules)"
	exit 0
fi
for f in "$WORKLOAD" "$EVCOUNT"; do
	if [ ! -x "$f" ]; then
		say "skipped: $f is not built (make $f)"
		exit 0
	fi
done

# A tmpfs of our own, on a path no rule of the default policy watches.
tmp=$(mktemp -d /run/cws-bench.XXXXXX) || exit 1
# The kernel reports physical paths: no symlink in what the counts match.
tmp=$(cd "$tmp" && pwd -P) || exit 1
if ! mount -t tmpfs -o mode=0700 cws-bench "$tmp"; then
	say "skipped: cannot mount a tmpfs on $tmp"
	rmdir "$tmp"
	exit 0
fi
audit_dir= tracer_pid= tracer_name= auditd_pid=
audit_saved= audit_enabled0= audit_backlog0= never_task=

# --- cleanup: whatever is running or loaded goes back as it was ---------

audit_value() { auditctl -s 2>/dev/null | sed -n "s/^$1 \([0-9]*\).*/\1/p"; }

audit_rules_del() {
	auditctl -D -k "$AUDIT_KEY" >/dev/null 2>&1
}

never_task_on() {
	[ -n "$never_task" ] || return 0
	auditctl -a never,task >/dev/null 2>&1
}

never_task_off() {
	[ -n "$never_task" ] || return 0
	while auditctl -d never,task >/dev/null 2>&1; do :; done
}

stop_auditd() {
	[ -n "$auditd_pid" ] || return 0
	kill -TERM "$auditd_pid" 2>/dev/null
	wait "$auditd_pid" 2>/dev/null
	auditd_pid=
}

cleanup() {
	stop_tracer 2>/dev/null
	if [ -n "$audit_saved" ]; then
		audit_rules_del
		never_task_off
		stop_auditd
		auditctl -b "$audit_backlog0" >/dev/null 2>&1
		auditctl -e "$audit_enabled0" >/dev/null 2>&1
	fi
	[ -n "$audit_dir" ] && rm -rf "$audit_dir"
	umount "$tmp" && rmdir "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers -------------------------------------------------------------

iters() {
	case $1 in
	open) echo "$N_OPEN" ;; enoent) echo "$N_ENOENT" ;;
	exec) echo "$N_EXEC" ;; create) echo "$N_CREATE" ;;
	rename) echo "$N_RENAME" ;;
	esac
}

# The event type a loop is about, for the "records nothing" mark.
loop_event() {
	case $1 in
	open | enoent | create) echo open ;; *) echo "$1" ;;
	esac
}

median() { printf '%s\n' "$@" | sort -g | sed -n "$((($# + 1) / 2))p"; }

# Runs one loop of the workload ($2: divide the count by this); prints its
# ns per operation, wall and CPU.
run_loop() {
	local out n
	n=$(($(iters "$1") / ${2:-1}))
	[ "$n" -ge 1 ] || n=1
	out=$("$WORKLOAD" -l "$1" -n "$n" -d "$tmp") || return 1
	printf '%s\n' "$out" |
		sed -n 's/.* ns_per_op=\([0-9.]*\) .* cpu_ns_per_op=\([0-9.]*\).*/\1 \2/p'
}

# The anonymous inodes a process holds: BPF programs, links, perf events.
anon_fds() {
	local f
	for f in "/proc/$1/fd/"*; do readlink "$f"; done 2>/dev/null |
		grep '^anon_inode:' | sort | tr '\n' ' '
}

# Waits until process $1 holds BPF programs or links and has stopped
# opening new ones for 0.3 s, then SETTLE seconds more; fails if it dies
# or is not attached within 60 s (bpftrace compiles its script first).
wait_attached() {
	local pid=$1 i prev= cur same=0
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || return 1
		cur=$(anon_fds "$pid")
		case $cur in *bpf-prog* | *bpf_link* | *bpf-link*) ;; *) cur= ;; esac
		if [ -n "$cur" ] && [ "$cur" = "$prev" ]; then
			same=$((same + 1))
			if [ $same -ge 3 ]; then
				sleep "$SETTLE"
				kill -0 "$pid" 2>/dev/null
				return
			fi
		else
			same=0
		fi
		prev=$cur
		sleep 0.1
	done
	return 1
}

# Starts a tracer in the background, stdout to $1, stderr to a log, and
# waits for it to attach. Sets tracer_pid.
start_tracer() {
	local out=$1 name=$2
	shift 2
	tracer_name=$name
	"$@" >"$out" 2>"$tmp/$name.err" &
	tracer_pid=$!
	if ! wait_attached "$tracer_pid"; then
		warn "$name did not attach: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')"
		stop_tracer
		return 1
	fi
}

# Stops the tracer with SIGINT (every one of them flushes and exits 0 on
# it); fails if it had died before, or exits with an error now.
stop_tracer() {
	local rc=0 i
	[ -n "$tracer_pid" ] || return 0
	if ! kill -INT "$tracer_pid" 2>/dev/null; then
		warn "$tracer_name died while the workload ran: $(tail -n 3 "$tmp/$tracer_name.err" | tr '\n' ' ')"
		rc=1
	fi
	for ((i = 0; i < 100; i++)); do
		kill -0 "$tracer_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$tracer_pid" 2>/dev/null
	wait "$tracer_pid" || rc=1
	tracer_pid= tracer_name=
	return $rc
}

# --- which tracers are here ------------------------------------------------

have=() notes=()
declare -A skip_why records

# cws-probe: the event types it can attach; does it capture opens?
cws_args=()
cws_types=
probe_cws() {
	local e list= missing=
	if [ ! -x "$PROBE" ]; then
		skip_why[cws]="$PROBE is not built"
		return 1
	fi
	if ! "$PROBE" -n >/dev/null 2>"$tmp/cws.err"; then
		skip_why[cws]="cws-probe -n fails: $(tail -n 1 "$tmp/cws.err")"
		return 1
	fi
	if "$PROBE" -h 2>/dev/null | grep -q -- '-e events'; then
		# A list is accepted when one of its types has programs: ask
		# for each type alone to learn which ones do.
		for e in ${CWS_EVENTS//,/ }; do
			if "$PROBE" --events "$e" -n >/dev/null 2>&1; then
				list=$list${list:+,}$e
			else
				missing="$missing $e"
			fi
		done
		if [ -z "$list" ]; then
			skip_why[cws]="cws-probe attaches none of $CWS_EVENTS"
			return 1
		fi
		cws_args=(--events "$CWS_EVENTS")
		"$PROBE" "${cws_args[@]}" -n >/dev/null 2>&1 ||
			cws_args=(--events "$list")
		cws_types=${list//,/ }
		[ -n "$missing" ] &&
			notes+=("cws-probe has no programs yet for:$missing (pending)")
	else
		cws_types='exec'
		notes+=("cws-probe has no --events option yet: ran with its default event set")
	fi
	# Do opens come out? Asked by doing one.
	case " $cws_types " in *" open "*)
		: >"$tmp/cws-open-check"
		if start_tracer "$tmp/check.mp" cws "$PROBE" "${cws_args[@]}"; then
			cat "$tmp/cws-open-check"
			sleep 0.2
			stop_tracer
		fi
		if ! "$EVCOUNT" -e open -p "$tmp/cws-open-check" "$tmp/check.mp" |
			grep -q ' matched=[1-9]'; then
			cws_types=$(printf '%s\n' $cws_types | grep -vx open | tr '\n' ' ')
			notes+=("cws-probe reported no event for a test open")
		fi
		;;
	esac
	records[cws]=$cws_types
	say "cws:      $PROBE ${cws_args[*]} >/dev/null"
}

# The floors: one program of bench/floor.bpf.c on the sys_exit raw
# tracepoint, loaded by bench/floor_bench ($1 the tracer, $2 its mode).
probe_floor() {
	local t=$1 m=$2
	if [ ! -x "$FLOOR" ]; then
		skip_why[$t]="$FLOOR is not built (make $FLOOR)"
		return 1
	fi
	if ! "$FLOOR" -n -m "$m" >/dev/null 2>"$tmp/$t.err"; then
		skip_why[$t]="floor_bench -n -m $m fails: $(tail -n 1 "$tmp/$t.err")"
		return 1
	fi
	case $m in
	empty)
		records[$t]=
		say "$t: $FLOOR -m empty (an empty raw_tp/sys_exit program)"
		;;
	ringbuf)
		records[$t]="open exec unlink rename"
		say "$t: $FLOOR -m ringbuf (raw_tp/sys_exit, a 64-byte record per"
		say "          exit of open, openat, openat2, creat, unlink, unlinkat, rename,"
		say "          renameat, renameat2, execve, execveat; batched wake-ups; read)"
		;;
	esac
}

# cws-probe with the default policy, $1 the tracer: its options are in
# cws_args_<tracer>, its status file is $tmp/run-<tracer>/cws-probe.json.
POLDIR=$tmp/policy
cws_args_cws_default=(-p "$POLDIR" -c "$tmp/cws-default.yaml")
cws_args_cws_default_off=(-p "$POLDIR" -c "$tmp/cws-default-off.yaml" -A -D)
probe_cws_policy() {
	local t=$1 run=$tmp/run-$1
	local -n args=cws_args_${1//-/_}
	if [ ! -x "$PROBE" ]; then
		skip_why[$t]="$PROBE is not built"
		return 1
	fi
	if [ ! -r "$POLICY" ]; then
		skip_why[$t]="$POLICY is missing (the fixtures live in ../shared)"
		return 1
	fi
	if ! command -v jq >/dev/null; then
		skip_why[$t]="jq is missing (the kernel filters' counters are read with it)"
		return 1
	fi
	# The policy alone in its directory, as cws-filter would be given it.
	mkdir -p "$POLDIR" "$run" &&
		cp "$POLICY" "$POLDIR/default.policy" &&
		printf 'run_path: %s\n' "$run" >"$tmp/$t.yaml" || return 1
	if ! "$PROBE" "${args[@]}" -n >/dev/null 2>"$tmp/$t.err"; then
		skip_why[$t]="cws-probe ${args[*]} -n fails: $(tail -n 1 "$tmp/$t.err")"
		return 1
	fi
	records[$t]="open exec unlink rename"
	say "$t: $PROBE ${args[*]} >/dev/null"
	say "          (policy: $POLICY; config: run_path $run)"
}

# An ELF executable, not a same-named script of another tool set (BCC).
find_libbpf_tool() {
	local t=$1 c
	for c in "$(command -v "$t" 2>/dev/null)" "$(command -v "libbpf-$t" 2>/dev/null)" \
		/usr/sbin/"$t" /usr/bin/"$t" /usr/sbin/libbpf-"$t" /usr/share/libbpf-tools/"$t"; do
		[ -n "$c" ] && [ -x "$c" ] || continue
		[ "$(head -c 4 "$c" | tr -d '\0' | tail -c 3)" = ELF ] || continue
		echo "$c"
		return 0
	done
	return 1
}

BT_SCRIPT=$tmp/opens.bt
probe_bpftrace() {
	BPFTRACE=$(command -v bpftrace) || {
		skip_why[bpftrace]="bpftrace is not installed (Debian package bpftrace)"
		return 1
	}
	cat >"$BT_SCRIPT" <<'EOF'
tracepoint:syscalls:sys_enter_openat
{
	@path[tid] = args->filename;
}

tracepoint:syscalls:sys_exit_openat
/@path[tid]/
{
	printf("%d %s %d %s\n", pid, comm, args->ret, str(@path[tid]));
	delete(@path[tid]);
}
EOF
	records[bpftrace]=open
	say "bpftrace: $BPFTRACE ($("$BPFTRACE" --version 2>/dev/null | tr -d '\n')), openat enter+exit, printf pid comm ret path >/dev/null"
}

probe_libbpf() {
	OPENSNOOP=$(find_libbpf_tool opensnoop) || OPENSNOOP=
	EXECSNOOP=$(find_libbpf_tool execsnoop) || EXECSNOOP=
	if [ -z "$OPENSNOOP$EXECSNOOP" ]; then
		skip_why[libbpf]="libbpf-tools' opensnoop and execsnoop not found (Debian package libbpf-tools)"
		return 1
	fi
	records[libbpf]="${OPENSNOOP:+open }${EXECSNOOP:+exec}"
	say "libbpf:   ${OPENSNOOP:-no opensnoop} (file loops), ${EXECSNOOP:-no execsnoop} (exec) >/dev/null"
}

# The audit state as found, to put back at exit; and the never,task rule,
# which only a machine with auditing off and no rules gets. Whether or not
# auditd is measured: the latch may have been set by an earlier run.
audit_setup() {
	local n
	command -v auditctl >/dev/null || return 0
	audit_enabled0=$(audit_value enabled)
	audit_backlog0=$(audit_value backlog_limit)
	[ -n "$audit_enabled0" ] && [ -n "$audit_backlog0" ] || return 0
	audit_saved=1
	n=$(auditctl -l 2>/dev/null | grep -vc '^No rules')
	if [ "$audit_enabled0" = 0 ] && [ "$n" = 0 ] &&
		[ "$(audit_value pid)" = 0 ]; then
		never_task=1
		never_task_on
		say "audit:    a never,task rule is loaded except while auditd is measured"
	else
		say "audit:    auditing is on here (enabled $audit_enabled0, $n rules): every column pays for it"
	fi
}

probe_auditd() {
	local pid
	if ! command -v auditctl >/dev/null || ! command -v auditd >/dev/null; then
		skip_why[auditd]="auditd or auditctl not installed (Debian package auditd)"
		return 1
	fi
	pid=$(audit_value pid)
	if [ -z "$audit_saved" ]; then
		skip_why[auditd]="auditctl -s fails: the kernel has no audit support"
		return 1
	fi
	if [ "$audit_enabled0" = 2 ]; then
		skip_why[auditd]="the audit configuration is locked (enabled 2)"
		return 1
	fi
	if [ "${pid:-0}" != 0 ]; then
		skip_why[auditd]="an auditd already runs (pid $pid): not flooding the machine's audit trail"
		return 1
	fi
	if [ ! -r /etc/audit/auditd.conf ]; then
		skip_why[auditd]="cannot read /etc/audit/auditd.conf"
		return 1
	fi
	audit_dir=$(mktemp -d /var/tmp/cws-bench-audit.XXXXXX) || return 1
	sed "s|^log_file = .*|log_file = $audit_dir/audit.log|" \
		/etc/audit/auditd.conf >"$audit_dir/auditd.conf" || return 1
	chmod 0640 "$audit_dir/auditd.conf"
	records[auditd]="open exec unlink rename"
	say "auditd:   $(command -v auditd) -n -c <tmp> (log on disk in $audit_dir), -b 8192,"
	say "          file loops with 1/$AUDIT_DIV of the operations,"
	say "          rule -a always,exit -F arch=b64 -S ${AUDIT_SYSCALLS// /,}"
}

start_auditd() {
	local i s
	never_task_off
	auditctl -b 8192 >/dev/null
	auditd -n -c "$audit_dir" >/dev/null 2>"$tmp/auditd.err" &
	auditd_pid=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(audit_value pid)" = "$auditd_pid" ] && break
		kill -0 "$auditd_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$(audit_value pid)" != "$auditd_pid" ]; then
		warn "auditd did not register: $(tail -n 3 "$tmp/auditd.err" | tr '\n' ' ')"
		stop_auditd
		return 1
	fi
	for s in $AUDIT_SYSCALLS; do
		# Skip the names this auditctl or kernel does not know.
		auditctl -a always,exit -F arch=b64 -S "$s" -k "$AUDIT_KEY" \
			>/dev/null 2>&1
	done
	if ! auditctl -l | grep -q "key=$AUDIT_KEY"; then
		warn "auditctl did not load the rules"
		return 1
	fi
	sleep "$SETTLE"
}

stop_auditd_run() {
	audit_rules_del
	stop_auditd
	auditctl -b "$audit_backlog0" >/dev/null 2>&1
	auditctl -e "$audit_enabled0" >/dev/null 2>&1
	never_task_on
}

say "machine:  $(uname -sr), $(nproc) CPUs, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
say "files:    on a tmpfs mounted for this run on $tmp (no rule of the default policy watches it)"
audit_setup
for t in $TRACERS; do
	case $t in
	floor-rawtp) probe_floor "$t" empty && have+=("$t") ;;
	floor-ringbuf) probe_floor "$t" ringbuf && have+=("$t") ;;
	cws) probe_cws && have+=(cws) ;;
	cws-default) probe_cws_policy "$t" && have+=("$t") ;;
	cws-default-off) probe_cws_policy "$t" -A -D && have+=("$t") ;;
	bpftrace) probe_bpftrace && have+=(bpftrace) ;;
	libbpf) probe_libbpf && have+=(libbpf) ;;
	auditd) probe_auditd && have+=(auditd) ;;
	*) skip_why[$t]="unknown tracer ($ALL_TRACERS)" ;;
	esac
done
for t in "${!skip_why[@]}"; do
	say "skipped $t: ${skip_why[$t]}"
done

# --- the rounds -----------------------------------------------------------

results=$tmp/results
kf_results=$tmp/kf-results
: >"$results"
: >"$kf_results"

# Runs the loops under the current conditions, recording them as $1.
# auditd's file loops run AUDIT_DIV times fewer operations (at 30 to 80
# times the cost, the full count takes minutes; ns per operation does not
# depend on the count).
measure() {
	local as=$1 l ns div
	shift
	for l in "$@"; do
		div=1
		[ "$as" = auditd ] && [ "$l" != exec ] && div=$AUDIT_DIV
		ns=$(run_loop "$l" "$div") && [ -n "$ns" ] || {
			warn "workload loop $l failed under $as"
			return 1
		}
		echo "$as $l $ns" >>"$results"
	done
}

# The identity of a status file: it is replaced, never rewritten.
status_id() { stat -c '%i %.9Y' "$1" 2>/dev/null; }

# Waits for tracer $1's probe to write its status file once more (every
# 2 s), then prints its kernel filter counters, one line per event type:
# type seen dropped_by_approvers dropped_by_discarders
# discarded_in_user_space mode (its blanks and commas taken out). A type
# whose mode is "everything" is not judged, and not counted either.
kf_snapshot() {
	local f=$tmp/run-$1/cws-probe.json id i
	id=$(status_id "$f")
	for ((i = 0; i < 60; i++)); do
		sleep 0.1
		[ -n "$(status_id "$f")" ] && [ "$(status_id "$f")" != "$id" ] &&
			break
	done
	[ "$i" -lt 60 ] || warn "$1: no new status file in 6 s; counters may lag"
	jq -r '.kernel_filters.types // {} | to_entries[] | [.key, .value.seen,
		.value.dropped_by_approvers, .value.dropped_by_discarders,
		.value.discarded_in_user_space, (.value.mode | gsub(" |,"; ""))]
		| @tsv' "$f"
}

# measure, plus the kernel filters' counters of each loop: the difference
# between the status files written just before and just after it (what
# other processes did meanwhile counts too), to $kf_results as
# "tracer loop type seen approvers discarders user mode".
measure_kf() {
	local as=$1 l
	shift
	kf_snapshot "$as" >"$tmp/kf.before" || return 1
	for l in "$@"; do
		measure "$as" "$l" || return 1
		kf_snapshot "$as" >"$tmp/kf.after" || return 1
		awk -v as="$as" -v l="$l" 'NR == FNR { for (i = 2; i <= 5; i++) b[$1, i] = $i; next }
			{ printf "%s %s %s", as, l, $1
			  for (i = 2; i <= 5; i++) printf " %d", $i - b[$1, i]
			  printf " %s\n", $6 }' "$tmp/kf.before" "$tmp/kf.after" >>"$kf_results"
		mv "$tmp/kf.after" "$tmp/kf.before"
	done
}

# The loops a libbpf tool can be started for: opensnoop all but exec.
file_loops() { printf '%s\n' $LOOPS | grep -vx exec | tr '\n' ' '; }
has_exec_loop() { printf '%s\n' $LOOPS | grep -qx exec; }

slot() {
	case $1 in
	bare)
		measure bare $LOOPS
		;;
	floor-rawtp)
		start_tracer /dev/null "$1" "$FLOOR" -m empty &&
			{ measure "$1" $LOOPS; stop_tracer; }
		;;
	floor-ringbuf)
		# What it read and lost, every round.
		start_tracer "$tmp/floor.out" "$1" "$FLOOR" -m ringbuf &&
			{ measure "$1" $LOOPS; stop_tracer; } &&
			cat "$tmp/floor.out" >>"$tmp/floor.log"
		;;
	cws)
		start_tracer /dev/null cws "$PROBE" "${cws_args[@]}" &&
			{ measure cws $LOOPS; stop_tracer; }
		;;
	cws-default | cws-default-off)
		local -n args=cws_args_${1//-/_}
		start_tracer /dev/null "$1" "$PROBE" "${args[@]}" &&
			{ measure_kf "$1" $LOOPS; stop_tracer; }
		;;
	bpftrace)
		start_tracer /dev/null bpftrace "$BPFTRACE" "$BT_SCRIPT" &&
			{ measure bpftrace $LOOPS; stop_tracer; }
		;;
	libbpf)
		if [ -n "$OPENSNOOP" ] && [ -n "$(file_loops)" ]; then
			start_tracer /dev/null opensnoop "$OPENSNOOP" &&
				{ measure libbpf $(file_loops); stop_tracer; }
		fi
		if [ -n "$EXECSNOOP" ] && has_exec_loop; then
			start_tracer /dev/null execsnoop "$EXECSNOOP" &&
				{ measure libbpf exec; stop_tracer; }
		fi
		;;
	auditd)
		local rc=1
		start_auditd && measure auditd $LOOPS && rc=0
		stop_auditd_run
		return $rc
		;;
	esac
}

# How many BPF programs are on tracing hooks (tracepoints, raw
# tracepoints, kprobes, fentry...) when none of ours is: another session's
# tracer, a test of the probe, makes bare not bare and every column pay
# for it. The programs of a tracer just stopped go with their last
# reference, a little after it exits: waits up to 2 s for 0. Prints
# nothing when bpftool or jq is missing.
foreign_progs() {
	local i n
	command -v bpftool >/dev/null && command -v jq >/dev/null || return 0
	for ((i = 0; i < 20; i++)); do
		n=$(bpftool prog show -j 2>/dev/null | jq '[.[] | select(.type |
			test("tracepoint|tracing|kprobe|perf_event|lsm"))] | length')
		[ "${n:-0}" = 0 ] && break
		sleep 0.1
	done
	echo "${n:-0}"
}

foreign=0
note_foreign() {
	local n
	n=$(foreign_progs)
	[ -n "$n" ] && [ "$n" != 0 ] || return 0
	foreign=$((foreign + 1))
	notes+=("round $r, $1: $n BPF tracing programs of other processes were loaded")
}

say "rounds:   $ROUNDS, each: bare ${have[*]}; loops: $LOOPS"
for ((r = 1; r <= ROUNDS; r++)); do
	printf 'round %d/%d:' "$r" "$ROUNDS"
	for t in bare "${have[@]}"; do
		note_foreign "before $t"
		printf ' %s' "$t"
		slot "$t" || printf '(failed)'
	done
	note_foreign "at the end"
	printf '\n'
done
[ "$foreign" = 0 ] ||
	notes+=("other tracers were attached during the run ($foreign times): bare was not always bare, the ratios are not to be trusted")

# --- the tables -----------------------------------------------------------

# The values of column $3 (3: wall, 4: CPU) for tracer $1 and loop $2.
values() {
	awk -v t="$1" -v l="$2" -v c="$3" '$1 == t && $2 == l { print $c }' \
		"$results"
}

# A column as wide as its tracer's name, at least 9.
width() { local w=${#1}; echo $((w > 9 ? w : 9)); }

# One table: per loop, the bare median and spread, and each tracer's ratio.
table() {
	local col=$1 l t bm spread mark b v
	printf '%-8s %12s %7s' "$2" "bare ns/op" spread
	for t in "${have[@]}"; do printf ' %*s' "$(width "$t")" "$t"; done
	printf '\n'
	for l in $LOOPS; do
		mapfile -t b < <(values bare "$l" "$col")
		if [ ${#b[@]} = 0 ]; then
			printf '%-8s %12s\n' "$l" failed
			continue
		fi
		bm=$(median "${b[@]}")
		spread=$(printf '%s\n' "${b[@]}" | sort -g | awk -v m="$bm" \
			'NR == 1 { lo = $1 } { hi = $1 }
			 END { printf "%.0f%%", 100 * (hi - lo) / m }')
		printf '%-8s %12.1f %7s' "$l" "$bm" "$spread"
		for t in "${have[@]}"; do
			mapfile -t v < <(values "$t" "$l" "$col")
			if [ ${#v[@]} = 0 ]; then
				printf ' %*s' "$(width "$t")" -
				continue
			fi
			mark=
			case " ${records[$t]} " in
			*" $(loop_event "$l") "*) ;;
			*) mark='*' ;;
			esac
			printf ' %*s' "$(width "$t")" "$(awk -v a="$(median "${v[@]}")" -v b="$bm" \
				'BEGIN { printf "%.2f", a / b }')$mark"
		done
		printf '\n'
	done
}

say ""
table 3 "wall"
say ""
table 4 "CPU"
say ""
say "ratio: median ns/op under the tracer / median bare, $ROUNDS interleaved rounds"
say "       (load $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
say "wall:  elapsed time per operation, what the workload sees"
say "CPU:   user + system time of the workload's processes per operation: the"
say "       tracer's work in the workload's system calls, not the time other"
say "       processes took the CPU (nor auditd's backlog waits)"
say "spread: (max - min) / median of the bare rounds"
say "*: the tracer records no event of this loop's type: the cost of being attached"

# The kernel filters: per loop and event type, where the events went.
loop_types() {
	case $1 in
	open | enoent) echo open ;; create) echo open unlink ;; *) echo "$1" ;;
	esac
}
if [ -s "$kf_results" ]; then
	say ""
	say "kernel filters: events of the loop's types the probe's programs saw, summed"
	say "over the rounds, and the share dropped in the kernel (by approvers + by"
	say "discarders) and by the probe in user space"
	printf '%-15s %-8s %-7s %10s %10s %10s %10s %10s\n' tracer loop type \
		seen kernel approvers discarders "user space"
	for t in "${have[@]}"; do
		for l in $LOOPS; do
			for e in $(loop_types "$l"); do
				awk -v t="$t" -v l="$l" -v e="$e" '
				$1 == t && $2 == l && $3 == e {
					s += $4; a += $5; d += $6; u += $7; n++
					m = $8 }
				END {
					if (!n) exit
					if (m != "filtered") {
						printf "%-15s %-8s %-7s %10s  (mode %s: not judged, not counted)\n",
							t, l, e, "-", m
						exit
					}
					printf "%-15s %-8s %-7s %10d", t, l, e, s
					if (!s) { printf "\n"; exit }
					printf " %9.1f%% %9.1f%% %9.1f%% %9.1f%%\n",
						100 * (a + d) / s, 100 * a / s,
						100 * d / s, 100 * u / s
				}' "$kf_results"
			done
		done
	done
	say "seen counts every process's calls while the loop ran, and its warm-up"
	say "(1 % of the operations, at most 1000); each loop ran $ROUNDS times."
fi
if [ -s "$tmp/floor.log" ]; then
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] += kv[2] } }
		END { printf "note: floor-ringbuf read %d records in all (%.0f MB), lost %d\n",
			v["records"], v["bytes"] / 1e6, v["lost"] }' "$tmp/floor.log"
fi
for n in "${notes[@]}"; do say "note: $n"; done

# --- the flood --------------------------------------------------------------

[ "$FLOOD" = 1 ] || exit 0
say ""
say "== flood: $FLOOD_PROCS processes opening files for $FLOOD_SECONDS s, bare and under cws-probe"
flood() { # directory: prints the workload's line
	mkdir -p "$1" &&
		"$WORKLOAD" -l open -j "$FLOOD_PROCS" -t "$FLOOD_SECONDS" -w 0 -d "$1"
}
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

line=$(flood "$tmp/bare") || exit 1
say "bare:      $(field ops_per_s "$line" | awk '{ printf "%.0f", $1 }') opens/s offered"

case " ${have[*]} " in *" cws "*) ;; *)
	say "cws-probe: skipped (${skip_why[cws]:-not in TRACERS})"
	exit 0 ;;
esac
case " $cws_types " in *" open "*) ;; *)
	say "cws-probe: pending: it captures no open events yet"
	exit 0 ;;
esac

# Opens marker $1 and waits until the stream has it: the probe's pass that
# read it is over, and with it the lost records of what came before.
mark() {
	local i
	: >"$tmp/$1"
	: <"$tmp/$1"
	for ((i = 0; i < 100; i++)); do
		"$EVCOUNT" -m "$tmp/$1" "$tmp/flood.mp" | grep -q ' marker=yes' &&
			return 0
		sleep 0.1
	done
	warn "the open of $tmp/$1 did not reach the stream"
	return 1
}

say "cws-probe: $PROBE ${cws_args[*]} $FLOOD_PROBE_ARGS"
# shellcheck disable=SC2086 # options, split on purpose
start_tracer "$tmp/flood.mp" cws "$PROBE" "${cws_args[@]}" $FLOOD_PROBE_ARGS || exit 1
probe_pid=$tracer_pid
# Lost records after m2 are the flood's: see bench/evcount_bench.c.
mark m1 && mark m2 || { stop_tracer; exit 1; }
# Between the flood and the probe's stop nothing may open a file: the ring
# may be full, and a lost record cannot say whose open it lost. So the
# probe's CPU time is read from a descriptor opened before, by builtins.
exec 7<"/proc/$probe_pid/stat" 8<"/proc/$probe_pid/status"
line=$(flood "$tmp/flood") || { stop_tracer; exit 1; }
read -r -a stat <&7
probe_hwm=
while read -r k v _; do
	[ "$k" = VmHWM: ] && probe_hwm=$v
done <&8
exec 7<&- 8<&-
stop_tracer || exit 1
ticks=$((stat[13] + stat[14])) # utime + stime, in clock ticks
count=$("$EVCOUNT" -e open -p "$tmp/flood/" -m "$tmp/m2" "$tmp/flood.mp") ||
	exit 1

offered=$(field ops "$line")
ns=$(field ns "$line")
captured=$(field matched "$count")
lost=$(field lost_typed "$count")
others=$(($(field typed "$count") - captured))
size=$(stat -c %s "$tmp/flood.mp")
awk -v o="$offered" -v ns="$ns" -v c="$captured" -v l="$lost" \
	-v t="${ticks:-0}" -v hz="$(getconf CLK_TCK)" -v sz="$size" 'BEGIN {
	s = ns / 1e9
	printf "cws-probe: %.0f opens/s offered (%d in %.2f s)\n", o / s, o, s
	printf "           captured %d (%.2f %%, %.0f/s), lost %d (%.2f %%)\n",
		c, 100 * c / o, c / s, l, 100 * l / o
	printf "           stream %.0f MB, %.0f bytes/event; probe CPU %.2f s (%.0f %% of one CPU)\n",
		sz / 1e6, c ? sz / c : 0, t / hz, 100 * t / hz / s
}'
say "           cws-probe peak RSS (VmHWM) $(awk -v k="${probe_hwm:-0}" 'BEGIN { printf "%.1f", k / 1024 }') MB"
rm -f "$tmp/flood.mp"

say "           other processes' open events in the stream: $others"
[ "$(field lost_by_type "$count")" = yes ] ||
	say "note: the lost records carry no per-type counts: lost is all types"
if [ $((captured + lost)) = "$offered" ]; then
	say "accounting: captured + lost = offered ($offered): exact"
elif [ $((captured + lost)) -gt "$offered" ]; then
	say "accounting: captured + lost = offered + $((captured + lost - offered)): lost opens of other processes are counted too"
else
	say "accounting: MISMATCH: captured + lost = offered - $((offered - captured - lost)): events vanished uncounted"
	exit 1
fi

# --- the flood under the whole pipeline: each stage's peak RSS -------------

[ "$FLOOD_PIPELINE" = 1 ] || exit 0
say ""
say "== flood under cws-probe | cws-filter -p DIR | cws-ship -o /dev/null"
mkdir -p "$POLDIR" "$tmp/run-pipe" &&
	cp "$POLICY" "$POLDIR/default.policy" || exit 1
printf 'run_path: %s\nhostname: cws-bench\n' "$tmp/run-pipe" >"$tmp/pipe.yaml"
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
# shellcheck disable=SC2086
"$PROBE" "${cws_args[@]}" $FLOOD_PROBE_ARGS -q -c "$tmp/pipe.yaml" 2>"$tmp/pipe-probe.err" |
	"$O/cws-filter" -q -c "$tmp/pipe.yaml" -p "$POLDIR" 2>"$tmp/pipe-filter.err" |
	"$O/cws-ship" -q -c "$tmp/pipe.yaml" -o /dev/null 2>"$tmp/pipe-ship.err" &
pipe_last=$!
pids=()
# Each stage writes its status file once it runs; the probe's says
# running once its programs are attached.
for ((i = 0; i < 300; i++)); do
	sleep 0.1
	[ -s "$tmp/run-pipe/cws-filter.json" ] &&
		[ -s "$tmp/run-pipe/cws-ship.json" ] &&
		[ "$(jq -r .state "$tmp/run-pipe/cws-probe.json" 2>/dev/null)" = running ] &&
		break
done
for s in cws-probe cws-filter cws-ship; do
	pids+=("$(jq -r .pid "$tmp/run-pipe/$s.json" 2>/dev/null)")
done
if [ -z "${pids[0]}" ] || [ "${pids[0]}" = null ] || ! kill -0 "${pids[0]}"; then
	warn "the pipeline did not start: $(cat "$tmp"/pipe-*.err | tail -n 3 | tr '\n' ' ')"
	kill -INT "$pipe_last" 2>/dev/null
	exit 1
fi
sleep "$SETTLE"
line=$(flood "$tmp/flood-pipe") || exit 1
rss=()
for p in "${pids[@]}"; do rss+=("$(hwm "$p")"); done
kill -INT "${pids[0]}" 2>/dev/null
wait "$pipe_last"
filter_events=$(jq -r .events "$tmp/run-pipe/cws-filter.json" 2>/dev/null)
o=$(field ops "$line") ns=$(field ns "$line")
awk -v o="$o" -v ns="$ns" -v f="${filter_events:-0}" -v a="${rss[0]:-0}" \
	-v b="${rss[1]:-0}" -v c="${rss[2]:-0}" 'BEGIN {
	printf "offered %.0f opens/s (%d in %.2f s); cws-filter read %d events in all\n",
		o / (ns / 1e9), o, ns / 1e9, f
	printf "peak RSS (VmHWM) at the end of the flood: cws-probe %.1f MB, cws-filter %.1f MB, cws-ship %.1f MB\n",
		a / 1024, b / 1024, c / 1024
}'
