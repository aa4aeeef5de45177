// Helpers for the proxy's kernel tests and benchmark: uniquely named network
// namespaces (so nothing touches the host's tables or routes) and commands
// run inside them. Everything created here is removed by its *remove* pair.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** "<prefix><4 random hex>", e.g. tkp3f0a. */
export function uniqueName(prefix: string): string {
  return prefix + randomBytes(2).toString('hex');
}

/** A random x for test CIDRs like 10.250.x.0/24 or 172.30.x.0/24. */
export function randomOctet(): number {
  return 1 + (randomBytes(1)[0] % 250);
}

export async function sh(cmd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileP(cmd, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Run a command inside a named netns. */
export function inNetns(netns: string, cmd: string, args: string[]): Promise<string> {
  return sh('nsenter', [`--net=/run/netns/${netns}`, '--', cmd, ...args]);
}

/** Create a netns with loopback up. */
export async function createNetns(name: string): Promise<void> {
  await sh('ip', ['netns', 'add', name]);
  await sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

/** Delete a netns (its veths go with it); no error if absent. */
export async function removeNetns(name: string): Promise<void> {
  await sh('ip', ['netns', 'del', name]).catch(() => {});
}

/** A veth pair with one end in each netns, addresses assigned, links up. */
export async function vethBetween(
  a: { netns: string; dev: string; addrs: string[] },
  b: { netns: string; dev: string; addrs: string[] },
): Promise<void> {
  await sh('ip', ['link', 'add', a.dev, 'netns', a.netns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.netns]);
  for (const end of [a, b]) {
    for (const addr of end.addrs) await sh('ip', ['-n', end.netns, 'addr', 'add', addr, 'dev', end.dev]);
    await sh('ip', ['-n', end.netns, 'link', 'set', end.dev, 'up']);
  }
}
