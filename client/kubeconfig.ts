// Kubeconfig files, as kubectl reads and writes them: find the file
// (--kubeconfig, $KUBECONFIG, ~/.kube/config, the tskube default), merge the
// $KUBECONFIG list the way kubectl does (first file to name a thing wins),
// resolve the current context into what a RestClient needs.

import { readFileSync, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve, delimiter } from 'node:path';
import yaml from 'js-yaml';

export const TSKUBE_KUBECONFIG = '/var/lib/tskube/kubeconfig';

export interface KubeconfigCluster {
  server: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
}

export interface KubeconfigContext {
  cluster: string;
  user?: string;
  namespace?: string;
}

export interface KubeconfigFile {
  apiVersion?: string;
  kind?: string;
  'current-context'?: string;
  clusters?: { name: string; cluster: KubeconfigCluster }[];
  users?: { name: string; user: KubeconfigUser }[];
  contexts?: { name: string; context: KubeconfigContext }[];
  preferences?: Record<string, unknown>;
}

/** What a client needs to reach and authenticate to one apiserver. */
export interface ClusterConnection {
  server: string;
  /** PEM bytes of the CA bundle to trust (from -data or the file). */
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  username?: string;
  password?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** The context's namespace, if it sets one. */
  namespace?: string;
  /** The context used (absent when built from a bare server URL). */
  context?: string;
}

export interface LoadOptions {
  /** --kubeconfig: the only file read when given. */
  path?: string;
  /** --context: instead of current-context. */
  context?: string;
  /** Environment to read KUBECONFIG/HOME from (tests); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The files to read, in precedence order: --kubeconfig, else $KUBECONFIG's list, else the first default that exists. */
export function kubeconfigPaths(opts: LoadOptions = {}): string[] {
  if (opts.path) return [opts.path];
  const env = opts.env ?? process.env;
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((p) => p.length > 0);
  const home = env.HOME || homedir();
  const candidates = [join(home, '.kube', 'config'), TSKUBE_KUBECONFIG];
  const found = candidates.find((p) => existsSync(p));
  return found ? [found] : [];
}

export function parseKubeconfig(text: string, source = 'kubeconfig'): KubeconfigFile {
  const doc = yaml.load(text);
  if (doc === undefined || doc === null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source}: not a kubeconfig (expected a mapping)`);
  return doc;
}

/** Read one file and make its relative certificate paths absolute, as kubectl does (relative to the file). */
function readOne(path: string): KubeconfigFile {
  const cfg = parseKubeconfig(readFileSync(path, 'utf8'), path);
  const base = dirname(resolve(path));
  const abs = (p: string | undefined): string | undefined => (p && !isAbsolute(p) ? join(base, p) : p);
  for (const c of cfg.clusters ?? []) {
    if (c.cluster) c.cluster['certificate-authority'] = abs(c.cluster['certificate-authority']);
  }
  for (const u of cfg.users ?? []) {
    if (!u.user) continue;
    u.user['client-certificate'] = abs(u.user['client-certificate']);
    u.user['client-key'] = abs(u.user['client-key']);
    u.user.tokenFile = abs(u.user.tokenFile);
  }
  return cfg;
}

/** Merge files: the first to set current-context or to name a cluster/user/context wins. */
export function mergeKubeconfigs(files: KubeconfigFile[]): KubeconfigFile {
  const out: Required<Pick<KubeconfigFile, 'clusters' | 'users' | 'contexts'>> & KubeconfigFile = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const f of files) {
    if (!out['current-context'] && f['current-context']) out['current-context'] = f['current-context'];
    for (const c of f.clusters ?? []) if (!out.clusters.some((x) => x.name === c.name)) out.clusters.push(c);
    for (const u of f.users ?? []) if (!out.users.some((x) => x.name === u.name)) out.users.push(u);
    for (const c of f.contexts ?? []) if (!out.contexts.some((x) => x.name === c.name)) out.contexts.push(c);
  }
  return out;
}

function dataOrFile(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (file) return readFileSync(file);
  return undefined;
}

/** Resolve a (merged) kubeconfig's context into a connection. */
export function resolveConnection(cfg: KubeconfigFile, contextName?: string): ClusterConnection {
  const name = contextName ?? cfg['current-context'];
  if (!name) throw new Error('kubeconfig: no current-context is set');
  const ctx = cfg.contexts?.find((c) => c.name === name)?.context;
  if (!ctx) throw new Error(`kubeconfig: context "${name}" not found`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig: cluster "${ctx.cluster}" of context "${name}" not found`);
  if (!cluster.server) throw new Error(`kubeconfig: cluster "${ctx.cluster}" has no server`);
  const user = ctx.user ? cfg.users?.find((u) => u.name === ctx.user)?.user ?? {} : {};
  const conn: ClusterConnection = { server: cluster.server, context: name };
  const ca = dataOrFile(cluster['certificate-authority-data'], cluster['certificate-authority']);
  if (ca) conn.ca = ca;
  if (cluster['insecure-skip-tls-verify']) conn.insecureSkipTLSVerify = true;
  if (cluster['tls-server-name']) conn.tlsServerName = cluster['tls-server-name'];
  const cert = dataOrFile(user['client-certificate-data'], user['client-certificate']);
  const key = dataOrFile(user['client-key-data'], user['client-key']);
  if (cert) conn.cert = cert;
  if (key) conn.key = key;
  if (user.token) conn.token = user.token;
  else if (user.tokenFile) conn.token = readFileSync(user.tokenFile, 'utf8').trim();
  if (user.username) conn.username = user.username;
  if (user.password) conn.password = user.password;
  if (ctx.namespace) conn.namespace = ctx.namespace;
  return conn;
}

