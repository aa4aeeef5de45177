import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, toTable, validate, validateStatusUpdate } from './kinds.js';
import type { KubeObject, StatusCause } from './meta.js';
import type { Ingress, IngressClass, NetworkPolicy } from './networking.js';
import type { PriorityClass } from './scheduling.js';

const ko = (o: Ingress | IngressClass | NetworkPolicy | PriorityClass): KubeObject => o as unknown as KubeObject;
const msgs = (causes: StatusCause[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);

function ingress(spec: Ingress['spec'], annotations?: Record<string, string>): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec };
}
const svc = (name: string, port: { name?: string; number?: number }) => ({ service: { name, port } });

test('Ingress: a realistic one is valid', () => {
  const ing = ingress({
    ingressClassName: 'nginx',
    tls: [{ hosts: ['*.example.com'], secretName: 'tls' }],
    rules: [
      { host: 'shop.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('web', { number: 80 }) }] } },
      { host: '*.example.com', http: { paths: [{ pathType: 'ImplementationSpecific', backend: svc('web', { name: 'http' }) }] } },
    ],
  });
  assert.deepEqual(msgs(validate('Ingress', ko(ing))), []);
});

test('Ingress: rules or defaultBackend, paths, pathType, backends, ports', () => {
  assert.deepEqual(msgs(validate('Ingress', ko(ingress({})))), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
  const ing = ingress({
    rules: [
      { host: '10.1.2.3', http: { paths: [] } },
      {
        host: 'a.example.com',
        http: {
          paths: [
            { path: '/x', pathType: undefined as unknown as 'Exact', backend: {} },
            { path: '/a//b/..', pathType: 'Exact', backend: { ...svc('Web', { name: 'http', number: 80 }) } },
            { path: '/', pathType: 'Regex' as 'Exact', backend: {} },
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } },
            { path: '/', pathType: 'Prefix', backend: { ...svc('web', { number: 70000 }), resource: { kind: 'B', name: 'b' } } },
            { path: '/', pathType: 'Prefix', backend: { resource: { kind: 'a/b', name: '' } } },
          ],
        },
      },
    ],
  });
  assert.deepEqual(msgs(validate('Ingress', ko(ing))), [
    'spec.rules[0].host: Invalid value: "10.1.2.3": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths: Required value',
    'spec.rules[1].http.paths[0].pathType: Required value: pathType must be specified',
    "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/..\": must not contain '//'",
    "spec.rules[1].http.paths[1].path: Invalid value: \"/a//b/..\": cannot end with '/..'",
    'spec.rules[1].http.paths[1].backend.service.name: Invalid value: "Web": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    'spec.rules[1].http.paths[1].backend: Invalid value: "": cannot set both port name & port number',
    'spec.rules[1].http.paths[2].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    'spec.rules[1].http.paths[2].backend: Invalid value: "": resource or service backend is required',
    'spec.rules[1].http.paths[3].backend: Required value: port name or number is required',
    'spec.rules[1].http.paths[4].backend: Invalid value: "": cannot set both resource and service backends',
    "spec.rules[1].http.paths[5].backend.resource.kind: Invalid value: \"a/b\": may not contain '/'",
    'spec.rules[1].http.paths[5].backend.resource.name: Required value',
  ]);
});

test('Ingress: the class annotation must match ingressClassName on create only; status addresses', () => {
  const ing = ingress({ ingressClassName: 'a', defaultBackend: svc('web', { number: 80 }) }, { 'kubernetes.io/ingress.class': 'b' });
  assert.deepEqual(msgs(validate('Ingress', ko(ing))), ['annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified']);
  assert.deepEqual(msgs(validate('Ingress', ko(ing), ko(ing))), []);
  const next = { ...ing, status: { loadBalancer: { ingress: [{ ip: '300.1.1.1' }, { hostname: '1.2.3.4' }] } } };
  assert.deepEqual(msgs(validateStatusUpdate('Ingress', ko(next), ko(ing))), [
    'status.loadBalancer.ingress[0].ip: Invalid value: "300.1.1.1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'status.loadBalancer.ingress[1].hostname: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
  ]);
});

test('Ingress table: class, first three hosts, sorted addresses, TLS ports', () => {
  const ing = ingress({ rules: ['a.x', 'b.x', '', 'c.x', 'd.x'].map((host) => ({ host })), tls: [{}] });
  ing.metadata.creationTimestamp = new Date().toISOString();
  ing.status = { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }, { ip: '10.0.0.2' }] } };
  const t = toTable('Ingress', [ko(ing)]);
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
  assert.deepEqual(t.rows[0].cells.slice(0, 5), ['web', '<none>', 'a.x,b.x,c.x + 2 more...', '10.0.0.1,10.0.0.2,lb.example.com', '80, 443']);
  assert.equal(toTable('Ingress', [ko(ingress({}))]).rows[0].cells[2], '*');
});

