// What makes one resource different from another inside the generic registry:
// hooks a resource may implement. Everything not named here is generic.

import type { TypedObject } from '../../api/core.js';
import type { KubeObject, StatusCause } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { UserInfo } from '../auth/user.js';

export interface RequestContext {
  /** The namespace from the URL (undefined for cluster-scoped). */
  namespace?: string;
  /** Field manager for managedFields (query `fieldManager`, default from the user agent). */
  fieldManager: string;
  dryRun: boolean;
  /** The subresource written ('status', ...), for admission; undefined for the object itself. */
  subresource?: string;
  /** Who asks (escalation checks, admission); undefined for the apiserver's own writes. */
  user?: UserInfo;
  /** Warnings for the response's Warning headers (admission: pod security warn). */
  warnings?: string[];
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

/**
 * A resource's hooks, typed by its kind (Strategy<Pod>): the registry looks strategies up
 * by resource, so the objects handed to them are that kind. Hooks are methods, whose
 * parameters TypeScript checks bivariantly: a Strategy<Pod> is a Strategy of any object.
 */
export interface Strategy<T extends TypedObject = KubeObject> {
  info: ResourceInfo;
  /** Main-resource writes keep the stored status; status writes keep everything but status. */
  hasStatus: boolean;
  /** Bump metadata.generation when spec changes (false for e.g. Namespace, Event). */
  tracksGeneration: boolean;
  /** With tracksGeneration: a change besides the spec's that also bumps the generation (Deployment annotations). */
  generationChanged?(obj: T, old: T): boolean;
  /** PUT on a missing object creates it. */
  allowCreateOnUpdate: boolean;
  /** Called before validation on create: clear status, allocate, default. May throw ApiError. */
  prepareForCreate?(obj: T, ctx: RequestContext): void | Promise<void>;
  /** Called on a created object once generateName has given it its name, before it is validated and stored. */
  prepareNamed?(obj: T): void;
  /** Called before validation on update of the main resource. */
  prepareForUpdate?(obj: T, old: T, ctx: RequestContext): void | Promise<void>;
  /**
   * Called on a write to a subresource that replaces status ('status', or a CSR's 'approval'):
   * `next` is the stored object with the request's status, to adjust; may throw ApiError.
   */
  prepareForStatusUpdate?(next: T, old: T, subresource: string, ctx: RequestContext): void | Promise<void>;
  /** Called after an update of the main resource was stored (e.g. free what the old state held). */
  afterUpdate?(obj: T, old: T): void | Promise<void>;
  /** Extra validation beyond api/validation.ts. */
  validate?(obj: T, old?: T): StatusCause[];
  /** Called first on a delete of the named object; may throw ApiError (the system PriorityClasses). */
  beforeDelete?(name: string, ctx: RequestContext): void;
  /** Undo what prepareForCreate reserved when the create failed or the object is gone. */
  release?(obj: T): void | Promise<void>;
  /**
   * Graceful deletion: the grace period to record as deletionGracePeriodSeconds, or
   * undefined to delete at once. Only pods use this.
   */
  gracePeriod?(obj: T, opts: DeleteOptions): number | undefined;
}

export function defaultStrategy<T extends TypedObject = KubeObject>(info: ResourceInfo, overrides: Partial<Strategy<T>> = {}): Strategy<T> {
  return {
    info,
    hasStatus: info.subresources.some((s) => s.name === 'status'),
    tracksGeneration: false,
    allowCreateOnUpdate: false,
    ...overrides,
  };
}
