// `hyperkube controller-manager`: every controller of controllers/ against an
// apiserver found through --kubeconfig (and/or --master).

import { readFileSync } from 'node:fs';
import { ALL_CONTROLLERS, startControllerManager, type ControllerName } from '../controllers/manager.js';
import { loadKubeconfig } from '../client/kubeconfig.js';
import { RestClient } from '../client/rest.js';
import { parseFlags, untilSignal, UsageError } from './flags.js';

const FLAGS = {
  kubeconfig: { type: 'string', default: '', help: 'kubeconfig file with the apiserver to use' },
  master: { type: 'string', default: '', help: 'apiserver URL (overrides the kubeconfig server)' },
  server: { type: 'string', default: '', help: 'alias of --master' },
  controllers: { type: 'string', default: '*', help: `controllers to run: * or a comma-separated list of ${ALL_CONTROLLERS.join(', ')} (-name disables one)` },
  'concurrent-rc-syncs': { type: 'string', default: '5', help: 'replication controllers synced at once' },
  'concurrent-replicaset-syncs': { type: 'string', default: '5', help: 'replica sets synced at once' },
  'concurrent-deployment-syncs': { type: 'string', default: '5', help: 'deployments synced at once' },
  'concurrent-endpoint-syncs': { type: 'string', default: '5', help: 'services whose endpoints are synced at once' },
  'concurrent-gc-syncs': { type: 'string', default: '20', help: 'garbage collector workers' },
  'concurrent-namespace-syncs': { type: 'string', default: '10', help: 'namespaces finalized at once' },
  'allocate-node-cidrs': { type: 'boolean', default: false, help: 'give every node a pod CIDR (spec.podCIDR) from --cluster-cidr' },
  'cluster-cidr': { type: 'string', default: '', help: 'the pods\' CIDR, node CIDRs come from (with --allocate-node-cidrs)' },
  'node-cidr-mask-size': { type: 'string', default: '24', help: 'prefix length of each node\'s pod CIDR' },
  'node-monitor-period': { type: 'string', default: '5s', help: 'how often node health is checked' },
  'node-monitor-grace-period': { type: 'string', default: '40s', help: 'heartbeats missing this long make a node Unknown' },
  'node-startup-grace-period': { type: 'string', default: '1m0s', help: 'the same for a node that never reported' },
  'pod-eviction-timeout': { type: 'string', default: '5m0s', help: 'default toleration of not-ready/unreachable nodes before pods are evicted' },
  'event-ttl': { type: 'string', default: '1h0m0s', help: 'events older than this are deleted' },
  'root-ca-file': { type: 'string', default: '', help: 'the cluster CA (PEM) published as ConfigMap kube-root-ca.crt in every namespace' },
  'terminated-pod-gc-threshold': { type: 'string', default: '12500', help: 'terminated pods (Succeeded/Failed) kept before the pod garbage collector deletes the oldest; 0 keeps them all' },
  'horizontal-pod-autoscaler-sync-period': { type: 'string', default: '15s', help: 'how often each horizontal pod autoscaler is reconciled' },
  'resource-quota-sync-period': { type: 'string', default: '5m', help: 'how often every resource quota\'s usage is recomputed' },
  'cluster-signing-cert-file': { type: 'string', default: '', help: 'the CA certificate (PEM) csrsigning issues kubelet client and serving certificates with' },
  'cluster-signing-key-file': { type: 'string', default: '', help: 'the private key (PEM) of --cluster-signing-cert-file' },
  'cluster-signing-duration': { type: 'string', default: '8760h0m0s', help: 'the longest certificate csrsigning issues' },
  'kubelet-serving-auto-approve': { type: 'string', default: 'true', help: "approve a node's own kubelet-serving CSRs (requester = CN's node, SANs = its name and addresses; a tskube choice, upstream approves none)" },
} as const;

/** A Go duration ("40s", "5m0s", "1h30m", "300ms") in milliseconds. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (!s || consumed !== s.length) throw new UsageError(`invalid duration ${JSON.stringify(s)}`);
  return total;
}

export function parseControllers(spec: string): ControllerName[] {
  const parts = spec.split(',').map((p) => p.trim()).filter(Boolean);
  let set = new Set<ControllerName>(parts.includes('*') ? ALL_CONTROLLERS : []);
  for (const p of parts) {
    if (p === '*') continue;
    const name = p.replace(/^-/, '') as ControllerName;
    if (!ALL_CONTROLLERS.includes(name)) throw new UsageError(`unknown controller ${JSON.stringify(name)}; known: ${ALL_CONTROLLERS.join(', ')}`);
    if (p.startsWith('-')) set.delete(name);
    else set.add(name);
  }
  if (!parts.length) set = new Set(ALL_CONTROLLERS);
  return [...set];
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

function nonNegativeInt(name: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Go's strconv.ParseBool, as kube-controller-manager reads boolean flags. */
function parseBoolFlag(name: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new UsageError(`--${name} must be true or false, got ${JSON.stringify(v)}`);
}

