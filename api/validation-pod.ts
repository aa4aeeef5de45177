// PodSpec validation (also used for RC pod templates), pod update rules
// (spec is immutable apart from images, activeDeadlineSeconds and added
// tolerations) and pod status checks.

import type {
  Container,
  EnvVar,
  LifecycleHandler,
  NodeSelectorRequirement,
  Pod,
  PodSpec,
  PodStatus,
  Probe,
  ResourceRequirements,
  Toleration,
  Volume,
} from './core.js';
import { validateProjected } from './validation-projected.js';
import { validateTopologySpreadConstraints } from './validation-topology-spread.js';
import { fieldErr, type FieldError } from './field-errors.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isInRange,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './names.js';
import { validateLabels } from './validation-meta.js';
import { parseQuantityLoose } from './defaults.js';
import { deepEqual } from './deep-equal.js';
import { validateContainerSecurity, validateLocalDescendingPath, validatePodSecurity } from './validation-security.js';

const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const FIELD_REF_PATHS = [
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const RESOURCE_FIELD_REFS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];
const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const STANDARD_RESOURCE_RE = /^(cpu|memory|ephemeral-storage|hugepages-.+)$/;
const RESOURCE_LISTS = ['limits', 'requests'] as const;
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

const nonNegative = (v: number | undefined, field: string): FieldError[] =>
  v !== undefined && (!Number.isInteger(v) || v < 0) ? [fieldErr.invalid(field, v, 'must be greater than or equal to 0')] : [];

// The check* helpers append to `errs` and build the field path only for an error: valid specs are the common case.

/** `parent.name` (when set) must be a non-negative integer. */
function checkNonNegative(errs: FieldError[], parent: string, name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) errs.push(fieldErr.invalid(`${parent}.${name}`, v, 'must be greater than or equal to 0'));
}

/** `parent.name` (when set) must pass the name check `isValid`. */
function checkName(errs: FieldError[], isValid: (v: string) => string[], parent: string, name: string, v: string | undefined): void {
  if (v) for (const m of isValid(v)) errs.push(fieldErr.invalid(`${parent}.${name}`, v, m));
}

function checkPort(port: number | string | undefined, field: string): FieldError[] {
  if (port === undefined || port === '') return [fieldErr.required(field, '')];
  const msgs = typeof port === 'number' ? isValidPortNum(port) : isValidPortName(port);
  return msgs.map((m) => fieldErr.invalid(field, port, m));
}

// ---------------------------------------------------------------- handlers and probes

function validateHandler(h: LifecycleHandler, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (h.exec) {
    n++;
    if (!h.exec.command || h.exec.command.length === 0) errs.push(fieldErr.required(`${field}.exec.command`, ''));
  }
  if (h.httpGet) {
    n++;
    errs.push(...checkPort(h.httpGet.port, `${field}.httpGet.port`));
    if (h.httpGet.scheme && !['HTTP', 'HTTPS'].includes(h.httpGet.scheme)) {
      errs.push(fieldErr.notSupported(`${field}.httpGet.scheme`, h.httpGet.scheme, ['HTTP', 'HTTPS']));
    }
  }
  if (h.tcpSocket) {
    n++;
    errs.push(...checkPort(h.tcpSocket.port, `${field}.tcpSocket.port`));
  }
  if (h.sleep) {
    n++;
    errs.push(...nonNegative(h.sleep.seconds, `${field}.sleep.seconds`));
  }
  if (n === 0) errs.push(fieldErr.required(field, 'must specify a handler type'));
  if (n > 1) errs.push(fieldErr.forbidden(field, 'may not specify more than 1 handler type'));
  return errs;
}

