// What every verb gets: the client, the parsed flags, the streams, the
// namespace in force, and the resource lookup with kubectl's names
// (plural, singular, short names, kinds, and the classic "minions").

import { lookupResource, resourceForKind, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/meta.js';
import { ApiError } from '../../client/errors.js';
import type { ResourceClient, RestClient } from '../../client/rest.js';
import { Flags, UsageError } from './args.js';

export interface KubecfgIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin?: NodeJS.ReadableStream;
  /** Environment for $KUBECONFIG/$HOME (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ends long-running verbs (get -w, stop's wait) when aborted; for in-process callers. */
  signal?: AbortSignal;
}

export interface Ctx {
  client: RestClient;
  flags: Flags;
  io: KubecfgIO;
  /** -n, else the kubeconfig context's namespace, else "default". */
  namespace: string;
  allNamespaces: boolean;
  /** The verb's arguments (after the verb). */
  args: string[];
}

const CLASSIC_ALIASES: Record<string, string> = {
  minion: 'nodes',
  minions: 'nodes',
  replicationcontroller: 'replicationcontrollers',
};

export function resolveResource(name: string): ResourceInfo {
  const n = name.toLowerCase();
  const info = lookupResource(CLASSIC_ALIASES[n] ?? n);
  if (!info) throw new UsageError(`the server doesn't have a resource type "${name}"`);
  return info;
}

export function resourceOfObject(obj: KubeObject): ResourceInfo {
  const info = resourceForKind(obj.kind ?? '', obj.apiVersion);
  if (!info) throw new UsageError(`no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
  return info;
}

/** A resource client for one kind, in the context's namespace (all namespaces with -A for lists). */
export function rcFor<T extends KubeObject = KubeObject>(ctx: Ctx, info: ResourceInfo, namespace?: string, forList = false): ResourceClient<T> {
  const ns = info.namespaced ? (forList && ctx.allNamespaces ? undefined : (namespace ?? ctx.namespace)) : undefined;
  return ctx.client.resourceFor<T>(info, ns);
}

/** "pod/web" style reference; kubectl prints the singular lowercase kind (with group, if any). */
export function refName(info: ResourceInfo, name: string): string {
  return `${info.singular}${info.group ? '.' + info.group : ''}/${name}`;
}

/** kubectl's "Error from server (Reason): message" for API errors; the message for others. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    const r = err.reason ?? 'Unknown';
    const s = `Error from server (${r}): ${err.message}`;
    return s;
  }
  if (err instanceof UsageError) return `error: ${err.message}`;
  const e = err as Error & { code?: string };
  if (e?.name === 'TransportError' && e.code === 'ECONNREFUSED') {
    return `The connection to the server was refused - did you specify the right host or port? (${e.message})`;
  }
  return `error: ${e?.message ?? String(err)}`;
}
