// Image pull per imagePullPolicy. The offline busybox image (built from the
// host's busybox-static) is never pulled from a registry: "pulling" it means
// making sure the local build exists, so pods naming busybox run offline.
import type { Container } from '../api/core.js';
import { defaultPullPolicy } from '../api/defaults.js';
import { BUSYBOX_TAG, normalizeReference, type ImageService, type RegistryAuth } from '../runtime/images/index.js';

export class ImagePullError extends Error {
  constructor(
    message: string,
    /** ErrImageNeverPull for policy Never with the image absent. */
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
  ) {
    super(message);
  }
}

export interface EnsuredImage {
  ref: string;
  id: string;
  /** true when the image was fetched now (a "Pulled" event is due). */
  pulled: boolean;
  durationMs: number;
}

/** `credentials` gives what to try for a pull, in order (pod pull secrets, then the node's file). */
export async function ensureImage(images: ImageService, c: Container, credentials?: (image: string) => Promise<RegistryAuth[]>): Promise<EnsuredImage> {
  const image = c.image ?? '';
  let ref: string;
  try {
    ref = normalizeReference(image);
  } catch (e) {
    throw new ImagePullError(`Failed to apply default image tag "${image}": ${(e as Error).message}`, 'InvalidImageName');
  }
  const policy = c.imagePullPolicy ?? defaultPullPolicy(image);
  const t0 = Date.now();
  if (ref === BUSYBOX_TAG) {
    const rec = await images.ensureBusybox();
    return { ref: image, id: rec.id, pulled: false, durationMs: Date.now() - t0 };
  }
  const present = await images.imageStatus(image);
  if (present && policy !== 'Always') return { ref: image, id: present.id, pulled: false, durationMs: 0 };
  if (policy === 'Never') throw new ImagePullError(`Container image "${image}" is not present with pull policy of Never`, 'ErrImageNeverPull');
  const creds = (await credentials?.(image)) ?? [];
  // As upstream: each matching credential in turn until one pulls; none → anonymous. The
  // errors of every attempt are reported (one: its message; more: upstream's aggregate "[a, b]").
  const errors: string[] = [];
  for (const auth of creds.length ? creds : [undefined]) {
    try {
      const rec = await images.pullImage(image, auth ? { auth } : undefined);
      return { ref: image, id: rec.id, pulled: true, durationMs: Date.now() - t0 };
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  const msg = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  throw new ImagePullError(`Failed to pull image "${image}": ${msg}`, 'ErrImagePull');
}
