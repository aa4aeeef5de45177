// Server-side printing: meta.k8s.io/v1 Table responses for `kubectl get`,
// with the columns kubectl's own printers produce for each kind (each kind's
// printer is registered with its other rules in kinds.ts). As in the
// Kubernetes apiserver, every column (including the priority-1 "wide" ones) is
// always generated; kubectl hides priority > 0 columns unless `-o wide`.

import type { KubeObject, ListMeta } from './meta.js';
import type { TypedObject, ConfigMap, Endpoints, Event, Lease, Namespace, Node, Pod, ReplicationController, Secret, Service } from './core.js';
import { formatLabels } from './selectors.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** ?includeObject=: what each row's `object` holds (default Metadata = PartialObjectMetadata). */
  includeObject?: IncludeObject;
  /** List metadata to carry over (resourceVersion, continue, remainingItemCount). */
  listMeta?: ListMeta;
  /** Clock for AGE columns (tests). */
  now?: Date;
  /** Leave out columnDefinitions (kubectl's watch sends them only with the first event). */
  noHeaders?: boolean;
}

// ---------------------------------------------------------------- durations

/** Kubernetes' duration.HumanDuration: "5s", "3m20s", "2d3h", "4y10d". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Age of an RFC 3339 timestamp, "<unknown>" when absent. */
export function translateTimestampSince(ts: string | null | undefined, now: Date = new Date()): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------- column sets

export const col = (name: string, type: TableColumnDefinition['type'], description: string, priority = 0, format = ''): TableColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});
export const NAME = col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name');
export const AGE = col('Age', 'string', 'Time since the object was created.');

/** One kind's printer: its columns (all of them; kubectl hides priority > 0 without -o wide) and a row per object. */
export interface Printer<T extends TypedObject = TypedObject> {
  columns: TableColumnDefinition[];
  row(obj: T, now: Date): { cells: unknown[]; conditions?: TableRowCondition[] };
}

export const age = (o: TypedObject, now: Date): string => translateTimestampSince(o.metadata.creationTimestamp, now);
const orNone = (s: string | undefined): string => (s ? s : '<none>');

// ---------------------------------------------------------------- pods

const isRestartableInit = (c: { restartPolicy?: string } | undefined): boolean => c?.restartPolicy === 'Always';

interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
  completed?: 'Succeeded' | 'Failed';
}

