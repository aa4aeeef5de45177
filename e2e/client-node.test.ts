// A real client other than kubectl: npm's @kubernetes/client-node (2.x) against a whole
// `hyperkube up` cluster, through e2e/client-node.js — list, an informer's add/update/
// delete, watch, a followed log, exec with its exit status. The client needs Node >= 22.19:
// the script runs on the Node 24 hack/install.sh fetches, and the test is skipped without it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// The script is not compiled: it runs from the source tree, where node_modules resolves.
const SCRIPT = fileURLToPath(new URL('../../e2e/client-node.js', import.meta.url));

/** A Node new enough for the client: this one, hack/install.sh's Node 24, or $TSKUBE_NODE24. */
function newerNode(): string | undefined {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 19)) return process.execPath;
  for (const p of [process.env.TSKUBE_NODE24, `${REPO}node_modules/.cache/node24/bin/node`]) if (p && existsSync(p)) return p;
  return undefined;
}
const NODE = newerNode();
const skip = NODE ? false : `@kubernetes/client-node needs Node >= 22.19; this is ${process.version} and node_modules/.cache/node24/bin/node is missing (hack/install.sh fetches it)`;

let cl: IsolatedCluster | undefined;
before(async () => {
  if (NODE) cl = await startIsolated('cn');
});
after(async () => {
  await cl?.teardown();
});

interface Result {
  initialConfigMaps: number;
  informerEvents: string[];
  informerCacheAfterDelete: number;
  watchEvents: string[];
  logLines: string[];
  execStatus: { status: string; reason?: string; causes?: { reason?: string; message?: string }[] };
  execStdout: string;
  execSeconds: number;
  nodeMetrics: boolean[];
  podMetricContainers: string[];
}

test('@kubernetes/client-node: list, informer, watch, follow logs, exec status, top', { skip, timeout: 240_000 }, async (t) => {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(NODE!, [SCRIPT, cl!.up.kubeconfig, 'default'], { cwd: REPO, timeout: 200_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
  assert.equal(r.code, 0, `client-node script exited ${r.code}: ${r.stderr}`);
  t.diagnostic(r.stdout.trim());
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
  // kube-root-ca.crt may or may not be published yet; the list itself must work.
  assert.ok(out.initialConfigMaps >= 0);
  assert.deepEqual(out.informerEvents.slice(0, 2), ['add:1', 'update:2']);
  assert.match(out.informerEvents[2], /^delete:/);
  assert.equal(out.informerCacheAfterDelete, 0);
  assert.equal(out.watchEvents[0], 'ADDED');
  assert.ok(out.watchEvents.length >= 2 && out.watchEvents.slice(1).every((e) => e === 'MODIFIED'), JSON.stringify(out.watchEvents));
  assert.deepEqual(out.logLines, ['line-1', 'line-2', 'line-3']);
  assert.equal(out.execStatus.status, 'Failure');
  assert.equal(out.execStatus.reason, 'NonZeroExitCode');
  assert.deepEqual(out.execStatus.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.match(out.execStdout, /^out\n/);
  assert.ok(out.execSeconds < 15, `exec took ${out.execSeconds}s`);
  assert.ok(out.nodeMetrics.length === 1 && out.nodeMetrics[0], `node metrics: ${JSON.stringify(out.nodeMetrics)}`);
  assert.ok(out.podMetricContainers.includes('main'), `pod metrics of cn: ${JSON.stringify(out.podMetricContainers)}`);
});
