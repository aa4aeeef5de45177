// Runs etcd as a child process for `hyperkube up`: data kept under the data dir,
// loopback ports, client and peer TLS with certificates only `up` holds (the apiserver
// is its only client), tuned for a single member (short heartbeat/election so it is up
// in well under a second, small snapshot count; compaction is the apiserver's job).
//
// `up` owns this etcd: it refuses ports someone else holds, checks that the member
// answering is the one of its data dir (a random member name and cluster token made at
// first start, and the cluster id seen then), and etcd gets SIGKILL when `up` dies,
// even by kill -9 (parent-death signal set by util-linux setpriv before it execs etcd).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { newEtcdClient, type EtcdTLS } from '../apiserver/storage/etcd-client.js';
import type { EtcdPKI } from './pki.js';
import { assertPortFree } from './port-holder.js';
import { procStartTime } from './proc-identity.js';

export interface EtcdProcessOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** etcd's CA, serving, peer and apiserver-client certificates (ensureEtcdPKI). */
  pki: EtcdPKI;
  binary?: string;
  /** etcd's --quota-backend-bytes; default 2 GiB. */
  quotaBackendBytes?: number;
  /** Extra flags, appended last. */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** In its own process group, so a terminal's Ctrl-C reaches only the parent, which stops it in order. */
  detached?: boolean;
  /** SIGKILL when the parent dies, even by kill -9 (through util-linux setpriv); default true. */
  dieWithParent?: boolean;
}

export interface EtcdProcess {
  endpoint: string;
  pid: number;
  /** Start time of the process (/proc/<pid>/stat), recorded for `reset`. */
  startTime: number;
  /** What the apiserver presents to etcd (PEM). */
  tls: EtcdTLS;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Resolves when etcd exits, with its exit code or signal. */
  exited: Promise<string>;
}

/** Who this data dir's etcd member is: made at first start, checked at every connect. */
export interface EtcdIdentity {
  name: string;
  token: string;
  /** The cluster id etcd reported the first time; absent until then. */
  clusterId?: string;
}

const SETPRIV = '/usr/bin/setpriv';
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
const IDENTITY_FILE = 'identity.json';
const ETCD_GOGC = '50';
/** The client URL of the running etcd, for the commands that talk to it beside `up`. */
export const CLIENT_URL_FILE = 'client-url';

/** The identity of the etcd under `dataDir`, made (random name and token) if it has none yet. */
export async function etcdIdentity(dataDir: string): Promise<EtcdIdentity> {
  const path = join(dataDir, IDENTITY_FILE);
  try {
    const id = JSON.parse(await readFile(path, 'utf8')) as EtcdIdentity;
    if (id.name && id.token) return id;
  } catch {
    // first start (or a data dir from before identities)
  }
  // A member made before identities existed is called "tskube" with etcd's default token;
  // its cluster id is recorded at the next start.
  const legacy = existsSync(join(dataDir, 'member-data', 'member'));
  const id: EtcdIdentity = legacy ? { name: 'tskube', token: 'etcd-cluster' } : { name: `tskube-${randomBytes(4).toString('hex')}`, token: randomBytes(16).toString('hex') };
  await saveIdentity(dataDir, id);
  return id;
}

