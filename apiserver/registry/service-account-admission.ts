// The ServiceAccount admission of pods (upstream plugin/pkg/admission/serviceaccount), run when
// a pod is created: spec.serviceAccountName defaults to `default` (serviceAccount mirrors it),
// the account must exist, and unless automountServiceAccountToken is false on the pod (or else
// on the account) a `kube-api-access-<5 random>` projected volume (a bound token, the cluster CA,
// the namespace) is added and mounted read-only in every container at the well-known path.

import { randomInt } from 'node:crypto';
import type { Container, Pod, Volume } from '../../api/core.js';
import type { ServiceAccount } from '../../api/authentication.js';
import { ApiError, forbidden } from '../errors.js';

export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Upstream's bound-token lifetime for the kube-api-access volume (an hour and 7 s, so it stands out). */
export const API_ACCESS_TOKEN_SECONDS = 3607;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
// names.SimpleNameGenerator's alphabet: no vowels, no look-alikes.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export function apiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: API_ACCESS_TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 0o644,
    },
  };
}

export async function admitServiceAccount(pod: Pod, getServiceAccount: (namespace: string, name: string) => Promise<ServiceAccount>): Promise<void> {
  const spec = pod.spec;
  if (!spec) return;
  // Mirror pods (the kubelet's copies of static pods) are not given accounts or tokens.
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  spec.serviceAccount = spec.serviceAccountName;
  const ns = pod.metadata.namespace ?? '';
  let sa: ServiceAccount;
  try {
    sa = await getServiceAccount(ns, spec.serviceAccountName);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) {
      throw forbidden({ resource: 'pods', name: pod.metadata.name ?? '' }, `error looking up service account ${ns}/${spec.serviceAccountName}: ${err.message}`);
    }
    throw err;
  }
  // As upstream's ServiceAccount admission: a pod naming no pull secrets gets its account's.
  if (!spec.imagePullSecrets?.length && sa.imagePullSecrets?.length) {
    spec.imagePullSecrets = sa.imagePullSecrets.map((r) => ({ name: r.name }));
  }
  const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
  if (!automount) return;
  const containers: Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  // A pod that mounts something there itself keeps it (upstream skips such containers).
  const needing = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT_PATH));
  if (!needing.length) return;
  const taken = new Set((spec.volumes ?? []).map((v) => v.name));
  let name = `kube-api-access-${randomSuffix()}`;
  while (taken.has(name)) name = `kube-api-access-${randomSuffix()}`;
  spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(name)];
  for (const c of needing) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
}
