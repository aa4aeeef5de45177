// `hyperkube kubelet` / `kubelet`: runs the kubelet until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { startKubelet, type KubeletOptions } from '../kubelet/kubelet.js';
import { RECLAIM_FLAGS, reclaimFlagValue, validateReclaim } from './kubelet-reclaim-flags.js';

const USAGE = `usage: kubelet [flags]
  --kubeconfig PATH          kubeconfig of the apiserver (default: $KUBECONFIG, /var/lib/tskube/kubeconfig, ~/.kube/config)
  --server URL               apiserver URL (instead of a kubeconfig)
  --hostname-override NAME   node name (default: hostname)
  --node-ip IP               address reported as InternalIP
  --pod-manifest-path DIR    static pod manifests (default /etc/kubernetes/manifests)
  --manifest-url URL         static pods served at a URL (YAML/JSON, polled)
  --root-dir DIR             kubelet state, volumes (default /var/lib/tskube/kubelet)
  --local-path-dir DIR       run the local-path provisioner (rancher.io/local-path), volumes in DIR (default: off)
  --local-path-kubeconfig PATH  the provisioner's own kubeconfig (it writes PersistentVolumes; default: the kubelet's)
  --pod-cidr CIDR            this node's pod CIDR (default 10.244.0.0/24)
  --bridge NAME              pod bridge (default cbr0)
  --chain-prefix NAME        prefix of the iptables chains of the pod network (default TSKUBE)
  --state-dir DIR            runtime state (default /run/tskube)
  --log-dir DIR              container logs (default /var/log/pods)
  --port N                   kubelet server port (default 10250; 0 any, -1 off)
  --address IP               kubelet server address (default: the node IP; 0.0.0.0 for every address)
  --server-token-file PATH   accept this bearer token on the kubelet server (the apiserver's credential)
  --tls-cert-file PATH       serve HTTPS with this certificate (with --tls-private-key-file)
  --tls-private-key-file PATH
  --client-ca-file PATH      authenticate clients by certificates this CA signed (the apiserver's kubelet-client cert); needs TLS
  --healthz-port N           open /healthz on 127.0.0.1 (default 10248; 0 any, -1 off)
  --healthz-bind-address IP  address of the healthz listener (default 127.0.0.1)
  --images-root DIR          image store (default /var/lib/tskube/images)
  --containers-dir DIR       container snapshots (default /var/lib/tskube/containers)
  --cgroup-root NAME         parent cgroup of pods (default tskube)
  --max-pods N               most pods this node runs: its pods capacity, and admission refuses more (default 110)
  --kube-api-qps N           API requests per second once a burst is spent (default 50; 0: no limit)
  --kube-api-burst N         API requests at once (default 100)
  --event-qps N              events per second once a burst is spent (default 50; 0: no limit)
  --event-burst N            events at once (default 100)
  --seccomp-default[=BOOL]   containers naming no seccompProfile run with RuntimeDefault (default false)
  --pod-pids-limit N         most processes per pod (default 4096; -1: unlimited)
  --allowed-unsafe-sysctls LIST  comma-separated sysctls (or prefixes ending in *) allowed beyond the safe set
  --cluster-dns LIST         comma-separated cluster DNS server IPs for pods with dnsPolicy ClusterFirst (default: none, pods get the host's resolvers)
  --cluster-domain DOMAIN    the cluster's DNS domain: pods search <ns>.svc.DOMAIN svc.DOMAIN DOMAIN (default cluster.local)
  --image-credentials-file PATH  registry credentials for every pull, a docker config.json (default <root-dir>/config.json)
  --resolv-conf PATH         the host resolver config for dnsPolicy Default (default /etc/resolv.conf; "" for none)
${Object.entries(RECLAIM_FLAGS).map(([n, f]) => `  --${n} VALUE\n      ${f.help}\n`).join('')}`;

