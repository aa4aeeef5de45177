// The proxy subresources (pods, services, nodes /proxy) as kube-apiserver serves them:
// the request, any verb, is forwarded to the target proxy-target.ts picks, bodies
// streamed both ways; hop-by-hop headers and the client's credentials are dropped;
// a Location on the target is rewritten under the proxy path (redirects are never
// followed); an upgrade (WebSocket) is joined byte for byte; failures are Statuses.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { kubeletDial, kubeletRequest, type KubeletClientCredentials } from '../../client/kubelet-client.js';
import { unavailable } from '../errors.js';
import type { Registries } from '../registry/index.js';
import type { ApiRequest } from './request.js';
import type { ProxyRoute } from './proxy-path.js';
import { nodeProxyTarget, podProxyTarget, serviceProxyTarget, type ProxyTarget } from './proxy-target.js';
import { joinUpgraded } from './streaming.js';

export interface ProxyDeps {
  registries: Registries;
  kubeletCreds: KubeletClientCredentials;
  /** How long dialling a target may take (ms); default 30 s, upstream's proxy dialer. */
  dialTimeoutMs?: number;
}

// RFC 7230 §6.1 hop-by-hop headers, plus the client's credentials, which were for the apiserver.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-connection']);

export async function proxyTargetOf(d: ProxyDeps, r: ProxyRoute): Promise<ProxyTarget> {
  if (r.resource === 'pods') return podProxyTarget(d.registries, r.namespace!, r.id);
  if (r.resource === 'services') return serviceProxyTarget(d.registries, r.namespace!, r.id);
  return nodeProxyTarget(d.registries, r.id, d.kubeletCreds);
}

const hostPort = (t: ProxyTarget) => {
  const h = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.port ? `${h}:${t.port}` : h;
};
const portOf = (t: ProxyTarget) => Number(t.port || (t.scheme === 'https' ? 443 : 80));

/** The headers sent on: the client's minus hop-by-hop ones (and those Connection names), Host and credentials; X-Forwarded-* added. */
export function forwardHeaders(req: ApiRequest, r: ProxyRoute, t: ProxyTarget): Record<string, string | string[]> {
  const named = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k) || k === 'host' || k === 'authorization') continue;
    out[k] = v;
  }
  out.host = hostPort(t);
  const path = r.targetPath || '/';
  out['x-forwarded-uri'] = `${r.prefix}${path === '/' ? '/' : path}`;
  if (req.headers.host) out['x-forwarded-host'] = req.headers.host;
  out['x-forwarded-proto'] = (req.raw.socket as tls.TLSSocket).encrypted ? 'https' : 'http';
  const from = req.raw.socket.remoteAddress;
  if (from) out['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${from}` : from;
  return out;
}

/**
 * A Location pointing back at the target (or an absolute path on it) is rewritten to
 * go through the proxy again, as upstream's proxy transport does; one to another host
 * or a relative one is passed as it is — never followed.
 */
export function rewriteLocation(location: string, r: ProxyRoute, t: ProxyTarget, req: ApiRequest): string {
  let u: URL;
  try {
    u = new URL(location, `${t.scheme}://${hostPort(t)}/`);
  } catch {
    return location;
  }
  const absolute = /^[a-z][a-z0-9+.-]*:/i.test(location) || location.startsWith('//');
  if (absolute && u.host !== hostPort(t)) return location;
  if (!absolute && !location.startsWith('/')) return location;
  const path = u.pathname.startsWith(r.prefix) ? u.pathname : `${r.prefix}${u.pathname === '/' ? '/' : u.pathname}`;
  const proto = (req.raw.socket as tls.TLSSocket).encrypted ? 'https' : 'http';
  const base = req.headers.host ? `${proto}://${req.headers.host}` : '';
  return `${absolute ? base : ''}${path}${u.search}${u.hash}`;
}

