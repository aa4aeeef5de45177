// PodNetwork on one bridge: IPAM, a veth per pod, hostPort DNAT and egress MASQUERADE.
// Per-pod state lives in <stateDir>/pods/<hash>.json and addresses in <stateDir>/ipam/, so a
// new instance (kubelet restart) tears down what an earlier one set up.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCIDR, gatewayOf, parseCIDR, type IPv4Net } from './cidr.js';
import { IPAM } from './ipam.js';
import { FileLock } from './lock.js';
import { applyRules, chainNames, ensureJumps, removeAll, type ChainNames, type HostPortRule, type RuleTables } from './iptables.js';
import { createPodVeth, deleteLink, ensureBridge, hostVethName, readSysctl, sysctl } from './links.js';
import type {
  PodNetwork, PodNetworkOptions, PodNetworkResult, PodNetworkSetup, PodNetworkStatus, PortMapping,
} from './types.js';

export const DEFAULT_NETWORK_STATE_DIR = '/run/tskube/network';

/** Whether bridged pod↔pod traffic passes iptables (needed for Service DNAT replies): true,
 *  false (present but off), or null when the kernel has no bridge netfilter at all. */
export async function bridgeNetfilterEnabled(): Promise<boolean | null> {
  const v = await readSysctl('net/bridge/bridge-nf-call-iptables');
  return v === null ? null : v === '1';
}

export function createPodNetwork(opts: PodNetworkOptions): PodNetwork {
  return new BridgePodNetwork(opts);
}

function validatePorts(ports: PortMapping[]): void {
  for (const p of ports) {
    for (const [k, v] of [['hostPort', p.hostPort], ['containerPort', p.containerPort]] as const) {
      if (!Number.isInteger(v) || v < 1 || v > 65535) throw new Error(`invalid ${k} ${v}`);
    }
    const protocol: string = p.protocol; // typed, but checked: callers may hand in anything
    if (protocol !== 'TCP' && protocol !== 'UDP') throw new Error(`unsupported protocol ${protocol}`);
    if (p.hostIP && !/^\d+\.\d+\.\d+\.\d+$/.test(p.hostIP)) throw new Error(`invalid hostIP ${p.hostIP}`);
  }
}

function samePort(a: PortMapping, b: PortMapping): boolean {
  const anyA = !a.hostIP || a.hostIP === '0.0.0.0';
  const anyB = !b.hostIP || b.hostIP === '0.0.0.0';
  return a.hostPort === b.hostPort && a.protocol === b.protocol && (anyA || anyB || a.hostIP === b.hostIP);
}

class BridgePodNetwork implements PodNetwork {
  private readonly bridge: string;
  private readonly net: IPv4Net;
  private readonly stateDir: string;
  private readonly podsDir: string;
  private readonly chains: ChainNames;
  private readonly comment: string;
  private readonly ipam: IPAM;
  private readonly lock: FileLock;
  private readonly mtu: number;
  private ready?: Promise<void>;
  private rulesRunning: Promise<void> = Promise.resolve();
  private rulesPending?: Promise<void>;

  constructor(private readonly opts: PodNetworkOptions) {
    this.bridge = opts.bridgeName ?? 'cbr0';
    if (this.bridge.length > 15) throw new Error(`bridge name ${this.bridge} longer than 15 characters`);
    this.net = parseCIDR(opts.podCIDR);
    this.stateDir = opts.stateDir ?? DEFAULT_NETWORK_STATE_DIR;
    this.podsDir = join(this.stateDir, 'pods');
    const prefix = opts.chainPrefix ?? 'TSKUBE';
    this.chains = chainNames(prefix);
    this.comment = `tskube:${prefix}`;
    this.ipam = new IPAM(formatCIDR(this.net), join(this.stateDir, 'ipam'));
    this.lock = new FileLock(join(this.stateDir, 'lock'));
    this.mtu = opts.mtu ?? 1500;
  }

