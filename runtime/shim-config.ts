// The shim's config file format: one "key value" per line, keys may repeat
// (arrays), values escape "\" as "\\" and newline as "\n".
import { writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

export type ShimConfig = [key: string, value: string | number][];

export function encodeShimConfig(entries: ShimConfig): string {
  let out = '';
  for (const [k, v] of entries) {
    if (!/^[a-z_]+$/.test(k)) throw new Error(`bad shim config key ${k}`);
    out += `${k} ${String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
  }
  return out;
}

export function writeShimConfig(path: string, entries: ShimConfig): void {
  writeFileSync(path, encodeShimConfig(entries), { mode: 0o600 });
}

/** The same off the event loop, for the pod start path (many at once in a burst). */
export async function saveShimConfig(path: string, entries: ShimConfig): Promise<void> {
  await writeFile(path, encodeShimConfig(entries), { mode: 0o600 });
}
