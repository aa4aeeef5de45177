// Map keys that come from users are data, as they are in Go. In JavaScript three of
// them are not: `obj["__proto__"] = v` replaces the object's prototype, and reading
// `obj["__proto__"|"constructor"|...]` on an object without that own key finds
// Object.prototype or one of its members, which a merge would then write into
// (prototype pollution: one PATCH could corrupt every object in the process).
// Every read and write of a user-chosen key goes through these helpers.

/** Keys that mean something other than data on a plain object. */
export function isProtoKey(k: string): boolean {
  return k === '__proto__' || k === 'constructor' || k === 'prototype';
}

/** Own property test (never inherited names such as "constructor" or "toString"). */
export function hasOwnKey(o: object, k: string): boolean {
  return Object.hasOwn(o, k);
}

/** The own value under `k`, or undefined (never an inherited member). */
export function getOwn<V = unknown>(o: Record<string, V> | object, k: string): V | undefined {
  return Object.hasOwn(o, k) ? (o as Record<string, V>)[k] : undefined;
}

/** `o[k] = v` as a plain data property, even for k === "__proto__". */
export function setOwn<V>(o: Record<string, V> | object, k: string, v: V): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else (o as Record<string, V>)[k] = v;
}
