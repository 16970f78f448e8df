// analysis layer: the rule runner. Turns resolved sites into findings: runs each rule of
// the audit's rule set on each file's sites (a rule that throws loses that file only), fills
// message templates, decides use, confidence and debug-only qualifiers, applies suppressions,
// sorts and deduplicates. Pure.
import type { ParsedFile } from '../parse/parser';
import type { SourceView } from '../parse/source-view';
import type { ModelIndex } from '../model/model';
import { describeEra } from '../model/era';
import type { Era } from '../model/types';
import type { AuditOptions, FileProblem, Finding, FindingStep, Range } from './audit-types';
import type { PathStep } from './facts';
import type { ResolvedSite } from './program';
import type { Confidence, Rule, RuleContext, Severity } from './rule-api';
import { BENIGN_USES, USE_ORDER, UseKind } from './sites';
import { applySuppressions } from './suppressions';
import { fillTemplate, shortCodeSpans, tagsOf } from './finding-text';

/**
 * What one rule reported in one file, with what it was made from: the sites (the same objects, at
 * the same offsets: an edit moves sites in place) and the views their ranges were read from.
 */
interface RuleFileFindings {
  sites: readonly ResolvedSite[];
  marks: number[];
  views: Array<SourceView | undefined>;
  findings: Finding[];
  /** The site each finding was made from (the same index). */
  from: ResolvedSite[];
  problem?: FileProblem;
}

/**
 * Findings kept between one session's reports (an editor's, after each edit): a rule's findings in
 * a file are made again only when that file's sites, their offsets or the views of the files their
 * ranges are in changed. The options and model must be the same from one report to the next.
 */
export class FindingsCache {
  entries = new Map<Rule, Map<string, RuleFileFindings>>();
}

/** The sites' and their paths' offsets, and the views they are read with: what a rule's findings of these sites are computed from. */
function signatureOf(sites: readonly ResolvedSite[], views: ReadonlyMap<string, SourceView>): { marks: number[]; views: Array<SourceView | undefined> } {
  const marks: number[] = [];
  const seen: Array<SourceView | undefined> = [];
  for (const s of sites) {
    marks.push(s.start, s.end);
    seen.push(views.get(s.file));
    for (const step of s.exposure.path) { marks.push(step.start, step.end); seen.push(views.get(step.file)); }
  }
  return { marks, views: seen };
}

/** The same offsets and views as `kept`'s (its sites the same: sameSites). */
function samePlaces(kept: RuleFileFindings, sig: { marks: number[]; views: Array<SourceView | undefined> }): boolean {
  if (kept.marks.length !== sig.marks.length || kept.views.length !== sig.views.length) return false;
  for (let i = 0; i < sig.marks.length; i++) if (kept.marks[i] !== sig.marks[i]) return false;
  for (let i = 0; i < sig.views.length; i++) if (kept.views[i] !== sig.views[i]) return false;
  return true;
}

/**
 * The same site objects, in the same order: what the rule decided from them stands (no rule reads
 * a position), and only the ranges the findings quote need reading again when an edit moved the
 * sites or replaced a view (relocated()).
 */
function sameSites(kept: RuleFileFindings, sites: readonly ResolvedSite[]): boolean {
  if (kept.sites.length !== sites.length) return false;
  for (let i = 0; i < sites.length; i++) if (kept.sites[i] !== sites[i]) return false;
  return true;
}

/** A rule's kept findings in a file, with their ranges and paths read again from where their sites are now. */
function relocated(kept: RuleFileFindings, views: ReadonlyMap<string, SourceView>): Finding[] {
  return kept.findings.map((f, i) => {
    const site = kept.from[i];
    return { ...f, range: rangeIn(views, site.file, site.start, site.end), path: site.exposure.path.map((s) => stepIn(views, s)) };
  });
}

