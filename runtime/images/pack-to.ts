// A tar-stream pack piped into a writable, for writers that add entries one by one.
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { pack as tarPack, type Pack } from 'tar-stream';

/** Packs what `fill` adds into `out`. When `fill` throws, the pack is destroyed and the pipe
 *  awaited before the error goes on, so no stream is left open and no half archive looks whole. */
export async function packTo(out: Writable, fill: (p: Pack) => Promise<void>): Promise<void> {
  const p = tarPack();
  const done = pipeline(p, out);
  try {
    await fill(p);
    p.finalize();
  } catch (e) {
    p.destroy(e as Error);
    await done.catch(() => undefined);
    throw e;
  }
  await done;
}
