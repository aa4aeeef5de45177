// What a pod cannot reach on its node, on a whole isolated `hyperkube up` cluster.
// 1. Loopback-only services: with route_localnet=1 (NodePorts on 127.0.0.1) an
//    unprivileged pod with the default NET_RAW can put a SYN for 127.0.0.1 in a
//    frame addressed to its gateway's MAC (CVE-2020-8558). The probe (testing/syn-probe.c,
//    static, from a hostPath volume) must get no SYN-ACK from etcd, the apiserver or the
//    kubelet's healthz, while a NodePort on 127.0.0.1 still answers the host.
// 2. The kubelet's API: HTTPS on the node IP only, client certificates only; the pod and
//    anyone without the apiserver's certificate are refused, and kubectl logs/exec through
//    the apiserver still work.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Node, Pod, Service } from '../api/core.js';
import { startIsolated, type IsolatedCluster } from '../testing/isolated.js';
import { buildSynProbe, probeResult, type ProbeResult } from '../testing/syn-probe.js';
import { eventually } from '../testing/wait.js';

const run = promisify(execFile);
let cl: IsolatedCluster;
let work: string;
let mac: string;
let gateway: string;
const ports: Record<'etcd' | 'apiserver' | 'kubelet-healthz', number> = { etcd: 0, apiserver: 0, 'kubelet-healthz': 0 };
let nodeIP: string;
let kubeletPort: number;

const pod = (dir: string) => `apiVersion: v1
kind: Pod
metadata:
  name: prober
  labels: { app: prober }
spec:
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /www && echo hello-nodeport > /www/index.html && httpd -p 8080 -h /www && echo started && exec sleep 3600"]
    volumeMounts: [{ name: probe, mountPath: /probe, readOnly: true }]
  volumes:
  - name: probe
    hostPath: { path: ${dir}, type: Directory }
---
apiVersion: v1
kind: Service
metadata:
  name: prober
spec:
  type: NodePort
  selector: { app: prober }
  ports: [{ port: 80, targetPort: 8080 }]
`;

const kubectl = async (args: string[], input?: string) => {
  const r = await cl.up.kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

async function probeFromPod(port: number): Promise<ProbeResult> {
  // First any ordinary packet to the gateway (a refused TCP connect will do), so the node has
  // the pod's MAC: its SYN-ACK from 127.0.0.1 cannot resolve it (an ARP from a loopback
  // source is ignored), as an attacker's earlier traffic would have it.
  const prime = `timeout 2 wget -q -O /dev/null http://${gateway}:1/ 2>/dev/null`;
  const r = await cl.up.kubectl(['exec', 'prober', '--', 'sh', '-c', `${prime}; exec /probe/syn-probe eth0 ${mac} 127.0.0.1 ${port} 2000`]);
  return probeResult(r.stdout, r.stderr);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'tkt-nodeiso-'));
  chmodSync(work, 0o755);
  await buildSynProbe(work);
  cl = await startIsolated('nodeiso');
  const args = cl.up.child.spawnargs;
  ports.etcd = Number(args.find((a) => a.startsWith('--etcd-client-port='))!.split('=')[1]);
  ports.apiserver = Number(args.find((a) => a.startsWith('--port='))!.split('=')[1]);
  ports['kubelet-healthz'] = Number(/kubelet: healthz on http:\/\/127\.0\.0\.1:(\d+)\/healthz/.exec(cl.up.output())![1]);
  await kubectl(['apply', '-f', '-'], pod(work));
  await eventually('pod prober Running', async () => {
    const p = JSON.parse(await kubectl(['get', 'pod', 'prober', '-o', 'json'])) as Pod;
    return p.status?.phase === 'Running' ? p : undefined;
  }, 90_000);
  mac = /link\/ether (\S+)/.exec((await run('ip', ['-o', 'link', 'show', cl.flags.bridge])).stdout)![1]!;
  gateway = /inet (\S+)\//.exec((await run('ip', ['-o', '-4', 'addr', 'show', cl.flags.bridge])).stdout)![1]!;
  const node = JSON.parse(await kubectl(['get', 'node', cl.flags.node, '-o', 'json'])) as Node;
  nodeIP = node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;
  kubeletPort = node.status!.daemonEndpoints!.kubeletEndpoint!.Port;
});

after(async () => {
  await cl?.teardown();
  rmSync(work, { recursive: true, force: true });
});