function validateProbe(p: Probe, field: string, successMustBeOne: boolean): FieldError[] {
  const errs = validateHandler(p, field);
  errs.push(...nonNegative(p.initialDelaySeconds, `${field}.initialDelaySeconds`));
  for (const k of ['timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = p[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) errs.push(fieldErr.invalid(`${field}.${k}`, v, 'must be greater than or equal to 1'));
  }
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(fieldErr.invalid(`${field}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  return errs;
}

// ---------------------------------------------------------------- env, resources

function validateEnv(env: EnvVar[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const fp = `${field}[${i}]`;
    if (!e.name) errs.push(fieldErr.required(`${fp}.name`, ''));
    else for (const m of isEnvVarName(e.name)) errs.push(fieldErr.invalid(`${fp}.name`, e.name, m));
    const vf = e.valueFrom;
    if (!vf) return;
    const vfp = `${fp}.valueFrom`;
    const sources = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter(Boolean).length;
    if (sources === 0) errs.push(fieldErr.invalid(vfp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    if (sources > 1) errs.push(fieldErr.invalid(vfp, '', 'may not have more than one field specified at a time'));
    if (e.value) errs.push(fieldErr.invalid(vfp, '', 'may not be specified when `value` is not empty'));
    if (vf.fieldRef) {
      const path = vf.fieldRef.fieldPath;
      const fpp = `${vfp}.fieldRef.fieldPath`;
      if (!path) errs.push(fieldErr.required(fpp, ''));
      else {
        const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
        if (sub) {
          for (const m of isQualifiedName(sub[2])) errs.push(fieldErr.invalid(fpp, path, m));
        } else if (!FIELD_REF_PATHS.includes(path) || path === 'metadata.labels' || path === 'metadata.annotations') {
          errs.push(fieldErr.notSupported(fpp, path, FIELD_REF_PATHS.filter((p) => p !== 'metadata.labels' && p !== 'metadata.annotations')));
        }
      }
    }
    if (vf.resourceFieldRef) {
      const r = vf.resourceFieldRef.resource;
      if (!r) errs.push(fieldErr.required(`${vfp}.resourceFieldRef.resource`, ''));
      else if (!RESOURCE_FIELD_REFS.includes(r)) errs.push(fieldErr.notSupported(`${vfp}.resourceFieldRef.resource`, r, RESOURCE_FIELD_REFS));
    }
    for (const [key, ref] of [['configMapKeyRef', vf.configMapKeyRef], ['secretKeyRef', vf.secretKeyRef]] as const) {
      if (!ref) continue;
      if (!ref.key) errs.push(fieldErr.required(`${vfp}.${key}.key`, ''));
      else for (const m of isConfigMapKey(ref.key)) errs.push(fieldErr.invalid(`${vfp}.${key}.key`, ref.key, m));
      if (!ref.name) errs.push(fieldErr.required(`${vfp}.${key}.name`, ''));
    }
  });
  return errs;
}

function validateResources(r: ResourceRequirements | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!r) return errs;
  for (const kind of RESOURCE_LISTS) {
    if (r[kind] == null) continue;
    for (const [name, q] of Object.entries(r[kind])) {
      const fp = `${field}.${kind}[${name}]`;
      if (!STANDARD_RESOURCE_RE.test(name)) {
        for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(fp, name, m));
        if (!name.includes('/')) errs.push(fieldErr.invalid(fp, name, 'must be a standard resource type or fully qualified'));
      }
      const qs = String(q);
      if (!QUANTITY_RE.test(qs) || parseQuantityLoose(qs) === undefined) {
        errs.push(fieldErr.invalid(fp, q, `quantities must match the regular expression '${QUANTITY_RE.source}'`));
      } else if (parseQuantityLoose(qs)! < 0) {
        errs.push(fieldErr.invalid(fp, q, 'must be greater than or equal to 0'));
      }
    }
  }
  if (r.requests == null) return errs;
  for (const [name, req] of Object.entries(r.requests)) {
    const lim = r.limits && Object.prototype.hasOwnProperty.call(r.limits, name) ? r.limits[name] : undefined;
    if (lim === undefined) continue;
    const a = parseQuantityLoose(String(req));
    const b = parseQuantityLoose(String(lim));
    if (a !== undefined && b !== undefined && a > b) {
      errs.push(fieldErr.invalid(`${field}.requests`, req, `must be less than or equal to ${name} limit of ${lim}`));
    }
  }
  return errs;
}

// ---------------------------------------------------------------- containers

function validateContainers(
  containers: Container[],
  field: string,
  volumes: Map<string, Volume>,
  names: Set<string>,
  hostNetwork: boolean,
  init: boolean,
  hostUsers = true,
): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const fp = `${field}[${i}]`;
    if (!c.name) errs.push(fieldErr.required(`${fp}.name`, ''));
    else {
      for (const m of isDNS1123Label(c.name)) errs.push(fieldErr.invalid(`${fp}.name`, c.name, m));
      if (names.has(c.name)) errs.push(fieldErr.duplicate(`${fp}.name`, c.name));
      names.add(c.name);
    }
    const trimmedImage = c.image ? c.image.trim() : '';
    if (!trimmedImage) errs.push(fieldErr.required(`${fp}.image`, ''));
    else if (c.image !== trimmedImage) errs.push(fieldErr.invalid(`${fp}.image`, c.image, 'must not have leading or trailing whitespace'));
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
      errs.push(fieldErr.notSupported(`${fp}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    }
    if (c.terminationMessagePolicy !== undefined && !TERMINATION_MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
      errs.push(fieldErr.notSupported(`${fp}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
    }
    const portNames = new Set<string>();
    (c.ports ?? []).forEach((p, j) => {
      const pp = `${fp}.ports[${j}]`;
      if (p.name) {
        for (const m of isValidPortName(p.name)) errs.push(fieldErr.invalid(`${pp}.name`, p.name, m));
        if (portNames.has(p.name)) errs.push(fieldErr.duplicate(`${pp}.name`, p.name));
        portNames.add(p.name);
      }
      if (p.containerPort === undefined || p.containerPort === 0) errs.push(fieldErr.required(`${pp}.containerPort`, ''));
      else for (const m of isValidPortNum(p.containerPort)) errs.push(fieldErr.invalid(`${pp}.containerPort`, p.containerPort, m));
      if (p.hostPort !== undefined && p.hostPort !== 0) {
        for (const m of isValidPortNum(p.hostPort)) errs.push(fieldErr.invalid(`${pp}.hostPort`, p.hostPort, m));
        if (hostNetwork && p.hostPort !== p.containerPort) {
          errs.push(fieldErr.invalid(`${pp}.hostPort`, p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }
      if (p.protocol === undefined) errs.push(fieldErr.required(`${pp}.protocol`, ''));
      else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErr.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
      if (p.hostIP) for (const m of isValidIP(p.hostIP)) errs.push(fieldErr.invalid(`${pp}.hostIP`, p.hostIP, m));
    });
    if (c.env != null) errs.push(...validateEnv(c.env, `${fp}.env`));
    (c.envFrom ?? []).forEach((ef, j) => {
      const ep = `${fp}.envFrom[${j}]`;
      const n = [ef.configMapRef, ef.secretRef].filter(Boolean).length;
      if (n === 0) errs.push(fieldErr.invalid(ep, '', 'must specify one of: `configMapRef` or `secretRef`'));
      if (n > 1) errs.push(fieldErr.invalid(ep, '', 'may not have more than one field specified at a time'));
      if (ef.prefix) for (const m of isEnvVarName(ef.prefix)) errs.push(fieldErr.invalid(`${ep}.prefix`, ef.prefix, m));
      if (ef.configMapRef && !ef.configMapRef.name) errs.push(fieldErr.required(`${ep}.configMapRef.name`, ''));
      if (ef.secretRef && !ef.secretRef.name) errs.push(fieldErr.required(`${ep}.secretRef.name`, ''));
    });
    errs.push(...validateResources(c.resources, `${fp}.resources`));
    const mountPaths = new Set<string>();
    (c.volumeMounts ?? []).forEach((vm, j) => {
      const vp = `${fp}.volumeMounts[${j}]`;
      if (!vm.name) errs.push(fieldErr.required(`${vp}.name`, ''));
      else if (!volumes.has(vm.name)) errs.push(fieldErr.notFound(`${vp}.name`, vm.name));
      if (!vm.mountPath) errs.push(fieldErr.required(`${vp}.mountPath`, ''));
      else {
        if (mountPaths.has(vm.mountPath)) errs.push(fieldErr.invalid(`${vp}.mountPath`, vm.mountPath, 'must be unique'));
        mountPaths.add(vm.mountPath);
      }
      if (vm.subPath) errs.push(...validateLocalDescendingPath(vm.subPath, `${vp}.subPath`));
      if (vm.subPathExpr) {
        if (vm.subPath) errs.push(fieldErr.invalid(`${vp}.subPathExpr`, vm.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
        errs.push(...validateLocalDescendingPath(vm.subPathExpr, `${vp}.subPathExpr`));
      }
      if (vm.mountPropagation !== undefined && !['None', 'HostToContainer', 'Bidirectional'].includes(vm.mountPropagation)) {
        errs.push(fieldErr.notSupported(`${vp}.mountPropagation`, vm.mountPropagation, ['Bidirectional', 'HostToContainer', 'None']));
      } else if (vm.mountPropagation === 'Bidirectional' && !c.securityContext?.privileged) {
        errs.push(fieldErr.forbidden(`${vp}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    });
    if (init) {
      // Regular init containers must run to completion, so readiness/liveness do not apply.
      if (c.restartPolicy !== 'Always') {
        for (const k of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
          if (c[k]) errs.push(fieldErr.forbidden(`${fp}.${k}`, `may not be set for init containers without restartPolicy=Always`));
        }
      }
    } else if (c.restartPolicy !== undefined) {
      errs.push(fieldErr.forbidden(`${fp}.restartPolicy`, 'may not be set for non-init containers'));
    }
    if (c.livenessProbe) errs.push(...validateProbe(c.livenessProbe, `${fp}.livenessProbe`, true));
    if (c.readinessProbe) errs.push(...validateProbe(c.readinessProbe, `${fp}.readinessProbe`, false));
    if (c.startupProbe) errs.push(...validateProbe(c.startupProbe, `${fp}.startupProbe`, true));
    if (c.lifecycle?.postStart) errs.push(...validateHandler(c.lifecycle.postStart, `${fp}.lifecycle.postStart`));
    if (c.lifecycle?.preStop) errs.push(...validateHandler(c.lifecycle.preStop, `${fp}.lifecycle.preStop`));
    const sc = c.securityContext;
    if (sc) {
      checkNonNegative(errs, `${fp}.securityContext`, 'runAsUser', sc.runAsUser);
      checkNonNegative(errs, `${fp}.securityContext`, 'runAsGroup', sc.runAsGroup);
      errs.push(...validateContainerSecurity(sc, `${fp}.securityContext`, hostUsers));
      if (sc.privileged && sc.allowPrivilegeEscalation === false) {
        errs.push(fieldErr.invalid(`${fp}.securityContext`, 'privileged', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
      }
    }
    if (c.stdinOnce && !c.stdin) errs.push(fieldErr.invalid(`${fp}.stdinOnce`, true, '`stdinOnce` may not be true if `stdin` is false'));
  });
  return errs;
}

// Fields an ephemeral container may not set: it gets no ports, probes, resources or lifecycle hooks.
const EPHEMERAL_FORBIDDEN = ['lifecycle', 'livenessProbe', 'ports', 'readinessProbe', 'resizePolicy', 'resources', 'restartPolicy', 'startupProbe'] as const;

/** Upstream's validateEphemeralContainers: names unique across all containers, forbidden fields, a target that exists. */
function validateEphemeralContainers(
  spec: PodSpec,
  field: string,
  volumes: Map<string, Volume>,
  names: Set<string>,
  hostNetwork: boolean,
  hostUsers: boolean,
): FieldError[] {
  const list = spec.ephemeralContainers;
  if (!Array.isArray(list) || list.length === 0) return [];
  const fp = `${field}.ephemeralContainers`;
  const errs: FieldError[] = [];
  // The non-ephemeral names, captured before validateContainers adds the ephemeral ones.
  const targets = new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c) => c.name));
  list.forEach((c, i) => {
    if (!c || typeof c !== 'object') return;
    for (const k of EPHEMERAL_FORBIDDEN) {
      const v = (c as unknown as Record<string, unknown>)[k];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(k === 'resources' && isEmptyObject(v))) {
        errs.push(fieldErr.forbidden(`${fp}[${i}].${k}`, 'cannot be set for an Ephemeral Container'));
      }
    }
    if (c.targetContainerName !== undefined && c.targetContainerName !== '' && !targets.has(c.targetContainerName)) {
      errs.push(fieldErr.notFound(`${fp}[${i}].targetContainerName`, c.targetContainerName));
    }
    (c.volumeMounts ?? []).forEach((vm, j) => {
      if (vm?.subPath) errs.push(fieldErr.forbidden(`${fp}[${i}].volumeMounts[${j}].subPath`, 'cannot be set for an Ephemeral Container'));
    });
  });
  // Common container rules (name, image, env, mounts, security); forbidden fields are reported above only.
  const common = list.map((c) => {
    if (!c || typeof c !== 'object') return c;
    const rest: Record<string, unknown> = { ...c };
    for (const k of EPHEMERAL_FORBIDDEN) delete rest[k];
    return rest as unknown as Container;
  });
  errs.push(...validateContainers(common, fp, volumes, names, hostNetwork, false, hostUsers));
  return errs;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** ValidatePodCreate: ephemeral containers are added to running pods only, through pods/ephemeralcontainers. */
