import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNetDev, parseNodeMemory, parseProcStatCpuNs } from './node-proc.js';

test('node CPU time from /proc/stat: busy jiffies (user nice system irq softirq steal) × 10 ms', () => {
  const cases: [string, number | undefined][] = [
    ['cpu  100 0 50 9999 7 0 0 0 0 0\ncpu0 1 2 3', 150 * 1e7],
    ['cpu  1 2 3 4 5 6 7 8 9 10\n', (1 + 2 + 3 + 6 + 7 + 8) * 1e7],
    ['cpu  10 0 0 0\n', 10 * 1e7], // old kernels: fewer columns
    ['intr 1 2\n', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseProcStatCpuNs(text), want, text);
});

test('node memory: usage = total − free, working set = usage − inactive file, available = total − working set', () => {
  const meminfo = 'MemTotal:       1000 kB\nMemFree:         300 kB\nMemAvailable:    600 kB\nInactive(file):  200 kB\nAnonPages:       150 kB\n';
  const m = parseNodeMemory(meminfo, 'pgfault 42\npgmajfault 3\n');
  assert.deepEqual(m, { capacityBytes: 1024000, usageBytes: 700 * 1024, workingSetBytes: 500 * 1024, availableBytes: 500 * 1024, rssBytes: 150 * 1024, pageFaults: 42, majorPageFaults: 3 });
  // More inactive file than usage cannot make a negative working set.
  assert.equal(parseNodeMemory('MemTotal: 100 kB\nMemFree: 90 kB\nInactive(file): 50 kB\n')?.workingSetBytes, 0);
  assert.equal(parseNodeMemory(''), undefined);
});

test('net/dev: counters per interface, loopback left out', () => {
  const text = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 500 5 0 0 0 0 0 0 500 5 0 0 0 0 0 0
  eth0: 1234 10 2 0 0 0 0 0 5678 20 3 0 0 0 0 0
`;
  assert.deepEqual(parseNetDev(text), [{ name: 'eth0', rxBytes: 1234, rxErrors: 2, txBytes: 5678, txErrors: 3 }]);
});
