// Kubernetes-style field errors for the fields of each kind tskube serves: the
// create rules and the update rules (immutable fields) of each kind. kinds.ts
// registers them per kind and its validate(kind, obj, old?) runs them after the
// metadata checks; call it on defaulted objects, as the apiserver does.

import type {
  Binding,
  ConfigMap,
  Endpoints,
  Event,
  Lease,
  Namespace,
  Node,
  ReplicationController,
  Scale,
  Secret,
  Service,
} from './core.js';
import { fieldErr, type FieldError } from './field-errors.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidCIDR,
  isValidIP,
  isValidPortName,
  isValidPortNum,
} from './names.js';
import { validateFinalizers, validateLabels } from './validation-meta.js';
import { validatePodSpec } from './validation-pod.js';
import { deepEqual } from './deep-equal.js';

export { validateObjectMeta, validateObjectMetaUpdate } from './validation-meta.js';
export { validatePodSpec, validatePodStatus } from './validation-pod.js';
export { invalidStatus, fieldErr, type FieldError } from './field-errors.js';

export const MAX_CONFIG_SIZE = 1024 * 1024;

/** Fields of a ReplicationController's status a status write may not make negative. */
export function validateRCStatus(rc: ReplicationController): FieldError[] {
  const errs: FieldError[] = [];
  const st = rc.status;
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const) {
    const v = st?.[k];
    if (v !== undefined && v < 0) errs.push(fieldErr.invalid(`status.${k}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateNamespaceStatus(ns: Namespace): FieldError[] {
  const ph = ns.status?.phase;
  return ph !== undefined && !['Active', 'Terminating'].includes(ph) ? [fieldErr.notSupported('status.phase', ph, ['Active', 'Terminating'])] : [];
}

// ---------------------------------------------------------------- ReplicationController

export function validateRC(rc: ReplicationController): FieldError[] {
  const errs: FieldError[] = [];
  const spec = rc.spec;
  if (!spec) return [fieldErr.required('spec', '')];
  if (spec.replicas !== undefined && (!Number.isInteger(spec.replicas) || spec.replicas < 0)) {
    errs.push(fieldErr.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  }
  if (spec.minReadySeconds !== undefined && spec.minReadySeconds < 0) {
    errs.push(fieldErr.invalid('spec.minReadySeconds', spec.minReadySeconds, 'must be greater than or equal to 0'));
  }
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldErr.required('spec.selector', ''));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  if (!spec.template) {
    errs.push(fieldErr.required('spec.template', ''));
    return errs;
  }
  const labels = spec.template.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => Object.prototype.hasOwnProperty.call(labels, k) && labels[k] === v)) {
    errs.push(fieldErr.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(spec.template.metadata?.labels, 'spec.template.metadata.labels'));
  errs.push(...validatePodSpec(spec.template.spec, 'spec.template.spec'));
  const rp = spec.template.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(fieldErr.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  if (spec.template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(fieldErr.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

// ---------------------------------------------------------------- Service

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

export function validateService(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec;
  if (!spec) return [fieldErr.required('spec', '')];
  const type = spec.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type)) errs.push(fieldErr.notSupported('spec.type', type, SERVICE_TYPES));
  const ports = spec.ports ?? [];
  if (type === 'ExternalName') {
    if (spec.clusterIP) errs.push(fieldErr.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    if (!spec.externalName) errs.push(fieldErr.required('spec.externalName', ''));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(fieldErr.invalid('spec.externalName', spec.externalName, m));
  } else if (ports.length === 0 && spec.clusterIP !== 'None') {
    errs.push(fieldErr.required('spec.ports', ''));
  }
  const names = new Set<string>();
  const portProto = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const fp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`${fp}.name`, ''));
    if (p.name) {
      for (const m of isDNS1123Label(p.name)) errs.push(fieldErr.invalid(`${fp}.name`, p.name, m));
      if (names.has(p.name)) errs.push(fieldErr.duplicate(`${fp}.name`, p.name));
      names.add(p.name);
    }
    for (const m of isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${fp}.port`, p.port, m));
    if (p.protocol === undefined) errs.push(fieldErr.required(`${fp}.protocol`, ''));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErr.notSupported(`${fp}.protocol`, p.protocol, PROTOCOLS));
    if (p.targetPort !== undefined) {
      const msgs = typeof p.targetPort === 'number' ? isValidPortNum(p.targetPort) : isValidPortName(p.targetPort);
      for (const m of msgs) errs.push(fieldErr.invalid(`${fp}.targetPort`, p.targetPort, m));
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (portProto.has(key)) errs.push(fieldErr.duplicate(fp, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    portProto.add(key);
    if (p.nodePort !== undefined && p.nodePort !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') {
        errs.push(fieldErr.forbidden(`${fp}.nodePort`, `may not be used when \`type\` is '${type}'`));
      }
      for (const m of isValidPortNum(p.nodePort)) errs.push(fieldErr.invalid(`${fp}.nodePort`, p.nodePort, m));
      const nk = `${p.nodePort}/${p.protocol ?? 'TCP'}`;
      if (nodePorts.has(nk)) errs.push(fieldErr.duplicate(`${fp}.nodePort`, p.nodePort));
      nodePorts.add(nk);
    }
  });
  if (spec.clusterIP && spec.clusterIP !== 'None') {
    for (const m of isValidIP(spec.clusterIP)) errs.push(fieldErr.invalid('spec.clusterIP', spec.clusterIP, m));
  }
  if (spec.clusterIP === 'None' && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(fieldErr.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (spec.clusterIPs?.length && spec.clusterIP && spec.clusterIPs[0] !== spec.clusterIP) {
    errs.push(fieldErr.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  const sa = spec.sessionAffinity;
  if (sa !== undefined && !['ClientIP', 'None'].includes(sa)) errs.push(fieldErr.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (timeout < 1 || timeout > 86400)) {
    errs.push(fieldErr.invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
  }
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(fieldErr.invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (!['Cluster', 'Local'].includes(etp)) {
      errs.push(fieldErr.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
    }
  }
  const itp = spec.internalTrafficPolicy;
  if (itp !== undefined && !['Cluster', 'Local'].includes(itp)) errs.push(fieldErr.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    for (const m of isValidIP(ip)) errs.push(fieldErr.invalid(`spec.externalIPs[${i}]`, ip, m));
  });
  return errs;
}

export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  const oldIP = old.spec?.clusterIP;
  const newIP = svc.spec?.clusterIP;
  // ClusterIP is fixed once allocated, unless the service turns into an ExternalName (which releases it).
  if (oldIP && old.spec?.type !== 'ExternalName' && svc.spec?.type !== 'ExternalName' && newIP !== oldIP) {
    errs.push(fieldErr.invalid('spec.clusterIP', newIP ?? '', newIP ? 'field is immutable' : 'primary clusterIP can not be unset'));
  }
  return errs;
}

// ---------------------------------------------------------------- Endpoints, Event, Binding, Lease, Scale

export function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((s, i) => {
    const fp = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (s[key] ?? []).forEach((a, j) => {
        const ap = `${fp}.${key}[${j}]`;
        for (const m of isValidIP(a.ip ?? '')) errs.push(fieldErr.invalid(`${ap}.ip`, a.ip ?? '', m));
        if (a.hostname) for (const m of isDNS1123Label(a.hostname)) errs.push(fieldErr.invalid(`${ap}.hostname`, a.hostname, m));
        if (a.nodeName) for (const m of isDNS1123Subdomain(a.nodeName)) errs.push(fieldErr.invalid(`${ap}.nodeName`, a.nodeName, m));
      });
    }
    const names = new Set<string>();
    const ports = s.ports ?? [];
    ports.forEach((p, j) => {
      const pp = `${fp}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(fieldErr.required(`${pp}.name`, ''));
      if (p.name) {
        for (const m of isDNS1123Label(p.name)) errs.push(fieldErr.invalid(`${pp}.name`, p.name, m));
        if (names.has(p.name)) errs.push(fieldErr.duplicate(`${pp}.name`, p.name));
        names.add(p.name);
      }
      for (const m of isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${pp}.port`, p.port, m));
      if (p.protocol === undefined) errs.push(fieldErr.required(`${pp}.protocol`, ''));
      else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErr.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    });
  });
  return errs;
}

