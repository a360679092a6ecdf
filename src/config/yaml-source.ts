// A YAML file read so that any key path can be traced back to its line: errors found on the
// plain data (by ajv or the cross-field checks) still point at the line the operator wrote.
import { LineCounter, isMap, isSeq, isScalar, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { ConfigError, locationPrefix } from './errors.js';

export type KeyPath = readonly (string | number)[];

export interface YamlSource {
  file: string;
  /** the document as plain data (null for an empty file) */
  data: unknown;
  /** 1-based line of the key at `path` (or of its closest existing ancestor); null when unknown */
  lineOf(path: KeyPath): number | null;
  /** the keys of the map at `path` in file order (plain objects reorder integer-like keys) */
  keysOf(path: KeyPath): string[];
}

export function parseYaml(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = first.pos[0] >= 0 ? lineCounter.linePos(first.pos[0]).line : null;
    const reason = first.message.split('\n')[0] ?? first.message;
    throw new ConfigError(`${locationPrefix(file, line)}not valid YAML: ${reason}`, {
      code: 'yaml-syntax',
      file,
      key: null,
      line,
      value: undefined,
    });
  }
  let data: unknown;
  try {
    // An alias bomb, an alias of itself or one without its anchor throws here: refuse it as
    // bad YAML, like a syntax error, instead of letting a TypeError escape.
    data = doc.toJS({ maxAliasCount: 100 });
    if (isCyclic(data, new Set())) throw new Error('an alias refers to a node that contains it');
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(`${locationPrefix(file, null)}not valid YAML: ${reason}`, {
      code: 'yaml-syntax',
      file,
      key: null,
      line: null,
      value: undefined,
    });
  }
  const lineAt = (offset: number | undefined) => (offset === undefined ? null : lineCounter.linePos(offset).line);

  return {
    file,
    data,
    keysOf(path) {
      const node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isMap(node)) return [];
      // A merge key (<<, a symbol once parsed) brings its map's keys in after the map's own.
      const own = node.items
        .map((p) => (isScalar(p.key) ? p.key.value : p.key))
        .filter((k) => typeof k !== 'symbol' && k !== '<<')
        .map((k) => String(k));
      const data = path.reduce<unknown>((d, seg) => (d !== null && typeof d === 'object' ? (d as Record<string, unknown>)[String(seg)] : undefined), this.data);
      const merged = data !== null && typeof data === 'object' ? Object.keys(data).filter((k) => !own.includes(k)) : [];
      return [...own, ...merged];
    },
    lineOf(path) {
      let node: unknown = doc.contents;
      let line: number | null = lineAt((node as Node | null)?.range?.[0]);
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
          if (pair === undefined) break;
          // A map entry is reported at its key: for a block value that is the line that names it.
          line = lineAt((pair.key as Node | null)?.range?.[0]) ?? line;
          node = pair.value;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item: unknown = node.items[seg];
          if (item === undefined) break;
          line = lineAt((item as Node | null)?.range?.[0]) ?? line;
          node = item;
        } else break;
      }
      return line;
    },
  };
}

/** Whether plain data built from aliases refers back to one of its own ancestors. */
function isCyclic(value: unknown, ancestors: Set<object>): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const cyclic = Object.values(value).some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}
