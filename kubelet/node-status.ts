// Node registration, periodic node status (status subresource) and the node
// Lease heartbeat in kube-node-lease.
import { execFileSync } from 'node:child_process';
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import type { Lease, Node, NodeCondition, NodeStatus } from '../api/core.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/errors.js';
import type { RestClient, ResourceClient } from '../client/rest.js';
import { apiTime, microTime } from './labels.js';
import { allocatableStrings, type Capacity } from './allocatable.js';
import type { PressureCondition } from './eviction-signals.js';

export const KUBELET_VERSION = 'v1.32.0-tskube';
export const RUNTIME_VERSION = 'tskube://0.1';
const LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeStatusOptions {
  nodeName: string;
  podCIDR?: string;
  /** Directory whose filesystem is the node's ephemeral storage. */
  rootDir: string;
  /** Address reported as InternalIP; default: the address of the default-route interface, else 127.0.0.1. */
  nodeIP?: string;
  kubeletPort: number;
  statusIntervalMs: number;
  leaseIntervalMs: number;
  leaseDurationSeconds: number;
  maxPods: number;
  /** Capacity → allocatable (reservations and hard eviction thresholds); default: allocatable = capacity. */
  allocatable?: (cap: Capacity) => Capacity;
  /** The eviction manager's pressure conditions now. */
  pressure?: () => Set<PressureCondition>;
  log: (m: string) => void;
}

/** The host's primary IPv4 address (no traffic is sent: read from the routing table). */
export function detectNodeIP(): string {
  try {
    const dev = /dev (\S+)/.exec(execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' }))?.[1];
    const addrs = dev ? os.networkInterfaces()[dev] : undefined;
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  } catch {
    /* no default route (or no ip): the first non-internal address below */
  }
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    // Safe: only nodeInfo.osImage's text.
    return 'Linux';
  }
}

function readId(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    // Safe: only an id in nodeInfo (machineID/bootID) is left empty.
    return '';
  }
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };

export class NodeStatusManager {
  private readonly nodes: ResourceClient<Node>;
  private readonly leases: ResourceClient<Lease>;
  private statusTimer: NodeJS.Timeout | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly transitions = new Map<string, { status: string; at: string }>();
  readonly nodeIP: string;
  private stopped = false;

  constructor(
    client: RestClient,
    private readonly o: NodeStatusOptions,
  ) {
    this.nodes = client.nodes();
    this.leases = client.resource<Lease>('leases', LEASE_NAMESPACE);
    this.nodeIP = o.nodeIP ?? detectNodeIP();
  }

  /** Register (or adopt) the Node, push a first status and the lease, then keep both fresh. */
  async start(): Promise<void> {
    await this.register();
    await this.updateStatus();
    await this.renewLease();
    this.statusTimer = setInterval(() => void this.updateStatus().catch((e: Error) => this.o.log(`node status: ${e.message}`)), this.o.statusIntervalMs);
    this.leaseTimer = setInterval(() => void this.renewLease().catch((e: Error) => this.o.log(`lease: ${e.message}`)), this.o.leaseIntervalMs);
  }

