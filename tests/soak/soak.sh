#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The soak (make soak; docs/RELIABILITY.md): the whole chain under `cws run`
# for SOAK_MINUTES (30) on the real kernel, with
#
#  - a workload (soak-workload.c) of SOAK_RATE operations a second (6000),
#    one in SOAK_MATCH_EVERY (200) an open under w/m/<n> and one in
#    SOAK_EXEC_EVERY (600) an exec of w/bin/soak-true x<n>, both matched by
#    the soak policy, each carrying its own number n (the opens twice: by
#    their path, and by their path and process.comm);
#  - the test intake answering 503 for 2 to 3 minutes, then 200 for 2.5 to
#    4.5 minutes, and so on;
#  - cws-filter or cws-ship killed with SIGKILL every 45 to 105 s, at
#    random, during the first two thirds of the run (the last third is
#    left without kills, so that the memory of every stage, restarted
#    ones included, is measured over a long life: see RSS below);
#  - a policy reload every minute, alternately SIGHUP to cws run and a
#    rewrite of the policy file (watch_dir), which flips between two
#    variants so that the rules' digest changes;
#  - every 10 s: VmRSS and open fds of each stage (pids change when a
#    stage is restarted), written to samples.csv, and `cws status --json`
#    to status.jsonl.
#
# Short runs scale the intake's outages and the kill interval to the
# length (SOAK_MINUTES=6 is a fair smoke run). At the end the workload
# stops, the intake answers 200, the spool is waited for, cws run gets
# SIGTERM, and soak-check.py prints a verdict per check; the exit status
# is non-zero when one fails. Everything stays in the run's directory,
# printed at the start ($O/soak/<date>, or SOAK_DIR).
#
# Environment: O (the build directory), SOAK_MINUTES, SOAK_RATE,
# SOAK_MATCH_EVERY, SOAK_EXEC_EVERY, SOAK_SEED (bash's RANDOM, for a
# schedule that can be replayed), SOAK_DIR, and SOAK_FAULTS=0 for a
# baseline without any fault (its faults check fails: it is no soak).
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$src/$O ;; esac
minutes=${SOAK_MINUTES:-30}
rate=${SOAK_RATE:-6000}
match_every=${SOAK_MATCH_EVERY:-200}
exec_every=${SOAK_EXEC_EVERY:-600}
seed=${SOAK_SEED:-$$}
faults=${SOAK_FAULTS:-1}
RANDOM=$seed
dir=${SOAK_DIR:-$O/soak/$(date -u +%Y%m%dT%H%M%SZ)}
KEY=0123456789abcdef0123456789abcdef

die() {
	echo "soak: error: $*" >&2
	exit 2
}

[ "$(id -u)" = 0 ] || die "cws-probe needs root"
[ -r /sys/kernel/btf/vmlinux ] || die "cws-probe needs a kernel with BTF"
for t in cws cws-probe cws-filter cws-ship tests/helpers/cws-test-intake \
	tests/soak/soak-workload; do
	[ -x "$O/$t" ] || die "'$O/$t' is missing: make all helpers $O/tests/soak/soak-workload"
done
command -v jq >/dev/null || die "jq is missing"
command -v python3 >/dev/null || die "python3 is missing"
case $minutes in '' | *[!0-9]*) die "SOAK_MINUTES must be a number" ;; esac
[ "$minutes" -ge 3 ] || die "SOAK_MINUTES must be at least 3"

export PATH=$O:$O/tests/helpers:$O/tests/soak:$PATH
export CWS_CONFIG_DEFAULT=/nonexistent/cws.yaml
# shellcheck disable=SC2046
unset $(env | sed -n 's/^\(DD_[A-Za-z0-9_]*\)=.*/\1/p') 2>/dev/null
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY

rm -rf "$dir" && mkdir -p "$dir" || die "cannot make '$dir'"
cd "$dir" || exit 2
mkdir -p pol run spool log w/u w/m w/bin
cp /bin/true w/bin/soak-true
here=$(pwd -P)
secs=$((minutes * 60))

now_ms() { date +%s%3N; }
note() { echo "$(now_ms) $*" >>log/events.log; }
say() { echo "soak: $(date -u +%H:%M:%S) $*"; }

