// `hyperkube join --server URL --token TOKEN [--node-ip IP]`: this machine becomes a node of an
// existing cluster. The bootstrap token (`hyperkube token create`) is checked against the
// apiserver, then exchanged for the node's own credential (system:node:<name> in system:nodes): a
// client certificate from the cluster CA through a CSR (cmd/join-certificates.ts), kept in
// <data-dir>/kubelet.conf; the node is registered, waits
// for its pod CIDR from the node IPAM controller, asks the cluster CA for the kubelet's serving
// certificate (the apiserver checks kubelets against that CA), and runs
// the kubelet (bridge from that CIDR, routes to the other nodes' pods) and the proxy under this
// machine's own names.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { parseBootstrapToken, BOOTSTRAP_USER_PREFIX } from '../api/bootstrap-token.js';
import type { NodeAddress } from '../api/core.js';
import { RestClient } from '../client/rest.js';
import { ApiError } from '../client/errors.js';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { startKubelet } from '../kubelet/kubelet.js';
import { detectNodeIP } from '../kubelet/node-status.js';
import { startProxy } from '../proxy/server.js';
import { clusterDnsIP } from '../dns/kube-dns-service.js';
import { parseFlags } from './flags.js';
import { Stopping, stopOnSignal, unlessStopped } from './shutdown.js';
import { NODE_NAMING_FLAGS } from './node-naming-flags.js';
import { ensureKubeletClientCert, ensureKubeletServingCert } from './join-certificates.js';

const FLAGS = {
  server: { type: 'string', default: '', help: "the apiserver's URL (https://IP:PORT of the control plane)" },
  token: { type: 'string', default: '', help: 'a bootstrap token from `hyperkube token create` ([a-z0-9]{6}.[a-z0-9]{16})' },
  'certificate-authority': { type: 'string', default: '', help: "the cluster CA (PEM; <data-dir>/pki/ca.crt of the control plane) the apiserver's certificate is checked against" },
  'node-ip': { type: 'string', default: '', help: "this node's InternalIP (default: the address of the default route's device)" },
  'hostname-override': { type: 'string', default: '', help: 'node name (default: the hostname, lowercased)' },
  'data-dir': { type: 'string', default: '/var/lib/tskube', help: "the node's credentials, kubelet dir, images and containers" },
  'cluster-cidr': { type: 'string', default: '10.244.0.0/16', help: "the cluster's pod network (as the control plane's --cluster-cidr)" },
  'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12', help: "the Service CIDR (as the control plane's)" },
  'cluster-dns': { type: 'string', default: '', help: "pods' nameserver (default: the 10th address of --service-cluster-ip-range)" },
  'cluster-domain': { type: 'string', default: 'cluster.local', help: 'the DNS domain of the cluster' },
  ...NODE_NAMING_FLAGS,
  'pod-manifest-path': { type: 'string', default: '/etc/kubernetes/manifests', help: 'directory of static pod manifests' },
  'max-pods': { type: 'string', default: '110', help: 'most pods this node runs' },
  'kubelet-port': { type: 'string', default: '10250', help: 'kubelet server port on the node IP (0: any free port)' },
  'kubelet-healthz-port': { type: 'string', default: '10248', help: "kubelet's /healthz on 127.0.0.1 (0: any free port)" },
  'proxy-healthz-port': { type: 'string', default: '10256', help: "proxy's /healthz and /metrics on 127.0.0.1 (0: any free port)" },
  'pod-cidr-timeout': { type: 'string', default: '60', help: 'seconds to wait for the node IPAM controller to give this node a pod CIDR' },
  'certificate-timeout': { type: 'string', default: '300', help: "seconds to wait for each of the kubelet's certificate requests (client, serving) to be approved and issued" },
} as const;

