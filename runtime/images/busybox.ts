// The offline default image: busybox-static from the host, every applet as a symlink, a tiny
// /etc. Built as a real (deterministic) layer tar so it is an ordinary image in the store.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { TarWriter } from './tar-writer.js';
import { sha256 } from './store.js';
import { MEDIA } from './media.js';

const run = promisify(execFile);

export const BUSYBOX_TAG = 'docker.io/library/busybox:latest';

export interface BusyboxImage {
  layer: Buffer;
  config: Buffer;
  manifest: Buffer;
}

export async function buildBusyboxImage(busyboxPath = '/bin/busybox'): Promise<BusyboxImage> {
  const binary = await readFile(busyboxPath);
  const { stdout } = await run(busyboxPath, ['--list-full']);
  const applets = [...new Set(stdout.split('\n').map((s) => s.trim()).filter(Boolean))].sort();

  const t = new TarWriter();
  const dirs = new Set<string>();
  const dir = (d: string, mode = 0o755) => { if (!dirs.has(d)) { dirs.add(d); t.dir(d, { mode }); } };
  for (const d of ['bin', 'sbin', 'usr', 'usr/bin', 'usr/sbin', 'etc', 'var', 'home', 'proc', 'sys', 'dev']) dir(d);
  dir('tmp', 0o1777);
  dir('var/tmp', 0o1777);
  dir('root', 0o700);
  t.file('bin/busybox', binary, { mode: 0o755 });
  t.file('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n');
  t.file('etc/group', 'root:x:0:\nnobody:x:65534:\n');
  for (const a of applets) {
    if (a === 'bin/busybox' || a.includes('..')) continue;
    const parent = a.split('/').slice(0, -1).join('/');
    if (parent) for (let i = 1; i <= parent.split('/').length; i++) dir(parent.split('/').slice(0, i).join('/'));
    t.symlink(a, '/bin/busybox');
  }
  const layer = t.finish();
  const diffID = sha256(layer);
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [diffID] },
    history: [{ created_by: `tskube: ${busyboxPath} with ${applets.length} applets` }],
  }));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: sha256(config), size: config.length },
    layers: [{ mediaType: MEDIA.ociLayer, digest: diffID, size: layer.length }],
  }));
  return { layer, config, manifest };
}
