// V8 flags the server processes run with: none. A larger young generation
// (--max-semi-space-size=32) once bought ~5-10% more creates/s when the apiserver
// did everything on one thread; with the etcd client in a worker thread it buys
// nothing measurable, and it doubles the longest scavenge pauses (~10 ms → ~18 ms
// measured with --trace-gc under bench api), which every request in flight waits
// out. The etcd client thread sets its own, smaller young generation
// (apiserver/storage/kv-worker-client.ts). Kept as a list so that every place that
// starts a server process (hack/up.sh, the hyperkube shebang, tests) agrees.
export const SERVER_NODE_FLAGS: string[] = [];

// Runtime options a node process (kubelet, `up`) takes as flags, with upstream's names. The
// command that builds the Runtime maps each flag to the RuntimeOptions field and its parser.
export interface RuntimeFlag {
  /** flag name without "--". */
  flag: string;
  /** RuntimeOptions field it sets. */
  option: 'reservedPids';
  help: string;
  parse(value: string): number;
}

export const RUNTIME_FLAGS: readonly RuntimeFlag[] = [
  {
    flag: 'system-reserved-pids',
    option: 'reservedPids',
    help: 'pids kept for the host: the pods cgroup root gets pids.max = min(pid_max, threads-max) minus this (default 1024)',
    parse(value: string): number {
      const n = Number(value);
      if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new Error(`--system-reserved-pids must be a whole number >= 0, got ${JSON.stringify(value)}`);
      return n;
    },
  },
];
