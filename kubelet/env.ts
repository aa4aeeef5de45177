// A container's environment as the kubelet computes it: service link
// variables, envFrom, env (with $(VAR) expansion and the downward API,
// configMap and secret references), and $(VAR) expansion of command/args.
import type { ConfigMap, Container, Pod, Secret, Service } from '../api/core.js';
import { milliValue } from '../api/quantity.js';
import { isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import { apiObjects, type PodObjects } from './watched-objects.js';

export class EnvError extends Error {}

export interface EnvContext {
  pod: Pod;
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** Services visible to the pod: its namespace's, plus "kubernetes" in default. */
  services: Service[];
  client: RestClient;
  /** Where ConfigMaps and Secrets are read (the kubelet's watches); default: a GET each. */
  objects?: PodObjects;
}

/** Expand $(VAR) from vars; $$ escapes; unknown references stay as written (Kubernetes semantics). */
export function expandVars(s: string, vars: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return vars.has(name!) ? vars.get(name!)! : m;
  });
}

function svcEnvName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** Docker-link style variables for every service with a cluster IP, as kubelet's getServiceEnvVarMap. */
export function serviceEnv(services: Service[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    if (!ip || ip === 'None' || !s.spec?.ports?.length) continue;
    const n = svcEnvName(s.metadata.name!);
    const first = s.spec.ports[0];
    out.set(`${n}_SERVICE_HOST`, ip);
    out.set(`${n}_SERVICE_PORT`, String(first.port));
    for (const p of s.spec.ports) if (p.name) out.set(`${n}_SERVICE_PORT_${svcEnvName(p.name)}`, String(p.port));
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    out.set(`${n}_PORT`, `${proto}://${ip}:${first.port}`);
    for (const p of s.spec.ports) {
      const pr = (p.protocol ?? 'TCP').toLowerCase();
      const pfx = `${n}_PORT_${p.port}_${pr.toUpperCase()}`;
      out.set(pfx, `${pr}://${ip}:${p.port}`);
      out.set(`${pfx}_PROTO`, pr);
      out.set(`${pfx}_PORT`, String(p.port));
      out.set(`${pfx}_ADDR`, ip);
    }
  }
  return out;
}

function decodeSecret(sec: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sec.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

async function getConfigMap(ctx: EnvContext, name: string, optional: boolean | undefined): Promise<Record<string, string> | undefined> {
  try {
    const cm: ConfigMap = await (ctx.objects ?? apiObjects(ctx.client)).configMap(ctx.pod.metadata.namespace!, name);
    return { ...(cm.data ?? {}) };
  } catch (e) {
    if (isNotFound(e)) {
      if (optional) return undefined;
      throw new EnvError(`configmap "${name}" not found`);
    }
    throw e;
  }
}

async function getSecret(ctx: EnvContext, name: string, optional: boolean | undefined): Promise<Record<string, string> | undefined> {
  try {
    return decodeSecret(await (ctx.objects ?? apiObjects(ctx.client)).secret(ctx.pod.metadata.namespace!, name));
  } catch (e) {
    if (isNotFound(e)) {
      if (optional) return undefined;
      throw new EnvError(`secret "${name}" not found`);
    }
    throw e;
  }
}

/** metadata.name, metadata.labels['x'], status.podIP, spec.nodeName, ... */
export function fieldRefValue(ctx: Pick<EnvContext, 'pod' | 'podIP' | 'hostIP' | 'nodeName'>, fieldPath: string): string {
  const m = ctx.pod.metadata ?? {};
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      return Object.entries(m.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations':
      return Object.entries(m.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'spec.nodeName':
      return ctx.pod.spec?.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName':
      return ctx.pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
    default:
      throw new EnvError(`unsupported fieldPath ${fieldPath}`);
  }
}

/** limits.cpu (rounded up to cores / divisor), requests.memory (bytes / divisor), ... Unset limits fall back to node capacity as 0 here. */
export function resourceFieldValue(pod: Pod, containerName: string | undefined, resource: string, divisor = '1'): string {
  const c = pod.spec?.containers.find((x) => x.name === containerName) ?? pod.spec?.initContainers?.find((x) => x.name === containerName);
  const [kind, res] = resource.split('.') as ['limits' | 'requests', string];
  const q = c?.resources?.[kind]?.[res] ?? (kind === 'requests' ? c?.resources?.limits?.[res] : undefined);
  if (q === undefined) return '0';
  const v = milliValue(q);
  const d = milliValue(divisor) || 1000;
  return String(Math.ceil(v / d));
}

export async function buildEnv(ctx: EnvContext, c: Container): Promise<{ env: { key: string; value: string }[]; command?: string[]; args?: string[] }> {
  const vars = new Map<string, string>();
  if (ctx.pod.spec?.enableServiceLinks !== false) for (const [k, v] of serviceEnv(ctx.services)) vars.set(k, v);
  // The kubernetes service links are always present, as the master service env vars.
  else for (const [k, v] of serviceEnv(ctx.services.filter((s) => s.metadata?.name === 'kubernetes' && s.metadata.namespace === 'default'))) vars.set(k, v);
  for (const ef of c.envFrom ?? []) {
    const data = ef.configMapRef ? await getConfigMap(ctx, ef.configMapRef.name ?? '', ef.configMapRef.optional) : ef.secretRef ? await getSecret(ctx, ef.secretRef.name ?? '', ef.secretRef.optional) : undefined;
    for (const [k, v] of Object.entries(data ?? {})) vars.set(`${ef.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom) {
      const f = e.valueFrom;
      if (f.fieldRef) value = fieldRefValue(ctx, f.fieldRef.fieldPath);
      else if (f.resourceFieldRef) value = resourceFieldValue(ctx.pod, f.resourceFieldRef.containerName ?? c.name, f.resourceFieldRef.resource, f.resourceFieldRef.divisor);
      else if (f.configMapKeyRef) {
        const data = await getConfigMap(ctx, f.configMapKeyRef.name ?? '', f.configMapKeyRef.optional);
        value = data?.[f.configMapKeyRef.key];
        if (data && value === undefined && !f.configMapKeyRef.optional) throw new EnvError(`couldn't find key ${f.configMapKeyRef.key} in ConfigMap ${ctx.pod.metadata.namespace}/${f.configMapKeyRef.name}`);
      } else if (f.secretKeyRef) {
        const data = await getSecret(ctx, f.secretKeyRef.name ?? '', f.secretKeyRef.optional);
        value = data?.[f.secretKeyRef.key];
        if (data && value === undefined && !f.secretKeyRef.optional) throw new EnvError(`couldn't find key ${f.secretKeyRef.key} in Secret ${ctx.pod.metadata.namespace}/${f.secretKeyRef.name}`);
      }
      if (value === undefined) continue;
    } else value = expandVars(e.value ?? '', vars);
    vars.set(e.name, value);
  }
  return {
    env: [...vars].map(([key, value]) => ({ key, value })),
    ...(c.command ? { command: c.command.map((s) => expandVars(s, vars)) } : {}),
    ...(c.args ? { args: c.args.map((s) => expandVars(s, vars)) } : {}),
  };
}
