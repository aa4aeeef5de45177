// Validation of the apps/v1 kinds (Deployment, ReplicaSet, DaemonSet, StatefulSet,
// ControllerRevision) with the field paths and wording of
// k8s.io/kubernetes/pkg/apis/apps/validation and the apps registry strategies:
// spec on create and update, what an update may not change, and status writes.
// Run on defaulted objects, as the apiserver does (kinds.ts registers them).

import type { ControllerRevision, DaemonSet, DaemonSetUpdateStrategy, Deployment, DeploymentStrategy, ReplicaSet, StatefulSet } from './apps.js';
import type { IntOrString, LabelSelector, PersistentVolumeClaim, PodTemplateSpec } from './core.js';
import { deepEqual } from './deep-equal.js';
import { fieldErr, formatValue, type FieldError } from './field-errors.js';
import { goIntOrString, goLabelSelector, goStringMap } from './go-format.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';
import { labelSelectorMatcher, type LabelMatcher } from './selectors.js';
import { validateAnnotations, validateLabels } from './validation-meta.js';
import { validatePodSpec } from './validation-pod.js';

const NON_NEGATIVE = 'must be greater than or equal to 0';
const REPLICAS_MSG = 'cannot be greater than status.replicas';

/** field.Invalid with a value already rendered the Go way. */
const invalidGo = (field: string, rendered: string, detail: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${rendered}: ${detail}`,
});

function nonNegative(errs: FieldError[], field: string, v: unknown): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) errs.push(fieldErr.invalid(field, v, NON_NEGATIVE));
}

/** A JSON object (not null, not a list); keeps the declared type of what it narrows. */
function isObj<T>(v: T): v is NonNullable<T> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// ---------------------------------------------------------------- selectors

/** unversionedvalidation.ValidateLabelSelector (label values checked strictly). */
export function validateLabelSelector(sel: LabelSelector | undefined, field: string): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${field}.matchLabels`);
  (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErr.invalid(`${p}.operator`, e?.operator ?? '', 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(String(e?.key ?? ''))) errs.push(fieldErr.invalid(`${p}.key`, e?.key ?? '', m));
    values.forEach((v: unknown, j: number) => {
      for (const m of isValidLabelValue(String(v))) errs.push(fieldErr.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

/** The selector as a matcher (undefined when it does not convert; an unset one matches nothing, as LabelSelectorAsSelector). */
function matcherOf(sel: LabelSelector | undefined): LabelMatcher | undefined {
  try {
    return labelSelectorMatcher(isObj(sel) ? sel : undefined);
  } catch {
    return undefined;
  }
}

const selectorEmpty = (sel: LabelSelector): boolean =>
  Object.keys(sel.matchLabels ?? {}).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0;

/** Required, well-formed and non-empty (Deployment, ReplicaSet, StatefulSet); `what` names the kind in the message. */
function requiredSelector(sel: LabelSelector | undefined, what: string): FieldError[] {
  if (!isObj(sel)) return [fieldErr.required('spec.selector', '')];
  const errs = validateLabelSelector(sel, 'spec.selector');
  if (selectorEmpty(sel)) errs.push(invalidGo('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${what}`));
  return errs;
}

// ---------------------------------------------------------------- pod templates

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** ValidatePodTemplateSpec at spec.template: its labels and annotations, and its pod spec. */
function validatePodTemplate(t: PodTemplateSpec | undefined): FieldError[] {
  if (!isObj(t)) return [fieldErr.required('spec.template', '')];
  const errs: FieldError[] = [];
  const meta = isObj(t.metadata) ? t.metadata : {};
  errs.push(...validateLabels(meta.labels, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'spec.template.metadata.annotations'));
  errs.push(...validatePodSpec(t.spec, 'spec.template.spec'));
  const ephemeral = isObj(t.spec) ? (t.spec as { ephemeralContainers?: unknown }).ephemeralContainers : undefined;
  if (Array.isArray(ephemeral) && ephemeral.length > 0) {
    errs.push(fieldErr.forbidden('spec.template.spec.ephemeralContainers', 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** The template's labels must match the selector (an unset selector matches nothing, so it never does). */
function templateMatches(sel: LabelMatcher, t: PodTemplateSpec | undefined): FieldError[] {
  const labels = isObj(t) && isObj(t.metadata) && isObj(t.metadata.labels) ? t.metadata.labels : undefined;
  if (sel.empty || sel.matches(labels ?? {})) return [];
  return [invalidGo('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`')];
}

/** RestartPolicy Always only, and no activeDeadlineSeconds (ValidatePodTemplateSpecForReplicaSet and its siblings). */
function workloadPodRules(t: PodTemplateSpec | undefined, kind: string, deadlineAsInvalid = false): FieldError[] {
  if (!isObj(t) || !isObj(t.spec)) return [];
  const errs: FieldError[] = [];
  const rp = t.spec.restartPolicy;
  if (rp !== 'Always') errs.push(fieldErr.notSupported('spec.template.spec.restartPolicy', rp ?? '', ['Always']));
  const ads = t.spec.activeDeadlineSeconds;
  if (ads !== undefined && ads !== null) {
    const detail = `activeDeadlineSeconds in ${kind} is not Supported`;
    errs.push(deadlineAsInvalid ? fieldErr.invalid('spec.template.spec.activeDeadlineSeconds', ads, detail) : fieldErr.forbidden('spec.template.spec.activeDeadlineSeconds', detail));
  }
  return errs;
}

/** The template checks of ReplicaSets and Deployments (ValidatePodTemplateSpecForReplicaSet). */
function replicaSetTemplate(sel: LabelSelector | undefined, t: PodTemplateSpec | undefined): FieldError[] {
  const m = matcherOf(sel);
  if (!m) return [invalidGo('spec.selector', goLabelSelector(sel), 'invalid label selector')];
  if (!isObj(t)) return [fieldErr.required('spec.template', '')];
  return [...templateMatches(m, t), ...validatePodTemplate(t), ...workloadPodRules(t, 'ReplicaSet')];
}

// ---------------------------------------------------------------- int-or-percent

const PERCENT = /^[0-9]+%$/;
const PERCENT_MSG = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

/** ValidatePositiveIntOrPercent. */
export function positiveIntOrPercent(v: IntOrString | undefined, field: string): FieldError[] {
  if (typeof v === 'string') return PERCENT.test(v) ? [] : [invalidGo(field, goIntOrString(v), PERCENT_MSG)];
  if (typeof v === 'number' && (!Number.isInteger(v) || v < 0)) return [fieldErr.invalid(field, v, NON_NEGATIVE)];
  return [];
}

/** getIntOrPercentValue: the number, or the percent's number (0 for a malformed one). */
function intOrPercentValue(v: IntOrString | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && PERCENT.test(v)) return Number(v.slice(0, -1));
  return 0;
}

export function notMoreThan100Percent(v: IntOrString | undefined, field: string): FieldError[] {
  return typeof v === 'string' && PERCENT.test(v) && Number(v.slice(0, -1)) > 100 ? [invalidGo(field, goIntOrString(v), 'must not be greater than 100%')] : [];
}

// ---------------------------------------------------------------- Deployment

export function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec;
  if (!isObj(spec)) return [fieldErr.required('spec', '')];
  const errs: FieldError[] = [];
  nonNegative(errs, 'spec.replicas', spec.replicas);
  errs.push(...requiredSelector(spec.selector, 'deployment'));
  errs.push(...replicaSetTemplate(spec.selector, spec.template));
  errs.push(...validateDeploymentStrategy(spec.strategy));
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined && pds !== null) {
    nonNegative(errs, 'spec.progressDeadlineSeconds', pds);
    if (typeof pds === 'number' && pds <= (spec.minReadySeconds ?? 0)) errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

function validateDeploymentStrategy(s: DeploymentStrategy | undefined): FieldError[] {
  const strategy: DeploymentStrategy = isObj(s) ? s : {};
  const ru = strategy.rollingUpdate;
  switch (strategy.type) {
    case 'Recreate':
      return ru ? [fieldErr.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      if (!isObj(ru)) return [fieldErr.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
      const p = 'spec.strategy.rollingUpdate';
      const errs = [...positiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...positiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...notMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default:
      return [fieldErr.notSupported('spec.strategy.type', strategy.type ?? '', ['Recreate', 'RollingUpdate'])];
  }
}

/** apps/v1 forbids changing the selector of a Deployment, ReplicaSet or DaemonSet. */
function immutableSelector(sel: LabelSelector | undefined, old: LabelSelector | undefined): FieldError[] {
  return deepEqual(sel ?? null, old ?? null) ? [] : [invalidGo('spec.selector', goLabelSelector(sel), 'field is immutable')];
}

export function validateDeploymentUpdate(d: Deployment, old: Deployment): FieldError[] {
  return immutableSelector(d.spec?.selector, old.spec?.selector);
}

export function validateDeploymentStatus(d: Deployment, old: Deployment): FieldError[] {
  const st = isObj(d.status) ? d.status : {};
  const errs: FieldError[] = [];
  for (const k of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'] as const) {
    nonNegative(errs, `status.${k}`, st[k]);
  }
  const replicas = st.replicas ?? 0;
  if ((st.updatedReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.updatedReplicas', st.updatedReplicas ?? 0, REPLICAS_MSG));
  if ((st.readyReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.readyReplicas', st.readyReplicas ?? 0, REPLICAS_MSG));
  if ((st.availableReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.availableReplicas', st.availableReplicas ?? 0, REPLICAS_MSG));
  if ((st.availableReplicas ?? 0) > (st.readyReplicas ?? 0)) errs.push(fieldErr.invalid('status.availableReplicas', st.availableReplicas ?? 0, 'cannot be greater than readyReplicas'));
  errs.push(...collisionCountKept(st.collisionCount, old.status?.collisionCount));
  return errs;
}

/** status.collisionCount may grow, never shrink or disappear once set. */
function collisionCountKept(now: number | undefined, before: number | undefined): FieldError[] {
  if (before === undefined || before === null) return [];
  if (now === undefined || now === null || now < before) return [fieldErr.invalid('status.collisionCount', now ?? null, 'cannot be decremented')];
  return [];
}

// ---------------------------------------------------------------- ReplicaSet

export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec;
  if (!isObj(spec)) return [fieldErr.required('spec', '')];
  const errs: FieldError[] = [];
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  // Upstream names the wrong kind here too.
  errs.push(...requiredSelector(spec.selector, 'deployment'));
  errs.push(...replicaSetTemplate(spec.selector, spec.template));
  return errs;
}

export function validateReplicaSetUpdate(rs: ReplicaSet, old: ReplicaSet): FieldError[] {
  return immutableSelector(rs.spec?.selector, old.spec?.selector);
}

export function validateReplicaSetStatus(rs: ReplicaSet): FieldError[] {
  const st = isObj(rs.status) ? rs.status : { replicas: 0 };
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const) nonNegative(errs, `status.${k}`, st[k]);
  const replicas = st.replicas ?? 0;
  if ((st.fullyLabeledReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.fullyLabeledReplicas', st.fullyLabeledReplicas ?? 0, REPLICAS_MSG));
  if ((st.readyReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.readyReplicas', st.readyReplicas ?? 0, REPLICAS_MSG));
  if ((st.availableReplicas ?? 0) > replicas) errs.push(fieldErr.invalid('status.availableReplicas', st.availableReplicas ?? 0, REPLICAS_MSG));
  if ((st.availableReplicas ?? 0) > (st.readyReplicas ?? 0)) errs.push(fieldErr.invalid('status.availableReplicas', st.availableReplicas ?? 0, 'cannot be greater than readyReplicas'));
  return errs;
}

// ---------------------------------------------------------------- DaemonSet

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const spec = ds.spec;
  if (!isObj(spec)) return [fieldErr.required('spec', '')];
  const errs = validateLabelSelector(spec.selector, 'spec.selector');
  const m = matcherOf(spec.selector);
  if (m && isObj(spec.template)) errs.push(...templateMatches(m, spec.template));
  if (isObj(spec.selector) && selectorEmpty(spec.selector)) errs.push(invalidGo('spec.selector', goLabelSelector(spec.selector), 'empty selector is invalid for daemonset'));
  errs.push(...validatePodTemplate(spec.template));
  errs.push(...workloadPodRules(spec.template, 'DaemonSet', true));
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  errs.push(...validateDaemonSetUpdateStrategy(spec.updateStrategy));
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  return errs;
}

function validateDaemonSetUpdateStrategy(s: DaemonSetUpdateStrategy | undefined): FieldError[] {
  const strategy: DaemonSetUpdateStrategy = isObj(s) ? s : {};
  const p = 'spec.updateStrategy';
  switch (strategy.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!isObj(ru)) return [fieldErr.required(`${p}.rollingUpdate`, '')];
      const rp = `${p}.rollingUpdate`;
      const errs = [
        ...positiveIntOrPercent(ru.maxUnavailable, `${rp}.maxUnavailable`),
        ...positiveIntOrPercent(ru.maxSurge, `${rp}.maxSurge`),
        ...notMoreThan100Percent(ru.maxUnavailable, `${rp}.maxUnavailable`),
        ...notMoreThan100Percent(ru.maxSurge, `${rp}.maxSurge`),
      ];
      const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
      const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
      if (hasUnavailable && hasSurge) errs.push(invalidGo(`${rp}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
      if (!hasUnavailable && !hasSurge) errs.push(fieldErr.required(`${rp}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      return errs;
    }
    default:
      return [fieldErr.notSupported(`${p}.type`, strategy.type ?? '', ['RollingUpdate', 'OnDelete'])];
  }
}

export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return immutableSelector(ds.spec?.selector, old.spec?.selector);
}

export function validateDaemonSetStatus(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const st: Partial<NonNullable<DaemonSet['status']>> = isObj(ds.status) ? ds.status : {};
  const errs: FieldError[] = [];
  for (const k of [
    'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount',
  ] as const) {
    nonNegative(errs, `status.${k}`, st[k]);
  }
  errs.push(...collisionCountKept(st.collisionCount, old.status?.collisionCount));
  return errs;
}

// ---------------------------------------------------------------- StatefulSet

const RETENTION = ['Retain', 'Delete'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  const spec = ss.spec;
  if (!isObj(spec)) return [fieldErr.required('spec', '')];
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(fieldErr.required('spec.podManagementPolicy', ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fieldErr.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  switch ((us.type as string | undefined) ?? '') {
    case '':
      errs.push(fieldErr.required('spec.updateStrategy', ''));
      break;
    case 'OnDelete':
      if (us.rollingUpdate) errs.push(fieldErr.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      break;
    case 'RollingUpdate':
      if (isObj(us.rollingUpdate)) {
        const p = 'spec.updateStrategy.rollingUpdate';
        nonNegative(errs, `${p}.partition`, us.rollingUpdate.partition);
        const mu = us.rollingUpdate.maxUnavailable;
        if (mu !== undefined && mu !== null) {
          errs.push(...positiveIntOrPercent(mu, `${p}.maxUnavailable`));
          if (intOrPercentValue(mu) === 0) errs.push(invalidGo(`${p}.maxUnavailable`, goIntOrString(mu), 'cannot be 0'));
          errs.push(...notMoreThan100Percent(mu, `${p}.maxUnavailable`));
        }
      }
      break;
    default:
      errs.push(fieldErr.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const policy = isObj(spec.persistentVolumeClaimRetentionPolicy) ? spec.persistentVolumeClaimRetentionPolicy : {};
  for (const k of ['whenDeleted', 'whenScaled'] as const) {
    const v = policy[k];
    const f = `spec.persistentVolumeClaimRetentionPolicy.${k}`;
    if (!v) errs.push(fieldErr.required(f, ''));
    else if (!RETENTION.includes(v)) errs.push(fieldErr.notSupported(f, v, RETENTION));
  }
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  if (isObj(spec.ordinals)) nonNegative(errs, 'spec.ordinals.start', spec.ordinals.start);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  if (spec.serviceName) for (const m of isDNS1035Label(spec.serviceName)) errs.push(fieldErr.invalid('spec.serviceName', spec.serviceName, m));
  errs.push(...requiredSelector(spec.selector, 'statefulset'));
  const m = matcherOf(spec.selector);
  if (!m) errs.push(invalidGo('spec.selector', goLabelSelector(spec.selector), ''));
  else if (!isObj(spec.template)) errs.push(fieldErr.required('spec.template', ''));
  else errs.push(...templateMatches(m, spec.template), ...validatePodTemplate(withClaimVolumes(spec.template, spec.volumeClaimTemplates)));
  errs.push(...workloadPodRules(spec.template, 'StatefulSet'));
  (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []).forEach((pvc, i) => errs.push(...validateClaimTemplate(pvc, `spec.volumeClaimTemplates[${i}]`)));
  return errs;
}

/**
 * The template as its pods will be: each claim template becomes a volume of its name, so volume
 * mounts naming a claim template are valid (upstream leaves the pod spec of a StatefulSet's template
 * unvalidated for this reason; here it is validated with those volumes added).
 */
function withClaimVolumes(t: PodTemplateSpec, claims: PersistentVolumeClaim[] | undefined): PodTemplateSpec {
  if (!Array.isArray(claims) || claims.length === 0 || !isObj(t.spec)) return t;
  const volumes = Array.isArray(t.spec.volumes) ? t.spec.volumes : [];
  const have = new Set(volumes.map((v) => (isObj(v) ? v.name : undefined)));
  const added = claims.flatMap((c) => {
    const name = isObj(c) && isObj(c.metadata) ? c.metadata.name : undefined;
    return typeof name === 'string' && name && !have.has(name) ? [{ name, persistentVolumeClaim: { claimName: name } }] : [];
  });
  return added.length ? { ...t, spec: { ...t.spec, volumes: [...volumes, ...added] } } : t;
}

/**
 * What a claim template needs for the controller to make one claim per pod from it: a
 * name (the pods mount it as a volume of that name), access modes and a storage request.
 */
function validateClaimTemplate(pvc: PersistentVolumeClaim, field: string): FieldError[] {
  if (!isObj(pvc)) return [fieldErr.required(field, '')];
  const errs: FieldError[] = [];
  const name = pvc.metadata?.name;
  if (!name) errs.push(fieldErr.required(`${field}.metadata.name`, 'name or generateName is required'));
  else for (const m of isDNS1123Subdomain(name)) errs.push(fieldErr.invalid(`${field}.metadata.name`, name, m));
  errs.push(...validateLabels(pvc.metadata?.labels, `${field}.metadata.labels`));
  const spec = isObj(pvc.spec) ? pvc.spec : {};
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0) errs.push(fieldErr.required(`${field}.spec.accessModes`, 'at least 1 access mode is required'));
  for (const mode of modes) if (!ACCESS_MODES.includes(mode)) errs.push(fieldErr.notSupported(`${field}.spec.accessModes`, mode, ACCESS_MODES));
  const requests = isObj(spec.resources) && isObj(spec.resources.requests) ? spec.resources.requests : {};
  if (!hasOwn(requests, 'storage')) errs.push(fieldErr.required(`${field}.spec.resources[storage]`, ''));
  return errs;
}

/** Which StatefulSet spec fields an update may change (ValidateStatefulSetUpdate). */
const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

export function validateStatefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const strip = (spec: StatefulSet['spec']) => {
    const rest: Record<string, unknown> = { ...(spec ?? {}) };
    for (const k of STS_MUTABLE) delete rest[k];
    return rest;
  };
  if (deepEqual(strip(ss.spec), strip(old.spec))) return [];
  return [
    fieldErr.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export function validateStatefulSetStatus(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const st: Partial<NonNullable<StatefulSet['status']>> = isObj(ss.status) ? ss.status : {};
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount'] as const) {
    nonNegative(errs, `status.${k}`, st[k]);
  }
  const replicas = st.replicas ?? 0;
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas'] as const) {
    if ((st[k] ?? 0) > replicas) errs.push(fieldErr.invalid(`status.${k}`, st[k] ?? 0, REPLICAS_MSG));
  }
  if ((st.availableReplicas ?? 0) > (st.readyReplicas ?? 0)) errs.push(fieldErr.invalid('status.availableReplicas', st.availableReplicas ?? 0, 'cannot be greater than status.readyReplicas'));
  errs.push(...collisionCountKept(st.collisionCount, old.status?.collisionCount));
  return errs;
}

// ---------------------------------------------------------------- ControllerRevision

export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
  nonNegative(errs, 'revision', cr.revision);
  return errs;
}

export function validateControllerRevisionUpdate(cr: ControllerRevision, old: ControllerRevision): FieldError[] {
  return deepEqual(cr.data ?? null, old.data ?? null) ? [] : [invalidGo('data', formatValue(cr.data), 'field is immutable')];
}
