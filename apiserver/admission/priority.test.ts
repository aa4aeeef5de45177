import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../api/core.js';
import type { Ingress, IngressClass } from '../../api/networking.js';
import type { PriorityClass } from '../../api/scheduling.js';
import { ApiError } from '../errors.js';
import { admitIngressClass, defaultIngressClassName } from './default-ingress-class.js';
import { admitPodPriority, checkSingleGlobalDefault, keepPodPriority } from './priority.js';

const pc = (name: string, value: number, o: Partial<PriorityClass> = {}): PriorityClass => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, preemptionPolicy: 'PreemptLowerPriority', ...o });
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd' }, spec: { containers: [], ...spec } });
const SYSTEM = [pc('system-node-critical', 2000001000), pc('system-cluster-critical', 2000000000)];

function forbidden(fn: () => void, message: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ApiError && err.code === 403 && err.message === message);
}

test('Priority: a named class gives its value and policy', () => {
  const p = pod({ priorityClassName: 'system-cluster-critical' });
  admitPodPriority(p, SYSTEM);
  assert.equal(p.spec?.priority, 2000000000);
  assert.equal(p.spec?.preemptionPolicy, 'PreemptLowerPriority');
});

test('Priority: no class and no default gives 0; the lowest global default wins otherwise', () => {
  const p = pod();
  admitPodPriority(p, SYSTEM);
  assert.equal(p.spec?.priority, 0);
  assert.equal(p.spec?.priorityClassName, undefined);
  assert.equal(p.spec?.preemptionPolicy, 'PreemptLowerPriority');
  const q = pod();
  admitPodPriority(q, [...SYSTEM, pc('b', 50, { globalDefault: true, preemptionPolicy: 'Never' }), pc('a', 10, { globalDefault: true, preemptionPolicy: 'Never' })]);
  assert.deepEqual([q.spec?.priorityClassName, q.spec?.priority, q.spec?.preemptionPolicy], ['a', 10, 'Never']);
});

test('Priority: unknown class and disagreeing priority or policy are 403s in upstream words', () => {
  forbidden(() => admitPodPriority(pod({ priorityClassName: 'gold' }), SYSTEM), 'pods "p" is forbidden: no PriorityClass with name gold was found');
  forbidden(
    () => admitPodPriority(pod({ priorityClassName: 'system-node-critical', priority: 5 }), SYSTEM),
    'pods "p" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 2000001000 from the given PriorityClass name',
  );
  forbidden(
    () => admitPodPriority(pod({ priorityClassName: 'system-node-critical', preemptionPolicy: 'Never' }), SYSTEM),
    'pods "p" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name',
  );
  const same = pod({ priorityClassName: 'system-node-critical', priority: 2000001000 });
  admitPodPriority(same, SYSTEM);
  assert.equal(same.spec?.priority, 2000001000);
});

test('Priority: an update keeps the stored priority', () => {
  const next = pod({ priority: 99, preemptionPolicy: 'Never' });
  keepPodPriority(next, pod({ priority: 7, preemptionPolicy: 'PreemptLowerPriority' }));
  assert.deepEqual([next.spec?.priority, next.spec?.preemptionPolicy], [7, 'PreemptLowerPriority']);
});

test('PriorityClass: only one global default', () => {
  const existing = [pc('low', 1, { globalDefault: true })];
  checkSingleGlobalDefault(pc('low', 1, { globalDefault: true }), existing, false); // updating the default itself
  checkSingleGlobalDefault(pc('other', 1), existing, true);
  forbidden(() => checkSingleGlobalDefault(pc('other', 2, { globalDefault: true }), existing, true), 'priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass low is already marked as default. Only one default can exist');
});

test('DefaultIngressClass: the newest default class, only for an Ingress naming none', () => {
  const ic = (name: string, created: string, isDefault?: string): IngressClass => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name, creationTimestamp: created, ...(isDefault !== undefined ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': isDefault } } : {}) },
    spec: { controller: 'a.io/c' },
  });
  const classes = [ic('old', '2026-01-01T00:00:00Z', 'true'), ic('new', '2026-02-01T00:00:00Z', 'true'), ic('newer', '2026-03-01T00:00:00Z', 'false'), ic('plain', '2026-04-01T00:00:00Z')];
  assert.equal(defaultIngressClassName(classes), 'new');
  assert.equal(defaultIngressClassName([ic('b', 't', 'true'), ic('a', 't', 'true')]), 'a');
  assert.equal(defaultIngressClassName([ic('x', 't', 'True')]), undefined);
  const ing = (spec: Ingress['spec'], annotations?: Record<string, string>): Ingress => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', ...(annotations ? { annotations } : {}) }, spec });
  const a = ing({});
  admitIngressClass(a, classes);
  assert.equal(a.spec?.ingressClassName, 'new');
  const b = ing({ ingressClassName: 'mine' });
  admitIngressClass(b, classes);
  assert.equal(b.spec?.ingressClassName, 'mine');
  const c = ing({}, { 'kubernetes.io/ingress.class': 'legacy' });
  admitIngressClass(c, classes);
  assert.equal(c.spec?.ingressClassName, undefined);
  const d = ing({});
  admitIngressClass(d, [ic('plain', 't')]);
  assert.equal(d.spec?.ingressClassName, undefined);
});
