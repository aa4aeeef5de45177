// The shape of one OpenAPI schema object, as far as tskube's generated definitions
// (api/openapi-definitions.ts) use it: Swagger 2.0 style, refs to `#/definitions/<name>`.

export interface Schema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  $ref?: string;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'map' | 'set' | 'atomic';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** The definition name a `$ref` points at ("#/definitions/io.k8s.api.core.v1.Pod" → "io.k8s.api.core.v1.Pod"). */
export function refName(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}
