import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CronJob, Job } from './batch.js';
import type { PersistentVolume, PersistentVolumeClaim } from './core.js';
import { generateJobSelector } from './defaults-batch.js';
import { applyDefaults, validate, validateStatusUpdate } from './kinds.js';
import type { KubeObject, StatusCause } from './meta.js';
import type { StorageClass } from './storage.js';

type Obj = PersistentVolume | PersistentVolumeClaim | StorageClass | Job | CronJob;
const ko = (o: Obj): KubeObject => o as unknown as KubeObject;

function pvc(mut?: (p: PersistentVolumeClaim) => void): PersistentVolumeClaim {
  const p: PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };
  mut?.(p);
  applyDefaults('PersistentVolumeClaim', ko(p));
  return p;
}

function pv(mut?: (p: PersistentVolume) => void): PersistentVolume {
  const p: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv1' },
    spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/pv1' } },
  };
  mut?.(p);
  applyDefaults('PersistentVolume', ko(p));
  return p;
}

function sc(mut?: (s: StorageClass) => void): StorageClass {
  const s: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, provisioner: 'rancher.io/local-path' };
  mut?.(s);
  applyDefaults('StorageClass', ko(s));
  return s;
}

const fmt = (errs: StatusCause[]) => JSON.stringify(errs.map((e) => `${e.reason} ${e.field}: ${e.message}`), null, 1);
function expectOnly(errs: StatusCause[], want: [string, string, string?][], what: string): void {
  for (const [reason, field, msg] of want) {
    assert.ok(
      errs.some((e) => e.reason === reason && e.field === field && (msg === undefined || e.message === msg)),
      `${what}: expected ${reason} at ${field}${msg ? ` "${msg}"` : ''}, got ${fmt(errs)}`,
    );
  }
  if (want.length === 0) assert.deepEqual(errs, [], `${what}: ${fmt(errs)}`);
}