/** Serves a proxy request (not an upgrade). */
export async function serveProxy(d: ProxyDeps, req: ApiRequest, res: http.ServerResponse, r: ProxyRoute): Promise<void> {
  const t = await proxyTargetOf(d, r);
  const qi = req.url.indexOf('?');
  const query = qi < 0 ? '' : req.url.slice(qi);
  // Upstream (issue 4958): a request for the target's root without the slash is redirected to it.
  if (r.targetPath === '') {
    res.writeHead(301, { Location: `${req.path}/${query}` });
    res.end();
    return;
  }
  const opts: http.RequestOptions = { method: req.method, path: `${r.targetPath}${query}`, headers: forwardHeaders(req, r, t) };
  await new Promise<void>((resolve, reject) => {
    const onResponse = (up: http.IncomingMessage) => {
      clearTimeout(dialTimer);
      const headers: Record<string, string | string[]> = {};
      const named = new Set(String(up.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()));
      for (const [k, v] of Object.entries(up.headers)) {
        if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
        headers[k] = k === 'location' && typeof v === 'string' ? rewriteLocation(v, r, t, req) : v;
      }
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', () => {
        res.destroy();
        resolve();
      });
    };
    const out = t.kubelet
      ? kubeletRequest(t.host, portOf(t), opts, t.kubelet, onResponse)
      : t.scheme === 'https'
        ? // Upstream's proxy transport does not verify pods' serving certificates either.
          https.request({ ...opts, host: t.host, port: portOf(t), agent: false, rejectUnauthorized: false }, onResponse)
        : http.request({ ...opts, host: t.host, port: portOf(t), agent: false }, onResponse);
    // Only the dial is timed: an answer may take as long as the target likes (watches, long polls).
    const dialTimer = setTimeout(() => out.destroy(new Error(`dial tcp ${hostPort(t)}: i/o timeout`)), d.dialTimeoutMs ?? 30_000);
    out.on('socket', (s: net.Socket) => {
      if (!s.connecting) clearTimeout(dialTimer);
      else s.once('connect', () => clearTimeout(dialTimer));
    });
    out.on('error', (err) => {
      clearTimeout(dialTimer);
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(unavailable(`error trying to reach service: ${err.message}`));
    });
    // The client going away ends the forwarded request too (streams, long polls).
    res.on('close', () => {
      clearTimeout(dialTimer);
      if (!res.writableFinished) out.destroy();
    });
    req.raw.pipe(out);
  });
}

/** An upgrade (WebSocket, SPDY) through a proxy path: the request replayed to the target, then the two connections joined. */
export async function serveProxyUpgrade(d: ProxyDeps, req: ApiRequest, socket: Duplex, head: Buffer, r: ProxyRoute): Promise<void> {
  const t = await proxyTargetOf(d, r);
  const qi = req.url.indexOf('?');
  const path = `${r.targetPath || '/'}${qi < 0 ? '' : req.url.slice(qi)}`;
  const upstream = await dial(d, t).catch((err: Error) => {
    throw unavailable(`error trying to reach service: ${err.message}`);
  });
  const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${hostPort(t)}`];
  const raw = req.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    // The upgrade's own Connection/Upgrade headers must pass; the client's Host and credentials must not.
    if (/^(host|authorization|proxy-authorization)$/i.test(raw[i])) continue;
    lines.push(`${raw[i]}: ${raw[i + 1]}`);
  }
  if (t.kubelet?.token) lines.push(`Authorization: Bearer ${t.kubelet.token}`);
  joinUpgraded(upstream, socket, lines, head);
}

function dial(d: ProxyDeps, t: ProxyTarget): Promise<net.Socket> {
  if (t.kubelet) return kubeletDial(t.host, portOf(t), t.kubelet);
  return new Promise((resolve, reject) => {
    const https = t.scheme === 'https';
    const sock = https ? tls.connect({ host: t.host, port: portOf(t), rejectUnauthorized: false }) : net.connect({ host: t.host, port: portOf(t) });
    const timer = setTimeout(() => sock.destroy(new Error(`dial tcp ${hostPort(t)}: i/o timeout`)), d.dialTimeoutMs ?? 30_000);
    sock.once(https ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
