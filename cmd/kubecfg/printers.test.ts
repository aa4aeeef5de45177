import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatColumns, humanAge, tableRows, type Table } from './printers.js';
import { describeObject } from './describe.js';

test('columns are laid out as kubectl lays them out', () => {
  const out = formatColumns([
    ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    ['nginx-676b6c5bbc-4ljkr', '1/1', 'Running', '0', '2m'],
  ]);
  assert.equal(out, 'NAME                     READY   STATUS    RESTARTS   AGE\nnginx-676b6c5bbc-4ljkr   1/1     Running   0          2m\n');
});

test('table: priority columns only with wide, NAMESPACE with -A, <none> for nulls', () => {
  const t: Table = {
    kind: 'Table',
    columnDefinitions: [
      { name: 'Name', priority: 0 },
      { name: 'Status', priority: 0 },
      { name: 'Node', priority: 1 },
    ],
    rows: [{ cells: ['web', 'Running', null], object: { metadata: { name: 'web', namespace: 'prod' } } }],
  };
  assert.deepEqual(tableRows(t), [['NAME', 'STATUS'], ['web', 'Running']]);
  assert.deepEqual(tableRows(t, { wide: true, withNamespace: true }), [['NAMESPACE', 'NAME', 'STATUS', 'NODE'], ['prod', 'web', 'Running', '<none>']]);
  assert.deepEqual(tableRows(t, { noHeaders: true }), [['web', 'Running']]);
});

test('ages', () => {
  const now = Date.parse('2026-01-10T00:00:00Z');
  const ago = (s: number): string => new Date(now - s * 1000).toISOString();
  assert.equal(humanAge(ago(45), now), '45s');
  assert.equal(humanAge(ago(5 * 60 + 3), now), '5m3s');
  assert.equal(humanAge(ago(3 * 3600), now), '3h');
  assert.equal(humanAge(ago(3 * 86400 + 4 * 3600), now), '3d4h');
  assert.equal(humanAge(undefined, now), '<unknown>');
});

test('describe: metadata first, nested fields indented, events table', () => {
  const text = describeObject(
    {
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web', tier: 'fe' }, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { nodeName: 'n1', containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running' },
    },
    [{ metadata: { name: 'e1' }, involvedObject: { name: 'web' }, type: 'Normal', reason: 'Scheduled', message: 'assigned to n1', source: { component: 'scheduler' }, lastTimestamp: '2026-01-01T00:00:10Z', count: 1 }],
    Date.parse('2026-01-01T00:01:10Z'),
  );
  const lines = text.split('\n');
  assert.equal(lines[0], 'Name:             web');
  assert.equal(lines[1], 'Namespace:        default');
  assert.equal(lines[2], 'Labels:           app=web');
  assert.equal(lines[3], '                  tier=fe');
  assert.ok(lines.some((l) => /^  Node Name:\s+n1$/.test(l)), text);
  assert.ok(lines.some((l) => l === '    nginx:'), text);
  assert.ok(lines.some((l) => /^      Image:\s+nginx:1$/.test(l)), text);
  assert.ok(lines.some((l) => /^  Phase:\s+Running$/.test(l)), text);
  const ev = lines.indexOf('Events:');
  assert.ok(ev > 0);
  assert.match(lines[ev + 1], /^ {2}Type\s+Reason\s+Age\s+From\s+Message$/);
  assert.match(lines[ev + 3], /^ {2}Normal\s+Scheduled\s+60s\s+scheduler\s+assigned to n1$/);
  assert.match(describeObject({ metadata: { name: 'x' } }, []), /Events:  <none>/);
});
