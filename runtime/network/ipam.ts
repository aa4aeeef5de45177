// Host-local IPAM persisted on disk, as the CNI host-local plugin: one file per allocated
// address (<dir>/<ip>, content = owner id), created exclusively, so an address can never be
// handed out twice, even by two processes or after a restart. Each file is created with its owner
// already inside (exclusive-file.ts), so a kill -9 never leaves an address owned by nobody. Allocation continues round-robin
// after the last reserved address, so a released IP is not immediately reused.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createExclusiveSync, removeDeadTemps } from './exclusive-file.js';
import { ipToNumber, numberToIP, parseCIDR, podRange, type IPv4Net } from './cidr.js';

const LAST = 'last_reserved_ip';

export class IPAM {
  private readonly net: IPv4Net;
  /** Serializes allocations in this process, so one owner never gets two addresses. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(cidr: string, private readonly dir: string) {
    this.net = parseCIDR(cidr);
  }

  /**
   * The owner's address, allocating one if it has none. `fresh`: the caller knows the owner holds
   * none (a new sandbox whose network state it found absent under the network lock), so the
   * lookup — a read of every allocation, which made n pods starting together cost O(n²) reads
   * under the lock — is skipped.
   */
  allocate(owner: string, opts: { fresh?: boolean } = {}): Promise<string> {
    const p = this.chain.then(() => this.allocateNow(owner, !!opts.fresh));
    this.chain = p.catch(() => undefined); // the caller gets the error from `p`; the chain only orders allocations
    return p;
  }

  // Synchronous file calls (a few small files, microseconds each): allocations run one at a time
  // under the network lock, and async calls there would each wait behind the thread pool that
  // every pod starting at the same moment is using.
  private async allocateNow(owner: string, fresh: boolean): Promise<string> {
    if (owner.includes('\n')) throw new Error('invalid owner id');
    mkdirSync(this.dir, { recursive: true });
    const existing = fresh ? undefined : await this.lookup(owner);
    if (existing) return existing;
    const { first, last } = podRange(this.net);
    const total = last - first + 1;
    let start = first;
    let prev = '';
    try {
      prev = readFileSync(join(this.dir, LAST), 'utf8').trim();
    } catch { /* no hint yet */ }
    if (prev) {
      try {
        const n = ipToNumber(prev);
        if (n >= first && n <= last) start = n + 1 > last ? first : n + 1;
      } catch { /* ignore a corrupt hint */ }
    }
    for (let i = 0; i < total; i++) {
      const n = first + ((start - first + i) % total);
      const ip = numberToIP(n);
      if (!createExclusiveSync(join(this.dir, ip), owner)) continue;
      const tmp = join(this.dir, `.${LAST}.${process.pid}.${randomBytes(4).toString('hex')}`);
      writeFileSync(tmp, ip);
      renameSync(tmp, join(this.dir, LAST));
      return ip;
    }
    throw new Error(`no free address in ${numberToIP(this.net.network)}/${this.net.prefixLength}`);
  }

  async lookup(owner: string): Promise<string | undefined> {
    for (const [ip, o] of await this.allocations()) if (o === owner) return ip;
    return undefined;
  }

  /** Releases every address the owner holds; `ip`: where it is known to be (one read, not one per address). */
  async release(owner: string, ip?: string): Promise<void> {
    if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) {
      const held = (await readFile(join(this.dir, ip), 'utf8').catch(() => '')).trim();
      if (held === owner) {
        await rm(join(this.dir, ip), { force: true });
        return;
      }
    }
    for (const [ip, o] of await this.allocations()) {
      if (o === owner) await rm(join(this.dir, ip), { force: true });
    }
  }

  /**
   * Removes what a process killed mid-allocation left: temp files, and address files without an
   * owner (written by versions that created the file before its content) older than a few
   * seconds. Call with no allocation running (under the network lock).
   */
  async removeDebris(): Promise<void> {
    await removeDeadTemps(this.dir);
    for (const [ip, owner] of await this.allocations()) {
      if (owner) continue;
      const st = await stat(join(this.dir, ip)).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > 2000) await rm(join(this.dir, ip), { force: true });
    }
  }

  /** ip → owner. */
  async allocations(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
      throw e;
    }
    for (const name of names) {
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(name)) continue;
      // An empty file (an older version's, killed mid-allocation) is still taken until removeDebris.
      out.set(name, (await readFile(join(this.dir, name), 'utf8').catch(() => '')).trim());
    }
    return out;
  }
}
