// Server-side printing of the apps/v1 kinds: the columns and cells of kubectl's
// own printers (pkg/printers/internalversion) for Deployments, ReplicaSets,
// DaemonSets, StatefulSets and ControllerRevisions.

import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from './apps.js';
import type { LabelSelector, PodTemplateSpec } from './core.js';
import { formatLabels, labelSelectorMatcher } from './selectors.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

const READY = col('Ready', 'string', 'Number of the pod with ready state');
const CONTAINERS = col('Containers', 'string', 'Names of each container in the template.', 1);
const IMAGES = col('Images', 'string', 'Images referenced by each container in the template.', 1);
const SELECTOR = col('Selector', 'string', 'Label query over pods that should match the replica count. Must match in order to be controlled.', 1);

/** LabelSelectorAsSelector(...).String(): "" for an unset or malformed selector. */
export function selectorString(sel: LabelSelector | undefined): string {
  if (!sel) return '';
  try {
    return labelSelectorMatcher(sel).toString();
  } catch {
    return '';
  }
}

function containersAndImages(t: PodTemplateSpec | undefined): [string, string] {
  const cs = t?.spec?.containers ?? [];
  return [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(',')];
}

export const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME,
    READY,
    col('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(d, now) {
    const st = d.status ?? {};
    return {
      cells: [
        d.metadata.name,
        `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        st.updatedReplicas ?? 0,
        st.availableReplicas ?? 0,
        age(d, now),
        ...containersAndImages(d.spec?.template),
        selectorString(d.spec?.selector),
      ],
    };
  },
};

export const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replica set.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(rs, now) {
    return {
      cells: [
        rs.metadata.name,
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        age(rs, now),
        ...containersAndImages(rs.spec?.template),
        selectorString(rs.spec?.selector),
      ],
    };
  },
};

export const daemonSetPrinter: Printer<DaemonSet> = {
  columns: [
    NAME,
    col('Desired', 'integer', 'The total number of nodes that should be running the daemon pod.'),
    col('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    col('Ready', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    col('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
    col('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', 'string', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  row(ds, now) {
    const st = ds.status;
    return {
      cells: [
        ds.metadata.name,
        st?.desiredNumberScheduled ?? 0,
        st?.currentNumberScheduled ?? 0,
        st?.numberReady ?? 0,
        st?.updatedNumberScheduled ?? 0,
        st?.numberAvailable ?? 0,
        formatLabels(ds.spec?.template?.spec?.nodeSelector),
        age(ds, now),
        ...containersAndImages(ds.spec?.template),
        selectorString(ds.spec?.selector),
      ],
    };
  },
};

export const statefulSetPrinter: Printer<StatefulSet> = {
  columns: [NAME, READY, AGE, CONTAINERS, IMAGES],
  row(ss, now) {
    return {
      cells: [ss.metadata.name, `${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 0}`, age(ss, now), ...containersAndImages(ss.spec?.template)],
    };
  },
};

/** "<kind>.<group>/<name>" of the controlling owner, as kubectl prints it ("<none>" without one). */
function controllerOf(cr: ControllerRevision): string {
  const ref = (cr.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  if (!ref) return '<none>';
  const slash = (ref.apiVersion ?? '').indexOf('/');
  const group = slash >= 0 ? ref.apiVersion.slice(0, slash) : '';
  const kind = (ref.kind ?? '').toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${ref.name}`;
}

export const controllerRevisionPrinter: Printer<ControllerRevision> = {
  columns: [
    NAME,
    col('Controller', 'string', 'Controller of the object'),
    col('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    AGE,
  ],
  row: (cr, now) => ({ cells: [cr.metadata.name, controllerOf(cr), cr.revision ?? 0, age(cr, now)] }),
};
