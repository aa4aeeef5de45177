// Volumes that persist, on a whole `hyperkube up` cluster with real kubectl: the default
// local-path StorageClass exists; a pod with a claim on it gets a provisioned directory
// (WaitForFirstConsumer: the scheduler picks the node), writes a file; the pod is deleted
// and a new pod with the same claim reads the file; deleting the claim (reclaim Delete)
// removes the PV and its directory; a pod whose claim does not exist stays Pending with
// the scheduler's event. Names, bridge, chains and cgroups are this test's own.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UpCluster } from '../testing/up.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let c: UpCluster;

before(async () => {
  cl = await startIsolated('volumes');
  c = cl.up;
});

after(async () => {
  await cl?.teardown();
});

const kubectl = async (args: string[], input?: string) => {
  const r = await c.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

const podYaml = (name: string, command: string, readOnly = false) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox
    command: [sh, -c, ${JSON.stringify(command)}]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data${readOnly ? ', readOnly: true' : ''}}
`;

const phase = async (name: string) => (await kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.phase}'])).trim();

test('the default StorageClass is local-path', async () => {
  const out = await kubectl(['get', 'sc', '--no-headers']);
  assert.match(out, /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/m);
});

test('a claim on the default class is provisioned for its first pod, and its data outlives the pod', async () => {
  await kubectl(['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
`);
  assert.match(await kubectl(['get', 'pvc', 'data', '--no-headers']), /data\s+Pending\s+local-path/);
  await kubectl(['apply', '-f', '-'], podYaml('writer', 'echo persisted > /data/file && id -u > /data/uid'));
  await eventually('writer Succeeded', async () => ((await phase('writer')) === 'Succeeded' ? true : undefined), 60_000);
  const volume = (await kubectl(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.volumeName}'])).trim();
  assert.match(volume, /^pvc-[0-9a-f-]+$/);
  assert.match(await kubectl(['get', 'pvc', 'data', '--no-headers']), new RegExp(`data\\s+Bound\\s+${volume}\\s+64Mi\\s+RWO\\s+local-path`));
  const path = (await kubectl(['get', 'pv', volume, '-o', 'jsonpath={.spec.hostPath.path}'])).trim();
  assert.equal(path, join(c.dataDir, 'storage', `${volume}_default_data`));
  assert.equal(readFileSync(join(path, 'file'), 'utf8'), 'persisted\n');
  await kubectl(['delete', 'pod', 'writer', '--wait=true']);
  // A new pod on the same claim, read-only this time: it reads the data and cannot write.
  await kubectl(['apply', '-f', '-'], podYaml('reader', 'cat /data/file; touch /data/other 2>/dev/null && echo writable || echo read-only', true));
  await eventually('reader Succeeded', async () => ((await phase('reader')) === 'Succeeded' ? true : undefined), 60_000);
  const logs = await kubectl(['logs', 'reader']);
  assert.equal(logs, 'persisted\nread-only\n');
  await kubectl(['delete', 'pod', 'reader', '--wait=true']);
  // Reclaim Delete: the claim goes, then the volume and its directory.
  await kubectl(['delete', 'pvc', 'data', '--wait=true', '--timeout=30s']);
  await eventually('volume deleted', async () => ((await c.kubectl(['get', 'pv', volume])).code !== 0 ? true : undefined), 30_000);
  assert.equal(existsSync(path), false, 'directory removed');
});

test('a pod whose claim does not exist stays Pending with the scheduler event', async () => {
  await kubectl(['apply', '-f', '-'], podYaml('lonely', 'true').replace('claimName: data', 'claimName: missing'));
  const ev = await eventually('FailedScheduling', async () => {
    const out = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=lonely,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
    return out.trim() || undefined;
  });
  assert.equal(ev, '0/1 nodes are available: persistentvolumeclaim "missing" not found.');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(await phase('lonely'), 'Pending');
  assert.equal((await kubectl(['get', 'pod', 'lonely', '-o', 'jsonpath={.spec.nodeName}'])).trim(), '');
  await kubectl(['delete', 'pod', 'lonely', '--wait=true']);
});

test('a pod placed on the node by hand with an unbound claim is refused by the kubelet (FailedMount), not run on an empty directory', async () => {
  const node = (await kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
  await kubectl(['apply', '-f', '-'], `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: unbound}
spec: {storageClassName: "", accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
`);
  await kubectl(['apply', '-f', '-'], podYaml('byhand', 'echo ran').replace('claimName: data', 'claimName: unbound').replace('spec:\n  restartPolicy', `spec:\n  nodeName: ${node}\n  restartPolicy`));
  const ev = await eventually('FailedMount', async () => {
    const out = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=byhand,reason=FailedMount', '-o', 'jsonpath={.items[0].message}']);
    return out.trim() || undefined;
  }, 30_000);
  assert.match(ev, /PVC default\/unbound has non-bound phase \("Pending"\) or empty pvc\.Spec\.VolumeName \(""\)/);
  assert.equal(await phase('byhand'), 'Pending');
  assert.equal((await kubectl(['get', 'pod', 'byhand', '-o', 'jsonpath={.status.containerStatuses[0].state.running}{.status.containerStatuses[0].state.terminated}'])).trim(), '');
  await kubectl(['delete', 'pod', 'byhand', '--wait=true']);
  await kubectl(['delete', 'pvc', 'unbound', '--wait=true']);
});
