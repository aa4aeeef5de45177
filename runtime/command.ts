// How Kubernetes turns image config + container spec into argv, env and cwd.
import type { ContainerConfig, KeyValue } from './cri.js';
import type { ImageRunConfig } from './images/types.js';

/**
 * Kubernetes rules (pkg/kubelet/kuberuntime, and the pod docs):
 * - no command, no args → Entrypoint + Cmd
 * - command given → command + args (image Entrypoint AND Cmd ignored)
 * - only args → Entrypoint + args
 */
export function resolveArgv(image: ImageRunConfig, command?: string[], args?: string[]): string[] {
  const hasCmd = command !== undefined && command.length > 0;
  const hasArgs = args !== undefined && args.length > 0;
  if (hasCmd) return [...command, ...(args ?? [])];
  return [...(image.Entrypoint ?? []), ...(hasArgs ? args : image.Cmd ?? [])];
}

/** Image Env ("K=V" list) under container env (same name: container wins; order: image first). */
export function mergeEnv(imageEnv: string[] | undefined, env: KeyValue[] | undefined): string[] {
  const out = new Map<string, string>();
  for (const e of imageEnv ?? []) {
    const i = e.indexOf('=');
    if (i > 0) out.set(e.slice(0, i), e.slice(i + 1));
  }
  for (const { key, value } of env ?? []) out.set(key, value);
  if (!out.has('PATH')) out.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  return [...out].map(([k, v]) => `${k}=${v}`);
}

export interface ResolvedProcess {
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
}

/** image `User` may be "uid", "uid:gid"; names are looked up in the rootfs's /etc/passwd by the caller. */
export function parseImageUser(user: string | undefined): { uid?: number; gid?: number; name?: string } {
  if (!user) return {};
  const [u, g] = user.split(':');
  const uid = /^\d+$/.test(u) ? Number(u) : undefined;
  const gid = g !== undefined && /^\d+$/.test(g) ? Number(g) : undefined;
  return { uid, gid, name: uid === undefined ? u : undefined };
}

export function resolveProcess(image: ImageRunConfig, c: Pick<ContainerConfig, 'command' | 'args' | 'env' | 'workingDir' | 'securityContext'>, hostname?: string): ResolvedProcess {
  const argv = resolveArgv(image, c.command, c.args);
  if (argv.length === 0) throw new Error('no command specified: the image has no Entrypoint/Cmd and the container no command');
  const env = mergeEnv(image.Env, hostname ? [{ key: 'HOSTNAME', value: hostname }, ...(c.env ?? [])] : c.env);
  const user = parseImageUser(image.User);
  const uid = c.securityContext?.runAsUser ?? user.uid ?? 0;
  const gid = c.securityContext?.runAsGroup ?? user.gid ?? (c.securityContext?.runAsUser !== undefined ? 0 : user.gid ?? 0);
  return { argv, env, cwd: c.workingDir || image.WorkingDir || '/', uid, gid };
}
