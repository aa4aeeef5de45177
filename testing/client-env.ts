// For the client's and kubecfg's integration tests: a real etcd and a real
// apiserver on free loopback ports, a RestClient for it, and a way to restart
// the apiserver on the same port (and to run a second one on the same etcd).

import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdHandle } from './etcd.js';
import { startApiServer, type ApiServer } from '../apiserver/server.js';
import { RestClient } from '../client/rest.js';

export interface TestCluster {
  etcd: EtcdHandle;
  api: ApiServer;
  url: string;
  client: RestClient;
  /** Stop the apiserver and start it again on the same port. */
  restartApiServer(downMs?: number, whileDown?: () => Promise<void>): Promise<void>;
  /** Another apiserver on the same etcd (a free port); the caller stops it. */
  secondApiServer(): Promise<ApiServer>;
  /** Compact etcd's history up to its current revision (what the apiserver's compactor does, at once). */
  compactEtcd(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestCluster(opts: { compactionIntervalMs?: number } = {}): Promise<TestCluster> {
  const etcd = await startEtcd();
  const serverOpts = { etcdEndpoints: [etcd.endpoint], port: 0, ...(opts.compactionIntervalMs ? { compactionIntervalMs: opts.compactionIntervalMs } : {}) };
  let api: ApiServer;
  try {
    api = await startApiServer(serverOpts);
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  const client = new RestClient(api.url);
  const cluster: TestCluster = {
    etcd,
    api,
    url: api.url,
    client,
    async restartApiServer(downMs = 0, whileDown?: () => Promise<void>) {
      const port = cluster.api.port;
      await cluster.api.stop();
      if (whileDown) await whileDown();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      // The port was just released; retry briefly if the kernel has not freed it yet.
      for (let i = 0; ; i++) {
        try {
          cluster.api = await startApiServer({ ...serverOpts, port });
          return;
        } catch (err) {
          if (i > 50 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    secondApiServer() {
      return startApiServer(serverOpts);
    },
    async compactEtcd() {
      const e = new Etcd3({ hosts: etcd.endpoint });
      try {
        const rev = (await e.kv.range({ key: Buffer.from('/') })).header.revision;
        await e.kv.compact({ revision: rev, physical: true });
        return rev;
      } finally {
        e.close();
      }
    },
    async stop() {
      client.close();
      try {
        await cluster.api.stop();
      } finally {
        await etcd.stop();
      }
    },
  };
  return cluster;
}

/** Poll until fn returns a truthy value (robust on a loaded machine), or fail after timeoutMs. */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last instanceof Error ? String(last) : JSON.stringify(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
}
