// `hyperkube apiserver`: the apiserver alone, against an existing etcd.

import { parseAuthorizationModes } from '../apiserver/auth/authorization-modes.js';
import { startApiServer } from '../apiserver/server.js';
import { parseTolerationSeconds } from '../apiserver/admission/default-toleration-seconds.js';
import { tokenFileAuthenticator } from '../apiserver/auth/token-file.js';
import { parseFlags, untilSignal } from './flags.js';

const FLAGS = {
  'etcd-servers': { type: 'string', help: 'comma-separated etcd client URLs (required)' },
  'etcd-cafile': { type: 'string', default: '', help: 'CA bundle (PEM) that signed the etcd servers\' certificates; with --etcd-certfile and --etcd-keyfile for https:// etcd servers' },
  'etcd-certfile': { type: 'string', default: '', help: 'client certificate (PEM) presented to etcd' },
  'etcd-keyfile': { type: 'string', default: '', help: 'key (PEM) of --etcd-certfile' },
  'etcd-prefix': { type: 'string', default: '', help: 'prefix of every etcd key' },
  'bind-address': { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  'advertise-address': { type: 'string', default: '', help: "the kubernetes Service's endpoint address, where pods reach the API; listened on too (same port) when it is not --bind-address" },
  port: { type: 'string', default: '6443', help: 'port to listen on (HTTPS with --tls-cert-file, else plain HTTP)' },
  'service-cluster-ip-range': { type: 'string', default: '10.96.0.0/12', help: 'CIDR Service ClusterIPs come from' },
  'service-node-port-range': { type: 'string', default: '30000-32767', help: 'range NodePorts come from' },
  'token-file': { type: 'string', default: '', help: 'file holding the bearer token every client must present' },
  'token-auth-file': { type: 'string', default: '', help: 'users\' bearer tokens, CSV lines token,user,uid,"group1,group2" (re-read when it changes)' },
  'enable-bootstrap-token-auth': { type: 'boolean', default: false, help: 'bootstrap tokens (Secrets kube-system/bootstrap-token-<id>) authenticate as system:bootstrap:<id>, and node credentials derived from them as system:node:<name>' },
  'authorization-mode': { type: 'string', default: 'AlwaysAllow', help: 'comma-separated: Node (kubelets reach only their own pods\' objects), RBAC (roles and bindings; the default policy is written at start); or AlwaysAllow' },
  'pod-security-default': { type: 'string', default: 'privileged', help: 'Pod Security level (privileged, baseline, restricted) of namespaces without pod-security.kubernetes.io labels' },
  'default-not-ready-toleration-seconds': { type: 'string', default: '300', help: 'tolerationSeconds of the not-ready:NoExecute toleration added to every pod without one' },
  'default-unreachable-toleration-seconds': { type: 'string', default: '300', help: 'tolerationSeconds of the unreachable:NoExecute toleration added to every pod without one' },
  'kubelet-token-file': { type: 'string', default: '', help: 'bearer token presented to kubelets (their --server-token-file)' },
  'kubelet-client-certificate': { type: 'string', default: '', help: 'client certificate (PEM) presented to kubelets' },
  'kubelet-client-key': { type: 'string', default: '', help: 'its key (PEM)' },
  'kubelet-certificate-authority': { type: 'string', default: '', help: "CA (PEM) the kubelets' serving certificates must chain to" },
  'client-ca-file': { type: 'string', default: '', help: 'CA (PEM) whose client certificates authenticate (CN the user, O the groups); needs TLS' },
  'tls-cert-file': { type: 'string', default: '', help: 'serving certificate (PEM); with --tls-private-key-file serves HTTPS, else plain HTTP' },
  'tls-private-key-file': { type: 'string', default: '', help: 'serving key (PEM)' },
  'service-account-key-file': { type: 'string', default: '', help: 'PEM file of public (or private) keys service-account tokens are verified with; the signing key\'s own public key always is' },
  'service-account-signing-key-file': { type: 'string', default: '', help: 'PEM private key (RSA or EC P-256) service-account tokens are signed with; without it there are no service-account tokens' },
  'service-account-issuer': { type: 'string', default: 'https://kubernetes.default.svc.cluster.local', help: 'the iss claim of service-account tokens' },
  'api-audiences': { type: 'string', default: '', help: 'comma-separated audiences a token must name to authenticate here (default: the issuer)' },
  'quorum-reads': { type: 'string', default: 'true', help: "reads without a resourceVersion see every write to etcd, as upstream (true); false serves them at this apiserver's own latest write, one etcd call fewer per get, for one apiserver per etcd only" },
  'etcd-quota-backend-bytes': { type: 'string', default: '', help: "etcd's --quota-backend-bytes, shown as etcd_server_quota_backend_bytes and in the NOSPACE readiness message (etcd 3.4 does not report it)" },
  'etcd-client-thread': { type: 'string', default: 'true', help: 'run the etcd client in a worker thread of its own (true|false)' },
  'max-connections': { type: 'string', default: '', help: 'client connections in all (default: half the open-file limit, at most 10000)' },
  'max-connections-per-address': { type: 'string', default: '', help: 'client connections from one address (default: half of --max-connections)' },
  'max-long-running-requests': { type: 'string', default: '', help: 'watches and exec/attach/port-forward streams in all (default: half of --max-connections)' },
  'max-long-running-requests-per-address': { type: 'string', default: '', help: 'watches and streams from one address (default: a quarter of --max-connections)' },
  'idle-connection-timeout': { type: 'string', default: '90', help: 'seconds an idle keep-alive connection stays open' },
} as const;

/** Connection caps from flags: '' keeps the default, anything else must be a positive integer. */
function connectionLimitFlags(f: Record<string, string | boolean>): Record<string, number> | string {
  const out: Record<string, number> = {};
  const names: [string, string, number][] = [
    ['max-connections', 'maxConnections', 1],
    ['max-connections-per-address', 'maxConnectionsPerAddress', 1],
    ['max-long-running-requests', 'maxLongRunning', 1],
    ['max-long-running-requests-per-address', 'maxLongRunningPerAddress', 1],
    ['idle-connection-timeout', 'idleTimeoutMs', 1000],
  ];
  for (const [flag, key, scale] of names) {
    const v = f[flag];
    if (typeof v !== 'string' || v === '') continue;
    if (!/^[1-9]\d*$/.test(v)) return `--${flag} must be a positive integer`;
    out[key] = Number(v) * scale;
  }
  return out;
}

export async function runApiserver(argv: string[]): Promise<number> {
  const parsed = parseFlags('apiserver', FLAGS, argv);
  if (!parsed) return 0;
  const f = parsed.values;
  if (!f['etcd-servers']) {
    console.error('hyperkube apiserver: --etcd-servers is required');
    return 2;
  }
  const { readFileSync } = await import('node:fs');
  const token = f['token-file'] ? readFileSync(f['token-file'], 'utf8').trim() : undefined;
  if (!!f['tls-cert-file'] !== !!f['tls-private-key-file']) {
    console.error('hyperkube apiserver: --tls-cert-file and --tls-private-key-file go together');
    return 2;
  }
  if (!!f['kubelet-client-certificate'] !== !!f['kubelet-client-key']) {
    console.error('hyperkube apiserver: --kubelet-client-certificate and --kubelet-client-key go together');
    return 2;
  }
  const etcdFiles = [f['etcd-cafile'], f['etcd-certfile'], f['etcd-keyfile']];
  if (etcdFiles.some(Boolean) && !etcdFiles.every(Boolean)) {
    console.error('hyperkube apiserver: --etcd-cafile, --etcd-certfile and --etcd-keyfile go together');
    return 2;
  }
  const etcdTLS = etcdFiles.every(Boolean) ? { ca: readFileSync(f['etcd-cafile'], 'utf8'), cert: readFileSync(f['etcd-certfile'], 'utf8'), key: readFileSync(f['etcd-keyfile'], 'utf8') } : undefined;
  if (!['true', 'false'].includes(f['quorum-reads'])) {
    console.error('hyperkube apiserver: --quorum-reads is true or false');
    return 2;
  }
  if (!['true', 'false'].includes(f['etcd-client-thread'])) {
    console.error('hyperkube apiserver: --etcd-client-thread is true or false');
    return 2;
  }
  try {
    parseAuthorizationModes(f['authorization-mode']);
  } catch (err) {
    console.error(`hyperkube apiserver: ${(err as Error).message}`);
    return 2;
  }
  if (!['privileged', 'baseline', 'restricted'].includes(f['pod-security-default'])) {
    console.error('hyperkube apiserver: --pod-security-default is privileged, baseline or restricted');
    return 2;
  }
  let defaultTolerationSeconds;
  try {
    defaultTolerationSeconds = {
      notReadySeconds: parseTolerationSeconds('default-not-ready-toleration-seconds', f['default-not-ready-toleration-seconds']),
      unreachableSeconds: parseTolerationSeconds('default-unreachable-toleration-seconds', f['default-unreachable-toleration-seconds']),
    };
  } catch (err) {
    console.error(`hyperkube apiserver: ${(err as Error).message}`);
    return 2;
  }
  const limits = connectionLimitFlags(f);
  if (typeof limits === 'string') {
    console.error(`hyperkube apiserver: ${limits}`);
    return 2;
  }
  const tls = f['tls-cert-file'] ? { cert: readFileSync(f['tls-cert-file'], 'utf8'), key: readFileSync(f['tls-private-key-file'], 'utf8') } : undefined;
  if (f['service-account-key-file'] && !f['service-account-signing-key-file']) {
    console.error('hyperkube apiserver: --service-account-key-file needs --service-account-signing-key-file');
    return 2;
  }
  const serviceAccounts = f['service-account-signing-key-file']
    ? {
        signingKey: readFileSync(f['service-account-signing-key-file'], 'utf8'),
        publicKeys: f['service-account-key-file'] ? [readFileSync(f['service-account-key-file'], 'utf8')] : [],
        issuer: f['service-account-issuer'],
        apiAudiences: f['api-audiences'].split(',').map((a) => a.trim()).filter(Boolean),
      }
    : undefined;
  const quota = f['etcd-quota-backend-bytes'] === '' ? 0 : Number(f['etcd-quota-backend-bytes']);
  if (!Number.isSafeInteger(quota) || quota < 0) throw new Error(`--etcd-quota-backend-bytes must be a number of bytes, got ${JSON.stringify(f['etcd-quota-backend-bytes'])}`);
  const server = await startApiServer({
    etcdQuotaBytes: quota,
    serviceAccounts,
    etcdEndpoints: f['etcd-servers'].split(','),
    quorumReads: f['quorum-reads'] === 'true',
    etcdPrefix: f['etcd-prefix'],
    etcdTLS,
    host: f['bind-address'],
    ...(f['advertise-address'] ? { advertiseAddress: f['advertise-address'] } : {}),
    port: Number(f.port),
    serviceCIDR: f['service-cluster-ip-range'],
    nodePortRange: f['service-node-port-range'],
    token,
    authenticators: f['token-auth-file'] ? [tokenFileAuthenticator(f['token-auth-file'], (m) => console.error(`apiserver: ${m}`))] : [],
    enableBootstrapTokenAuth: f['enable-bootstrap-token-auth'],
    authorizationMode: f['authorization-mode'],
    podSecurityDefault: f['pod-security-default'] as 'privileged' | 'baseline' | 'restricted',
    defaultTolerationSeconds,
    tls,
    ...(f['client-ca-file'] ? { clientCA: readFileSync(f['client-ca-file'], 'utf8') } : {}),
    kubeletToken: f['kubelet-token-file'] ? readFileSync(f['kubelet-token-file'], 'utf8').trim() : undefined,
    kubeletClient: {
      ...(f['kubelet-client-certificate'] ? { cert: readFileSync(f['kubelet-client-certificate'], 'utf8'), key: readFileSync(f['kubelet-client-key'], 'utf8') } : {}),
      ...(f['kubelet-certificate-authority'] ? { ca: readFileSync(f['kubelet-certificate-authority'], 'utf8') } : {}),
    },
    etcdClientThread: f['etcd-client-thread'] === 'true',
    connectionLimits: limits,
    log: (m) => console.log(`apiserver: ${m}`),
  });
  console.log(`apiserver: serving on ${server.url}`);
  await untilSignal();
  await server.stop();
  return 0;
}
