import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IPAM } from './ipam.js';
import { parseCIDR, gatewayOf, podRange, numberToIP } from './cidr.js';

const work = mkdtempSync(join(tmpdir(), 'tkt-ipam-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('cidr arithmetic', () => {
  const n = parseCIDR('10.244.7.0/24');
  assert.equal(gatewayOf(n), '10.244.7.1');
  const r = podRange(n);
  assert.equal(numberToIP(r.first), '10.244.7.2');
  assert.equal(numberToIP(r.last), '10.244.7.254');
  assert.throws(() => parseCIDR('10.244.7.5/24'), /host bits/);
  assert.throws(() => parseCIDR('10.244.7.0/31'), /prefix length/);
});

test('never hands out an address twice, across instances and concurrent callers', async () => {
  const dir = join(work, 'a');
  const a = new IPAM('10.244.9.0/24', dir);
  const b = new IPAM('10.244.9.0/24', dir);
  const owners = Array.from({ length: 120 }, (_, i) => `pod-${i}`);
  const ips = await Promise.all(owners.map((o, i) => (i % 2 ? a : b).allocate(o)));
  assert.equal(new Set(ips).size, ips.length, 'all distinct');
  for (const ip of ips) {
    assert.match(ip, /^10\.244\.9\.\d+$/);
    assert.ok(!['10.244.9.0', '10.244.9.1', '10.244.9.255'].includes(ip), `reserved ${ip} handed out`);
  }
  // Survives a "restart": a fresh instance sees the same allocations and is idempotent per owner.
  const c = new IPAM('10.244.9.0/24', dir);
  assert.equal(await c.allocate('pod-7'), ips[7]);
  const fresh = await c.allocate('newcomer');
  assert.ok(!ips.includes(fresh));
  assert.equal((await c.allocations()).size, 121);
});

test('exhaustion, release and round-robin reuse', async () => {
  const ipam = new IPAM('10.244.10.0/29', join(work, 'b')); // hosts .1-.6; .1 is the gateway
  const got = [];
  for (let i = 0; i < 5; i++) got.push(await ipam.allocate(`p${i}`));
  assert.deepEqual(got, ['10.244.10.2', '10.244.10.3', '10.244.10.4', '10.244.10.5', '10.244.10.6']);
  await assert.rejects(ipam.allocate('one-too-many'), /no free address/);
  await ipam.release('p1');
  assert.equal(await ipam.lookup('p1'), undefined);
  assert.equal(await ipam.allocate('again'), '10.244.10.3');
  await ipam.release('p3');
  await ipam.release('p0');
  // Continues after the last reserved address (.3), so .5 comes before .2.
  assert.equal(await ipam.allocate('next'), '10.244.10.5');
});

test('release with the known address frees only that owner’s; a wrong hint falls back to a scan', async () => {
  const ipam = new IPAM('10.244.11.0/24', join(work, 'hint'));
  const [x, y] = [await ipam.allocate('x'), await ipam.allocate('y')];
  await ipam.release('x', y); // wrong hint: y's address is kept, x's found by scanning
  assert.deepEqual([...(await ipam.allocations())], [[y, 'y']]);
  await ipam.release('y', y);
  assert.equal((await ipam.allocations()).size, 0);
  assert.notEqual(x, y);
});

test('fresh owners skip the lookup: distinct addresses, concurrently, and a release without a hint frees all of an owner’s', async () => {
  const ipam = new IPAM('10.244.12.0/24', join(work, 'fresh'));
  const owners = Array.from({ length: 40 }, (_, i) => `sb-${i}`);
  const ips = await Promise.all(owners.map((o) => ipam.allocate(o, { fresh: true })));
  assert.equal(new Set(ips).size, ips.length, 'all distinct');
  for (const [i, o] of owners.entries()) assert.equal(await ipam.lookup(o), ips[i]);
  // Without `fresh` an owner gets its address back; with it the lookup is not made, so a caller
  // that was wrong about freshness gets a second one (which a hintless release still frees).
  assert.equal(await ipam.allocate('sb-3'), ips[3]);
  const second = await ipam.allocate('sb-3', { fresh: true });
  assert.notEqual(second, ips[3]);
  await ipam.release('sb-3');
  assert.equal(await ipam.lookup('sb-3'), undefined);
  assert.equal((await ipam.allocations()).size, 39);
});
