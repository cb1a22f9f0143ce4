#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# cws-ship when things go wrong: 5xx bursts, 429 with Retry-After, slow
# answers, timeouts, resets, 413 and 403, SIGKILL mid-outage and
# mid-batch, a long outage with a small spool, an additional endpoint
# down while the main one is up, SIGTERM, a shared spool, a damaged
# spool file. Every event that can arrive does, exactly once unless the
# intake took a batch it never answered.
. "$(dirname "$0")/test-lib.sh"
. "$CWS_SRC/tests/e2e/lib-ship.sh"

command -v cws-test-intake >/dev/null || test_skip_all "cws-test-intake not built (make helpers)"
test_have_prereq JQ || test_skip_all "jq is missing"

matches 2500 >n.mp
seq_pids 2500 >n.expect

batches() { find "$DD_SPOOL_DIR" -name "*.batch" | wc -l; }

intake_start in -k $KEY
to_intake in

test_expect_success 'a burst of 5xx: retried, then every event once' '
	printf "500\n503\n502\n" >in/script &&
	cws-ship <n.mp 2>err &&
	pids in >got && test_cmp n.expect got &&
	test "$(grep -c "retrying batch" err)" = 3 &&
	grep "^cws-ship: warning: endpoint .http://127.0.0.1:$in_PORT/api/v2/secruntime.: HTTP 503: retrying batch 1 in " err &&
	test "$(status .endpoints[0].retries)" = 3 &&
	test "$(status .endpoints[0].last_error)" = "HTTP 502" &&
	test "$(status .endpoints[0].sent_messages)" = 2502
'

test_expect_success '429 with Retry-After: waits as told, then delivers' '
	intake_start in -k $KEY && to_intake in &&
	echo "429 retry-after=1" >in/script &&
	cws-ship <n.mp 2>err &&
	grep "HTTP 429: retrying batch 1 in 1.000 s$" err &&
	pids in >got && test_cmp n.expect got
'

test_expect_success 'slow answers are waited for' '
	intake_start in -k $KEY && to_intake in &&
	printf "200 delay=1500\n200 delay=1500\n" >in/script &&
	cws-ship <n.mp 2>err &&
	! grep retrying err &&
	pids in >got && test_cmp n.expect got
'

test_expect_success 'connection resets are retried' '
	intake_start in -k $KEY && to_intake in &&
	printf "reset\nreset\n" >in/script &&
	cws-ship <n.mp 2>err &&
	test "$(grep -c "retrying batch 1 in" err)" = 2 &&
	pids in >got && test_cmp n.expect got
'

test_expect_success 'a request past the 10 s timeout is sent again, same batch id' '
	intake_start in -k $KEY && to_intake in &&
	echo "200 delay=11000" >in/script &&
	matches 10 >ten.mp &&
	cws-ship <ten.mp 2>err &&
	grep "retrying batch 1 in" err &&
	grep -i "timed out\|timeout" err &&
	test_wait_until 5 "test \$(wc -l <in/requests.log) = 2" &&
	awk "{print \$5}" in/requests.log >ids &&
	test "$(sort -u ids | wc -l)" = 1 && test "$(wc -l <ids)" = 2 &&
	pids in | sort -u >got && seq_pids 10 >expect && test_cmp expect got
'

test_expect_success '413: the batch is dropped with one line and counted' '
	intake_start in -k $KEY && to_intake in &&
	echo 413 >in/script &&
	cws-ship <n.mp 2>err &&
	grep "^cws-ship: error: endpoint .http://127.0.0.1:$in_PORT/api/v2/secruntime.: HTTP 413: the intake refused batch 1 (1000 events, [0-9]* bytes), dropped$" err &&
	test "$(grep -c error: err)" = 1 &&
	test "$(status .endpoints[0].dropped_messages.http_413)" = 1000 &&
	test "$(status .endpoints[0].dropped_batches.http_413)" = 1 &&
	seq 1998 3499 >expect && pids in >got && test_cmp expect got
'

test_expect_success '403: a wrong key drops with a line naming its end' '
	intake_start in -k ffffffffffffffffffffffffffffffff && to_intake in &&
	matches 10 >ten.mp &&
	cws-ship <ten.mp 2>err &&
	grep "HTTP 403: the intake refused batch 1 (12 events), dropped: check the API key ending with .bcdef.$" err &&
	! grep "$KEY" err &&
	test "$(status .endpoints[0].dropped_messages.http_403)" = 12 &&
	test ! -e in/messages.jsonl
'

