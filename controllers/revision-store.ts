// Writing ControllerRevision history through the API for a DaemonSet or StatefulSet (the
// client side of revision-history.ts): find or create the revision of the current template,
// re-number an old one when the template went back to it, and prune what is over the limit.

import type { ControllerRevision } from '../api/apps.js';
import type { PodTemplateSpec } from '../api/core.js';
import { deepEqual } from '../api/deep-equal.js';
import { isAlreadyExists, isNotFound } from '../client/errors.js';
import type { RestClient } from '../client/rest.js';
import { equalRevisions, newRevision, nextRevisionNumber, revisionsToPrune, sortRevisions, type RevisionParent } from './revision-history.js';

/** The parent's template hash collided with another revision's name: the parent's collisionCount must grow. */
export class RevisionCollision extends Error {
  constructor(readonly revision: string) {
    super(`controller revision ${revision} already exists with other data (hash collision)`);
  }
}

function revisions(client: RestClient, namespace: string | undefined) {
  return client.resource<ControllerRevision>('controllerrevisions', namespace);
}

/**
 * The revision of the parent's current template (Kubernetes' constructHistory / getStatefulSetRevisions):
 * an equal revision already stored is reused (re-numbered to be the newest when it is not), else one is created.
 * Throws RevisionCollision when the name is taken by different data.
 */
export async function ensureUpdateRevision(
  client: RestClient,
  parent: RevisionParent,
  template: PodTemplateSpec | undefined,
  owned: ControllerRevision[],
  collisionCount: number | undefined,
  annotations?: Record<string, string>,
): Promise<ControllerRevision> {
  const next = nextRevisionNumber(owned);
  const candidate = newRevision(parent, template, next, collisionCount, { annotations });
  const equal = equalRevisions(owned, candidate);
  const api = revisions(client, parent.metadata.namespace);
  if (equal.length > 0) {
    const cur = equal[equal.length - 1];
    const max = sortRevisions(owned)[owned.length - 1];
    if (max && max.metadata?.name !== cur.metadata?.name && cur.revision <= max.revision) {
      // A rollback: the old revision becomes the newest again, as upstream does.
      return api.patch(cur.metadata?.name ?? '', { revision: max.revision + 1 }, 'merge');
    }
    return cur;
  }
  try {
    return await api.create(candidate);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await api.get(candidate.metadata?.name ?? '');
    const sameOwner = existing.metadata?.ownerReferences?.some((r) => r.uid === parent.metadata.uid);
    if (sameOwner && deepEqual(JSON.parse(JSON.stringify(existing.data)), JSON.parse(JSON.stringify(candidate.data)))) return existing;
    throw new RevisionCollision(candidate.metadata?.name ?? '');
  }
}

/** Delete the oldest revisions not in use beyond the history limit. */
export async function pruneHistory(client: RestClient, namespace: string | undefined, owned: ControllerRevision[], live: Set<string>, limit: number): Promise<void> {
  const api = revisions(client, namespace);
  for (const r of revisionsToPrune(owned, live, limit)) {
    try {
      await api.delete(r.metadata?.name ?? '', { preconditions: { uid: r.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
