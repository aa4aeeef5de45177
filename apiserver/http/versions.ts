// Resources served in more than one version from one stored form: what comes in is converted
// to the stored version before anything else sees it, what goes out (objects, list items, watch
// events; never tables, which print the stored form) back to the version asked for.
import { hpaFromV1, hpaToV1 } from '../../api/autoscaling.js';
import type { KubeList, KubeObject } from '../../api/meta.js';
import type { ResourceInfo } from '../../api/resources.js';

export interface VersionConverter {
  toStored(obj: KubeObject): KubeObject;
  fromStored(obj: KubeObject): KubeObject;
}

const identity: VersionConverter = { toStored: (o) => o, fromStored: (o) => o };

const hpaV1: VersionConverter = {
  toStored: (o) => (o && typeof o === 'object' ? (hpaFromV1(o) as unknown as KubeObject) : o),
  fromStored: (o) => hpaToV1(o) as unknown as KubeObject,
};

/** A custom resource's other served versions: conversion strategy None, only apiVersion changes. */
function customConverter(info: ResourceInfo): VersionConverter {
  const stored = `${info.group}/${info.custom!.storageVersion}`;
  const served = `${info.group}/${info.version}`;
  // Only the version it was read in is rewritten: any other apiVersion stays, for the registry to refuse.
  const set = (o: KubeObject, from: string, to: string) =>
    o && typeof o === 'object' && !Array.isArray(o) && (o.apiVersion === undefined || o.apiVersion === from) ? { ...o, apiVersion: to } : o;
  return { toStored: (o) => set(o, served, stored), fromStored: (o) => set(o, stored, served) };
}

export function converterFor(info: ResourceInfo): VersionConverter {
  if (info.custom && info.custom.storageVersion !== info.version) return customConverter(info);
  if (info.group === 'autoscaling' && info.resource === 'horizontalpodautoscalers' && info.version === 'v1') return hpaV1;
  return identity;
}

/** A list (or an object) in the served version. */
export function listFromStored(c: VersionConverter, info: ResourceInfo, body: KubeObject | KubeList): KubeObject | KubeList {
  if (c === identity) return body;
  if (Array.isArray((body as KubeList).items) && (body as KubeList).kind?.endsWith('List')) {
    const l = body as KubeList;
    return { ...l, apiVersion: `${info.group}/${info.version}`, items: l.items.map((i) => c.fromStored(i)) };
  }
  return (body as KubeObject).kind === 'Status' ? body : c.fromStored(body as KubeObject);
}
