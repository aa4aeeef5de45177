// Which line of a YAML text holds a field a Status cause names (`spec.containers[0].image`): each
// key of the path is looked for, in order, below the line of the one before it, deeper indented.
// A best guess (flow style and odd layouts fall back to the closest key found), enough to put the
// server's message beside the line.

export function locateField(text: string, field: string): number | undefined {
  const lines = text.split('\n');
  const keys = field
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .filter(Boolean);
  let from = 0;
  let indent = -1;
  let found: number | undefined;
  for (const key of keys) {
    let hit = -1;
    for (let i = from; i < lines.length; i++) {
      const m = /^(\s*)(?:-\s+)*([^\s:#][^:]*?)\s*:(?:\s|$)/.exec(lines[i]);
      if (!m) continue;
      const ind = lines[i].search(/[^\s-]/);
      if (ind <= indent) break;
      if (m[2].replace(/^["']|["']$/g, '') === key && ind > indent) {
        hit = i;
        indent = ind;
        break;
      }
    }
    if (hit < 0) break;
    found = hit + 1;
    from = hit + 1;
  }
  return found;
}
