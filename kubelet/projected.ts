// The files of a projected volume (upstream's projected volume plugin): every source's files
// (serviceAccountToken, secret, configMap, downwardAPI) in one directory, with defaultMode
// (0644) or the item's mode. Written by atomic-writer.ts, so a token refresh swaps all at once.

import type { ConfigMap, Pod, ProjectedVolumeSource, Secret } from '../api/core.js';
import { VolumeError } from './volume-error.js';
import type { VolumeFile } from './atomic-writer.js';
import { checkedPath } from './atomic-writer.js';
import { fieldRefValue, resourceFieldValue } from './env.js';
import type { TokenKey } from './token-manager.js';

/** What building a projected volume reads: the API objects and the pod's token, behind functions (faked in unit tests). */
export interface ProjectionSources {
  pod: Pod;
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** The ConfigMap or Secret, or undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  token(key: TokenKey): Promise<string>;
}

const DEFAULT_MODE = 0o644;

export async function projectedFiles(src: ProjectionSources, p: ProjectedVolumeSource): Promise<Map<string, VolumeFile>> {
  const files = new Map<string, VolumeFile>();
  const ns = src.pod.metadata.namespace ?? '';
  const defaultMode = p.defaultMode ?? DEFAULT_MODE;
  const put = (path: string, data: string | Buffer, mode?: number) => {
    files.set(checkedPath(path), { data, mode: mode ?? defaultMode });
  };
  const fromData = (what: string, name: string, data: Record<string, string | Buffer>, items: { key: string; path: string; mode?: number }[] | undefined, optional: boolean | undefined) => {
    if (!items?.length) {
      for (const [k, v] of Object.entries(data)) put(k, v);
      return;
    }
    for (const it of items) {
      if (!(it.key in data)) {
        if (optional) continue;
        throw new VolumeError(`${what} "${name}": key ${it.key} not found`);
      }
      put(it.path, data[it.key], it.mode);
    }
  };
  for (const s of p.sources ?? []) {
    if (s.serviceAccountToken) {
      const t = s.serviceAccountToken;
      const token = await src.token({
        namespace: ns,
        serviceAccount: src.pod.spec?.serviceAccountName || 'default',
        ...(t.audience ? { audience: t.audience } : {}),
        expirationSeconds: t.expirationSeconds ?? 3600,
        podName: src.pod.metadata.name ?? '',
        podUID: src.pod.metadata.uid ?? '',
      });
      put(t.path, token);
    } else if (s.configMap) {
      const name = s.configMap.name ?? '';
      const cm = await src.configMap(ns, name);
      if (!cm) {
        if (s.configMap.optional) continue;
        throw new VolumeError(`configmap "${name}" not found`);
      }
      const data: Record<string, string | Buffer> = { ...(cm.data ?? {}) };
      for (const [k, b] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(b, 'base64');
      fromData('configmap', name, data, s.configMap.items, s.configMap.optional);
    } else if (s.secret) {
      const name = s.secret.name ?? '';
      const sec = await src.secret(ns, name);
      if (!sec) {
        if (s.secret.optional) continue;
        throw new VolumeError(`secret "${name}" not found`);
      }
      const data: Record<string, Buffer> = {};
      for (const [k, b] of Object.entries(sec.data ?? {})) data[k] = Buffer.from(b, 'base64');
      fromData('secret', name, data, s.secret.items, s.secret.optional);
    } else if (s.downwardAPI) {
      for (const it of s.downwardAPI.items ?? []) {
        const value = it.fieldRef
          ? fieldRefValue(src, it.fieldRef.fieldPath)
          : it.resourceFieldRef
            ? resourceFieldValue(src.pod, it.resourceFieldRef.containerName, it.resourceFieldRef.resource, it.resourceFieldRef.divisor)
            : '';
        put(it.path, value, it.mode);
      }
    }
  }
  return files;
}
