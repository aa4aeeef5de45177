// `hyperkube up`: etcd as a child process and every component in this process,
// each talking to the others only through the apiserver, for a one-machine cluster.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startApiServer } from '../apiserver/server.js';
import { parseTolerationSeconds } from '../apiserver/admission/default-toleration-seconds.js';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { startEtcdProcess, type EtcdProcess } from './etcd-process.js';
import { ensureEtcdPKI, ensureServiceAccountKeys, ensureServingCert } from './pki.js';
import { UP_PID_FILE, readProcs, removeProcFiles, writeProcs } from './procs-file.js';
import { procIdentity, stillRunning } from './proc-identity.js';
import { assertPortFree } from './port-holder.js';
import { Stopping, stopOnSignal, unlessStopped } from './shutdown.js';
import { ensureKubeletPki } from './pki.js';
import { detectNodeIP } from '../kubelet/node-status.js';
import { hostname } from 'node:os';
import { RestClient } from '../client/rest.js';
import { ensureLocalPathStorageClass } from './storage-class.js';
import { startControllerManager } from '../controllers/manager.js';
import { startScheduler } from '../scheduler/scheduler.js';
import { startProxy } from '../proxy/server.js';
import { startKubelet } from '../kubelet/kubelet.js';
import { UP_RECLAIM_FLAGS, reclaimOptions } from './kubelet-reclaim-flags.js';
import { startDns } from '../dns/server.js';
import { clusterDnsSettings } from './up-dns.js';
import { parseFlags } from './flags.js';
import { nodeControllerOptions } from './up-nodes.js';
import { runUpProcesses } from './up-processes.js';
import { gatewayOf, parseCIDR } from '../runtime/network/cidr.js';
import { parseAuthorizationModes } from '../apiserver/auth/authorization-modes.js';
import { tokenFileAuthenticator } from '../apiserver/auth/token-file.js';
import { TOKEN_FILE } from './kubeconfig.js';
import { componentTokens, writeComponentKubeconfigs, type ComponentName } from './component-credentials.js';
import { ensureComponentRoles } from './component-rbac.js';
import type { Level } from '../api/pod-security.js';
import { checkDataVersion, finishDataVersion } from './storage-migrate.js';
import { SNAPSHOT_FLAGS, snapshotSettings, startUpSnapshots } from './etcd-snapshot/up-snapshots.js';
import { NODE_NAMING_FLAGS } from './node-naming-flags.js';

