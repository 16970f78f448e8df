// cli front-end: source text around a finding for SARIF region snippets, so a
// code-scanning page shows the code without the tree. Columns are counted the
// way the core counts them (parse/source-view: UTF-16 units, Latin-1 fallback).
import type { Range, SourceFile } from '../../analysis/audit-types';
import { createSourceView, decodeSource, SourceView } from '../../parse/source-view';

export interface Snippet {
  /** The text of the range itself. */
  text: string;
  /** Whole lines around it: one before, the range's lines, one after. */
  context: { startLine: number; endLine: number; text: string };
}

export type SnippetSource = (file: string, range: Range) => Snippet | undefined;

/** Keeps only the files named in `wanted` (those with findings), decoded on first use. */
export function snippetSource(files: readonly SourceFile[], wanted: ReadonlySet<string>): SnippetSource {
  const content = new Map(files.filter((f) => wanted.has(f.path)).map((f) => [f.path, f.content] as const));
  const views = new Map<string, SourceView>();
  const view = (file: string): SourceView | undefined => {
    if (!views.has(file)) {
      const c = content.get(file);
      if (c === undefined) return undefined;
      const decoded = typeof c === 'string' ? { text: c, isUtf8: true } : decodeSource(c);
      views.set(file, createSourceView(decoded.text, decoded.isUtf8));
    }
    return views.get(file);
  };
  return (file, range) => {
    const v = view(file);
    if (!v) return undefined;
    const text = v.text.slice(v.offsetAt(range.start), v.offsetAt(range.end));
    const first = Math.max(0, range.start.line - 1);
    const last = Math.min(v.lineStarts.length - 1, range.end.line + 1);
    const lines: string[] = [];
    for (let l = first; l <= last; l++) lines.push(v.lineText(l));
    return { text, context: { startLine: first + 1, endLine: last + 1, text: lines.join('\n') } };
  };
}
