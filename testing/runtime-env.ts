// Shared by the runtime's tests and benchmark: a busybox root built from the
// host's static busybox, an image resolver over plain directories, and a
// throwaway runtime environment (temp dirs, unique cgroup root) that can
// always be torn down completely.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageService, ResolvedImage, ImageRunConfig } from '../runtime/images/types.js';
import { Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import { removeAllPods, cgroupPids } from '../runtime/reset.js';
export { cgroupPids };

/** A root directory with /bin/busybox and one symlink per applet, a tiny /etc. */
export function buildBusyboxRoot(dir: string, busybox = '/bin/busybox'): string {
  for (const d of ['bin', 'etc', 'tmp', 'root', 'proc', 'sys', 'dev', 'home']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(busybox, join(dir, 'bin', 'busybox'));
  execFileSync('chmod', ['755', join(dir, 'bin', 'busybox')]);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  writeFileSync(join(dir, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
  return dir;
}

/** ImageService.resolve over fixed directories (the real store lives in runtime/images). */
export function dirImages(images: Record<string, { layers: string[]; config?: ImageRunConfig }>): Pick<ImageService, 'resolve'> {
  return {
    resolve(ref: string): Promise<ResolvedImage> {
      const i = images[ref];
      if (!i) return Promise.reject(new Error(`image not found: ${ref}`));
      return Promise.resolve({ id: `sha256:${Buffer.from(ref).toString('hex').padEnd(64, '0').slice(0, 64)}`, layers: i.layers, config: i.config ?? { Env: ['PATH=/bin'], Cmd: ['sh'] } });
    },
  };
}

export interface TestRuntimeEnv {
  prefix: string;
  root: string;
  runtime: Runtime;
  options: RuntimeOptions;
  busyboxLayer: string;
  /** Removes every sandbox/container, leftover processes, cgroups and temp dirs. */
  cleanup(): Promise<void>;
}

/** A fresh runtime on temp dirs with a unique cgroup root; "busybox" resolves to a host-built root. */
export function testRuntime(extra: Partial<RuntimeOptions> = {}): TestRuntimeEnv {
  const prefix = `tkt${Math.random().toString(36).slice(2, 6)}`;
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const busyboxLayer = buildBusyboxRoot(join(root, 'busybox'));
  const options: RuntimeOptions = {
    images: dirImages({ busybox: { layers: [busyboxLayer] } }),
    stateDir: join(root, 'state'),
    containersDir: join(root, 'containers'),
    cgroupRoot: prefix,
    ...extra,
  };
  const env: TestRuntimeEnv = {
    prefix,
    root,
    runtime: new Runtime(options),
    options,
    busyboxLayer,
    // env.runtime may be replaced by a test (e.g. one with networking); clean up through that one.
    cleanup: () => cleanupRuntime(env.runtime, root),
  };
  return env;
}

/** Best effort, in order: CRI removal; then SIGKILL of anything still in our cgroups or pause pids; then dirs. */
export async function cleanupRuntime(runtime: Runtime, root: string): Promise<void> {
  for (const f of await removeAllPods(runtime)) console.error(`cleanup: could not remove ${f}`);
  rmSync(root, { recursive: true, force: true });
}

/** Mounts whose target lies under dir (must be none after cleanup). */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m && m.startsWith(dir));
}

/** A pod sandbox config with unique metadata. */
export function podConfig(name: string, extra: Partial<import('../runtime/cri.js').PodSandboxConfig> = {}) {
  const uid = `${name}-${Math.random().toString(16).slice(2, 10)}`;
  return { metadata: { name, namespace: 'default', uid }, ...extra };
}
