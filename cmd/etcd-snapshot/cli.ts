// `hyperkube etcd-snapshot save|ls|rm|restore`, k3s's `etcd-snapshot` on the data dir of `up`:
// save asks the running etcd for a snapshot; ls and rm work on the snapshot directory; restore
// puts a snapshot back into a stopped cluster with etcd's own restore.

import { hostname } from 'node:os';
import { dirname, basename } from 'node:path';
import { parseFlags, UsageError } from '../flags.js';
import { checkName, dbPath, DB_SUFFIX, listSnapshots, META_SUFFIX, metaPath, readMeta, removeSnapshot } from './store.js';
import { snapshotName, takeSnapshot } from './take.js';
import { connectUpEtcd } from './up-etcd.js';
import { restoreSnapshot } from './restore.js';
import { snapshotDir } from './up-snapshots.js';

const FLAGS = {
  'data-dir': { type: 'string', default: '/var/lib/tskube', help: 'data dir of `up`' },
  'etcd-snapshot-dir': { type: 'string', default: '', help: 'directory of the snapshots (default <data-dir>/snapshots)' },
  name: { type: 'string', default: 'on-demand', help: 'save: the snapshot is named <name>-<node>-<unix seconds>, as k3s names it' },
  'node-name': { type: 'string', default: '', help: 'save: node name in the snapshot name (default: the hostname, lowercased)' },
  'etcd-peer-port': { type: 'string', default: '12380', help: "restore: etcd's peer port, as given to up" },
  output: { type: 'string', short: 'o', default: 'table', help: 'ls: table or json' },
} as const;

const SUBCOMMANDS = `subcommands:
  save [--name N]   snapshot the running etcd of the data dir (etcd's Maintenance.Snapshot)
  ls | list         the snapshots, oldest first
  rm | delete NAME  remove a snapshot
  restore FILE      restore a snapshot (a name from ls, or the path of a .db with its .json beside it)
                    into the data dir of a stopped up; the next up starts from it`;

const pad = (s: string, n: number) => s.padEnd(n);

export async function runEtcdSnapshot(argv: string[]): Promise<number> {
  const parsed = parseFlags('etcd-snapshot <save|ls|rm|restore>', FLAGS, argv);
  if (!parsed) {
    console.log(`\n${SUBCOMMANDS}`);
    return 0;
  }
  const f = parsed.values;
  const [sub, ...args] = parsed.positionals;
  const dataDir = f['data-dir'];
  const dir = snapshotDir(f['etcd-snapshot-dir'], dataDir);
  switch (sub) {
    case 'save': {
      if (args.length) throw new UsageError(`save takes no arguments (the name is --name), got ${args.join(' ')}`);
      checkName(f.name);
      const node = (f['node-name'] || hostname()).toLowerCase();
      const client = await connectUpEtcd(dataDir);
      try {
        const at = new Date();
        const m = await takeSnapshot(client, { dir, name: snapshotName(f.name, node, at), nodeName: node, scheduled: false, now: at });
        console.log(`Snapshot ${m.name} saved (${m.size} bytes, revision ${m.revision}, sha256 ${m.sha256}) in ${dir}`);
      } finally {
        client.close();
      }
      return 0;
    }
    case 'ls':
    case 'list': {
      const all = await listSnapshots(dir);
      if (f.output === 'json') {
        console.log(JSON.stringify(all, null, 2));
        return 0;
      }
      if (f.output !== 'table') throw new UsageError('--output is table or json');
      const w = Math.max(4, ...all.map((s) => s.name.length)) + 2;
      console.log(`${pad('Name', w)}${pad('Size', 12)}${pad('Created', 26)}Location`);
      for (const s of all) console.log(`${pad(s.name, w)}${pad(String(s.size), 12)}${pad(s.createdAt, 26)}file://${dbPath(dir, s.name)}`);
      return 0;
    }
    case 'rm':
    case 'delete': {
      if (!args.length) throw new UsageError('rm needs the name of a snapshot (see ls)');
      for (const name of args) checkName(name); // all refused before any is removed
      for (const name of args) {
        await removeSnapshot(dir, name);
        console.log(`Snapshot ${name} removed`);
      }
      return 0;
    }
    case 'restore': {
      if (args.length !== 1) throw new UsageError('restore needs one snapshot: a name from ls or the path of a .db file');
      const arg = args[0];
      // A name from ls, or a path: the metadata sits beside the file.
      let file: string;
      let meta: string;
      if (arg.includes('/')) {
        if (!arg.endsWith(DB_SUFFIX)) throw new Error(`${arg}: a snapshot file ends in ${DB_SUFFIX} and has its ${META_SUFFIX} metadata beside it`);
        file = arg;
        meta = metaPath(dirname(arg), basename(arg, DB_SUFFIX));
      } else {
        checkName(arg);
        file = dbPath(dir, arg);
        meta = metaPath(dir, arg);
      }
      const m = await readMeta(meta);
      const peerPort = Number(f['etcd-peer-port']);
      if (!Number.isInteger(peerPort) || peerPort < 1 || peerPort > 65535) throw new UsageError('--etcd-peer-port must be a port number');
      const kept = await restoreSnapshot({ dataDir, file, meta: m, peerPort });
      console.log(`Snapshot ${m.name} (revision ${m.revision}, taken ${m.createdAt}) restored into ${dataDir}; the replaced etcd data is kept in ${kept}. Start hyperkube up to run from it.`);
      return 0;
    }
    default:
      throw new UsageError(`etcd-snapshot: ${sub ? `unknown subcommand "${sub}"` : 'a subcommand is needed'}\n\n${SUBCOMMANDS}`);
  }
}
