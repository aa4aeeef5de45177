// Label selectors (the string syntax of ?labelSelector= and the structured
// LabelSelector) and field selectors (?fieldSelector=) with the fields each
// kind supports, parsed and matched the way Kubernetes does.

import type { KubeObject } from './meta.js';
import type { LabelSelector } from './core.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

/** A selector the user wrote could not be parsed or uses something unsupported; the apiserver answers 400. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

// ================================================================ label selectors

export type LabelOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelMatcher {
  readonly requirements: readonly LabelRequirement[];
  /** True when there are no requirements (matches everything). */
  readonly empty: boolean;
  matches(labels: Record<string, string> | undefined): boolean;
  /** Canonical string form, e.g. "app=web,tier in (a,b)". */
  toString(): string;
}

type TokKind = 'id' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '<' | '>' | 'end';
interface Tok {
  kind: TokKind;
  text: string;
}

const SPECIAL = new Set(['!', '=', ',', '(', ')', '<', '>']);

function lexLabels(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '=' && s[i + 1] === '=') {
      toks.push({ kind: '==', text: '==' });
      i += 2;
    } else if (ch === '!' && s[i + 1] === '=') {
      toks.push({ kind: '!=', text: '!=' });
      i += 2;
    } else if (SPECIAL.has(ch)) {
      toks.push({ kind: ch as TokKind, text: ch });
      i++;
    } else {
      let j = i;
      while (j < s.length && !SPECIAL.has(s[j]) && !/\s/.test(s[j])) j++;
      const text = s.slice(i, j);
      toks.push({ kind: text === 'in' ? 'in' : text === 'notin' ? 'notin' : 'id', text });
      i = j;
    }
  }
  toks.push({ kind: 'end', text: '' });
  return toks;
}

