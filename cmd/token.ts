// `hyperkube token create [--ttl D]`: a bootstrap token (kubeadm's format and Secret) for
// `hyperkube join` on another machine, printed on stdout; `hyperkube token list` shows them.

import { RestClient } from '../client/rest.js';
import { ApiError } from '../client/errors.js';
import { bootstrapTokenSecret, formatBootstrapToken, generateBootstrapToken, BOOTSTRAP_TOKEN_SECRET_TYPE } from '../api/bootstrap-token.js';
import { parseGoDuration } from '../api/cron-schedule.js';
import { parseFlags } from './flags.js';
import { ensureNodeBindings } from './node-bindings.js';

const FLAGS = {
  kubeconfig: { type: 'string', default: '', help: 'kubeconfig of an admin (default: $KUBECONFIG, ~/.kube/config, /var/lib/tskube/kubeconfig)' },
  ttl: { type: 'string', default: '24h0m0s', help: 'how long the token is valid (a Go duration; 0: never expires)' },
  description: { type: 'string', default: '', help: 'a human-friendly description of the token' },
} as const;

/** --ttl in ms; a negative or malformed duration is a usage error. */
export function parseTtl(s: string): number {
  const ms = Math.floor(parseGoDuration(s) / 1e6);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`--ttl must be a duration of 0 or more, got ${JSON.stringify(s)}`);
  return ms;
}

export async function runToken(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'create' && sub !== 'list') {
    console.error('usage: hyperkube token create [--ttl D] [--description TEXT] [--kubeconfig FILE]\n       hyperkube token list [--kubeconfig FILE]');
    return 2;
  }
  const parsed = parseFlags(`token ${sub}`, FLAGS, rest);
  if (!parsed) return 0;
  const f = parsed.values;
  const client = RestClient.fromKubeconfig(f.kubeconfig ? { path: f.kubeconfig } : {});
  try {
    if (sub === 'list') {
      const list = await client.secrets('kube-system').list();
      console.log('TOKEN ID   EXPIRES');
      for (const s of (list.items).filter((x) => x.type === BOOTSTRAP_TOKEN_SECRET_TYPE)) {
        const d = (k: string) => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : '');
        console.log(`${d('token-id').padEnd(10)} ${d('expiration') || '<forever>'}`);
      }
      return 0;
    }
    const ttl = parseTtl(f.ttl);
    await ensureNodeBindings(client);
    // A clash of random ids is retried, as kubeadm's.
    for (let i = 0; i < 5; i++) {
      const t = generateBootstrapToken();
      try {
        await client.secrets('kube-system').create(bootstrapTokenSecret(t, ttl, Date.now(), f.description));
      } catch (err) {
        if (err instanceof ApiError && err.status.code === 409) continue;
        throw err;
      }
      console.log(formatBootstrapToken(t));
      return 0;
    }
    throw new Error('could not find a free token id');
  } finally {
    client.close();
  }
}
