// Where a proxy subresource request goes, as kube-apiserver's ResourceLocation of
// pods, services and nodes decides it: the id is `[scheme:]name[:port]`; a pod is
// reached at its IP, a service at a ready endpoint of the named (or numbered) port
// whose address really is one of its pod's IPs, a node at its kubelet (with the
// apiserver's kubelet credentials) or at another port of its address. Loopback and
// link-local addresses are never targets (upstream's IsProxyableIP), so a pod or an
// endpoint claiming 127.0.0.1 or 169.254.x cannot turn the apiserver into a way to
// reach services of the host.

import net from 'node:net';
import type { Endpoints, Node, Pod, Service } from '../../api/core.js';
import { kubeletAddress, type KubeletClientCredentials } from '../../client/kubelet-client.js';
import { badRequest, unavailable } from '../errors.js';
import type { Registries } from '../registry/index.js';

export interface ProxyTarget {
  scheme: 'http' | 'https';
  host: string;
  /** Empty: the scheme's default port. */
  port: string;
  /** Set when the target is a kubelet's own server: dial with the apiserver's kubelet credentials. */
  kubelet?: KubeletClientCredentials;
}

export type ProxyResource = 'pods' | 'services' | 'nodes';

/** utilnet.SplitSchemeNamePort: "name", "name:port", "scheme:name:port" (scheme http or https); undefined when malformed. */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme, name, port };
}

/**
 * True when an address may be proxied to: an IP, not loopback, link-local (unicast or
 * multicast), interface-local multicast or unspecified (upstream's IsProxyableIP plus the
 * pod rule that the IP be global unicast).
 */
export function isProxyableIP(ip: string): boolean {
  const v = net.isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number);
    if (a === 127 || a === 0 || (a === 169 && b === 254) || a >= 224) return false;
    return true;
  }
  if (v === 6) {
    const l = ip.toLowerCase();
    if (l === '::1' || l === '::' || /^fe[89ab]/.test(l) || /^ff0[12]:/.test(l) || l.startsWith('ff')) return false;
    // IPv4-mapped addresses are judged as the IPv4 address they carry.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(l);
    return mapped ? isProxyableIP(mapped[1]) : true;
  }
  return false;
}

const validPort = (p: string) => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;

/** The target of pods/<id>/proxy. */
export async function podProxyTarget(reg: Registries, namespace: string, id: string): Promise<ProxyTarget> {
  const s = splitSchemeNamePort(id);
  if (!s) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const pod: Pod = await reg.byResource.get('pods')!.get(namespace, s.name);
  let port = s.port;
  // No port given: the first declared container port, as upstream.
  if (port === '') {
    const c = (pod.spec?.containers ?? []).find((x) => (x.ports ?? []).length > 0);
    if (c) port = String(c.ports![0].containerPort);
  }
  if (port !== '' && !validPort(port)) throw badRequest(`invalid pod request ${JSON.stringify(id)}`);
  const ip = pod.status?.podIP ?? '';
  if (!isProxyableIP(ip)) throw badRequest('address not allowed');
  return { scheme: s.scheme === 'https' ? 'https' : 'http', host: ip, port };
}

/** The target of services/<id>/proxy: a random ready address of a random subset carrying the port. */
export async function serviceProxyTarget(reg: Registries, namespace: string, id: string, random: (n: number) => number = (n) => Math.floor(Math.random() * n)): Promise<ProxyTarget> {
  const s = splitSchemeNamePort(id);
  if (!s) throw badRequest(`invalid service request ${JSON.stringify(id)}`);
  const svc: Service = await reg.byResource.get('services')!.get(namespace, s.name);
  if (svc.spec?.type === 'ExternalName') throw badRequest(`externalName services cannot be proxied (service ${JSON.stringify(s.name)})`);
  let portName = s.port;
  // A port number names the service port declaring it; the endpoints carry port names.
  if (/^\d+$/.test(portName)) {
    const sp = (svc.spec?.ports ?? []).find((p) => String(p.port) === portName);
    if (!sp) throw unavailable(`no service port ${portName} found for service ${JSON.stringify(s.name)}`);
    portName = sp.name ?? '';
  }
  let eps: Endpoints | undefined;
  try {
    eps = await reg.byResource.get('endpoints')!.get(namespace, s.name);
  } catch {
    eps = undefined;
  }
  const subsets = eps?.subsets ?? [];
  if (subsets.length === 0) throw unavailable(`no endpoints available for service ${JSON.stringify(s.name)}`);
  const pods = reg.byResource.get('pods')!;
  const ssSeed = random(subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(ssSeed + i) % subsets.length];
    const addrs = ss.addresses ?? [];
    if (addrs.length === 0) continue;
    for (const p of ss.ports ?? []) {
      if ((p.name ?? '') !== portName) continue;
      const seed = random(addrs.length);
      for (let t = 0; t < addrs.length; t++) {
        const a = addrs[(seed + t) % addrs.length];
        if (!isProxyableIP(a.ip)) continue;
        // Upstream's isValidAddress: the address must name a pod that really has that IP.
        if (a.targetRef?.kind !== 'Pod' || !a.targetRef.name) continue;
        const pod: Pod | undefined = await pods.get(a.targetRef.namespace ?? namespace, a.targetRef.name).catch(() => undefined);
        const ips = [pod?.status?.podIP, ...(pod?.status?.podIPs ?? []).map((x) => x.ip)];
        if (!ips.includes(a.ip)) continue;
        return { scheme: s.scheme === 'https' ? 'https' : 'http', host: a.ip, port: String(p.port) };
      }
    }
  }
  throw unavailable(`no endpoints available for service ${JSON.stringify(id)}`);
}

/** The target of nodes/<id>/proxy: the kubelet's server, or another port of the node's address. */
export async function nodeProxyTarget(reg: Registries, id: string, creds: KubeletClientCredentials): Promise<ProxyTarget> {
  const s = splitSchemeNamePort(id);
  if (!s) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  const node: Node = await reg.byResource.get('nodes')!.get(undefined, s.name);
  const { host, port } = kubeletAddress(node);
  const tls = !!(creds.cert || creds.ca);
  // The kubelet's own port: its scheme and credentials, whatever scheme was asked for.
  if (s.port === '' || s.port === String(port)) return { scheme: tls ? 'https' : 'http', host, port: String(port), kubelet: creds };
  if (!validPort(s.port)) throw badRequest(`invalid node request ${JSON.stringify(id)}`);
  if (!isProxyableIP(host)) throw badRequest('address not allowed');
  return { scheme: s.scheme === 'https' ? 'https' : 'http', host, port: s.port };
}