const FLAGS = {
  'data-dir': { type: 'string', default: '/var/lib/tskube', help: 'where etcd data, the certificates and keys, the kubeconfig and the tokens live (made mode 0700)' },
  'bind-address': { type: 'string', default: '127.0.0.1', help: 'address the apiserver listens on' },
  port: { type: 'string', default: '6443', help: 'apiserver port (HTTPS with a certificate of the cluster CA, bearer token required; 0: any free port)' },
  'etcd-client-port': { type: 'string', default: '12379', help: "etcd's client port on 127.0.0.1 (TLS; only the apiserver's client certificate is accepted); up refuses to start if it is taken" },
  'etcd-peer-port': { type: 'string', default: '12380', help: "etcd's peer port on 127.0.0.1 (TLS, peer certificate required); up refuses to start if it is taken" },
  'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12', help: 'CIDR Service ClusterIPs come from' },
  'service-node-port-range': { type: 'string', default: '30000-32767', help: 'range NodePorts come from' },
  'cluster-cidr': { type: 'string', default: '10.244.0.0/16', help: 'pod network of the cluster (the proxy masquerades Service traffic from outside it)' },
  'allocate-node-cidrs': { type: 'boolean', default: true, help: 'the controller-manager gives each node (those joined by `hyperkube join`) a pod CIDR from --cluster-cidr' },
  'node-cidr-mask-size': { type: 'string', default: '24', help: "prefix length of each node's pod CIDR" },
  'node-monitor-grace-period': { type: 'string', default: '40s', help: 'heartbeats missing this long make a node NotReady (Unknown) and tainted unreachable' },
  'multi-process': { type: 'boolean', default: false, help: 'run etcd and each component as its own child process, restarted when it dies; pids in <data-dir>/pids.json' },
  disable: { type: 'string', default: '', help: 'comma-separated components not to run: scheduler, controller-manager, proxy, kubelet, dns' },
  'hostname-override': { type: 'string', default: '', help: 'node name (default: the hostname, lowercased)' },
  'pod-manifest-path': { type: 'string', default: '/etc/kubernetes/manifests', help: 'directory of static pod manifests the kubelet runs' },
  'pod-cidr': { type: 'string', default: '10.244.0.0/24', help: "this node's pod CIDR (inside --cluster-cidr)" },
  ...NODE_NAMING_FLAGS,
  'proxy-healthz-port': { type: 'string', default: '10256', help: "proxy's /healthz and /metrics on 127.0.0.1 (0: any free port)" },
  'cluster-domain': { type: 'string', default: 'cluster.local', help: 'the DNS domain of the cluster (Services answer as <svc>.<ns>.svc.<domain>)' },
  'cluster-dns': { type: 'string', default: '', help: "ClusterIP of Service kube-system/kube-dns, pods' nameserver (default: the 10th address of --service-cluster-ip-range)" },
  'dns-upstream': { type: 'string', default: '', help: "comma-separated resolvers (ip[:port]) the cluster DNS forwards other names to (default: the host's /etc/resolv.conf)" },
  'max-pods': { type: 'string', default: '110', help: "the kubelet's pods capacity: most pods this node runs" },
  'kubelet-port': { type: 'string', default: '10250', help: "kubelet server port on the node IP (0: any free port); HTTPS, it answers only the apiserver's client certificate" },
  'pod-security-default': { type: 'string', default: 'privileged', help: 'Pod Security level (privileged, baseline, restricted) enforced in namespaces without pod-security.kubernetes.io labels' },
  'default-not-ready-toleration-seconds': { type: 'string', default: '300', help: "tolerationSeconds of the not-ready:NoExecute toleration the apiserver adds to pods without one: how long they stay on a node that is not ready" },
  'default-unreachable-toleration-seconds': { type: 'string', default: '300', help: 'tolerationSeconds of the unreachable:NoExecute toleration the apiserver adds to pods without one' },
  'authorization-mode': { type: 'string', default: 'Node,RBAC', help: 'Node,RBAC (kubelets reach only their own pods\' objects; roles and bindings; the admin is in system:masters), RBAC or AlwaysAllow' },
  'kubelet-healthz-port': { type: 'string', default: '10248', help: "kubelet's open /healthz on 127.0.0.1 (0: any free port)" },
  ...UP_RECLAIM_FLAGS,
  'etcd-quota-backend-bytes': { type: 'string', default: '2147483648', help: "etcd's backend quota: past it etcd raises the NOSPACE alarm and refuses writes (the apiserver's /readyz fails `etcd` then)" },
  ...SNAPSHOT_FLAGS,
  // The worker is an isolate of its own (~16 MiB RSS measured in up, issue 18); off, concurrent
  // creates share the main thread with every component: 100 POSTs took 2.7-3.6x as long on 2 cores.
  'etcd-client-thread': { type: 'string', default: 'true', help: "run the apiserver's etcd client in a worker thread of its own (true|false); false saves ~16 MiB RSS, true keeps many concurrent creates fast" },
} as const;

const COMPONENTS = ['scheduler', 'controller-manager', 'proxy', 'kubelet', 'dns'];

/** The admin token: made once, kept in the data dir so restarts keep the kubeconfig valid. */
async function adminToken(dataDir: string): Promise<string> {
  return secretFile(join(dataDir, 'admin-token'));
}

