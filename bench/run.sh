#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# make bench: every benchmark, each printing a ratio measured side by side
# in one run. Copy the output into docs/PERFORMANCE.md with this command.
set -u
cd "$(dirname "$0")/.." || exit 2
O=${O:-build}
ROUNDS=${ROUNDS:-5}
SPAWNS=${SPAWNS:-3000}

echo "== stream codec: cws_reader_next vs bare msgpack_unpack_next"
"$O"/bench/stream_bench

echo
echo "== exec cost: spawn /bin/true, with cws-probe attached / bare"
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	echo "skipped: needs root and kernel BTF"
else
	bare=() probe=()
	for r in $(seq "$ROUNDS"); do
		bare+=("$("$O"/bench/spawn_bench "$SPAWNS")")
		"$O"/cws-probe -q >/dev/null &
		pid=$!
		# Wait until the programs are attached: the probe's hello is out.
		sleep 1
		probe+=("$("$O"/bench/spawn_bench "$SPAWNS")")
		kill -INT $pid
		wait $pid
	done
	median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
	b=$(median "${bare[@]}") p=$(median "${probe[@]}")
	echo "bare:       $b us per spawn (median of $ROUNDS rounds of $SPAWNS)"
	echo "with probe: $p us per spawn (events written to /dev/null)"
	awk -v b="$b" -v p="$p" 'BEGIN { printf "ratio probe/bare: %.3f\n", p / b }'
fi

# cws-filter: the Datadog default policy on a recorded stream (issue 4).
echo
O=$O bench/filter.sh

# cws-ship: identity, gzip and zstd to the loopback intake, and a long
# outage with a small spool (issue 5).
echo
O=$O bench/ship.sh

# Workload loops bare and under cws-probe and its peers, and the flood.
echo
O=$O ROUNDS=$ROUNDS bench/probe.sh
