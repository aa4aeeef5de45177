import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseLabelSelector, labelSelectorMatcher, selectorFromSet, formatLabels, parseFieldSelector,
  checkFieldSelector, objectFields, fieldSelectorPredicate, labelSelectorPredicate, SelectorError, escapeFieldValue,
} from './selectors.js';

test('label selector matching (table)', () => {
  const labels = { app: 'web', tier: 'front', version: '3', empty: '' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['app in (web,db)', true],
    ['app in (db)', false],
    ['app notin (db)', true],
    ['app notin (web)', false],
    ['missing notin (web)', true],
    ['missing in (web)', false],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['app=web, tier in (front, back), !missing', true],
    ['version>2', true],
    ['version<3', false],
    ['empty=', true],
    ['empty in (a,)', true],
    ['example.com/role', false],
  ];
  for (const [sel, want] of cases) assert.equal(parseLabelSelector(sel).matches(labels), want, sel);
});

test('label selector parse errors', () => {
  const cases: [string, RegExp][] = [
    ['app=web,', /expected: !, identifier/],
    ['=web', /found '=', expected: !, identifier, or 'end of string'/],
    ['app in web', /expected: '\('/],
    ['app in ()', /values set can't be empty/],
    ['app web', /found 'web', expected: in, notin, =, ==, !=, gt, lt/], ['app=a b', /found 'b', expected: ',' or 'end of string'/],
    ['!', /expected: identifier after '!'/],
    ['app>x', /must be an integer/],
    ['a/b/c=d', /qualified name/],
    ['app=-bad', /a valid label must be an empty string/],
    ['app=(x)', /found '\(', expected: identifier/],
    ['app in (a b)', /expected: ',' or '\)'/],
  ];
  for (const [sel, re] of cases) {
    assert.throws(() => parseLabelSelector(sel), (e: unknown) => e instanceof SelectorError && re.test((e).message), sel);
  }
});

test('label selector canonical string', () => {
  assert.equal(parseLabelSelector('tier in (b,a),app=web,!x').toString(), 'app=web,tier in (a,b),!x');
  assert.equal(selectorFromSet({ b: '2', a: '1' }).toString(), 'a=1,b=2');
  assert.equal(formatLabels({ b: '2', a: '1' }), 'a=1,b=2');
  assert.equal(formatLabels({}), '<none>');
});

test('structured LabelSelector', () => {
  const m = labelSelectorMatcher({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }] });
  assert.equal(m.matches({ app: 'web', tier: 'a' }), true);
  assert.equal(m.matches({ app: 'web', tier: 'c' }), false);
  assert.equal(m.matches({ app: 'web', tier: 'a', x: '1' }), false);
  assert.equal(labelSelectorMatcher({}).matches({ any: 'thing' }), true);
  assert.equal(labelSelectorMatcher(undefined).matches({ any: 'thing' }), false);
  assert.throws(() => labelSelectorMatcher({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), SelectorError);
  assert.throws(() => labelSelectorMatcher({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), SelectorError);
  assert.equal(selectorFromSet({}).matches({ a: 'b' }), true);
  assert.equal(selectorFromSet({ a: 'b' }).matches(undefined), false);
});

test('field selectors', () => {
  const pod = {
    metadata: { name: 'p1', namespace: 'default' },
    spec: { nodeName: 'node-1', hostNetwork: false },
    status: { phase: 'Running', podIP: '10.244.0.5', podIPs: [{ ip: '10.244.0.5' }] },
  };
  const f = objectFields('Pod', pod);
  assert.equal(f['spec.nodeName'], 'node-1');
  assert.equal(f['spec.hostNetwork'], 'false');
  assert.equal(f['status.podIPs'], '10.244.0.5');
  const cases: [string, boolean][] = [
    ['', true],
    ['metadata.name=p1', true],
    ['metadata.name==p1', true],
    ['metadata.name!=p1', false],
    ['spec.nodeName=node-1,status.phase=Running', true],
    ['spec.nodeName=', false],
    ['spec.nodeName!=', true],
    ['status.phase!=Succeeded,status.phase!=Failed', true],
    ['metadata.namespace=kube-system', false],
  ];
  for (const [sel, want] of cases) assert.equal(fieldSelectorPredicate('Pod', sel)(pod), want, sel);
  const unbound = { metadata: { name: 'p2', namespace: 'default' }, spec: {} };
  assert.equal(fieldSelectorPredicate('Pod', 'spec.nodeName=')(unbound), true);
});

test('field selector errors and per-kind support', () => {
  assert.throws(() => fieldSelectorPredicate('Pod', 'foo=bar'), { message: 'field label not supported: foo' });
  assert.throws(() => fieldSelectorPredicate('ConfigMap', 'spec.nodeName=x'), { message: 'field label not supported: spec.nodeName' });
  assert.throws(() => parseFieldSelector('metadata.name'), /can't understand 'metadata.name'/);
  checkFieldSelector('Secret', parseFieldSelector('type=Opaque'));
  const ev = { metadata: { name: 'e', namespace: 'd' }, involvedObject: { kind: 'Pod', name: 'p', uid: 'u' }, reason: 'Started', type: 'Normal', source: { component: 'kubelet' } };
  assert.equal(fieldSelectorPredicate('Event', 'involvedObject.kind=Pod,involvedObject.name=p,reason=Started,source=kubelet')(ev), true);
  assert.equal(fieldSelectorPredicate('Event', 'type=Warning')(ev), false);
  const node = { metadata: { name: 'n' }, spec: {} };
  assert.equal(fieldSelectorPredicate('Node', 'spec.unschedulable=false')(node), true);
});

test('field selector escaping and exact-match lookup', () => {
  const sel = parseFieldSelector(`metadata.name=${escapeFieldValue('a,b=c')},spec.nodeName==n1`);
  assert.equal(sel.requirements[0].value, 'a,b=c');
  assert.equal(sel.requiresExactMatch('spec.nodeName'), 'n1');
  assert.equal(sel.requiresExactMatch('status.phase'), undefined);
  assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c,spec.nodeName==n1');
  assert.throws(() => parseFieldSelector('metadata.name=a\\x'), SelectorError);
});

test('labelSelectorPredicate over objects', () => {
  const p = labelSelectorPredicate('app=web');
  assert.equal(p({ metadata: { labels: { app: 'web' } } }), true);
  assert.equal(p({ metadata: {} }), false);
});
