// The README tour on the real kernel: `hyperkube up` with every component (kubelet and
// proxy included), a replicated busybox web server, a Service reached by ClusterIP and
// NodePort, scaling, logs, exec, a static pod, then `hyperkube reset`. Every bridge,
// CIDR, chain, cgroup and directory is unique to this test and removed at the end.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startUp, type UpCluster } from '../testing/up.js';
import { cgroupPids } from '../runtime/reset.js';

const run = promisify(execFile);
const tag = Math.random().toString(36).slice(2, 6);
const TAG = tag.toUpperCase();
const root = mkdtempSync(join(tmpdir(), 'tkt-tour-'));
const manifests = join(root, 'manifests');
const net = 100 + Math.floor(Math.random() * 100);
const flags = {
  bridge: `tkt${tag}`,
  podCIDR: `10.244.${net}.0/24`,
  serviceCIDR: `10.250.${net}.0/24`,
  chains: `TKT${TAG}`,
  proxyChains: `TP${TAG}`.slice(0, 7),
  device: `tks${tag}`,
  cgroup: `tkt${tag}`,
  state: join(root, 'state'),
  logs: join(root, 'logs'),
};
const upArgs = [
  `--bridge=${flags.bridge}`,
  `--pod-cidr=${flags.podCIDR}`,
  `--service-cluster-ip-range=${flags.serviceCIDR}`,
  `--chain-prefix=${flags.chains}`,
  `--proxy-chain-prefix=${flags.proxyChains}`,
  `--service-device=${flags.device}`,
  `--cgroup-root=${flags.cgroup}`,
  `--state-dir=${flags.state}`,
  `--log-dir=${flags.logs}`,
  `--pod-manifest-path=${manifests}`,
  `--hostname-override=tour-${tag}`,
  '--kubelet-port=0',
  '--proxy-healthz-port=0',
];

function hyperkube(): string[] {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? ['--import', 'tsx', fileURLToPath(new URL('../cmd/hyperkube.ts', import.meta.url))] : [fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url))];
}

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

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

let c: UpCluster;
before(async () => {
  rmSync(manifests, { recursive: true, force: true });
  await run('mkdir', ['-p', manifests]);
  c = await startUp(upArgs, { keepData: true });
});

after(async () => {
  await c?.stop();
  const reset = [`--data-dir=${c?.dataDir ?? join(root, 'none')}`, `--state-dir=${flags.state}`, `--log-dir=${flags.logs}`, `--cgroup-root=${flags.cgroup}`, `--bridge=${flags.bridge}`, `--chain-prefix=${flags.chains}`, `--proxy-chain-prefix=${flags.proxyChains}`, `--service-device=${flags.device}`];
  const r = await run(process.execPath, [...hyperkube(), 'reset', ...reset]).catch((e) => e);
  rmSync(root, { recursive: true, force: true });
  // nothing of ours is left on the host
  assert.deepEqual(cgroupPids(flags.cgroup), []);
  assert.doesNotMatch((await run('ip', ['-o', 'link'])).stdout, new RegExp(`${flags.bridge}|${flags.device}`));
  assert.doesNotMatch((await run('iptables-save')).stdout, new RegExp(`${flags.chains}-|${flags.proxyChains}-`));
  assert.ok(!existsSync(flags.state), `reset: ${r.stdout ?? r}`);
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
  const rc = (await import('node:fs')).readFileSync(join(repoRoot, 'manifests', 'web-rc.yaml'), 'utf8');
  await kubectl(['apply', '-f', '-'], rc);
  await eventually('2 pods Running', async () => {
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    return pods.length === 2 && pods.every((p: any) => p.status.phase === 'Running' && p.status.podIP) ? pods : undefined;
  });
  await kubectl(['expose', 'rc', 'web', '--port=80', '--type=NodePort']);
  const svc = JSON.parse(await kubectl(['get', 'svc', 'web', '-o', 'json']));
  const ip = svc.spec.clusterIP;
  assert.ok(ip.startsWith(`10.250.${net}.`), ip);
  await eventually('endpoints', async () => {
    const ep = JSON.parse(await kubectl(['get', 'endpoints', 'web', '-o', 'json']));
    return ep.subsets?.[0]?.addresses?.length === 2 ? ep : undefined;
  });
  // Every pod serves its own /etc/hostname: over enough requests both answer.
  const seen = new Set<string>();
  await eventually('both pods answer on the ClusterIP', async () => {
    const r = await get(`http://${ip}/hostname`);
    if (r.status === 200) seen.add(r.body.trim());
    return seen.size === 2 ? seen : undefined;
  });
  const np = svc.spec.ports[0].nodePort;
  const viaNodePort = await eventually('NodePort on 127.0.0.1', async () => {
    const r = await get(`http://127.0.0.1:${np}/hostname`);
    return r.status === 200 ? r.body : undefined;
  });
  assert.match(viaNodePort, /^web-/);

  await kubectl(['scale', 'rc', 'web', '--replicas=3']);
  await eventually('3 pods Running', async () => {
    const pods = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    return pods.filter((p: any) => p.status.phase === 'Running').length === 3 ? pods : undefined;
  });

  const pod = JSON.parse(await kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items[0].metadata.name;
  const hostname = await kubectl(['exec', pod, '--', 'cat', '/etc/hostname']);
  assert.equal(hostname.trim(), pod);
  await kubectl(['exec', pod, '--', 'sh', '-c', 'echo tour-log-line']);
  const logs = await c.kubectl(['logs', pod]);
  assert.equal(logs.code, 0, logs.stderr);
});

test('a static pod appears with its mirror pod and goes with its file', async () => {
  const file = join(manifests, 'static.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: static-web\nspec:\n  containers:\n  - name: c\n    image: busybox\n    imagePullPolicy: IfNotPresent\n    command: ["sleep", "3600"]\n');
  const mirror = `static-web-tour-${tag}`;
  await eventually('mirror pod Running', async () => {
    const r = await c.kubectl(['get', 'pod', mirror, '-o', 'json']);
    return r.code === 0 && JSON.parse(r.stdout).status.phase === 'Running' ? true : undefined;
  }, 30_000);
  rmSync(file);
  await eventually('mirror pod gone', async () => ((await c.kubectl(['get', 'pod', mirror])).code !== 0 ? true : undefined), 30_000);
});
