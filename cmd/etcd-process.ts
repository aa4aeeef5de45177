// Runs etcd as a child process for `hyperkube up`: data kept under the data dir,
// loopback ports, tuned for a single member (short heartbeat/election so it is up
// in well under a second, small snapshot count; compaction is the apiserver's job).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { newEtcdClient } from '../apiserver/storage/etcd-client.js';

export interface EtcdProcessOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  binary?: string;
  /** Extra flags, appended last. */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** In its own process group, so a terminal's Ctrl-C reaches only the parent, which stops it in order. */
  detached?: boolean;
  /** SIGTERM when the parent dies, even by kill -9 (through util-linux setpriv, when present). */
  dieWithParent?: boolean;
}

export interface EtcdProcess {
  endpoint: string;
  pid: number;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Resolves when etcd exits, with its exit code or signal. */
  exited: Promise<string>;
}

const SETPRIV = '/usr/bin/setpriv';

export function etcdArgs(o: EtcdProcessOptions): string[] {
  const endpoint = `http://127.0.0.1:${o.clientPort}`;
  const peer = `http://127.0.0.1:${o.peerPort}`;
  return [
    '--name=tskube',
    `--data-dir=${join(o.dataDir, 'member-data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=tskube=${peer}`,
    '--initial-cluster-state=new',
    '--heartbeat-interval=20',
    '--election-timeout=200',
    // Memory grows with the snapshot count; Kubernetes' own default is 10000.
    '--snapshot-count=5000',
    '--quota-backend-bytes=2147483648',
    // Objects may be up to 3 MiB (the apiserver's body limit); etcd's default cap is 1.5 MiB.
    '--max-request-bytes=4194304',
    // Lets the watch cache prove it is current while a resource is idle.
    '--experimental-watch-progress-notify-interval=100ms',
    '--logger=zap',
    '--log-level=error',
    ...(o.extraArgs ?? []),
  ];
}

export async function startEtcdProcess(o: EtcdProcessOptions): Promise<EtcdProcess> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const endpoint = `http://127.0.0.1:${o.clientPort}`;
  const binary = o.binary ?? '/usr/bin/etcd';
  // setpriv sets the parent-death signal and execs etcd: the same pid.
  const [cmd, args] = o.dieWithParent && existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'TERM', binary, ...etcdArgs(o)]] : [binary, etcdArgs(o)];
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: o.detached ?? false });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, sig) => resolve(sig ?? String(code))));
  const client = newEtcdClient({ endpoints: endpoint, dialTimeout: 500, callTimeoutMs: 1000 });
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`etcd exited before answering: ${tail.trim()}`);
      try {
        await client.get('/tskube-ready-probe').string();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`etcd did not answer on ${endpoint}: ${tail.trim()}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
  return {
    endpoint,
    pid: child.pid!,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
