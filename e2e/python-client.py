"""Drives a tskube cluster with Debian's python3-kubernetes (22.x), spelling every
parameter as that client does (watch=True, follow=True, stdout=True, force=True).
Usage: python-client.py KUBECONFIG NAMESPACE. Prints one JSON object of what it saw."""

import json
import sys
import time

from kubernetes import client, config, watch
from kubernetes.dynamic import DynamicClient
from kubernetes.stream import stream

kubeconfig, ns = sys.argv[1], sys.argv[2]
config.load_kube_config(config_file=kubeconfig)
v1 = client.CoreV1Api()
out = {}

out["initial_pods"] = len(v1.list_namespaced_pod(ns).items)

pod = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "py"},
    "spec": {
        "restartPolicy": "Never",
        "containers": [
            {"name": "main", "image": "busybox", "imagePullPolicy": "IfNotPresent", "command": ["sleep", "3600"]},
            {
                "name": "talker",
                "image": "busybox",
                "imagePullPolicy": "IfNotPresent",
                "command": ["sh", "-c", "sleep 2; for i in 1 2 3; do echo line-$i; sleep 1; done"],
            },
        ],
    },
}
out["created"] = v1.create_namespaced_pod(ns, pod).metadata.name

# Watch until the pod runs: events must arrive on one stream, not through repeated LISTs.
events = []
w = watch.Watch()
t0 = time.time()
for ev in w.stream(v1.list_namespaced_pod, ns, field_selector="metadata.name=py", timeout_seconds=90):
    events.append(ev["type"])
    if ev["object"].status.phase == "Running":
        w.stop()
out["watch_events"] = events
out["watch_seconds"] = round(time.time() - t0, 1)

# Follow the talker's log while it writes; the stream ends when the container exits.
resp = v1.read_namespaced_pod_log("py", ns, container="talker", follow=True, _preload_content=False)
lines = []
for chunk in resp.stream(64):
    lines.extend(chunk.decode().splitlines())
out["log_lines"] = [l for l in lines if l]

# Exec a command exiting 3: the client must read the exit code from the status frame, promptly.
t0 = time.time()
ex = stream(
    v1.connect_get_namespaced_pod_exec, "py", ns, container="main",
    command=["sh", "-c", "echo out; echo err >&2; exit 3"],
    stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False,
)
ex.run_forever(timeout=30)
out["exec_stdout"] = ex.read_stdout() if ex.peek_stdout() else ""
out["exec_returncode"] = ex.returncode
out["exec_seconds"] = round(time.time() - t0, 1)
ex.close()

# Server-side apply (force=True), then a strategic-merge patch on top.
dyn = DynamicClient(client.ApiClient())
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
# 22.x sends an apply body only when it is already serialised (YAML; JSON is YAML).
applied = dyn.server_side_apply(
    cms, body=json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner", "namespace": ns}, "data": {"a": "1"}}),
    name="owner", namespace=ns, field_manager="py", force_conflicts=True,
)
out["applied_managers"] = [m.manager + ":" + m.operation for m in applied.metadata.managedFields]
patched = v1.patch_namespaced_config_map("owner", ns, {"data": {"b": "2"}})
out["patched_data"] = patched.data

# A dependent, then delete the owner with foreground propagation: both go.
owner_uid = patched.metadata.uid
v1.create_namespaced_config_map(ns, {
    "metadata": {"name": "dependent", "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner_uid, "blockOwnerDeletion": True}]},
    "data": {"c": "3"},
})
# The answer is the owner, still there with the foregroundDeletion finalizer (raw: 22.x would read it as a V1Status).
deleted = json.loads(v1.delete_namespaced_config_map("owner", ns, propagation_policy="Foreground", _preload_content=False).data)
out["foreground_finalizers"] = deleted.get("metadata", {}).get("finalizers")
left = None
for _ in range(60):
    left = sorted(c.metadata.name for c in v1.list_namespaced_config_map(ns).items if c.metadata.name in ("owner", "dependent"))
    if not left:
        break
    time.sleep(0.5)
out["left_after_delete"] = left

print(json.dumps(out))
