// Secrets: stringData is write-only convenience, merged into base64 data on every write.

import type { KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import { setOwn } from '../../api/own-keys.js';
import { defaultStrategy, type Strategy } from './strategy.js';

function foldStringData(obj: KubeObject): void {
  const sd = obj.stringData as Record<string, string> | undefined;
  if (sd && typeof sd === 'object') {
    const data = { ...((obj.data as Record<string, string>) ?? {}) };
    for (const [k, v] of Object.entries(sd)) setOwn(data, k, Buffer.from(String(v), 'utf8').toString('base64'));
    obj.data = data;
  }
  delete obj.stringData;
  obj.type ??= 'Opaque';
}

export function secretStrategy(info: ResourceInfo): Strategy {
  return defaultStrategy(info, {
    prepareForCreate: foldStringData,
    prepareForUpdate: (obj) => foldStringData(obj),
  });
}
