// Requests to the apiserver as the signed-in user: the session cookie goes by itself (HttpOnly,
// same origin), every write carries the CSRF header the cookie path requires, and a failure is
// thrown as the server's Status (its message is what the page shows).

export const CSRF_HEADER = 'x-tskube-csrf';

export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  generation?: number;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  // Every kind's other fields, read loosely by the views (see eslint.config.js for ui/).
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface StatusCause {
  field?: string;
  message?: string;
  reason?: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(message);
  }
}

async function fail(res: Response): Promise<never> {
  let message = `${res.status} ${res.statusText}`;
  let causes: StatusCause[] = [];
  try {
    const s = (await res.json()) as { message?: string; details?: { causes?: StatusCause[] } };
    if (s.message) message = s.message;
    causes = s.details?.causes ?? [];
  } catch {
    // not a Status
  }
  if (res.status === 401) window.dispatchEvent(new Event('tskube-signed-out'));
  throw new ApiError(res.status, message, causes);
}

export async function request<T = unknown>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
  if (body !== undefined) headers['Content-Type'] = contentType;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) return fail(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T = KObject>(path: string) => request<T>('GET', path);
export const del = (path: string, body?: unknown) => request('DELETE', path, body);
export const put = (path: string, obj: unknown) => request<KObject>('PUT', path, obj);
export const post = (path: string, obj: unknown) => request<KObject>('POST', path, obj);
export const mergePatch = (path: string, patch: unknown) => request<KObject>('PATCH', path, patch, 'application/merge-patch+json');

/** A streamed GET (logs): each chunk of text as it comes, until the signal aborts or the stream ends. */
export async function stream(path: string, onText: (t: string) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(path, { credentials: 'same-origin', signal });
  if (!res.ok) return fail(res);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onText(value);
  }
}

export interface Who {
  username: string;
  groups: string[];
}

export const whoAmI = () => request<Who>('GET', '/ui/session');
export const signIn = (token: string) => request<Who>('POST', '/ui/session', { token });
export const signOut = () => request('DELETE', '/ui/session');

/** The API path of a resource collection or object. */
export function resourcePath(group: string, version: string, resource: string, namespace?: string, name?: string, sub?: string): string {
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource}${name ? `/${encodeURIComponent(name)}` : ''}${sub ? `/${sub}` : ''}`;
}

const canCache = new Map<string, Promise<boolean>>();

/** Whether the user may `verb` the resource (a SelfSubjectAccessReview, remembered for the session). */
export function can(verb: string, group: string, resource: string, namespace?: string, subresource?: string): Promise<boolean> {
  const key = [verb, group, resource, namespace ?? '', subresource ?? ''].join('|');
  let p = canCache.get(key);
  if (!p) {
    p = post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, group, resource, namespace: namespace ?? '', subresource: subresource ?? '' } },
    }).then(
      (r) => (r.status as { allowed?: boolean } | undefined)?.allowed === true,
      () => false,
    );
    canCache.set(key, p);
  }
  return p;
}

export function forgetPermissions(): void {
  canCache.clear();
}