const FLAGS: Record<string, keyof KubeletOptions> = {
  kubeconfig: 'kubeconfig',
  server: 'server',
  'hostname-override': 'nodeName',
  'node-ip': 'nodeIP',
  'pod-manifest-path': 'podManifestPath',
  'manifest-url': 'manifestUrl',
  'root-dir': 'rootDir',
  'local-path-dir': 'localPathDir',
  'local-path-kubeconfig': 'localPathKubeconfig',
  'pod-cidr': 'podCIDR',
  bridge: 'bridgeName',
  'chain-prefix': 'chainPrefix',
  'state-dir': 'stateDir',
  'log-dir': 'logDir',
  port: 'port',
  address: 'address',
  'server-token-file': 'serverToken',
  'tls-cert-file': 'tlsCertFile',
  'tls-private-key-file': 'tlsKeyFile',
  'client-ca-file': 'clientCAFile',
  'healthz-port': 'healthzPort',
  'healthz-bind-address': 'healthzBindAddress',
  'images-root': 'imagesRoot',
  'containers-dir': 'containersDir',
  'cgroup-root': 'cgroupRoot',
  'max-pods': 'maxPods',
  'kube-api-qps': 'kubeAPIQPS',
  'kube-api-burst': 'kubeAPIBurst',
  'event-qps': 'eventRecordQPS',
  'event-burst': 'eventBurst',
  'seccomp-default': 'seccompDefault',
  'pod-pids-limit': 'podPidsLimit',
  'allowed-unsafe-sysctls': 'allowedUnsafeSysctls',
  'cluster-dns': 'clusterDNS',
  'cluster-domain': 'clusterDomain',
  'resolv-conf': 'resolvConf',
  'image-credentials-file': 'imageCredentialsFile',
};

/** Flags that may stand alone (--flag means true), parsed like Go's strconv.ParseBool. */
const BOOLEAN = new Set<keyof KubeletOptions>(['seccompDefault']);
function parseBool(name: string, v: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new Error(`invalid boolean value ${JSON.stringify(v)} for --${name}`);
}

const NUMERIC = new Set<keyof KubeletOptions>(['port', 'healthzPort', 'maxPods', 'kubeAPIQPS', 'kubeAPIBurst', 'eventRecordQPS', 'eventBurst']);

/** Parse kubelet flags (--flag value or --flag=value). Throws on unknown flags. */
export function parseKubeletFlags(argv: string[]): KubeletOptions & { help?: boolean } {
  const out: Record<string, unknown> = { podManifestPath: '/etc/kubernetes/manifests', podCIDR: '10.244.0.0/24' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return { help: true };
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = inline;
    if (Object.hasOwn(RECLAIM_FLAGS, name)) {
      value ??= argv[++i];
      if (value === undefined) throw new Error(`flag --${name} needs a value`);
      const [k, v] = reclaimFlagValue(name, value);
      out[k] = v;
      continue;
    }
    const key = Object.hasOwn(FLAGS, name) ? FLAGS[name] : undefined;
    if (!key) throw new Error(`unknown flag --${name}`);
    if (BOOLEAN.has(key)) {
      out[key] = value === undefined ? true : parseBool(name, value);
      continue;
    }
    if (key === 'allowedUnsafeSysctls' || key === 'clusterDNS') {
      value ??= argv[++i];
      if (value === undefined) throw new Error(`flag --${name} needs a value`);
      out[key] = value.split(',').map((x) => x.trim()).filter(Boolean);
      if (key === 'clusterDNS') for (const ip of out[key] as string[]) if (!isIP(ip)) throw new Error(`--cluster-dns: ${JSON.stringify(ip)} is not an IP address`);
      continue;
    }
    if (key === 'podPidsLimit') {
      value ??= argv[++i];
      if (!(value !== undefined && Number.isInteger(Number(value)) && Number(value) >= -1)) throw new Error(`--pod-pids-limit must be an integer >= -1, got ${JSON.stringify(value)}`);
      out[key] = Number(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new Error(`flag --${name} needs a value`);
    }
    if (key === 'maxPods' && !(Number.isInteger(Number(value)) && Number(value) > 0)) throw new Error(`--max-pods must be a positive integer, got ${JSON.stringify(value)}`);
    if (NUMERIC.has(key) && key !== 'port' && key !== 'healthzPort' && !(Number(value) >= 0)) throw new Error(`--${name} must be a number >= 0, got ${JSON.stringify(value)}`);
    out[key] = NUMERIC.has(key) ? Number(value) : key === 'serverToken' ? readFileSync(value, 'utf8').trim() : value;
  }
  validateReclaim(out);
  return out;
}

export async function runKubelet(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parseKubeletFlags>;
  try {
    opts = parseKubeletFlags(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const k = await startKubelet(opts);
  process.stderr.write(`kubelet: node ${k.nodeName} running${k.port ? `, serving on :${k.port}` : ''}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await k.stop();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runKubelet(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`kubelet: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
