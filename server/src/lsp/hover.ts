// lsp front-end: hover text. On a flagged expression: the finding's message, the
// era and what to do instead. On any ->mapping / ->index / ->share access: what
// that field holds for an FS-DAX page in this era (model/era.ts describeEra).
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver';
import type { Finding } from '../analysis/audit';
import { describeEra, type EraDetection } from '../model/era';
import type { ParsedFile, SyntaxNode } from '../parse/parser';
import { fieldName } from '../parse/nodes';
import { explanationUrl } from '../protocol';

/**
 * What to do instead, per rule. NOTE: lives here until the simulator's explain/
 * layer (issue 7) owns explanation text; then hover imports it from there.
 */
const INSTEAD: Record<string, string> = {
  'fsdax/mapping-read': 'Prove the page is not FS-DAX first (`is_zone_device_page()`, `pfn_to_online_page()`, `pte_devmap()`), or read it inside `dax_lock_folio()` … `dax_unlock_folio()`.',
  'fsdax/mapping-deref': 'Do not use the value as an `address_space` unless the filesystem owns the page: take the DAX entry lock (`dax_lock_folio()`) and check for the shared marker, or let the filesystem notify (`dax_holder_notify_failure`).',
  'fsdax/index-read': 'Get the file offset from the filesystem (the DAX entry / `dax_lock_mapping_entry()`), not from `page->index`; for a shared page every owner has its own offset.',
  'fsdax/anon-test': 'Rule out FS-DAX before testing anon-ness: a shared FS-DAX page looks anonymous while its mapping is the 0x1 marker.',
  'fsdax/anon-vma': 'Rule out FS-DAX before looking up an anon_vma: a shared FS-DAX page has none.',
  'fsdax/mapping-helper': 'Call the helper only under a filesystem guarantee (`dax_lock_folio()`), or route through the filesystem\'s notify_failure path.',
  'fsdax/dax-lock-shared': 'A shared page has no single owner to lock; handle shared pages through the filesystem (`mf_dax_kill_procs`) instead.',
  'fsdax/suppression': 'Write why the read is safe after `--`, or remove the comment if nothing on this line or the next is reported.',
};

export function hoverFinding(findings: readonly Finding[], pos: Position): Hover | null {
  const hits = findings.filter((f) => contains(f.range, pos));
  if (hits.length === 0) return null;
  const parts = hits.map((f) => [
    `**${f.ruleId}** (${f.severity}): ${f.message}`,
    `*Era ${f.era}:* ${describeEra(f.era)}.`,
    INSTEAD[f.ruleId] ? `*Instead:* ${INSTEAD[f.ruleId]}` : '',
    f.path.length > 1 ? `*Path:* ${f.path.map((s) => `\`${s.function}()\` ${s.file}:${s.range.start.line + 1}`).join(' → ')}` : '',
    `[Explanation](${explanationUrl(f.explanation, f.era)})`,
  ].filter(Boolean).join('\n\n'));
  return { contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n---\n\n') }, range: hits[0].range };
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
