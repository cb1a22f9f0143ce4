# SPDX-License-Identifier: BSD-2-Clause
#
# Helpers of the cws-ship tests (t3*.sh), sourced after test-lib.sh:
# match records made by the real cws-filter, and the test intake
# (tests/helpers/cws-test-intake.c) started and stopped on 127.0.0.1,
# cws-ship fed through a fifo.

export DD_RUN_PATH=$TRASH/run
export DD_SPOOL_DIR=$TRASH/spool
# Retries in tens of milliseconds, not seconds; a short stop grace.
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_SENDER_BACKOFF_BASE=0.05
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_SENDER_BACKOFF_MAX=0.2
export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_BATCH_WAIT=1
export DD_LOGS_CONFIG_STOP_GRACE_PERIOD=20
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY \
	SSL_CERT_FILE 2>/dev/null
KEY=0123456789abcdef0123456789abcdef

# events N [FIRST_PID]: N exec events of /bin/cat, one pid each, as JSON.
events() {
	awk -v n="$1" -v first="${2:-1000}" 'BEGIN {
		print "{\"type\":\"hello\",\"producer\":\"t\",\"schema\":1}"
		for (i = 0; i < n; i++)
			printf "{\"type\":\"event\",\"evt\":{\"name\":\"exec\",\"timestamp\":1700000000%09d},\"process\":{\"pid\":%d,\"ppid\":1,\"comm\":\"cat\",\"file\":{\"path\":\"/bin/cat\",\"name\":\"cat\"},\"argv\":[\"cat\",\"/etc/hosts\"]},\"exec\":{\"file\":{\"path\":\"/bin/cat\",\"name\":\"cat\"},\"argv\":[\"cat\"]}}\n", i, first + i
	}'
}

# matches N [FIRST_PID]: the same, as cws-filter's match records (its
# rate limiter off: the events are a nanosecond apart).
matches() {
	events "$@" | cws-cat -r |
		DD_RUNTIME_SECURITY_CONFIG_EVENT_SERVER_RATE=0 \
		cws-filter -e 'exec.file.name == "cat"'
}

# intake_start NAME [args...]: starts an intake recording in NAME/;
# sets ${NAME}_PID and ${NAME}_PORT.
intake_start() {
	local name=$1
	shift
	intake_stop "$name"
	rm -rf "$name"
	mkdir -p "$name"
	cws-test-intake -d "$name" "$@" 2>"$name.err" &
	eval "${name}_PID=$!"
	test_wait_until 10 "test -s $name/port" || return 1
	eval "${name}_PORT=$(cat "$name/port")"
}

intake_stop() {
	local pid
	eval "pid=\${${1}_PID:-}"
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	eval "${1}_PID="
	return 0
}

# to_intake NAME: the environment of a cws-ship sending to intake NAME.
to_intake() {
	local port
	eval "port=\$${1}_PORT"
	export DD_API_KEY=$KEY
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_DD_URL=127.0.0.1:$port
	export DD_RUNTIME_SECURITY_CONFIG_ENDPOINTS_LOGS_NO_SSL=true
}

# The pids of the exec messages an intake accepted, sorted, one a line.
pids() {
	jq -r 'select(.agent.rule_id == "cli_1") | .process.pid' "$1/messages.jsonl" | sort -n
}

# seq_pids N FIRST: what pids must print for N events from FIRST.
seq_pids() { seq "${2:-1000}" $((${2:-1000} + $1 - 1)); }

# A value of the status file, e.g. status '.endpoints[0].retries'.
status() { jq -r "$1" "$DD_RUN_PATH/cws-ship.json"; }

# ship_fifo [args]: starts cws-ship reading the fifo "pipe", written
# through fd 3; its pid in SHIP_PID, its stderr in ship.err.
ship_fifo() {
	# One left by a test that failed half way would hold the spool.
	[ -n "${SHIP_PID:-}" ] && kill -9 "$SHIP_PID" 2>/dev/null
	rm -f pipe && mkfifo pipe &&
	{ cws-ship "$@" <pipe 2>ship.err & } &&
	SHIP_PID=$! &&
	exec 3>pipe
}

# ship_wait: closes its input and waits for it; its exit status.
ship_wait() {
	exec 3>&-
	wait "$SHIP_PID"
}