# policy A|B: the soak's rules; B has one rule more, which never matches,
# so that a rewrite changes the digest the probe and the filter agree on.
# soak_open_ctx matches what soak_open does only if cws-filter knows the
# process (comm comes from its process record): a match of soak_open
# without its twin was judged without its process.
policy() {
	{
		cat <<-EOF
			version: "1.0.$([ "$1" = B ] && echo 1 || echo 0)"
			rules:
			  - id: soak_open
			    expression: open.file.path =~ "$here/w/m/*"
			  - id: soak_open_ctx
			    expression: open.file.path =~ "$here/w/m/*" && process.comm == "soak-workload"
			  - id: soak_exec
			    expression: exec.file.path == "$here/w/bin/soak-true"
		EOF
		if [ "$1" = B ]; then
			cat <<-EOF
				  - id: soak_extra
				    expression: open.file.path == "$here/w/none/soak-extra"
			EOF
		fi
	} >pol/.soak.tmp && mv pol/.soak.tmp pol/soak.policy
}
policy A
[ -s pol/soak.policy ] || die "cannot write the policy"

cws-test-intake -l -d intake -t $((secs + 3600)) 2>log/intake.err &
intake_pid=$!
for _ in $(seq 50); do [ -s intake/port ] && break; sleep 0.2; done
[ -s intake/port ] || die "the test intake did not start"

# The filter's rate limiter off: every match is to arrive. The rest is
# the product's defaults (batch_wait 5 s, backoff up to 120 s, spool
# 256 MiB, stop grace 30 s).
cat >cws.yaml <<EOF
hostname: soak-host
api_key: $KEY
run_path: $here/run
spool_dir: $here/spool
security_agent:
  cmd_port: 0
runtime_security_config:
  policies:
    dir: $here/pol
    watch_dir: true
  event_server:
    rate: 0
  endpoints:
    logs_dd_url: 127.0.0.1:$(cat intake/port)
    logs_no_ssl: true
EOF

cat >log/params <<EOF
minutes=$minutes
rate=$rate
match_every=$match_every
exec_every=$exec_every
seed=$seed
faults=$faults
dir=$here
nproc=$(nproc)
kernel=$(uname -r)
commit=$(git -C "$src" rev-parse --short HEAD 2>/dev/null)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
EOF
say "in $here: $minutes min, $rate ops/s, seed $seed"

