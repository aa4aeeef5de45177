// Public surface of the image store.
export * from './types.js';
export { createImageService, DEFAULT_IMAGE_ROOT } from './service.js';
export { parseReference, normalizeReference, formatReference, type ImageReference } from './reference.js';
export { BUSYBOX_TAG } from './busybox.js';
