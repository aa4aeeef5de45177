// The OpenAPI definitions generator: reads the exported interfaces of api/*.ts with the
// TypeScript compiler's parser and writes api/openapi-definitions.ts, the schemas the
// apiserver serves (/openapi/v2, /openapi/v3) and checks bodies against (fieldValidation).
// The types in api/ are the one source of truth; this file only translates them:
// - every kind of api/resources.ts RESOURCES (and the kinds of its subresources) that has an
//   interface is a root; what its fields reach is generated too, list kinds beside the kinds;
// - TSDoc comments become descriptions, non-optional fields `required`;
// - `number` is an int32, the `Int64` alias an int64; `Quantity`, `IntOrString`, `Time` and
//   `RawExtension` name apimachinery's special types, as upstream's schemas do;
// - the strategic-merge rules of api/patch-schema.ts become the x-kubernetes-patch-* and
//   list-type extensions; `@preserveUnknownFields` on an interface marks a type only partly
//   typed here (unknown fields in it are kept, not reported).
// Run `node dist-test/testing/openapi-gen.js` after changing a type in api/ (or registering a
// kind); api/openapi-definitions.test.ts fails while the committed file is stale.
// It lives in testing/ because it needs the TypeScript compiler, a dev dependency the
// production build must not load.

import ts from 'typescript';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOURCES } from '../api/resources.js';
import { fieldRule } from '../api/patch-schema.js';
import type { Schema } from '../api/openapi-schema.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Types upstream keeps in apimachinery's meta/v1 wherever they are declared here. */
const META_TYPES = new Set(['ObjectMeta', 'ListMeta', 'OwnerReference', 'ManagedFieldsEntry', 'LabelSelector', 'LabelSelectorRequirement', 'Status', 'StatusDetails', 'StatusCause']);

/** Aliases that name a special type rather than their TypeScript shape. */
const SPECIAL: Record<string, { name: string; schema: Schema } | Schema> = {
  IntOrString: { name: 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', schema: { type: 'string', format: 'int-or-string', description: 'An integer or a string (a port name, a percentage).' } },
  Quantity: { name: 'io.k8s.apimachinery.pkg.api.resource.Quantity', schema: { type: 'string', description: 'A fixed-point number with an optional SI or binary suffix, such as 100m, 2, 1.5Gi or 1e3.' } },
  Time: { name: `${META}.Time`, schema: { type: 'string', format: 'date-time', description: 'A time stamp in RFC 3339 form, to the second.' } },
  RawExtension: { name: 'io.k8s.apimachinery.pkg.runtime.RawExtension', schema: { type: 'object', description: 'An embedded object of any kind.', 'x-kubernetes-preserve-unknown-fields': true } },
  Int64: { type: 'integer', format: 'int64' },
};

interface Decl {
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration;
  file: string;
}

/** Root directory of the repository (this file is at testing/ in sources, dist-test/testing/ compiled). */
export function repoRootDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist-test/') ? join(here, '..', '..') : join(here, '..');
}

function docOf(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
  if (!docs?.length) return undefined;
  const text = ts.getTextOfJSDocComment(docs[docs.length - 1].comment)?.trim();
  return text ? text.replace(/\s*\n\s*/g, ' ') : undefined;
}

function hasTag(node: ts.Node, tag: string): boolean {
  return ts.getJSDocTags(node).some((t) => t.tagName.text === tag);
}

const isNullish = (t: ts.TypeNode) => t.kind === ts.SyntaxKind.UndefinedKeyword || (ts.isLiteralTypeNode(t) && t.literal.kind === ts.SyntaxKind.NullKeyword);

