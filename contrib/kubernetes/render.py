#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Renders the cws DaemonSet from a values file named as Datadog's Helm
chart names its keys (values.yaml beside this script says which variable
each becomes). Writes the manifest to standard output.

    contrib/kubernetes/render.py contrib/kubernetes/values.yaml
"""
import sys

import yaml


def get(v, path, default=None):
    for k in path.split("."):
        if not isinstance(v, dict) or k not in v:
            return default
        v = v[k]
    return v


def text(v):
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def render(values):
    rt = "datadog.securityAgent.runtime."
    env = [
        {"name": "DD_API_KEY", "valueFrom": {"secretKeyRef": {
            "name": get(values, "datadog.apiKeyExistingSecret", "cws-api-key"),
            "key": "api-key"}}},
        {"name": "DD_HOSTNAME",
         "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    ]
    for var, key, default in [
        ("DD_SITE", "datadog.site", "datadoghq.com"),
        ("DD_LOG_LEVEL", "datadog.logLevel", "info"),
        ("DD_DOGSTATSD_PORT", "datadog.dogstatsd.port", 0),
        ("DD_RUNTIME_SECURITY_CONFIG_ENABLED", rt + "enabled", True),
        ("DD_RUNTIME_SECURITY_CONFIG_NETWORK_ENABLED",
         rt + "network.enabled", True),
    ]:
        env.append({"name": var, "value": text(get(values, key, default))})

    host = [  # name, host path, mount path, read-only
        ("btf", "/sys/kernel/btf", "/sys/kernel/btf", True),
        ("tracefs", "/sys/kernel/tracing", "/sys/kernel/tracing", False),
        ("debugfs", "/sys/kernel/debug", "/sys/kernel/debug", False),
        ("bpffs", "/sys/fs/bpf", "/sys/fs/bpf", False),
        ("cgroup", "/sys/fs/cgroup", "/sys/fs/cgroup", True),
        ("passwd", "/etc/passwd", "/etc/passwd", True),
        ("group", "/etc/group", "/etc/group", True),
        ("containerd", "/run/containerd", "/run/containerd", True),
        ("spool", "/var/lib/cws", "/var/lib/cws", False),
    ]
    volumes = [{"name": n, "hostPath": {"path": p}} for n, p, _, _ in host]
    mounts = [{"name": n, "mountPath": m, "readOnly": ro}
              for n, _, m, ro in host]
    volumes.append({"name": "run", "emptyDir": {}})
    mounts.append({"name": "run", "mountPath": "/run/cws"})
    cm = get(values, rt + "policies.configMap", "")
    if cm:
        volumes.append({"name": "policies", "configMap": {"name": cm}})
        mounts.append({"name": "policies", "readOnly": True,
                       "mountPath": "/etc/cws/runtime-security.d"})

    image = "%s:%s" % (get(values, "image.repository", "cws"),
                       get(values, "image.tag", "latest"))
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "cws",
                     "namespace": get(values, "namespace", "cws"),
                     "labels": {"app": "cws"}},
        "spec": {
            "selector": {"matchLabels": {"app": "cws"}},
            "template": {
                "metadata": {"labels": {"app": "cws"}},
                "spec": {
                    # The host's processes, with their real pids.
                    "hostPID": True,
                    "containers": [{
                        "name": "security-agent",
                        "image": image,
                        "args": ["run"],
                        "securityContext": {"privileged": True},
                        "env": env,
                        "volumeMounts": mounts,
                    }],
                    "volumes": volumes,
                    "tolerations": [{"operator": "Exists"}],
                },
            },
        },
    }


def main():
    with open(sys.argv[1]) as f:
        values = yaml.safe_load(f) or {}
    sys.stdout.write("# Rendered by contrib/kubernetes/render.py from "
                     "values.yaml: edit that, not this.\n")
    yaml.safe_dump(render(values), sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
