// The node IPAM controller (upstream's nodeipam with --allocate-node-cidrs and the RangeAllocator):
// every node without spec.podCIDR gets the next node CIDR of --cluster-cidr (spec.podCIDR and
// spec.podCIDRs); CIDRs nodes already hold are taken first, and a deleted node's is freed.

import type { Node } from '../api/core.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { CIDRAllocator } from './cidr-allocator.js';

export interface NodeIpamOptions {
  client: RestClient;
  /** --cluster-cidr. */
  clusterCIDR: string;
  /** --node-cidr-mask-size (24 for IPv4, as upstream). */
  nodeCIDRMaskSize?: number;
  log?: (m: string) => void;
  nodeInformer?: Informer<Node>;
}

export class NodeIpamController {
  private readonly alloc: CIDRAllocator;
  private readonly nodes: Informer<Node>;
  private readonly ownInformer: boolean;
  private readonly log: (m: string) => void;
  /** Nodes being given a CIDR now (an update event while the patch is in flight is not a second allocation). */
  private readonly pending = new Set<string>();
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: NodeIpamOptions) {
    this.alloc = new CIDRAllocator(opts.clusterCIDR, opts.nodeCIDRMaskSize ?? 24);
    this.log = opts.log ?? console.error;
    this.ownInformer = !opts.nodeInformer;
    this.nodes = opts.nodeInformer ?? new Informer<Node>(opts.client, 'nodes');
    this.nodes.on('add', (n) => void this.sync(n));
    this.nodes.on('update', (_o, n) => void this.sync(n));
    this.nodes.on('delete', (n) => {
      // Freed only if no live node holds it (a recreated node may already carry it).
      for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) {
        if (!this.nodes.store.list().some((o) => o.metadata?.name !== n.metadata?.name && (o.spec?.podCIDRs ?? [o.spec?.podCIDR]).includes(c))) this.alloc.release(c);
      }
    });
  }

  async start(): Promise<void> {
    if (this.ownInformer) await this.nodes.start();
    for (const n of this.nodes.store.list()) for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) this.alloc.occupy(c);
    for (const n of this.nodes.store.list()) void this.sync(n);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.ownInformer) await this.nodes.stop();
  }

  private async sync(n: Node): Promise<void> {
    const name = n.metadata?.name;
    if (this.stopped || !name || n.metadata?.deletionTimestamp) return;
    const have = n.spec?.podCIDR;
    if (have) {
      // A CIDR set by someone else (a kubelet's --pod-cidr) is taken from the pool.
      this.alloc.occupy(have);
      return;
    }
    if (this.pending.has(name)) return;
    this.pending.add(name);
    const cidr = this.alloc.allocate();
    try {
      if (!cidr) {
        this.log(`node-ipam: no node CIDR left in ${this.opts.clusterCIDR} for node ${name} (CIDRNotAvailable)`);
        return;
      }
      await this.opts.client.nodes().patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.log(`node-ipam: node ${name} gets pod CIDR ${cidr}`);
    } catch (err) {
      if (cidr) this.alloc.release(cidr);
      this.log(`node-ipam: node ${name}: ${(err as Error).message}`);
      // Retried from the cache (a node deleted meanwhile is gone from it).
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        for (const o of this.nodes.store.list()) void this.sync(o);
      }, 1000);
    } finally {
      this.pending.delete(name);
    }
  }
}
