// kubectl's streaming commands against a whole `hyperkube up` cluster: `kubectl port-forward`
// (SPDY/3.1 tunnelled in WebSocket, kubectl's default, and the plain SPDY upgrade it falls
// back to), `kubectl exec -it` with a real pty, and `kubectl cp` both ways. The relay is the
// real one: kubectl → apiserver → kubelet → shim → busybox in the pod.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { eventually } from '../testing/wait.js';

let cl: IsolatedCluster;
let work: string;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: pf
spec:
  containers:
  - name: web
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && dd if=/dev/urandom of=/www/big bs=1024 count=2048 2>/dev/null && exec httpd -f -p 8080 -h /www"]
`;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'tkt-pf-work-'));
  cl = await startIsolated('pf');
  const r = await cl.up.kubectl(['apply', '-f', '-'], POD);
  assert.equal(r.code, 0, r.stderr);
  await eventually('pod pf Running', async () => {
    const p = JSON.parse((await cl.up.kubectl(['get', 'pod', 'pf', '-o', 'json'])).stdout) as Pod;
    return p.status?.phase === 'Running' ? p : undefined;
  }, 90_000);
  // httpd has written its files once it answers through exec.
  await eventually('httpd serving', async () => {
    const x = await cl.up.kubectl(['exec', 'pf', '--', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
    return x.code === 0 && x.stdout.trim() === 'pf' ? true : undefined;
  }, 30_000);
});

after(async () => {
  rmSync(work, { recursive: true, force: true });
  await cl?.teardown();
});

function fetchLocal(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

interface Forwarder {
  child: ChildProcess;
  port: number;
  output(): string;
  stop(): Promise<void>;
}

/** `kubectl port-forward pod/pf 0:8080` as a child; resolves once it prints its local port. */
async function portForward(env: NodeJS.ProcessEnv = {}): Promise<Forwarder> {
  const child = spawn('/usr/bin/kubectl', ['--kubeconfig', cl.up.kubeconfig, '-v=6', 'port-forward', 'pod/pf', '0:8080'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const port = await eventually('port-forward listening', () => {
    if (child.exitCode !== null) throw new Error(`kubectl port-forward exited ${child.exitCode}: ${out}`);
    const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out);
    return m ? Number(m[1]) : undefined;
  }, 30_000, 100);
  return {
    child,
    port,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

async function exerciseForward(f: Forwarder): Promise<void> {
  try {
    await fetches(f);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- kubectl port-forward said:\n${f.output()}`, { cause: e });
  }
}

async function fetches(f: Forwarder): Promise<void> {
  // Several connections one after another, each a new pair of SPDY streams.
  for (let i = 0; i < 5; i++) {
    const r = await fetchLocal(f.port, '/');
    assert.equal(r.status, 200, f.output());
    assert.equal(r.body.toString().trim(), 'pf');
  }
  // Concurrent connections, one of them 2 MiB (more than any buffer on the way).
  const [a, b, big] = await Promise.all([fetchLocal(f.port, '/'), fetchLocal(f.port, '/'), fetchLocal(f.port, '/big')]);
  assert.equal(a.body.toString().trim(), 'pf');
  assert.equal(b.body.toString().trim(), 'pf');
  assert.equal(big.status, 200);
  assert.equal(big.body.length, 2048 * 1024);
  const inPod = await cl.up.kubectl(['exec', 'pf', '--', 'md5sum', '/www/big']);
  assert.equal(createHash('md5').update(big.body).digest('hex'), inPod.stdout.split(/\s+/)[0], 'the big file arrives intact');
  // A missing page is still an answer from httpd, through the same session.
  assert.equal((await fetchLocal(f.port, '/nope')).status, 404);
  assert.equal(f.child.exitCode, null, `port-forward still running: ${f.output()}`);
}

test('kubectl port-forward (SPDY tunnelled in WebSocket, the default)', async () => {
  const f = await portForward();
  try {
    await exerciseForward(f);
    assert.match(f.output(), /GET https:\/\/[^ ]+\/pods\/pf\/portforward 101 Switching Protocols/, 'went over WebSocket');
  } finally {
    await f.stop();
  }
});

test('kubectl port-forward over a plain SPDY upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', async () => {
  const f = await portForward({ KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
  try {
    await exerciseForward(f);
    assert.match(f.output(), /POST https:\/\/[^ ]+\/pods\/pf\/portforward 101 Switching Protocols/, 'went over SPDY');
  } finally {
    await f.stop();
  }
});

test('kubectl port-forward to a closed port gets the error on the error stream', async () => {
  const child = spawn('/usr/bin/kubectl', ['--kubeconfig', cl.up.kubeconfig, 'port-forward', 'pod/pf', '0:9'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const port = await eventually('listening', () => Number(/127\.0\.0\.1:(\d+) -> 9/.exec(out)?.[1]) || undefined, 30_000, 100);
    await fetchLocal(port, '/').then(
      () => assert.fail('a closed port cannot answer'),
      () => undefined,
    );
    // kubectl prints the kubelet's message from the error stream, then gives up the session.
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
    assert.equal(code, 1, out);
    assert.match(out, /error forwarding port 9 to pod default\/pf, uid [0-9a-f-]+: .*connect 127\.0\.0\.1:9: Connection refused/, out);
    assert.match(out, /lost connection to pod/, out);
  } finally {
    if (child.exitCode === null) {
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    }
  }
});

/** Runs kubectl under a pty (util-linux script), with the pty set to 40 rows × 100 columns. */
function underPty(kubectlArgs: string): Promise<{ code: number; out: string }> {
  const cmd = `stty rows 40 cols 100; /usr/bin/kubectl --kubeconfig ${cl.up.kubeconfig} ${kubectlArgs}`;
  return new Promise((resolve) => {
    const p = execFile('script', ['-qfec', cmd, '/dev/null'], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
    p.stdin!.end();
  });
}

test('kubectl exec -it gets a terminal of the client size', async () => {
  const r = await underPty(`exec -it pf -- sh -c 'tty; stty size; exit 3'`);
  assert.match(r.out, /\/dev\/pts\/\d+/, r.out);
  assert.match(r.out, /^40 100\r?$/m, r.out);
  assert.equal(r.code, 3, `exit code carried through: ${r.out}`);
});

test('kubectl cp into and out of the pod', async () => {
  const src = join(work, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true });
  const blob = randomBytes(300 * 1024);
  writeFileSync(join(src, 'blob.bin'), blob);
  writeFileSync(join(src, 'sub', 'note.txt'), 'hello from the host\n');
  const up = await cl.up.kubectl(['cp', src, 'pf:/tmp/in']);
  assert.equal(up.code, 0, up.stderr);
  const ls = await cl.up.kubectl(['exec', 'pf', '--', 'sh', '-c', 'wc -c < /tmp/in/blob.bin; cat /tmp/in/sub/note.txt']);
  assert.equal(ls.stdout, `${blob.length}\nhello from the host\n`);

  const back = join(work, 'back');
  const down = await cl.up.kubectl(['cp', 'pf:/tmp/in', back]);
  assert.equal(down.code, 0, down.stderr);
  assert.ok(readFileSync(join(back, 'blob.bin')).equals(blob), 'blob round-trips byte for byte');
  assert.equal(readFileSync(join(back, 'sub', 'note.txt'), 'utf8'), 'hello from the host\n');

  const one = await cl.up.kubectl(['cp', 'pf:/www/index.html', join(work, 'index.html')]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(readFileSync(join(work, 'index.html'), 'utf8').trim(), 'pf');
});
