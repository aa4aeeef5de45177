// OCI / Docker media types and the manifest shapes we read.

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { architecture?: string; os?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface OCIIndex {
  schemaVersion?: number;
  mediaType?: string;
  manifests?: Descriptor[];
}

export interface OCIManifest {
  schemaVersion?: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export function isIndex(mediaType: string | undefined, body: { manifests?: unknown }): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || (!mediaType && Array.isArray(body.manifests));
}

/** linux/amd64 from a manifest list (the only platform this runtime runs). */
export function pickPlatform(list: Descriptor[]): Descriptor {
  const m = list.find((d) => d.platform?.os === 'linux' && d.platform?.architecture === 'amd64');
  if (m) return m;
  if (list.length === 1 && !list[0].platform) return list[0];
  const seen = list.map((d) => `${d.platform?.os ?? '?'}/${d.platform?.architecture ?? '?'}`).join(', ');
  throw new Error(`no linux/amd64 image in manifest list (has: ${seen || 'nothing'})`);
}
