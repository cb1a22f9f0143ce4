#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# DNS through the TC classifier, in a network namespace the test makes: a
# veth pair, the host side with another vendor's classifier already on
# its egress hook. A query to an address in the namespace is a dns event
# with the sender's process; a rule on the name fires; the classifier
# sits at the configured priority and handle next to the other one, and
# at exit only the other one is left; network.enabled false adds none.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"
command -v ip >/dev/null && command -v tc >/dev/null && test_set_prereq IPROUTE

ns=cwst$$
vh=cwsh$$
vn=cwsn$$
here=$(pwd -P)
trigger=$(command -v cws-trigger-dns)

filters() { tc filter show dev $vh egress; }
cleanup() {
	ip route del 8.8.8.8/32 2>/dev/null
	ip link del $vh2 2>/dev/null
	ip link del $vh 2>/dev/null
	ip netns del $ns 2>/dev/null
}
# Whatever happens to the tests, the namespace and the pair do not stay.
test_have_prereq IPROUTE && trap cleanup EXIT
hello() { cws-cat "$1" 2>/dev/null | grep -q '^{"type":"hello"'; }

test_expect_success BPF,IPROUTE 'setup: a namespace, a veth pair, another classifier' '
	ip netns add $ns &&
	ip link add $vh type veth peer name $vn netns $ns &&
	ip addr add 10.78.0.1/30 dev $vh && ip link set $vh up &&
	ip -n $ns addr add 10.78.0.2/30 dev $vn && ip -n $ns link set $vn up &&
	tc qdisc add dev $vh clsact &&
	tc filter add dev $vh egress prio 5 handle 7 bpf bytecode "1,6 0 0 0," &&
	filters >before &&
	grep -c "pref 5 bpf" before
'

