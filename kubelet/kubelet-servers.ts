// The kubelet's listeners: the authenticated server (logs, exec, attach, port-forward, metrics,
// pods, stats/summary) on the node's address, and the open /healthz on loopback.
import { readFileSync } from 'node:fs';
import type { Pod } from '../api/core.js';
import type { RuntimeService } from '../runtime/cri.js';
import { logDirectory } from './container-config.js';
import { L_CONTAINER_NAME, L_POD_UID } from './labels.js';
import type { KubeletMetrics } from './metrics.js';
import type { Summary } from '../api/stats.js';
import { startHealthzServer, startKubeletServer } from './server.js';

/** The kubelet's own listeners (KubeletOptions includes these). */
export interface ServerOptions {
  /** Streaming/metrics server port; 0 = any free port; -1 = no server. Default 10250. */
  port?: number;
  /** Address of that server; default the node's InternalIP (never every address unless asked with 0.0.0.0). */
  address?: string;
  /** Bearer token the kubelet server accepts (the apiserver's credential). */
  serverToken?: string;
  /** Serve HTTPS with this certificate and key (PEM files). */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** CA bundle (PEM file) whose client certificates authenticate to the server (--client-ca-file); needs TLS. */
  clientCAFile?: string;
  /** Open /healthz on its own plain-HTTP listener (--healthz-port): default 10248 (any free port when `port` is 0), 0 = any free port, -1 = none. */
  healthzPort?: number;
  /** Address of the healthz listener (default 127.0.0.1). */
  healthzBindAddress?: string;
}

export interface ServerContext {
  runtime: RuntimeService;
  metrics: KubeletMetrics;
  logDir: string;
  hostIP: string;
  // Callbacks handed on to the servers as values, so properties rather than methods (no `this`).
  findPod: (ns: string, name: string) => Pod | undefined;
  pods: () => Pod[];
  healthy: () => boolean;
  summary: () => Promise<Summary>;
  log: (m: string) => void;
}

type Closable = { port: number; close(): Promise<void> };

export async function startServers(opts: ServerOptions, c: ServerContext): Promise<{ server: Closable | undefined; healthz: Closable | undefined }> {
  const { runtime } = c;
  const newest = <T extends { metadata: { attempt?: number } }>(cs: T[]) => cs.sort((a, b) => (b.metadata.attempt ?? 0) - (a.metadata.attempt ?? 0))[0];
  const server =
    opts.port === -1
      ? undefined
      : await startKubeletServer(
          {
            findPod: c.findPod,
            podLogDir: (p) => logDirectory(c.logDir, p),
            async containerRunning(pod, container) {
              const cs = await runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata.uid!, [L_CONTAINER_NAME]: container } });
              return newest(cs)?.state === 'CONTAINER_RUNNING';
            },
            runtime,
            async runningContainer(pod, container) {
              const cs = await runtime.listContainers({ labelSelector: { [L_POD_UID]: pod.metadata.uid!, [L_CONTAINER_NAME]: container }, state: 'CONTAINER_RUNNING' });
              return newest(cs)?.id;
            },
            async readySandbox(pod) {
              return (await runtime.listPodSandbox({ labelSelector: { [L_POD_UID]: pod.metadata.uid! }, state: 'SANDBOX_READY' }))[0]?.id;
            },
            metrics: c.metrics,
            healthy: c.healthy,
            pods: c.pods,
            summary: c.summary,
          },
          opts.port ?? 10250,
          // The node's address only: pods and other machines have no business on every address of it.
          opts.address ?? c.hostIP,
          {
            ...(opts.serverToken ? { token: opts.serverToken } : {}),
            ...(opts.tlsCertFile && opts.tlsKeyFile ? { tls: { cert: readFileSync(opts.tlsCertFile), key: readFileSync(opts.tlsKeyFile) } } : {}),
            ...(opts.clientCAFile ? { clientCA: readFileSync(opts.clientCAFile) } : {}),
          },
        );
  const healthzPort = opts.healthzPort ?? (opts.port === 0 ? 0 : 10248);
  let healthz: Closable | undefined;
  try {
    healthz = healthzPort < 0 ? undefined : await startHealthzServer(c.healthy, healthzPort, opts.healthzBindAddress ?? '127.0.0.1');
  } catch (e) {
    await server?.close();
    throw e;
  }
  if (healthz) c.log(`healthz on http://${opts.healthzBindAddress ?? '127.0.0.1'}:${healthz.port}/healthz`);
  return { server, healthz };
}