export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const io = ev.involvedObject;
  if (!io) return [fieldErr.required('involvedObject', '')];
  if (io.namespace && ev.metadata.namespace && io.namespace !== ev.metadata.namespace) {
    errs.push(fieldErr.invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  }
  if (ev.type !== undefined && ev.type !== '' && !['Normal', 'Warning'].includes(ev.type)) {
    errs.push(fieldErr.notSupported('type', ev.type, ['Normal', 'Warning']));
  }
  if (ev.count !== undefined && ev.count < 0) errs.push(fieldErr.invalid('count', ev.count, 'must be greater than or equal to 0'));
  if (ev.reason && ev.reason.length > 128) errs.push(fieldErr.tooLong('reason', 128));
  if (ev.message && Buffer.byteLength(ev.message) > 4096) errs.push(fieldErr.tooLong('message', 4096));
  return errs;
}

export function validateBinding(b: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const t = b.target;
  if (!t) return [fieldErr.required('target', '')];
  if (t.kind && t.kind !== 'Node') errs.push(fieldErr.notSupported('target.kind', t.kind, ['Node', '<empty>']));
  if (!t.name) errs.push(fieldErr.required('target.name', ''));
  else for (const m of isDNS1123Subdomain(t.name)) errs.push(fieldErr.invalid('target.name', t.name, m));
  return errs;
}

