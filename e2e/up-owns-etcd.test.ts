// `up` owns its etcd (one isolated single-process cluster, its own names and ports):
// no local user but root reaches etcd (client certificates only the apiserver holds);
// a second `up` on a taken etcd port refuses to start and changes nothing of the first;
// `up` killed with kill -9 takes its etcd with it, and started again on the same data
// dir it is Ready with its running pod re-adopted (the same container, not restarted).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hyperkubeCommand, startIsolated, upArgs } from '../testing/isolated.js';
import { startUp } from '../testing/up.js';
import { eventually } from '../testing/wait.js';
import { freePort } from '../testing/etcd.js';
import { SERVER_NODE_FLAGS } from '../cmd/node-flags.js';


/** Runs a command; resolves with its exit code and output, never rejects. */
function sh(cmd: string, args: string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, out: stdout + stderr }));
  });
}

/** Gone, or a zombie its new parent has not reaped yet: either way it runs no more. */
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

function procs(dataDir: string): Record<string, { pid: number; start: number }> {
  return JSON.parse(readFileSync(join(dataDir, 'procs.json'), 'utf8')) as Record<string, { pid: number; start: number }>;
}

const POD = `
apiVersion: v1
kind: Pod
metadata: {name: kept}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}
`;

test('up owns its etcd: TLS only for the apiserver, taken ports refused, dies with up, restart re-adopts pods', { timeout: 300_000 }, async (t) => {
  const cl = await startIsolated('owns');
  const dataDir = cl.up.dataDir;
  const pki = join(dataDir, 'pki', 'etcd');
  const endpoint = `https://127.0.0.1:${cl.up.ports.etcdClient}`;
  try {
    await t.test('no local user but root reads or writes etcd', async () => {
      for (const key of ['ca.key', 'server.key', 'peer.key', 'apiserver-etcd-client.key']) {
        assert.equal(statSync(join(pki, key)).mode & 0o777, 0o600, `${key} is 0600`);
      }
      assert.equal(statSync(dataDir).mode & 0o077, 0, 'data dir closed to group and others');
      const certs = [`--cacert=${join(pki, 'ca.crt')}`, `--cert=${join(pki, 'apiserver-etcd-client.crt')}`, `--key=${join(pki, 'apiserver-etcd-client.key')}`];
      // Root with the apiserver's certificate: the control, proving the others could succeed.
      const root = await sh('etcdctl', [`--endpoints=${endpoint}`, ...certs, 'get', '--prefix', '--keys-only', '/registry/namespaces/']);
      assert.equal(root.code, 0, root.out);
      assert.match(root.out, /\/registry\/namespaces\/default/);
      const asNobody = (args: string[]) => sh('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', ...args]);
      // nobody: plain HTTP, TLS without a client certificate, and with the certificate paths it cannot read.
      for (const args of [
        ['etcdctl', '--dial-timeout=2s', '--command-timeout=3s', `--endpoints=http://127.0.0.1:${cl.up.ports.etcdClient}`, 'get', '--prefix', '/registry/secrets/'],
        ['etcdctl', '--dial-timeout=2s', '--command-timeout=3s', `--endpoints=${endpoint}`, '--insecure-skip-tls-verify', 'get', '--prefix', '/registry/secrets/'],
        ['etcdctl', '--dial-timeout=2s', '--command-timeout=3s', `--endpoints=${endpoint}`, '--insecure-skip-tls-verify', 'put', '/registry/secrets/default/evil', 'x'],
        ['etcdctl', '--dial-timeout=2s', '--command-timeout=3s', `--endpoints=${endpoint}`, ...certs, 'get', '--prefix', '/registry/'],
        ['cat', join(pki, 'apiserver-etcd-client.key')],
      ]) {
        const r = await asNobody(args);
        assert.notEqual(r.code, 0, `as nobody: ${args.join(' ')} must fail: ${r.out}`);
      }
      // The peer port speaks TLS with peer certificates only.
      const peer = await asNobody(['etcdctl', '--dial-timeout=2s', '--command-timeout=3s', `--endpoints=http://127.0.0.1:${cl.up.ports.etcdPeer}`, 'get', '/']);
      assert.notEqual(peer.code, 0, peer.out);
      const evil = await sh('etcdctl', [`--endpoints=${endpoint}`, ...certs, 'get', '/registry/secrets/default/evil']);
      assert.equal(evil.out.trim(), '', 'nothing written');
    });

    await t.test('a second up on a taken etcd port refuses to start and changes nothing of the first', async () => {
      const before = await cl.up.kubectl(['get', 'endpoints,nodes,namespaces', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}']);
      assert.equal(before.code, 0, before.stderr);
      const root = mkdtempSync(join(tmpdir(), 'tkt-owns2-'));
      try {
        for (const [flag, port, what] of [
          ['--etcd-client-port', cl.up.ports.etcdClient, 'etcd client port'],
          ['--etcd-peer-port', cl.up.ports.etcdPeer, 'etcd peer port'],
        ] as const) {
          const other = flag === '--etcd-client-port' ? `--etcd-peer-port=${cl.up.ports.etcdPeer + 1}` : `--etcd-client-port=${cl.up.ports.etcdClient + 1}`;
          const t0 = Date.now();
          const r = await sh(process.execPath, [...SERVER_NODE_FLAGS, ...hyperkubeCommand(), 'up', `--data-dir=${join(root, 'data')}`, '--port=0', `${flag}=${port}`, other, '--disable=proxy,kubelet,scheduler,controller-manager'], 60_000);
          assert.equal(r.code, 1, r.out);
          assert.ok(Date.now() - t0 < 30_000, 'refused promptly');
          const etcdPid = procs(dataDir).etcd.pid;
          assert.match(r.out, new RegExp(`${what} 127\\.0\\.0\\.1:${port} is already taken by pid ${etcdPid} \\(\\S*etcd `), r.out);
          assert.doesNotMatch(r.out, /^ready:/m);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      const after = await cl.up.kubectl(['get', 'endpoints,nodes,namespaces', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}']);
      assert.equal(after.stdout, before.stdout, 'the first cluster is unchanged');
    });

    await t.test('kill -9 of up: its etcd is gone within seconds; up again on the same data dir is Ready with the pod re-adopted', async () => {
      const made = await cl.up.kubectl(['apply', '-f', '-'], POD);
      assert.equal(made.code, 0, made.stderr);
      const id = await eventually('pod Running', async () => {
        const r = await cl.up.kubectl(['get', 'pod', 'kept', '-o', 'jsonpath={.status.containerStatuses[0].containerID} {.status.phase}']);
        const [cid, phase] = r.stdout.split(' ');
        return phase === 'Running' && cid ? cid : undefined;
      }, 90_000, 500);
      const old = procs(dataDir);
      assert.equal(old.up.pid, cl.up.child.pid);
      const t0 = Date.now();
      process.kill(cl.up.child.pid!, 'SIGKILL');
      await eventually('etcd gone with up', () => (dead(old.etcd.pid) ? true : undefined), 5_000, 50);
      t.diagnostic(`etcd gone ${Date.now() - t0} ms after kill -9 of up`);
      await cl.up.stop();
      // The same data dir and the same etcd ports: they are free again.
      cl.up = await startUp([...upArgs(cl.flags)], { dataDir, keepData: true, etcdPorts: { client: cl.up.ports.etcdClient, peer: cl.up.ports.etcdPeer } });
      await eventually('node Ready', async () => ((await cl.up.kubectl(['get', 'node', cl.flags.node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).stdout === 'True' ? true : undefined), 60_000, 500);
      const again = await eventually('pod Running again', async () => {
        const r = await cl.up.kubectl(['get', 'pod', 'kept', '-o', 'jsonpath={.status.containerStatuses[0].containerID} {.status.phase} {.status.containerStatuses[0].restartCount}']);
        const [cid, phase, restarts] = r.stdout.split(' ');
        return phase === 'Running' && cid ? { cid, restarts } : undefined;
      }, 60_000, 500);
      assert.equal(again.cid, id, 'the same container');
      assert.equal(again.restarts, '0', 'not restarted');
      assert.notEqual(procs(dataDir).etcd.pid, old.etcd.pid);
    });

    await t.test('SIGTERM while up waits for etcd and while it runs: it stops promptly, etcd with it', async () => {
      const root = mkdtempSync(join(tmpdir(), 'tkt-owns3-'));
      try {
        for (const when of [/etcd ready on/, /^ready: /m]) {
          // Free ports each time (not next to the cluster's: those may be anything's by now).
          const [client, peer] = [await freePort(), await freePort()];
          const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...hyperkubeCommand(), 'up', `--data-dir=${join(root, 'data')}`, '--port=0', `--etcd-client-port=${client}`, `--etcd-peer-port=${peer}`, '--disable=proxy,kubelet'], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (out += d));
          const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
          await eventually(`up printed ${when}`, () => (when.test(out) ? true : undefined), 60_000, 20).catch((err: Error) => {
            child.kill('SIGKILL');
            throw new Error(`${err.message}; up said:\n${out}`);
          });
          const etcdPid = procs(join(root, 'data')).etcd?.pid;
          const t0 = Date.now();
          child.kill('SIGTERM');
          const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 25_000))]);
          if (code === 'hung') child.kill('SIGKILL');
          assert.equal(code, 0, out);
          t.diagnostic(`SIGTERM after ${when}: exited in ${Date.now() - t0} ms`);
          if (etcdPid) await eventually('etcd stopped', () => (dead(etcdPid) ? true : undefined), 5_000, 50);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  } finally {
    await cl.teardown();
  }
});

