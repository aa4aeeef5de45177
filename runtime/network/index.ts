// Public surface of pod networking.
export * from './types.js';
export { createPodNetwork, bridgeNetfilterEnabled, DEFAULT_NETWORK_STATE_DIR } from './pod-network.js';
export { IPAM } from './ipam.js';
export { parseCIDR, gatewayOf, formatCIDR } from './cidr.js';
