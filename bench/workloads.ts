// bench workloads: apps/v1 against the ReplicationController it replaces, on one isolated
// `hyperkube up` cluster with real pods (testing/isolated.ts names, its own etcd and ports).
//  - a Deployment of --replicas (100) from POST until status.availableReplicas reaches it, beside an
//    RC of the same size from POST until its availableReplicas does;
//  - a rolling update of that Deployment to a new template (maxSurge 25%, maxUnavailable 25%) until
//    every replica is updated and available, beside the same update of the RC done the way
//    `kubectl rolling-update` did it: a client scaling a new RC up and the old one down within the
//    same surge/unavailable budget. Both sides start the same pods from the same template; what
//    differs is who decides the steps.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Deployment } from '../api/apps.js';
import type { PodTemplateSpec, ReplicationController } from '../api/core.js';
import { RestClient, type ResourceClient } from '../client/index.js';
import { isolatedFlags, upArgs, resetAndRemoveRoot, type IsolatedFlags } from '../testing/isolated.js';
import { startUp, type UpCluster } from '../testing/up.js';
import { cgroupPids } from '../runtime/reset.js';
import { absolute, machine, report, round, vsAnchor, type Figure } from './common.js';

const NS = 'default';
const POLL_MS = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function template(labels: Record<string, string>, version: string): PodTemplateSpec {
  return {
    metadata: { labels, annotations: { 'bench/version': version } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'busybox', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], env: [{ name: 'VERSION', value: version }] }],
    },
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** The pods gone from the API and their processes from the node: the next run starts on a quiet node. */
async function podsGone(client: RestClient, selector: string, f: IsolatedFlags): Promise<void> {
  await until(`pods ${selector} gone`, 180_000, async () => (await client.pods(NS).list({ labelSelector: selector })).items.length === 0);
  await until(`pod processes of ${selector} ended`, 180_000, () => Promise.resolve(cgroupPids(f.cgroup).length === 0));
  // Removing 100+ containers (unmounts, rootfs deletion) goes on after the processes end, and would
  // slow whichever run comes next: wait until the runtime holds no container and no sandbox.
  const left = (d: string) => (existsSync(join(f.state, d)) ? readdirSync(join(f.state, d)).length : 0);
  await until('runtime empty', 180_000, () => Promise.resolve(left('containers') + left('sandboxes') === 0));
  await sleep(1000);
}

const rcs = (c: RestClient) => c.replicationControllers(NS);
const deployments = (c: RestClient): ResourceClient<Deployment> => c.resourceFor<Deployment>({ resource: 'deployments', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true }, NS);

function rc(name: string, n: number, labels: Record<string, string>, version: string): ReplicationController {
  return { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas: n, selector: labels, template: template(labels, version) } };
}

async function rcAvailable(client: RestClient, name: string): Promise<number> {
  const r = await rcs(client).get(name);
  return r.status?.availableReplicas ?? 0;
}

/** RC of n from POST to all available; then the client-driven rolling update to a new RC. Returns ms of each. */
async function rcRun(client: RestClient, n: number, f: IsolatedFlags): Promise<{ create: number; rolling: number }> {
  const t0 = performance.now();
  await rcs(client).create(rc('bench-rc-v1', n, { bench: 'rc', v: '1' }, '1'));
  await until('RC available', 180_000, async () => (await rcAvailable(client, 'bench-rc-v1')) >= n);
  const create = performance.now() - t0;

  const surge = Math.ceil(n * 0.25);
  const unavailable = Math.floor(n * 0.25);
  const t1 = performance.now();
  await rcs(client).create(rc('bench-rc-v2', 0, { bench: 'rc', v: '2' }, '2'));
  let oldSpec = n;
  let newSpec = 0;
  for (;;) {
    // An RC's status lags its spec: pods it is about to delete still count as available there, so
    // never count more than the spec (or scale-downs would overrun the unavailable budget).
    const [oldAvail, newAvail] = (await Promise.all([rcAvailable(client, 'bench-rc-v1'), rcAvailable(client, 'bench-rc-v2')])).map((v, i) => Math.min(v, i === 0 ? oldSpec : newSpec));
    if (newSpec === n && oldSpec === 0 && newAvail >= n) break;
    const up = Math.min(n - newSpec, n + surge - (oldSpec + newSpec));
    if (up > 0) {
      newSpec += up;
      await rcs(client).patch('bench-rc-v2', { spec: { replicas: newSpec } }, 'merge');
    }
    const down = Math.min(oldSpec, oldAvail + newAvail - (n - unavailable));
    if (down > 0) {
      oldSpec -= down;
      await rcs(client).patch('bench-rc-v1', { spec: { replicas: oldSpec } }, 'merge');
    }
    if (up <= 0 && down <= 0) await sleep(POLL_MS);
  }
  const rolling = performance.now() - t1;
  for (const name of ['bench-rc-v1', 'bench-rc-v2']) await rcs(client).delete(name, { propagationPolicy: 'Background' });
  await podsGone(client, 'bench=rc', f);
  return { create, rolling };
}