/** Find, read, merge and resolve the kubeconfig; throws a readable error when there is none. */
export function loadKubeconfig(opts: LoadOptions = {}): ClusterConnection {
  const paths = kubeconfigPaths(opts);
  const files: KubeconfigFile[] = [];
  for (const p of paths) {
    // An explicit --kubeconfig must exist; entries of $KUBECONFIG may not (kubectl skips them).
    if (!existsSync(p)) {
      if (opts.path) throw new Error(`kubeconfig: ${p}: no such file`);
      continue;
    }
    files.push(readOne(p));
  }
  if (files.length === 0) {
    throw new Error('no kubeconfig found (tried --kubeconfig, $KUBECONFIG, ~/.kube/config, ' + TSKUBE_KUBECONFIG + '); pass -s/--server');
  }
  return resolveConnection(mergeKubeconfigs(files), opts.context);
}

export interface WriteKubeconfigOptions {
  server: string;
  token?: string;
  /** PEM of the CA; written inline as certificate-authority-data. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  namespace?: string;
  /** Names used for the cluster, user and context; default "tskube". */
  name?: string;
}

/** The kubeconfig YAML for one cluster/user/context, current. */
export function renderKubeconfig(o: WriteKubeconfigOptions): string {
  const name = o.name ?? 'tskube';
  const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64');
  const cluster: KubeconfigCluster = { server: o.server };
  if (o.ca) cluster['certificate-authority-data'] = b64(o.ca);
  if (o.insecureSkipTLSVerify) cluster['insecure-skip-tls-verify'] = true;
  const user: KubeconfigUser = {};
  if (o.token) user.token = o.token;
  if (o.cert) user['client-certificate-data'] = b64(o.cert);
  if (o.key) user['client-key-data'] = b64(o.key);
  const context: KubeconfigContext = { cluster: name, user: name };
  if (o.namespace) context.namespace = o.namespace;
  const cfg: KubeconfigFile = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    preferences: {},
  };
  return yaml.dump(cfg, { lineWidth: -1, noRefs: true });
}

/** Write a kubeconfig (mode 0600, parent dirs created). */
export async function writeKubeconfig(path: string, o: WriteKubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderKubeconfig(o), { mode: 0o600 });
}
