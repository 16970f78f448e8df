// The whole-tree triage: every finding of a mm/+fs/ scan of a real kernel tree,
// judged by reading its path in the tree, lives in docs/triage/linux-<version>.json.
// This module matches a scan against those verdicts (pure); scripts/triage-report.ts
// runs the scan and writes the table, test/unit/triage.test.ts keeps them in step.
import type { Finding } from '../server/src/analysis/audit-types';
import { BENIGN_USES } from '../server/src/analysis/sites';
import { foldedRuleId } from '../server/src/analysis/findings';

export interface TriageEntry {
  fingerprint: string;
  /** 1-based line of the finding in the tree (a fingerprint has no line: two reads in one function share it). */
  line: number;
  /** true: an FS-DAX page without a filesystem guarantee reaches the site and the use can hurt. */
  verdict: 'true' | 'false';
  /** For true verdicts: does it hold with no concurrent event ('high'), or only with a race; 'none' for false ones. */
  confidence: 'high' | 'race' | 'none';
  debugOnly: boolean;
  /** What the read is really used for, as the reader saw it. */
  use: string;
  /** The path as read in the tree, with file:line citations, and why it can or cannot hurt. */
  reason: string;
}

export interface TriageFile {
  tree: string;
  era: string;
  /** How the findings were produced. */
  command: string;
  entries: TriageEntry[];
}

export interface TriageRow {
  finding: Finding;
  shown: boolean;
  entry?: TriageEntry;
}

export interface TriageResult {
  rows: TriageRow[];
  /** Findings shown by default with no verdict: the check fails on these. */
  unjudged: Finding[];
  /** Verdicts for which the scan has no finding any more (fixed, or the line moved). */
  stale: TriageEntry[];
  counts: { shown: number; shownTrue: number; shownFalse: number; high: number; race: number; debugOnly: number; hiddenTrue: number; hidden: number };
}

export const findingLine = (f: Finding) => f.range.start.line + 1;

/** Matches a show-benign scan against the verdicts: by fingerprint and line. */
export function matchTriage(findings: readonly Finding[], file: TriageFile): TriageResult {
  const byKey = new Map(file.entries.map((e) => [`${e.fingerprint}@${e.line}`, e] as const));
  const used = new Set<TriageEntry>();
  // A hazard folded into an earlier one on its path is still reported, as a related location of it.
  for (const f of findings) {
    for (const r of f.related ?? []) {
      // A fingerprint is rule|file|function|expression.
      const folded = file.entries.find((e) => {
        const [ruleId, inFile, fn] = e.fingerprint.split('|');
        return e.line === r.range.start.line + 1 && inFile === r.file && fn === r.function && ruleId === foldedRuleId(r);
      });
      if (folded) used.add(folded);
    }
  }
  const rows: TriageRow[] = findings.filter((f) => f.use).map((finding) => {
    const entry = byKey.get(`${finding.fingerprint}@${findingLine(finding)}`);
    if (entry) used.add(entry);
    return { finding, shown: !BENIGN_USES.has(finding.use!), entry };
  });
  const shown = rows.filter((r) => r.shown);
  const hidden = rows.filter((r) => !r.shown);
  const isTrue = (r: TriageRow) => r.entry?.verdict === 'true';
  return {
    rows,
    unjudged: shown.filter((r) => !r.entry).map((r) => r.finding),
    stale: file.entries.filter((e) => !used.has(e)),
    counts: {
      shown: shown.length,
      shownTrue: shown.filter(isTrue).length,
      shownFalse: shown.filter((r) => r.entry?.verdict === 'false').length,
      high: shown.filter((r) => isTrue(r) && r.entry!.confidence === 'high' && !r.entry!.debugOnly).length,
      race: shown.filter((r) => isTrue(r) && r.entry!.confidence === 'race').length,
      debugOnly: shown.filter((r) => isTrue(r) && r.entry!.debugOnly).length,
      hidden: hidden.length,
      hiddenTrue: hidden.filter(isTrue).length,
    },
  };
}

const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of a triage: shown findings first, then the hidden (benign) ones that were judged too. */
export function triageMarkdown(version: string, file: TriageFile, result: TriageResult, whole = false): string {
  const c = result.counts;
  const precision = c.shown ? ((c.shownTrue / c.shown) * 100).toFixed(0) : '100';
  const out = [
    `# Triage: linux-${version}, ${whole ? 'the whole tree' : 'whole mm/ + fs/'}`,
    '',
    `Tree: ${file.tree}. Era ${file.era}. Findings: \`${file.command}\` (benign uses hidden by default; \`--show-benign\` adds them).`,
    whole
      ? `Every finding was judged by reading its path in the tree; the verdicts of findings outside mm/+fs/ (or reached only from there) live in \`docs/triage/linux-${version}.json\`, the others in the mm/+fs/ file, and \`npm run triage -- --version ${version.replace(/-whole$/, '')} --whole\` regenerates this page.`
      : `Every finding was judged by reading its path in the tree (callers, which page, past which checks); the verdicts live in \`docs/triage/linux-${version}.json\` and \`npm run triage -- --version ${version}\` regenerates this page from them and a fresh scan.`,
    '',
    `**Shown by default: ${c.shown}; true ${c.shownTrue} (${precision}%), false ${c.shownFalse}, unjudged ${result.unjudged.length}.** Of the true ones: ${c.high} need no race, ${c.race} need a concurrent event, ${c.debugOnly} are debug-only. Hidden as benign: ${c.hidden}, of which judged true (wrongly hidden): ${c.hiddenTrue}.`,
    '',
    '| # | file:line | function | rule | expression | tool: use / confidence | verdict | reason |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const row = (r: TriageRow, i: number, prefix: string) => {
    const f = r.finding;
    const e = r.entry;
    const verdict = !e ? 'unjudged' : e.verdict === 'true' ? `**true** (${e.confidence}${e.debugOnly ? ', debug-only' : ''})` : 'false';
    const folded = (f.related ?? []).map((s) => `${s.file}:${s.range.start.line + 1} (${foldedRuleId(s)})`);
    const foldNote = folded.length > 0 ? ` *Folded into it (later on this path, judged with it):* ${folded.join(', ')}.` : '';
    out.push(`| ${prefix}${i + 1} | ${f.file}:${findingLine(f)} | ${f.function} | ${f.ruleId} | \`${esc(f.expr)}\` | ${f.use} / ${f.confidence}${f.debugOnly ? ' / debug-only' : ''} | ${verdict} | ${esc(e?.reason ?? '')}${foldNote} |`);
  };
  result.rows.filter((r) => r.shown).forEach((r, i) => row(r, i, ''));
  const hidden = result.rows.filter((r) => !r.shown);
  if (hidden.length > 0) {
    out.push('', '## Hidden by default (benign use)', '', '| # | file:line | function | rule | expression | tool: use / confidence | verdict | reason |', '|---|---|---|---|---|---|---|---|');
    hidden.forEach((r, i) => row(r, i, 'b'));
  }
  if (result.stale.length > 0) {
    out.push('', '## Verdicts with no finding now (judged false, and the analysis no longer reports them; a true one here is a lost finding)', '', ...result.stale.map((e) => `- ${e.fingerprint} at line ${e.line} (${e.verdict}): ${esc(e.reason)}`));
  }
  return `${out.join('\n')}\n`;
}
