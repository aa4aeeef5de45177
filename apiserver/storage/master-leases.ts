// The live apiservers of a cluster, as upstream's lease endpoint reconciler keeps them:
// each apiserver writes /registry/masterleases/<its IP> attached to an etcd lease of a
// short TTL and rewrites it every reconcile; one that stops refreshing (killed, cut
// off) vanishes when its lease expires. Its own etcd client in this thread: a few
// calls every ten seconds need no worker.

import type { Etcd3, Lease } from 'etcd3';
import { newEtcdClient, type EtcdTLS } from './etcd-client.js';

export interface MasterLeasesOptions {
  endpoints: string[];
  tls?: EtcdTLS;
  /** The store's key prefix (--etcd-prefix). */
  prefix?: string;
  /** Lease TTL (upstream's masterEndpointReconcileTTL, 15 s). */
  ttlSeconds: number;
}

export class MasterLeases {
  private readonly client: Etcd3;
  private readonly dir: string;
  private lease: Lease | undefined;

  constructor(private readonly o: MasterLeasesOptions) {
    this.client = newEtcdClient({ endpoints: o.endpoints, ...(o.tls ? { tls: o.tls } : {}), callTimeoutMs: 5000 });
    this.dir = `${o.prefix ?? ''}/registry/masterleases/`;
  }

  /** (Re)writes this apiserver's key on a fresh lease, then lets the previous lease go. */
  async update(ip: string): Promise<void> {
    const lease = this.client.lease(this.o.ttlSeconds, { autoKeepAlive: false });
    // Upstream stores an Endpoints object naming the address; readers only use the key.
    const value = JSON.stringify({ kind: 'Endpoints', apiVersion: 'v1', metadata: { name: ip }, subsets: [{ addresses: [{ ip }] }] });
    try {
      await lease.put(this.dir + ip).value(value).exec();
    } catch (err) {
      await lease.revoke().catch(() => undefined);
      throw err;
    }
    const old = this.lease;
    this.lease = lease;
    // The key now rides the new lease: revoking the old one deletes nothing but the lease.
    if (old) await old.revoke().catch(() => undefined);
  }

  /** The addresses whose leases are live, sorted (a linearizable read). */
  async list(): Promise<string[]> {
    const keys = await this.client.getAll().prefix(this.dir).keys();
    return keys.map((k) => k.slice(this.dir.length)).filter(Boolean).sort();
  }

  /** Drops this apiserver's key at once (a graceful stop). */
  async remove(ip: string): Promise<void> {
    await this.client.delete().key(this.dir + ip).exec();
    const old = this.lease;
    this.lease = undefined;
    if (old) await old.revoke().catch(() => undefined);
  }

  /** Closes the client; a key not removed expires with its lease (as a crashed apiserver's). */
  close(): void {
    this.lease?.release();
    this.client.close();
  }
}
