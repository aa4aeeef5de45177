// kubecfg's entry point: parse, connect (-s/--server, else the kubeconfig),
// dispatch the verb, turn every failure into a message and exit code 1.

import { loadKubeconfig, type ClusterConnection } from '../../client/kubeconfig.js';
import { RestClient } from '../../client/rest.js';
import { Flags, parseArgs, UsageError } from './args.js';
import { errorText, type Ctx, type KubecfgIO } from './context.js';
import { getCommand } from './get.js';
import { applyCommand, createCommand, deleteCommand, describeCommand } from './write.js';
import { listCommand, resizeCommand, rmCommand, runCommand, stopCommand } from './classic.js';
import { rollingUpdateCommand } from './rolling.js';

export type { KubecfgIO } from './context.js';

const USAGE = `kubecfg controls a tskube (Kubernetes-compatible) cluster.

Usage: kubecfg [flags] <verb> [args]

Verbs:
  get TYPE[,TYPE] [NAME...]     show resources (-o wide|yaml|json|name, -l, --field-selector, -A, -w)
  create -f FILE|DIR|-          create objects from manifests
  apply -f FILE|DIR|-           server-side apply (field manager "kubecfg"; --force-conflicts)
  delete TYPE NAME... | -f FILE delete (--grace-period, --cascade=background|foreground|orphan, -l, --all)
  describe TYPE [NAME...]       details and events
  run IMAGE REPLICAS NAME       a replication controller labelled name=NAME (-p hostPort:containerPort, -s [port] for a service)
  resize RC N                   set the replica count
  stop RC                       scale to 0 and wait until none of its pods is left running or
                                terminating (--timeout, default 5m: then exit 1 naming the pods left)
  rm RC                         delete a replication controller (its pods are deleted in the background)
  rollingupdate RC --image IMG  replace pods one at a time: a new pod must be Ready before an old one
                                goes, and it succeeds only when all new pods are Ready (-u PERIOD
                                between steps, default 1m; --timeout per step, default 5m: then it
                                rolls back to the old controller and exits 1 saying why)
  list minions|pods|replicationControllers|services

Flags:
  --kubeconfig PATH, -s/--server URL, --context NAME, --token TOKEN, -n/--namespace NS,
  -json, -yaml (classic output)
`;

type Verb = (ctx: Ctx) => Promise<number>;

const VERBS: Record<string, Verb> = {
  get: getCommand,
  create: createCommand,
  apply: applyCommand,
  delete: deleteCommand,
  describe: describeCommand,
  run: runCommand,
  resize: resizeCommand,
  stop: stopCommand,
  rm: rmCommand,
  rollingupdate: rollingUpdateCommand,
  list: listCommand,
};

function connection(flags: Flags, env: NodeJS.ProcessEnv | undefined): ClusterConnection {
  const server = flags.str('server');
  const context = flags.str('context');
  let conn: ClusterConnection;
  if (server) {
    // An explicit server still takes credentials from the kubeconfig when there is one.
    let base: ClusterConnection | undefined;
    try {
      base = loadKubeconfig({ ...(flags.str('kubeconfig') ? { path: flags.str('kubeconfig')! } : {}), ...(context ? { context } : {}), ...(env ? { env } : {}) });
    } catch {
      base = undefined;
    }
    const url = /^https?:\/\//.test(server) ? server : `http://${server}`;
    conn = { ...(base ?? {}), server: url };
  } else {
    conn = loadKubeconfig({ ...(flags.str('kubeconfig') ? { path: flags.str('kubeconfig')! } : {}), ...(context ? { context } : {}), ...(env ? { env } : {}) });
  }
  const token = flags.str('token');
  if (token) conn.token = token;
  if (flags.bool('insecure-skip-tls-verify')) conn.insecureSkipTLSVerify = true;
  return conn;
}

/** Run kubecfg with these arguments (without "node kubecfg"); resolves to the exit code. */
export async function kubecfgMain(argv: string[], io: Partial<KubecfgIO> = {}): Promise<number> {
  const fullIO: KubecfgIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    ...(io.stdin !== undefined ? { stdin: io.stdin } : { stdin: process.stdin }),
    ...(io.env ? { env: io.env } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  };
  let client: RestClient | undefined;
  try {
    const parsed = parseArgs(argv);
    const flags = new Flags(parsed);
    const [verb, ...args] = parsed.positional;
    if (flags.bool('help') || !verb || verb === 'help') {
      (verb ? fullIO.stdout : fullIO.stderr).write(USAGE);
      return verb || flags.bool('help') ? 0 : 1;
    }
    const run = VERBS[verb];
    if (!run) throw new UsageError(`unknown command "${verb}" for "kubecfg"\n\n${USAGE}`);
    const conn = connection(flags, fullIO.env);
    client = new RestClient(conn, { userAgent: 'kubecfg/0.1 (tskube)' });
    const ctx: Ctx = {
      client,
      flags,
      io: fullIO,
      namespace: flags.str('namespace') ?? conn.namespace ?? 'default',
      allNamespaces: flags.bool('all-namespaces'),
      args,
    };
    return await run(ctx);
  } catch (err) {
    if (fullIO.signal?.aborted) return 0;
    fullIO.stderr.write(errorText(err) + '\n');
    return 1;
  } finally {
    client?.close();
  }
}