test_expect_success BPF,IPROUTE,JQ 'a query is a dns event with its sender; the classifier at the configured place' '
	mkdir -p run &&
	{ DD_RUN_PATH=$here/run \
		DD_RUNTIME_SECURITY_CONFIG_NETWORK_CLASSIFIER_PRIORITY=20 \
		DD_RUNTIME_SECURITY_CONFIG_NETWORK_CLASSIFIER_HANDLE=48 \
		cws-probe -H 0 -e dns >dns.mp 2>probe.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "hello dns.mp" &&
	filters >during &&
	grep "pref 5 bpf chain 0 handle 0x7" during &&
	grep "pref 20 bpf chain 0 handle 0x30 dns__tc_egress" during &&
	cws-trigger-dns 10.78.0.2 Example.COM >q1.out &&
	cws-trigger-dns 10.78.0.2 mail.example.org 15 >q2.out &&
	test_wait_until 10 "cws-cat dns.mp | grep -q mail.example.org" &&
	kill -INT $probe && wait $probe &&
	grep "DNS classifier on $vh egress, priority 20, handle 0x30" probe.err &&
	cws-cat dns.mp >dns.json &&
	read -r pid id <q1.out &&
	jq -s -e --argjson pid $pid --argjson id $id --arg exe "$trigger" --arg ifname $vh "
		any(.[]; .type == \"event\" and .evt.name == \"dns\" and
		    .process.pid == \$pid and .process.file.path == \$exe and
		    .dns.id == \$id and .dns.question.name == \"Example.COM\" and
		    .dns.question.type == 1 and .dns.question.class == 1 and
		    .dns.question.count == 1 and
		    .dns.network.source.ip == \"10.78.0.1\" and
		    .dns.network.destination == {ip: \"10.78.0.2\", port: 53} and
		    .dns.network.l3_protocol == 2048 and
		    .dns.network.l4_protocol == 17 and
		    .dns.network.device.ifname == \$ifname)" dns.json &&
	read -r pid id <q2.out &&
	jq -s -e --argjson pid $pid "
		any(.[]; .evt.name? == \"dns\" and .process.pid == \$pid and
		    .dns.question.name == \"mail.example.org\" and
		    .dns.question.type == 15)" dns.json
'

test_expect_success BPF,IPROUTE,JQ 'at exit only the other classifier is left' '
	filters >after &&
	test_cmp before after
'

test_expect_success BPF,IPROUTE,JQ 'a rule on the question name fires, case-insensitively' '
	cws-filter -e "dns.question.name == \"example.com\"" \
		-e "dns.question.name == \"example.net\"" \
		-e "dns.question.type == MX && dns.question.name.length == 16" \
		<dns.mp | cws-cat | jq -c "select(.rule) | .rule.id" | sort >ids &&
	printf "\"cli_1\"\n\"cli_3\"\n" >expect &&
	test_cmp expect ids
'

test_expect_success BPF,IPROUTE,JQ 'network.enabled false: no classifier, no dns event' '
	{ DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED=false \
		cws-probe -H 0 -e dns,exec >off.mp 2>off.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "hello off.mp" &&
	filters >off-during &&
	test_cmp before off-during &&
	cws-trigger-dns 10.78.0.2 example.com >/dev/null &&
	kill -INT $probe && wait $probe &&
	cws-cat off.mp | jq -s -e "map(select(.evt.name? == \"dns\")) | length == 0"
'

fixtures=$CWS_SRC/../shared/fixtures/datadog-policies
[ -r $fixtures/default-1.69.3.policy ] && test_set_prereq FIXTURES
vh2=cwsi$$
vn2=cwsj$$

test_expect_success BPF,IPROUTE,JQ 'new interfaces, ingress, connect and accept across the namespace' '
	{ DD_RUNTIME_SECURITY_CONFIG_NETWORK_INGRESS_ENABLED=true \
		cws-probe -H 0 -e dns,connect,accept >net.mp 2>net.err & probe=$!; } &&
	test_when_finished "kill $probe 2>/dev/null; ip link del $vh2 2>/dev/null" &&
	test_wait_until 20 "hello net.mp" &&
	tc filter show dev $vh ingress | grep "dns__tc_ingress" &&

	# An interface that comes up after the start gets the classifier.
	ip link add $vh2 type veth peer name $vn2 netns $ns &&
	ip addr add 10.79.0.1/30 dev $vh2 && ip link set $vh2 up &&
	ip -n $ns addr add 10.79.0.2/30 dev $vn2 && ip -n $ns link set $vn2 up &&
	test_wait_until 10 "tc filter show dev $vh2 egress | grep -q dns__tc_egress" &&
	cws-trigger-dns 10.79.0.2 late.example.com >late.out &&

	# A query from inside the namespace, seen on our ingress: the packet
	# still carries its socket, so the sender is known.
	ip netns exec $ns cws-trigger-dns 10.78.0.1 inbound.example.com >in.out &&

	# A server in the namespace, a client here; an "IRC" port on a public address.
	ip -n $ns addr add 8.8.8.8/32 dev $vn &&
	ip route add 8.8.8.8/32 dev $vh &&
	test_when_finished "ip route del 8.8.8.8/32 dev $vh 2>/dev/null" &&
	{ ip netns exec $ns cws-trigger-net listen 0.0.0.0 6667 >srv.out & srv=$!; } &&
	test_wait_until 10 "test -s srv.out" &&
	cws-trigger-net connect 10.78.0.2 6667 >cli.out &&
	wait $srv &&
	{ ip netns exec $ns cws-trigger-net listen 0.0.0.0 6667 >srv2.out & srv=$!; } &&
	test_wait_until 10 "test -s srv2.out" &&
	cws-trigger-net connect 8.8.8.8 6667 >irc.out &&
	wait $srv &&
	cws-trigger-dns 10.78.0.2 icanhazip.com >ipcheck.out &&
	test_wait_until 10 "cws-cat net.mp | grep -q icanhazip" &&
	kill -INT $probe && wait $probe &&
	# A child of the probe detaches after it exits (cws-probe(8)).
	test_wait_until 20 "! tc filter show dev $vh2 egress | grep -q dns__tc_egress" &&
	test_wait_until 20 "! tc filter show dev $vh ingress | grep -q dns__tc_ingress" &&
	cws-cat net.mp >net.json &&
	read -r pid id <late.out &&
	jq -s -e --argjson pid $pid --arg ifname $vh2 "any(.[]; .evt.name? == \"dns\" and
		.process.pid == \$pid and .dns.question.name == \"late.example.com\" and
		.dns.network.device.ifname == \$ifname)" net.json &&
	read -r inpid id <in.out &&
	jq -s -e --arg ifname $vh --argjson pid $inpid "any(.[]; .evt.name? == \"dns\" and
		.dns.question.name == \"inbound.example.com\" and .process.pid == \$pid and
		.dns.network.source.ip == \"10.78.0.2\" and .dns.network.device.ifname == \$ifname)" net.json &&
	read -r cpid cport res <cli.out && test $res = 0 &&
	spid=$(sed -n 1p srv.out) && peer=$(sed -n 2p srv.out) &&
	test $peer = $cport &&
	jq -s -e --argjson cpid $cpid --argjson spid $spid --argjson cport $cport "
		any(.[]; .evt.name? == \"connect\" and .process.pid == \$cpid and
		    .connect.addr == {ip: \"10.78.0.2\", port: 6667, family: 2}) and
		any(.[]; .evt.name? == \"accept\" and .process.pid == \$spid and
		    .accept.addr == {ip: \"10.78.0.1\", port: \$cport, family: 2})" net.json
'

# Its connect rules ask for agent 7.61 or later; cws answers as agent
# 7.73, so they load as shipped and fire, and ip_check_domain (`< 7.71`)
# gives way to its _v2 twin.
test_expect_success BPF,IPROUTE,JQ,FIXTURES 'the Datadog default policy: its DNS and connect rules fire' '
	mkdir -p dd && cp $fixtures/default-1.69.3.policy dd/default.policy &&
	cws-filter -p dd <net.mp 2>/dev/null | cws-cat |
		jq -r "select(.rule) | .rule.id" | sort -u >fired &&
	grep -x ip_check_domain_v2 fired &&
	grep -x irc_connection fired
'

test_expect_success BPF,IPROUTE,JQ 'cws-ship renders dns and connect as Datadog does' '
	mkdir -p shiprun &&
	cws-filter -e "dns.question.name == \"icanhazip.com\"" -e "connect.addr.ip == 8.8.8.8" <net.mp 2>/dev/null |
		DD_RUN_PATH=$here/shiprun DD_SPOOL_DIR=$here/shiprun/spool cws-ship 2>/dev/null |
		jq -r .message >msgs.json &&
	jq -s -e "any(.[]; .evt.name == \"dns\" and .evt.category == \"Network Activity\" and
		.dns.question == {class: \"CLASS_INET\", type: \"A\", name: \"icanhazip.com\", size: 31, count: 1} and
		.network.destination == {ip: \"10.78.0.2\", port: 53} and
		.network.l4_protocol == \"IPPROTO_UDP\")" msgs.json &&
	jq -s -e "any(.[]; .evt.name == \"connect\" and
		.connect == {addr: {family: \"AF_INET\", ip: \"8.8.8.8\", port: 6667}, protocol: \"IPPROTO_TCP\"})" msgs.json
'

test_expect_success IPROUTE 'cleanup: the namespace and the pair go' '
	cleanup; ! ip netns list | grep -q "^$ns"
'

test_done
