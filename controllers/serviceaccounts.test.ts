// The serviceaccount and root-ca-cert-publisher controllers on a real apiserver: the default
// ServiceAccount and ConfigMap kube-root-ca.crt appear in every namespace and come back when
// deleted or changed; a terminating namespace gets nothing new.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from '../api/core.js';
import type { ServiceAccount } from '../api/authentication.js';
import { waitFor } from '../testing/wait.js';
import { startEnv, type ControllerTestEnv } from '../testing/controllers-env.js';
import { serviceAccountsController } from './serviceaccounts.js';
import { rootCAPublisher, ROOT_CA_CONFIGMAP } from './root-ca-publisher.js';
import type { PerNamespaceController } from './per-namespace.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('serviceaccount and root-ca-cert-publisher controllers', { timeout: 60_000 }, () => {
  let env: ControllerTestEnv;
  let sa: PerNamespaceController<ServiceAccount>;
  let ca: PerNamespaceController<ConfigMap>;
  before(async () => {
    env = await startEnv();
    sa = await serviceAccountsController({ client: env.client, log: () => {} }).start();
    ca = await rootCAPublisher({ client: env.client, rootCA: CA, log: () => {} }).start();
  });
  after(async () => {
    await sa?.stop();
    await ca?.stop();
    await env?.stop();
  });

  const has = async (resource: string, ns: string, name: string) => {
    try {
      return await env.client.resource<ConfigMap>(resource, ns).get(name);
    } catch {
      return undefined;
    }
  };

  it('keeps a default ServiceAccount in every namespace, recreated when deleted', async () => {
    const ns = `${env.tag}-sa`;
    await env.client.namespaces().create({ metadata: { name: ns } });
    await waitFor(async () => !!(await has('serviceaccounts', ns, 'default')), 10_000, 'default SA');
    await waitFor(async () => !!(await has('serviceaccounts', 'kube-system', 'default')), 10_000, 'default SA in kube-system');
    const first = await env.client.resource('serviceaccounts', ns).get('default');
    await env.client.resource('serviceaccounts', ns).delete('default');
    await waitFor(async () => {
      const again = await has('serviceaccounts', ns, 'default');
      return !!again && again.metadata?.uid !== first.metadata?.uid;
    }, 10_000, 'default SA recreated');
  });

  it('publishes kube-root-ca.crt, restoring it when changed or deleted', async () => {
    const ns = `${env.tag}-ca`;
    await env.client.namespaces().create({ metadata: { name: ns } });
    await waitFor(async () => (await has('configmaps', ns, ROOT_CA_CONFIGMAP))?.data?.['ca.crt'] === CA, 10_000, 'root CA configmap');
    const cm = (await has('configmaps', ns, ROOT_CA_CONFIGMAP))!;
    assert.match(cm.metadata.annotations!['kubernetes.io/description'], /CA bundle/);
    await env.client.configMaps(ns).update({ ...cm, data: { 'ca.crt': 'tampered' } });
    await waitFor(async () => (await has('configmaps', ns, ROOT_CA_CONFIGMAP))?.data?.['ca.crt'] === CA, 10_000, 'restored');
    await env.client.configMaps(ns).delete(ROOT_CA_CONFIGMAP);
    await waitFor(async () => (await has('configmaps', ns, ROOT_CA_CONFIGMAP))?.data?.['ca.crt'] === CA, 10_000, 'recreated');
  });
});
