// lsp front-end: hover text. On a flagged expression: the finding's message, the
// era, what to do instead (the rule's meta.advice) and the simulator's short trace
// with a link to the whole one. On any ->mapping / ->index / ->share access: what
// that field holds for an FS-DAX page in this era (model/era.ts describeEra). A finding
// whose scenario was run on a stock kernel links its captured run (repro/captured.ts).
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Finding } from '../analysis/audit-types';
import { describeEra, type EraDetection } from '../model/era';
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { fieldName } from '../parse/nodes';
import { explanationUrl } from '../protocol';
import { renderMarkdown, runScenario } from '../explain/index';
import { ruleAdvice } from '../../rules/index';
import { capturedRunFor, capturedRunUrl } from '../repro/captured';

export function hoverFinding(findings: readonly Finding[], pos: Position): Hover | null {
  const hits = findings.filter((f) => contains(f.range, pos));
  if (hits.length === 0) return null;
  const parts = hits.map((f) => [
    `**${f.ruleId}** (${f.severity}): ${f.message}`,
    f.use ? `*Use:* \`${f.use}\` · *confidence:* ${f.confidence === 'race' ? 'needs a race' : 'high (the path alone)'}${f.debugOnly ? ' · debug kernels only' : ''}` : '',
    `*Era ${f.era}:* ${describeEra(f.era)}.`,
    ruleAdvice(f.ruleId) ? `*Instead:* ${ruleAdvice(f.ruleId)}` : '',
    f.path.length > 1 ? `*Path:* ${f.path.map((s) => `\`${s.function}()\` ${s.file}:${s.range.start.line + 1}`).join(' → ')}` : '',
    reproducedLine(f),
    renderMarkdown(runScenario(f.explanation, f.era)).trimEnd(),
    `[Explanation: step through the scenario](${explanationUrl(f.explanation, f.era)})`,
  ].filter(Boolean).join('\n\n'));
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range: hits[0].range };
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
