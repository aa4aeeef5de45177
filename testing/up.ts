// `hyperkube up` as a child process on free ports with a temp data dir, for e2e tests:
// the cluster exactly as a user starts it, driven with the real kubectl.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './etcd.js';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';

export interface UpCluster {
  dataDir: string;
  kubeconfig: string;
  child: ChildProcess;
  /** The ports this `up` was given. */
  ports: { api: number; etcdClient: number; etcdPeer: number };
  output(): string;
  kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** kubectl that must succeed: its stdout, or a thrown error with the command and its stderr. */
  kubectlOk(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

/** The hyperkube entry point: compiled JS next to this file, or the TS source under tsx. */
export function hyperkubeCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return ['--import', 'tsx', fileURLToPath(new URL('../cmd/hyperkube.ts', import.meta.url))];
  return [fileURLToPath(new URL('../cmd/hyperkube.js', import.meta.url))];
}

export interface UpOptions {
  /** Reuse this data dir (a restart); default: a new temp dir. */
  dataDir?: string;
  /** Leave the data dir in place on stop() (to start again on it). */
  keepData?: boolean;
  /** Use these etcd ports instead of free ones (e.g. to start on the same ones again). */
  etcdPorts?: { client: number; peer: number };
}

const gone = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

export async function startUp(extraArgs: string[] = [], o: UpOptions = {}): Promise<UpCluster> {
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'tkt-up-')));
  const port = await freePort();
  const ec = o.etcdPorts?.client ?? (await freePort());
  let ep = o.etcdPorts?.peer ?? (await freePort());
  while (ep === ec || ep === port) ep = await freePort();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...hyperkubeCommand(), 'up', `--data-dir=${dataDir}`, `--port=${port}`, `--etcd-client-port=${ec}`, `--etcd-peer-port=${ep}`, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const kubeconfig = join(dataDir, 'kubeconfig');
  const deadline = Date.now() + 60_000;
  while (!/^ready: /m.test(out)) {
    if (gone(child)) throw new Error(`hyperkube up exited: ${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hyperkube up not ready: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const kubectl: UpCluster['kubectl'] = (args, input) =>
    new Promise((resolve) => {
      const p = execFile('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      p.stdin!.on('error', () => {}); // kubectl may exit before reading stdin; its exit code says why
      if (input !== undefined) p.stdin!.end(input);
    });
  return {
    dataDir,
    kubeconfig,
    child,
    ports: { api: port, etcdClient: ec, etcdPeer: ep },
    output: () => out,
    kubectl,
    async kubectlOk(args, input) {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async stop() {
      if (!gone(child)) {
        child.kill('SIGTERM');
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 15_000);
          child.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
      if (!o.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
