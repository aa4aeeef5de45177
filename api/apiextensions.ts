// apiextensions.k8s.io/v1: CustomResourceDefinition, as it appears on the wire.

import type { Int64, RawExtension, Time } from './meta.js';
import type { TypedObject } from './core.js';

export interface CustomResourceDefinitionNames {
  /** The plural name served at /apis/<group>/<version>/<plural>; lower case. */
  plural: string;
  singular?: string;
  shortNames?: string[];
  /** CamelCase kind of the resources. */
  kind: string;
  /** Defaults to `<kind>List`. */
  listKind?: string;
  /** Grouped resources (`kubectl get all` asks for category `all`). */
  categories?: string[];
}

/**
 * A JSON Schema (OpenAPI v3 subset) of a custom resource version. Typed in its common fields;
 * the x-kubernetes-* extensions and the rest are kept as written.
 * @preserveUnknownFields
 */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: RawExtension;
  items?: RawExtension;
  required?: string[];
  pattern?: string;
  maxLength?: Int64;
  minLength?: Int64;
  maxItems?: Int64;
  minItems?: Int64;
  maxProperties?: Int64;
  minProperties?: Int64;
  maximum?: RawExtension;
  minimum?: RawExtension;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  multipleOf?: RawExtension;
  uniqueItems?: boolean;
  enum?: RawExtension[];
  default?: RawExtension;
  example?: RawExtension;
  allOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
}


export interface CustomResourceValidation {
  openAPIV3Schema?: JSONSchemaProps;
}

export interface CustomResourceSubresourceScale {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CustomResourceSubresources {
  /** Enables /status: writes to the resource ignore status, writes to /status everything else. */
  status?: Record<string, unknown>;
  scale?: CustomResourceSubresourceScale;
}

export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** A simple JSONPath (`.spec.replicas`) evaluated against each object. */
  jsonPath: string;
}

export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: CustomResourceValidation;
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
  selectableFields?: { jsonPath: string }[];
}

export interface CustomResourceConversion {
  /** `None` (only apiVersion changes) or `Webhook` (not supported here). */
  strategy: string;
  webhook?: Record<string, unknown>;
}

export interface CustomResourceDefinitionSpec {
  group: string;
  names: CustomResourceDefinitionNames;
  /** `Namespaced` or `Cluster`. */
  scope: string;
  versions: CustomResourceDefinitionVersion[];
  conversion?: CustomResourceConversion;
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinitionCondition {
  type: string;
  status: string;
  lastTransitionTime?: Time;
  reason?: string;
  message?: string;
}

export interface CustomResourceDefinitionStatus {
  conditions?: CustomResourceDefinitionCondition[];
  acceptedNames?: CustomResourceDefinitionNames;
  storedVersions?: string[];
}

export interface CustomResourceDefinition extends TypedObject {
  spec: CustomResourceDefinitionSpec;
  status?: CustomResourceDefinitionStatus;
}
