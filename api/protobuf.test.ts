// Decodes real protobuf bodies captured from kubectl 1.32 and compares them with the JSON kubectl
// itself would send (its --dry-run=client -o json output), plus hand-made wire-format edge cases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { decodeK8sProtobuf, ProtobufError, K8S_PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import type { Lease, Pod, Service } from './core.js';

const KUBECTL = '/usr/bin/kubectl';
const haveKubectl = existsSync(KUBECTL);

// ---------- tiny protobuf encoder for hand-made messages ----------
function varint(n: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const fVarint = (num: number, n: bigint | number) => Buffer.concat([varint(num << 3), varint(n)]);
const fBytes = (num: number, b: Buffer | string) => {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  return Buffer.concat([varint((num << 3) | 2), varint(buf.length), buf]);
};
const msg = (...parts: Buffer[]) => Buffer.concat(parts);
const mapEntry = (num: number, k: string, v: Buffer | string) => fBytes(num, msg(fBytes(1, k), fBytes(2, v)));
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const unknown = msg(fBytes(1, msg(fBytes(1, apiVersion), fBytes(2, kind))), fBytes(2, raw));
  return Buffer.concat([Buffer.from('k8s\0', 'binary'), unknown]);
}

// ---------- real kubectl capture ----------
interface Captured {
  contentType: string;
  url: string;
  body: Buffer;
}
let server: http.Server;
let port = 0;
let tmp = '';
const captured: Captured[] = [];

