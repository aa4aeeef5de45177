// Contract of pod networking, used by the sandbox code in runtime/.

export type PortProtocol = 'TCP' | 'UDP';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: PortProtocol;
  /** Only DNAT traffic to this host address (default: every local address, incl. 127.0.0.1). */
  hostIP?: string;
}

export interface PodNetworkSetup {
  sandboxId: string;
  /** A bind-mounted netns file (e.g. /run/netns/x) or /proc/<pid>/ns/net. Ignored with hostNetwork.
   *  May be a promise: setup allocates the address and starts the hostPort rules meanwhile
   *  (the runtime starts setup while it launches the pause process); a rejection undoes setup. */
  netnsPath: string | Promise<string>;
  portMappings: PortMapping[];
  /** Pod shares the host's network namespace: setup/teardown are no-ops. */
  hostNetwork?: boolean;
  /** Return once the pod's interface is up, with the hostPort rules still being written
   *  (`PodNetworkResult.hostPorts`): the runtime overlaps them with the container's start. */
  deferHostPorts?: boolean;
}

export interface PodNetworkResult {
  /** Pod IP ('' for hostNetwork). */
  ip: string;
  gateway: string;
  prefixLength: number;
  interface: 'eth0';
  /** With `deferHostPorts` and hostPorts asked for: settles when their rules are written. A
   *  rejection leaves the pod's network in place (the caller tears it down). */
  hostPorts?: Promise<void>;
}

export interface PodNetworkStatus {
  sandboxId: string;
  ip: string;
  gateway: string;
  prefixLength: number;
  hostVeth: string;
  portMappings: PortMapping[];
}

export interface PodNetwork {
  /** Idempotent per sandboxId: a second setup returns the existing allocation. */
  setup(req: PodNetworkSetup): Promise<PodNetworkResult>;
  /** Removes veth, hostPort rules and releases the IP. Safe to call twice or for unknown ids. */
  teardown(sandboxId: string): Promise<void>;
  status(sandboxId: string): Promise<PodNetworkStatus | null>;
  /** Every sandbox id holding network state or an address (to find ones no sandbox record names). */
  sandboxIds?(): Promise<string[]>;
  /** Remove everything created with this chainPrefix/bridge: pods' veths, chains, bridge, state. */
  cleanup(): Promise<void>;
}

export interface PodNetworkOptions {
  /** Default 'cbr0'. */
  bridgeName?: string;
  /** e.g. '10.244.0.0/24'; the bridge gets the first host address (gateway). */
  podCIDR: string;
  /** IPAM and per-pod state (default /run/tskube/network; IPAM persists here, so use /var/lib for reboots). */
  stateDir?: string;
  /** Prefix of every iptables chain this instance creates (default 'TSKUBE'). */
  chainPrefix?: string;
  /** MTU of bridge and veths (default 1500). */
  mtu?: number;
  /** Turn on net.ipv4.ip_forward (needed for pod egress and pod→hostPort of another pod).
   *  Default true, as kubelet/CNI do; tests that only talk host↔pod may pass false. */
  enableForwarding?: boolean;
  /** The cluster's pod network (every node's pod CIDR): traffic to it is not masqueraded (other nodes
   *  see pod IPs, as host-gw routing needs), and pods of other nodes reach the bridge address. */
  clusterCIDR?: string;
}