# The pids of a sample: the supervisor's view of its stages, and the
# filter's broker, its child.
stage_pid() { jq -r ".stages[] | select(.tool == \"$1\") | .pid" run/cws.json 2>/dev/null; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
# Processes of this run: every one has our configuration on its command
# line (the broker is a fork of cws-filter); an orphan would too.
nprocs() { pgrep -fc -- "$here/cws.yaml"; }

start_ms=$(now_ms)
echo "t_s,cws_pid,cws_rss_kb,cws_fds,probe_pid,probe_rss_kb,probe_fds,filter_pid,filter_rss_kb,filter_fds,broker_pid,broker_rss_kb,broker_fds,ship_pid,ship_rss_kb,ship_fds,procs" >log/samples.csv
sample() {
	local t row p b
	t=$((($(now_ms) - start_ms) / 1000))
	row=$t
	p=$sup_pid
	row="$row,$p,$(rss_kb "$p"),$(nfds "$p")"
	for s in cws-probe cws-filter cws-ship; do
		p=$(stage_pid $s)
		[ "${p:-0}" = 0 ] && p=
		if [ -n "$p" ]; then
			row="$row,$p,$(rss_kb "$p"),$(nfds "$p")"
		else
			row="$row,,,"
		fi
		if [ $s = cws-filter ]; then
			b=
			[ -n "$p" ] && b=$(pgrep -P "$p" -x cws-broker | head -1)
			if [ -n "$b" ]; then
				row="$row,$b,$(rss_kb "$b"),$(nfds "$b")"
			else
				row="$row,,,"
			fi
		fi
	done
	echo "$row,$(nprocs)" >>log/samples.csv
	snapshot sample
}
# cws status --json, one line, with the time and why.
snapshot() {
	cws -c cws.yaml status --json 2>/dev/null |
		jq -c --arg t "$(now_ms)" --arg why "$1" \
			'{t: ($t | tonumber), why: $why} + .' >>log/status.jsonl
}

# A duration scaled to the run: $1 to $2 seconds for 30 minutes.
scaled() {
	local lo=$1 hi=$2 min=$3 v
	v=$((lo + RANDOM % (hi - lo + 1)))
	v=$((v * secs / 1800))
	[ $v -lt "$min" ] && v=$min
	echo $v
}

# cws run is given the absolute path, which its stages inherit, and the
# harness's own `cws status` calls the relative one: nprocs counts only
# the pipeline.
cws -c "$here/cws.yaml" run >log/cws.out 2>log/cws.err &
sup_pid=$!
echo "$sup_pid" >log/cws.pid
ready=
for _ in $(seq 120); do
	if jq -e '.state == "running"' run/cws-probe.json >/dev/null 2>&1 &&
		jq -e '.result == "OK"' run/cws-selftest.json >/dev/null 2>&1; then
		ready=1
		break
	fi
	kill -0 $sup_pid 2>/dev/null || break
	sleep 0.5
done
if [ -z "$ready" ]; then
	kill $sup_pid $intake_pid 2>/dev/null
	tail -20 log/cws.err >&2
	die "the pipeline did not start (log/cws.err)"
fi
note start
say "pipeline up (cws run pid $sup_pid); workload starts"

soak-workload -d w -r "$rate" -m "$match_every" -x "$exec_every" -t $secs \
	-p log/progress >log/workload.out 2>log/workload.err &
work_pid=$!

# The faults, each loop in the background, each action in events.log.
intake_loop() {
	local ok bad
	while :; do
		ok=$(scaled 150 270 20)
		sleep "$ok"
		echo 503 >intake/mode
		note intake 503
		bad=$(scaled 120 180 15)
		sleep "$bad"
		rm -f intake/mode
		note intake 200
	done
}
kill_loop() {
	local until_ms=$((start_ms + secs * 2000 / 3)) s p
	while :; do
		sleep "$(scaled 45 105 10)"
		[ "$(now_ms)" -lt $until_ms ] || return 0
		s=cws-filter
		[ $((RANDOM % 2)) = 1 ] && s=cws-ship
		p=$(stage_pid $s)
		[ "${p:-0}" = 0 ] && continue
		snapshot "kill $s $p"
		kill -KILL "$p" && note kill $s "$p"
	done
}
reload_loop() {
	local n=0 every=60
	[ $secs -lt 600 ] && every=$((secs / 10))
	while :; do
		sleep $every
		n=$((n + 1))
		if [ $((n % 2)) = 1 ]; then
			kill -HUP $sup_pid && note reload sighup
		else
			if [ $((n % 4)) = 2 ]; then policy B; else policy A; fi
			note reload policy "$(sed -n 's/^version: //p' pol/soak.policy)"
		fi
	done
}
sample_loop() {
	while :; do
		sample
		sleep 10
	done
}
sample_loop &
loops="$!"
if [ "$faults" != 0 ]; then
	intake_loop &
	loops="$loops $!"
	kill_loop &
	loops="$loops $!"
	reload_loop &
	loops="$loops $!"
fi
echo "$loops" >log/loops.pid

stopped=
on_signal() {
	stopped=1
	say "interrupted: stopping"
	kill $work_pid 2>/dev/null
}
trap on_signal INT TERM

wait $work_pid
echo $? >log/workload.rc
note workload-done
kill $loops 2>/dev/null
wait $loops 2>/dev/null
rm -f intake/mode
note intake 200 final
say "workload done: $(cat log/workload.out); draining"

# Drained: the ship holds nothing more and the intake has been quiet for
# 15 s (the last batch waits batch_wait; a retry waits up to 120 s).
last=-1 quiet=0 drained=
for _ in $(seq 600); do
	kill -0 $sup_pid 2>/dev/null || break
	n=$(wc -l <intake/requests.log 2>/dev/null || echo 0)
	if [ "$n" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
	last=$n
	if [ $quiet -ge 15 ] &&
		jq -e '.spool.batches == 0 and all(.endpoints[]; .pending_messages == 0)' \
			run/cws-ship.json >/dev/null 2>&1; then
		drained=1
		break
	fi
	sleep 1
done
note drained "${drained:-no}"
sample
kill -TERM $sup_pid 2>/dev/null
for _ in $(seq 180); do
	kill -0 $sup_pid 2>/dev/null || break
	sleep 1
done
if kill -0 $sup_pid 2>/dev/null; then
	note cws-run-hung
	kill -KILL $sup_pid
fi
wait $sup_pid
echo $? >log/cws.rc
note stopped
snapshot final
sleep 1
echo "$(nprocs)" >log/procs-after
kill $intake_pid 2>/dev/null
wait $intake_pid 2>/dev/null
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>log/params
say "stopped; checking"

python3 "$src/tests/soak/soak-check.py" "$here"
rc=$?
[ -n "$stopped" ] && rc=2
exit $rc
