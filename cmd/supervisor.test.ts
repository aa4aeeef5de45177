// The supervisor with real processes (`sleep`): a killed child comes back after the
// back-off, a start that fails is retried with a longer one, stop() goes in reverse order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Supervisor, type Started, type Supervised } from './supervisor.js';
import { waitFor } from '../testing/wait.js';

function sleeper(name: string, events: string[], failNext = { n: 0 }): Supervised {
  return {
    name,
    start(): Promise<Started> {
      if (failNext.n > 0) {
        failNext.n--;
        events.push(`${name} start failed`);
        return Promise.reject(new Error(`${name}: refused`));
      }
      const child = spawn('sleep', ['30'], { stdio: 'ignore' });
      const exited = new Promise<string>((r) => child.once('exit', (code, sig) => r(sig ?? String(code))));
      events.push(`${name} started`);
      return Promise.resolve({
        pid: child.pid!,
        exited,
        async stop() {
          events.push(`${name} stopping`);
          child.kill('SIGTERM');
          await exited;
        },
      });
    },
  };
}

test('a killed child is restarted after the back-off; a failed restart is retried later; stop goes in reverse', async () => {
  const events: string[] = [];
  const logs: string[] = [];
  const pidFiles: Record<string, number>[] = [];
  const sup = new Supervisor({ log: (m) => logs.push(m), onPids: (p) => pidFiles.push(p), backoffInitialMs: 200, backoffMaxMs: 1000 });
  const failB = { n: 0 };
  try {
    const a = await sup.add(sleeper('a', events));
    const b = await sup.add(sleeper('b', events, failB));
    assert.deepEqual(sup.pids(), { a: a.pid, b: b.pid });
    assert.deepEqual(pidFiles.at(-1), { a: a.pid, b: b.pid });

    const t0 = Date.now();
    process.kill(a.pid, 'SIGKILL');
    await waitFor(() => !!sup.pids().a && sup.pids().a !== a.pid, 5000, 'a restarted');
    assert.ok(Date.now() - t0 >= 190, 'waited for the back-off');
    assert.ok(logs.some((l) => l === 'a exited (SIGKILL); restarting in 0.2s'), logs.join('\n'));
    assert.deepEqual(pidFiles.at(-1), sup.pids());

    // b's next start fails once: retried after a doubled delay.
    failB.n = 1;
    const t1 = Date.now();
    process.kill(b.pid, 'SIGKILL');
    await waitFor(() => !!sup.pids().b && sup.pids().b !== b.pid, 5000, 'b restarted');
    assert.ok(Date.now() - t1 >= 190 + 380, `two back-offs (${Date.now() - t1} ms)`);
    assert.ok(logs.some((l) => l === 'b exited (b: refused); restarting in 0.4s'), logs.join('\n'));
  } finally {
    events.length = 0;
    await sup.stop();
  }
  assert.deepEqual(events, ['b stopping', 'a stopping']);
  for (const pid of Object.values(sup.pids())) assert.throws(() => process.kill(pid, 0), 'stopped');
});

test('stop() during a back-off cancels the restart', async () => {
  const events: string[] = [];
  const sup = new Supervisor({ log: () => undefined, backoffInitialMs: 5000 });
  const a = await sup.add(sleeper('a', events));
  process.kill(a.pid, 'SIGKILL');
  await a.exited;
  const t0 = Date.now();
  await sup.stop();
  assert.ok(Date.now() - t0 < 2000, 'did not wait out the back-off');
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(events, ['a started'], 'never started again');
});
