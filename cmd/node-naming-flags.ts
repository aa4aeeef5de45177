// The names a node's kubelet and proxy own on the host (bridge, state and log dirs, cgroup tree,
// iptables chains, Service device): flags of both `up` and `join`, so two nodes on one machine
// (or a test cluster beside a real one) can each have their own.

export const NODE_NAMING_FLAGS = {
  bridge: { type: 'string', default: 'cbr0', help: 'pod bridge' },
  'state-dir': { type: 'string', default: '/run/tskube', help: 'runtime state (sandboxes, containers, network)' },
  'log-dir': { type: 'string', default: '/var/log/pods', help: 'container logs' },
  'cgroup-root': { type: 'string', default: 'tskube', help: 'cgroup tree the pods run in' },
  'chain-prefix': { type: 'string', default: 'TSKUBE', help: 'prefix of the pod network iptables chains' },
  'proxy-chain-prefix': { type: 'string', default: 'KUBE', help: 'prefix of the Service iptables chains (at most 7 characters)' },
  'service-device': { type: 'string', default: 'tkube-svc0', help: 'local device the Service CIDR is routed to' },
} as const;