const shown = (t: Tok): string => (t.kind === 'end' ? 'end of string' : t.text);

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new SelectorError(`unable to parse requirement: key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(v: string, i: number): void {
  const errs = isValidLabelValue(v);
  if (errs.length) throw new SelectorError(`unable to parse requirement: values[${i}][${v}]: Invalid value: ${JSON.stringify(v)}: ${errs.join('; ')}`);
}

/** Parse "a=b,c!=d,e in (x,y),!f,g" into a matcher; throws SelectorError with Kubernetes-like messages. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const toks = lexLabels(selector);
  let pos = 0;
  const peek = (): Tok => toks[pos];
  const next = (): Tok => toks[pos++];
  const reqs: LabelRequirement[] = [];
  if (peek().kind === 'end') return makeMatcher(reqs);
  for (;;) {
    let t = next();
    if (t.kind === '!') {
      const k = next();
      if (k.kind !== 'id') throw new SelectorError(`found '${shown(k)}', expected: identifier after '!'`);
      checkKey(k.text);
      reqs.push({ key: k.text, operator: '!', values: [] });
    } else if (t.kind === 'id') {
      const key = t.text;
      checkKey(key);
      t = peek();
      if (t.kind === 'end' || t.kind === ',') {
        reqs.push({ key, operator: 'exists', values: [] });
      } else {
        next();
        switch (t.kind) {
          case '=':
          case '==':
          case '!=': {
            const v = peek();
            let value = '';
            if (v.kind === 'id' || v.kind === 'in' || v.kind === 'notin') value = next().text;
            else if (v.kind !== 'end' && v.kind !== ',') throw new SelectorError(`found '${shown(v)}', expected: identifier`);
            checkValue(value, 0);
            reqs.push({ key, operator: t.kind, values: [value] });
            break;
          }
          case 'in':
          case 'notin': {
            const open = next();
            if (open.kind !== '(') throw new SelectorError(`found '${shown(open)}', expected: '('`);
            const values: string[] = [];
            for (;;) {
              const v = peek();
              if (v.kind === 'id' || v.kind === 'in' || v.kind === 'notin') {
                values.push(next().text);
                const sep = next();
                if (sep.kind === ')') break;
                if (sep.kind !== ',') throw new SelectorError(`found '${shown(sep)}', expected: ',' or ')'`);
              } else if (v.kind === ',') {
                next();
                values.push('');
              } else if (v.kind === ')') {
                next();
                // "(a,)" has a trailing empty value; "()" has none.
                if (toks[pos - 2]?.kind === ',') values.push('');
                break;
              } else {
                throw new SelectorError(`found '${shown(v)}', expected: ',', ')' or identifier`);
              }
            }
            if (values.length === 0) throw new SelectorError(`for 'in', 'notin' operators, values set can't be empty`);
            values.forEach(checkValue);
            reqs.push({ key, operator: t.kind, values: [...new Set(values)].sort() });
            break;
          }
          case '<':
          case '>': {
            const v = next();
            if (v.kind !== 'id' || !/^-?\d+$/.test(v.text)) {
              throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer`);
            }
            reqs.push({ key, operator: t.kind === '>' ? 'gt' : 'lt', values: [v.text] });
            break;
          }
          default:
            throw new SelectorError(`found '${shown(t)}', expected: in, notin, =, ==, !=, gt, lt`);
        }
      }
    } else {
      throw new SelectorError(`found '${shown(t)}', expected: !, identifier, or 'end of string'`);
    }
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.kind !== ',') throw new SelectorError(`found '${shown(sep)}', expected: ',' or 'end of string'`);
    if (peek().kind === 'end') throw new SelectorError(`found 'end of string', expected: !, identifier`);
  }
  return makeMatcher(reqs);
}

function matchReq(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(v);
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(v)) return false;
      const a = Number(v);
      const b = Number(r.values[0]);
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

function reqString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0]}`;
    case 'lt':
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

function makeMatcher(reqs: LabelRequirement[]): LabelMatcher {
  // Kubernetes sorts requirements by key for the canonical string.
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    empty: sorted.length === 0,
    matches: (labels) => sorted.every((r) => matchReq(r, labels ?? {})),
    toString: () => sorted.map(reqString).join(','),
  };
}

/** A matcher that selects everything. */
export const everything: LabelMatcher = makeMatcher([]);

/** Equality matcher from a label map (RC spec.selector, Service spec.selector). Empty map matches everything. */
export function selectorFromSet(set: Record<string, string> | undefined): LabelMatcher {
  return makeMatcher(Object.entries(set ?? {}).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

/**
 * Matcher from a structured LabelSelector. As in Kubernetes' LabelSelectorAsSelector,
 * an undefined selector matches nothing and an empty one matches everything.
 */
export function labelSelectorMatcher(ls: LabelSelector | undefined | null): LabelMatcher {
  if (!ls) return { requirements: [], empty: false, matches: () => false, toString: () => '<none>' };
  const reqs: LabelRequirement[] = [];
  for (const [key, v] of Object.entries(ls.matchLabels ?? {})) {
    checkKey(key);
    checkValue(v, 0);
    reqs.push({ key, operator: '=', values: [v] });
  }
  for (const e of ls.matchExpressions ?? []) {
    checkKey(e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new SelectorError(`values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty`);
        values.forEach(checkValue);
        reqs.push({ key: e.key, operator: e.operator === 'In' ? 'in' : 'notin', values: [...new Set(values)].sort() });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new SelectorError(`values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`);
        reqs.push({ key: e.key, operator: e.operator === 'Exists' ? 'exists' : '!', values: [] });
        break;
      default:
        throw new SelectorError(`${JSON.stringify(e.operator)} is not a valid label selector operator`);
    }
  }
  return makeMatcher(reqs);
}

/** "a=b,c=d" (keys sorted) for a label map, as Kubernetes' labels.Set.String / FormatLabels ("<none>" when empty). */
export function formatLabels(set: Record<string, string> | undefined): string {
  const entries = Object.entries(set ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

// ================================================================ field selectors

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

export interface FieldMatcher {
  readonly requirements: readonly FieldRequirement[];
  readonly empty: boolean;
  matches(fields: Record<string, string>): boolean;
  /** The value required for `field` by an equality term, if any (e.g. spec.nodeName for indexing). */
  requiresExactMatch(field: string): string | undefined;
  toString(): string;
}

/** Split on an unescaped separator; "\," etc. are escapes. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1];
      i++;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unescapeValue(v: string, whole: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const ch = v[i];
    if (ch === '\\') {
      const n = v[i + 1];
      if (n === undefined || !['\\', ',', '=', '!'].includes(n)) throw new SelectorError(`invalid field selector: '${whole}'`);
      out += n;
      i++;
    } else if (ch === ',' || ch === '=') {
      throw new SelectorError(`invalid field selector: '${whole}'`);
    } else out += ch;
  }
  return out;
}

/** Escape a value for a field selector string. */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=!]/g, (c) => `\\${c}`);
}

/** Parse "metadata.name=x,spec.nodeName!=y". Throws SelectorError on malformed terms. */
export function parseFieldSelector(selector: string): FieldMatcher {
  const reqs: FieldRequirement[] = [];
  if (selector.trim() !== '') {
    for (const term of splitTerms(selector)) {
      if (term === '') continue;
      let op: FieldRequirement['operator'] | undefined;
      let idx = -1;
      // Order matters: "!=" and "==" before "=".
      for (const candidate of ['!=', '==', '='] as const) {
        const i = term.indexOf(candidate);
        if (i >= 0 && (idx < 0 || i < idx || (i === idx && candidate.length > op!.length))) {
          idx = i;
          op = candidate;
        }
      }
      if (!op || idx <= 0) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${term}'`);
      const field = term.slice(0, idx).trim();
      const value = unescapeValue(term.slice(idx + op.length), selector);
      reqs.push({ field, operator: op, value });
    }
  }
  return {
    requirements: reqs,
    empty: reqs.length === 0,
    matches: (fields) =>
      reqs.every((r) => {
        const v = (Object.prototype.hasOwnProperty.call(fields, r.field) ? fields[r.field] : undefined) ?? '';
        return r.operator === '!=' ? v !== r.value : v === r.value;
      }),
    requiresExactMatch: (field) => reqs.find((r) => r.field === field && r.operator !== '!=')?.value,
    toString: () => reqs.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(','),
  };
}

const META_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Fields beyond metadata.name/namespace that each kind supports in field selectors. */
export const SELECTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.podIPs',
    'status.nominatedNodeName',
  ],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Secret: ['type'],
  ReplicationController: ['status.replicas'],
  Service: ['spec.clusterIP', 'spec.type'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

/** Check every field of the selector is supported for `kind`; throws SelectorError("field label not supported: x"). */
export function checkFieldSelector(kind: string, sel: FieldMatcher): void {
  const allowed = new Set([...META_FIELDS, ...(SELECTABLE_FIELDS[kind] ?? [])]);
  for (const r of sel.requirements) {
    if (!allowed.has(r.field)) throw new SelectorError(`field label not supported: ${r.field}`);
  }
}

function dig(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function str(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  // Selectable fields hold scalars; anything else is compared by its JSON text.
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '';
}

/** The selectable field values of an object, as strings ("" when absent). */
export function objectFields(kind: string, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {
    'metadata.name': obj.metadata?.name ?? '',
    'metadata.namespace': obj.metadata?.namespace ?? '',
  };
  for (const f of SELECTABLE_FIELDS[kind] ?? []) out[f] = str(dig(obj, f));
  if (kind === 'Pod') {
    out['spec.hostNetwork'] = String(dig(obj, 'spec.hostNetwork') === true);
    const ips = (dig(obj, 'status.podIPs') as { ip: string }[] | undefined) ?? [];
    out['status.podIPs'] = ips.map((p) => p.ip).join(',');
  }
  if (kind === 'Node') out['spec.unschedulable'] = String(dig(obj, 'spec.unschedulable') === true);
  if (kind === 'Event') out['source'] = str(dig(obj, 'source.component')) || str(dig(obj, 'reportingComponent'));
  return out;
}

/** Parse, check against the kind's supported fields, and return a predicate over objects. */
export function fieldSelectorPredicate(kind: string, selector: string): (obj: KubeObject) => boolean {
  const sel = parseFieldSelector(selector);
  checkFieldSelector(kind, sel);
  if (sel.empty) return () => true;
  return (obj) => sel.matches(objectFields(kind, obj));
}

/** Parse a label selector string and return a predicate over objects. */
export function labelSelectorPredicate(selector: string): (obj: KubeObject) => boolean {
  const sel = parseLabelSelector(selector);
  if (sel.empty) return () => true;
  return (obj) => sel.matches(obj.metadata?.labels);
}
