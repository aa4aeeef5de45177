// `hyperkube scheduler`: the scheduler alone, against an apiserver. Also runnable
// directly (`node --import tsx cmd/scheduler.ts --server=...`), which tests use to kill it.

import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { RestClient } from '../client/rest.js';
import { startScheduler, DEFAULT_SCHEDULER_NAME } from '../scheduler/scheduler.js';
import { parseFlags, untilSignal, UsageError } from './flags.js';

const FLAGS = {
  kubeconfig: { type: 'string', default: '', help: 'kubeconfig file with the apiserver and credentials' },
  master: { type: 'string', default: '', help: 'apiserver URL (overrides the kubeconfig)' },
  server: { type: 'string', default: '', help: 'same as --master' },
  'scheduler-name': { type: 'string', default: DEFAULT_SCHEDULER_NAME, help: 'schedule pods whose spec.schedulerName is this' },
  'metrics-port': { type: 'string', default: '', help: 'serve Prometheus metrics on 127.0.0.1:<port>/metrics (off when empty)' },
} as const;

export async function runScheduler(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags('scheduler', FLAGS, argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    return 2;
  }
  if (!parsed) return 0;
  const f = parsed.values;
  const server = f.master || f.server;
  const client = server ? new RestClient(server) : RestClient.fromKubeconfig(f.kubeconfig ? { path: f.kubeconfig } : {});
  const registry = new Registry();
  const scheduler = await startScheduler({ client, schedulerName: f['scheduler-name'], registry });
  const metrics = f['metrics-port']
    ? createServer((req, res) => {
        if (req.url !== '/metrics') {
          res.writeHead(404).end();
          return;
        }
        registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text), () => res.writeHead(500).end());
      }).listen(Number(f['metrics-port']), '127.0.0.1')
    : undefined;
  console.log(`scheduler: running as "${f['scheduler-name']}" against ${client.connection.server}`);
  await untilSignal();
  metrics?.close();
  await scheduler.stop();
  client.close();
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runScheduler(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`scheduler: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
