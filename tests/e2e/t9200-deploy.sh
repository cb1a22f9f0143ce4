#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The container image and the Kubernetes manifests (contrib/container,
# contrib/kubernetes): the manifest is what render.py makes of the
# values, a Helm-named value becomes Datadog's variable, every DD_
# variable they set is a key cws reads, and, where podman can build and
# run the image here, `podman exec ... cws runtime self-test` passes.
. "$(dirname "$0")/test-lib.sh"

python3 -c "import yaml" 2>/dev/null || test_skip_all "python3-yaml is missing"
k8s=$CWS_SRC/contrib/kubernetes

test_expect_success 'the manifest is render.py of values.yaml, no hand edits' '
	"$k8s/render.py" "$k8s/values.yaml" >rendered.yaml &&
	test_cmp "$k8s/cws-daemonset.yaml" rendered.yaml
'

test_expect_success 'a Helm-named value becomes its DD_ variable' '
	sed "/network:/{n;s/enabled: true/enabled: false/}" "$k8s/values.yaml" >v.yaml &&
	grep -A1 "network:" v.yaml | grep -q "enabled: false" &&
	"$k8s/render.py" v.yaml >v.out &&
	python3 -c "import sys, yaml
env = yaml.safe_load(open(\"v.out\"))[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"env\"]
v = {e[\"name\"]: e.get(\"value\") for e in env}
sys.exit(v[\"DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED\"] != \"false\")"
'

test_expect_success 'every DD_ variable of the manifest and the image is a key cws reads' '
	python3 -c "import yaml
env = yaml.safe_load(open(\"$k8s/cws-daemonset.yaml\"))[\"spec\"][\"template\"][\"spec\"][\"containers\"][0][\"env\"]
for e in env: print(e[\"name\"], e.get(\"value\", \"x\"))" >vars &&
	sed -n "s/^ *\(ENV \)\?\(DD_[A-Z0-9_]*\)=\([^ ]*\).*/\2 \3/p" \
		"$CWS_SRC/contrib/container/Containerfile" >>vars &&
	test "$(wc -l <vars)" -ge 10 &&
	while read -r name value; do
		n=$(env "$name=$value" cws config 2>/dev/null | grep -c "(env)$") &&
		test "$n" = 1 || { echo "$name: not a key cws reads"; exit 1; }
	done <vars
'

# Building needs podman and Debian 12's image. No container registry is
# reachable here, so the image is made from Debian's archive
# (contrib/container/debian-base.sh) when podman does not have it.
if ! command -v podman >/dev/null; then
	test_prereq_reason="podman is not installed"
elif ! test_have_prereq ROOT; then
	test_prereq_reason="podman needs root here"
elif ! "$CWS_SRC/contrib/container/debian-base.sh" >base.log 2>&1; then
	test_prereq_reason="no debian:12-slim image, and none could be made: $(tail -n 1 base.log)"
else
	test_set_prereq PODMAN
fi
# crun refuses hosts whose cgroup v1 hierarchies sit beside a mounted
# cgroup2 (hybrid mode, as on this VM); runc takes both.
runtime=()
command -v runc >/dev/null && runtime=(--runtime runc)
# podman's default limits (nofile 1048576, nproc past what its container
# monitor has) need CAP_SYS_RESOURCE, which root lacks on this VM; cws needs
# far less than either.
limits=(--ulimit "nofile=$(ulimit -Hn)" --ulimit nproc=4096)

test_expect_success ROOT,BPF,PODMAN 'the image from the package: podman exec cws runtime self-test' '
	make -s -C "$CWS_SRC" O="$TRASH/build" deb >deb.out 2>&1 &&
	podman "${runtime[@]}" build -q --network host \
		-f "$CWS_SRC/contrib/container/Containerfile" \
		-t cws-test:latest "$TRASH/build/deb" >image.id &&
	test_when_finished "podman rmi -f cws-test:latest >/dev/null 2>&1" &&
	podman "${runtime[@]}" run -d --name cws-t9200 --privileged \
		--pid host --network host "${limits[@]}" \
		-v /sys/kernel/btf:/sys/kernel/btf:ro -v /sys/fs/bpf:/sys/fs/bpf \
		-v /sys/kernel/tracing:/sys/kernel/tracing \
		-v /sys/kernel/debug:/sys/kernel/debug \
		cws-test:latest run >ctr.id &&
	test_when_finished "podman rm -f -t 5 cws-t9200 >/dev/null 2>&1" &&
	test_wait_until 60 "podman exec cws-t9200 cws runtime self-test >st.out 2>&1" &&
	cat st.out &&
	test "$(cat st.out)" = "Runtime self test: OK"
'

test_done
