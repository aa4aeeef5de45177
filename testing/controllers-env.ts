// Shared by the controller tests: a real etcd + apiserver, a client, a namespace, and a kubeconfig for kubectl.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplicationController, Pod } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { startTestApi, type TestApi } from './cluster.js';
import type { ApiServerOptions } from '../apiserver/server.js';
import { uniqueTag } from './wait.js';

export interface ControllerTestEnv {
  t: TestApi;
  client: RestClient;
  ns: string;
  tag: string;
  dir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

/** A namespace on a fresh apiserver (options: the apiserver's, e.g. its admission settings). */
export async function startEnv(api: Partial<ApiServerOptions> = {}): Promise<ControllerTestEnv> {
  const t = await startTestApi(api);
  const client = new RestClient(t.url);
  const tag = uniqueTag();
  const ns = `${tag}-ns`;
  await client.namespaces().create({ metadata: { name: ns } });
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: ${t.url}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\n    namespace: ${ns}\ncurrent-context: t\n`,
  );
  return {
    t,
    client,
    ns,
    tag,
    dir,
    kubeconfig,
    async stop() {
      client.close();
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function rcObject(name: string, replicas: number, labels: Record<string, string> = { app: name }): ReplicationController {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name },
    spec: {
      replicas,
      selector: labels,
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] } },
    },
  };
}

export async function activePods(client: RestClient, ns: string, selector?: string): Promise<Pod[]> {
  const l = await client.pods(ns).list(selector ? { labelSelector: selector } : {});
  return l.items.filter((p) => !p.metadata?.deletionTimestamp);
}