const resources = [
  ['namespaces', 'Namespace', false],
  ['configmaps', 'ConfigMap', true],
  ['secrets', 'Secret', true],
  ['services', 'Service', true],
  ['pods', 'Pod', true],
  ['replicationcontrollers', 'ReplicationController', true],
].map(([name, kind, namespaced]) => ({ name, singularName: '', namespaced, kind, verbs: ['create', 'get', 'list', 'delete'] }));

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), `tkpb${Math.random().toString(36).slice(2, 6)}-`));
  // An empty kubeconfig so kubectl never reads the host's ~/.kube/config.
  await writeFile(path.join(tmp, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      const url = req.url ?? '';
      if (req.method === 'GET' && url.startsWith('/api/v1')) {
        return send(200, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'v1', resources });
      }
      if (req.method === 'GET' && url.startsWith('/apis')) return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
      if (req.method === 'GET' && url.startsWith('/api')) return send(200, { kind: 'APIVersions', versions: ['v1'] });
      if (req.method === 'POST') {
        const body = Buffer.concat(chunks);
        captured.push({ contentType: String(req.headers['content-type'] ?? ''), url, body });
        try {
          // Echo what we decoded, as an apiserver would answer a create.
          const obj: unknown = String(req.headers['content-type']).startsWith(K8S_PROTOBUF_CONTENT_TYPE)
            ? decodeK8sProtobuf(body)
            : JSON.parse(body.toString('utf8'));
          return send(201, obj);
        } catch (e) {
          return send(400, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: String(e), code: 400 });
        }
      }
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function kubectl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      KUBECTL,
      ['--kubeconfig', path.join(tmp, 'kubeconfig'), `--server=http://127.0.0.1:${port}`, ...args],
      { timeout: 60_000, env: { ...process.env, KUBECONFIG: path.join(tmp, 'kubeconfig'), HOME: tmp } },
      (err, stdout, stderr) => (err ? reject(new Error(`kubectl ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout)),
    );
  });
}

/**
 * What we normalise away when comparing with `--dry-run=client -o json`:
 * - `metadata.creationTimestamp: null` (Go prints a zero Time as null; we omit zero times),
 * - empty objects `{}` that only hold zero values in either form (e.g. `status: {}`, `spec: {}`, `resources: {}`):
 *   protobuf always writes non-pointer structs, so the decoder emits them as `{}` exactly as Go's JSON does, but
 *   the dry-run printer and the wire form can differ on which empty structs appear.
 */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) {
      if (val === null) continue;
      const n = normalise(val);
      if (n && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

async function captureAndCompare(args: string[]): Promise<Record<string, unknown>> {
  const expected: unknown = JSON.parse(await kubectl([...args, '--dry-run=client', '-o', 'json']));
  const before = captured.length;
  await kubectl(['--validate=false', ...args]);
  assert.equal(captured.length, before + 1, `one POST for ${args.join(' ')}`);
  const c = captured[captured.length - 1];
  assert.ok(c.contentType.startsWith(K8S_PROTOBUF_CONTENT_TYPE), `kubectl sent ${c.contentType}`);
  const decoded = decodeK8sProtobuf(c.body) as unknown as Record<string, unknown>;
  assert.deepEqual(normalise(decoded), normalise(expected));
  return decoded;
}

test('kubectl create namespace', { skip: !haveKubectl, timeout: 120_000 }, async () => {
  const d = await captureAndCompare(['create', 'namespace', 'foo']);
  assert.equal(d.kind, 'Namespace');
  assert.deepEqual(d.metadata, { name: 'foo' });
});

test('kubectl create configmap with literals, binary file and save-config annotation', { skip: !haveKubectl, timeout: 120_000 }, async () => {
  const bin = path.join(tmp, 'blob.bin');
  await writeFile(bin, Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x01]));
  const d = await captureAndCompare([
    'create', 'configmap', 'cm1', '-n', 'ns1', '--from-literal=a=b', '--from-literal=empty=', `--from-file=${bin}`, '--save-config',
  ]);
  assert.deepEqual(d.data, { a: 'b', empty: '' });
  assert.deepEqual(d.binaryData, { 'blob.bin': Buffer.from([0xff, 0x00, 0xfe, 0x80, 0x01]).toString('base64') });
  const meta = d.metadata as { annotations: Record<string, string>; namespace: string };
  assert.equal(meta.namespace, 'ns1');
  assert.ok(meta.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('kubectl create secret generic and docker-registry', { skip: !haveKubectl, timeout: 120_000 }, async () => {
  const d = await captureAndCompare(['create', 'secret', 'generic', 's1', '--from-literal=user=admin', '--from-literal=pw=s3cr:t', '--type=Opaque']);
  assert.deepEqual(d.data, { user: Buffer.from('admin').toString('base64'), pw: Buffer.from('s3cr:t').toString('base64') });
  assert.equal(d.type, 'Opaque');
  const r = await captureAndCompare([
    'create', 'secret', 'docker-registry', 'reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p',
  ]);
  assert.equal(r.type, 'kubernetes.io/dockerconfigjson');
});

test('kubectl create service clusterip / nodeport / externalname / headless', { skip: !haveKubectl, timeout: 120_000 }, async () => {
  const c = await captureAndCompare(['create', 'service', 'clusterip', 'svc1', '--tcp=80:8080', '--tcp=443:https']);
  const ports = (c.spec as { ports: { port: number; targetPort: number | string }[] }).ports;
  assert.equal(ports[0].targetPort, 8080);
  assert.equal(ports[1].targetPort, 'https');
  const n = await captureAndCompare(['create', 'service', 'nodeport', 'np1', '--tcp=80:8080', '--node-port=30080']);
  assert.equal((n.spec as { ports: { nodePort: number }[] }).ports[0].nodePort, 30080);
  await captureAndCompare(['create', 'service', 'externalname', 'ext1', '--external-name=db.example.com']);
  const h = await captureAndCompare(['create', 'service', 'clusterip', 'hl', '--clusterip=None']);
  assert.equal((h.spec as { clusterIP: string }).clusterIP, 'None');
});

test('kubectl run pod with env, port, labels, annotations, limits', { skip: !haveKubectl, timeout: 120_000 }, async () => {
  const args = [
    'run', 'p1', '--image=busybox:1.36', '--port=8080', '--env=A=1', '--env=B=two', '--labels=app=x,tier=t',
    '--annotations=note=hi', '--restart=Never', '--command', '--', 'sh', '-c', 'sleep 1',
  ];
  const expected: unknown = JSON.parse(await kubectl([...args.slice(0, 9), '--dry-run=client', '-o', 'json', ...args.slice(9)]));
  const before = captured.length;
  await kubectl(args);
  assert.equal(captured.length, before + 1);
  const c = captured[captured.length - 1];
  const decoded: unknown = c.contentType.startsWith(K8S_PROTOBUF_CONTENT_TYPE)
    ? decodeK8sProtobuf(c.body)
    : JSON.parse(c.body.toString('utf8'));
  assert.deepEqual(normalise(decoded), normalise(expected));
});

// ---------- hand-made messages ----------
test('varint edge cases: multi-byte, int32 negative (10-byte), int64 large', () => {
  // ServicePort: port = 65535 (3-byte varint), nodePort negative int32 encoded as 10 bytes.
  const sp = msg(fBytes(1, 'http'), fVarint(3, 65535), fVarint(5, -1));
  const spec = msg(fBytes(1, sp));
  const svc = msg(fBytes(1, msg(fBytes(1, 'a'), fVarint(7, 2n ** 40n))), fBytes(2, spec));
  const d = decodeK8sProtobuf(envelope('v1', 'Service', svc)) as Service;
  assert.deepEqual(d.spec?.ports, [{ name: 'http', port: 65535, nodePort: -1 }]);
  assert.equal(d.metadata.generation, 2 ** 40);
});

test('nested messages, maps, timestamps, managedFields, ownerReferences', () => {
  const time = msg(fVarint(1, 1700000000), fVarint(2, 5));
  const mf = msg(
    fBytes(1, 'kubectl'), fBytes(2, 'Apply'), fBytes(3, 'v1'), fBytes(4, time), fBytes(6, 'FieldsV1'),
    fBytes(7, fBytes(1, '{"f:data":{"f:a":{}}}')),
  );
  const owner = msg(fBytes(1, 'Deployment'), fBytes(3, 'd'), fBytes(4, 'u-1'), fBytes(5, 'apps/v1'), fVarint(6, 1), fVarint(7, 0));
  const meta = msg(
    fBytes(1, 'cm'), fBytes(3, 'ns'), fBytes(8, time), mapEntry(11, 'l1', 'v1'), mapEntry(11, 'l2', ''),
    mapEntry(12, 'a', 'b'), fBytes(13, owner), fBytes(14, 'f1'), fBytes(14, 'f2'), fBytes(17, mf),
  );
  const cm = msg(fBytes(1, meta), mapEntry(2, 'k', 'v'), mapEntry(3, 'bin', Buffer.from([0, 1, 2])), fVarint(4, 1));
  const d = decodeK8sProtobuf(envelope('v1', 'ConfigMap', cm));
  assert.deepEqual(d, {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: 'cm', namespace: 'ns', creationTimestamp: '2023-11-14T22:13:20Z', labels: { l1: 'v1', l2: '' },
      annotations: { a: 'b' },
      ownerReferences: [{ kind: 'Deployment', name: 'd', uid: 'u-1', apiVersion: 'apps/v1', controller: true, blockOwnerDeletion: false }],
      finalizers: ['f1', 'f2'],
      managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2023-11-14T22:13:20Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }],
    },
    data: { k: 'v' }, binaryData: { bin: 'AAEC' }, immutable: true,
  });
});

test('IntOrString both forms, Quantity, inline embedded structs, MicroTime (Lease)', () => {
  const probe = msg(fBytes(1, fBytes(2, msg(fBytes(1, '/healthz'), fBytes(2, msg(fVarint(1, 1), fBytes(3, 'http')))))), fVarint(4, 10));
  const tcp = msg(fBytes(1, fBytes(3, fBytes(1, msg(fVarint(1, 0), fVarint(2, 8080))))));
  const res = msg(mapEntry(1, 'cpu', fBytes(1, '500m')), mapEntry(2, 'memory', fBytes(1, '64Mi')));
  const env = msg(fBytes(1, 'X'), fBytes(3, fBytes(3, msg(fBytes(1, fBytes(1, 'cfg')), fBytes(2, 'key')))));
  const c = msg(fBytes(1, 'c'), fBytes(2, 'img'), fBytes(7, env), fBytes(8, res), fBytes(10, probe), fBytes(11, tcp));
  const vol = msg(fBytes(1, 'v'), fBytes(2, fBytes(19, msg(fBytes(1, fBytes(1, 'cfg')), fVarint(3, 420)))));
  const pod = msg(fBytes(1, fBytes(1, 'p')), fBytes(2, msg(fBytes(1, vol), fBytes(2, c))));
  const d = decodeK8sProtobuf(envelope('v1', 'Pod', pod)) as Pod;
  assert.deepEqual(d.spec?.volumes, [{ name: 'v', configMap: { name: 'cfg', defaultMode: 420 } }]);
  const ctr = d.spec.containers[0];
  assert.deepEqual(ctr.resources, { limits: { cpu: '500m' }, requests: { memory: '64Mi' } });
  assert.deepEqual(ctr.env, [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'key' } } }]);
  assert.deepEqual(ctr.livenessProbe, { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10 });
  assert.deepEqual(ctr.readinessProbe, { tcpSocket: { port: 8080 } });

  const mt = msg(fVarint(1, 1700000000), fVarint(2, 123456789));
  const lease = msg(fBytes(1, fBytes(1, 'node-a')), fBytes(2, msg(fBytes(1, 'node-a'), fVarint(2, 40), fBytes(4, mt))));
  const l = decodeK8sProtobuf(envelope('coordination.k8s.io/v1', 'Lease', lease)) as Lease;
  assert.deepEqual(l.spec, { holderIdentity: 'node-a', leaseDurationSeconds: 40, renewTime: '2023-11-14T22:13:20.123456Z' });
});

test('DeleteOptions and Binding', () => {
  const del = msg(fVarint(1, 0), fBytes(2, fBytes(1, 'uid-1')), fBytes(4, 'Foreground'), fBytes(5, 'All'));
  const d = decodeK8sProtobuf(envelope('meta.k8s.io/v1', 'DeleteOptions', del));
  assert.deepEqual(d, {
    apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid: 'uid-1' },
    propagationPolicy: 'Foreground', dryRun: ['All'],
  });
  const b = msg(fBytes(1, fBytes(1, 'p')), fBytes(2, msg(fBytes(1, 'Node'), fBytes(3, 'n1'))));
  assert.deepEqual(decodeK8sProtobuf(envelope('v1', 'Binding', b)).target, { kind: 'Node', name: 'n1' });
});

test('apps/v1 Deployment: pointer zeros kept, IntOrString both forms, selector and template', () => {
  const ios = (b: Buffer) => b;
  const spec = msg(
    fVarint(1, 0), // replicas: a pointer, so an explicit 0 stays
    fBytes(2, mapEntry(1, 'app', 'web')),
    fBytes(3, msg(fBytes(1, mapEntry(11, 'app', 'web')), fBytes(2, fBytes(2, msg(fBytes(1, 'c'), fBytes(2, 'busybox')))))),
    fBytes(4, msg(fBytes(1, 'RollingUpdate'), fBytes(2, msg(fBytes(1, ios(msg(fVarint(1, 1), fBytes(3, '25%')))), fBytes(2, ios(msg(fVarint(1, 0), fVarint(2, 0)))))))),
    fVarint(5, 0), // minReadySeconds: omitempty, dropped
    fVarint(6, 0), // revisionHistoryLimit: a pointer, kept
    fVarint(9, 600),
  );
  const d = decodeK8sProtobuf(envelope('apps/v1', 'Deployment', msg(fBytes(1, fBytes(1, 'web')), fBytes(2, spec)))) as unknown as {
    apiVersion: string;
    spec: Record<string, unknown>;
  };
  assert.equal(d.apiVersion, 'apps/v1');
  assert.deepEqual(d.spec, {
    replicas: 0,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 0 } },
    revisionHistoryLimit: 0,
    progressDeadlineSeconds: 600,
  });
});

test('malformed and unsupported input → ProtobufError', () => {
  const bad = (b: Buffer, re: RegExp, unsupported = false) =>
    assert.throws(() => decodeK8sProtobuf(b), (e: unknown) => e instanceof ProtobufError && re.test(e.message) && e.unsupportedKind === unsupported);
  bad(Buffer.from('{"kind":"Namespace"}'), /magic/);
  bad(Buffer.from('k8s'), /magic/);
  const good = envelope('v1', 'Namespace', fBytes(1, fBytes(1, 'x')));
  bad(good.subarray(0, good.length - 1), /truncated/);
  bad(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x08, 0xff])]), /truncated varint/);
  bad(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x0b])]), /wire type 3/);
  bad(Buffer.concat([Buffer.from('k8s\0', 'binary'), Buffer.from([0x08, ...Array<number>(11).fill(0xff)])]), /longer than 10/);
  bad(Buffer.concat([Buffer.from('k8s\0', 'binary'), fBytes(2, 'raw')]), /missing typeMeta/);
  bad(envelope('example.com/v1', 'Widget', Buffer.alloc(0)), /example\.com\/v1 Widget is not supported/, true);
  // Wrong wire type for a known field (metadata sent as varint).
  bad(envelope('v1', 'Namespace', fVarint(1, 5)), /expected length-delimited/);
  const ios = msg(fBytes(1, fBytes(1, 'x')), fBytes(2, fBytes(1, fBytes(4, fVarint(1, 7)))));
  bad(envelope('v1', 'Service', ios), /IntOrString type 7/);
});

test('a Pod\'s ephemeral containers decode: the embedded EphemeralContainerCommon flattened, targetContainerName beside it', () => {
  const common = msg(fBytes(1, 'debugger'), fBytes(2, 'busybox'), fVarint(16, 1), fVarint(18, 1));
  const spec = msg(fBytes(2, msg(fBytes(1, 'c'), fBytes(2, 'busybox'))), fBytes(34, msg(fBytes(1, common), fBytes(2, 'c'))));
  const pod = decodeK8sProtobuf(envelope('v1', 'Pod', msg(fBytes(1, msg(fBytes(1, 'p'))), fBytes(2, spec))));
  assert.deepEqual((pod.spec as { ephemeralContainers: unknown }).ephemeralContainers, [{ name: 'debugger', image: 'busybox', stdin: true, tty: true, targetContainerName: 'c' }]);
});
