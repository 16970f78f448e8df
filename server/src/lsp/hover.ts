// lsp front-end: hover text. On a flagged expression, first what a reader needs: the
// finding's headline, the fix, the path as one line of links (`a() → b() → c()`) and the
// explanation link; below a rule, the details, each said once: the long form of the message,
// what its tags mean (the era's race), the era, the captured run on a stock kernel, the
// simulator's short trace. On any ->mapping / ->index / ->share access: what that field holds
// for an FS-DAX page in this era (model/era.ts describeEra).
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Finding } from '../analysis/audit-types';
import { pathSteps, tagLegend } from '../analysis/finding-text';
import { describeEra, type EraDetection } from '../model/era';
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { fieldName } from '../parse/nodes';
import { explanationUrl } from '../protocol';
import { renderMarkdown, runScenario } from '../explain/index';
import { capturedRunFor, capturedRunUrl } from '../repro/captured';

/** Tree-relative path -> document URI (as for diagnostics). */
export type ToUri = (file: string) => string;

export function hoverFinding(findings: readonly Finding[], pos: Position, toUri: ToUri): Hover | null {
  const hits = findings.filter((f) => contains(f.range, pos));
  if (hits.length === 0) return null;
  return { contents: { kind: MarkupKind.Markdown, value: hits.map((f) => findingMarkdown(f, toUri)).join('\n\n---\n\n') }, range: hits[0].range };
}

/** A link that opens a path step (VS Code's opener selects `#L<line>,<column>`). */
function stepLink(name: string, file: string, line: number, character: number, toUri: ToUri): string {
  return `[${name}()](${toUri(file)}#L${line + 1},${character + 1})`;
}

export function findingMarkdown(f: Finding, toUri: ToUri): string {
  const steps = pathSteps(f);
  const path = [...steps.map((s) => stepLink(s.function, s.file, s.range.start.line, s.range.start.character, toUri)),
    stepLink(f.function, f.file, f.range.start.line, f.range.start.character, toUri)];
  const legend = tagLegend([f]).map((l) => `\`[${l.tag}]\` ${l.meaning}.`).join(' ');
  return [
    `**${f.message}** — \`${f.ruleId}\` (${f.severity})`,
    f.fix ? `**Fix:** ${f.fix}` : '',
    steps.length > 0 ? `**Path:** ${path.join(' → ')}` : '',
    `[Explanation: step through the scenario](${explanationUrl(f.explanation, f.era)})`,
    '---',
    [f.detail ? `${f.detail}.` : '', legend].filter(Boolean).join(' '),
    `*Era ${f.era}:* ${describeEra(f.era)}.`,
    reproducedLine(f),
    renderMarkdown(runScenario(f.explanation, f.era)).trimEnd(),
  ].filter(Boolean).join('\n\n');
}

/** The finding's scenario was run on stock kernels (server/src/repro): what happened, and where. */
function reproducedLine(f: Finding): string {
  const c = capturedRunFor(f);
  return c ? `*Reproduced on ${c.kernels} (QEMU):* ${c.summary}. [Captured run](${capturedRunUrl(c)}) · \`fsdax-audit repro ${c.scenario}\`` : '';
}

const FIELD_MEANING: Record<string, string> = {
  mapping: 'For a page-cache page `mapping` is its `address_space`; for an FS-DAX page it is only meaningful while the filesystem holds the block.',
  index: 'For a page-cache page `index` is its file offset in pages; for an FS-DAX page it is only meaningful while the filesystem holds the block.',
  share: '`share` overlays `index`: the number of files sharing this FS-DAX page.',
};

/** The page/folio field access under the cursor, if any: ptr->mapping, folio->index, page->share. */
export function hoverField(parsed: ParsedFile, offset: number, era: EraDetection): Hover | null {
  let node: SyntaxNode | null = parsed.tree.rootNode.descendantForIndex(offset);
  for (let depth = 0; depth < 3 && node && node.type !== 'field_expression'; depth++) node = node.parent;
  if (node?.type === 'field_expression') {
    const field = fieldName(node);
    if (!field || !FIELD_MEANING[field]) return null;
    const start = parsed.view.positionAt(node.startIndex);
    const end = parsed.view.positionAt(node.endIndex);
    const value = [
      `\`${parsed.view.text.slice(node.startIndex, node.endIndex)}\`: if this is a \`struct page\`/\`struct folio\` that may be FS-DAX —`,
      FIELD_MEANING[field],
      `*Era ${era.era}${era.known ? '' : ' (assumed)'}:* ${describeEra(era.era)}.`,
    ].join('\n\n');
    return { contents: { kind: MarkupKind.Markdown, value }, range: { start, end } };
  }
  return null;
}

function contains(r: Finding['range'], p: Position): boolean {
  const after = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
  const before = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
  return after && before;
}
