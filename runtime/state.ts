// On-disk records of sandboxes and containers under the runtime's state dir.
// Everything a new runtime instance needs to re-adopt lives here; the shim
// adds its own "started" and "exit" key=value files beside these records.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig, PodSandboxConfig, PodSandboxNetworkStatus } from './cri.js';

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  createdAt: number;
  /** pod cgroup, relative to the cgroup mount(s). */
  cgroup: string;
  pausePid: number;
  network: PodSandboxNetworkStatus;
  /** set by stopPodSandbox. */
  stopped: boolean;
}

export interface ProcessSpec {
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  caps: number[];
  noNewPrivs: boolean;
  privileged: boolean;
  /** The seccomp profile as a shim config file (runtime/seccomp.ts lines; none: unconfined); exec applies the same. */
  seccompProfile?: string;
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  createdAt: number;
  imageRef: string;
  /** absolute log path ('' for none). */
  logPath: string;
  cgroup: string;
  process: ProcessSpec;
  /** rootfs mountpoint and overlay dirs under the containers dir. */
  rootDir: string;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Lists ids (sub-directory names holding a record file) of one kind. */
export function listIds(dir: string, recordFile: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => existsSync(join(dir, n, recordFile)));
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