/** Generates the definitions (upstream names → Swagger 2.0-style schemas with `#/definitions/` refs). */
export function generateDefinitions(root = repoRootDir()): Record<string, Schema> {
  const apiDir = join(root, 'api');
  const decls = new Map<string, Decl>();
  for (const f of readdirSync(apiDir).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && n !== 'openapi-definitions.ts').sort()) {
    const sf = ts.createSourceFile(f, readFileSync(join(apiDir, f), 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const st of sf.statements) {
      if ((ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) && !decls.has(st.name.text)) decls.set(st.name.text, { node: st, file: f });
    }
  }

  // The package of each file: the group most of the kinds declared in it belong to.
  const kindGroup = new Map<string, { group: string; version: string }>();
  // A kind served in several versions from one stored type (HorizontalPodAutoscaler v2 and v1)
  // is generated once, in its first (preferred) version, and lists every version it is served in.
  const kindVersions = new Map<string, { group: string; version: string }[]>();
  for (const r of RESOURCES) {
    const vs = kindVersions.get(r.kind) ?? [];
    if (!vs.some((v) => v.group === r.group && v.version === r.version)) vs.push({ group: r.group, version: r.version });
    kindVersions.set(r.kind, vs);
    if (kindGroup.has(r.kind)) continue;
    kindGroup.set(r.kind, { group: r.group, version: r.version });
    for (const s of r.subresources) if (s.group !== undefined && s.version !== undefined) kindGroup.set(s.kind, { group: s.group, version: s.version });
  }
  const fileGroup = new Map<string, { group: string; version: string }>();
  for (const [kind, gv] of kindGroup) {
    const d = decls.get(kind);
    if (!d) continue;
    const counts = new Map<string, number>();
    for (const [k, g] of kindGroup) if (decls.get(k)?.file === d.file) counts.set(`${g.group}/${g.version}`, (counts.get(`${g.group}/${g.version}`) ?? 0) + 1);
    const best = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    if (best === `${gv.group}/${gv.version}`) fileGroup.set(d.file, gv);
  }
  const pkg = (g: { group: string; version: string }) => `io.k8s.api.${g.group === '' ? 'core' : g.group.replace(/\.k8s\.io$/, '').replace(/\.authorization$/, '')}.${g.version}`;
  const qualified = (name: string): string => {
    const d = decls.get(name)!;
    if (META_TYPES.has(name) || d.file === 'meta.ts') return `${META}.${name}`;
    // A kind declared among another group's kinds (Lease, Scale in core.ts) takes its own
    // group, and so do its parts named after it (LeaseSpec, ScaleStatus).
    const own = [...kindGroup.keys()].filter((k) => name.startsWith(k) && decls.get(k)?.file === d.file).sort((a, b) => b.length - a.length)[0];
    const g = own !== undefined ? kindGroup.get(own)! : fileGroup.get(d.file);
    return `${pkg(g ?? { group: '', version: 'v1' })}.${name}`;
  };

  const defs: Record<string, Schema> = {};
  const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

  const typeSchema = (t: ts.TypeNode): Schema => {
    if (ts.isParenthesizedTypeNode(t)) return typeSchema(t.type);
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'integer', format: 'int32' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    if (ts.isArrayTypeNode(t)) return { type: 'array', items: typeSchema(t.elementType) };
    if (ts.isLiteralTypeNode(t)) {
      if (ts.isStringLiteral(t.literal)) return { type: 'string', enum: [t.literal.text] };
      if (t.literal.kind === ts.SyntaxKind.TrueKeyword || t.literal.kind === ts.SyntaxKind.FalseKeyword) return { type: 'boolean' };
      return { type: 'integer', format: 'int32' };
    }
    if (ts.isUnionTypeNode(t)) {
      const parts = t.types.filter((p) => !isNullish(p));
      if (parts.length === 1) return typeSchema(parts[0]);
      const all = parts.map(typeSchema);
      if (all.every((s) => s.type === 'string' && s.enum)) return { type: 'string', enum: all.flatMap((s) => s.enum!) };
      if (all.every((s) => s.type === 'string')) return { type: 'string' };
      throw new Error(`unsupported union type: ${t.getText()}`);
    }
    if (ts.isTypeLiteralNode(t)) return objectSchema(t.members);
    if (ts.isIntersectionTypeNode(t)) throw new Error(`intersections are not translated (name the type): ${t.getText()}`);
    if (ts.isTypeReferenceNode(t)) {
      const name = t.typeName.getText();
      const args = t.typeArguments ?? [];
      // A map of values of any type is an object whose contents are kept as sent.
      if (name === 'Record') return args[1].kind === ts.SyntaxKind.UnknownKeyword ? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } : { type: 'object', additionalProperties: typeSchema(args[1]) };
      if (name === 'Array' || name === 'ReadonlyArray') return { type: 'array', items: typeSchema(args[0]) };
      const special = Object.prototype.hasOwnProperty.call(SPECIAL, name) ? SPECIAL[name] : undefined;
      if (special) {
        if (!('name' in special)) return { ...(special) };
        const s = special;
        defs[s.name] ??= s.schema;
        return ref(s.name);
      }
      const d = decls.get(name);
      if (!d) throw new Error(`type ${name} is not declared in api/`);
      if (ts.isTypeAliasDeclaration(d.node)) return typeSchema(d.node.type);
      return ref(definition(name));
    }
    throw new Error(`unsupported type: ${t.getText()}`);
  };

  /** The properties of an interface with those of the interfaces it extends (bases first). */
  const membersOf = (node: ts.InterfaceDeclaration): ts.PropertySignature[] => {
    const out: ts.PropertySignature[] = [];
    for (const h of node.heritageClauses ?? []) {
      for (const e of h.types) {
        const base = decls.get(e.expression.getText());
        if (base && ts.isInterfaceDeclaration(base.node)) out.push(...membersOf(base.node));
      }
    }
    for (const m of node.members) if (ts.isPropertySignature(m)) out.push(m);
    return out;
  };

  const objectSchema = (members: readonly ts.TypeElement[], owner?: string): Schema => {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const m of members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const field = m.name.getText().replace(/^['"]|['"]$/g, '');
      let s = typeSchema(m.type);
      const doc = docOf(m);
      if (doc) s = { ...s, description: doc };
      const rule = owner !== undefined ? fieldRule(owner, field) : undefined;
      if (rule?.strategy === 'merge' && s.type === 'array') {
        s['x-kubernetes-patch-strategy'] = rule.retainKeys ? 'merge,retainKeys' : 'merge';
        if (rule.mergeKeys?.length) {
          s['x-kubernetes-patch-merge-key'] = rule.mergeKeys[0].name;
          s['x-kubernetes-list-type'] = 'map';
          s['x-kubernetes-list-map-keys'] = rule.mergeKeys.map((k) => k.name);
        } else {
          s['x-kubernetes-list-type'] = 'set';
        }
      }
      if (properties[field]) delete properties[field]; // an override of a base's field takes its place at the end
      properties[field] = s;
      // metadata is required of our typed objects in memory, never of a body on the wire.
      if (!m.questionToken && field !== 'metadata' && !required.includes(field)) required.push(field);
    }
    return { type: 'object', properties, ...(required.length ? { required } : {}) };
  };

  const definition = (name: string): string => {
    const q = qualified(name);
    if (defs[q]) return q;
    const node = decls.get(name)!.node as ts.InterfaceDeclaration;
    defs[q] = {}; // placeholder: recursive types refer to it while it is built
    const s = objectSchema(membersOf(node), name);
    const doc = docOf(node);
    if (hasTag(node, 'preserveUnknownFields')) s['x-kubernetes-preserve-unknown-fields'] = true;
    defs[q] = { ...(doc ? { description: doc } : {}), ...s };
    return q;
  };

  for (const [kind, gv] of [...kindGroup].sort((a, b) => a[0].localeCompare(b[0]))) {
    const d = decls.get(kind);
    if (!d || !ts.isInterfaceDeclaration(d.node)) continue;
    const q = definition(kind);
    defs[q]['x-kubernetes-group-version-kind'] = (kindVersions.get(kind) ?? [gv]).map((v) => ({ group: v.group, kind, version: v.version }));
    const r = RESOURCES.find((x) => x.kind === kind);
    if (!r || !r.verbs.includes('list')) continue;
    const listName = `${q}List`;
    defs[listName] = {
      description: `A list of ${kind} objects.`,
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'The versioned schema of this object: group/version.' },
        items: { type: 'array', description: `The ${r.resource}.`, items: ref(q) },
        kind: { type: 'string', description: `The kind of this object: ${r.listKind}.` },
        metadata: { ...ref(definition('ListMeta')), description: 'The resource version and continue token of the list.' },
      },
      required: ['items'],
      'x-kubernetes-group-version-kind': [{ group: gv.group, kind: r.listKind, version: gv.version }],
    };
  }
  return Object.fromEntries(Object.entries(defs).sort((a, b) => a[0].localeCompare(b[0])));
}

/** The text of api/openapi-definitions.ts for these definitions. */
export function renderDefinitions(defs: Record<string, Schema>): string {
  return [
    '// GENERATED by testing/openapi-gen.ts from the types in api/*.ts: do not edit by hand.',
    '// Regenerate with `node dist-test/testing/openapi-gen.js` (api/openapi-definitions.test.ts fails while this is stale).',
    '',
    "import type { Schema } from './openapi-schema.js';",
    '',
    `export const DEFINITIONS: Readonly<Record<string, Schema>> = ${JSON.stringify(defs, null, 1)};`,
    '',
  ].join('\n');
}

export const DEFINITIONS_FILE = 'api/openapi-definitions.ts';

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = repoRootDir();
  writeFileSync(join(root, DEFINITIONS_FILE), renderDefinitions(generateDefinitions(root)));
  console.log(`wrote ${DEFINITIONS_FILE}`);
}