/** READY, STATUS and RESTARTS of a pod, computed as kubectl's pod printer does. */
export function summarizePod(pod: Pod, now: Date = new Date()): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const st = pod.status ?? {};
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = (spec.containers ?? []).length;
  let ready = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = st.phase ?? '';
  let reason: string = st.reason || phase;
  for (const c of st.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const inits = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) total++;
  const finishedAt = (s: { lastState?: { terminated?: { finishedAt?: string } } }): number =>
    s.lastState?.terminated?.finishedAt ? Date.parse(s.lastState.terminated.finishedAt) || 0 : 0;

  let initializing = false;
  const initStatuses = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const sidecar = isRestartableInit(inits.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (wait?.reason && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (st.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const cs = st.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const term = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const podReady = (st.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return {
    ready: `${ready}/${total}`,
    status: reason,
    restarts: restartsStr,
    ...(phase === 'Succeeded' || phase === 'Failed' ? { completed: phase } : {}),
  };
}

export const podPrinter: Printer<Pod> = {
  columns: [
    NAME,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE,
    col('IP', 'string', 'IP address allocated to the pod.', 1),
    col('Node', 'string', 'The node the pod is bound to.', 1),
    col('Nominated Node', 'string', 'The node the scheduler nominated for preemption.', 1),
    col('Readiness Gates', 'string', 'Readiness gates that are true, out of all.', 1),
  ],
  row(pod, now) {
    const s = summarizePod(pod, now);
    const st = pod.status ?? {};
    const ip = st.podIPs?.[0]?.ip || '<none>';
    const gates = pod.spec?.readinessGates ?? [];
    let gatesStr = '<none>';
    if (gates.length) {
      const trueCount = gates.filter((g) => (st.conditions ?? []).find((c) => c.type === g.conditionType)?.status === 'True').length;
      gatesStr = `${trueCount}/${gates.length}`;
    }
    const conditions: TableRowCondition[] | undefined =
      s.completed === 'Succeeded'
        ? [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]
        : s.completed === 'Failed'
          ? [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }]
          : undefined;
    return {
      cells: [pod.metadata.name, s.ready, s.status, s.restarts, age(pod, now), ip, orNone(pod.spec?.nodeName), orNone(st.nominatedNodeName), gatesStr],
      ...(conditions ? { conditions } : {}),
    };
  },
};

// ---------------------------------------------------------------- nodes

function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const r = k.slice('node-role.kubernetes.io/'.length);
      if (r) roles.add(r);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

export const nodePrinter: Printer<Node> = {
  columns: [
    NAME,
    col('Status', 'string', 'The status of the node'),
    col('Roles', 'string', 'The roles of the node'),
    AGE,
    col('Version', 'string', 'Kubelet version reported by the node.'),
    col('Internal-IP', 'string', 'First InternalIP address of the node.', 1),
    col('External-IP', 'string', 'First ExternalIP address of the node.', 1),
    col('OS-Image', 'string', 'OS image reported by the node.', 1),
    col('Kernel-Version', 'string', 'Kernel version reported by the node.', 1),
    col('Container-Runtime', 'string', 'Container runtime version reported by the node.', 1),
  ],
  row(node, now) {
    const status: string[] = [];
    const readyCond = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (readyCond) status.push(readyCond.status === 'True' ? 'Ready' : 'NotReady');
    else status.push('Unknown');
    if (node.spec?.unschedulable) status.push('SchedulingDisabled');
    const info = node.status?.nodeInfo;
    const addr = (t: string): string => node.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';
    return {
      cells: [
        node.metadata.name,
        status.join(','),
        nodeRoles(node),
        age(node, now),
        info?.kubeletVersion ?? '',
        addr('InternalIP'),
        addr('ExternalIP'),
        info?.osImage || '<unknown>',
        info?.kernelVersion || '<unknown>',
        info?.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

// ---------------------------------------------------------------- services, endpoints, RCs

function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean))].sort();
      if (ext.length) return [...lb, ...ext].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

export function servicePortsString(svc: Service): string {
  const s = (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
  return s || '<none>';
}

export const servicePrinter: Printer<Service> = {
  columns: [
    NAME,
    col('Type', 'string', 'How the service is exposed.'),
    col('Cluster-IP', 'string', 'The IP address of the service inside the cluster.'),
    col('External-IP', 'string', 'External addresses of the service.'),
    col('Port(s)', 'string', 'The ports the service exposes.'),
    AGE,
    col('Selector', 'string', 'Labels of the pods the service routes to.', 1),
  ],
  row(svc, now) {
    const ip = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
    return {
      cells: [svc.metadata.name, svc.spec?.type ?? '', ip || '<none>', serviceExternalIP(svc), servicePortsString(svc), age(svc, now), formatLabels(svc.spec?.selector)],
    };
  },
};

/** The ENDPOINTS cell: up to three "ip:port" entries, then "+ N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ss.ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(a.ip, p.port));
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME, col('Endpoints', 'string', 'Addresses and ports of the ready endpoints.'), AGE],
  row: (ep, now) => ({ cells: [ep.metadata.name, formatEndpoints(ep), age(ep, now)] }),
};

export const rcPrinter: Printer<ReplicationController> = {
  columns: [
    NAME,
    col('Desired', 'integer', 'Number of desired replicas.'),
    col('Current', 'integer', 'Number of replicas observed.'),
    col('Ready', 'integer', 'Number of ready replicas.'),
    AGE,
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'Label query over the pods the controller manages.', 1),
  ],
  row(rc, now) {
    const containers = rc.spec?.template?.spec?.containers ?? [];
    return {
      cells: [
        rc.metadata.name,
        rc.spec?.replicas ?? 0,
        rc.status?.replicas ?? 0,
        rc.status?.readyReplicas ?? 0,
        age(rc, now),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image ?? '').join(','),
        formatLabels(rc.spec?.selector),
      ],
    };
  },
};

// ---------------------------------------------------------------- the rest

export const namespacePrinter: Printer<Namespace> = {
  columns: [NAME, col('Status', 'string', 'The status of the namespace'), AGE],
  row: (ns, now) => ({ cells: [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)] }),
};

function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

export const eventPrinter: Printer<Event> = {
  columns: [
    col('Last Seen', 'string', 'Time of the most recent occurrence.'),
    col('Type', 'string', 'Type of this event (Normal, Warning).'),
    col('Reason', 'string', 'Short, machine understandable reason for the event.'),
    col('Object', 'string', 'The object this event is about.'),
    col('Subobject', 'string', 'The part of the object this event is about.', 1),
    col('Source', 'string', 'The component reporting this event.', 1),
    col('Message', 'string', 'A human-readable description of the event.'),
    col('First Seen', 'string', 'Time of the first occurrence.', 1),
    col('Count', 'string', 'The number of times this event has occurred.', 1),
    col('Name', 'string', 'Name must be unique within a namespace.', 1, 'name'),
  ],
  row(ev, now) {
    let first = translateTimestampSince(ev.firstTimestamp, now);
    if (!ev.firstTimestamp) first = translateTimestampSince(ev.eventTime, now);
    let last = ev.lastTimestamp ? translateTimestampSince(ev.lastTimestamp, now) : first;
    let count = ev.count ?? 0;
    if (ev.series) {
      last = translateTimestampSince(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) count = 1;
    const io = ev.involvedObject ?? {};
    const kind = (io.kind ?? '').toLowerCase();
    const target = io.name ? `${kind}/${io.name}` : kind;
    return {
      cells: [last, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', eventSource(ev), (ev.message ?? '').trim(), first, count, ev.metadata.name],
    };
  },
};

export const configMapPrinter: Printer<ConfigMap> = {
  columns: [NAME, col('Data', 'string', 'Number of data entries.'), AGE],
  row(cm, now) {
    return { cells: [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)] };
  },
};

export const secretPrinter: Printer<Secret> = {
  columns: [NAME, col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'string', 'Number of data entries.'), AGE],
  row(s, now) {
    return { cells: [s.metadata.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)] };
  },
};

export const leasePrinter: Printer<Lease> = {
  columns: [NAME, col('Holder', 'string', 'Identity of the current holder of the lease.'), AGE],
  row: (lease, now) => ({ cells: [lease.metadata.name, lease.spec?.holderIdentity ?? '', age(lease, now)] }),
};

export const genericPrinter: Printer = {
  columns: [NAME, AGE],
  row: (o, now) => ({ cells: [o.metadata.name, age(o, now)] }),
};

/** A printer's column definitions (copies: callers may change them). */
export function printerColumns(printer: Printer): TableColumnDefinition[] {
  return printer.columns.map((c) => ({ ...c }));
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const meta = { ...obj.metadata };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
}

/** A Table of `objs` by `printer` (a single GET is a one-row table); api/kinds.ts picks the printer by kind. */
export function renderTable(printer: Printer, objs: KubeObject[], opts: TableOptions = {}): Table {
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = objs.map((o) => {
    const r = printer.row(o, now);
    const obj = rowObject(o, include);
    return { cells: r.cells, ...(r.conditions ? { conditions: r.conditions } : {}), ...(obj !== undefined ? { object: obj } : {}) };
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(opts.listMeta ?? {}) },
    columnDefinitions: opts.noHeaders ? [] : printerColumns(printer),
    rows,
  };
}

/** Parse ?includeObject=; throws on values Kubernetes rejects. */
export function parseIncludeObject(v: string | undefined): IncludeObject {
  if (v === undefined || v === '') return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw new Error(`includeObject: unsupported value ${JSON.stringify(v)}: supported values: "None", "Metadata", "Object"`);
}
