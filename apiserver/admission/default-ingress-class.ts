// DefaultIngressClass admission, as upstream's plugin: a new Ingress that names no class
// (neither spec.ingressClassName nor the deprecated kubernetes.io/ingress.class annotation)
// gets the IngressClass annotated ingressclass.kubernetes.io/is-default-class: "true";
// when several are, the newest (then the first by name), as 1.32 chooses.

import { DEFAULT_INGRESS_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION, type Ingress, type IngressClass } from '../../api/networking.js';

export function defaultIngressClassName(classes: Iterable<IngressClass>): string | undefined {
  let best: IngressClass | undefined;
  for (const ic of classes) {
    if (ic.metadata.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] !== 'true') continue;
    const t = ic.metadata.creationTimestamp ?? '';
    const bt = best?.metadata.creationTimestamp ?? '';
    if (!best || t > bt || (t === bt && (ic.metadata.name ?? '') < (best.metadata.name ?? ''))) best = ic;
  }
  return best?.metadata.name;
}

/** Sets spec.ingressClassName in place when the Ingress names no class and a default exists. */
export function admitIngressClass(ing: Ingress, classes: IngressClass[]): void {
  const spec = ing.spec;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return; // validation's to refuse
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null) return;
  const ann = ing.metadata.annotations;
  if (ann && typeof ann === 'object' && Object.hasOwn(ann, INGRESS_CLASS_ANNOTATION)) return;
  const name = defaultIngressClassName(classes);
  if (name) spec.ingressClassName = name;
}
