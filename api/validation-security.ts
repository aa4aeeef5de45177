// Pod and container securityContext checks of ValidatePodSpec that the rest of validation-pod.ts
// does not make: seccompProfile (type, Localhost path inside the kubelet's seccomp dir), sysctls
// (names, duplicates, host namespaces), fsGroupChangePolicy, supplementalGroupsPolicy, procMount,
// shareProcessNamespace with hostPID.
import type { PodSpec, SeccompProfile } from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';

const SECCOMP_TYPES = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const FS_GROUP_CHANGE_POLICIES = ['Always', 'OnRootMismatch'];
const PROC_MOUNT_TYPES = ['Default', 'Unmasked'];
const SUPPLEMENTAL_GROUPS_POLICIES = ['Merge', 'Strict'];
const SYSCTL_SEGMENT = '[a-z0-9]([-_a-z0-9]*[a-z0-9])?';
const SYSCTL_RE = new RegExp(`^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`);

/** validateLocalDescendingPath: relative, no '..' component. */
export function validateLocalDescendingPath(path: string, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (path.startsWith('/')) errs.push(fieldErr.invalid(field, path, 'must be a relative path'));
  if (path.split('/').includes('..')) errs.push(fieldErr.invalid(field, path, "must not contain '..'"));
  return errs;
}

export function validateSeccompProfile(sp: SeccompProfile | undefined, field: string): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  if (!sp.type) errs.push(fieldErr.required(`${field}.type`, 'type is required when seccompProfile is set'));
  else if (!SECCOMP_TYPES.includes(sp.type)) errs.push(fieldErr.notSupported(`${field}.type`, sp.type, SECCOMP_TYPES));
  if (sp.type === 'Localhost') {
    if (sp.localhostProfile === undefined) errs.push(fieldErr.required(`${field}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, `${field}.localhostProfile`));
  } else if (sp.localhostProfile !== undefined) {
    errs.push(fieldErr.invalid(`${field}.localhostProfile`, sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

export function validateContainerSecurity(sc: { seccompProfile?: SeccompProfile; procMount?: string }, field: string, hostUsers: boolean): FieldError[] {
  const errs = validateSeccompProfile(sc.seccompProfile, `${field}.seccompProfile`);
  if (sc.procMount !== undefined && !PROC_MOUNT_TYPES.includes(sc.procMount)) errs.push(fieldErr.notSupported(`${field}.procMount`, sc.procMount, PROC_MOUNT_TYPES));
  // An unmasked /proc only inside a user namespace (ProcMountType).
  else if (sc.procMount === 'Unmasked' && hostUsers) errs.push(fieldErr.invalid(`${field}.procMount`, sc.procMount, '`hostUsers` must be false to use `Unmasked`'));
  return errs;
}

function sysctlNamespace(name: string): 'net' | 'ipc' | '' {
  const n = name.replace(/\//g, '.');
  if (n.startsWith('net.')) return 'net';
  if (n === 'kernel.sem' || n.startsWith('kernel.shm') || n.startsWith('kernel.msg') || n.startsWith('fs.mqueue.')) return 'ipc';
  return '';
}

export function validatePodSecurity(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const psc = spec.securityContext;
  const sf = `${field}.securityContext`;
  if (spec.shareProcessNamespace && spec.hostPID) errs.push(fieldErr.invalid(`${sf}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  if (!psc) return errs;
  errs.push(...validateSeccompProfile(psc.seccompProfile, `${sf}.seccompProfile`));
  if (psc.fsGroupChangePolicy !== undefined && !FS_GROUP_CHANGE_POLICIES.includes(psc.fsGroupChangePolicy)) {
    errs.push(fieldErr.notSupported(`${sf}.fsGroupChangePolicy`, psc.fsGroupChangePolicy, FS_GROUP_CHANGE_POLICIES));
  }
  if (psc.supplementalGroupsPolicy !== undefined && !SUPPLEMENTAL_GROUPS_POLICIES.includes(psc.supplementalGroupsPolicy)) {
    errs.push(fieldErr.notSupported(`${sf}.supplementalGroupsPolicy`, psc.supplementalGroupsPolicy, SUPPLEMENTAL_GROUPS_POLICIES));
  }
  const names = new Set<string>();
  (psc.sysctls ?? []).forEach((s, i) => {
    const nf = `${sf}.sysctls[${i}].name`;
    if (!s.name) errs.push(fieldErr.required(nf, ''));
    else if (s.name.length > 253 || !SYSCTL_RE.test(s.name)) errs.push(fieldErr.invalid(nf, s.name, `must have at most 253 characters and match regex ${SYSCTL_RE.source.slice(1, -1)}`));
    else if (names.has(s.name)) errs.push(fieldErr.duplicate(nf, s.name));
    else {
      const ns = sysctlNamespace(s.name);
      if (ns === 'net' && spec.hostNetwork) errs.push(fieldErr.invalid(nf, s.name, "may not be specified when 'hostNetwork' is true"));
      if (ns === 'ipc' && spec.hostIPC) errs.push(fieldErr.invalid(nf, s.name, "may not be specified when 'hostIPC' is true"));
    }
    if (s.name) names.add(s.name);
  });
  return errs;
}
