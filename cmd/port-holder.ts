// Is a loopback TCP port free, and if not, which process listens on it: `up` refuses
// to start etcd on a port someone else holds instead of talking to whatever answers there.

import { createServer } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Resolves when `port` can be bound on `host`; rejects with the bind error (EADDRINUSE...) otherwise. */
export function tryBind(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Socket inodes listening on TCP `port` (any address, IPv4 or IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] local address:port, f[3] state (0A = LISTEN), f[9] inode
      if (f.length > 9 && f[1].endsWith(`:${hex}`) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  return inodes;
}

/** The pid and command line of the process listening on `port`, when it can be found. */
export function portHolder(port: number): { pid: number; command: string } | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${name}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        // gone meanwhile
      }
      return { pid: Number(name), command: command.length > 160 ? `${command.slice(0, 157)}...` : command };
    }
  }
  return undefined;
}

/** Throws a clear error naming the port (`what`) and, when found, the process holding it. */
export async function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  try {
    await tryBind(port, host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE') throw new Error(`${what} ${host}:${port} cannot be bound: ${(err as Error).message}`);
    const holder = portHolder(port);
    const by = holder ? ` by pid ${holder.pid} (${holder.command || 'unknown command'})` : '';
    throw new Error(`${what} ${host}:${port} is already taken${by}; stop that process or choose another port`);
  }
}
