#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# connect, bind and accept on the real kernel: a trigger binds, listens,
# connects to itself, accepts, and connects to a closed port, over IPv4
# and IPv6 loopback; each event has the family, address, port, protocol
# and return value a rule uses; a CIDR rule catches the connect.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

# "pid listen_port client_port refused_port" of trigger $1.
field() { cut -d' ' -f"$2" "$1.out"; }

# Succeeds when an event of trigger $1's process matches jq filter $2,
# with $lport, $cport and $rport the ports it printed.
has_event() {
	local name=$1 filter=$2
	jq -s -e --argjson pid "$(field "$name" 1)" \
		--argjson lport "$(field "$name" 2)" \
		--argjson cport "$(field "$name" 3)" \
		--argjson rport "$(field "$name" 4)" "
		map(select(.type == \"event\" and .process.pid == \$pid)) |
		any($filter)" events.json >/dev/null || {
		echo "no event of $name matches: $filter" >&2
		jq -c 'select(.type == "event") | {evt, connect, bind, accept}' \
			events.json | tail -20 >&2
		return 1
	}
}

test_expect_success BPF,JQ 'setup: record connect, bind and accept' '
	{ cws-probe -H 0 -e connect,bind,accept >events.mp 2>probe.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "cws-cat events.mp | grep -q \"^{\\\"type\\\":\\\"hello\\\"\"" &&
	cws-trigger-net 4 >v4.out &&
	cws-trigger-net 6 >v6.out &&
	kill -INT $probe && wait $probe &&
	cws-cat events.mp >events.json &&
	test_must_be_empty probe.err
'

test_expect_success BPF,JQ 'bind: the local address asked for, TCP' '
	has_event v4 ".evt.name == \"bind\" and .evt.retval == 0 and
		.bind.addr == {ip: \"127.0.0.1\", port: 0, family: 2} and
		.bind.protocol == 6" &&
	has_event v6 ".evt.name == \"bind\" and .evt.retval == 0 and
		.bind.addr == {ip: \"::1\", port: 0, family: 10}"
'

test_expect_success BPF,JQ 'connect: the peer asked for, and a refused one with its errno' '
	has_event v4 ".evt.name == \"connect\" and .evt.retval == 0 and
		.connect.addr == {ip: \"127.0.0.1\", port: \$lport, family: 2} and
		.connect.protocol == 6" &&
	has_event v4 ".evt.name == \"connect\" and .evt.retval == -111 and
		.connect.addr.port == \$rport" &&
	has_event v6 ".evt.name == \"connect\" and .evt.retval == 0 and
		.connect.addr == {ip: \"::1\", port: \$lport, family: 10}" &&
	has_event v6 ".evt.name == \"connect\" and .evt.retval == -111"
'

test_expect_success BPF,JQ 'accept: the new fd and the peer of the connection' '
	has_event v4 ".evt.name == \"accept\" and .evt.retval >= 0 and
		.accept.addr == {ip: \"127.0.0.1\", port: \$cport, family: 2} and
		.accept.protocol == 6" &&
	has_event v6 ".evt.name == \"accept\" and .evt.retval >= 0 and
		.accept.addr == {ip: \"::1\", port: \$cport, family: 10}"
'

test_expect_success BPF,JQ 'rules: a CIDR and a port on connect, IPv6 too' '
	lport=$(field v4 2) && lport6=$(field v6 2) &&
	cws-filter -e "connect.addr.ip in [ 127.0.0.0/8 ] && connect.addr.port == $lport && connect.retval == 0" \
		-e "connect.addr.ip == ::1 && connect.addr.family == AF_INET6 && connect.addr.port == $lport6" \
		-e "connect.addr.ip in 10.0.0.0/8" \
		-e "accept.addr.port == $(field v4 3)" \
		<events.mp | cws-cat | jq -c "select(.rule) | .rule.id" | sort >ids &&
	printf "\"cli_1\"\n\"cli_2\"\n\"cli_4\"\n" >expect &&
	test_cmp expect ids
'

test_expect_success BPF,JQ 'the address survives cws-cat and back' '
	jq -c "select(.evt.name? == \"connect\")" events.json | head -1 >one.json &&
	cws-cat -r one.json | cws-cat >back.json &&
	jq -e --slurpfile a one.json ".connect == \$a[0].connect" back.json
'

test_expect_success BPF,JQ 'network.enabled false: no network program, no network event' '
	mkdir -p run &&
	{ DD_RUN_PATH=$TRASH/run DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED=false \
		cws-probe -H 0 -e connect,bind,accept,open >off.mp 2>off.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "cws-cat off.mp | grep -q \"^{\\\"type\\\":\\\"hello\\\"\"" &&
	cws-trigger-net 4 >off.out &&
	cat off.out >/dev/null &&
	test_wait_until 10 "jq -e \".events_attached == [\\\"open\\\"]\" run/cws-probe.json" &&
	kill -INT $probe && wait $probe &&
	grep "network.enabled is false: no network event" off.err &&
	cws-cat off.mp | jq -s -e "map(select(.type == \"event\" and
		(.evt.name | IN(\"connect\", \"bind\", \"accept\")))) | length == 0"
'

test_done