test('defaults of the storage kinds', () => {
  const c = pvc();
  assert.equal(c.spec!.volumeMode, 'Filesystem');
  assert.equal(c.status!.phase, 'Pending');
  const v = pv();
  assert.equal(v.spec!.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(v.spec!.volumeMode, 'Filesystem');
  assert.equal(v.spec!.hostPath!.type, '');
  assert.equal(v.status!.phase, 'Pending');
  const s = sc();
  assert.equal(s.reclaimPolicy, 'Delete');
  assert.equal(s.volumeBindingMode, 'Immediate');
  // Set values stay.
  assert.equal(sc((x) => (x.reclaimPolicy = 'Retain')).reclaimPolicy, 'Retain');
  assert.equal(pvc((x) => (x.spec!.volumeMode = 'Block')).spec!.volumeMode, 'Block');
});

test('PersistentVolumeClaim validation', () => {
  const cases: [string, (p: PersistentVolumeClaim) => void, [string, string, string?][]][] = [
    ['valid', () => undefined, []],
    ['no access modes', (p) => delete p.spec!.accessModes, [['FieldValueRequired', 'spec.accessModes', 'Required value: at least 1 access mode is required']]],
    ['bad access mode', (p) => Object.assign(p.spec!, { accessModes: ['ReadWriteSometimes'] }), [['FieldValueNotSupported', 'spec.accessModes', 'Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"']]],
    ['RWOP with others', (p) => (p.spec!.accessModes = ['ReadWriteOncePod', 'ReadWriteOnce']), [['FieldValueForbidden', 'spec.accessModes', 'Forbidden: may not use ReadWriteOncePod with other access modes']]],
    ['no storage request', (p) => (p.spec!.resources = {}), [['FieldValueRequired', 'spec.resources[storage]', 'Required value']]],
    ['zero storage', (p) => (p.spec!.resources = { requests: { storage: '0' } }), [['FieldValueInvalid', 'spec.resources[storage]', 'Invalid value: "0": must be greater than zero']]],
    ['bad class name', (p) => (p.spec!.storageClassName = 'Bad_Class'), [['FieldValueInvalid', 'spec.storageClassName']]],
    ['bad volume mode', (p) => Object.assign(p.spec!, { volumeMode: 'Tape' }), [['FieldValueNotSupported', 'spec.volumeMode', 'Unsupported value: "Tape": supported values: "Block", "Filesystem"']]],
    ['bad selector', (p) => (p.spec!.selector = { matchExpressions: [{ key: 'a', operator: 'In' }] }), [['FieldValueRequired', 'spec.selector.matchExpressions[0].values']]],
  ];
  for (const [name, mut, want] of cases) expectOnly(validate('PersistentVolumeClaim', ko(pvc(mut))), want, name);
});

test('PersistentVolumeClaim update: immutable spec, binding once, expansion of bound claims', () => {
  const old = pvc();
  const upd = (mut: (p: PersistentVolumeClaim) => void, from = old) => {
    const p = structuredClone(from);
    mut(p);
    return validate('PersistentVolumeClaim', ko(p), ko(from));
  };
  expectOnly(upd((p) => (p.spec!.volumeName = 'pv1')), [], 'binding sets volumeName');
  const bound = pvc((p) => (p.spec!.volumeName = 'pv1'));
  bound.status = { phase: 'Bound' };
  expectOnly(upd((p) => (p.spec!.volumeName = 'pv2'), bound), [['FieldValueForbidden', 'spec']], 'rebinding');
  expectOnly(upd((p) => (p.spec!.resources!.requests!.storage = '2Gi'), bound), [], 'a bound claim grows');
  expectOnly(upd((p) => (p.spec!.resources!.requests!.storage = '2Gi')), [['FieldValueForbidden', 'spec', 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims']], 'a pending claim does not');
  expectOnly(upd((p) => (p.spec!.resources!.requests!.storage = '512Mi'), bound), [['FieldValueForbidden', 'spec.resources.requests.storage', 'Forbidden: field can not be less than previous value']], 'shrink');
  expectOnly(upd((p) => (p.spec!.accessModes = ['ReadWriteMany'])), [['FieldValueForbidden', 'spec']], 'access modes');
  // Status writes.
  const st = structuredClone(old);
  st.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] };
  expectOnly(validateStatusUpdate('PersistentVolumeClaim', ko(st), ko(old)), [], 'status');
  Object.assign(st.status, { phase: 'Sideways' });
  expectOnly(validateStatusUpdate('PersistentVolumeClaim', ko(st), ko(old)), [['FieldValueNotSupported', 'status.phase']], 'bad phase');
});

test('PersistentVolume validation', () => {
  const cases: [string, (p: PersistentVolume) => void, [string, string, string?][]][] = [
    ['valid', () => undefined, []],
    ['local with affinity', (p) => Object.assign(p.spec!, { hostPath: undefined, local: { path: '/mnt/disk' }, nodeAffinity: { required: { nodeSelectorTerms: [] } } }), []],
    ['no capacity', (p) => delete p.spec!.capacity, [['FieldValueRequired', 'spec.capacity']]],
    ['capacity other than storage', (p) => (p.spec!.capacity = { storage: '1Gi', cpu: '1' }), [['FieldValueNotSupported', 'spec.capacity']]],
    ['no access modes', (p) => (p.spec!.accessModes = []), [['FieldValueRequired', 'spec.accessModes']]],
    ['no source', (p) => delete p.spec!.hostPath, [['FieldValueRequired', 'spec', 'Required value: must specify a volume type']]],
    ['two sources', (p) => Object.assign(p.spec!, { local: { path: '/mnt' }, nodeAffinity: { required: { nodeSelectorTerms: [] } } }), [['FieldValueForbidden', 'spec.local', 'Forbidden: may not specify more than 1 volume type']]],
    ['local without affinity', (p) => Object.assign(p.spec!, { hostPath: undefined, local: { path: '/mnt/disk' } }), [['FieldValueRequired', 'spec.nodeAffinity', 'Required value: Local volume requires node affinity']]],
    ['hostPath with ..', (p) => (p.spec!.hostPath = { path: '/srv/../etc' }), [['FieldValueInvalid', 'spec.hostPath.path']]],
    ['bad reclaim policy', (p) => Object.assign(p.spec!, { persistentVolumeReclaimPolicy: 'Shred' }), [['FieldValueNotSupported', 'spec.persistentVolumeReclaimPolicy', 'Unsupported value: "Shred": supported values: "Delete", "Recycle", "Retain"']]],
  ];
  for (const [name, mut, want] of cases) expectOnly(validate('PersistentVolume', ko(pv(mut))), want, name);
  const old = pv();
  const moved = structuredClone(old);
  moved.spec!.hostPath = { path: '/srv/other', type: '' };
  expectOnly(validate('PersistentVolume', ko(moved), ko(old)), [['FieldValueForbidden', 'spec.persistentvolumesource', 'Forbidden: spec.persistentvolumesource is immutable after creation']], 'source change');
  const claimed = structuredClone(old);
  claimed.spec!.claimRef = { namespace: 'default', name: 'data' };
  expectOnly(validate('PersistentVolume', ko(claimed), ko(old)), [], 'claimRef may be set');
});

test('StorageClass validation', () => {
  const cases: [string, (s: StorageClass) => void, [string, string, string?][]][] = [
    ['valid', () => undefined, []],
    ['no provisioner', (s) => (s.provisioner = ''), [['FieldValueRequired', 'provisioner', 'Required value']]],
    ['bad provisioner', (s) => (s.provisioner = 'not a name!'), [['FieldValueInvalid', 'provisioner']]],
    ['bad reclaim policy', (s) => Object.assign(s, { reclaimPolicy: 'Recycle' }), [['FieldValueNotSupported', 'reclaimPolicy', 'Unsupported value: "Recycle": supported values: "Delete", "Retain"']]],
    ['bad binding mode', (s) => Object.assign(s, { volumeBindingMode: 'Later' }), [['FieldValueNotSupported', 'volumeBindingMode']]],
    ['empty topology term', (s) => (s.allowedTopologies = [{}]), [['FieldValueRequired', 'allowedTopologies[0].matchLabelExpressions']]],
  ];
  for (const [name, mut, want] of cases) expectOnly(validate('StorageClass', ko(sc(mut))), want, name);
  const old = sc((s) => (s.parameters = { a: '1' }));
  const upd = (mut: (s: StorageClass) => void) => {
    const s = structuredClone(old);
    mut(s);
    return validate('StorageClass', ko(s), ko(old));
  };
  expectOnly(upd((s) => (s.allowVolumeExpansion = true)), [], 'allowVolumeExpansion is mutable');
  expectOnly(upd((s) => (s.parameters = { a: '2' })), [['FieldValueForbidden', 'parameters', 'Forbidden: updates to parameters are forbidden.']], 'parameters');
  expectOnly(upd((s) => (s.provisioner = 'example.com/x')), [['FieldValueForbidden', 'provisioner', 'Forbidden: updates to provisioner are forbidden.']], 'provisioner');
  expectOnly(upd((s) => (s.reclaimPolicy = 'Retain')), [['FieldValueForbidden', 'reclaimPolicy', 'Forbidden: updates to reclaimPolicy are forbidden.']], 'reclaimPolicy');
  expectOnly(upd((s) => (s.volumeBindingMode = 'WaitForFirstConsumer')), [['FieldValueInvalid', 'volumeBindingMode', 'Invalid value: "WaitForFirstConsumer": field is immutable']], 'volumeBindingMode');
});

/** The path of every sub-value of `obj`. */
function* mutations(obj: unknown, path: (string | number)[] = []): Generator<(string | number)[]> {
  if (obj === null || typeof obj !== 'object') return;
  for (const k of Object.keys(obj)) {
    const p = [...path, Array.isArray(obj) ? Number(k) : k];
    yield p;
    yield* mutations((obj as Record<string, unknown>)[k], p);
  }
}

test('null, empty and odd values anywhere never throw', () => {
  const job: Job = {
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default', uid: 'u' },
    spec: {
      selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] },
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'X' }] }] },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } },
    },
    status: { conditions: [{ type: 'Complete', status: 'True' }] },
  };
  const cj: CronJob = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'default' }, spec: { schedule: '* * * * *', timeZone: 'UTC', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: structuredClone(job.spec) } }, status: { active: [{ name: 'x' }] } };
  const samples: [string, Obj][] = [
    ['Job', job],
    ['CronJob', cj],
    ['PersistentVolumeClaim', pvc((p) => Object.assign(p.spec!, { selector: { matchLabels: { a: 'b' } }, dataSource: { kind: 'PersistentVolumeClaim', name: 'x' } }))],
    ['PersistentVolume', pv((p) => Object.assign(p.spec!, { claimRef: { name: 'x' }, nodeAffinity: { required: { nodeSelectorTerms: [] } } }))],
    ['StorageClass', sc((s) => Object.assign(s, { parameters: { a: 'b' }, allowedTopologies: [{ matchLabelExpressions: [{ key: 'k', values: ['v'] }] }] }))],
  ];
  // The decoder has already refused wrong JSON types (api/structure.ts); what gets here is null or a value of the right type.
  const oddOfSameType = (v: unknown): unknown[] =>
    Array.isArray(v) ? [null, []] : typeof v === 'object' && v !== null ? [null, {}] : typeof v === 'string' ? [null, '', 'x'.repeat(300)] : typeof v === 'number' ? [null, 0, -1, 2147483647] : [null];
  for (const [kind, base] of samples) {
    for (const path of mutations(base)) {
      if (path[0] === 'metadata' || path[0] === 'kind' || path[0] === 'apiVersion') continue;
      // Inside a pod template the pod's own rules run (api/validation-pod.ts, tested with pods).
      const t = path.indexOf('template');
      if (t >= 0 && path[t + 1] === 'spec') continue;
      let orig: unknown = base;
      for (const k of path) orig = (orig as Record<string, unknown>)[k];
      for (const v of oddOfSameType(orig)) {
        const o = structuredClone(base) as unknown as Record<string, unknown>;
        let cur = o;
        for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
        cur[path[path.length - 1]] = v;
        const what = `${kind} ${path.join('.')} = ${JSON.stringify(v)}`;
        assert.doesNotThrow(() => {
          applyDefaults(kind, o as KubeObject);
          if (kind === 'Job') generateJobSelector(o as unknown as Job);
          validate(kind, o as KubeObject);
          validate(kind, o as KubeObject, ko(base));
          validateStatusUpdate(kind, o as KubeObject, ko(base));
        }, what);
      }
    }
  }
});
