// The etcd client thread: serves the KV boundary (an EtcdKV) to WorkerKV over
// the worker's message port. Replies and watch events of one event-loop turn go
// back as one message.

import { parentPort, workerData } from 'node:worker_threads';
import { EtcdKV, type EtcdKVOptions } from './etcd-kv.js';
import { Packer, packResult, toWireError, type Reply, type Request } from './kv-wire.js';

const port = parentPort!;
const kv = new EtcdKV(workerData as EtcdKVOptions);
const watches = new Map<number, { stop(): void }>();

let out: Reply[] = [];
let packer = new Packer();
let scheduled = false;

function flush(): void {
  scheduled = false;
  const buf = packer.finish();
  const msg = { buf, out };
  out = [];
  packer = new Packer();
  port.postMessage(msg, [buf]);
}

/** Queue a reply; `pack` runs now, while the values it references are current. */
function send(make: (p: Packer) => Reply): void {
  out.push(make(packer));
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

function run(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'get':
      return kv.get(req.key, { serializable: req.serializable });
    case 'list':
      return kv.list(req.prefix, req.opts);
    case 'create':
      return kv.create(req.key, req.value);
    case 'update':
      return kv.update(req.key, req.value, req.expected);
    case 'delete':
      return kv.delete(req.key, req.expected);
    case 'currentRevision':
      return kv.currentRevision();
    case 'probe':
      return kv.probe(req.prefix, req.since);
    case 'compact':
      return kv.compact(req.revision);
    case 'watch': {
      const id = req.watch;
      const w = kv.watch(req.prefix, { fromRevision: req.fromRevision, previous: req.previous }, {
        onEvents: (events) => send((p) => ({ w: id, events: events.map((e) => p.event(e)) })),
        onProgress: (revision) => send(() => ({ w: id, progress: revision })),
        onError: (err) => {
          watches.delete(id);
          send(() => ({ w: id, error: toWireError(err) }));
        },
      });
      watches.set(id, w);
      return Promise.resolve(undefined);
    }
    case 'unwatch':
      watches.get(req.watch)?.stop();
      watches.delete(req.watch);
      return Promise.resolve(undefined);
    case 'close':
      for (const w of watches.values()) w.stop();
      watches.clear();
      return kv.close();
  }
}

port.on('message', (reqs: Request[]) => {
  for (const req of reqs) {
    run(req).then(
      (value) => {
        // Watch requests are answered by their events; nobody waits on their id.
        if (req.op !== 'watch' && req.op !== 'unwatch') send((p) => ({ id: req.id, ok: true, value: packResult(req.op, value, p) }));
      },
      (err) => send(() => ({ id: req.id, ok: false, err: toWireError(err) })),
    );
  }
});
