// Pod volumes on the host, under <rootDir>/pods/<uid>/volumes/<plugin>/<name>:
// emptyDir (a directory, or a tmpfs for medium Memory), hostPath (with its
// type checks), configMap and secret (files written from the API object,
// mounted read-only), downwardAPI (files from the pod's fields). With a pod
// fsGroup, emptyDir/configMap/secret/downwardAPI volumes get its group
// (volume-ownership.ts). subPath is resolved by the runtime inside the volume,
// never here: a container can plant symlinks in a volume it writes to.
// persistentVolumeClaim: the bound volume's path (claim-volumes.ts), readOnly honoured.
// projected: every source's files in one directory, written atomically (projected.ts,
// atomic-writer.ts) and refreshed while the pod runs (bound tokens, token-manager.ts).
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import type { KeyToPath, Pod, PodSecurityContext, ProjectedVolumeSource, Volume } from '../api/core.js';
import { writeAtomically } from './atomic-writer.js';
import { projectedFiles } from './projected.js';
import { TokenManager, apiTokenRequester } from './token-manager.js';
import { intValue } from '../api/quantity.js';
import { isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import type { KeyValue, Mount } from '../runtime/cri.js';
import { expandVars, fieldRefValue, resourceFieldValue } from './env.js';
import { setVolumeOwnership } from './volume-ownership.js';
import { setupClaimVolume } from './claim-volumes.js';
import { VolumeError } from './volume-error.js';
import { apiObjects, type PodObjects } from './watched-objects.js';

const run = promisify(execFile);

export { VolumeError };

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

/** mkdir -p of dir's parents below base, refusing any existing component that is a symlink (the kubelet writes as root). */
function mkdirNoFollow(base: string, path: string): void {
  const rel = path.slice(base.length + 1).split('/').filter(Boolean);
  let cur = base;
  for (const part of rel) {
    cur = join(cur, part);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      // Missing: made here (mkdirSync throws on anything else, e.g. a racing symlink).
      mkdirSync(cur);
      continue;
    }
    if (!st.isDirectory()) throw new VolumeError(`${cur} is not a directory`);
  }
}

