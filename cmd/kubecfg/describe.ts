// `kubecfg describe`: an object as human "Key: value" lines (the metadata
// kubectl shows first, then spec and status rendered generically, indented),
// followed by the object's Events.

import type { Event } from '../../api/core.js';
import type { ObjectMeta } from '../../api/meta.js';
import { formatColumns, humanAge } from './printers.js';

interface Describable {
  kind?: string;
  metadata?: ObjectMeta;
  [k: string]: unknown;
}

/** "fooBarBaz" → "Foo Bar Baz", as kubectl titles its fields. */
function title(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return '<none>';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  // Objects are JSON values here; their JSON text, not "[object Object]".
  return JSON.stringify(v) ?? '';
}

function isScalar(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

function mapLines(m: Record<string, string> | undefined, indent: string, label: string, width: number): string[] {
  const keys = m ? Object.keys(m).sort() : [];
  if (keys.length === 0) return [`${indent}${(label + ':').padEnd(width)}<none>`];
  return keys.map((k, i) => `${indent}${(i === 0 ? label + ':' : '').padEnd(width)}${k}=${m![k]}`);
}

/** Render any JSON value as indented "Key:  value" lines. */
export function renderValue(key: string, v: unknown, indent: string, out: string[]): void {
  const label = `${indent}${title(key)}:`;
  if (isScalar(v)) {
    out.push(`${label.padEnd(Math.max(label.length + 2, 24))}${scalar(v)}`);
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(`${label.padEnd(Math.max(label.length + 2, 24))}<none>`);
      return;
    }
    if (v.every(isScalar)) {
      out.push(`${label.padEnd(Math.max(label.length + 2, 24))}${v.map(scalar).join(', ')}`);
      return;
    }
    out.push(label);
    for (const item of v) {
      const entries = Object.entries(item as Record<string, unknown>);
      // Name-keyed items (containers, ports, volumes...) get their name as a heading.
      const nameEntry = entries.find(([k]) => k === 'name');
      if (nameEntry) {
        out.push(`${indent}  ${scalar(nameEntry[1])}:`);
        for (const [k, val] of entries) if (k !== 'name') renderValue(k, val, indent + '    ', out);
      } else {
        const start = out.length;
        for (const [k, val] of entries) renderValue(k, val, indent + '    ', out);
        if (out.length > start) out[start] = `${indent}  - ${out[start].slice(indent.length + 4)}`;
      }
    }
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length === 0) {
    out.push(`${label.padEnd(Math.max(label.length + 2, 24))}<none>`);
    return;
  }
  out.push(label);
  for (const [k, val] of entries) renderValue(k, val, indent + '  ', out);
}

export function describeObject(obj: Describable, events: Event[] | undefined, now = Date.now()): string {
  const m = obj.metadata ?? {};
  const W = 18;
  const out: string[] = [];
  out.push(`${'Name:'.padEnd(W)}${m.name ?? ''}`);
  if (m.namespace) out.push(`${'Namespace:'.padEnd(W)}${m.namespace}`);
  out.push(...mapLines(m.labels, '', 'Labels', W));
  out.push(...mapLines(m.annotations, '', 'Annotations', W));
  if (m.creationTimestamp) out.push(`CreationTimestamp: ${m.creationTimestamp}`); // longer than W: one space, as the other labels have at least
  if (m.deletionTimestamp) out.push(`${'Terminating:'.padEnd(W)}since ${m.deletionTimestamp} (grace ${m.deletionGracePeriodSeconds ?? 0}s)`);
  if (m.uid) out.push(`${'UID:'.padEnd(W)}${m.uid}`);
  if (m.ownerReferences?.length) {
    const ctl = m.ownerReferences.find((o) => o.controller) ?? m.ownerReferences[0];
    out.push(`${'Controlled By:'.padEnd(W)}${ctl.kind}/${ctl.name}`);
  }
  if (m.finalizers?.length) out.push(`${'Finalizers:'.padEnd(W)}[${m.finalizers.join(' ')}]`);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    renderValue(k, v, '', out);
  }
  if (events !== undefined) out.push(...eventLines(events, now));
  return out.join('\n') + '\n';
}

function eventLines(events: Event[], now: number): string[] {
  if (events.length === 0) return ['Events:  <none>'];
  const sorted = [...events].sort((a, b) => stamp(a).localeCompare(stamp(b)));
  const rows = [['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']];
  for (const e of sorted) {
    const first = e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    const last = e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
    let age = humanAge(last ?? undefined, now);
    if ((e.count ?? 1) > 1) age = `${age} (x${e.count} over ${humanAge(first ?? undefined, now)})`;
    rows.push([e.type ?? '', e.reason ?? '', age, e.source?.component ?? e.reportingComponent ?? '', (e.message ?? '').trim()]);
  }
  return ['Events:', ...formatColumns(rows).trimEnd().split('\n').map((l) => `  ${l}`)];
}

function stamp(e: Event): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';
}