test_expect_success 'SIGKILL during an outage, restart: the spool delivers all' '
	intake_start in -k $KEY && to_intake in &&
	echo 500 >in/mode &&
	ship_fifo &&
	cat n.mp >&3 &&
	test_wait_until 20 "test \$(batches) = 3" &&
	kill -9 $SHIP_PID && ship_wait; exec 3>&- ;
	test ! -e in/messages.jsonl &&
	rm in/mode &&
	cws-ship </dev/null 2>err &&
	grep "spool: 3 batches (.*) from an earlier run are sent first" err &&
	pids in >got && test_cmp n.expect got &&
	test "$(batches)" = 0
'

test_expect_success 'SIGKILL mid-batch: the journal becomes a batch at restart' '
	intake_start in -k $KEY && to_intake in &&
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=10 &&
	matches 10 >ten.mp &&
	ship_fifo &&
	cat ten.mp >&3 &&
	test_wait_until 10 "test \$(grep -c \"^{\" $DD_SPOOL_DIR/current.part) = 12" &&
	kill -9 $SHIP_PID && ship_wait; exec 3>&- ;
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=1 &&
	test ! -e in/requests.log &&
	cws-ship </dev/null 2>err &&
	grep "spool: recovered 12 events read before cws-ship stopped" err &&
	seq_pids 10 >expect && pids in >got && test_cmp expect got &&
	test ! -e $DD_SPOOL_DIR/current.part
'

# Killed with its input still in the pipe, a successor started on the
# same pipe (as cws run starts one) gets every event exactly once: in
# both windows of a read, before its journal write (it reads them again)
# and after (the journal's mark names them: taken out unread).
test_expect_success 'SIGKILL after a read, before its journal write: read again, each once' '
	intake_start in -k $KEY && to_intake in &&
	CWS_SHIP_TEST_CRASH=read ship_fifo &&
	cat ten.mp >&3 &&
	{ wait $SHIP_PID; test $? = 137; } &&
	! grep -q "^{" $DD_SPOOL_DIR/current.part &&
	{ cws-ship <pipe 2>ship2.err 3>&- & } && SHIP_PID=$! &&
	ship_wait &&
	! grep "taken out unread" ship2.err &&
	test "$(status .input.mode)" = peek &&
	test "$(status .input.resumed_bytes)" = 0 &&
	seq_pids 10 >expect && pids in >got && test_cmp expect got
'