function writeFiles(dir: string, files: Record<string, string | Buffer>, items: KeyToPath[] | undefined, mode: number | undefined, own: (dir: string) => void): void {
  // Written to a fresh dir then swapped in, so a container never sees half a set.
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const list = items?.length ? items.map((i) => ({ key: i.key, path: i.path, mode: i.mode })) : Object.keys(files).map((k) => ({ key: k, path: k, mode: undefined }));
  for (const it of list) {
    if (!(it.key in files)) throw new VolumeError(`key ${it.key} not found`);
    const p = safeJoin(tmp, it.path);
    mkdirNoFollow(tmp, dirname(p));
    writeFileSync(p, files[it.key]);
    chmodSync(p, it.mode ?? mode ?? 0o644);
  }
  // fsGroup before the files are swapped in, so a container never sees them without their group.
  own(tmp);
  // The bind mount into containers points at dir itself, so replace its contents, not the inode, when mounted.
  if (existsSync(dir)) {
    for (const it of list) {
      const p = safeJoin(dir, it.path);
      mkdirNoFollow(dir, dirname(p));
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
  /** The local-path provisioner's directory, when it runs on this node. */
  localPathDir?: string;
  /** Service-account tokens for projected volumes (cached, refreshed before expiry). */
  tokens?: TokenManager;
  /** Where ConfigMaps and Secrets are read (the kubelet's watches); default: a GET each. */
  objects?: PodObjects;
}

/** Whether a volume of the pod shows the pod's IP (a downwardAPI item, plain or projected, of
 *  status.podIP(s)): those volumes can only be written once the sandbox has its address. */
export function volumesNeedPodIP(pod: Pod): boolean {
  const ip = (items?: { fieldRef?: { fieldPath: string } }[]) => (items ?? []).some((it) => it.fieldRef?.fieldPath.startsWith('status.podIP'));
  return (pod.spec?.volumes ?? []).some((v) => ip(v.downwardAPI?.items) || (v.projected?.sources ?? []).some((s) => ip(s.downwardAPI?.items)));
}

/** Make every volume of the pod ready on the host; returns volume name → host path. */
export async function setupVolumes(ctx: VolumeContext): Promise<Map<string, string>> {
  const uid = ctx.pod.metadata.uid!;
  const ns = ctx.pod.metadata.namespace!;
  const base = join(podDir(ctx.rootDir, uid), 'volumes');
  const out = new Map<string, string>();
  for (const v of ctx.pod.spec?.volumes ?? []) out.set(v.name, await setupVolume(ctx, v, base, ns));
  return out;
}

function applyFsGroup(ctx: VolumeContext, dir: string, readonly: boolean): void {
  // api's PodSecurityContext does not declare fsGroupChangePolicy yet; the field is read as stored.
  const psc: (PodSecurityContext & { fsGroupChangePolicy?: string }) | undefined = ctx.pod.spec?.securityContext;
  setVolumeOwnership(dir, psc?.fsGroup, psc?.fsGroupChangePolicy, readonly);
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
    // Set up once per pod (as kubelet's ready marker): fsGroup is applied to the fresh volume,
    // before any container of the pod can write into it.
    let fresh = !existsSync(dir);
    if (fresh) {
      mkdirSync(dir, { recursive: true, mode: 0o777 });
      chmodSync(dir, 0o777);
    }
    if (v.emptyDir.medium === 'Memory' && !isMounted(dir)) {
      const size = v.emptyDir.sizeLimit ? `,size=${intValue(v.emptyDir.sizeLimit)}` : '';
      await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
      fresh = true;
    }
    if (fresh) applyFsGroup(ctx, dir, false);
    return dir;
  }
  if (v.configMap) {
    const dir = join(base, 'kubernetes.io~configmap', v.name);
    let data: Record<string, string | Buffer> = {};
    try {
      const cm = await podObjects(ctx).configMap(ns, v.configMap.name ?? '');
      data = { ...(cm.data ?? {}) };
      for (const [k, b] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(b, 'base64');
    } catch (e) {
      if (!isNotFound(e) || !v.configMap.optional) throw isNotFound(e) ? new VolumeError(`configmap "${v.configMap.name}" not found`) : e;
    }
    writeFiles(dir, data, v.configMap.items, v.configMap.defaultMode, (d) => applyFsGroup(ctx, d, true));
    applyFsGroup(ctx, dir, true);
    return dir;
  }
  if (v.secret) {
    const dir = join(base, 'kubernetes.io~secret', v.name);
    const data: Record<string, Buffer> = {};
    try {
      const s = await podObjects(ctx).secret(ns, v.secret.secretName ?? '');
      for (const [k, b] of Object.entries(s.data ?? {})) data[k] = Buffer.from(b, 'base64');
    } catch (e) {
      if (!isNotFound(e) || !v.secret.optional) throw isNotFound(e) ? new VolumeError(`secret "${v.secret.secretName}" not found`) : e;
    }
    writeFiles(dir, data, v.secret.items, v.secret.defaultMode, (d) => applyFsGroup(ctx, d, true));
    applyFsGroup(ctx, dir, true);
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
    writeFiles(dir, files, items, v.downwardAPI.defaultMode, (d) => applyFsGroup(ctx, d, true));
    applyFsGroup(ctx, dir, true);
    return dir;
  }
  if (v.projected) return setupProjected(ctx, v.name, v.projected, base);
  if (v.persistentVolumeClaim) return setupClaimVolume({ client: ctx.client, namespace: ns, nodeName: ctx.nodeName, ...(ctx.localPathDir ? { localPathDir: ctx.localPathDir } : {}) }, v);
  throw new VolumeError(`volume ${v.name}: unsupported volume type`);
}

const podObjects = (ctx: VolumeContext): PodObjects => ctx.objects ?? apiObjects(ctx.client);

const getOrUndefined = async <T>(get: () => Promise<T>): Promise<T | undefined> => {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
};

async function setupProjected(ctx: VolumeContext, name: string, p: ProjectedVolumeSource, base: string): Promise<string> {
  const dir = join(base, 'kubernetes.io~projected', name);
  const tokens = ctx.tokens ?? new TokenManager(apiTokenRequester(ctx.client));
  const files = await projectedFiles(
    {
      pod: ctx.pod,
      podIP: ctx.podIP,
      hostIP: ctx.hostIP,
      nodeName: ctx.nodeName,
      configMap: (ns, n) => getOrUndefined(() => podObjects(ctx).configMap(ns, n)),
      secret: (ns, n) => getOrUndefined(() => podObjects(ctx).secret(ns, n)),
      token: (k) => tokens.get(k),
    },
    p,
  );
  writeAtomically(dir, files, (d) => applyFsGroup(ctx, d, true));
  return dir;
}

/** Rewrite the pod's projected volumes (new tokens, changed ConfigMaps) in place; mounted containers see the swap. */
export async function refreshProjectedVolumes(ctx: VolumeContext): Promise<void> {
  const base = join(podDir(ctx.rootDir, ctx.pod.metadata.uid!), 'volumes');
  for (const v of ctx.pod.spec?.volumes ?? []) if (v.projected) await setupProjected(ctx, v.name, v.projected, base);
}

/** A mount's subPath: subPath, or subPathExpr with $(VAR) from the container's env (as kubelet's makeMounts). */
export function mountSubPath(vm: { subPath?: string; subPathExpr?: string }, env: KeyValue[]): string {
  let sub = vm.subPath ?? '';
  if (vm.subPathExpr) {
    const vars = new Map(env.map((e) => [e.key, e.value]));
    const missing = new Set<string>();
    for (const m of vm.subPathExpr.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g)) if (!vars.get(m[1])) missing.add(m[1]);
    if (missing.size) throw new VolumeError(`missing value for ${[...missing].sort().join(', ')}`);
    sub = expandVars(vm.subPathExpr, vars);
  }
  if (!sub) return '';
  if (sub.startsWith('/')) throw new VolumeError(`error SubPath \`${sub}\` must not be an absolute path`);
  if (sub.split('/').includes('..')) throw new VolumeError(`unable to provision SubPath \`${sub}\`: must not contain '..'`);
  return sub;
}

/** The runtime mounts of a container from its volumeMounts; a subPath is handed to the runtime, which resolves it inside the volume. */
export function containerMounts(pod: Pod, c: { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string; subPathExpr?: string }[] }, paths: Map<string, string>, env: KeyValue[] = []): Mount[] {
  const out: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const host = paths.get(vm.name);
    if (!host) throw new VolumeError(`volume ${vm.name} not found`);
    const vol = pod.spec?.volumes?.find((v) => v.name === vm.name);
    const readonly = vm.readOnly === true || vol?.persistentVolumeClaim?.readOnly === true || !!vol?.configMap || !!vol?.secret || !!vol?.downwardAPI || !!vol?.projected;
    const subPath = mountSubPath(vm, env);
    out.push({ hostPath: host, containerPath: vm.mountPath, readonly, ...(subPath ? { subPath } : {}) });
  }
  return out;
}

/** Unmount tmpfs emptyDirs and remove the pod's directory. */
export async function teardownVolumes(rootDir: string, uid: string): Promise<void> {
  const dir = podDir(rootDir, uid);
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m): m is string => !!m && m.startsWith(dir + '/'));
  // A busy mount is detached lazily; if even that fails the error goes to the caller (which retries),
  // and the directory is not removed under a live mount.
  for (const m of mounts.reverse()) await run('umount', [m]).catch(() => run('umount', ['-l', m]));
  rmSync(dir, { recursive: true, force: true });
}