test('a pod gets no handshake from etcd, the apiserver or the kubelet healthz on the node loopback', async () => {
  for (const [name, port] of Object.entries(ports)) {
    assert.ok(port > 0, name);
    // Each of them does answer on the host's loopback.
    await new Promise<void>((resolve, reject) => {
      const c = net.connect({ host: '127.0.0.1', port }, () => (c.destroy(), resolve()));
      c.on('error', (e) => reject(new Error(`${name} on 127.0.0.1:${port} from the host: ${e.message}`)));
    });
    assert.equal(await probeFromPod(port), 'TIMEOUT', `${name} (127.0.0.1:${port}) answered a pod`);
  }
});

test('without the guards the probe does get a SYN-ACK (the hole is real; skipped when another cluster guards this host)', async (t) => {
  // Two guards of this cluster: the proxy's FIREWALL chain and the pod network's own INPUT chain.
  const firewall = `${cl.flags.proxyChains}-FIREWALL`;
  const podInput = ['-m', 'comment', '--comment', `tskube:${cl.flags.chains}`, '-j', `${cl.flags.chains}-INPUT`];
  const filter = (await run('iptables-save', ['-t', 'filter'])).stdout;
  assert.match(filter, new RegExp(`^-A INPUT -j ${firewall}$`, 'm'), 'the proxy guard is installed');
  assert.match(filter, new RegExp(`^-A INPUT -m comment --comment "?tskube:${cl.flags.chains}"? -j ${cl.flags.chains}-INPUT$`, 'm'), 'the pod network guard is installed');
  const others = filter.split('\n').filter((l) => (/^-A INPUT -j \S+-FIREWALL$/.test(l) && !l.endsWith(` ${firewall}`)) || (/^-A INPUT .*tskube:/.test(l) && !l.includes(`tskube:${cl.flags.chains}`)));
  if (others.length) return t.skip(`other guards on this host: ${others.join('; ')}`);
  await run('iptables', ['-w', '-D', 'INPUT', '-j', firewall]);
  await run('iptables', ['-w', '-D', 'INPUT', ...podInput]);
  try {
    assert.equal(await probeFromPod(ports.etcd), 'SYNACK');
  } finally {
    await run('iptables', ['-w', '-I', 'INPUT', ...podInput]);
    await run('iptables', ['-w', '-I', 'INPUT', '-j', firewall]);
  }
  assert.equal(await probeFromPod(ports.etcd), 'TIMEOUT');
  // Either guard alone is enough.
  await run('iptables', ['-w', '-D', 'INPUT', '-j', firewall]);
  try {
    assert.equal(await probeFromPod(ports.etcd), 'TIMEOUT', 'the pod network guard alone');
  } finally {
    await run('iptables', ['-w', '-I', 'INPUT', '-j', firewall]);
  }
});

test('a NodePort still answers on 127.0.0.1 from the host', async () => {
  const svc = JSON.parse(await kubectl(['get', 'svc', 'prober', '-o', 'json'])) as Service;
  const nodePort = svc.spec!.ports![0].nodePort!;
  const body = await eventually('NodePort on 127.0.0.1', () =>
    new Promise<string | undefined>((resolve) => {
      http.get({ host: '127.0.0.1', port: nodePort, path: '/', agent: false, timeout: 3000 }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(res.statusCode === 200 ? b.trim() : undefined));
      }).on('error', () => resolve(undefined));
    }), 30_000);
  assert.equal(body, 'hello-nodeport');
});

test('the kubelet serves HTTPS on the node IP only, and refuses clients without the apiserver certificate', async () => {
  const { stdout } = await run('ss', ['-Hltn', `sport = :${kubeletPort}`]);
  const listeners = stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)[3]);
  assert.deepEqual(listeners, [`${nodeIP}:${kubeletPort}`]);
  const status = await new Promise<number>((resolve, reject) =>
    https.get({ host: nodeIP, port: kubeletPort, path: '/pods', rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject),
  );
  assert.equal(status, 401);
  // From the pod: refused (TLS without a client certificate gets 401; plain HTTP gets nothing).
  const fromPod = await cl.up.kubectl(['exec', 'prober', '--', 'sh', '-c', `wget -qO- --no-check-certificate https://${nodeIP}:${kubeletPort}/pods 2>&1; echo rc=$?; timeout 5 wget -qO- http://${nodeIP}:${kubeletPort}/pods 2>&1; echo rc=$?`]);
  assert.doesNotMatch(fromPod.stdout, /PodList/);
  assert.match(fromPod.stdout, /rc=[1-9][\s\S]*rc=[1-9]/, fromPod.stdout);
});

test('kubectl logs and exec still reach the kubelet through the apiserver', async () => {
  assert.equal((await kubectl(['logs', 'prober'])).trim(), 'started');
  assert.equal((await kubectl(['exec', 'prober', '--', 'cat', '/www/index.html'])).trim(), 'hello-nodeport');
});
