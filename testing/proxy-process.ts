// `hyperkube proxy` as its own child process for an isolated cluster started with
// --disable=proxy: the same chain prefix, Service CIDR and device as that cluster, so
// tests can kill it (-9) and start it again the way a crashing kube-proxy restarts.

import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';
import { freePort } from './etcd.js';
import { hyperkubeCommand, type IsolatedCluster } from './isolated.js';

/** The body of the proxier's GET /healthz. */
export interface ProxyHealth {
  healthy: boolean;
  lastSyncAt?: number;
  lastError?: string;
}

export interface ProxyProcess {
  child: ChildProcess;
  pid: number;
  healthzPort: number;
  output(): string;
  /** GET /healthz: the proxier's health (lastSyncAt is set once a sync succeeded). */
  health(): Promise<ProxyHealth>;
  /** Send a signal and wait for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startProxyProcess(cl: IsolatedCluster): Promise<ProxyProcess> {
  const healthzPort = await freePort();
  const f = cl.flags;
  const child = spawn(
    process.execPath,
    [
      ...SERVER_NODE_FLAGS,
      ...hyperkubeCommand(),
      'proxy',
      `--kubeconfig=${cl.up.kubeconfig}`,
      `--proxy-chain-prefix=${f.proxyChains}`,
      `--service-cluster-ip-range=${f.serviceCIDR}`,
      `--service-device=${f.device}`,
      `--healthz-port=${healthzPort}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const health: ProxyProcess['health'] = () =>
    new Promise((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${healthzPort}/healthz`, { timeout: 1000, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as ProxyHealth);
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('healthz timeout')));
      req.on('error', reject);
    });
  return {
    child,
    pid: child.pid!,
    healthzPort,
    output: () => out,
    health,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}