  /** The kubelet server's actual port (known once it listens), reported in daemonEndpoints. */
  async setKubeletPort(port: number): Promise<void> {
    if (port === this.o.kubeletPort) return;
    this.o.kubeletPort = port;
    await this.updateStatus();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.statusTimer);
    clearInterval(this.leaseTimer);
  }

  private async register(): Promise<void> {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.o.nodeName,
        labels: {
          'kubernetes.io/hostname': this.o.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': ARCH[process.arch] ?? process.arch,
          'beta.kubernetes.io/os': 'linux',
          'beta.kubernetes.io/arch': ARCH[process.arch] ?? process.arch,
        },
      },
      spec: this.o.podCIDR ? { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] } : {},
    };
    try {
      await this.nodes.create(node);
      this.o.log(`registered node ${this.o.nodeName}`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Already registered (a restart): make sure the podCIDR is recorded.
      const cur = await this.nodes.get(this.o.nodeName);
      if (this.o.podCIDR && !cur.spec?.podCIDR) await this.nodes.patch(this.o.nodeName, { spec: { podCIDR: this.o.podCIDR, podCIDRs: [this.o.podCIDR] } });
    }
  }

  private condition(type: string, status: 'True' | 'False', reason: string, message: string, now: string): NodeCondition {
    const prev = this.transitions.get(type);
    if (!prev || prev.status !== status) this.transitions.set(type, { status, at: now });
    return { type, status, lastHeartbeatTime: now, lastTransitionTime: this.transitions.get(type)!.at, reason, message };
  }

  /** Images on the node (set by the kubelet from the image store). */
  images: { names: string[]; sizeBytes: number }[] = [];

  buildStatus(): NodeStatus {
    const now = apiTime();
    const cpu = String(os.cpus().length);
    const memBytes = Math.floor(os.totalmem() / 1024) * 1024;
    let storageBytes = 0;
    try {
      const s = statfsSync(this.o.rootDir);
      storageBytes = Math.floor((s.blocks * s.bsize) / 1024) * 1024;
    } catch {
      /* root dir not there yet */
    }
    const capacity = { cpu, memory: `${memBytes / 1024}Ki`, pods: String(this.o.maxPods), 'ephemeral-storage': `${storageBytes / 1024}Ki` };
    const allocatable = this.o.allocatable ? { ...allocatableStrings(this.o.allocatable({ milliCPU: os.cpus().length * 1000, memory: memBytes, ephemeralStorage: storageBytes })), pods: capacity.pods } : { ...capacity };
    const pressure = this.o.pressure?.() ?? new Set<PressureCondition>();
    const mem = pressure.has('MemoryPressure');
    const disk = pressure.has('DiskPressure');
    const pid = pressure.has('PIDPressure');
    return {
      capacity,
      allocatable,
      conditions: [
        this.condition('MemoryPressure', mem ? 'True' : 'False', mem ? 'KubeletHasInsufficientMemory' : 'KubeletHasSufficientMemory', mem ? 'kubelet has insufficient memory available' : 'kubelet has sufficient memory available', now),
        this.condition('DiskPressure', disk ? 'True' : 'False', disk ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure', disk ? 'kubelet has disk pressure' : 'kubelet has no disk pressure', now),
        this.condition('PIDPressure', pid ? 'True' : 'False', pid ? 'KubeletHasInsufficientPID' : 'KubeletHasSufficientPID', pid ? 'kubelet has insufficient PID available' : 'kubelet has sufficient PID available', now),
        this.condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', now),
      ],
      addresses: [
        { type: 'InternalIP', address: this.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort } },
      images: this.images,
      nodeInfo: {
        machineID: readId('/etc/machine-id'),
        systemUUID: readId('/sys/class/dmi/id/product_uuid') || readId('/etc/machine-id'),
        bootID: readId('/proc/sys/kernel/random/boot_id'),
        kernelVersion: os.release(),
        osImage: osImage(),
        containerRuntimeVersion: RUNTIME_VERSION,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: ARCH[process.arch] ?? process.arch,
      },
    };
  }

  async updateStatus(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.nodes.patch(this.o.nodeName, { status: this.buildStatus() }, 'merge', { subresource: 'status' });
    } catch (e) {
      // Node deleted under us: register again, as the kubelet does.
      if (!isNotFound(e)) throw e;
      await this.register();
    }
  }

  async renewLease(): Promise<void> {
    if (this.stopped) return;
    const now = microTime();
    try {
      const cur = await this.leases.get(this.o.nodeName);
      cur.spec = { ...(cur.spec ?? {}), holderIdentity: this.o.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: now };
      await this.leases.update(cur);
    } catch (e) {
      if (isConflict(e)) return; // next tick renews
      if (!isNotFound(e)) throw e;
      // Safe: without the node only the lease's ownerReference is left out (garbage collection of it).
      const node = await this.nodes.get(this.o.nodeName).catch(() => undefined);
      await this.leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: this.o.nodeName,
          namespace: LEASE_NAMESPACE,
          ...(node?.metadata?.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.o.nodeName, uid: node.metadata.uid }] } : {}),
        },
        spec: { holderIdentity: this.o.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds, acquireTime: now, renewTime: now },
      });
    }
  }
}