function deploymentComplete(d: Deployment, n: number): boolean {
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) && s.updatedReplicas === n && s.replicas === n && s.availableReplicas === n;
}

/** Deployment of n from POST to all available; then a rolling update to a new template. Returns ms of each. */
async function deploymentRun(client: RestClient, n: number, f: IsolatedFlags): Promise<{ create: number; rolling: number }> {
  const labels = { bench: 'deploy' };
  const t0 = performance.now();
  await deployments(client).create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench-deploy' },
    spec: { replicas: n, selector: { matchLabels: labels }, template: template(labels, '1'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
  });
  await until('Deployment available', 180_000, async () => deploymentComplete(await deployments(client).get('bench-deploy'), n));
  const create = performance.now() - t0;

  const t1 = performance.now();
  await deployments(client).patch('bench-deploy', { spec: { template: template(labels, '2') } }, 'merge');
  await until('Deployment rolled out', 180_000, async () => deploymentComplete(await deployments(client).get('bench-deploy'), n));
  const rolling = performance.now() - t1;
  await deployments(client).delete('bench-deploy', { propagationPolicy: 'Background' });
  await podsGone(client, 'bench=deploy', f);
  return { create, rolling };
}

export async function main(args: string[] = []): Promise<void> {
  const n = Number(args.find((a) => a.startsWith('--replicas='))?.slice(11) ?? 100);
  const f = isolatedFlags('bwork');
  const dataDir = join(f.root, 'data');
  let up: UpCluster | undefined;
  const figures: Figure[] = [];
  try {
    up = await startUp([...upArgs(f), '--max-pods=400'], { dataDir, keepData: true });
    const client = RestClient.fromKubeconfig({ path: up.kubeconfig });
    await until('node Ready', 60_000, async () => {
      const node = (await client.nodes().list()).items.find((x) => x.metadata?.name === f.node);
      return node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    });
    // Warm-up: the image unpacked and the node's caches filled, outside the clock.
    await rcRun(client, Math.min(10, n), f);
    await deploymentRun(client, Math.min(10, n), f);
    // Rounds alternating which side goes first, each side's best kept: drift hits both alike.
    const rounds = Number(args.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 2);
    const rcRuns: { create: number; rolling: number }[] = [];
    const dRuns: { create: number; rolling: number }[] = [];
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        rcRuns.push(await rcRun(client, n, f));
        dRuns.push(await deploymentRun(client, n, f));
      } else {
        dRuns.push(await deploymentRun(client, n, f));
        rcRuns.push(await rcRun(client, n, f));
      }
    }
    const best = (runs: { create: number; rolling: number }[]) => ({ create: Math.min(...runs.map((r) => r.create)), rolling: Math.min(...runs.map((r) => r.rolling)) });
    const rcFig = best(rcRuns);
    const dFig = best(dRuns);
    console.log(`runs (create/rolling ms): RC ${rcRuns.map((r) => `${round(r.create, 0)}/${round(r.rolling, 0)}`).join(' ')}; Deployment ${dRuns.map((r) => `${round(r.create, 0)}/${round(r.rolling, 0)}`).join(' ')}`);

    figures.push(vsAnchor({ name: `deployment_${n}_available`, unit: 's', value: dFig.create / 1000, anchor: `ReplicationController of ${n} available`, anchor_value: rcFig.create / 1000, target: 'ratio <= 1.3' }, (_v, _a, r) => r <= 1.3));
    figures.push(vsAnchor({ name: `deployment_${n}_rolling_update`, unit: 's', value: dFig.rolling / 1000, anchor: `RC rolling update by a client, same 25%/25% budget`, anchor_value: rcFig.rolling / 1000, target: 'ratio <= 1.3' }, (_v, _a, r) => r <= 1.3));
    figures.push(absolute({ name: `deployment_${n}_rolling_update_time`, unit: 's', value: dFig.rolling / 1000, target: '<= 20 s' }, (v) => v <= 20));
    console.log(`machine: ${machine()}; RC create ${round(rcFig.create)} ms, RC client rolling update ${round(rcFig.rolling)} ms`);
  } finally {
    await up?.stop();
    resetAndRemoveRoot(f, dataDir);
  }
  report('workloads', figures);
}