export async function saveIdentity(dataDir: string, id: EtcdIdentity): Promise<void> {
  const path = join(dataDir, IDENTITY_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(id)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export function etcdArgs(o: EtcdProcessOptions, id: EtcdIdentity): string[] {
  const endpoint = `https://127.0.0.1:${o.clientPort}`;
  const peer = `https://127.0.0.1:${o.peerPort}`;
  const { pki } = o;
  return [
    `--name=${id.name}`,
    `--data-dir=${join(o.dataDir, 'member-data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    // Clients must present a certificate signed by etcd's own CA: only the apiserver has one.
    `--cert-file=${pki.server.certPath}`,
    `--key-file=${pki.server.keyPath}`,
    '--client-cert-auth',
    `--trusted-ca-file=${pki.caPath}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${id.name}=${peer}`,
    `--initial-cluster-token=${id.token}`,
    '--initial-cluster-state=new',
    `--peer-cert-file=${pki.peer.certPath}`,
    `--peer-key-file=${pki.peer.keyPath}`,
    '--peer-client-cert-auth',
    `--peer-trusted-ca-file=${pki.caPath}`,
    '--heartbeat-interval=20',
    '--election-timeout=200',
    // Memory grows with the snapshot count; Kubernetes' own default is 10000.
    '--snapshot-count=5000',
    `--quota-backend-bytes=${o.quotaBackendBytes ?? DEFAULT_QUOTA_BACKEND_BYTES}`,
    // Objects may be up to 3 MiB (the apiserver's body limit); etcd's default cap is 1.5 MiB.
    '--max-request-bytes=4194304',
    // Lets the watch cache prove it is current while a resource is idle.
    '--experimental-watch-progress-notify-interval=100ms',
    '--logger=zap',
    '--log-level=error',
    ...(o.extraArgs ?? []),
  ];
}

/**
 * etcd's environment: Go's GC collects at 50% heap growth instead of 100% (GOGC), which keeps this
 * one-member etcd's RSS ~2.5 MiB lower idle for a little GC CPU (issue 18); what the user set wins.
 */
export function etcdEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GOGC: env.GOGC ?? ETCD_GOGC };
}

export function etcdClientTLS(pki: EtcdPKI): EtcdTLS {
  return { ca: pki.ca, cert: pki.client.cert, key: pki.client.key };
}

export async function startEtcdProcess(o: EtcdProcessOptions): Promise<EtcdProcess> {
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  const id = await etcdIdentity(o.dataDir);
  // Whatever answers on a taken port is not ours: refuse rather than talk to it.
  await assertPortFree(o.clientPort, 'etcd client port');
  await assertPortFree(o.peerPort, 'etcd peer port');
  const endpoint = `https://127.0.0.1:${o.clientPort}`;
  const tls = etcdClientTLS(o.pki);
  const binary = o.binary ?? '/usr/bin/etcd';
  const dieWithParent = o.dieWithParent ?? true;
  if (dieWithParent && !existsSync(SETPRIV)) throw new Error(`${SETPRIV} (util-linux) is needed so that etcd dies with up`);
  // setpriv sets the parent-death signal and execs etcd: the same pid. SIGKILL, not SIGTERM:
  // etcd's write-ahead log makes it crash-safe, and nothing can delay a KILL.
  const [cmd, args] = dieWithParent ? [SETPRIV, ['--pdeathsig', 'KILL', binary, ...etcdArgs(o, id)]] : [binary, etcdArgs(o, id)];
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: o.detached ?? false, env: etcdEnv(process.env) });
  // Read while the child cannot have been reaped yet: this is its start time, not a successor's.
  const startTime = child.pid ? procStartTime(child.pid) : undefined;
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, sig) => resolve(sig ?? String(code)));
    child.once('error', (err) => resolve(err.message));
  });
  const dead = () => child.exitCode !== null || child.signalCode !== null || !child.pid;
  const client = newEtcdClient({ endpoints: endpoint, dialTimeout: 500, callTimeoutMs: 1000, tls });
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  try {
    if (startTime === undefined) throw new Error(`etcd did not start: ${tail.trim()}`);
    for (;;) {
      if (dead()) throw new Error(`etcd exited before answering: ${tail.trim()}`);
      try {
        await client.get('/tskube-ready-probe').string();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`etcd did not answer on ${endpoint}: ${tail.trim()}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    }
    await checkIdentity(client, id, o.dataDir, endpoint);
    // Where `hyperkube etcd-snapshot save` finds this etcd (it checks the identity too).
    await writeFile(join(o.dataDir, CLIENT_URL_FILE), `${endpoint}\n`);
    // Answered, and it is our member; and the process answering is still the one started.
    if (dead()) throw new Error(`etcd exited while starting: ${tail.trim()}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
  return {
    endpoint,
    pid: child.pid!,
    startTime: startTime,
    tls,
    exited,
    async stop() {
      if (dead()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/**
 * The member answering must be this data dir's: one member, of our random name, in the
 * cluster seen at the first start (recorded then).
 */
export async function checkIdentity(client: ReturnType<typeof newEtcdClient>, id: EtcdIdentity, dataDir: string, endpoint: string): Promise<void> {
  const res = await client.cluster.memberList({});
  const clusterId = res.header.cluster_id;
  const names = res.members.map((m) => m.name);
  const mismatch = names.length !== 1 || names[0] !== id.name || (id.clusterId !== undefined && id.clusterId !== clusterId);
  if (mismatch) {
    throw new Error(
      `etcd at ${endpoint} is not the one up started for ${dataDir}: members [${names.join(', ')}] of cluster ${clusterId}, ` +
        `expected member ${id.name}${id.clusterId ? ` of cluster ${id.clusterId}` : ''}; refusing to use it`,
    );
  }
  if (id.clusterId === undefined) await saveIdentity(dataDir, { ...id, clusterId });
}
