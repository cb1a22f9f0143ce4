#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-cat: stream <-> JSON lines, bad input, options and signals.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'JSON lines survive a round trip through the stream' '
	cat >in.json <<-\EOF &&
	{"type":"hello","producer":"test","schema":1,"host":"h","pid":7}
	{"type":"event","evt":{"name":"exec","timestamp":1700000000000000001,"cpu":1,"retval":-13},"process":{"pid":42,"ppid":1,"comm":"sleep","file":{"path":"/usr/bin/sleep","inode":123},"argv":["sleep","1"],"future_key":[1,true,null,"x"]},"container":{"id":"c0ffee"}}
	{"type":"lost","timestamp":3,"total":5,"causes":{"ringbuf_full":5}}
	{"type":"some_future_record","x":{"y":-1}}
	EOF
	cws-cat -r in.json >stream.mp &&
	cws-cat stream.mp >out.json &&
	test_cmp in.json out.json
'

test_expect_success 'records are concatenated msgpack maps, no framing' '
	echo "{\"type\":\"hello\",\"producer\":\"p\",\"schema\":1}" | cws-cat -r >h.mp &&
	printf "\203\244type\245hello" >expect.prefix &&
	head -c 12 h.mp >actual.prefix &&
	cmp expect.prefix actual.prefix
'

test_expect_success 'the cws-event(5) and cws-cat(1) examples print what they say' '
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1},\"process\":{\"pid\":1}}" >expect &&
	cws-cat -r <expect >one.mp &&
	cws-cat one.mp >actual &&
	test_cmp expect actual
'

# cws-cat renders a process and its ancestors once per key and reuses
# the text; an event read inline (schema 1) is converted whole. Both must
# print the same bytes: per-event tid, the event's own container, a key
# that needs escaping, an unknown key, and a second input read afresh.
test_expect_success 'events by key read whole, as their inline form reads' '
	cat >lean.json <<-\EOF &&
	{"type":"hello","producer":"test","schema":2,"host":"h","pid":7}
	{"type":"process","process":{"key":1,"pid":1,"comm":"init"}}
	{"type":"process","process":{"key":2,"parent_key":1,"pid":20,"ppid":1,"comm":"sh","argv":["sh","-c","x \"y\""],"envp":["A=1","B=\u0001"],"container":{"id":"c0"}}}
	{"type":"event","evt":{"name":"exec","timestamp":5},"process":{"key":2,"pid":20,"tid":20},"exec":{"file":{"path":"/bin/sh"},"argv":["sh"]}}
	{"type":"event","evt":{"name":"open","timestamp":6},"process":{"key":2,"pid":20,"tid":21},"container":{"id":"c1"},"open":{"file":{"path":"/etc/passwd"}}}
	{"type":"event","evt":{"name":"open","timestamp":7},"process":{"key":2,"pid":20,"tid":22},"open":{"file":{"path":"/x"}},"odd \"key\"":1}
	{"type":"event","evt":{"name":"open","timestamp":8},"process":{"key":9,"pid":90,"tid":90},"open":{"file":{"path":"/y"}}}
	EOF
	cws-cat -r lean.json >lean.mp &&
	cws-cat lean.mp lean.mp >whole.json 2>err &&
	test $(grep -c "1 events referenced a process" err) = 2 &&
	cws-cat -r <whole.json >inline.mp &&
	! cws-cat -R inline.mp | grep -q "\"key\":2" &&
	cws-cat inline.mp >again.json 2>/dev/null &&
	test_cmp whole.json again.json &&
	cat >whole.jq <<-\EOF &&
	map(select(.type == "event")) as $e |
	$e[0:4] == $e[4:8] and
	($e[0:3] | map(.process.tid)) == [20, 21, 22] and
	($e[0:3] | map(.container.id)) == ["c0", "c1", "c0"] and
	($e[0:3] | all(.process.envp == ["A=1", "B=\u0001"] and
		      (.process.ancestors | length == 1 and .[0].comm == "init"))) and
	$e[2]["odd \"key\""] == 1 and
	$e[3].process == {key: 9, pid: 90, tid: 90}
	EOF
	jq -s -e -f whole.jq whole.json
'