/** The node object, registered if missing; resolves once it has a pod CIDR. */
async function waitForPodCIDR(client: RestClient, name: string, ip: string, timeoutMs: number, stop: AbortSignal): Promise<string> {
  // Its addresses from the start: the serving certificate request (before the kubelet runs) names them.
  const addresses: NodeAddress[] = [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }];
  try {
    await client.nodes().create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } }, status: { addresses } });
  } catch (err) {
    if (!(err instanceof ApiError && err.status.code === 409)) throw err;
    await client.nodes().patch(name, { status: { addresses } }, 'merge', { subresource: 'status' });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await client.nodes().get(name);
    if (n.spec?.podCIDR) return n.spec.podCIDR;
    if (Date.now() > deadline) throw new Error(`node ${name} got no pod CIDR in ${timeoutMs / 1000}s: is the controller-manager running with --allocate-node-cidrs?`);
    if (stop.aborted) throw new Stopping('signal');
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function runJoin(argv: string[]): Promise<number> {
  const parsed = parseFlags('join', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  if (!/^https:\/\/[^/]+$/.test(f.server)) throw new Error('--server must be the https://HOST:PORT of the apiserver');
  const token = parseBootstrapToken(f.token);
  if (!token) throw new Error('--token must be a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}, from `hyperkube token create`)');
  if (!f['certificate-authority']) throw new Error('--certificate-authority (the cluster CA) is required');
  if (f['node-ip'] && isIP(f['node-ip']) !== 4) throw new Error(`--node-ip must be an IPv4 address, got ${JSON.stringify(f['node-ip'])}`);
  if (!/^[1-9]\d{0,5}$/.test(f['certificate-timeout'])) throw new Error(`--certificate-timeout must be a positive number of seconds, got ${JSON.stringify(f['certificate-timeout'])}`);
  for (const k of ['kubelet-port', 'kubelet-healthz-port', 'proxy-healthz-port'] as const) {
    const v = Number(f[k]);
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`--${k} must be a port number (0-65535), got ${JSON.stringify(f[k])}`);
  }
  const nodeName = (f['hostname-override'] || hostname()).toLowerCase();
  const nodeIP = f['node-ip'] || detectNodeIP();
  const dataDir = f['data-dir'];
  const step = (m: string) => console.log(`join: ${m}`);
  const stop = stopOnSignal(step);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const ca = await readFile(f['certificate-authority'], 'utf8');
  const caPath = join(dataDir, 'ca.crt');
  await writeFile(caPath, ca);

  // The bootstrap token first: a wrong or expired one is refused here, before anything is set up.
  const boot = new RestClient({ server: f.server, token: `${token.id}.${token.secret}`, ca: Buffer.from(ca) });
  const timeoutMs = Number(f['certificate-timeout']) * 1000;
  let identity: { cert: string; key: string };
  try {
    const who = await boot.raw({ method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    if (who.statusCode === 401) throw new Error('the apiserver refused the bootstrap token (unknown, expired or deleted)');
    const user = (JSON.parse(who.body.toString()) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username;
    if (user !== `${BOOTSTRAP_USER_PREFIX}${token.id}`) throw new Error(`the apiserver took the token for ${JSON.stringify(user)}, not a bootstrap token`);
    // The node's identity: a client certificate the bootstrap token asks for (TLS bootstrap).
    identity = await ensureKubeletClientCert({ client: boot, dir: join(dataDir, 'pki'), ca, nodeName, timeoutMs, signal: stop.signal, log: step });
  } finally {
    boot.close();
  }
  const kubeconfig = join(dataDir, 'kubelet.conf');
  await writeKubeconfig(kubeconfig, { server: f.server, cert: identity.cert, key: identity.key, ca });
  step(`node credential (client certificate) for system:node:${nodeName} in ${kubeconfig}`);

  const client = new RestClient({ server: f.server, cert: Buffer.from(identity.cert), key: Buffer.from(identity.key), ca: Buffer.from(ca) });
  const stops: (() => Promise<void>)[] = [() => Promise.resolve(client.close())];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error(`stop: ${(e as Error).message}`));
  };
  try {
    const podCIDR = await unlessStopped(stop, waitForPodCIDR(client, nodeName, nodeIP, Number(f['pod-cidr-timeout']) * 1000, stop.signal));
    step(`node ${nodeName} has pod CIDR ${podCIDR}`);
    const serving = await unlessStopped(
      stop,
      ensureKubeletServingCert({ client, dir: join(dataDir, 'pki'), ca, nodeName, nodeIP, timeoutMs, signal: stop.signal, log: step }),
    );
    const clusterDNS = f['cluster-dns'] || clusterDnsIP(f['service-cluster-ip-range']);
    const kubelet = await unlessStopped(
      stop,
      startKubelet({
        client,
        nodeName,
        nodeIP,
        address: nodeIP,
        podCIDR,
        clusterCIDR: f['cluster-cidr'],
        nodeRoutes: {},
        podManifestPath: f['pod-manifest-path'],
        bridgeName: f.bridge,
        chainPrefix: f['chain-prefix'],
        stateDir: f['state-dir'],
        logDir: f['log-dir'],
        cgroupRoot: f['cgroup-root'],
        rootDir: join(dataDir, 'kubelet'),
        imagesRoot: join(dataDir, 'images'),
        containersDir: join(dataDir, 'containers'),
        port: Number(f['kubelet-port']),
        healthzPort: Number(f['kubelet-healthz-port']),
        maxPods: Number(f['max-pods']),
        clusterDNS: [clusterDNS],
        clusterDomain: f['cluster-domain'],
        seccompDefault: true,
        tlsCertFile: serving.cert,
        tlsKeyFile: serving.key,
        clientCAFile: caPath,
        log: (m) => step(`kubelet: ${m}`),
      }),
      (k) => k.stop(),
    );
    stops.push(() => kubelet.stop());
    step(`kubelet running as node ${kubelet.nodeName}`);
    const proxy = await unlessStopped(
      stop,
      startProxy({
        client,
        chainPrefix: f['proxy-chain-prefix'],
        nodeSetup: { serviceDevice: f['service-device'] },
        clusterCIDR: f['cluster-cidr'],
        serviceCIDR: f['service-cluster-ip-range'],
        healthz: { host: '127.0.0.1', port: Number(f['proxy-healthz-port']) },
        log: (m) => step(`proxy: ${m}`),
      }),
      (p) => p.stop(),
    );
    stops.push(() => proxy.stop());
    console.log(`ready: node ${nodeName} joined ${f.server}`);
  } catch (err) {
    await stopAll();
    stop.dispose();
    if (err instanceof Stopping) return 0;
    throw err;
  }
  const sig = await stop.signalled;
  step(`stopping (${sig})`);
  await stopAll();
  stop.dispose();
  return 0;
}