export function validateLease(l: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const s = l.spec ?? {};
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) {
    errs.push(fieldErr.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) {
    errs.push(fieldErr.invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateScale(s: Scale): FieldError[] {
  const r = s.spec?.replicas;
  return r !== undefined && (!Number.isInteger(r) || r < 0) ? [fieldErr.invalid('spec.replicas', r, 'must be greater than or equal to 0')] : [];
}

// ---------------------------------------------------------------- ConfigMap, Secret

function validateDataKeys(data: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of Object.keys(data ?? {})) for (const m of isConfigMapKey(k)) errs.push(fieldErr.invalid(field, k, m));
  return errs;
}

function dataSize(...maps: (Record<string, string> | undefined)[]): number {
  let total = 0;
  for (const m of maps) for (const [k, v] of Object.entries(m ?? {})) total += k.length + String(v).length;
  return total;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs = [...validateDataKeys(cm.data, 'data'), ...validateDataKeys(cm.binaryData, 'binaryData')];
  for (const k of Object.keys(cm.data ?? {})) {
    if (cm.binaryData && k in cm.binaryData) errs.push(fieldErr.invalid('data', k, 'duplicate of key present in binaryData'));
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(v))) errs.push(fieldErr.invalid(`binaryData[${k}]`, '<value omitted>', 'must be base64-encoded'));
  }
  if (dataSize(cm.data, cm.binaryData) > MAX_CONFIG_SIZE) errs.push(fieldErr.tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

function immutableDataUpdate(
  obj: { immutable?: boolean },
  old: { immutable?: boolean },
  fields: [string, unknown, unknown][],
): FieldError[] {
  const errs: FieldError[] = [];
  if (!old.immutable) return errs;
  if (!obj.immutable) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const [name, a, b] of fields) {
    if (!deepEqual(a ?? {}, b ?? {})) errs.push(fieldErr.forbidden(name, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  return immutableDataUpdate(cm, old, [
    ['data', cm.data, old.data],
    ['binaryData', cm.binaryData, old.binaryData],
  ]);
}

/** Keys each built-in secret type must carry. */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

export function validateSecret(s: Secret): FieldError[] {
  const errs = validateDataKeys(s.data, 'data');
  errs.push(...validateDataKeys(s.stringData, 'stringData'));
  for (const [k, v] of Object.entries(s.data ?? {})) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(v))) errs.push(fieldErr.invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64-encoded'));
  }
  const keys = new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})]);
  const type = s.type ?? 'Opaque';
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (!keys.has(k)) errs.push(fieldErr.required(`data[${k}]`, ''));
  if (type === 'kubernetes.io/basic-auth' && !keys.has('username') && !keys.has('password')) {
    errs.push(fieldErr.required('data[username]', ''));
  }
  if (type === 'kubernetes.io/service-account-token' && !s.metadata.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(fieldErr.required('metadata.annotations[kubernetes.io/service-account.name]', ''));
  }
  if (dataSize(s.data, s.stringData) > MAX_CONFIG_SIZE) errs.push(fieldErr.tooLong('data', MAX_CONFIG_SIZE));
  return errs;
}

export function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(fieldErr.invalid('type', s.type ?? '', 'field is immutable'));
  errs.push(...immutableDataUpdate(s, old, [['data', s.data, old.data]]));
  return errs;
}

// ---------------------------------------------------------------- Namespace, Node

export function validateNamespace(ns: Namespace): FieldError[] {
  const errs = validateFinalizers(ns.spec?.finalizers, 'spec.finalizers');
  const ph = ns.status?.phase;
  if (ph !== undefined && !['Active', 'Terminating'].includes(ph)) errs.push(fieldErr.notSupported('status.phase', ph, ['Active', 'Terminating']));
  return errs;
}

const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const spec = node.spec ?? {};
  if (spec.podCIDR) for (const m of isValidCIDR(spec.podCIDR)) errs.push(fieldErr.invalid('spec.podCIDR', spec.podCIDR, m));
  (spec.podCIDRs ?? []).forEach((c, i) => {
    for (const m of isValidCIDR(c)) errs.push(fieldErr.invalid(`spec.podCIDRs[${i}]`, c, m));
  });
  if (spec.podCIDR && spec.podCIDRs?.length && spec.podCIDRs[0] !== spec.podCIDR) {
    errs.push(fieldErr.invalid('spec.podCIDRs', spec.podCIDRs, 'first value must match `podCIDR`'));
  }
  const seen = new Set<string>();
  (spec.taints ?? []).forEach((t, i) => {
    const fp = `spec.taints[${i}]`;
    if (!t.key) errs.push(fieldErr.required(`${fp}.key`, ''));
    else for (const m of isQualifiedName(t.key)) errs.push(fieldErr.invalid(`${fp}.key`, t.key, m));
    if (!t.effect) errs.push(fieldErr.required(`${fp}.effect`, ''));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(fieldErr.notSupported(`${fp}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(fieldErr.duplicate(fp, { key: t.key, effect: t.effect }));
    seen.add(key);
  });
  for (const [res, q] of Object.entries(node.status?.capacity ?? {})) {
    if (!/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(String(q))) errs.push(fieldErr.invalid(`status.capacity[${res}]`, q, 'must be a valid quantity'));
  }
  (node.status?.addresses ?? []).forEach((a, i) => {
    if (!a.address) errs.push(fieldErr.required(`status.addresses[${i}].address`, ''));
  });
  return errs;
}

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const oc = old.spec?.podCIDR;
  if (oc && node.spec?.podCIDR !== oc) {
    errs.push(fieldErr.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  }
  return errs;
}
