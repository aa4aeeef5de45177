// For the apiserver: where a pod's streaming subresource lives on its
// node's kubelet (pods/log → /containerLogs, pods/exec → /exec, pods/attach
// → /attach, pods/portforward → /portForward), as the real apiserver maps them.
import type { Node } from '../api/core.js';

export type StreamingSubresource = 'log' | 'exec' | 'attach' | 'portforward';

/** host:port of a node's kubelet server (InternalIP, else Hostname; daemonEndpoints port, else 10250). */
export function kubeletAddress(node: Node): { host: string; port: number } {
  const addrs = node.status?.addresses ?? [];
  const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address ?? node.metadata?.name ?? '127.0.0.1';
  return { host, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
}

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];
const STREAM_PARAMS = ['command', 'stdin', 'stdout', 'stderr', 'tty'];

/** The kubelet path + query for an apiserver subresource request on pod ns/name. */
export function kubeletPath(sub: StreamingSubresource, namespace: string, pod: string, query: URLSearchParams, defaultContainer = ''): string {
  const e = encodeURIComponent;
  const q = new URLSearchParams();
  const container = query.get('container') || defaultContainer;
  if (sub === 'portforward') {
    for (const p of [...query.getAll('ports'), ...query.getAll('port')]) q.append('ports', p);
    const s = q.toString();
    return `/portForward/${e(namespace)}/${e(pod)}${s ? `?${s}` : ''}`;
  }
  for (const k of sub === 'log' ? LOG_PARAMS : STREAM_PARAMS) for (const v of query.getAll(k)) q.append(k, v);
  const s = q.toString();
  const base = sub === 'log' ? 'containerLogs' : sub;
  return `/${base}/${e(namespace)}/${e(pod)}/${e(container)}${s ? `?${s}` : ''}`;
}
