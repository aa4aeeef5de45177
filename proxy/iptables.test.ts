// ExecIptables against the real kernel, inside a throwaway netns: restore,
// save, idempotent jumps, and removing every chain of a prefix with its jumps.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecIptables, detectBackend, savedChains, splitRule } from './iptables.js';
import { createNetns, removeNetns, uniqueName } from '../testing/proxy-netns.js';

const ns = uniqueName('tkpi');
const prefix = uniqueName('TKI').toUpperCase();
let ipt: ExecIptables;

before(async () => {
  await createNetns(ns);
  ipt = new ExecIptables({ netns: ns });
});
after(async () => {
  await removeNetns(ns);
});

test('backend is detected from iptables --version', async () => {
  assert.match(await detectBackend(), /^(nft|legacy)$/);
});

test('restore --noflush creates chains and rules; save shows them', async () => {
  await ipt.restore(
    [
      '*nat',
      `:${prefix}-SERVICES - [0:0]`,
      `:${prefix}-SVC-A - [0:0]`,
      `-A ${prefix}-SERVICES -m comment --comment "a b" -m tcp -p tcp -d 10.250.0.1 --dport 80 -j ${prefix}-SVC-A`,
      `-A ${prefix}-SVC-A -m statistic --mode random --probability 0.5000000000 -j RETURN`,
      'COMMIT',
      '',
    ].join('\n'),
    { noflush: true },
  );
  const saved = await ipt.save('nat');
  assert.ok(savedChains(saved).includes(`${prefix}-SVC-A`));
  assert.match(saved, new RegExp(`-A ${prefix}-SERVICES -d 10\\.250\\.0\\.1/32 -p tcp -m comment --comment "a b" -m tcp --dport 80 -j ${prefix}-SVC-A`));
  assert.match(saved, /--probability 0\.5/);
});

test('a bad batch fails with iptables-restore stderr and changes nothing', async () => {
  const before = await ipt.save('nat');
  await assert.rejects(
    ipt.restore(`*nat\n:${prefix}-SVC-B - [0:0]\n-A ${prefix}-SVC-B -j NO-SUCH-CHAIN-X\nCOMMIT\n`, { noflush: true }),
    /iptables-restore/,
  );
  const afterSave = await ipt.save('nat');
  assert.ok(!afterSave.includes(`${prefix}-SVC-B`));
  assert.equal(savedChains(afterSave).length, savedChains(before).length);
});

test('ensureJump inserts once, then finds it', async () => {
  const jump = { table: 'nat' as const, chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'test portals', '-j', `${prefix}-SERVICES`] };
  assert.equal(await ipt.ensureJump(jump), true);
  assert.equal(await ipt.ensureJump(jump), false);
  const rules = (await ipt.save('nat')).split('\n').filter((l) => l.startsWith('-A OUTPUT') && l.includes(`${prefix}-SERVICES`));
  assert.equal(rules.length, 1);
});

test('deleteChains removes our chains and the jumps into them, and nothing else', async () => {
  await ipt.restore('*nat\n:OTHER-KEEP - [0:0]\n-A OTHER-KEEP -j RETURN\nCOMMIT\n', { noflush: true });
  await ipt.ensureJump({ table: 'nat', chain: 'PREROUTING', args: ['-j', 'OTHER-KEEP'] });
  const removed = await ipt.deleteChains(prefix);
  assert.deepEqual(removed.sort(), [`${prefix}-SERVICES`, `${prefix}-SVC-A`]);
  const saved = await ipt.save('nat');
  assert.ok(!saved.includes(prefix), saved);
  assert.match(saved, /-A PREROUTING -j OTHER-KEEP/);
  assert.match(saved, /:OTHER-KEEP/);
  assert.deepEqual(await ipt.deleteChains(prefix), []);
});

test('splitRule honours quoted comments', () => {
  assert.deepEqual(splitRule('-A X -m comment --comment "a \\"b\\" c" -j Y'), ['-A', 'X', '-m', 'comment', '--comment', 'a "b" c', '-j', 'Y']);
});

test('random-fully support is detected (iptables >= 1.6.2 here)', async () => {
  assert.equal(await ipt.supportsRandomFully(), true);
});
