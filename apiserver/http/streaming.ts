// pods/log, pods/exec, pods/attach and pods/portforward live on the pod's node: the
// apiserver finds that node's kubelet and relays the request — a plain HTTP stream
// for logs, the raw upgraded connection (WebSocket / SPDY) for the others — as
// Kubernetes' apiserver does.

import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Node, Pod } from '../../api/core.js';
import { kubeletAddress, kubeletDial, kubeletGet, kubeletPath, type KubeletClientCredentials, type StreamingSubresource } from '../../client/kubelet-client.js';
import { ApiError, badRequest } from '../errors.js';
import type { Registries } from '../registry/index.js';
import { podStreamQuery } from './pod-stream-options.js';
import type { ApiRequest } from './request.js';
import { kubeletErrorStatus } from './kubelet-errors.js';

export interface KubeletTarget {
  host: string;
  port: number;
  path: string;
}

/** Where on which kubelet a pod's streaming subresource is served. */
export async function kubeletTarget(reg: Registries, namespace: string, name: string, sub: StreamingSubresource, rawQuery: URLSearchParams): Promise<KubeletTarget> {
  // Options are checked before the pod is read, as upstream decodes them first.
  const query = sub === 'portforward' ? rawQuery : podStreamQuery(rawQuery, sub, name);
  const pod: Pod = await reg.byResource.get('pods')!.get(namespace, name);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  let container = query.get('container') ?? '';
  if (!container && sub !== 'portforward') {
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    container = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? (names.length === 1 ? names[0] : '');
    if (!container) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
  }
  if (container && sub !== 'portforward') {
    const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
    if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const node: Node = await reg.byResource.get('nodes')!.get(undefined, nodeName);
  const { host, port } = kubeletAddress(node);
  return { host, port, path: kubeletPath(sub, namespace, name, query, container) };
}

/** GET pods/<name>/log: the kubelet's answer, streamed through as it comes (follow). */
export async function proxyLog(reg: Registries, req: ApiRequest, res: http.ServerResponse, namespace: string, name: string, creds: KubeletClientCredentials = {}): Promise<void> {
  const query = new URL(req.url, 'http://x').searchParams;
  const t = await kubeletTarget(reg, namespace, name, 'log', query);
  await new Promise<void>((resolve, reject) => {
    const out = kubeletGet(t.host, t.port, t.path, creds, (kres) => {
      const code = kres.statusCode ?? 502;
      if (code < 200 || code > 206) {
        // The kubelet's error is plain text; clients read a Status (kubectl shows its message).
        readCapped(kres, 4096).then((text) => reject(kubeletErrorStatus(code, text, name)), reject);
        return;
      }
      res.writeHead(code, { 'Content-Type': kres.headers['content-type'] ?? 'text/plain', 'Transfer-Encoding': 'chunked' });
      kres.pipe(res);
      kres.on('end', resolve);
      kres.on('error', resolve);
    });
    out.on('error', (err) => reject(new ApiError(502, 'InternalError', `error dialing the kubelet on ${t.host}:${t.port}: ${err.message}`)));
    res.on('close', () => out.destroy());
  });
}

/**
 * exec / attach / portforward: replay the client's upgrade request to the kubelet
 * with the kubelet's path, then join the two connections byte for byte.
 */
export async function proxyUpgrade(reg: Registries, req: http.IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string, sub: StreamingSubresource, creds: KubeletClientCredentials = {}): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const t = await kubeletTarget(reg, namespace, name, sub, url.searchParams);
  // Streams carry small interactive frames (keystrokes, SPDY control frames): no Nagle delay.
  (socket as import('node:net').Socket).setNoDelay?.(true);
  const upstream = await kubeletDial(t.host, t.port, creds).catch((err: Error) => {
    throw new ApiError(502, 'InternalError', `error dialing the kubelet on ${t.host}:${t.port}: ${err.message}`);
  });
  const lines = [`${req.method} ${t.path} HTTP/1.1`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i];
    if (/^(host|authorization)$/i.test(k)) continue; // the kubelet gets the apiserver's credentials, never the client's
    lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
  }
  lines.push(`Host: ${t.host}:${t.port}`);
  if (creds.token) lines.push(`Authorization: Bearer ${creds.token}`);
  joinUpgraded(upstream, socket, lines, head);
}

/** Sends the request head `lines` (and the client's first bytes) upstream, then joins the two sockets both ways until either closes. */
export function joinUpgraded(upstream: Duplex, socket: Duplex, lines: string[], head: Buffer): void {
  upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (head.length) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', close);
  socket.on('close', close);
}

/** Up to `max` bytes of a response body as text (the rest is dropped). */
function readCapped(res: http.IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    res.on('data', (b: Buffer) => {
      if (n < max) parts.push(b.subarray(0, max - n));
      n += b.length;
    });
    res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    res.on('error', reject);
  });
}
