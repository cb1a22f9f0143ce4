#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# container.tags on the real kernel: a process in a cgroup named as docker
# names them, with docker's state for that id in a fake state root
# (CWS_PROBE_STATE_ROOT), has its tags in its exec event; a rule on them
# fires, and cws-ship tags the intake's message with them. A host process
# has none; a container nothing describes has none and is named once on
# stderr.
. "$(dirname "$0")/test-lib.sh"

test_have_prereq BPF ||
	test_prereq_reason="cws-probe needs root and /sys/kernel/btf/vmlinux"

trigger=$(readlink -f "$(command -v cws-trigger-proc)")

# A container-like cgroup needs a writable cgroup2 hierarchy.
cgroot=/sys/fs/cgroup/unified
[ -d $cgroot ] || cgroot=/sys/fs/cgroup
if test_have_prereq ROOT && [ -e $cgroot/cgroup.procs ] &&
	mkdir $cgroot/t1250-check 2>/dev/null; then
	rmdir $cgroot/t1250-check
	test_set_prereq CGROUP2
fi
test_have_prereq BPF && ! test_have_prereq CGROUP2 &&
	test_prereq_reason="no writable cgroup2 hierarchy at $cgroot"

hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
id_web=$(hex64)
id_bare=$(hex64)
slice=$cgroot/system.slice
[ -d $slice ] || slice=$cgroot/t1250.slice
cg_web=$slice/docker-$id_web.scope
cg_bare=$slice/docker-$id_bare.scope

field() { cut -d' ' -f"$2" "$1"; }
has_hello() { cws-cat "$1" 2>/dev/null | grep -q '^{"type":"hello"'; }
in_cgroup() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec cws-trigger-proc setresuid -1 -1 -1' "$1"
}

state=$TRASH/state
mkdir -p $state/var/lib/docker/containers/$id_web
cat >$state/var/lib/docker/containers/$id_web/config.v2.json <<EOF
{"ID":"$id_web","Name":"/web-1","Image":"sha256:5e1f",
 "Config":{"Image":"nginx:1.25","Env":["PATH=/bin","DD_SERVICE=web"],
 "Labels":{"com.datadoghq.tags.env":"prod"}}}
EOF

cat >tags.jq <<'EOF'
[.[] | select(.type == "event" and .evt.name == "exec" and
	      .process.pid == $pid and .process.file.path == $exe)] |
length == 1 and
all(.container.id == $id and .process.container.id == $id and
    (.process.container.tags | sort) == (["env:prod", "image_id:sha256:5e1f",
	"image_name:nginx", "image_tag:1.25", "service:web", "short_image:nginx",
	"docker_image:nginx:1.25"] | sort))
EOF
cat >notags.jq <<'EOF'
[.[] | select(.type == "event" and .evt.name == "exec" and
	      .process.pid == $pid and .process.file.path == $exe)] |
length == 1 and all(.process | has("container") == $cont and
		    (.container | has("tags") | not))
EOF

test_expect_success BPF,JQ,CGROUP2 'capture: execs in two docker scopes and on the host' '
	mkdir -p $cg_web $cg_bare &&
	test_when_finished "rmdir $cg_web $cg_bare; rmdir $cgroot/t1250.slice 2>/dev/null; true" &&
	{ CWS_PROBE_STATE_ROOT=$state cws-probe -e exec -H 0 >cap.mp 2>probe.err & } &&
	probe=$! &&
	test_when_finished "kill $probe 2>/dev/null" &&
	test_wait_until 20 "has_hello cap.mp" &&
	in_cgroup $cg_web >web.out &&
	in_cgroup $cg_bare >bare.out &&
	in_cgroup $cg_bare >bare2.out &&
	cws-trigger-proc setresuid -1 -1 -1 >host.out &&
	sleep 1 &&
	kill $probe && wait $probe &&
	cws-cat cap.mp >cap.json
'

test_expect_success BPF,JQ,CGROUP2 'the exec in a described container has its tags' '
	jq -s -e --argjson pid $(field web.out 1) --arg exe "$trigger" \
		--arg id $id_web -f tags.jq cap.json
'

test_expect_success BPF,JQ,CGROUP2 'a host process and an undescribed container have none' '
	jq -s -e --argjson pid $(field host.out 1) --arg exe "$trigger" \
		--argjson cont false -f notags.jq cap.json &&
	jq -s -e --argjson pid $(field bare.out 1) --arg exe "$trigger" \
		--argjson cont true -f notags.jq cap.json
'

test_expect_success BPF,CGROUP2 'the undescribed container is named once on stderr' '
	grep -v "no runtime state describes container '\''[0-9a-f]*'\''" probe.err |
		grep -v "^$" >other.err;
	test_must_be_empty other.err &&
	echo "cws-probe: warning: no runtime state describes container '\''$id_bare'\'': container.tags left out" >expect &&
	grep "$id_bare" probe.err >got &&
	test_cmp expect got &&
	! grep -q "$id_web" probe.err
'

test_expect_success BPF,JQ,CGROUP2 'a rule on container.tags fires for that exec only' '
	cws-filter -e "\"service:web\" in container.tags && exec.file.name == \"cws-trigger-proc\"" \
		<cap.mp >m.mp 2>filter.err &&
	cws-cat m.mp | jq -s -e --arg id $id_web \
		"[.[] | select(.type == \"event\")] | length == 1 and .[0].process.container.id == \$id" &&
	cws-filter -e "\"tags.datadoghq.com/service\" in container.tags" <cap.mp |
		cws-cat | jq -s -e "[.[] | select(.type == \"event\")] | length == 0"
'

test_expect_success BPF,JQ,CGROUP2 'cws-ship tags the message with them, as Datadog does' '
	cws-ship <m.mp >out.json 2>ship.err &&
	jq -r "select(.ddtags | contains(\"type:exec\")) | .ddtags" out.json >tags &&
	tr , "\n" <tags >tag.lines &&
	grep -x "container_id:$id_web" tag.lines &&
	grep -x "service:web" tag.lines &&
	grep -x "image_name:nginx" tag.lines &&
	grep -x "env:prod" tag.lines &&
	jq -e "select(.ddtags | contains(\"type:exec\")) | .message | fromjson |
		.container.id == \"$id_web\" and (.container | has(\"tags\") | not)" out.json
'

test_done
