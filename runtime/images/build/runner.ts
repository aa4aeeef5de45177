// Runs a build's RUN steps in tskube's own containers: one pod sandbox per build (loopback only
// for `--network none`, or a veth on a bridge of its own for `bridge`), one container per step on
// the image built so far, its output relayed, its overlay upper directory kept for the layer.
// Everything it creates (state dir, snapshots, cgroups, bridge, chains) is removed by close().
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Runtime } from '../../runtime.js';
import { createPodNetwork } from '../../network/index.js';
import type { PodNetwork } from '../../network/types.js';
import type { ImageRunConfig, ResolvedImage } from '../types.js';
import { decodeCriLog } from '../../cli.js';

export type BuildNetwork = 'none' | 'bridge';

export interface RunStep {
  argv: string[];
  env: string[];
  workdir: string;
  user?: string;
  layers: string[];
}

export interface RunResult {
  exitCode: number;
  /** The container's overlay upper directory: what the command changed. */
  upper: string;
  /** Removes the step's container (and its upper directory). */
  remove: () => Promise<void>;
}

/** A /24 under 10.89/16 no route on this host uses yet (the build bridge's). */
function freeBuildCIDR(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    const n = 1 + Math.floor(Math.random() * 250);
    if (!routes.includes(`10.89.${n}.`)) return `10.89.${n}.0/24`;
  }
  throw new Error('no free /24 under 10.89.0.0/16 for the build network');
}

export class StepRunner {
  private runtime?: Runtime;
  private network?: PodNetwork;
  private sandbox?: string;
  private readonly tag = randomBytes(3).toString('hex');
  private readonly stateDir: string;
  private steps = 0;
  private current?: ResolvedImage;

  constructor(private readonly opts: { containersDir: string; network: BuildNetwork; out: (s: string) => void; stateDir?: string; cgroupRoot?: string }) {
    if (opts.stateDir) mkdirSync(opts.stateDir, { recursive: true });
    this.stateDir = mkdtempSync(join(opts.stateDir ?? tmpdir(), 'tskube-build-'));
  }

  private async start(): Promise<{ rt: Runtime; sb: string }> {
    if (this.runtime && this.sandbox) return { rt: this.runtime, sb: this.sandbox };
    if (this.opts.network === 'bridge') {
      this.network = createPodNetwork({ podCIDR: freeBuildCIDR(), bridgeName: `tkb${this.tag}`, chainPrefix: `TKB${this.tag.toUpperCase()}`, stateDir: join(this.stateDir, 'net') });
    }
    this.runtime = new Runtime({
      images: { resolve: () => Promise.resolve(this.current!) },
      network: this.network,
      stateDir: join(this.stateDir, 'rt'),
      containersDir: this.opts.containersDir,
      // A cgroup root of its own: never under the kubelet's, whose orphan sweep would take it.
      cgroupRoot: `${this.opts.cgroupRoot ?? 'tskube-build'}-${this.tag}`,
    });
    this.sandbox = await this.runtime.runPodSandbox({
      metadata: { name: 'buildkitsandbox', namespace: 'build', uid: this.tag },
      hostname: 'buildkitsandbox',
      logDirectory: join(this.stateDir, 'logs'),
    });
    return { rt: this.runtime, sb: this.sandbox };
  }

  async run(step: RunStep): Promise<RunResult> {
    const { rt, sb } = await this.start();
    const n = ++this.steps;
    const config: ImageRunConfig = { Env: step.env, WorkingDir: step.workdir || '/' };
    if (step.user) config.User = step.user;
    this.current = { id: `sha256:${'0'.repeat(64)}`, layers: step.layers, config };
    const id = await rt.createContainer(sb, {
      metadata: { name: `step-${n}` },
      image: 'build-step',
      command: step.argv,
      logPath: `step-${n}.log`,
      // As docker's RUN: setuid binaries work (no no_new_privs), runtime default seccomp.
      securityContext: { allowPrivilegeEscalation: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    const log = join(this.stateDir, 'logs', `step-${n}.log`);
    let offset = 0;
    const pump = () => {
      if (!existsSync(log)) return;
      const size = statSync(log).size;
      if (size <= offset) return;
      const text = readFileSync(log).subarray(offset).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      for (const p of decodeCriLog(text.slice(0, end))) this.opts.out(p.text);
      offset += Buffer.byteLength(text.slice(0, end));
    };
    try {
      await rt.startContainer(id);
      while (!(await rt.waitExit(id, 200))) pump();
      pump();
    } catch (e) {
      await rt.removeContainer(id).catch(() => undefined);
      throw e;
    }
    const st = await rt.containerStatus(id);
    const exitCode = st.reason === 'ContainerCannotRun' ? 127 : st.exitCode;
    if (st.reason === 'ContainerCannotRun' && st.message) this.opts.out(`${st.message}\n`);
    return { exitCode, upper: join(this.opts.containersDir, id, 'upper'), remove: () => rt.removeContainer(id) };
  }

  async close(): Promise<void> {
    try {
      if (this.runtime && this.sandbox) await this.runtime.removePodSandbox(this.sandbox);
      if (this.runtime) await this.runtime.cgroups.remove(this.runtime.cgroupRoot).catch(() => undefined);
      await this.network?.cleanup();
    } finally {
      rmSync(this.stateDir, { recursive: true, force: true });
    }
  }
}
