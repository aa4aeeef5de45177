// YAML of any object: view, edit and apply (PUT, so a stale copy is a 409 Conflict), and create
// from pasted YAML (POST to the collection discovery names for its apiVersion and kind). A refusal
// shows the server's Status message, each field cause beside the line that holds the field.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import yaml from 'js-yaml';
import { ApiError, get, post, put, resourcePath, type KObject } from '../api.js';
import { messageOf } from '../notice.js';
import { useCan } from '../can.js';
import { locateField } from '../yaml-lines.js';

interface Problem {
  line?: number;
  text: string;
}

function problemsOf(err: unknown, text: string): Problem[] {
  if (err instanceof yaml.YAMLException) return [{ line: err.mark ? err.mark.line + 1 : undefined, text: `YAML: ${err.reason}` }];
  const out: Problem[] = [{ text: messageOf(err) }];
  if (err instanceof ApiError)
    for (const c of err.causes) if (c.field) out.push({ line: locateField(text, c.field), text: `${c.field}: ${c.message ?? c.reason ?? ''}` });
  return out;
}

function Editor(props: { text: string; onChange: (t: string) => void; problems: Problem[]; readOnly?: boolean }) {
  const lines = props.text.split('\n');
  const byLine = new Map<number, string[]>();
  for (const p of props.problems) if (p.line) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.text]);
  const general = props.problems.filter((p) => !p.line);
  return html`<div class="editor">
    ${general.map((p) => html`<div class="banner error" role="alert" data-testid="yaml-error">${p.text}</div>`)}
    <div class="editor-body">
      <textarea
        data-testid="yaml"
        spellcheck="false"
        readOnly=${props.readOnly}
        rows=${Math.min(40, Math.max(12, lines.length + 2))}
        value=${props.text}
        onInput=${(e: Event) => props.onChange((e.target as HTMLTextAreaElement).value)}
      ></textarea>
      <ol class="gutter" data-testid="yaml-problems">
        ${[...byLine].map(([line, texts]) => html`<li key=${line} class="problem" data-line=${line}>line ${line}: ${texts.join('; ')}</li>`)}
      </ol>
    </div>
  </div>`;
}

function strip(o: KObject): KObject {
  const copy = structuredClone(o);
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}

/** The object at an API path, as YAML, editable when the user may update it. */
export function YamlView(props: { path: string }) {
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saved, setSaved] = useState('');
  const m = /^\/apis?\/(?:([^/]+)\/)?([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)\//.exec(props.path);
  const group = props.path.startsWith('/apis/') ? (m?.[1] ?? '') : '';
  const canUpdate = useCan('update', group, m?.[4] ?? '', m?.[3] ? decodeURIComponent(m[3]) : undefined);
  useEffect(() => {
    get(props.path).then(
      (o) => setText(yaml.dump(strip(o), { noRefs: true, lineWidth: 120 })),
      (err: unknown) => setProblems(problemsOf(err, '')),
    );
  }, [props.path]);
  const apply = async () => {
    setSaved('');
    try {
      const obj = yaml.load(text) as KObject;
      const out = await put(props.path, obj);
      setText(yaml.dump(strip(out), { noRefs: true, lineWidth: 120 }));
      setProblems([]);
      setSaved(`applied: resourceVersion ${out.metadata.resourceVersion}`);
    } catch (err) {
      setProblems(problemsOf(err, text));
    }
  };
  return html`<section>
    <h2>${props.path}</h2>
    ${saved && html`<div class="banner ok" role="status">${saved}</div>`}
    <${Editor} text=${text} onChange=${setText} problems=${problems} readOnly=${!canUpdate} />
    ${canUpdate && html`<button data-action="apply" onClick=${apply}>Apply</button>`}
  </section>`;
}

interface Discovered {
  resource: string;
  namespaced: boolean;
}

async function discover(apiVersion: string, kind: string): Promise<Discovered> {
  const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await get<{ resources: { name: string; kind: string; namespaced: boolean }[] }>(path);
  const r = list.resources.find((x) => x.kind === kind && !x.name.includes('/'));
  if (!r) throw new Error(`the server does not serve kind ${kind} in ${apiVersion}`);
  return { resource: r.name, namespaced: r.namespaced };
}

/** Create objects from pasted YAML (one or more documents). */
export function CreateView(props: { ns: string }) {
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [done, setDone] = useState<string[]>([]);
  const create = async () => {
    setDone([]);
    const made: string[] = [];
    try {
      const docs = yaml.loadAll(text).filter((d) => d) as KObject[];
      if (!docs.length) throw new Error('nothing to create: paste an object');
      for (const o of docs) {
        if (typeof o !== 'object' || !o.apiVersion || !o.kind) throw new Error('each document needs apiVersion and kind');
        const d = await discover(o.apiVersion, o.kind);
        const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
        const ns = d.namespaced ? (o.metadata?.namespace ?? (props.ns || 'default')) : undefined;
        const out = await post(resourcePath(group, version, d.resource, ns), o);
        made.push(`${o.kind.toLowerCase()}/${out.metadata.name} created`);
      }
      setProblems([]);
    } catch (err) {
      setProblems(problemsOf(err, text));
    }
    setDone(made);
  };
  return html`<section>
    <h2>Create from YAML</h2>
    ${done.map((d) => html`<div class="banner ok" role="status" data-testid="created">${d}</div>`)}
    <${Editor} text=${text} onChange=${setText} problems=${problems} />
    <button data-action="create" onClick=${create}>Create</button>
  </section>`;
}
