// Whether to show a write button: asked of the apiserver (SelfSubjectAccessReview), so RBAC decides.

import { useEffect, useState } from 'preact/hooks';
import { can } from './api.js';

export function useCan(verb: string, group: string, resource: string, namespace?: string, subresource?: string): boolean {
  const [ok, setOk] = useState(false);
  useEffect(() => {
    let live = true;
    setOk(false);
    void can(verb, group, resource, namespace, subresource).then((v) => live && setOk(v));
    return () => {
      live = false;
    };
  }, [verb, group, resource, namespace, subresource]);
  return ok;
}