test('IngressClass: controller, parameters scope (defaulted to Cluster), immutable controller', () => {
  const ic = (spec: IngressClass['spec']): IngressClass => applyDefaults('IngressClass', ko({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'c' }, spec }));
  const ok = ic({ controller: 'example.com/ingress', parameters: { kind: 'P', name: 'p' } });
  assert.equal(ok.spec?.parameters?.scope, 'Cluster');
  assert.deepEqual(msgs(validate('IngressClass', ko(ok))), []);
  assert.deepEqual(msgs(validate('IngressClass', ko(ic({})))), ['spec.controller: Required value']);
  assert.deepEqual(msgs(validate('IngressClass', ko(ic({ controller: 'nginx' })))), ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  assert.deepEqual(msgs(validate('IngressClass', ko(ic({ controller: 'a.io/x', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } })))), ["spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"]);
  assert.deepEqual(msgs(validate('IngressClass', ko(ic({ controller: 'a.io/x', parameters: { kind: 'P', name: 'p', namespace: 'n' } })))), ["spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"]);
  assert.deepEqual(msgs(validate('IngressClass', ko(ic({ controller: 'b.io/y' })), ko(ok))), ['spec.controller: Invalid value: "b.io/y": field is immutable']);
  assert.deepEqual(toTable('IngressClass', [ko(ic({ controller: 'a.io/x', parameters: { apiGroup: 'k.io', kind: 'P', name: 'p' } }))]).rows[0].cells.slice(0, 3), ['c', 'a.io/x', 'P.k.io/p']);
});

test('NetworkPolicy: defaults, ports, peers, ipBlock, policyTypes', () => {
  const np = (spec: NetworkPolicy['spec']): NetworkPolicy => applyDefaults('NetworkPolicy', ko({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'd' }, spec }));
  const egress = np({ podSelector: {}, egress: [{ ports: [{ port: 53 }] }] });
  assert.deepEqual(egress.spec?.policyTypes, ['Ingress', 'Egress']);
  assert.equal(egress.spec?.egress?.[0].ports?.[0].protocol, 'TCP');
  assert.deepEqual(np({ podSelector: {} }).spec?.policyTypes, ['Ingress']);
  assert.deepEqual(np({ podSelector: {}, policyTypes: ['Egress'] }).spec?.policyTypes, ['Egress']);
  const bad = np({
    podSelector: {},
    ingress: [
      {
        ports: [{ protocol: 'ICMP' as 'TCP', port: 80, endPort: 79 }, { port: 'http', endPort: 90 }, { endPort: 5 }, { port: 0 }],
        from: [{}, { podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16', '11.0.0.0/16', '10.0.0.0/8'] } }, { ipBlock: { cidr: 'nope' } }],
      },
    ],
    egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48', '2001:db9::/48'] } }] }],
    policyTypes: ['Ingress', 'Sideways' as 'Egress'],
  });
  assert.deepEqual(msgs(validate('NetworkPolicy', ko(bad))), [
    'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    'spec.ingress[0].ports[0].endPort: Invalid value: 79: must be greater than or equal to `port`',
    'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].ports[2].endPort: Invalid value: 5: may not be specified when `port` is not specified',
    'spec.ingress[0].ports[3].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ingress[0].from[0]: Required value: must specify a peer',
    'spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer',
    'spec.ingress[0].from[2].ipBlock.except[1]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
    'spec.ingress[0].from[2].ipBlock.except[2]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
    'spec.ingress[0].from[3].ipBlock.cidr: Invalid value: "nope": not a valid CIDR',
    'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "2001:db9::/48": must be a strict subset of `cidr`',
    'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
  ]);
  const t = toTable('NetworkPolicy', [ko(np({ podSelector: { matchLabels: { app: 'api' } } })), ko(np({ podSelector: {} }))]);
  assert.deepEqual(t.rows.map((r) => r.cells[1]), ['app=api', '<none>']);
});

test('PriorityClass: reserved prefix, user maximum, immutable value and policy, table', () => {
  const pc = (name: string, value: number, extra: Partial<PriorityClass> = {}): PriorityClass =>
    applyDefaults('PriorityClass', ko({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra })) as unknown as PriorityClass;
  assert.equal(pc('a', 1).preemptionPolicy, 'PreemptLowerPriority');
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('a', 1_000_000_000)))), []);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('a', 1_000_000_001)))), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('system-node-critical', 2000001000)))), []);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('system-node-critical', 5)))), [
    "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
  ]);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('system-x', 5)))), ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class"]);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('a', 1, { preemptionPolicy: 'Sometimes' as 'Never' })))), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
  assert.deepEqual(msgs(validate('PriorityClass', ko(pc('a', 2, { preemptionPolicy: 'Never' })), ko(pc('a', 1)))), [
    'value: Forbidden: may not be changed in an update.',
    'preemptionPolicy: Invalid value: "Never": field is immutable',
  ]);
  const t = toTable('PriorityClass', [ko(pc('a', 7, { globalDefault: true }))]);
  assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']);
  assert.deepEqual([t.rows[0].cells[0], t.rows[0].cells[1], t.rows[0].cells[2], t.rows[0].cells[4]], ['a', 7, true, 'PreemptLowerPriority']);
});