  private get gateway(): string {
    return gatewayOf(this.net);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.podsDir, { recursive: true });
      // Rules first: the bridge gets route_localnet=1, and its localnet guard must already be there.
      await this.lock.run(async () => {
        await this.removeTempFiles();
        await this.ipam.removeDebris();
        await this.syncRules('all');
      });
      await ensureJumps(this.chains, this.comment);
      await ensureBridge(this.bridge, `${this.gateway}/${this.net.prefixLength}`, this.mtu);
      if (this.opts.enableForwarding !== false) await sysctl('net/ipv4/ip_forward', '1');
    })().catch((e) => { this.ready = undefined; throw e; });
    return this.ready;
  }

  private statePath(sandboxId: string): string {
    return join(this.podsDir, `${createHash('sha256').update(sandboxId).digest('hex').slice(0, 32)}.json`);
  }

  private readStateSync(sandboxId: string): PodNetworkStatus | null {
    try {
      return JSON.parse(readFileSync(this.statePath(sandboxId), 'utf8')) as PodNetworkStatus;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async readState(sandboxId: string): Promise<PodNetworkStatus | null> {
    try {
      return JSON.parse(await readFile(this.statePath(sandboxId), 'utf8')) as PodNetworkStatus;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private async allStates(): Promise<PodNetworkStatus[]> {
    const names = await readdir(this.podsDir).catch(() => [] as string[]);
    const out: PodNetworkStatus[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const s = await readFile(join(this.podsDir, n), 'utf8').catch(() => null);
      if (s) out.push(JSON.parse(s) as PodNetworkStatus);
    }
    return out;
  }

  /** A process killed between writing a state and renaming it into place left its temp file (call under the lock). */
  private async removeTempFiles(): Promise<void> {
    for (const n of await readdir(this.podsDir)) if (n.endsWith('.json.tmp')) await rm(join(this.podsDir, n), { force: true });
  }

  /** Rewrites our chains from the pod states on disk (call under the lock): all of them at init,
   *  then only the nat ones, the only ones a pod changes. */
  private async syncRules(tables: RuleTables = 'nat'): Promise<void> {
    const hostPorts: HostPortRule[] = (await this.allStates()).flatMap((s) =>
      s.portMappings.map((p) => ({ ...p, podIP: s.ip, sandboxId: s.sandboxId })));
    await applyRules({ chains: this.chains, bridge: this.bridge, podCIDR: formatCIDR(this.net), hostPorts, ...(this.opts.clusterCIDR ? { clusterCIDR: this.opts.clusterCIDR } : {}) }, tables);
  }

  async setup(req: PodNetworkSetup): Promise<PodNetworkResult> {
    // A netns promise may reject while we are still busy elsewhere (or after we failed): never unhandled.
    Promise.resolve(req.netnsPath).catch(() => {});
    if (req.hostNetwork) return { ip: '', gateway: '', prefixLength: 0, interface: 'eth0' };
    validatePorts(req.portMappings);
    await this.init();
    // Under the lock only the bookkeeping: the address and the state file (which the hostPort
    // clash check and the rules are made from). The veth and the rules come after it, so pods
    // starting together do not queue behind each other's netlink work and iptables-restore.
    const prepared = await this.lock.run(async (): Promise<{ existing?: PodNetworkStatus; state?: PodNetworkStatus }> => {
      // Synchronous file calls in here (see ipam.ts): this section is what a burst of pods queues on.
      const existing = this.readStateSync(req.sandboxId);
      if (existing) return { existing };
      // Reading every pod's state is only needed to check host ports (it made each setup O(pods)).
      if (req.portMappings.length) for (const other of await this.allStates()) {
        for (const p of req.portMappings) {
          const clash = other.portMappings.find((o) => samePort(o, p));
          if (clash) throw new Error(`hostPort ${p.hostPort}/${p.protocol} is already used by sandbox ${other.sandboxId}`);
        }
      }
      // No state for it under the lock: its address, if a setup killed before writing the state
      // left one, is an orphan the start-up sweep releases (sandboxIds lists IPAM owners).
      const ip = await this.ipam.allocate(req.sandboxId, { fresh: true });
      const state: PodNetworkStatus = {
        sandboxId: req.sandboxId, ip, gateway: this.gateway, prefixLength: this.net.prefixLength,
        hostVeth: hostVethName(this.chains.hostports, req.sandboxId), portMappings: req.portMappings,
      };
      try {
        const tmp = `${this.statePath(req.sandboxId)}.tmp`;
        writeFileSync(tmp, JSON.stringify(state));
        renameSync(tmp, this.statePath(req.sandboxId));
      } catch (e) {
        await rm(this.statePath(req.sandboxId), { force: true });
        await this.ipam.release(req.sandboxId);
        throw e;
      }
      return { state };
    });
    if (prepared.existing) return this.result(prepared.existing);
    const state = prepared.state!;
    // The hostPort rules (an iptables-restore process, shared with pods starting meanwhile) are
    // written while the netns is made and the veth set up over netlink: a DNAT to an address not
    // yet up is harmless, and both are done before we return, as the CNI portmap plugin's are.
    const rules = req.portMappings.length ? this.resync() : undefined;
    rules?.catch(() => {}); // awaited below (or by the caller); a veth error must not leave it unhandled
    try {
      const netnsPath = await req.netnsPath;
      await createPodVeth({
        hostVeth: state.hostVeth, bridge: this.bridge, netnsPath,
        ipCIDR: `${state.ip}/${this.net.prefixLength}`, gateway: this.gateway, mtu: this.mtu,
      });
      if (rules && req.deferHostPorts) return { ...this.result(state), hostPorts: rules };
      await rules;
    } catch (e) {
      await rules?.catch(() => {});
      await this.lock.run(async () => {
        await deleteLink(state.hostVeth);
        await rm(this.statePath(req.sandboxId), { force: true });
        await this.ipam.release(req.sandboxId);
      });
      if (rules) await this.resync().catch(() => {}); // drop this pod's rules again
      throw e;
    }
    return this.result(state);
  }

  /**
   * Rewrites the rules from the states on disk, once for every change made before the rewrite
   * starts: callers arriving while one runs share the next, so n pods starting together cost
   * two iptables-restore runs, not n.
   */
  private resync(): Promise<void> {
    if (this.rulesPending) return this.rulesPending;
    const next = this.rulesRunning.catch(() => {}).then(() => {
      this.rulesPending = undefined;
      return this.lock.run(() => this.syncRules());
    });
    this.rulesPending = next;
    this.rulesRunning = next;
    return next;
  }

  private result(s: PodNetworkStatus): PodNetworkResult {
    return { ip: s.ip, gateway: s.gateway, prefixLength: s.prefixLength, interface: 'eth0' };
  }

  async teardown(sandboxId: string): Promise<void> {
    await mkdir(this.podsDir, { recursive: true });
    // The link's deletion waits for the kernel (RCU, ~20 ms): outside the lock, so teardowns
    // and setups do not queue behind it (the name is the sandbox's own; the address is released after).
    const known = await this.readState(sandboxId);
    if (known) await deleteLink(known.hostVeth);
    const s = await this.lock.run(async () => {
      const s = await this.readState(sandboxId);
      if (s && s.hostVeth !== known?.hostVeth) await deleteLink(s.hostVeth);
      await rm(this.statePath(sandboxId), { force: true });
      await this.ipam.release(sandboxId, s?.ip);
      return s;
    });
    if (s && s.portMappings.length) await this.resync();
  }

  async status(sandboxId: string): Promise<PodNetworkStatus | null> {
    return this.readState(sandboxId);
  }

  async sandboxIds(): Promise<string[]> {
    const ids = new Set((await this.allStates()).map((s) => s.sandboxId));
    for (const owner of (await this.ipam.allocations()).values()) if (owner) ids.add(owner);
    return [...ids];
  }

  async cleanup(): Promise<void> {
    await mkdir(this.podsDir, { recursive: true });
    await this.lock.run(async () => {
      for (const s of await this.allStates()) await deleteLink(s.hostVeth);
      await removeAll(this.chains, this.comment);
      await deleteLink(this.bridge);
    });
    await rm(this.stateDir, { recursive: true, force: true });
    this.ready = undefined;
  }
}
