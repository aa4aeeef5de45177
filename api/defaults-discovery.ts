// Defaults of discovery.k8s.io/v1 EndpointSlices, as upstream's: a port's
// protocol is TCP and its name "" when not given.

import type { EndpointSlice } from './discovery.js';

export function defaultEndpointSlice(es: EndpointSlice): void {
  for (const p of es.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    p.protocol ??= 'TCP';
    p.name ??= '';
  }
}
