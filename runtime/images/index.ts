// Public surface of the image store.
export * from './types.js';
export { createImageService, DEFAULT_IMAGE_ROOT } from './service.js';
export { parseReference, normalizeReference, formatReference, type ImageReference } from './reference.js';
export { BUSYBOX_TAG } from './busybox.js';
export { ImageStore, type StoredImage } from './store.js';
export { RegistryClient, RegistryError, parseChallenge } from './registry.js';
export { findImage } from './service.js';
export { saveImages, type ArchiveFormat } from './save.js';
export { commitLayer, importRootfs, exportRootfs } from './commit.js';
export { pushImage, type PushProgress } from './push.js';
export { Keyring, parseDockerConfig } from './keyring.js';