function rangeIn(views: ReadonlyMap<string, SourceView>, file: string, start: number, end: number): Range {
  const v = views.get(file);
  return v ? { start: v.positionAt(start), end: v.positionAt(end) } : { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function stepIn(views: ReadonlyMap<string, SourceView>, s: PathStep): FindingStep {
  return { file: s.file, function: s.function, range: rangeIn(views, s.file, s.start, s.end), label: s.label };
}

/** Turns resolved sites into findings: rules, suppressions, sorting. `cache`: what the last report of the same session made. */
export function findingsFor(sites: readonly ResolvedSite[], parsed: ReadonlyArray<Pick<ParsedFile, 'path' | 'view'>>, options: AuditOptions, index: ModelIndex, problems: FileProblem[], cache?: FindingsCache): Finding[] {
  const views = new Map(parsed.map((p) => [p.path, p.view] as const));
  const findings: Finding[] = [];
  // Contained per rule per file: a rule that throws on one file loses that file's findings only.
  const byFile = new Map<string, ResolvedSite[]>();
  for (const site of sites) { const list = byFile.get(site.file); if (list) list.push(site); else byFile.set(site.file, [site]); }
  const signatures = cache && new Map([...byFile].map(([file, list]) => [file, signatureOf(list, views)] as const));
  const next = new Map<Rule, Map<string, RuleFileFindings>>();
  for (const rule of options.rules) {
    const override = options.severities?.[rule.meta.id];
    if (override === 'off') continue;
    const kept = cache?.entries.get(rule);
    const made = new Map<string, RuleFileFindings>();
    next.set(rule, made);
    for (const [file, fileSites] of byFile) {
      const sig = signatures?.get(file);
      const was = kept?.get(file);
      if (sig && was && sameSites(was, fileSites)) {
        if (samePlaces(was, sig)) {
          for (const f of was.findings) findings.push(f);
          if (was.problem) problems.push(was.problem);
          made.set(file, was);
          continue;
        }
        // Moved by an edit, or a view replaced (the edited file's): the rule's findings stand, their ranges are read again.
        if (!was.problem) {
          const moved = relocated(was, views);
          for (const f of moved) findings.push(f);
          made.set(file, { ...was, ...sig, findings: moved });
          continue;
        }
      }
      const before = findings.length;
      const from: ResolvedSite[] = [];
      let problem: FileProblem | undefined;
      try {
        runRule(rule, fileSites, options, index, views, override, findings, from);
      } catch (e) {
        findings.length = before;
        from.length = 0;
        problem = { file, kind: 'internal', message: `rule ${rule.meta.id} failed: ${(e as Error).message}; its findings in this file are missing`, line: 0 };
        problems.push(problem);
      }
      if (sig) made.set(file, { sites: fileSites, ...sig, findings: findings.slice(before), from, ...(problem ? { problem } : {}) });
    }
  }
  if (cache) cache.entries = next;
  const kept = applySuppressions(findings, parsed, options.era.era);
  kept.sort(compareFindings);
  return foldIntoCalls(dedupe(kept));
}

const locationKey = (file: string, r: Range) => `${file}:${r.start.line}:${r.start.character}`;

const FOLDED_RULE_SEPARATOR = ': ';

/** The rule of a hazard folded into another finding (a step of Finding.related). */
export function foldedRuleId(step: FindingStep): string {
  return step.label.slice(0, step.label.indexOf(FOLDED_RULE_SEPARATOR));
}

/**
 * Reports the first hazard on a path: a finding whose chosen path passes through the call another
 * shown finding reports (with the same confidence) is the consequence of that call, and becomes a
 * related location of it rather than a finding of its own.
 */
function foldIntoCalls(findings: Finding[]): Finding[] {
  const byLocation = new Map<string, Finding>();
  for (const f of findings) if (f.use && !BENIGN_USES.has(f.use)) byLocation.set(locationKey(f.file, f.range), f);
  const folded = new Set<Finding>();
  // What each finding gains, added to a copy of it: findings are kept between reports (FindingsCache), never changed.
  const gained = new Map<Finding, FindingStep[]>();
  for (const f of findings) {
    if (!f.use || BENIGN_USES.has(f.use)) continue;
    const into = f.path.slice(0, -1).map((s) => byLocation.get(locationKey(s.file, s.range))).find((a) => a && a !== f && a.confidence === f.confidence && !folded.has(a));
    if (!into) continue;
    const step = { file: f.file, function: f.function, range: f.range, label: `${f.ruleId}${FOLDED_RULE_SEPARATOR}${f.message}` };
    const list = gained.get(into);
    if (list) list.push(step); else gained.set(into, [step]);
    folded.add(f);
  }
  if (folded.size === 0) return findings;
  return findings.filter((f) => !folded.has(f)).map((f) => { const more = gained.get(f); return more ? { ...f, related: [...(f.related ?? []), ...more] } : f; });
}

export function compareProblems(a: FileProblem, b: FileProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0);
}

/** The use that decides whether a read hurts: the worst one recorded; a read whose use we never saw is assumed to escape. */
export function decisiveUse(uses: readonly UseKind[] | undefined): UseKind {
  return USE_ORDER.find((u) => uses?.includes(u)) ?? 'escape';
}

/** Runs a rule on a file's sites into `out`; `from` gets the site each finding was made from. */
function runRule(rule: Rule, sites: readonly ResolvedSite[], options: AuditOptions, index: ModelIndex,
  views: Map<string, SourceView>, override: Severity | undefined, out: Finding[], from: ResolvedSite[]): void {
  const era: Era = options.era.era;
  const { hasSharedPages, hasSentinel } = index;
  const raceText = index.raceMechanism ?? 'needs a concurrent truncate or reflink fault';
  const toRange = (file: string, start: number, end: number): Range => rangeIn(views, file, start, end);
  const toStep = (s: PathStep): FindingStep => stepIn(views, s);
  const ctx: RuleContext = {
    era, hasSharedPages, hasSentinel,
    sites: (...kinds) => sites.filter((s) => kinds.includes(s.kind)),
    report(site, messageId, opts = {}) {
      const template = rule.meta.messages[messageId];
      if (!template) throw new Error(`${rule.meta.id} reports unknown message id "${messageId}"`);
      const source = site.exposure.path[0];
      const data: Record<string, string> = {
        expr: `\`${site.expr}\``, era, function: site.function, eraMeaning: describeEra(era),
        source: source ? `${source.function}() (${source.file})` : 'a caller', ...opts.data,
      };
      const use = opts.use ?? decisiveUse(site.uses);
      const benign = BENIGN_USES.has(use);
      if (benign && !options.showBenign) return;
      const confidence: Confidence = opts.confidence ?? (opts.needsRace || site.exposure.sharedNeedsRace ? 'race' : 'high');
      if (options.minConfidence === 'high' && confidence === 'race') return;
      const debugOnly = site.exposure.debugOnly;
      // The headline and the fix quote code short; {{ruleOut}}: how code fed from this source keeps FS-DAX pages out.
      const ruleOut = index.ruleOutFor(site.exposure.sourceId, source?.function) ?? 'rule out FS-DAX pages first (`is_zone_device_page()`)';
      const brief: Record<string, string> = { ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, shortCodeSpans(v, k !== 'expr')])), source: source ? `${source.function}()` : 'a caller', ruleOut };
      const headline = fillTemplate(rule.meta.headlines?.[messageId] ?? template, brief);
      const tags = tagsOf({ confidence, debugOnly, use }).map((t) => ` [${t}]`).join('');
      out.push({
        ruleId: rule.meta.id, messageId, severity: override ?? (benign || debugOnly ? 'info' : opts.severity ?? rule.meta.severity),
        message: headline + tags, fix: fillTemplate(rule.meta.fixes?.[messageId] ?? rule.meta.advice, brief), detail: fillTemplate(template, data),
        ...(confidence === 'race' ? { race: raceText } : {}),
        file: site.file, range: toRange(site.file, site.start, site.end), function: site.function, expr: site.expr, era,
        explanation: opts.explanation ?? rule.meta.explanation, path: site.exposure.path.map(toStep),
        fingerprint: `${rule.meta.id}|${site.file}|${site.function}|${site.expr.replace(/\s+/g, '')}`,
        use, confidence, ...(debugOnly ? { debugOnly } : {}),
      });
      from.push(site);
    },
  };
  rule.check(ctx);
}

export function compareFindings(a: Finding, b: Finding): number {
  return cmp(a.file, b.file) || a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character ||
    cmp(a.ruleId, b.ruleId) || cmp(a.message, b.message);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The same rule at the same range is one finding (a site reached by two rules' site kinds). */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.ruleId}|${f.file}|${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
