// PersistentVolumes and PersistentVolumeClaims: a new object starts Pending, whatever status it was sent with.

import type { PersistentVolume, PersistentVolumeClaim } from '../../api/core.js';
import type { ResourceInfo } from '../../api/resources.js';
import { nowSeconds } from './generic.js';
import { defaultStrategy, type Strategy } from './strategy.js';

export function persistentVolumeStrategy(info: ResourceInfo): Strategy<PersistentVolume> {
  return defaultStrategy<PersistentVolume>(info, {
    prepareForCreate(pv) {
      pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowSeconds() };
    },
  });
}

export function persistentVolumeClaimStrategy(info: ResourceInfo): Strategy<PersistentVolumeClaim> {
  return defaultStrategy<PersistentVolumeClaim>(info, {
    prepareForCreate(pvc) {
      pvc.status = { phase: 'Pending' };
    },
  });
}