/** A random secret kept in `path` (mode 0600), made on first use. */
async function secretFile(path: string): Promise<string> {
  try {
    const t = (await readFile(path, 'utf8')).trim();
    if (t) return t;
  } catch {
    // first start
  }
  const t = randomBytes(24).toString('hex');
  await writeFile(path, `${t}\n`, { mode: 0o600 });
  return t;
}

/** The admin token, the apiserver's serving certificate and the kubelet's certificates, made on first start. */
async function clusterSecrets(dataDir: string, host: string, nodeName: string, net: { podAddress: string; serviceIP: string; clusterDomain: string }) {
  const token = await adminToken(dataDir);
  const pkiDir = join(dataDir, 'pki');
  // Pods reach the API at the `kubernetes` ClusterIP, the bridge address and these names: an
  // older certificate without them is remade (ensureServingCert compares the SANs).
  const serving = await ensureServingCert(pkiDir, 'apiserver', {
    ips: [...new Set(['127.0.0.1', net.serviceIP, net.podAddress, ...(host !== '0.0.0.0' && host !== '::' ? [host] : [])])],
    dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${net.clusterDomain}`],
  });
  const ca = await readFile(join(pkiDir, 'ca.crt'), 'utf8');
  // The kubelet serves HTTPS on the node IP and answers only the apiserver's client certificate.
  const nodeIP = detectNodeIP();
  const kubeletPki = await ensureKubeletPki(pkiDir, { name: nodeName, ip: nodeIP });
  const saKeys = await ensureServiceAccountKeys(pkiDir);
  return { token, serving, ca, nodeIP, kubeletPki, saKeys };
}

function disabledComponents(spec: string): Set<string> {
  const disabled = new Set(spec.split(',').map((c) => c.trim()).filter(Boolean));
  for (const c of disabled) if (!COMPONENTS.includes(c)) throw new Error(`--disable: unknown component "${c}" (one of ${COMPONENTS.join(', ')})`);
  return disabled;
}

/** Checks the flags `up` reads as numbers (and --etcd-client-thread) before anything starts. */
function checkNumbers(f: Record<string, string | boolean>): void {
  for (const k of ['port', 'etcd-client-port', 'etcd-peer-port', 'proxy-healthz-port', 'kubelet-port']) {
    const v = Number(f[k]);
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`--${k} must be a port number (0-65535), got ${JSON.stringify(f[k])}`);
  }
  for (const k of ['etcd-client-port', 'etcd-peer-port']) if (Number(f[k]) === 0) throw new Error(`--${k} must name a port (etcd's ports are fixed across restarts)`);
  if (f['etcd-client-port'] === f['etcd-peer-port']) throw new Error('--etcd-client-port and --etcd-peer-port must differ');
  const maxPods = Number(f['max-pods']);
  if (!Number.isInteger(maxPods) || maxPods < 1) throw new Error(`--max-pods must be a positive integer, got ${JSON.stringify(f['max-pods'])}`);
  const quota = Number(f['etcd-quota-backend-bytes']);
  // etcd's own bounds: below 1 MiB it cannot hold a cluster, and bbolt caps near 8 GiB by default.
  if (!Number.isSafeInteger(quota) || quota < 1 << 20 || quota > 8 * 2 ** 30) throw new Error(`--etcd-quota-backend-bytes must be a number of bytes between 1 MiB and 8 GiB, got ${JSON.stringify(f['etcd-quota-backend-bytes'])}`);
  if (!['true', 'false'].includes(String(f['etcd-client-thread']))) throw new Error(`--etcd-client-thread is true or false, got ${JSON.stringify(f['etcd-client-thread'])}`);
}

export async function runUp(argv: string[]): Promise<number> {
  const parsed = parseFlags('up', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  checkNumbers(f);
  parseAuthorizationModes(f['authorization-mode']);
  if (!['privileged', 'baseline', 'restricted'].includes(f['pod-security-default'])) throw new Error('--pod-security-default is privileged, baseline or restricted');
  const defaultTolerationSeconds = {
    notReadySeconds: parseTolerationSeconds('default-not-ready-toleration-seconds', f['default-not-ready-toleration-seconds']),
    unreachableSeconds: parseTolerationSeconds('default-unreachable-toleration-seconds', f['default-unreachable-toleration-seconds']),
  };
  const disabled = disabledComponents(f.disable);
  const reclaim = reclaimOptions(f);
  const dns = clusterDnsSettings(f, disabled);
  const dataDir = f['data-dir'];
  const snapshots = snapshotSettings(f, dataDir);
  const nodeName = (f['hostname-override'] || hostname()).toLowerCase();
  const started = Date.now();
  const step = (m: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(2)}s] ${m}`);
  // From here on a signal stops `up` promptly, whatever it is doing.
  const stop = stopOnSignal((m) => step(m));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // One `up` per data dir: a second would take over the first's records (and reset with them).
  const other = readProcs(dataDir)?.up;
  if (other && other.pid !== process.pid && stillRunning(other)) throw new Error(`another hyperkube up (pid ${other.pid}) is running on ${dataDir}`);
  // Taken ports are refused before anything starts (etcd's are checked as it starts).
  if (Number(f.port) !== 0) await assertPortFree(Number(f.port), 'apiserver port', f['bind-address']);
  // A data dir of a newer storage format is refused before anything starts.
  const version = await checkDataVersion(dataDir);
  const me = procIdentity(process.pid)!;
  // `hyperkube reset` finds and stops a running `up` (and what it started) through these.
  await writeFile(join(dataDir, UP_PID_FILE), `${process.pid}\n`);
  writeProcs(dataDir, { up: me });
  // The apiserver's listener for pods: the pod bridge's address (see apiserver/README.md).
  const podAddress = gatewayOf(parseCIDR(f['pod-cidr']));
  const secrets = await clusterSecrets(dataDir, f['bind-address'], nodeName, { podAddress, serviceIP: gatewayOf(parseCIDR(f['service-cluster-ip-range'])), clusterDomain: f['cluster-domain'] });
  const etcdPKI = await ensureEtcdPKI(join(dataDir, 'pki', 'etcd'));
  // Each component's own identity (component-credentials.ts), in the token file before the apiserver reads it.
  const componentTokensMade = await componentTokens(dataDir, nodeName);
  if (f['multi-process']) {
    const code = await runUpProcesses({
      flags: f,
      dataDir,
      disabled,
      dns,
      adminTokenFile: join(dataDir, 'admin-token'),
      nodeIP: secrets.nodeIP,
      kubeletPki: secrets.kubeletPki,
      serving: secrets.serving,
      saKeys: secrets.saKeys,
      podAddress,
      ca: secrets.ca,
      token: secrets.token,
      componentTokens: componentTokensMade,
      nodeName,
      etcdPKI,
      version,
      snapshots,
      stop,
      step,
    });
    removeProcFiles(dataDir);
    stop.dispose();
    return code;
  }

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error(`stop: ${(e as Error).message}`));
  };
  let etcd: EtcdProcess;
  try {
    etcd = await unlessStopped(
      stop,
      startEtcdProcess({
        dataDir: join(dataDir, 'etcd'),
        clientPort: Number(f['etcd-client-port']),
        peerPort: Number(f['etcd-peer-port']),
        pki: etcdPKI,
        quotaBackendBytes: Number(f['etcd-quota-backend-bytes']),
        detached: true,
        dieWithParent: true,
      }),
      (e) => e.stop(),
    );
    stops.push(() => etcd.stop());
    writeProcs(dataDir, { up: me, etcd: { pid: etcd.pid, start: etcd.startTime } });
    step(`etcd ready on ${etcd.endpoint} (pid ${etcd.pid})`);
    await finishDataVersion(version, dataDir, etcd, step);
    if (snapshots.enabled) {
      const sched = startUpSnapshots(snapshots, etcd, nodeName, (m) => step(m));
      stops.push(() => sched.stop());
    }
    const host = f['bind-address'];
    const { token, serving, ca, kubeletPki } = secrets;
    const apiserver = await unlessStopped(
      stop,
      startApiServer({
        tls: { cert: serving.cert, key: serving.key },
        // Nodes that joined authenticate with client certificates from the cluster CA (csrsigning).
        clientCA: kubeletPki.ca,
        kubeletClient: { cert: kubeletPki.client.cert, key: kubeletPki.client.key, ca: kubeletPki.ca },
        etcdEndpoints: [etcd.endpoint],
        etcdTLS: etcd.tls,
        etcdQuotaBytes: Number(f['etcd-quota-backend-bytes']),
        etcdClientThread: f['etcd-client-thread'] === 'true',
        host,
        port: Number(f.port),
        serviceCIDR: f['service-cluster-ip-range'],
        nodePortRange: f['service-node-port-range'],
        token,
        serviceAccounts: { signingKey: secrets.saKeys.key, publicKeys: [secrets.saKeys.pub] },
        advertiseAddress: podAddress,
        // Users made by `hyperkube kubeconfig --user`.
        authenticators: [tokenFileAuthenticator(join(dataDir, TOKEN_FILE), (m) => step(`apiserver: ${m}`))],
        // Nodes join with bootstrap tokens (`hyperkube token create`, `hyperkube join`), as kubeadm's clusters.
        enableBootstrapTokenAuth: true,
        authorizationMode: f['authorization-mode'],
        podSecurityDefault: f['pod-security-default'] as Level,
        defaultTolerationSeconds,
        log: (m) => step(`apiserver: ${m}`),
      }),
      (a) => a.stop(),
    );
    stops.push(() => apiserver.stop());
    step(`apiserver ready on ${apiserver.url}`);
    const kubeconfig = join(dataDir, 'kubeconfig');
    await writeKubeconfig(kubeconfig, { server: apiserver.url, token, ca });
    const maxPods = Number(f['max-pods']);
    // `up`'s own setup (storage class, add-on roles) with the admin credentials ...
    const admin = new RestClient({ server: apiserver.url, token, ca: Buffer.from(ca) });
    stops.push(() => Promise.resolve().then(() => admin.close()));
    if (await ensureLocalPathStorageClass(admin)) step('storage class local-path (default) created');
    await ensureComponentRoles(admin);
    await writeComponentKubeconfigs(dataDir, componentTokensMade, apiserver.url, ca);
    // ... and every component reaches the cluster only through the apiserver, as itself.
    const clientFor = (c: ComponentName) => {
      const rc = new RestClient({ server: apiserver.url, token: componentTokensMade[c], ca: Buffer.from(ca) });
      stops.push(() => Promise.resolve().then(() => rc.close()));
      return rc;
    };
    if (!disabled.has('controller-manager')) {
      const cm = await unlessStopped(stop, startControllerManager({ client: clientFor('controller-manager'), rootCA: ca, clusterSigning: { cert: ca, key: await readFile(join(dataDir, 'pki', 'ca.key'), 'utf8') }, ...nodeControllerOptions(f), log: (m) => step(`controller-manager: ${m}`) }), (c) => c.stop());
      stops.push(() => cm.stop());
      step('controller-manager running');
    }
    if (!disabled.has('scheduler')) {
      const sched = await unlessStopped(stop, startScheduler({ client: clientFor('scheduler'), log: (m) => step(`scheduler: ${m}`) }), (c) => c.stop());
      stops.push(() => sched.stop());
      step('scheduler running');
    }
    if (!disabled.has('kubelet')) {
      const kubelet = await unlessStopped(
        stop,
        startKubelet({
          client: clientFor('kubelet'),
          localPathClient: clientFor('local-path-provisioner'),
          nodeName,
          podManifestPath: f['pod-manifest-path'],
          podCIDR: f['pod-cidr'],
          // Joined nodes' pods route here by pod IP, and this node to theirs.
          clusterCIDR: f['cluster-cidr'],
          nodeRoutes: {},
          bridgeName: f.bridge,
          chainPrefix: f['chain-prefix'],
          stateDir: f['state-dir'],
          logDir: f['log-dir'],
          cgroupRoot: f['cgroup-root'],
          rootDir: join(dataDir, 'kubelet'),
          localPathDir: join(dataDir, 'storage'),
          imagesRoot: join(dataDir, 'images'),
          containersDir: join(dataDir, 'containers'),
          port: Number(f['kubelet-port']),
          healthzPort: Number(f['kubelet-healthz-port']),
          maxPods,
          clusterDNS: dns.clusterDNS,
          clusterDomain: dns.clusterDomain,
          seccompDefault: true, // `up` runs containers with RuntimeDefault seccomp unless a pod asks otherwise
          // Reached by the apiserver at the node's InternalIP only, over HTTPS with its client certificate.
          nodeIP: secrets.nodeIP,
          address: secrets.nodeIP,
          tlsCertFile: kubeletPki.serving.certPath,
          tlsKeyFile: kubeletPki.serving.keyPath,
          clientCAFile: kubeletPki.caPath,
          ...reclaim,
          log: (m) => step(`kubelet: ${m}`),
        }),
        (k) => k.stop(),
      );
      // Stopping the kubelet leaves its pods running; the next start re-adopts them.
      stops.push(() => kubelet.stop());
      step(`kubelet running as node ${kubelet.nodeName}`);
    }
    if (!disabled.has('proxy')) {
      const proxy = await unlessStopped(
        stop,
        startProxy({
          client: clientFor('proxy'),
          chainPrefix: f['proxy-chain-prefix'],
          nodeSetup: { serviceDevice: f['service-device'] },
          clusterCIDR: f['cluster-cidr'],
          serviceCIDR: f['service-cluster-ip-range'],
          healthz: { host: '127.0.0.1', port: Number(f['proxy-healthz-port']) },
          log: (m) => step(`proxy: ${m}`),
        }),
        (p) => p.stop(),
      );
      // Stopping `up` leaves the rules in place, like a restarting kube-proxy; the next start adopts them.
      stops.push(() => proxy.stop());
      step('proxy running');
    }
    if (!disabled.has('dns')) {
      // On the pod bridge's address, which exists once the kubelet runs its first pod: bound then.
      const server = await unlessStopped(
        stop,
        startDns({ client: clientFor('dns'), host: dns.listen, clusterDomain: dns.clusterDomain, serviceCIDR: f['service-cluster-ip-range'], clusterIP: dns.clusterDNS[0], ...(dns.upstream.length ? { upstream: dns.upstream } : {}), waitForAddress: false, log: (m) => step(`dns: ${m}`) }),
        (d) => d.stop(),
      );
      stops.push(() => server.stop());
      step(`dns running for ${dns.clusterDomain} on ${dns.listen}:53, Service kube-system/kube-dns ${dns.clusterDNS.join(',')}`);
    }
    console.log(`ready: kubeconfig ${kubeconfig} — dashboard ${apiserver.url}/ui/ — try: kubectl --kubeconfig ${kubeconfig} get nodes`);
  } catch (err) {
    if (err instanceof Stopping) step(err.message);
    await stopAll();
    removeProcFiles(dataDir);
    if (err instanceof Stopping) return 0;
    throw err;
  }
  const why = await Promise.race([stop.signalled, etcd.exited.then((c) => `etcd exited (${c})`)]);
  step(`stopping (${why})`);
  await stopAll();
  removeProcFiles(dataDir);
  stop.dispose();
  return why.startsWith('etcd') ? 1 : 0;
}
