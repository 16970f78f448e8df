// explain layer: plain-text and markdown renderings of a trace. Text is for
// `fsdax-audit --explain` (every step, with fields); markdown is the short
// form a hover shows (the wrong step only). Both read only the Trace.
import { ERA_TRAITS } from './types';
import { eventLabel, fieldRows, hazardMark, mappingText } from './format';
import type { Step, Trace } from './types';

function mark(st: Step): string {
  if (st.outcome !== 'applied') return st.outcome.toUpperCase();
  return st.hazard ? hazardMark(st.hazard.severity).toUpperCase() : '';
}

export function renderText(trace: Trace): string {
  const lines: string[] = [];
  const ref = trace.modelRef ? ` [fsdax-model.md ${trace.modelRef}]` : '';
  lines.push(`${trace.scenario} (${trace.era}): ${trace.title}${ref}`);
  lines.push(`  ${trace.summary}`);
  for (const st of trace.steps) {
    const flag = mark(st);
    lines.push('');
    lines.push(`  ${st.n}. ${eventLabel(st.event)}${flag ? `  [${flag}]` : ''}`);
    lines.push(`     ${st.sentence}`);
    if (st.hazard) lines.push(`     >> ${st.hazard.text}`);
    if (st.outcome === 'applied') {
      const f = st.state;
      lines.push(`     mapping=${mappingText(f.mapping, trace.era)}  ${ERA_TRAITS[trace.era].indexName}=${f.indexWord}  refcount=${f.refcount}  owners=${fieldRows(f, trace.era)[3][1]}  lock=${f.entryLock ?? 'free'}`);
    }
  }
  lines.push('');
  lines.push(`  ${trace.verdict}`);
  return lines.join('\n') + '\n';
}

function escapeMarkdown(s: string): string {
  return s.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

/** Short: title, the step that goes wrong (or the verdict) and the fields at that step. */
export function renderMarkdown(trace: Trace): string {
  const out: string[] = [`**${escapeMarkdown(trace.title)}** (${escapeMarkdown(trace.era)})`, '', escapeMarkdown(trace.summary), ''];
  const st = trace.hazardStep ? trace.steps[trace.hazardStep - 1] : undefined;
  if (!st) {
    out.push(escapeMarkdown(trace.verdict));
    return out.join('\n') + '\n';
  }
  out.push(`Step ${st.n} of ${trace.steps.length}, *${escapeMarkdown(eventLabel(st.event))}*: ${escapeMarkdown(st.sentence)}`, '');
  out.push(`**Goes wrong:** ${escapeMarkdown(st.hazard!.text)}`, '');
  out.push('| field | value |', '|---|---|');
  for (const [k, v] of fieldRows(st.state, trace.era).slice(0, 4)) out.push(`| ${escapeMarkdown(k)} | ${escapeMarkdown(v)} |`);
  return out.join('\n') + '\n';
}
