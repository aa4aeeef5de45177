// Each component `up` runs has its own identity, as in a kubeadm cluster, so a compromised
// kubelet holds only what its node's pods use: kubelet system:node:<node> (group
// system:nodes, for the node authorizer), system:kube-scheduler, system:kube-controller-manager,
// system:kube-proxy, the cluster DNS system:coredns and the local-path provisioner
// system:local-path-provisioner. Their tokens live in the data dir's token file (kept across
// restarts) and each gets a kubeconfig of mode 0600 in <data-dir>/components/.

import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureUserToken, nodeUser, type TokenFileUser } from '../apiserver/auth/token-file-users.js';
import { writeKubeconfig } from '../client/kubeconfig.js';
import { TOKEN_FILE } from './kubeconfig.js';

export const COMPONENT_NAMES = ['kubelet', 'scheduler', 'controller-manager', 'proxy', 'dns', 'local-path-provisioner'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

export const DNS_USER = 'system:coredns';
export const LOCAL_PATH_USER = 'system:local-path-provisioner';

export function componentUser(c: ComponentName, nodeName: string): TokenFileUser {
  switch (c) {
    case 'kubelet':
      return nodeUser(nodeName);
    case 'scheduler':
      return { username: 'system:kube-scheduler', groups: [] };
    case 'controller-manager':
      return { username: 'system:kube-controller-manager', groups: [] };
    case 'proxy':
      return { username: 'system:kube-proxy', groups: [] };
    case 'dns':
      return { username: DNS_USER, groups: [] };
    case 'local-path-provisioner':
      return { username: LOCAL_PATH_USER, groups: [] };
  }
}

export interface ComponentCredential {
  token: string;
  /** Its kubeconfig (mode 0600). */
  kubeconfig: string;
}

export type ComponentTokens = Record<ComponentName, string>;

/**
 * Every component's token, made once and kept in the token file. Called before the apiserver
 * starts: it re-reads the file at most once a second, and a component must not meet a 401.
 */
export async function componentTokens(dataDir: string, nodeName: string): Promise<ComponentTokens> {
  const out = {} as ComponentTokens;
  // One at a time: each may rewrite the token file.
  for (const c of COMPONENT_NAMES) out[c] = await ensureUserToken(join(dataDir, TOKEN_FILE), componentUser(c, nodeName));
  return out;
}

/** A kubeconfig (mode 0600, in <data-dir>/components/) per component, naming `server`. */
export async function writeComponentKubeconfigs(dataDir: string, tokens: ComponentTokens, server: string, ca: string): Promise<Record<ComponentName, ComponentCredential>> {
  const dir = join(dataDir, 'components');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const out = {} as Record<ComponentName, ComponentCredential>;
  for (const c of COMPONENT_NAMES) {
    const kubeconfig = join(dir, `${c}.kubeconfig`);
    await writeKubeconfig(kubeconfig, { server, token: tokens[c], ca, name: c });
    await chmod(kubeconfig, 0o600);
    out[c] = { token: tokens[c], kubeconfig };
  }
  return out;
}
