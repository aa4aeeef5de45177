// The real /usr/bin/kubectl for tests: a kubeconfig for one server and user, and a runner that
// resolves with the exit code and both streams instead of rejecting (tests assert on refusals).

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApi, type TestApi } from './cluster.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubeconfigUser {
  /** Bearer token; none: an anonymous (or AlwaysAllow) user. */
  token?: string;
  /** CA file for an HTTPS server. */
  ca?: string;
  /** The context's namespace; default "default". */
  namespace?: string;
}

/** Writes a kubeconfig naming one cluster, user and context (all "t") at `path`. */
export async function writeKubeconfig(path: string, server: string, u: KubeconfigUser = {}): Promise<void> {
  const ca = u.ca ? `, certificate-authority: "${u.ca}"` : '';
  const user = u.token ? `{token: "${u.token}"}` : '{}';
  await writeFile(
    path,
    `apiVersion: v1
kind: Config
clusters: [{name: t, cluster: {server: "${server}"${ca}}}]
users: [{name: t, user: ${user}}]
contexts: [{name: t, context: {cluster: t, user: t, namespace: ${u.namespace ?? 'default'}}}]
current-context: t
`,
  );
}

/** Runs kubectl with `kubeconfig` (and its own discovery cache dir, if given); `input` goes to stdin. */
export function runKubectl(kubeconfig: string, args: string[], o: { cacheDir?: string; input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const base = ['--kubeconfig', kubeconfig, ...(o.cacheDir ? ['--cache-dir', o.cacheDir] : [])];
  return new Promise((resolve) => {
    const p = execFile('/usr/bin/kubectl', [...base, ...args], { timeout: o.timeoutMs ?? 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    p.stdin!.on('error', () => {}); // kubectl may exit before reading stdin; its exit code says why
    p.stdin!.end(o.input ?? '');
  });
}

/** kubectl's stdout; throws with its stderr when it exits non-zero. */
export async function kubectlStdout(kubeconfig: string, args: string[], o: { cacheDir?: string; input?: string } = {}): Promise<string> {
  const r = await runKubectl(kubeconfig, args, o);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface KubectlApi {
  api: TestApi;
  /** A temp dir of the test's own (kubeconfig, kubectl's discovery cache), removed by stop(). */
  dir: string;
  kubeconfig: string;
  /** kubectl against this apiserver, with its own discovery cache. */
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** kubectl's stdout; throws with its stderr when it exits non-zero. */
  ok(args: string[], input?: string): Promise<string>;
  stop(): Promise<void>;
}

/** A real apiserver on its own etcd (startTestApi) with an anonymous kubeconfig for kubectl. */
export async function startKubectlApi(tmpPrefix: string, opts: Parameters<typeof startTestApi>[0] = {}): Promise<KubectlApi> {
  const api = await startTestApi(opts);
  const dir = await mkdtemp(join(tmpdir(), tmpPrefix));
  const kubeconfig = join(dir, 'kubeconfig');
  const cacheDir = join(dir, 'cache');
  try {
    await writeKubeconfig(kubeconfig, api.url);
  } catch (e) {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    api,
    dir,
    kubeconfig,
    kubectl: (args, input) => runKubectl(kubeconfig, args, { cacheDir, input }),
    ok: (args, input) => kubectlStdout(kubeconfig, args, { cacheDir, input }),
    async stop() {
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
