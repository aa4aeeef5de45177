// A pod's container statuses as the API shows them, from the runtime's attempts: state (waiting
// with the kubelet's reason, running, terminated with the termination message), lastState,
// restartCount, ready/started from the probes, and the OOMKilling event once per container.
import { join } from 'node:path';
import type { Container, ContainerStatus, Pod } from '../api/core.js';
import type { ContainerStatus as RtStatus } from '../runtime/cri.js';
import type { Backoff } from './backoff.js';
import { logDirectory } from './container-config.js';
import type { Waiting } from './container-start.js';
import type { ContainerKind } from './pod-plan.js';
import { apiTime, CONTAINER_ID_PREFIX } from './labels.js';
import type { PodProbes } from './probes.js';
import { terminationMessage } from './termination-message.js';

export interface ContainerStatusDeps {
  rootDir: string;
  logDir: string;
  pod(): Pod;
  probes(): PodProbes;
  waiting: ReadonlyMap<string, Waiting>;
  backoff: Backoff;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export class ContainerStatuses {
  private readonly messages = new Map<string, string>();
  private readonly oomReported = new Set<string>();

  constructor(private readonly d: ContainerStatusDeps) {}

  /** A removed attempt: its cached message goes. */
  forget(id: string): void {
    this.messages.delete(id);
  }

  /** An exited attempt's termination message; read once per container (it cannot change any more). */
  private terminationMessageOf(c: Container, s: RtStatus): string {
    const pod = this.d.pod();
    const uid = pod.metadata.uid!;
    let m = this.messages.get(s.id);
    if (m === undefined) {
      const attempt = s.metadata.attempt ?? 0;
      m = terminationMessage(this.d.rootDir, uid, c, attempt, s.exitCode, join(logDirectory(this.d.logDir, pod), c.name, `${attempt}.log`));
      this.messages.set(s.id, m);
    }
    return m;
  }

  /** The API status of container c from its runtime attempts (newest first). */
  of(c: Container, states: RtStatus[] | undefined, kind: ContainerKind, initPending: boolean): ContainerStatus {
    const cur = states?.[0];
    const prev = states?.[1];
    const term = (s: RtStatus) => {
      const message = s.message || this.terminationMessageOf(c, s);
      return {
        terminated: {
          exitCode: s.exitCode,
          reason: s.reason || (s.exitCode === 0 ? 'Completed' : 'Error'),
          ...(message ? { message } : {}),
          startedAt: apiTime(s.startedAt || s.createdAt),
          finishedAt: apiTime(s.finishedAt),
          containerID: CONTAINER_ID_PREFIX + s.id,
        },
      };
    };
    const base: ContainerStatus = { name: c.name, ready: false, restartCount: cur?.metadata.attempt ?? 0, image: c.image ?? '', imageID: cur?.imageRef ?? '', started: false, state: {}, lastState: {} };
    if (cur) base.containerID = CONTAINER_ID_PREFIX + cur.id;
    const w = this.d.waiting.get(c.name);
    if (!cur) {
      base.state = { waiting: w ?? { reason: initPending && kind === 'app' ? 'PodInitializing' : 'ContainerCreating' } };
      return base;
    }
    if (prev && prev.state === 'CONTAINER_EXITED') base.lastState = term(prev);
    if (cur.state === 'CONTAINER_RUNNING') {
      base.state = { running: { startedAt: apiTime(cur.startedAt) } };
      base.started = kind === 'app' ? (c.startupProbe ? this.d.probes().started(cur.id) : true) : true;
      base.ready = kind === 'app' && base.started && (c.readinessProbe ? this.d.probes().ready(cur.id) : true);
    } else if (cur.state === 'CONTAINER_EXITED') {
      if (cur.reason === 'OOMKilled' && !this.oomReported.has(cur.id)) {
        this.oomReported.add(cur.id);
        this.d.event('Warning', 'OOMKilling', `Container ${c.name} was killed: out of memory`);
      }
      // In back-off: waiting, with the exit as lastState (Kubernetes' CrashLoopBackOff shape).
      const b = this.d.backoff.get(c.name);
      if (w && w.reason === 'CrashLoopBackOff' && b && Date.now() < b.until) {
        base.state = { waiting: w };
        base.lastState = term(cur);
      } else base.state = term(cur);
    } else base.state = { waiting: w ?? { reason: 'ContainerCreating' } };
    return base;
  }

}
