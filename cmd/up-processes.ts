// `hyperkube up --multi-process`: etcd and every component as its own child process
// (`hyperkube apiserver ...`, `hyperkube kubelet ...`, with the flags `up` would have
// used in-process), each restarted when it dies, and their pids in <data-dir>/pids.json.
// Stopping `up` stops them all, the last started first; pods keep running.

import { nodeControllerArgs } from './up-nodes.js';
import type { UpDnsSettings } from './up-dns.js';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { ensureLocalPathStorageClass } from './storage-class.js';
import { componentProcess } from './component-process.js';
import { startEtcdProcess } from './etcd-process.js';
import type { EtcdPKI } from './pki.js';
import { PIDS_FILE, removeProcFiles, writeProcs, type Procs } from './procs-file.js';
import { procIdentity } from './proc-identity.js';
import type { StopSignal } from './shutdown.js';
import { Supervisor, type Supervised } from './supervisor.js';
import type { KubeletPki } from './pki.js';
import { TOKEN_FILE } from './kubeconfig.js';
import { reclaimArgs } from './kubelet-reclaim-flags.js';
import { writeComponentKubeconfigs, type ComponentName, type ComponentTokens } from './component-credentials.js';
import { ensureComponentRoles } from './component-rbac.js';
import { createServer } from 'node:net';
import { etcdClientTLS } from './etcd-process.js';
import { startUpSnapshots, type SnapshotSettings } from './etcd-snapshot/up-snapshots.js';
import type { SnapshotSchedule } from './etcd-snapshot/schedule.js';
import { finishDataVersion } from './storage-migrate.js';
import type { VersionPlan } from './data-version.js';

export interface UpProcessesOptions {
  /** `up`'s parsed flag values. */
  flags: Readonly<Record<string, string | boolean>>;
  dataDir: string;
  /** Components not to run (`--disable`). */
  disabled: ReadonlySet<string>;
  /** Where the cluster DNS listens and what pods are told. */
  dns: UpDnsSettings;
  /** Files the apiserver and kubelet read their secrets from. */
  adminTokenFile: string;
  /** The node IP the kubelet serves on, and its and the apiserver's certificates towards each other. */
  nodeIP: string;
  kubeletPki: KubeletPki;
  serving: { certPath: string; keyPath: string };
  /** The service-account token key pair (sa.key, sa.pub). */
  saKeys: { keyPath: string; pubPath: string };
  /** Where pods reach the apiserver (the pod bridge's address): its --advertise-address. */
  podAddress: string;
  ca: string;
  token: string;
  /** Each component's own token (component-credentials.ts); its kubeconfig is written once the apiserver's URL is known. */
  componentTokens: ComponentTokens;
  nodeName: string;
  /** etcd's certificates; the apiserver gets the client certificate's files. */
  etcdPKI: EtcdPKI;
  /** What version.json asked for (a migration runs once etcd is up). */
  version: VersionPlan;
  /** Scheduled etcd snapshots (`--etcd-snapshot-*`), taken by `up` itself. */
  snapshots: SnapshotSettings;
  /** up's stop signal (bounded shutdown). */
  stop: StopSignal;
  step: (m: string) => void;
}

/** A free loopback port, for flags where `up` means "any free port" and the component "none". */
function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Writes `{"up": pid, "etcd": pid, "apiserver": pid, ...}` atomically, and procs.json (pid + start time) for reset. */
function writePids(dataDir: string, pids: Record<string, number>, procs: Procs): void {
  const path = join(dataDir, PIDS_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ up: process.pid, ...pids }, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  writeProcs(dataDir, { up: procIdentity(process.pid)!, ...procs });
}

