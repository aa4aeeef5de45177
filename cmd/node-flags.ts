// V8 flags the server processes run with: none. A larger young generation
// (--max-semi-space-size=32) once bought ~5-10% more creates/s when the apiserver
// did everything on one thread; with the etcd client in a worker thread it buys
// nothing measurable, and it doubles the longest scavenge pauses (~10 ms → ~18 ms
// measured with --trace-gc under bench api), which every request in flight waits
// out. The etcd client thread sets its own, smaller young generation
// (apiserver/storage/kv-worker-client.ts). Kept as a list so that every place that
// starts a server process (hack/up.sh, the hyperkube shebang, tests) agrees.
export const SERVER_NODE_FLAGS: string[] = [];
