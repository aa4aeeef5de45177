// Pulls one image reference from its registry into the store.
import { parseReference, repositoryName, formatReference } from './reference.js';
import { importImage } from './import.js';
import { isIndex, pickPlatform, MEDIA, type OCIIndex, type OCIManifest } from './media.js';
import type { RegistryClient } from './registry.js';
import type { ImageStore } from './store.js';
import type { ImageRecord, PullOptions, PullProgress } from './types.js';

export async function pullImage(store: ImageStore, client: RegistryClient, ref: string, opts: PullOptions = {},
  allowDevices = false): Promise<ImageRecord> {
  const r = parseReference(ref);
  const name = formatReference(r);
  const progress = (p: Omit<PullProgress, 'ref'>) => opts.onProgress?.({ ref: name, ...p });
  const top = await client.manifest(r, r.digest ?? r.tag!, opts.auth);
  progress({ phase: 'resolving', digest: top.digest });
  let manifestBytes = top.body;
  let parsed = parseManifest(top.body, name);
  if (parsed.schemaVersion === 1) throw new Error(`${name}: schema1 manifests are not supported`);
  if (isIndex(top.mediaType ?? parsed.mediaType, parsed)) {
    const d = pickPlatform(parsed.manifests ?? []);
    const m = await client.manifest(r, d.digest, opts.auth);
    manifestBytes = m.body;
    parsed = parseManifest(m.body, name);
  }
  const manifest = parsed as OCIManifest;
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) throw new Error(`${name}: not an image manifest`);
  if (manifest.mediaType && manifest.mediaType !== MEDIA.ociManifest && manifest.mediaType !== MEDIA.dockerManifest) {
    throw new Error(`${name}: unsupported manifest type ${manifest.mediaType}`);
  }
  const config = await client.blobBytes(r, manifest.config.digest, opts.auth);
  progress({ phase: 'config', digest: manifest.config.digest, current: config.length, total: config.length });
  const rec = await importImage(store, {
    config,
    manifest: manifestBytes,
    repoTags: r.tag ? [`${repositoryName(r)}:${r.tag}`] : [],
    repoDigests: [`${repositoryName(r)}@${top.digest}`],
    allowDevices,
    layers: manifest.layers.map((l) => ({
      digest: l.digest,
      size: l.size,
      open: async () => counting(await client.blobStream(r, l.digest, opts.auth), (n) =>
        progress({ phase: 'layer', digest: l.digest, current: n, total: l.size })),
    })),
    onLayer: (i, _diffID, skipped) => {
      const l = manifest.layers[i];
      progress({ phase: 'layer', digest: l.digest, current: l.size, total: l.size, skipped });
    },
  });
  progress({ phase: 'done', digest: rec.id });
  return rec;
}

function parseManifest(body: Buffer, name: string): OCIIndex & OCIManifest & { schemaVersion?: number } {
  let v: unknown;
  try { v = JSON.parse(body.toString('utf8')); } catch { throw new Error(`${name}: the registry's manifest is not JSON`); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${name}: the registry's manifest is not a JSON object`);
  return v as OCIIndex & OCIManifest & { schemaVersion?: number };
}

async function* counting(src: AsyncIterable<Buffer>, report: (bytes: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  let last = 0;
  for await (const c of src) {
    n += c.length;
    // At most one report per MiB, so a big layer does not flood the callback.
    if (n - last >= 1 << 20) { report(n); last = n; }
    yield c;
  }
}
