// Starts a real etcd (v3.4, /usr/bin/etcd) as a child process for tests: free
// loopback ports, a fresh temp data dir, timeouts shortened so restarts and
// leader election take ~0.3 s instead of ~1.4 s. Plain HTTP on loopback by default
// (storage unit tests); `tls: true` runs it as `up` does, with client certificate
// auth (certificates from cmd/pki.ts in the data dir; handle.tls is the client's).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEtcdClient, type EtcdTLS } from '../apiserver/storage/etcd-client.js';
import { ensureEtcdPKI } from '../cmd/pki.js';

export interface EtcdOptions {
  /** etcd binary; default /usr/bin/etcd (or $ETCD_BIN). */
  binary?: string;
  /** Parent of the temp data dir; default os.tmpdir(). */
  baseDir?: string;
  /** How long to wait for the first answer; default 20 s. */
  startTimeoutMs?: number;
  /** Passed as --snapshot-count; default 5000. */
  snapshotCount?: number;
  /** Passed as --quota-backend-bytes; default 512 MiB. */
  quotaBackendBytes?: number;
  /** Passed as --experimental-watch-progress-notify-interval; default '100ms'. */
  progressNotifyInterval?: string;
  /** Extra command-line flags. */
  extraArgs?: string[];
  /** Serve clients over TLS and require a client certificate, as `up` does. */
  tls?: boolean;
}

export interface EtcdHandle {
  /** Client URL, e.g. http://127.0.0.1:40123 (https:// with tls) */
  endpoint: string;
  /** With tls: the CA, client certificate and key a client needs. */
  tls?: EtcdTLS;
  dataDir: string;
  /** PID of the current etcd process (changes after restart()). */
  readonly pid: number;
  /** Kill etcd (SIGTERM, then SIGKILL after 5 s) and remove the data dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL the process, keeping the data (a crash); restart() brings it back. */
  kill9(): void;
  /** Stop the process keeping its data (SIGTERM; or start a killed one) and start again on the same ports. */
  restart(): Promise<void>;
  /** Stop the process keeping its data; restart() brings it back. */
  pause(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function randomTag(): string {
  return Math.random().toString(36).slice(2, 6);
}

/** Resolves when the process has exited (immediately if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** One member's names, ports and data dir, chosen before any member starts (peers must know each other). */
interface MemberPlan {
  name: string;
  dataDir: string;
  endpoint: string;
  peer: string;
}

async function planMember(opts: EtcdOptions, taken: Set<number>): Promise<MemberPlan> {
  const dataDir = await mkdtemp(join(opts.baseDir ?? tmpdir(), `tkt-etcd-${randomTag()}-`));
  const port = async (): Promise<number> => {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    return p;
  };
  const clientPort = await port();
  const peerPort = await port();
  return {
    name: `tkt-${randomTag()}`,
    dataDir,
    endpoint: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`,
    peer: `http://127.0.0.1:${peerPort}`,
  };
}

/** A member's process handle; `launch` starts it (and, for a new cluster, needs its peers started too). */
async function member(plan: MemberPlan, initialCluster: string, opts: EtcdOptions): Promise<{ handle: EtcdHandle; launch(): Promise<void> }> {
  const binary = opts.binary ?? process.env.ETCD_BIN ?? '/usr/bin/etcd';
  const { dataDir, endpoint, peer, name } = plan;
  const pki = opts.tls ? await ensureEtcdPKI(join(dataDir, 'pki')) : undefined;
  const tls: EtcdTLS | undefined = pki ? { ca: pki.ca, cert: pki.client.cert, key: pki.client.key } : undefined;
  const tlsArgs = pki ? [`--cert-file=${pki.server.certPath}`, `--key-file=${pki.server.keyPath}`, '--client-cert-auth', `--trusted-ca-file=${pki.caPath}`] : [];
  const args = [
    `--name=${name}`,
    `--data-dir=${join(dataDir, 'data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=new',
    '--heartbeat-interval=20',
    '--election-timeout=200',
    `--snapshot-count=${opts.snapshotCount ?? 5000}`,
    `--quota-backend-bytes=${opts.quotaBackendBytes ?? 512 * 1024 * 1024}`,
    // Progress notifications let a watch cache prove it is current when its resource is idle
    // (etcd's default is every 10 minutes).
    `--experimental-watch-progress-notify-interval=${opts.progressNotifyInterval ?? '100ms'}`,
    // Objects may be up to 3 MiB (the apiserver's limit); etcd's default request cap is 1.5 MiB.
    `--max-request-bytes=${4 * 1024 * 1024}`,
    '--logger=zap',
    '--log-level=error',
    ...tlsArgs,
    ...(opts.extraArgs ?? []),
  ];

  let child: ChildProcess | undefined;
  let stderrTail = '';
  let removed = false;

  const launch = async (): Promise<void> => {
    stderrTail = '';
    const c = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
    });
    await waitReady(endpoint, c, opts.startTimeoutMs ?? 20_000, () => stderrTail, tls);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited(c);
    clearTimeout(timer);
  };

  // Never leave an orphan etcd behind if the test process exits without stop().
  const onExit = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  const handle: EtcdHandle = {
    endpoint,
    tls,
    dataDir,
    get pid() {
      return child?.pid ?? -1;
    },
    async stop() {
      await halt('SIGTERM');
      if (!removed) {
        removed = true;
        await rm(dataDir, { recursive: true, force: true });
        process.removeListener('exit', onExit);
      }
    },
    kill9() {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async pause() {
      await halt('SIGTERM');
    },
    async restart() {
      if (removed) throw new Error('etcd: restart() after stop()');
      await halt('SIGTERM');
      await launch();
    },
  };
  return { handle, launch };
}

export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdHandle> {
  const plan = await planMember(opts, new Set());
  const m = await member(plan, `${plan.name}=${plan.peer}`, opts);
  try {
    await m.launch();
  } catch (err) {
    await m.handle.stop();
    throw err;
  }
  return m.handle;
}

export interface EtcdClusterHandle {
  /** Every member's client URL. */
  endpoints: string[];
  members: EtcdHandle[];
  /** Stop every member and remove their data. Idempotent. */
  stop(): Promise<void>;
}

/** A cluster of `size` etcd members on loopback (plain HTTP), started together. */
export async function startEtcdCluster(size: number, opts: Omit<EtcdOptions, 'tls'> = {}): Promise<EtcdClusterHandle> {
  const taken = new Set<number>();
  const plans: MemberPlan[] = [];
  for (let i = 0; i < size; i++) plans.push(await planMember(opts, taken));
  const initial = plans.map((p) => `${p.name}=${p.peer}`).join(',');
  const members = await Promise.all(plans.map((p) => member(p, initial, opts)));
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.handle.stop()));
  };
  try {
    // Together: no member answers a linearizable read before a quorum has formed.
    await Promise.all(members.map((m) => m.launch()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoints: members.map((m) => m.handle.endpoint), members: members.map((m) => m.handle), stop };
}

/** Poll with a real request (a get) until etcd answers, the process dies, or time runs out. */
async function waitReady(endpoint: string, child: ChildProcess, timeoutMs: number, tail: () => string, tls?: EtcdTLS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const client = newEtcdClient({ endpoints: endpoint, dialTimeout: 500, callTimeoutMs: 1000, tls });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`etcd exited (${child.exitCode ?? child.signalCode}) before answering: ${tail()}`);
      }
      try {
        await client.get('/tskube-ready-probe').string();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`etcd at ${endpoint} did not answer within ${timeoutMs} ms: ${tail()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    client.close();
  }
}
