// Node admission of a pod's security settings: what this node's runtime cannot honour is refused
// before anything runs (the pod ends Failed with the reason), never accepted and ignored:
// hostUsers false, AppArmor profiles, Windows options, mount propagation, runtimeClassName.
// Reasons and messages as kubelet's admit handlers where it has one (SysctlForbidden, AppArmor,
// PodOSNotSupported).
import { readFileSync } from 'node:fs';
import type { Container, Pod } from '../api/core.js';
import { admitSysctls, type SysctlAllowlist } from './sysctls.js';

export interface Refusal {
  reason: string;
  message: string;
}

/** Fields the API passes through (securityContext is an open object) that core.ts does not type. */
interface LooseSecurity {
  appArmorProfile?: { type?: string };
  windowsOptions?: { hostProcess?: boolean; runAsUserName?: string; gmsaCredentialSpec?: string; gmsaCredentialSpecName?: string };
}

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

function appArmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    // No such module file: AppArmor is not enabled on this kernel.
    return false;
  }
}

const reject = (reason: string, message: string): Refusal => ({ reason, message: `Pod was rejected: ${message}` });

export function admitSecurity(pod: Pod, sysctls: SysctlAllowlist): Refusal | undefined {
  const spec = (pod.spec ?? {}) as NonNullable<Pod['spec']> & { os?: { name?: string }; hostUsers?: boolean };
  if (spec.os?.name && spec.os.name !== 'linux') return reject('PodOSNotSupported', "Failed to admit pod as the OS field doesn't match node OS");
  const sys = admitSysctls(pod, sysctls);
  if (sys) return sys;
  if (spec.hostUsers === false) return reject('UserNamespacesNotSupported', 'hostUsers: false (a user namespace for the pod) is not supported by this node\'s container runtime');
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const psc = (spec.securityContext ?? {}) as LooseSecurity;
  // AppArmor: any profile but Unconfined needs AppArmor, which this runtime does not apply.
  const annotations = pod.metadata?.annotations ?? {};
  const wantsAppArmor =
    (psc.appArmorProfile?.type !== undefined && psc.appArmorProfile.type !== 'Unconfined') ||
    containers.some((c) => {
      const t = (c.securityContext as LooseSecurity | undefined)?.appArmorProfile?.type;
      return t !== undefined && t !== 'Unconfined';
    }) ||
    Object.entries(annotations).some(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && v !== 'unconfined');
  if (wantsAppArmor) return reject('AppArmor', `Cannot enforce AppArmor: ${appArmorEnabled() ? "this node's container runtime does not apply AppArmor profiles" : 'AppArmor is not enabled on the host'}`);
  // Windows-only settings mean nothing on this Linux node.
  const win = [psc.windowsOptions, ...containers.map((c) => (c.securityContext as LooseSecurity | undefined)?.windowsOptions)].find(
    (w) => w && (w.hostProcess || w.runAsUserName || w.gmsaCredentialSpec || w.gmsaCredentialSpecName),
  );
  if (win) return reject('UnsupportedPodSpec', `windowsOptions (${Object.keys(win).filter((k) => win[k as keyof typeof win]).join(', ')}) apply to Windows nodes only; this node runs Linux`);
  // Mount propagation other than None: the runtime makes every mount private.
  for (const c of containers) {
    const vm = c.volumeMounts?.find((m) => m.mountPropagation && m.mountPropagation !== 'None');
    if (vm) return reject('UnsupportedPodSpec', `container ${c.name}: mountPropagation ${vm.mountPropagation} (volume ${vm.name}) is not supported by this node's container runtime`);
  }
  const rc = (spec as { runtimeClassName?: string }).runtimeClassName;
  if (rc) return reject('UnsupportedPodSpec', `runtimeClassName ${JSON.stringify(rc)}: this node has a single runtime handler and no RuntimeClass support`);
  return undefined;
}
