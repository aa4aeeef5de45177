// `hyperkube apiserver` as a child process on a free loopback port (plain HTTP, one bearer
// token, AlwaysAllow), for tests that run several apiservers against one etcd cluster.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort } from './etcd.js';
import { hyperkubeCommand } from './up.js';

export interface ApiserverProcess {
  url: string;
  token: string;
  readonly pid: number;
  /** SIGTERM (SIGKILL after 5 s) and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export async function startApiserverProcess(o: { etcdServers: string[]; extraArgs?: string[]; startTimeoutMs?: number }): Promise<ApiserverProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tkt-apiserver-'));
  const token = randomBytes(16).toString('hex');
  await writeFile(join(dir, 'token'), token, { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let tail = '';
  const child: ChildProcess = spawn(process.execPath, [...hyperkubeCommand(), 'apiserver', `--etcd-servers=${o.etcdServers.join(',')}`, `--port=${port}`, `--token-file=${join(dir, 'token')}`, ...(o.extraArgs ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    }
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`apiserver exited before it was ready: ${tail}`);
    }
    try {
      const res = await fetch(`${url}/readyz`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`apiserver at ${url} not ready: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    token,
    get pid() {
      return child.pid ?? -1;
    },
    stop,
  };
}
