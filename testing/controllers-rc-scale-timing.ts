// For benchmarks: how long a running replication controller takes to create
// every pod of an RC scaled 0 → N, measured from the RC's creation to the
// N-th pod's ADDED event on a watch opened beforehand (no polling in the figure).

import type { ReplicationController } from '../api/core.js';
import type { RestClient } from '../client/rest.js';

export interface RcScaleUpResult {
  /** ms from POST of the RC until the N-th owned pod was seen created. */
  allCreatedMs: number;
  /** ms until the first pod was seen. */
  firstCreatedMs: number;
  created: number;
}

export async function timeRcScaleUp(client: RestClient, namespace: string, name: string, replicas: number, timeoutMs = 60_000): Promise<RcScaleUpResult> {
  const labels = { 'rc-scale-timing': name };
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name },
    spec: { replicas, selector: labels, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
  const pods = client.pods(namespace);
  const start = await pods.list({ labelSelector: `rc-scale-timing=${name}`, limit: 1 });
  const abort = new AbortController();
  const watch = await pods.watch({ labelSelector: `rc-scale-timing=${name}`, resourceVersion: start.metadata?.resourceVersion, signal: abort.signal, allowWatchBookmarks: false });
  const seen = new Set<string>();
  let first = 0;
  const t0 = performance.now();
  const timer = setTimeout(() => watch.stop(), timeoutMs);
  try {
    await client.replicationControllers(namespace).create(rc);
    for await (const ev of watch) {
      if (ev.type !== 'ADDED') continue;
      const p = ev.object;
      seen.add(p.metadata?.uid ?? '');
      if (seen.size === 1) first = performance.now() - t0;
      if (seen.size >= replicas) break;
    }
  } finally {
    clearTimeout(timer);
    watch.stop();
    abort.abort();
  }
  if (seen.size < replicas) throw new Error(`only ${seen.size}/${replicas} pods created within ${timeoutMs} ms`);
  return { allCreatedMs: performance.now() - t0, firstCreatedMs: first, created: seen.size };
}
