// The query of pods/log, pods/exec and pods/attach read as kube-apiserver reads
// PodLogOptions and PodExecOptions (booleans as strconv.ParseBool, integers as
// ParseInt, then the options' validation), and rewritten in one spelling for the
// kubelet: clients spell booleans "True", "true" or "1", the kubelet reads one form.

import { badRequest, invalid } from '../errors.js';
import { parseBoolParam, parseIntParam } from './request.js';

export type PodStreamVerb = 'log' | 'exec' | 'attach';

const LOG_BOOLS = ['follow', 'previous', 'timestamps', 'insecureSkipTLSVerifyBackend'];
const LOG_INTS = ['tailLines', 'sinceSeconds', 'limitBytes'];
const STREAM_BOOLS = ['stdin', 'stdout', 'stderr', 'tty'];

/** The checked, normalised query (400/422 Status errors as upstream otherwise). */
export function podStreamQuery(query: URLSearchParams, verb: PodStreamVerb, pod: string): URLSearchParams {
  const out = new URLSearchParams();
  const container = query.get('container');
  if (container) out.set('container', container);
  if (verb === 'log') {
    for (const k of LOG_BOOLS) {
      const v = query.get(k);
      if (v !== null && parseBoolParam(k, v)) out.set(k, 'true');
    }
    const ints: Record<string, number> = {};
    for (const k of LOG_INTS) {
      const v = query.get(k);
      if (v !== null && v !== '') ints[k] = parseIntParam(v);
    }
    const sinceTime = query.get('sinceTime');
    if (sinceTime) {
      // metav1.Time in a query is RFC 3339; anything else does not decode.
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(sinceTime) || Number.isNaN(Date.parse(sinceTime))) {
        throw badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as RFC 3339`);
      }
      out.set('sinceTime', sinceTime);
    }
    const causes: { field: string; reason: string; message: string }[] = [];
    const bad = (field: string, v: number, why: string) => causes.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${v}: ${why}` });
    if (ints.tailLines !== undefined && ints.tailLines < 0) bad('tailLines', ints.tailLines, 'must be greater than or equal to 0');
    if (ints.limitBytes !== undefined && ints.limitBytes < 1) bad('limitBytes', ints.limitBytes, 'must be greater than 0');
    if (ints.sinceSeconds !== undefined && sinceTime) {
      causes.push({ field: '', reason: 'FieldValueForbidden', message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified' });
    }
    if (ints.sinceSeconds !== undefined && ints.sinceSeconds < 1) bad('sinceSeconds', ints.sinceSeconds, 'must be greater than 0');
    if (causes.length) throw invalid({ resource: '', kind: 'PodLogOptions', name: pod }, causes);
    for (const [k, v] of Object.entries(ints)) out.set(k, String(v));
    return out;
  }
  const flags: Record<string, boolean> = {};
  for (const k of STREAM_BOOLS) {
    const v = query.get(k);
    flags[k] = v !== null && parseBoolParam(k, v);
    // The kubelet's streaming server reads "1" for true, as upstream's apiserver sends it.
    if (flags[k]) out.set(k, '1');
  }
  if (!flags.stdin && !flags.stdout && !flags.stderr) throw badRequest('you must specify at least 1 of stdin, stdout, stderr');
  if (verb === 'exec') {
    const command = query.getAll('command');
    if (command.length === 0) throw badRequest('you must specify at least one command for the container');
    for (const c of command) out.append('command', c);
  }
  return out;
}
