// Liveness, readiness and startup probes of one pod's running containers:
// exec (through the runtime), httpGet (to the pod IP) and tcpSocket, with
// initialDelay/period/timeout/success/failure thresholds as Kubernetes.
import { connect } from 'node:net';
import type { Container, Probe, ProbeHandler } from '../api/core.js';
import type { RuntimeService } from '../runtime/cri.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeOutcome {
  ok: boolean;
  message: string;
}

function resolvePort(c: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = c.ports?.find((p) => p.name === port);
  if (named) return named.containerPort;
  const n = Number(port);
  if (!Number.isInteger(n)) throw new Error(`port ${port} not found`);
  return n;
}

/** Run one handler (also used for lifecycle hooks). */
export async function runHandler(rt: RuntimeService, containerId: string, c: Container, h: ProbeHandler, podIP: string, timeoutSeconds: number): Promise<ProbeOutcome> {
  try {
    if (h.exec) {
      const r = await rt.execSync(containerId, h.exec.command ?? [], timeoutSeconds);
      if (r.timedOut) return { ok: false, message: `command timed out after ${timeoutSeconds}s` };
      const out = (r.stdout.toString() + r.stderr.toString()).trim();
      return { ok: r.exitCode === 0, message: r.exitCode === 0 ? out : `command failed with exit code ${r.exitCode}: ${out}` };
    }
    if (h.httpGet) {
      const host = h.httpGet.host || podIP || '127.0.0.1';
      const port = resolvePort(c, h.httpGet.port);
      const scheme = (h.httpGet.scheme ?? 'HTTP').toLowerCase();
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
      for (const hd of h.httpGet.httpHeaders ?? []) headers[hd.name] = hd.value;
      const res = await fetch(`${scheme}://${host}:${port}${h.httpGet.path ?? '/'}`, { headers, signal: AbortSignal.timeout(timeoutSeconds * 1000), redirect: 'manual' });
      // Safe: the body is drained only to free the socket; the status code is the probe's result.
      await res.arrayBuffer().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 400;
      return { ok, message: ok ? '' : `HTTP probe failed with statuscode: ${res.status}` };
    }
    if (h.tcpSocket) {
      const host = h.tcpSocket.host || podIP || '127.0.0.1';
      const port = resolvePort(c, h.tcpSocket.port);
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host, port, timeout: timeoutSeconds * 1000 });
        s.once('connect', () => {
          s.destroy();
          resolve();
        });
        s.once('timeout', () => {
          s.destroy();
          reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
        });
        s.once('error', reject);
      });
      return { ok: true, message: '' };
    }
    return { ok: false, message: 'no handler' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

interface Worker {
  kind: ProbeKind;
  probe: Probe;
  timer: NodeJS.Timeout | undefined;
  successes: number;
  failures: number;
  result: boolean;
  stopped: boolean;
}

export interface ProbeCallbacks {
  /** A result changed (readiness/startup): the pod's status needs a recompute. */
  onChange(): void;
  /** Liveness (or startup) failed past its threshold: the container must be restarted. */
  onFailure(containerId: string, kind: ProbeKind, message: string): void;
  /** A readiness probe failed (an "Unhealthy" event, as the kubelet records for every failure). */
  onUnhealthy?(containerId: string, kind: ProbeKind, message: string): void;
}

/** The probes of one running container. */
class ContainerProbes {
  private readonly workers: Worker[] = [];

  constructor(
    private readonly rt: RuntimeService,
    readonly containerId: string,
    private readonly c: Container,
    private readonly podIP: () => string,
    private readonly cb: ProbeCallbacks,
  ) {
    const add = (kind: ProbeKind, probe: Probe | undefined) => {
      // Without a probe: liveness/startup succeed, readiness is "ready once running".
      if (probe) this.workers.push({ kind, probe, timer: undefined, successes: 0, failures: 0, result: kind === 'liveness', stopped: false });
    };
    add('startup', c.startupProbe);
    add('liveness', c.livenessProbe);
    add('readiness', c.readinessProbe);
    for (const w of this.workers) this.schedule(w, (w.probe.initialDelaySeconds ?? 0) * 1000);
  }

  result(kind: ProbeKind): boolean {
    const w = this.workers.find((x) => x.kind === kind);
    return w ? w.result : true;
  }

  private schedule(w: Worker, ms: number): void {
    if (w.stopped) return;
    w.timer = setTimeout(() => void this.tick(w), ms);
  }

  private async tick(w: Worker): Promise<void> {
    if (w.stopped) return;
    // Liveness and readiness wait for the startup probe, as in Kubernetes.
    if (w.kind !== 'startup' && !this.result('startup')) return this.schedule(w, (w.probe.periodSeconds ?? 10) * 1000);
    if (w.kind === 'startup' && w.result) return; // startup probes stop once they succeeded
    const out = await runHandler(this.rt, this.containerId, this.c, w.probe, this.podIP(), w.probe.timeoutSeconds ?? 1);
    if (w.stopped) return;
    const before = w.result;
    if (out.ok) {
      w.failures = 0;
      w.successes++;
      if (w.successes >= (w.probe.successThreshold ?? 1)) w.result = true;
    } else {
      w.successes = 0;
      w.failures++;
      if (w.kind === 'readiness') this.cb.onUnhealthy?.(this.containerId, w.kind, out.message);
      if (w.failures >= (w.probe.failureThreshold ?? 3)) {
        w.result = false;
        if (w.kind !== 'readiness') {
          w.stopped = true;
          this.cb.onFailure(this.containerId, w.kind, out.message);
          return;
        }
      }
    }
    if (before !== w.result) this.cb.onChange();
    this.schedule(w, (w.probe.periodSeconds ?? 10) * 1000);
  }

  stop(): void {
    for (const w of this.workers) {
      w.stopped = true;
      clearTimeout(w.timer);
    }
  }
}

/** All probes of one pod, kept in step with its running containers. */
export class PodProbes {
  private readonly byId = new Map<string, ContainerProbes>();
  private closed = false;

  constructor(
    private readonly rt: RuntimeService,
    private readonly podIP: () => string,
    private readonly cb: ProbeCallbacks,
  ) {}

  /** Start probing containers that are new, stop those no longer running. */
  sync(running: { id: string; spec: Container }[]): void {
    // A sync that was running when the worker was detached must not start probes again: their
    // timers would outlive the kubelet (and keep a stopping process alive).
    if (this.closed) return;
    const keep = new Set(running.map((r) => r.id));
    for (const [id, p] of this.byId) if (!keep.has(id)) {
      p.stop();
      this.byId.delete(id);
    }
    for (const r of running) if (!this.byId.has(r.id)) this.byId.set(r.id, new ContainerProbes(this.rt, r.id, r.spec, this.podIP, this.cb));
  }

  ready(id: string): boolean {
    return this.byId.get(id)?.result('readiness') ?? false;
  }

  started(id: string): boolean {
    return this.byId.get(id)?.result('startup') ?? false;
  }

  stop(): void {
    for (const p of this.byId.values()) p.stop();
    this.byId.clear();
  }

  /** Stop for good (the worker is detached): later syncs start nothing. */
  close(): void {
    this.closed = true;
    this.stop();
  }
}