test_expect_success 'SIGKILL after its journal write, before taking the input: taken out unread, each once' '
	intake_start in -k $KEY && to_intake in &&
	CWS_SHIP_TEST_CRASH=journaled ship_fifo &&
	cat ten.mp >&3 &&
	{ wait $SHIP_PID; test $? = 137; } &&
	test "$(grep -c "^{" $DD_SPOOL_DIR/current.part)" = 12 &&
	grep -q "^#in [0-9]* [0-9a-f]\{16\} [0-9]*$" $DD_SPOOL_DIR/current.part &&
	{ cws-ship <pipe 2>ship2.err 3>&- & } && SHIP_PID=$! &&
	ship_wait &&
	grep "spool: recovered 12 events read before cws-ship stopped" ship2.err &&
	grep "^cws-ship: info: input: [0-9]* bytes the cws-ship before had journaled were still in the pipe: taken out unread$" ship2.err &&
	test "$(status .input.resumed_bytes)" -gt 0 &&
	seq_pids 10 >expect && pids in >got && test_cmp expect got
'

test_expect_success 'SIGTERM: what is in hand is sent, exit 0' '
	intake_start in -k $KEY && to_intake in &&
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=10 &&
	ship_fifo &&
	cat ten.mp >&3 &&
	test_wait_until 10 "test \$(grep -c \"^{\" $DD_SPOOL_DIR/current.part) = 12" &&
	kill -TERM $SHIP_PID && ship_wait &&
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=1 &&
	seq_pids 10 >expect && pids in >got && test_cmp expect got &&
	test "$(status .state)" = stopped
'

test_expect_success 'a long outage with a small spool: oldest dropped and counted, memory bounded' '
	intake_start in -k $KEY && to_intake in &&
	echo 500 >in/mode &&
	matches 6000 5000 >six.mp &&
	export DD_SPOOL_MAX_SIZE=3000000 \
		DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_USE_COMPRESSION=false &&
	ship_fifo &&
	cat six.mp >&3 &&
	test_wait_until 30 "test \$(grep -c \"spool full\" ship.err) -ge 1" &&
	test_wait_until 30 "test ! -s $DD_SPOOL_DIR/current.part" &&
	hwm=$(awk "/VmHWM/ {print \$2}" /proc/$SHIP_PID/status) &&
	rm in/mode &&
	ship_wait &&
	unset DD_SPOOL_MAX_SIZE DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_USE_COMPRESSION &&
	grep "^cws-ship: warning: spool full ([0-9]* bytes with the new batch, at most 3000000): dropped the oldest batch, 1000 events not delivered to 1 endpoints$" ship.err &&
	dropped=$(status .spool.dropped_full_messages) &&
	sent=$(status .endpoints[0].sent_messages) &&
	test "$dropped" -gt 0 && test $((dropped + sent)) = 6002 &&
	test "$(status .endpoints[0].dropped_messages.spool_full)" = "$dropped" &&
	pids in >got && test "$(sort -u got | wc -l)" = "$(wc -l <got)" &&
	test "$(tail -1 got)" = 10999 &&
	echo "peak RSS ${hwm} kB" && test "$hwm" -lt 65536
'

test_expect_success 'an additional endpoint down does not hold back the main one' '
	intake_start in -k $KEY && to_intake in &&
	intake_start extra && port=$extra_PORT && intake_stop extra &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_ADDITIONAL_ENDPOINTS="[{\"api_key\":\"$KEY\",\"host\":\"127.0.0.1\",\"port\":$port,\"use_ssl\":false}]" \
	DD_LOGS_CONFIG_STOP_GRACE_PERIOD=2 cws-ship <n.mp 2>err &&
	pids in >got && test_cmp n.expect got &&
	test "$(status .endpoints[0].pending_messages)" = 0 &&
	test "$(status .endpoints[1].pending_messages)" = 2502 &&
	test "$(status .endpoints[1].retries)" -ge 1 &&
	grep "^cws-ship: warning: 2502 events (3 batches) for .http://127.0.0.1:$port/api/v2/secruntime. stay in the spool; they are sent at the next start$" err &&
	intake_start extra -k $KEY -P $port &&
	DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_ADDITIONAL_ENDPOINTS="[{\"api_key\":\"$KEY\",\"host\":\"127.0.0.1\",\"port\":$port,\"use_ssl\":false}]" \
		cws-ship </dev/null 2>err &&
	intake_stop extra &&
	pids extra >got && test_cmp n.expect got &&
	pids in >got && test_cmp n.expect got
'

test_expect_success 'an endpoint no longer configured: its spool is named, kept' '
	mkdir -p "$DD_SPOOL_DIR/ep-0000000000000001" &&
	echo http://gone.example.com:80/api/v2/secruntime >"$DD_SPOOL_DIR/ep-0000000000000001/url" &&
	echo x >"$DD_SPOOL_DIR/ep-0000000000000001/0000000000000001.batch" &&
	cws-ship </dev/null 2>err &&
	grep "spool: .*/ep-0000000000000001. holds 1 batches for .http://gone.example.com:80/api/v2/secruntime., which is not configured any more; they stay there" err &&
	rm -r "$DD_SPOOL_DIR/ep-0000000000000001"
'

test_expect_success 'a damaged spool file is dropped with a line, never posted' '
	intake_start in -k $KEY && to_intake in &&
	echo 500 >in/mode &&
	DD_LOGS_CONFIG_STOP_GRACE_PERIOD=0 cws-ship <ten.mp 2>err &&
	f=$(find "$DD_SPOOL_DIR" -name "*.batch") && test -n "$f" &&
	printf "garbage" >>"$f" &&
	rm in/mode &&
	cws-ship </dev/null 2>err &&
	grep "^cws-ship: error: spool: batch file .$f. is damaged (expected a body matching its checksum): dropped$" err &&
	test "$(status .endpoints[0].dropped_messages.corrupt)" = 12 &&
	! grep " 200 " in/requests.log
'

test_expect_success ROOT 'a full disk: reading pauses, nothing is lost' '
	intake_start in -k $KEY && to_intake in &&
	echo 500 >in/mode &&
	mkdir -p small && mount -t tmpfs -o size=3m tmpfs small &&
	test_when_finished "umount $TRASH/small" &&
	matches 5000 20000 >five.mp &&
	ship_fifo_env() {
		DD_SPOOL_DIR=$TRASH/small/spool \
		DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_USE_COMPRESSION=false \
		ship_fifo
	} &&
	ship_fifo_env &&
	{ cat five.mp >&3 & } && writer=$! &&
	test_wait_until 30 "grep -q \"No space left on device; reading stops until it can\" ship.err" &&
	rm in/mode &&
	test_wait_until 30 "grep -q \"spool: writable again, reading resumes\" ship.err" &&
	wait $writer && ship_wait &&
	seq_pids 5000 20000 >expect && pids in >got && test_cmp expect got
'

test_expect_success 'one spool, one cws-ship' '
	ship_fifo &&
	test_wait_until 10 "test -e \"$DD_RUN_PATH/cws-ship.json\" && test \"\$(status .state)\" = running" &&
	test_expect_code 1 cws-ship </dev/null 2>err &&
	grep "^cws-ship: error: spool directory .$DD_SPOOL_DIR. is in use by another cws-ship$" err &&
	ship_wait
'

intake_stop in

test_done
