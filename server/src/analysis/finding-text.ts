// analysis layer: how a finding reads, the same in every front-end (CLI text, LSP, SARIF, JSON):
// templates filled, code shortened for a headline, the confidence tags and what they mean, and
// the path as one step per call level. Pure; knows no rule and no output format.
import type { Finding, FindingStep } from './audit-types';
import { CALL_ARROW } from './facts';
import { BENIGN_USES } from './sites';

/** The longest code span a headline quotes; a longer call is shown as `name(…)`. */
const HEADLINE_CODE_MAX = 32;

/** Fills {{key}} placeholders; an unknown key stays as written, so a missing datum is visible. */
export function fillTemplate(template: string, data: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => data[k] ?? `{{${k}}}`);
}

/**
 * Code short enough for a headline: whitespace squeezed; a long call becomes `name(…)`, a long
 * field read `name(…)->field` (or `…->field`), anything else its first characters and `…`.
 */
export function shortCode(code: string, max = HEADLINE_CODE_MAX): string {
  const text = code.replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const call = /^([A-Za-z_]\w*)\s*\(/.exec(text);
  const field = /(->|\.)(\w+)$/.exec(text);
  if (field) {
    const base = call ? `${call[1]}(…)` : '…';
    if (base.length + field[0].length <= max) return `${base}${field[0]}`;
    if (field[0].length + 1 <= max) return `…${field[0]}`;
  }
  if (call && text.endsWith(')') && call[1].length + 3 <= max) return `${call[1]}(…)`;
  return `${text.slice(0, max - 1)}…`;
}

/** `code` spans in a datum (backticked) shortened for a headline; `callsByName`: any call becomes `name()`. */
export function shortCodeSpans(text: string, callsByName = false): string {
  return text.replace(/`([^`]+)`/g, (_, c: string) => {
    const call = callsByName ? /^([A-Za-z_]\w*)\s*\(/.exec(c.trim()) : null;
    return `\`${call ? `${call[1]}()` : shortCode(c)}\``;
  });
}

/** What a tag in a headline means: the text report's legend, the hover's details. */
export interface TagMeaning { tag: string; meaning: string }

export const DEBUG_ONLY_MEANING = 'only on debug kernels (CONFIG_DEBUG_VM assertions) or behind a hwpoison debugfs knob';

/** The confidence tags of a finding, as its headline ends: `[race]`, `[debug-only]`, `[benign: recheck]`. */
export function tagsOf(f: Pick<Finding, 'confidence' | 'debugOnly' | 'use'>): string[] {
  const tags: string[] = [];
  if (f.use && BENIGN_USES.has(f.use)) tags.push(`benign: ${f.use}`);
  if (f.confidence === 'race') tags.push('race');
  if (f.debugOnly) tags.push('debug-only');
  return tags;
}

/** What each tag the findings carry means, once per report (race: the era's mechanism). */
export function tagLegend(findings: readonly Finding[]): TagMeaning[] {
  const out = new Map<string, string>();
  for (const f of findings) {
    for (const tag of tagsOf(f)) {
      if (out.has(tag)) continue;
      if (tag === 'race') out.set(tag, f.race ?? 'needs a concurrent truncate or reflink fault');
      else if (tag === 'debug-only') out.set(tag, DEBUG_ONLY_MEANING);
      else out.set(tag, `the value is only used as a ${f.use}, which cannot hurt`);
    }
  }
  const order = (t: string) => (t === 'race' ? 0 : t === 'debug-only' ? 1 : 2);
  return [...out].map(([tag, meaning]) => ({ tag, meaning })).sort((a, b) => order(a.tag) - order(b.tag) || (a.tag < b.tag ? -1 : 1));
}

/** What a call step hands the page to, from its label: `callee()`, or `macro() → callee()` through forwarding macros. */
function calledOf(step: FindingStep): string | undefined {
  return /^\w+\(\) → (\w+\(\)(?: → \w+\(\))*)$/.exec(step.label)?.[1];
}

/**
 * The path as a reader follows it: one step per call level, the site left out (it is the
 * finding's own location). A level that hands the page on is shown at that call; where the page
 * entered the level there (a source, an entry point's parameter), the call's label says so:
 * `memory_failure(pfn): any pfn, pmem included → mf_dev_pagemap()`. The site's own level shows
 * where the page entered it, if that is not the site. Finding.path keeps every step (diffs compare it).
 */
export function pathSteps(f: Pick<Finding, 'path'>): FindingStep[] {
  const levels: FindingStep[][] = [];
  for (const s of f.path.slice(0, -1)) {
    const level = levels[levels.length - 1];
    if (level && level[0].function === s.function && level[0].file === s.file) level.push(s);
    else levels.push([s]);
  }
  return levels.map((level) => {
    const call = [...level].reverse().find((s) => calledOf(s) !== undefined);
    const first = level[0];
    if (!call || call === first) return first;
    return { ...call, label: `${first.label}${CALL_ARROW}${calledOf(call)}` };
  });
}

/** The functions a finding's path runs through, source first, the site's function last. */
export function pathFunctions(f: Pick<Finding, 'path' | 'function'>): string[] {
  const names = pathSteps(f).map((s) => s.function);
  if (names[names.length - 1] !== f.function) names.push(f.function);
  return names;
}
