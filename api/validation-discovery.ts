// Validation of discovery.k8s.io/v1 EndpointSlices, as upstream's discovery
// validation: an address type from the list, at most 1000 endpoints of 1 to 100
// addresses of that type, at most 100 ports with unique names, and an address
// type that never changes.

import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSlice } from './discovery.js';
import { fieldErr, type FieldError } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from './names.js';

const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

function addressErrors(type: string, a: string): string[] {
  if (type === 'IPv4') return isIPv4(a) ? [] : ['must be a valid IPv4 address'];
  if (type === 'IPv6') return isIPv6(a) ? [] : ['must be a valid IPv6 address'];
  if (type === 'FQDN') return isDNS1123Subdomain(a);
  return [];
}

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const type = es.addressType;
  if (!type) errs.push(fieldErr.required('addressType', ''));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(fieldErr.notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints = es.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push({ reason: 'FieldValueTooMany', field: 'endpoints', message: `Too many: ${endpoints.length}: must have at most ${MAX_ENDPOINTS} items` });
  endpoints.forEach((ep, i) => {
    const fp = `endpoints[${i}]`;
    const addrs = ep?.addresses ?? [];
    if (addrs.length === 0) errs.push(fieldErr.required(`${fp}.addresses`, 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push({ reason: 'FieldValueTooMany', field: `${fp}.addresses`, message: `Too many: ${addrs.length}: must have at most ${MAX_ADDRESSES} items` });
    addrs.forEach((a, j) => {
      for (const m of addressErrors(type, String(a))) errs.push(fieldErr.invalid(`${fp}.addresses[${j}]`, a, m));
    });
    if (ep.hostname) for (const m of isDNS1123Label(ep.hostname)) errs.push(fieldErr.invalid(`${fp}.hostname`, ep.hostname, m));
    if (ep.nodeName) for (const m of isDNS1123Subdomain(ep.nodeName)) errs.push(fieldErr.invalid(`${fp}.nodeName`, ep.nodeName, m));
  });
  const ports = es.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push({ reason: 'FieldValueTooMany', field: 'ports', message: `Too many: ${ports.length}: must have at most ${MAX_PORTS} items` });
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const fp = `ports[${i}]`;
    const name = p?.name ?? '';
    if (name) for (const m of isDNS1123Label(name)) errs.push(fieldErr.invalid(`${fp}.name`, name, m));
    if (names.has(name)) errs.push(fieldErr.duplicate(`${fp}.name`, name));
    names.add(name);
    if (p.protocol === undefined) errs.push(fieldErr.required(`${fp}.protocol`, ''));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldErr.notSupported(`${fp}.protocol`, p.protocol, PROTOCOLS));
    if (p.port !== undefined && p.port !== null && p.port !== 0) for (const m of isValidPortNum(p.port)) errs.push(fieldErr.invalid(`${fp}.port`, p.port, m));
    if (p.appProtocol) for (const m of isQualifiedName(p.appProtocol)) errs.push(fieldErr.invalid(`${fp}.appProtocol`, p.appProtocol, m));
  });
  return errs;
}

export function validateEndpointSliceUpdate(es: EndpointSlice, old: EndpointSlice): FieldError[] {
  if (es.addressType !== old.addressType) return [fieldErr.invalid('addressType', es.addressType, 'field is immutable')];
  return [];
}
