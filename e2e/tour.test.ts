// The README tour on the real kernel: `hyperkube up` with every component (kubelet and
// proxy included), a replicated busybox web server, a Service reached by ClusterIP and
// NodePort, scaling, logs, exec, a static pod, then `hyperkube reset`. Every bridge,
// CIDR, chain, cgroup and directory is unique to this test and removed at the end.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoints, Pod, PodList, Service } from '../api/core.js';
import type { UpCluster } from '../testing/up.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let c: UpCluster;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

before(async () => {
  cl = await startIsolated('tour');
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

test('the node registers and is Ready', async () => {
  await eventually('node Ready', async () => {
    const out = await kubectl(['get', 'nodes']);
    return /\sReady\s/.test(out) ? out : undefined;
  });
});

test('a replicated web server behind a Service, by ClusterIP and NodePort; scale; logs; exec', async () => {
  // The manifest the README uses, from the repo root (this file may run from dist/).
  const repoRoot = fileURLToPath(new URL(fileURLToPath(import.meta.url).endsWith('.ts') ? '../' : '../../', import.meta.url));
  const rc = readFileSync(join(repoRoot, 'manifests', 'web-rc.yaml'), 'utf8');
  await kubectl(['apply', '-f', '-'], rc);
  await eventually('2 pods Running', async () => {
    const pods = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items;
    return pods.length === 2 && pods.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? pods : undefined;
  });
  // describe shows the pod's story as events, as on Kubernetes.
  const pod0 = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items[0].metadata.name!;
  await eventually('describe with events', async () => {
    const d = await kubectl(['describe', 'pod', pod0]);
    return /Events:/.test(d) && /Scheduled\s.*default-scheduler\s+Successfully assigned/.test(d) && /Started\s.*kubelet\s+Started container/.test(d) ? d : undefined;
  }, 20_000);
  await kubectl(['expose', 'rc', 'web', '--port=80', '--type=NodePort']);
  const svc = JSON.parse(await kubectl(['get', 'svc', 'web', '-o', 'json'])) as Service;
  const ip = svc.spec!.clusterIP!;
  assert.ok(ip.startsWith(`10.250.${cl.flags.net}.`), ip);
  await eventually('endpoints', async () => {
    const ep = JSON.parse(await kubectl(['get', 'endpoints', 'web', '-o', 'json'])) as Endpoints;
    return ep.subsets?.[0]?.addresses?.length === 2 ? ep : undefined;
  });
  // Every pod serves its own /etc/hostname: over enough requests both answer.
  const seen = new Set<string>();
  await eventually('both pods answer on the ClusterIP', async () => {
    const r = await get(`http://${ip}/hostname`);
    if (r.status === 200) seen.add(r.body.trim());
    return seen.size === 2 ? seen : undefined;
  });
  const np = svc.spec!.ports![0].nodePort;
  const viaNodePort = await eventually('NodePort on 127.0.0.1', async () => {
    const r = await get(`http://127.0.0.1:${np}/hostname`);
    return r.status === 200 ? r.body : undefined;
  });
  assert.match(viaNodePort, /^web-/);

  await kubectl(['scale', 'rc', 'web', '--replicas=3']);
  await eventually('3 pods Running', async () => {
    const pods = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items;
    return pods.filter((p) => p.status?.phase === 'Running').length === 3 ? pods : undefined;
  });

  const pod = (JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as PodList).items[0].metadata.name!;
  const hostname = await kubectl(['exec', pod, '--', 'cat', '/etc/hostname']);
  assert.equal(hostname.trim(), pod);
  await kubectl(['exec', pod, '--', 'sh', '-c', 'echo tour-log-line']);
  const logs = await c.kubectl(['logs', pod]);
  assert.equal(logs.code, 0, logs.stderr);
});

test('a static pod appears with its mirror pod and goes with its file', async () => {
  const file = join(cl.flags.manifests, 'static.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ["sleep", "3600"]\n');
  const mirror = `static-web-${cl.flags.node}`;
  await eventually('mirror pod Running', async () => {
    const r = await c.kubectl(['get', 'pod', mirror, '-o', 'json']);
    return r.code === 0 && (JSON.parse(r.stdout) as Pod).status?.phase === 'Running' ? true : undefined;
  }, 30_000);
  rmSync(file);
  await eventually('mirror pod gone', async () => ((await c.kubectl(['get', 'pod', mirror])).code !== 0 ? true : undefined), 30_000);
});