/** The signing CA: both files or neither. */
function signingFlags(certFile: string, keyFile: string): { clusterSigning?: { cert: string; key: string } } {
  if (!certFile && !keyFile) return {};
  if (!certFile || !keyFile) throw new UsageError('--cluster-signing-cert-file and --cluster-signing-key-file go together');
  return { clusterSigning: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') } };
}

export async function runControllerManager(argv: string[]): Promise<number> {
  let client: RestClient;
  let opts: Omit<Parameters<typeof startControllerManager>[0], 'client'>;
  try {
    const parsed = parseFlags('controller-manager', FLAGS, argv);
    if (!parsed) return 0;
    const f = parsed.values;
    const master = f.master || f.server;
    if (f.kubeconfig || !master) {
      const conn = loadKubeconfig(f.kubeconfig ? { path: f.kubeconfig } : {});
      client = new RestClient(master ? { ...conn, server: master } : conn);
    } else {
      client = new RestClient(master);
    }
    opts = {
      controllers: parseControllers(f.controllers),
      concurrentRcSyncs: positiveInt('concurrent-rc-syncs', f['concurrent-rc-syncs']),
      concurrentReplicaSetSyncs: positiveInt('concurrent-replicaset-syncs', f['concurrent-replicaset-syncs']),
      concurrentDeploymentSyncs: positiveInt('concurrent-deployment-syncs', f['concurrent-deployment-syncs']),
      concurrentEndpointSyncs: positiveInt('concurrent-endpoint-syncs', f['concurrent-endpoint-syncs']),
      concurrentGcSyncs: positiveInt('concurrent-gc-syncs', f['concurrent-gc-syncs']),
      concurrentNamespaceSyncs: positiveInt('concurrent-namespace-syncs', f['concurrent-namespace-syncs']),
      ...(f['allocate-node-cidrs'] ? { clusterCIDR: f['cluster-cidr'] || '10.244.0.0/16', nodeCIDRMaskSize: positiveInt('node-cidr-mask-size', f['node-cidr-mask-size']) } : {}),
      nodeMonitorPeriodMs: parseDuration(f['node-monitor-period']),
      nodeMonitorGracePeriodMs: parseDuration(f['node-monitor-grace-period']),
      nodeStartupGracePeriodMs: parseDuration(f['node-startup-grace-period']),
      podEvictionTimeoutMs: parseDuration(f['pod-eviction-timeout']),
      eventTTLMs: parseDuration(f['event-ttl']),
      terminatedPodGCThreshold: nonNegativeInt('terminated-pod-gc-threshold', f['terminated-pod-gc-threshold']),
      hpaSyncPeriodMs: parseDuration(f['horizontal-pod-autoscaler-sync-period']),
      resourceQuotaSyncPeriodMs: parseDuration(f['resource-quota-sync-period']),
      ...(f['root-ca-file'] ? { rootCA: readFileSync(f['root-ca-file'], 'utf8') } : {}),
      ...signingFlags(f['cluster-signing-cert-file'], f['cluster-signing-key-file']),
      clusterSigningDurationMs: parseDuration(f['cluster-signing-duration']),
      kubeletServingAutoApprove: parseBoolFlag('kubelet-serving-auto-approve', f['kubelet-serving-auto-approve']),
    };
    if (!(opts.clusterSigningDurationMs! > 0)) throw new UsageError('--cluster-signing-duration must be positive');
    if (!(opts.hpaSyncPeriodMs! > 0)) throw new UsageError('--horizontal-pod-autoscaler-sync-period must be positive');
    if (!(opts.resourceQuotaSyncPeriodMs! > 0)) throw new UsageError('--resource-quota-sync-period must be positive');
  } catch (err) {
    console.error(`hyperkube controller-manager: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const cm = await startControllerManager({ client, ...opts, log: (m) => console.error(`controller-manager: ${m}`) });
  console.log(`controller-manager: running ${opts.controllers!.join(', ')} against ${client.connection.server}`);
  await untilSignal();
  await cm.stop();
  client.close();
  return 0;
}

// Run directly: node --import tsx cmd/controller-manager.ts [flags]
if (import.meta.url === `file://${process.argv[1]}`) {
  runControllerManager(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`hyperkube controller-manager: ${err instanceof Error ? err.stack : String(err)}`);
      process.exit(1);
    },
  );
}
