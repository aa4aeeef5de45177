// Debian's podman on a private storage root (its own --root/--runroot and containers.conf, so it
// touches nothing else on the host): runc (crun refuses this VM's hybrid cgroups) and ulimits
// within what root may set here (no CAP_SYS_RESOURCE). Used by the image build bench and the
// interop test.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Podman {
  available: boolean;
  run(args: string[], opts?: { timeoutMs?: number }): { code: number; stdout: string; stderr: string };
  cleanup(): void;
}

export function privatePodman(dir: string): Podman {
  let available = true;
  try {
    execFileSync('podman', ['--version'], { stdio: 'ignore' });
  } catch {
    available = false;
  }
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = ["nproc=4096:4096", "nofile=1024:1024"]\n\n[engine]\nruntime = "runc"\n');
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'overlay'];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const run = (args: string[], opts: { timeoutMs?: number } = {}) => {
    const r = spawnSync('podman', [...base, ...args], { env, encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000, maxBuffer: 1 << 26 });
    return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
  };
  return {
    available,
    run,
    cleanup() {
      if (available) run(['system', 'reset', '--force'], { timeoutMs: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