export function validatePodCreate(pod: Pod): FieldError[] {
  const list = pod.spec?.ephemeralContainers;
  return Array.isArray(list) && list.length > 0 ? [fieldErr.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : [];
}

/** ValidatePodEphemeralContainersUpdate: existing ephemeral containers stay, unchanged; only additions. */
export function validateEphemeralContainersUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const next = new Map((pod.spec?.ephemeralContainers ?? []).map((c, i) => [c?.name, { c, i }]));
  for (const oc of old.spec?.ephemeralContainers ?? []) {
    const found = next.get(oc.name);
    if (!found) errs.push(fieldErr.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${oc.name}" may not be removed`));
    else if (!deepEqual(found.c, oc)) errs.push(fieldErr.forbidden(`spec.ephemeralContainers[${found.i}]`, `existing ephemeral containers "${oc.name}" may not be changed`));
  }
  return errs;
}

// ---------------------------------------------------------------- volumes

function validateVolumes(volumes: Volume[], field: string): { errs: FieldError[]; byName: Map<string, Volume> } {
  const errs: FieldError[] = [];
  const byName = new Map<string, Volume>();
  const mode = (m: number | undefined, fp: string): void => {
    if (m !== undefined && (!Number.isInteger(m) || m < 0 || m > 0o777)) {
      errs.push(fieldErr.invalid(fp, m, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  };
  const items = (list: { key: string; path: string; mode?: number }[] | undefined, fp: string): void => {
    (list ?? []).forEach((it, i) => {
      if (!it.key) errs.push(fieldErr.required(`${fp}[${i}].key`, ''));
      if (!it.path) errs.push(fieldErr.required(`${fp}[${i}].path`, ''));
      else if (it.path.startsWith('/') || it.path.split('/').includes('..')) {
        errs.push(fieldErr.invalid(`${fp}[${i}].path`, it.path, "must be a relative path without '..'"));
      }
      mode(it.mode, `${fp}[${i}].mode`);
    });
  };
  volumes.forEach((v, i) => {
    const fp = `${field}[${i}]`;
    if (!v.name) errs.push(fieldErr.required(`${fp}.name`, ''));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(fieldErr.invalid(`${fp}.name`, v.name, m));
      if (byName.has(v.name)) errs.push(fieldErr.duplicate(`${fp}.name`, v.name));
      byName.set(v.name, v);
    }
    const n = [v.emptyDir, v.hostPath, v.configMap, v.secret, v.downwardAPI, v.persistentVolumeClaim, v.projected].filter(Boolean).length;
    if (n === 0) errs.push(fieldErr.required(fp, 'must specify a volume type'));
    if (n > 1) errs.push(fieldErr.forbidden(fp, 'may not specify more than 1 volume type'));
    if (v.emptyDir?.medium !== undefined && !['', 'Memory'].includes(v.emptyDir.medium)) {
      errs.push(fieldErr.notSupported(`${fp}.emptyDir.medium`, v.emptyDir.medium, ['', 'Memory']));
    }
    if (v.hostPath) {
      if (!v.hostPath.path) errs.push(fieldErr.required(`${fp}.hostPath.path`, ''));
      else if (v.hostPath.path.split('/').includes('..')) errs.push(fieldErr.invalid(`${fp}.hostPath.path`, v.hostPath.path, "must not contain '..'"));
      const types = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
      if (v.hostPath.type !== undefined && !types.includes(v.hostPath.type)) errs.push(fieldErr.notSupported(`${fp}.hostPath.type`, v.hostPath.type, types));
    }
    if (v.configMap) {
      if (!v.configMap.name) errs.push(fieldErr.required(`${fp}.configMap.name`, ''));
      mode(v.configMap.defaultMode, `${fp}.configMap.defaultMode`);
      items(v.configMap.items, `${fp}.configMap.items`);
    }
    if (v.secret) {
      if (!v.secret.secretName) errs.push(fieldErr.required(`${fp}.secret.secretName`, ''));
      mode(v.secret.defaultMode, `${fp}.secret.defaultMode`);
      items(v.secret.items, `${fp}.secret.items`);
    }
    if (v.downwardAPI) mode(v.downwardAPI.defaultMode, `${fp}.downwardAPI.defaultMode`);
    if (v.projected) errs.push(...validateProjected(v.projected, `${fp}.projected`));
    if (v.persistentVolumeClaim) {
      const claim = v.persistentVolumeClaim.claimName;
      if (!claim) errs.push(fieldErr.required(`${fp}.persistentVolumeClaim.claimName`, ''));
      else for (const m of isDNS1123Subdomain(claim)) errs.push(fieldErr.invalid(`${fp}.persistentVolumeClaim.claimName`, claim, m));
    }
  });
  return { errs, byName };
}

// ---------------------------------------------------------------- scheduling

export function validateTolerations(tols: Toleration[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  tols.forEach((t, i) => {
    const fp = `${field}[${i}]`;
    if (t.key) for (const m of isQualifiedName(t.key)) errs.push(fieldErr.invalid(`${fp}.key`, t.key, m));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(fieldErr.invalid(`${fp}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(fieldErr.invalid(`${fp}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.operator === undefined || t.operator === 'Equal') {
      if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(fieldErr.invalid(`${fp}.value`, t.value, m));
    } else if (t.operator === 'Exists') {
      if (t.value) errs.push(fieldErr.invalid(`${fp}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(fieldErr.notSupported(`${fp}.operator`, t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(fieldErr.notSupported(`${fp}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validateNodeSelectorRequirement(r: NodeSelectorRequirement, fp: string, isField: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (vals.length === 0) errs.push(fieldErr.required(`${fp}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (vals.length > 0) errs.push(fieldErr.forbidden(`${fp}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (vals.length !== 1) errs.push(fieldErr.required(`${fp}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      else if (!/^-?\d+$/.test(vals[0])) errs.push(fieldErr.invalid(`${fp}.values[0]`, vals[0], 'must be an integer'));
      break;
    default:
      errs.push(fieldErr.invalid(`${fp}.operator`, r.operator, 'not a valid selector operator'));
  }
  if (isField) {
    if (r.key !== 'metadata.name') errs.push(fieldErr.invalid(`${fp}.key`, r.key, 'not a valid field selector key'));
  } else {
    for (const m of isQualifiedName(r.key ?? '')) errs.push(fieldErr.invalid(`${fp}.key`, r.key, m));
  }
  return errs;
}

function validateAffinity(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const na = spec.affinity?.nodeAffinity;
  if (!na) return errs;
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  const base = `${field}.nodeAffinity`;
  if (req) {
    const tp = `${base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`;
    if (!req.nodeSelectorTerms || req.nodeSelectorTerms.length === 0) errs.push(fieldErr.required(tp, 'must have at least one node selector term'));
    (req.nodeSelectorTerms ?? []).forEach((t, i) => {
      (t.matchExpressions ?? []).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(r, `${tp}[${i}].matchExpressions[${j}]`, false)));
      (t.matchFields ?? []).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(r, `${tp}[${i}].matchFields[${j}]`, true)));
    });
  }
  (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((p, i) => {
    const pp = `${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    for (const m of isInRange(p.weight, 1, 100)) errs.push(fieldErr.invalid(`${pp}.weight`, p.weight, m));
    (p.preference?.matchExpressions ?? []).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(r, `${pp}.preference.matchExpressions[${j}]`, false)));
    (p.preference?.matchFields ?? []).forEach((r, j) => errs.push(...validateNodeSelectorRequirement(r, `${pp}.preference.matchFields[${j}]`, true)));
  });
  return errs;
}

// ---------------------------------------------------------------- pod spec

/** ValidatePodSpec: the whole spec at `field` ("spec" for pods, "spec.template.spec" for RCs). */
export function validatePodSpec(spec: PodSpec | undefined, field = 'spec'): FieldError[] {
  if (!spec || typeof spec !== 'object') return [fieldErr.required(field, '')];
  const errs: FieldError[] = [];
  const { errs: volErrs, byName } = validateVolumes(spec.volumes ?? [], `${field}.volumes`);
  errs.push(...volErrs);
  const names = new Set<string>();
  const hostNet = spec.hostNetwork === true;
  const hostUsers = spec.hostUsers !== false;
  errs.push(...validateContainers(spec.initContainers ?? [], `${field}.initContainers`, byName, names, hostNet, true, hostUsers));
  if (!spec.containers || spec.containers.length === 0) errs.push(fieldErr.required(`${field}.containers`, ''));
  else errs.push(...validateContainers(spec.containers, `${field}.containers`, byName, names, hostNet, false, hostUsers));
  errs.push(...validateEphemeralContainers(spec, field, byName, names, hostNet, hostUsers));
  // hostPort/protocol/hostIP must be unique across all containers of the pod.
  const hostPorts = new Set<string>();
  (spec.containers ?? []).forEach((c, i) =>
    (c.ports ?? []).forEach((p, j) => {
      if (!p.hostPort) return;
      const key = `${p.hostPort}/${p.protocol ?? 'TCP'}`;
      const full = `${p.hostIP ?? ''}/${key}`;
      if (hostPorts.has(full)) errs.push(fieldErr.duplicate(`${field}.containers[${i}].ports[${j}].hostPort`, key));
      hostPorts.add(full);
    }),
  );
  if (spec.restartPolicy === undefined) errs.push(fieldErr.required(`${field}.restartPolicy`, ''));
  else if (!RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(fieldErr.notSupported(`${field}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (spec.dnsPolicy === undefined) errs.push(fieldErr.required(`${field}.dnsPolicy`, ''));
  else if (!DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(fieldErr.notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  if (spec.dnsPolicy === 'None' && (!spec.dnsConfig?.nameservers || spec.dnsConfig.nameservers.length === 0)) {
    errs.push(fieldErr.required(`${field}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (spec.dnsConfig) errs.push(...validateDNSConfig(spec.dnsConfig, `${field}.dnsConfig`));
  checkNonNegative(errs, field, 'terminationGracePeriodSeconds', spec.terminationGracePeriodSeconds);
  if (spec.activeDeadlineSeconds !== undefined) {
    for (const m of isInRange(spec.activeDeadlineSeconds, 1, 2147483647)) {
      errs.push(fieldErr.invalid(`${field}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, m));
    }
  }
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  checkName(errs, isDNS1123Subdomain, field, 'nodeName', spec.nodeName);
  checkName(errs, isDNS1123Subdomain, field, 'serviceAccountName', spec.serviceAccountName);
  checkName(errs, isDNS1123Subdomain, field, 'schedulerName', spec.schedulerName);
  checkName(errs, isDNS1123Subdomain, field, 'priorityClassName', spec.priorityClassName);
  checkName(errs, isDNS1123Label, field, 'hostname', spec.hostname);
  checkName(errs, isDNS1123Label, field, 'subdomain', spec.subdomain);
  errs.push(...validateTolerations(spec.tolerations ?? [], `${field}.tolerations`));
  errs.push(...validateAffinity(spec, `${field}.affinity`));
  errs.push(...validateTopologySpreadConstraints(spec.topologySpreadConstraints, `${field}.topologySpreadConstraints`));
  const psc = spec.securityContext;
  if (psc) {
    checkNonNegative(errs, `${field}.securityContext`, 'runAsUser', psc.runAsUser);
    checkNonNegative(errs, `${field}.securityContext`, 'runAsGroup', psc.runAsGroup);
    checkNonNegative(errs, `${field}.securityContext`, 'fsGroup', psc.fsGroup);
  }
  errs.push(...validatePodSecurity(spec, field));
  (spec.hostAliases ?? []).forEach((h, i) => {
    for (const m of isValidIP(h.ip ?? '')) errs.push(fieldErr.invalid(`${field}.hostAliases[${i}].ip`, h.ip, m));
  });
  if (spec.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(spec.preemptionPolicy)) {
    errs.push(fieldErr.notSupported(`${field}.preemptionPolicy`, spec.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

// ---------------------------------------------------------------- update and status

const MUTABLE_FIELDS_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,' +
  '`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),' +
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec-immutability part of ValidatePodUpdate (metadata is checked separately). */
export function validatePodSpecUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const ns = pod.spec;
  const os = old.spec;
  if (!ns || !os) return errs;
  if (os.activeDeadlineSeconds !== undefined) {
    if (ns.activeDeadlineSeconds === undefined) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    } else if (ns.activeDeadlineSeconds > os.activeDeadlineSeconds) {
      errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', ns.activeDeadlineSeconds, 'must be less than or equal to previous value'));
    }
  }
  // Existing tolerations must stay; new ones may be added; tolerationSeconds of NoExecute may shrink.
  const oldTols = os.tolerations ?? [];
  const newTols = ns.tolerations ?? [];
  for (const ot of oldTols) {
    const kept = newTols.some(
      (nt) =>
        (nt.key ?? '') === (ot.key ?? '') &&
        (nt.operator ?? 'Equal') === (ot.operator ?? 'Equal') &&
        (nt.value ?? '') === (ot.value ?? '') &&
        (nt.effect ?? '') === (ot.effect ?? '') &&
        (ot.tolerationSeconds === undefined ? nt.tolerationSeconds === undefined : nt.tolerationSeconds !== undefined && nt.tolerationSeconds <= ot.tolerationSeconds),
    );
    if (!kept) {
      errs.push(fieldErr.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  // Compare everything else: copy the mutable fields from the old spec and demand equality.
  const mutated = structuredClone(ns);
  const copyImages = (n: { image?: string }[] | undefined, o: { image?: string }[] | undefined): void => {
    if (!n || !o || n.length !== o.length) return;
    n.forEach((c, i) => (c.image = o[i].image));
  };
  copyImages(mutated.containers, os.containers);
  copyImages(mutated.initContainers, os.initContainers);
  mutated.activeDeadlineSeconds = os.activeDeadlineSeconds;
  mutated.tolerations = os.tolerations;
  if (os.terminationGracePeriodSeconds !== undefined && os.terminationGracePeriodSeconds < 0 && mutated.terminationGracePeriodSeconds === 1) {
    mutated.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  if (!deepEqual(mutated, os)) errs.push(fieldErr.forbidden('spec', MUTABLE_FIELDS_MESSAGE));
  return errs;
}

const POD_PHASES = ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'];

/** Pod status checks (ValidatePodStatusUpdate minus metadata): phase, IPs, condition types, nodeName unchanged. */
export function validatePodStatus(pod: Pod, old?: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const st: PodStatus = pod.status ?? {};
  if (st.phase !== undefined && !POD_PHASES.includes(st.phase)) errs.push(fieldErr.notSupported('status.phase', st.phase, POD_PHASES));
  if (st.hostIP) for (const m of isValidIP(st.hostIP)) errs.push(fieldErr.invalid('status.hostIP', st.hostIP, m));
  if (st.podIP) for (const m of isValidIP(st.podIP)) errs.push(fieldErr.invalid('status.podIP', st.podIP, m));
  (st.podIPs ?? []).forEach((p, i) => {
    for (const m of isValidIP(p.ip ?? '')) errs.push(fieldErr.invalid(`status.podIPs[${i}]`, p.ip, m));
  });
  if (st.podIPs?.length && st.podIP && st.podIPs[0].ip !== st.podIP) {
    errs.push(fieldErr.invalid('status.podIPs[0]', st.podIPs[0].ip, 'must be equal to status.podIP'));
  }
  if (st.nominatedNodeName) for (const m of isDNS1123Subdomain(st.nominatedNodeName)) errs.push(fieldErr.invalid('status.nominatedNodeName', st.nominatedNodeName, m));
  (st.conditions ?? []).forEach((c, i) => {
    for (const m of isQualifiedName(c.type ?? '')) errs.push(fieldErr.invalid(`status.conditions[${i}].type`, c.type, m));
  });
  if (old && (pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) {
    errs.push(fieldErr.forbidden('spec.nodeName', 'pod status updates may not change nodeName'));
  }
  return errs;
}

/** Upstream's validatePodDNSConfig: what resolvers read (3 nameservers, 32 search domains of 2048 characters). */
function validateDNSConfig(c: NonNullable<PodSpec['dnsConfig']>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const servers = c.nameservers ?? [];
  if (servers.length > 3) errs.push(fieldErr.invalid(`${field}.nameservers`, servers, 'must not have more than 3 nameservers'));
  servers.forEach((ns, i) => {
    for (const m of isValidIP(String(ns))) errs.push(fieldErr.invalid(`${field}.nameservers[${i}]`, ns, m));
  });
  const searches = c.searches ?? [];
  if (searches.length > 32) errs.push(fieldErr.invalid(`${field}.searches`, searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) errs.push(fieldErr.invalid(`${field}.searches`, searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  searches.forEach((s, i) => {
    // A trailing dot is allowed (a fully qualified search domain).
    const name = String(s).replace(/\.$/, '');
    for (const m of isDNS1123Subdomain(name)) errs.push(fieldErr.invalid(`${field}.searches[${i}]`, s, m));
  });
  (c.options ?? []).forEach((o, i) => {
    if (!o?.name) errs.push(fieldErr.required(`${field}.options[${i}]`, 'Option.Name must not be empty'));
  });
  return errs;
}