export async function runUpProcesses(o: UpProcessesOptions): Promise<number> {
  const f = (k: string) => String(o.flags[k]);
  const { dataDir, step } = o;
  const kubeconfig = join(dataDir, 'kubeconfig');
  const sup = new Supervisor({ log: step, onPids: (p, procs) => writePids(dataDir, p, procs) });
  // A signal during start-up cancels the starts in progress, then everything stops.
  const signalled = o.stop.signalled.then((sig) => {
    step(`stopping (${sig})`);
    return sig;
  });
  let interrupted = false;
  void signalled.then(() => {
    interrupted = true;
    void sup.stop();
  });

  const etcdOpts = { dataDir: join(dataDir, 'etcd'), clientPort: Number(f('etcd-client-port')), peerPort: Number(f('etcd-peer-port')), pki: o.etcdPKI, quotaBackendBytes: Number(f('etcd-quota-backend-bytes')), detached: true, dieWithParent: true };
  const etcdEndpoint = `https://127.0.0.1:${etcdOpts.clientPort}`;
  // 0 is "any free port" to `up` but "no listener" to `hyperkube proxy` (as kube-proxy's --healthz-port): pick one.
  let proxyHealthz = f('proxy-healthz-port');
  if (proxyHealthz === '0' && !o.disabled.has('proxy')) proxyHealthz = String(await anyFreePort());
  let apiPort = f('port');
  let apiUrl = '';
  const log = (line: string) => step(line);
  const components: Supervised[] = [
    componentProcess({
      name: 'apiserver',
      args: () => [
        `--etcd-servers=${etcdEndpoint}`,
        // `up` owns its etcd and runs the one apiserver on it: its own writes are all there are.
        '--quorum-reads=false',
        `--etcd-cafile=${o.etcdPKI.caPath}`,
        `--etcd-certfile=${o.etcdPKI.client.certPath}`,
        `--etcd-keyfile=${o.etcdPKI.client.keyPath}`,
        `--etcd-quota-backend-bytes=${f('etcd-quota-backend-bytes')}`,
        `--etcd-client-thread=${f('etcd-client-thread')}`,
        `--bind-address=${f('bind-address')}`,
        `--port=${apiPort}`,
        `--service-cluster-ip-range=${f('service-cluster-ip-range')}`,
        `--service-node-port-range=${f('service-node-port-range')}`,
        `--token-file=${o.adminTokenFile}`,
        `--token-auth-file=${join(o.dataDir, TOKEN_FILE)}`,
        `--authorization-mode=${f('authorization-mode')}`,
        '--enable-bootstrap-token-auth',
        `--pod-security-default=${f('pod-security-default')}`,
        `--default-not-ready-toleration-seconds=${f('default-not-ready-toleration-seconds')}`,
        `--default-unreachable-toleration-seconds=${f('default-unreachable-toleration-seconds')}`,
        `--kubelet-client-certificate=${o.kubeletPki.client.certPath}`,
        `--kubelet-client-key=${o.kubeletPki.client.keyPath}`,
        `--kubelet-certificate-authority=${o.kubeletPki.caPath}`,
        `--client-ca-file=${o.kubeletPki.caPath}`,
        `--tls-cert-file=${o.serving.certPath}`,
        `--tls-private-key-file=${o.serving.keyPath}`,
        `--service-account-signing-key-file=${o.saKeys.keyPath}`,
        `--service-account-key-file=${o.saKeys.pubPath}`,
        `--advertise-address=${o.podAddress}`,
      ],
      ready: /^apiserver: serving on (\S+)/,
      // A restart keeps the port the first start got (--port=0 picks one).
      onReady: (m) => {
        apiUrl = m[1]!;
        apiPort = new URL(apiUrl).port || apiPort;
      },
      log,
    }),
  ];
  const kc = (c: ComponentName) => `--kubeconfig=${join(dataDir, 'components', `${c}.kubeconfig`)}`;
  if (!o.disabled.has('controller-manager')) components.push(componentProcess({ name: 'controller-manager', args: () => [kc('controller-manager'), `--root-ca-file=${join(dataDir, 'pki', 'ca.crt')}`, `--cluster-signing-cert-file=${join(dataDir, 'pki', 'ca.crt')}`, `--cluster-signing-key-file=${join(dataDir, 'pki', 'ca.key')}`, ...nodeControllerArgs(o.flags)], ready: /^controller-manager: running/, log }));
  if (!o.disabled.has('scheduler')) components.push(componentProcess({ name: 'scheduler', args: () => [kc('scheduler')], ready: /^scheduler: running/, log }));
  if (!o.disabled.has('kubelet')) {
    components.push(
      componentProcess({
        name: 'kubelet',
        args: () => [
          kc('kubelet'),
          // The node name its identity (system:node:<name>) was made for.
          `--hostname-override=${o.nodeName}`,
          `--local-path-kubeconfig=${join(dataDir, 'components', 'local-path-provisioner.kubeconfig')}`,
          `--pod-manifest-path=${f('pod-manifest-path')}`,
          `--pod-cidr=${f('pod-cidr')}`,
          `--bridge=${f('bridge')}`,
          `--chain-prefix=${f('chain-prefix')}`,
          `--state-dir=${f('state-dir')}`,
          `--log-dir=${f('log-dir')}`,
          `--cgroup-root=${f('cgroup-root')}`,
          `--root-dir=${join(dataDir, 'kubelet')}`,
          `--local-path-dir=${join(dataDir, 'storage')}`,
          `--images-root=${join(dataDir, 'images')}`,
          `--containers-dir=${join(dataDir, 'containers')}`,
          `--port=${f('kubelet-port')}`,
          `--healthz-port=${f('kubelet-healthz-port')}`,
          ...(o.flags['max-pods'] !== undefined ? [`--max-pods=${f('max-pods')}`] : []),
          ...(o.dns.clusterDNS.length ? [`--cluster-dns=${o.dns.clusterDNS.join(',')}`] : []),
          `--cluster-domain=${o.dns.clusterDomain}`,
          '--seccomp-default', // as `up` in-process: RuntimeDefault unless a pod asks otherwise
          // Reached by the apiserver at the node's InternalIP only, over HTTPS with its client certificate.
          `--node-ip=${o.nodeIP}`,
          `--address=${o.nodeIP}`,
          `--tls-cert-file=${o.kubeletPki.serving.certPath}`,
          `--tls-private-key-file=${o.kubeletPki.serving.keyPath}`,
          `--client-ca-file=${o.kubeletPki.caPath}`,
          ...reclaimArgs(o.flags),
        ],
        ready: /^kubelet: node \S+ running/,
        log,
      }),
    );
  }
  if (!o.disabled.has('proxy')) {
    components.push(
      componentProcess({
        name: 'proxy',
        args: () => [
          kc('proxy'),
          `--proxy-chain-prefix=${f('proxy-chain-prefix')}`,
          `--service-device=${f('service-device')}`,
          `--cluster-cidr=${f('cluster-cidr')}`,
          `--service-cluster-ip-range=${f('service-cluster-ip-range')}`,
          `--healthz-port=${proxyHealthz}`,
        ],
        ready: /^proxy: syncing/,
        log,
      }),
    );
  }

  if (!o.disabled.has('dns')) {
    components.push(
      componentProcess({
        name: 'dns',
        args: () => [
          kc('dns'),
          `--bind-address=${o.dns.listen}`,
          `--cluster-domain=${o.dns.clusterDomain}`,
          `--service-cluster-ip-range=${f('service-cluster-ip-range')}`,
          `--cluster-dns=${o.dns.clusterDNS[0]}`,
          ...(o.dns.upstream.length ? [`--upstream=${o.dns.upstream.join(',')}`] : []),
        ],
        ready: /^dns: running/,
        log,
      }),
    );
  }

  let snapshots: SnapshotSchedule | undefined;
  const stopAll = async () => {
    await snapshots?.stop();
    await sup.stop();
  };
  try {
    const etcd = await sup.add({
      name: 'etcd',
      async start() {
        const e = await startEtcdProcess(etcdOpts);
        return { pid: e.pid, startTime: e.startTime, exited: e.exited, stop: () => e.stop() };
      },
    });
    step(`etcd ready on ${etcdEndpoint} (pid ${etcd.pid})`);
    await finishDataVersion(o.version, dataDir, { endpoint: etcdEndpoint, tls: etcdClientTLS(o.etcdPKI) }, step);
    if (o.snapshots.enabled) snapshots = startUpSnapshots(o.snapshots, { endpoint: etcdEndpoint, tls: etcdClientTLS(o.etcdPKI) }, o.nodeName, step);
    const [apiserver, ...clients] = components;
    const api = await sup.add(apiserver);
    await writeKubeconfig(kubeconfig, { server: apiUrl, token: o.token, ca: o.ca });
    step(`apiserver ready on ${apiUrl} (pid ${api.pid})`);
    const admin = new RestClient({ server: apiUrl, token: o.token, ca: Buffer.from(o.ca) });
    try {
      if (await ensureLocalPathStorageClass(admin)) step('storage class local-path (default) created');
      await ensureComponentRoles(admin);
      await writeComponentKubeconfigs(dataDir, o.componentTokens, apiUrl, o.ca);
    } finally {
      admin.close();
    }
    // The others need only the apiserver: start them side by side (each process takes ~1 s to load).
    const results = await Promise.allSettled(clients.map(async (c) => step(`${c.name} running (pid ${(await sup.add(c)).pid})`)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await stopAll();
    removeProcFiles(dataDir);
    if (interrupted) return 0;
    throw err;
  }
  console.log(`ready: kubeconfig ${kubeconfig} — dashboard ${apiUrl}/ui/ — try: kubectl --kubeconfig ${kubeconfig} get nodes`);
  await signalled;
  await stopAll();
  removeProcFiles(dataDir);
  return 0;
}
