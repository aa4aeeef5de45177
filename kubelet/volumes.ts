// Pod volumes on the host, under <rootDir>/pods/<uid>/volumes/<plugin>/<name>:
// emptyDir (a directory, or a tmpfs for medium Memory), hostPath (with its
// type checks), configMap and secret (files written from the API object,
// mounted read-only), downwardAPI (files from the pod's fields).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { KeyToPath, Pod, Volume } from '../api/core.js';
import { intValue } from '../api/quantity.js';
import { isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import type { Mount } from '../runtime/cri.js';
import { fieldRefValue, resourceFieldValue } from './env.js';

const run = promisify(execFile);

export class VolumeError extends Error {}

export function podDir(rootDir: string, uid: string): string {
  return join(rootDir, 'pods', uid);
}

function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
}

/** A file name inside dir from a user-given relative path (no escaping it). */
function safeJoin(dir: string, rel: string): string {
  const n = normalize(rel);
  if (n.startsWith('..') || n.startsWith('/')) throw new VolumeError(`invalid path ${rel}`);
  return join(dir, n);
}

function writeFiles(dir: string, files: Record<string, string | Buffer>, items: KeyToPath[] | undefined, mode: number | undefined): void {
  // Written to a fresh dir then swapped in, so a container never sees half a set.
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const list = items?.length ? items.map((i) => ({ key: i.key, path: i.path, mode: i.mode })) : Object.keys(files).map((k) => ({ key: k, path: k, mode: undefined }));
  for (const it of list) {
    if (!(it.key in files)) throw new VolumeError(`key ${it.key} not found`);
    const p = safeJoin(tmp, it.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, files[it.key]!);
    chmodSync(p, it.mode ?? mode ?? 0o644);
  }
  // The bind mount into containers points at dir itself, so replace its contents, not the inode, when mounted.
  if (existsSync(dir)) {
    for (const it of list) {
      const p = safeJoin(dir, it.path);
      mkdirSync(dirname(p), { recursive: true });
      renameSync(safeJoin(tmp, it.path), p);
    }
    rmSync(tmp, { recursive: true, force: true });
  } else renameSync(tmp, dir);
}

export interface VolumeContext {
  pod: Pod;
  rootDir: string;
  client: RestClient;
  podIP: string;
  hostIP: string;
  nodeName: string;
}

/** Make every volume of the pod ready on the host; returns volume name → host path. */
export async function setupVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const uid = ctx.pod.metadata!.uid!;
  const ns = ctx.pod.metadata!.namespace!;
  const base = join(podDir(ctx.rootDir, uid), 'volumes');
  const out = new Map<string, string>();
  for (const v of ctx.pod.spec?.volumes ?? []) out.set(v.name, await setupVolume(ctx, v, base, ns));
  return out;
}

async function setupVolume(ctx: VolumeContext, v: Volume, base: string, ns: string): Promise<string> {
  if (v.hostPath) {
    const p = v.hostPath.path;
    const t = v.hostPath.type ?? '';
    const st = existsSync(p) ? statSync(p) : undefined;
    if (t === 'DirectoryOrCreate' && !st) mkdirSync(p, { recursive: true, mode: 0o755 });
    else if (t === 'FileOrCreate' && !st) {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, '', { mode: 0o644 });
    } else if (t === 'Directory' && !st?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${p} is not a directory`);
    else if (t === 'File' && !st?.isFile()) throw new VolumeError(`hostPath type check failed: ${p} is not a file`);
    else if (t === 'Socket' && !st?.isSocket()) throw new VolumeError(`hostPath type check failed: ${p} is not a socket`);
    else if (t === 'CharDevice' && !st?.isCharacterDevice()) throw new VolumeError(`hostPath type check failed: ${p} is not a character device`);
    else if (t === 'BlockDevice' && !st?.isBlockDevice()) throw new VolumeError(`hostPath type check failed: ${p} is not a block device`);
    return p;
  }
  if (v.emptyDir) {
    const dir = join(base, 'kubernetes.io~empty-dir', v.name);
    mkdirSync(dir, { recursive: true, mode: 0o777 });
    chmodSync(dir, 0o777);
    if (v.emptyDir.medium === 'Memory' && !isMounted(dir)) {
      const size = v.emptyDir.sizeLimit ? `,size=${intValue(v.emptyDir.sizeLimit)}` : '';
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
    }
    return dir;
  }
  if (v.configMap) {
    const dir = join(base, 'kubernetes.io~configmap', v.name);
    let data: Record<string, string | Buffer> = {};
    try {
      const cm = await ctx.client.configMaps(ns).get(v.configMap.name ?? '');
      data = { ...(cm.data ?? {}) };
      for (const [k, b] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(b, 'base64');
    } catch (e) {
      if (!isNotFound(e) || !v.configMap.optional) throw isNotFound(e) ? new VolumeError(`configmap "${v.configMap.name}" not found`) : e;
    }
    writeFiles(dir, data, v.configMap.items, v.configMap.defaultMode);
    return dir;
  }
  if (v.secret) {
    const dir = join(base, 'kubernetes.io~secret', v.name);
    let data: Record<string, Buffer> = {};
    try {
      const s = await ctx.client.secrets(ns).get(v.secret.secretName ?? '');
      for (const [k, b] of Object.entries(s.data ?? {})) data[k] = Buffer.from(b, 'base64');
    } catch (e) {
      if (!isNotFound(e) || !v.secret.optional) throw isNotFound(e) ? new VolumeError(`secret "${v.secret.secretName}" not found`) : e;
    }
    writeFiles(dir, data, v.secret.items, v.secret.defaultMode);
    return dir;
  }
  if (v.downwardAPI) {
    const dir = join(base, 'kubernetes.io~downward-api', v.name);
    const files: Record<string, string> = {};
    const items: KeyToPath[] = [];
    for (const it of v.downwardAPI.items ?? []) {
      files[it.path] = it.fieldRef ? fieldRefValue(ctx, it.fieldRef.fieldPath) : it.resourceFieldRef ? resourceFieldValue(ctx.pod, it.resourceFieldRef.containerName, it.resourceFieldRef.resource, it.resourceFieldRef.divisor) : '';
      items.push({ key: it.path, path: it.path, ...(it.mode !== undefined ? { mode: it.mode } : {}) });
    }
    writeFiles(dir, files, items, v.downwardAPI.defaultMode);
    return dir;
  }
  throw new VolumeError(`volume ${v.name}: unsupported volume type`);
}

/** The runtime mounts of a container from its volumeMounts. */
export function containerMounts(pod: Pod, c: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[] }, paths: Map<string, string>): Mount[] {
  const out: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = paths.get(vm.name);
    if (!host) throw new VolumeError(`volume ${vm.name} not found`);
    const vol = pod.spec?.volumes?.find((v) => v.name === vm.name);
    const readonly = vm.readOnly === true || !!vol?.configMap || !!vol?.secret || !!vol?.downwardAPI;
    const hostPath = vm.subPath ? safeJoin(host, vm.subPath) : host;
    if (vm.subPath && !existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    out.push({ hostPath, containerPath: vm.mountPath, readonly });
  }
  return out;
}

/** Unmount tmpfs emptyDirs and remove the pod's directory. */
export async function teardownVolumes(rootDir: string, uid: string): Promise<void> {
  const dir = podDir(rootDir, uid);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(dir + '/'));
  for (const m of mounts.reverse()) await run('umount', [m]).catch(() => run('umount', ['-l', m]).catch(() => undefined));
  rmSync(dir, { recursive: true, force: true });
}
