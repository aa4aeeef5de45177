// Contract of the image store, used by the container runtime (runtime/cri.ts) and the CLI.

/** Credentials for a registry. `token` is a ready bearer token; username/password are used for
 *  Basic auth and for the Bearer token endpoint (WWW-Authenticate challenge). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  token?: string;
}

export interface PullProgress {
  /** 'resolving' → manifest fetched; 'layer' → a blob is downloading / done / skipped; 'done' at the end. */
  phase: 'resolving' | 'config' | 'layer' | 'done';
  ref: string;
  digest?: string;
  /** Bytes received so far for `digest`, and its total (from the manifest). */
  current?: number;
  total?: number;
  /** True when the blob was already in the store and was not downloaded. */
  skipped?: boolean;
}

export interface PullOptions {
  auth?: RegistryAuth;
  onProgress?: (p: PullProgress) => void;
}

/** One image in the store. */
export interface ImageRecord {
  /** `sha256:<hex>` of the image config blob (as docker/containerd image IDs). */
  id: string;
  /** Normalized tags, e.g. `docker.io/library/busybox:latest`. */
  repoTags: string[];
  /** `repo@sha256:<manifest digest>` entries known for this image. */
  repoDigests: string[];
  /** Sum of compressed layer sizes + config size, in bytes. */
  size: number;
  /** Layer diffIDs (`sha256:` of the uncompressed tar), lowest first. */
  layers: string[];
  /** Creation time from the image config, if present (RFC 3339). */
  created?: string;
}

/** The subset of the OCI image config the runtime needs to run a container. */
export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
}

export interface ResolvedImage {
  id: string;
  /** Absolute unpacked layer directories, lowest first; usable directly as overlay lowerdirs
   *  (whiteouts are overlayfs-native: char device 0/0, opaque dirs carry trusted.overlay.opaque=y). */
  layers: string[];
  config: ImageRunConfig;
}

export interface RemoveImageOptions {
  /** Called with the image id; if it returns true the removal is refused (image in use). */
  inUse?: (id: string) => boolean;
}

export interface ImageService {
  /** Pull from a Docker/OCI registry (HTTP API v2). Concurrent pulls of one ref share one promise. */
  pullImage(ref: string, opts?: PullOptions): Promise<ImageRecord>;
  /** Load an OCI image layout (directory or tar) or a docker-archive tar (`docker save`). */
  loadArchive(path: string): Promise<ImageRecord[]>;
  listImages(): Promise<ImageRecord[]>;
  /** By tag (`busybox`, `docker.io/library/busybox:latest`), by digest ref, by id or unique id prefix. */
  imageStatus(ref: string): Promise<ImageRecord | null>;
  /** Removing by tag untags; the image (and layers no other image uses) is deleted when no tag is left,
   *  or at once when removed by id. Throws ImageInUseError when opts.inUse(id) is true. */
  removeImage(ref: string, opts?: RemoveImageOptions): Promise<void>;
  /** Throws ImageNotFoundError if the image is not in the store. */
  resolve(ref: string): Promise<ResolvedImage>;
  /** Make sure the offline `busybox:latest` image (from the host's busybox-static) exists. Idempotent. */
  ensureBusybox(): Promise<ImageRecord>;
}

export interface ImageStoreOptions {
  /** Default /var/lib/tskube/images. */
  root?: string;
  /** Allow device nodes in layers (default false: rejected). */
  allowDevices?: boolean;
  /** Registries reached over plain http (default: localhost, 127.0.0.1, [::1] with any port). */
  insecureRegistries?: string[];
  /** Path of the host busybox for ensureBusybox (default /bin/busybox). */
  busyboxPath?: string;
}

export class ImageNotFoundError extends Error {
  constructor(public readonly ref: string) {
    super(`image not found: ${ref}`);
    this.name = 'ImageNotFoundError';
  }
}

export class ImageInUseError extends Error {
  constructor(public readonly id: string) {
    super(`image ${id} is in use by a container`);
    this.name = 'ImageInUseError';
  }
}

/** A layer tar that tried to write outside its root, or held something not allowed. */
export class UnsafeLayerError extends Error {
  constructor(public readonly entry: string, reason: string) {
    super(`unsafe layer entry ${JSON.stringify(entry)}: ${reason}`);
    this.name = 'UnsafeLayerError';
  }
}
