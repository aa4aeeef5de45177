// The apiextensions controllers of this apiserver, in one loop over its own watch of CRDs:
// - naming (upstream's NamingConditionController): status.acceptedNames and the NamesAccepted
//   condition, names already accepted by another CRD of the group refused as upstream
//   ("PluralConflict", `"crontabs" is already in use`, ...);
// - establishing: Established once the names are accepted;
// - serving: each served version of an established CRD registered as a resource (routing,
//   discovery, RBAC, OpenAPI-less), one registry under /registry/<group>/<plural>/;
// - finalizing (customresourcecleanup.apiextensions.k8s.io): a deleted CRD's custom resources
//   are deleted, then it stops being served and its finalizer is removed.
// Every apiserver runs it: each keeps its own table of served resources.

import type { CustomResourceDefinition, CustomResourceDefinitionNames, CustomResourceDefinitionStatus, CustomResourceDefinitionVersion } from '../api/apiextensions.js';
import { RESOURCES, setCustomResources, type ResourceInfo, type SubresourceInfo, type Verb } from '../api/resources.js';
import { CLEANUP_FINALIZER, setCondition } from './registry/crds.js';
import type { Registries } from './registry/index.js';
import type { Registry } from './registry/generic.js';
import type { Watcher } from './storage/interface.js';
import type { RequestContext } from './registry/strategy.js';
import { ApiError } from './errors.js';
import { isDeepStrictEqual } from 'node:util';

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: Verb[] = ['get', 'patch', 'update'];
const CTX: RequestContext = { fieldManager: 'kube-apiserver', dryRun: false };
/** Groups of built-in resources: a CRD never takes over one of their paths. */
const BUILT_IN_GROUPS = new Set(RESOURCES.map((r) => r.group));

export interface CRDControllerOptions {
  registries: Registries;
  /** Starts the watch cache of a custom resource's keys. */
  cache?: (prefix: string) => void;
  log?: (msg: string) => void;
}

export class CRDController {
  private readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly terminating = new Set<string>();
  private readonly queue = new Set<string>();
  private readonly served = new Map<string, { group: string; resource: string }>();
  private running = false;
  private watcher?: Watcher;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  private readonly crdRegistry: Registry;

  constructor(private readonly o: CRDControllerOptions) {
    this.crdRegistry = o.registries.get('apiextensions.k8s.io', 'customresourcedefinitions')!;
  }

  async start(): Promise<void> {
    this.watcher = await this.crdRegistry.watch(undefined, {}, {
      event: (type, obj) => {
        const crd = obj as unknown as CustomResourceDefinition;
        const name = crd.metadata.name!;
        if (type === 'DELETED') this.crds.delete(name);
        else this.crds.set(name, crd);
        this.enqueue(name);
        // A name given up or taken may change what others in the group can accept.
        for (const other of this.crds.values()) if (other.spec?.group === crd.spec?.group && other.metadata.name !== name) this.enqueue(other.metadata.name!);
      },
      end: (err) => {
        if (this.stopped) return;
        this.o.log?.(`crd controller: watch ended (${err.message}); restarting`);
        setTimeout(() => void this.start().catch(() => undefined), 1000).unref();
      },
    });
  }

  /** Stops the loop; this apiserver's custom resources stop being served. */
  stop(): void {
    this.stopped = true;
    this.watcher?.stop();
    if (this.retry) clearTimeout(this.retry);
    for (const name of [...this.served.keys()]) this.unserve(name);
  }

  /** Whether a CRD is being deleted (its resources refuse creates). */
  isTerminating = (crd: string): boolean => this.terminating.has(crd);

