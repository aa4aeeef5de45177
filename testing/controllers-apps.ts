// For the DaemonSet and StatefulSet controller tests: a stand-in kubelet that marks pods Running
// and Ready (no runtime), kubectl against the test apiserver, and node objects to schedule onto.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Node, Pod, Taint } from '../api/core.js';
import type { RestClient } from '../client/rest.js';

const run = promisify(execFile);

export async function kubectl(kubeconfig: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: timeoutMs });
  return stdout;
}

const nowTime = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Mark one pod Running and Ready through the status subresource, as a kubelet would. */
export async function markReady(client: RestClient, pod: Pod): Promise<void> {
  await client.pods(pod.metadata?.namespace).patch(pod.metadata?.name ?? '', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowTime() }] } }, 'merge', { subresource: 'status' });
}

/** Keep marking every pod of the namespace Running and Ready until stopped (a kubelet that starts everything at once). */
export function autoReady(client: RestClient, ns: string, everyMs = 150): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const pods = await client.pods(ns).list();
        for (const p of pods.items) {
          if (p.metadata?.deletionTimestamp || p.status?.phase === 'Running') continue;
          await markReady(client, p).catch(() => undefined);
        }
      } catch {
        // The apiserver is going away at the end of a test.
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

export async function createNode(client: RestClient, name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Promise<Node> {
  return client.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });
}
