// For the apiserver: where a pod's streaming subresource lives on its
// node's kubelet (pods/log → /containerLogs, pods/exec → /exec, pods/attach
// → /attach, pods/portforward → /portForward), as the real apiserver maps them,
// and how to reach it (HTTPS with the apiserver's client certificate, verifying
// the kubelet's serving certificate against the cluster CA).
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Node } from '../api/core.js';

/**
 * How the apiserver authenticates to kubelets and checks them (kube-apiserver's
 * --kubelet-client-certificate/--kubelet-client-key, --kubelet-certificate-authority).
 * With a certificate or a CA the connection is HTTPS, and the kubelet's serving
 * certificate must be signed by `ca` for the address dialled.
 */
export interface KubeletClientCredentials {
  token?: string;
  cert?: string | Buffer;
  key?: string | Buffer;
  ca?: string | Buffer;
}

const useTls = (c: KubeletClientCredentials) => !!(c.cert || c.ca);

function tlsOptions(host: string, c: KubeletClientCredentials): tls.ConnectionOptions {
  // SNI takes a name, never an address; the certificate is checked against `host` either way.
  return { host, ...(net.isIP(host) ? {} : { servername: host }), ...(c.cert ? { cert: c.cert, key: c.key } : {}), ...(c.ca ? { ca: c.ca } : {}), rejectUnauthorized: true };
}

/** GET a kubelet path with the apiserver's credentials. */
export function kubeletGet(host: string, port: number, path: string, c: KubeletClientCredentials, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const headers = c.token ? { authorization: `Bearer ${c.token}` } : {};
  if (!useTls(c)) return http.get({ host, port, path, headers }, onResponse);
  return https.get({ ...tlsOptions(host, c), port, path, headers, agent: false }, onResponse);
}

/** Any request to a kubelet (the apiserver's nodes/<name>/proxy): the given method, path and headers, with the apiserver's credentials. */
export function kubeletRequest(host: string, port: number, opts: http.RequestOptions, c: KubeletClientCredentials, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
  const headers = { ...(opts.headers as Record<string, string> | undefined), ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) };
  if (!useTls(c)) return http.request({ ...opts, host, port, headers, agent: false }, onResponse);
  return https.request({ ...opts, ...tlsOptions(host, c), port, headers, agent: false }, onResponse);
}

/** A connection to a kubelet (TLS when the credentials say so), resolved once connected (and the handshake verified). */
export function kubeletDial(host: string, port: number, c: KubeletClientCredentials): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = useTls(c) ? tls.connect({ ...tlsOptions(host, c), port }) : net.connect({ host, port });
    // Streams carry small interactive frames (keystrokes, SPDY control frames): no Nagle delay.
    sock.setNoDelay(true);
    sock.once(useTls(c) ? 'secureConnect' : 'connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

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