  private enqueue(name: string): void {
    this.queue.add(name);
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.size && !this.stopped) {
        const name = this.queue.values().next().value!;
        this.queue.delete(name);
        try {
          await this.reconcile(name);
        } catch (err) {
          this.o.log?.(`crd controller: ${name}: ${(err as Error).message}`);
          if (!this.retry) this.retry = setTimeout(() => {
            this.retry = undefined;
            this.enqueue(name);
          }, 1000);
          this.retry.unref?.();
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async reconcile(name: string): Promise<void> {
    const crd = this.crds.get(name);
    if (!crd) return this.unserve(name);
    if (crd.metadata.deletionTimestamp) return this.finalize(crd);
    const status = this.desiredStatus(crd);
    if (!isDeepStrictEqual(status.acceptedNames, crd.status?.acceptedNames) || !sameConditions(status.conditions, crd.status?.conditions)) {
      await this.crdRegistry.guaranteedUpdate(CTX, name, (cur) => {
        const c = cur as unknown as CustomResourceDefinition;
        c.status = { ...(c.status ?? {}), acceptedNames: status.acceptedNames, conditions: status.conditions };
        delete c.metadata.resourceVersion;
        return cur;
      }, { subresource: 'status' });
      return; // the watch brings the written status back, and serving follows it
    }
    const established = (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
    if (established) this.serve(crd);
    else this.unserve(name);
  }

  /** acceptedNames and the NamesAccepted/Established conditions, as upstream's naming controller computes them. */
  private desiredStatus(crd: CustomResourceDefinition): CustomResourceDefinitionStatus {
    const spec = crd.spec;
    const group = spec.group;
    const old: CustomResourceDefinitionNames = crd.status?.acceptedNames ?? { plural: '', kind: '' };
    const plurals = new Set<string>();
    const kinds = new Set<string>();
    for (const other of this.crds.values()) {
      if (other.metadata.name === crd.metadata.name || other.spec?.group !== group) continue;
      const a = other.status?.acceptedNames;
      if (!a) continue;
      for (const n of [a.plural, a.singular, ...(a.shortNames ?? [])]) if (n) plurals.add(n);
      for (const k of [a.kind, a.listKind]) if (k) kinds.add(k);
    }
    const n = spec.names;
    let reason = 'NoConflicts';
    let message = 'no conflicts found';
    const accepted: CustomResourceDefinitionNames = { ...old };
    const take = <K extends keyof CustomResourceDefinitionNames>(k: K, taken: boolean, why: string, what: string) => {
      if (taken) {
        if (reason === 'NoConflicts') {
          reason = why;
          message = `"${what}" is already in use`;
        }
      } else if (n[k] !== undefined) accepted[k] = n[k];
      else delete accepted[k];
    };
    if (BUILT_IN_GROUPS.has(group)) {
      reason = 'GroupConflict';
      message = `group "${group}" is served by the apiserver's built-in resources`;
    } else {
      take('plural', plurals.has(n.plural), 'PluralConflict', n.plural);
      take('singular', !!n.singular && plurals.has(n.singular), 'SingularConflict', n.singular ?? '');
      const short = (n.shortNames ?? []).find((s) => plurals.has(s));
      take('shortNames', short !== undefined, 'ShortNamesConflict', short ?? '');
      take('kind', kinds.has(n.kind), 'KindConflict', n.kind);
      take('listKind', !!n.listKind && kinds.has(n.listKind), 'ListKindConflict', n.listKind ?? '');
      take('categories', false, '', '');
    }
    const ok = reason === 'NoConflicts';
    let conditions = setCondition(crd.status?.conditions ?? [], { type: 'NamesAccepted', status: ok ? 'True' : 'False', reason, message });
    const wasEstablished = conditions.some((c) => c.type === 'Established' && c.status === 'True');
    if (ok || !wasEstablished) {
      conditions = setCondition(conditions, ok
        ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
        : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    }
    return { acceptedNames: ok ? accepted : old.plural ? old : accepted, conditions };
  }

  /** Registers every served version, the storage version's registry serving them all. */
  private serve(crd: CustomResourceDefinition): void {
    const { served: infos, storage } = resourceInfos(crd);
    const name = crd.metadata.name!;
    if (!storage) return this.unserve(name);
    const prev = this.served.get(name);
    if (prev && (prev.group !== storage.group || prev.resource !== storage.resource)) this.o.registries.removeCustom(prev.group, prev.resource);
    this.o.registries.setCustom(storage, this.isTerminating);
    this.o.cache?.(`/registry/${storage.group}/${storage.resource}/`);
    this.served.set(name, { group: storage.group, resource: storage.resource });
    setCustomResources(name, infos);
  }

  private unserve(name: string): void {
    const prev = this.served.get(name);
    if (prev) this.o.registries.removeCustom(prev.group, prev.resource);
    this.served.delete(name);
    setCustomResources(name, []);
  }

  /** Deletes the CRD's custom resources (their own finalizers respected), then lets the CRD go. */
  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata.name!;
    this.terminating.add(name);
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const { storage } = resourceInfos(crd);
    if (storage) {
      const reg = this.o.registries.get(storage.group, storage.resource) ?? this.o.registries.setCustom(storage, this.isTerminating);
      const list = await reg.list(undefined);
      for (const item of list.items) {
        try {
          await reg.delete({ ...CTX, namespace: item.metadata.namespace }, item.metadata.name!, {});
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      const left = await reg.list(undefined);
      if (left.items.length) {
        await this.setTerminatingCondition(name, 'InstanceDeletionCheck', `could not confirm zero CustomResources remaining: ${left.items.length} remaining`);
        throw new Error(`${left.items.length} custom resources remain`);
      }
    }
    this.unserve(name);
    await this.crdRegistry.guaranteedUpdate(CTX, name, (cur) => {
      cur.metadata.finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      delete cur.metadata.resourceVersion;
      return cur;
    }, { subresource: 'finalize' }).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    });
    this.terminating.delete(name);
  }

  private async setTerminatingCondition(name: string, reason: string, message: string): Promise<void> {
    await this.crdRegistry.guaranteedUpdate(CTX, name, (cur) => {
      const c = cur as unknown as CustomResourceDefinition;
      c.status = { ...(c.status ?? {}), conditions: setCondition(c.status?.conditions ?? [], { type: 'Terminating', status: 'True', reason, message }) };
      delete c.metadata.resourceVersion;
      return cur;
    }, { subresource: 'status' });
  }
}

function sameConditions(a: unknown[] | undefined, b: unknown[] | undefined): boolean {
  const strip = (l: unknown[] | undefined) => (l ?? []).map((c) => ({ ...(c as object), lastTransitionTime: undefined }));
  return isDeepStrictEqual(strip(a), strip(b));
}

/** kube-aware version order (upstream's version.CompareKubeAwareVersionStrings): GA, beta, alpha, then others by name. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return { major: Number(m[1]), rank: m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0, minor: Number(m[3] ?? 0) };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa && pb) return pb.rank - pa.rank || pb.major - pa.major || pb.minor - pa.minor;
  if (pa) return -1;
  if (pb) return 1;
  return a.localeCompare(b);
}

/**
 * One ResourceInfo per served version of an established CRD, in upstream's version priority,
 * and the storage version's (served or not), which its registry is built from.
 */
export function resourceInfos(crd: CustomResourceDefinition): { served: ResourceInfo[]; storage?: ResourceInfo } {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : spec.names;
  const versions = (spec.versions ?? []).filter((v) => v.served).sort((a, b) => compareVersions(a.name, b.name));
  const storageVersion = spec.versions.find((v) => v.storage);
  const storage = storageVersion?.name ?? '';
  const servedVersions = versions.map((v) => v.name);
  const info = (v: CustomResourceDefinitionVersion): ResourceInfo => {
    const subresources: SubresourceInfo[] = [];
    if (v.subresources?.status !== undefined) subresources.push({ name: 'status', kind: names.kind, verbs: STATUS_VERBS });
    if (v.subresources?.scale) subresources.push({ name: 'scale', kind: 'Scale', verbs: STATUS_VERBS, group: 'autoscaling', version: 'v1' });
    return {
      resource: names.plural,
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      singular: names.singular ?? names.kind.toLowerCase(),
      shortNames: [...(names.shortNames ?? [])],
      namespaced: spec.scope === 'Namespaced',
      group: spec.group,
      version: v.name,
      verbs: ALL_VERBS,
      subresources,
      ...(names.categories?.length ? { categories: [...names.categories] } : {}),
      custom: {
        crd: crd.metadata.name!,
        storageVersion: storage,
        schema: (v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Record<string, unknown>,
        statusEnabled: v.subresources?.status !== undefined,
        ...(v.subresources?.scale ? { scale: { ...v.subresources.scale } } : {}),
        printerColumns: (v.additionalPrinterColumns ?? []).map((c) => ({ ...c })),
        servedVersions,
      },
    };
  };
  return { served: versions.map(info), ...(storageVersion ? { storage: info(storageVersion) } : {}) };
}
