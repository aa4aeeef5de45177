// V8 flags the server processes run with: a young generation fitted to a small node.
// V8 grows each semi-space up to 16 MiB under allocation bursts (a pod burst, a big
// LIST) and keeps it: measured (bench pods, up-memory.ts) `up` idle at 160 MiB RSS
// with the default, 135 MiB with --max-semi-space-size=2, 139 MiB with 4; and the
// kubelet's PSS growth over a 30-pod burst (bench peers) was mostly this.
// Smaller scavenges are also shorter pauses; the CPU time `up` used to start 60 pods
// did not move beyond the noise (5.2 s default, 5.4 s with 2 MiB, load ~17).
// (A larger young generation, --max-semi-space-size=32, once bought ~5-10% more
// creates/s when the apiserver did everything on one thread; with the etcd client in
// a worker thread it bought nothing measurable and doubled the longest scavenge pauses.)
// The standalone apiserver of bench api runs without it. Kept as a list so that every
// place that starts a server process (hack/up.sh, the hyperkube shebang, tests) agrees.
export const SERVER_NODE_FLAGS: string[] = ['--max-semi-space-size=2'];

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
