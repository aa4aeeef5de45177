// Server-side printing of EndpointSlices: kubectl 1.32's columns (Name,
// AddressType, Ports, Endpoints, Age), at most three ports and three addresses
// shown before "+ N more...".

import type { EndpointSlice } from './discovery.js';
import { AGE, NAME, age, col, type Printer } from './table.js';

const MAX_SHOWN = 3;

function listWithMore(list: string[], count: number): string {
  const shown = list.join(',');
  if (count > MAX_SHOWN) return `${shown} + ${count - MAX_SHOWN} more...`;
  return shown === '' ? '<unset>' : shown;
}

export function endpointSlicePorts(es: EndpointSlice): string {
  const ports = es.ports ?? [];
  const shown = ports.slice(0, MAX_SHOWN).map((p) => (p.port != null ? String(p.port) : p.name ? p.name : '*'));
  return listWithMore(shown, ports.length);
}

export function endpointSliceEndpoints(es: EndpointSlice): string {
  const all = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  if (all.length === 0) return '<unset>';
  return listWithMore(all.slice(0, MAX_SHOWN), all.length);
}

export const endpointSlicePrinter: Printer<EndpointSlice> = {
  columns: [
    NAME,
    col('AddressType', 'string', 'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type.'),
    col('Ports', 'string', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice.'),
    AGE,
  ],
  row(es, now) {
    return { cells: [es.metadata.name, es.addressType ?? '', endpointSlicePorts(es), endpointSliceEndpoints(es), age(es, now)] };
  },
};
