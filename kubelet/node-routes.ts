// Routes to the other nodes' pods (host-gw, as flannel's backend of that name): for every other
// node with a spec.podCIDR and an InternalIP, "<podCIDR> via <InternalIP>" in the main table,
// tagged with a route protocol number the cluster owns, so the routes this node programmed are
// told apart from everyone else's. Routes of nodes gone, or whose CIDR or IP changed, go.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Node } from '../api/core.js';
import { Informer } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';

const run = promisify(execFile);

/** The protocol number of these routes (`ip route ... proto N`); 0-4 are the kernel's own. */
export const DEFAULT_ROUTE_PROTOCOL = 75;

export interface PodRoute {
  dst: string;
  via: string;
}

const IPV4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;

/** The routes this node wants: one per other node that has an IPv4 pod CIDR and InternalIP. */
export function desiredRoutes(nodes: readonly Node[], self: string): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata?.name === self || n.metadata?.deletionTimestamp) continue;
    const dst = (n.spec?.podCIDRs ?? []).find((c) => IPV4_CIDR.test(c)) ?? (n.spec?.podCIDR && IPV4_CIDR.test(n.spec.podCIDR) ? n.spec.podCIDR : undefined);
    const via = (n.status?.addresses ?? []).find((a) => a.type === 'InternalIP' && IPV4.test(a.address))?.address;
    if (dst && via) out.push({ dst, via });
  }
  return out.sort((a, b) => a.dst.localeCompare(b.dst));
}

/** What to delete and what to (re)place to get from the routes there are to those wanted. */
export function routeChanges(have: readonly PodRoute[], want: readonly PodRoute[]): { del: PodRoute[]; add: PodRoute[] } {
  const key = (r: PodRoute) => `${r.dst} via ${r.via}`;
  const wantKeys = new Set(want.map(key));
  const haveKeys = new Set(have.map(key));
  const wantDst = new Set(want.map((r) => r.dst));
  // A route whose destination is still wanted via another gateway is replaced in place, not deleted.
  return { del: have.filter((r) => !wantKeys.has(key(r)) && !wantDst.has(r.dst)), add: want.filter((r) => !haveKeys.has(key(r))) };
}

/** The routes of this protocol in the main table, from `ip -j route show proto N`. */
export function parseRoutes(json: string): PodRoute[] {
  const rows = JSON.parse(json || '[]') as { dst?: string; gateway?: string }[];
  return rows.filter((r) => r.dst && r.gateway).map((r) => ({ dst: r.dst!.includes('/') ? r.dst! : `${r.dst!}/32`, via: r.gateway! }));
}

export interface NodeRoutesOptions {
  client: RestClient;
  nodeName: string;
  protocol?: number;
  log: (m: string) => void;
  /** How soon after a change or a failure the routes are reconciled again (ms). */
  retryMs?: number;
}

export class NodeRoutes {
  private readonly nodes: Informer<Node>;
  private readonly proto: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: NodeRoutesOptions) {
    this.proto = String(o.protocol ?? DEFAULT_ROUTE_PROTOCOL);
    this.nodes = new Informer<Node>(o.client, 'nodes', { onError: (e) => o.log(`node routes: ${(e as Error).message}`) });
    const kick = () => this.schedule(0);
    this.nodes.on('add', kick).on('update', kick).on('delete', kick);
  }

  async start(): Promise<void> {
    await this.nodes.start();
    await this.reconcile();
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.reconcile());
    }, ms);
  }

  /** One pass: routes of this protocol made to match the nodes in the cache. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    try {
      const have = parseRoutes((await run('ip', ['-j', '-4', 'route', 'show', 'proto', this.proto])).stdout);
      const { del, add } = routeChanges(have, desiredRoutes(this.nodes.store.list(), this.o.nodeName));
      for (const r of del) await run('ip', ['route', 'del', r.dst, 'via', r.via, 'proto', this.proto]);
      for (const r of add) await run('ip', ['route', 'replace', r.dst, 'via', r.via, 'proto', this.proto]);
      if (del.length || add.length) this.o.log(`node routes: ${add.map((r) => `+${r.dst} via ${r.via}`).concat(del.map((r) => `-${r.dst}`)).join(' ')}`);
    } catch (err) {
      this.o.log(`node routes: ${(err as Error).message.trim()}`);
      this.schedule(this.o.retryMs ?? 2000);
    }
  }

  /** Stops watching; the routes stay (as the pods they reach do) until the next start reconciles them. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.nodes.stop();
    await this.running;
  }
}