test_expect_success 'strings are escaped and invalid UTF-8 is replaced' '
	printf "\204\244type\245hello\250producer\241x\246schema\001\244host\245a\377\"\nb" >bad-utf8.mp &&
	cws-cat bad-utf8.mp >out.json &&
	jq -e ".host == \"a\\ufffd\\\"\\nb\"" out.json &&
	test $(wc -l <out.json) = 1
'

test_expect_success 'a corrupt span is reported with its offset and skipped' '
	cws-cat -r in.json >good.mp &&
	n=$(head -1 in.json | cws-cat -r | wc -c) &&
	head -c $n good.mp >c.mp && printf "\301\221\377" >>c.mp &&
	tail -c +$((n + 1)) good.mp >>c.mp &&
	test_expect_code 1 cws-cat c.mp >out.json 2>err &&
	grep "cws-cat: error: c.mp: offset $n: corrupt record: skipped 3 bytes to the next record" err &&
	test $(wc -l <err) = 1 &&
	test $(wc -l <out.json) = 4 &&
	test_cmp in.json out.json
'

test_expect_success 'a truncated last record is reported, earlier ones kept' '
	size=$(wc -c <good.mp) &&
	head -c $((size - 3)) good.mp >t.mp &&
	test_expect_code 1 cws-cat t.mp >out.json 2>err &&
	grep "truncated record" err &&
	test $(wc -l <out.json) = 3
'

test_expect_success 'a record missing a required key is named in the error' '
	echo "{\"type\":\"event\",\"evt\":{\"name\":\"exec\"},\"process\":{\"pid\":1}}" >miss.json &&
	test_expect_code 1 cws-cat -r miss.json >miss.mp 2>err &&
	grep "miss.json:1: missing required key .evt.timestamp." err &&
	test_must_be_empty miss.mp
'

test_expect_success 'bad JSON lines are reported by line and the rest converted' '
	printf "%s\n" "{\"type\":\"hello\",\"producer\":\"p\",\"schema\":1}" "{oops" "" "[1]" \
		"{\"type\":\"heartbeat\",\"events\":3}" >mixed.json &&
	test_expect_code 1 cws-cat -r mixed.json >mixed.mp 2>err &&
	grep "mixed.json:2:.*invalid JSON" err &&
	grep "mixed.json:4: expected a JSON object" err &&
	cws-cat mixed.mp >out.json &&
	test $(wc -l <out.json) = 2
'

test_expect_success 'several inputs, - for stdin' '
	cws-cat -r in.json >a.mp &&
	cws-cat a.mp - a.mp <a.mp >out.json &&
	test $(wc -l <out.json) = 12
'

test_expect_success 'a missing input is an error, the others still go through' '
	test_expect_code 1 cws-cat nope.mp a.mp >out.json 2>err &&
	grep "cannot open .nope.mp.: No such file or directory" err &&
	test $(wc -l <out.json) = 4
'

test_expect_success '-h prints usage on stdout, -V the version, bad option exits 2' '
	cws-cat -h >out && grep "^usage: cws-cat \[-hqRrVv\] \[-c file\] \[file | socket ...\]" out &&
	cws-cat -V >out && grep "^cws-cat [0-9]" out &&
	test_expect_code 2 cws-cat -Z 2>err && grep usage err
'

test_expect_success 'a missing -c file and a mistyped key exit 3' '
	test_expect_code 3 cws-cat -c missing.yaml </dev/null 2>err &&
	grep "missing.yaml" err &&
	printf "log_level: info\nruntime_security_config:\n  network:\n    enabled: maybe\n" >bad.yaml &&
	test_expect_code 3 cws-cat -c bad.yaml </dev/null 2>err &&
	grep "bad.yaml:4:.*runtime_security_config.network.enabled" err
'

test_expect_success 'a closed output ends cws-cat without hanging' '
	for i in $(seq 2000); do cat in.json; done | cws-cat -r >big.mp &&
	cws-cat big.mp 2>err | head -1 >first &&
	test $(wc -l <first) = 1
'

test_expect_success 'SIGTERM on a silent pipe: exit 0 at the end of the input' '
	mkfifo fifo &&
	{ sleep 30 >fifo & writer=$!; } &&
	test_when_finished "kill $writer 2>/dev/null" &&
	{ cws-cat fifo >out.json & pid=$!; } &&
	sleep 0.3 && kill -TERM $pid &&
	sleep 0.3 && kill -0 $pid &&
	kill $writer &&
	wait $pid
'

test_done
