// explain layer: HTML for the VS Code webview and the static help pages. One
// trace section per era: a stepper, per step the field table and an owners →
// page diagram, the wrong read highlighted. Strict CSP: default-src 'none',
// style and script only with the nonce, no remote resources, no inline handlers.
import { eventLabel, fieldRows, hazardMark, mappingText, ownerText } from './format';
import { SCRIPT, STYLE } from './html-assets';
import { ERA_TRAITS, type Era, type PageState, type Step, type Trace } from './types';

export interface HtmlOptions {
  /** Fresh per webview load; the only key that lets the stylesheet and the script run. */
  nonce: string;
  /**
   * The webview's own sources (webview.cspSource), allowed for styles only; omitted for
   * static pages. VS Code gives a list, e.g. `'self' https://*.vscode-cdn.net`.
   */
  cspSource?: string;
}

// One CSP source expression: 'self', or scheme: / scheme://host[:port][/path] with a * host
// wildcard. Nothing that could end the directive (;), the attribute (") or add a keyword.
const CSP_SOURCE = /^(?:'self'|[a-z][a-z0-9+.-]*:(?:\/\/[a-z0-9*.-]+(?::(?:\d+|\*))?(?:\/[\w.~/-]*)?)?)$/i;

function isCspSourceList(s: string): boolean {
  const tokens = s.split(' ');
  return tokens.length > 0 && tokens.every((t) => CSP_SOURCE.test(t));
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Anchor of an era's section on a scenario page: `<=5.18` cannot be an id fragment as is. */
export function eraAnchor(era: Era): string {
  return `era-${era.replace('<=', 'le-').replace('+', '-plus')}`;
}

export function renderHtml(trace: Trace, options: HtmlOptions): string {
  return htmlDocument(`${trace.title} (${trace.era})`, [traceSection(trace, 'h1')], options);
}

/** A whole page around trace sections. Exported for the static pages (pages.ts). */
export function htmlDocument(title: string, body: string[], options: HtmlOptions): string {
  // A nonce outside base64 could close the attribute and inject markup; refuse it.
  if (!/^[A-Za-z0-9+/_=-]{8,}$/.test(options.nonce)) throw new Error('explain: renderHtml needs a base64 nonce of 8 or more characters');
  if (options.cspSource !== undefined && !isCspSourceList(options.cspSource)) throw new Error('explain: cspSource must be CSP source expressions (\'self\', scheme: or scheme://host) separated by single spaces');
  const n = options.nonce;
  const styleSrc = [options.cspSource, `'nonce-${n}'`].filter(Boolean).join(' ');
  const csp = `default-src 'none'; style-src ${styleSrc}; script-src 'nonce-${n}'; base-uri 'none'; form-action 'none'`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style nonce="${n}">${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<footer>fsdax-audit simulator: one FS-DAX page and its owners (fsdax-model.md §8). A, B, C are files; fm(X) is X's address_space; R and Q are code outside the filesystem.</footer>`,
    `<script nonce="${n}">${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export function traceSection(trace: Trace, heading: 'h1' | 'h2'): string {
  const ref = trace.modelRef ? ` <small>(fsdax-model.md ${trace.modelRef})</small>` : '';
  return [
    `<section class="trace" id="${eraAnchor(trace.era)}" tabindex="0" data-hazard="${trace.hazardStep ?? 0}">`,
    `<${heading}>${escapeHtml(trace.title)}: ${escapeHtml(trace.era)}${ref}</${heading}>`,
    `<p class="summary">${escapeHtml(trace.summary)}</p>`,
    '<div class="stepper"><button data-go="back">&#9664; Back</button><span class="pos"></span><button data-go="forward">Forward &#9654;</button><button data-go="wrong">Jump to the wrong read</button></div>',
    '<ol class="steps">',
    ...trace.steps.map((st) => stepItem(st, trace.era)),
    '</ol>',
    `<p class="verdict">${escapeHtml(trace.verdict)}</p>`,
    '</section>',
  ].join('\n');
}

function stepItem(st: Step, era: Era): string {
  const cls = ['step', st.outcome, st.hazard ? 'wrong' : ''].filter(Boolean).join(' ');
  const badge = st.hazard
    ? `<span class="badge wrong">${hazardMark(st.hazard.severity)}</span>`
    : st.outcome === 'applied' ? '' : `<span class="badge ${st.outcome}">${st.outcome}</span>`;
  const hazard = st.hazard ? `<p class="hazard-text">Goes wrong here: ${escapeHtml(st.hazard.text)}</p>` : '';
  return [
    `<li class="${cls}" data-step="${st.n}">`,
    `<h3>${st.n}. ${escapeHtml(eventLabel(st.event))}${badge}</h3>`,
    `<p>${escapeHtml(st.sentence)}</p>`,
    hazard,
    `<div class="panes">${fieldTable(st, era)}${diagram(st.state, era, st.hazard !== undefined)}</div>`,
    '</li>',
  ].filter(Boolean).join('\n');
}

/** Which rows this step's reader looked at, so the wrong read is highlighted in the table. */
function readRows(st: Step): Set<string> {
  const e = st.event;
  if (!st.hazard) return new Set();
  if (e.type === 'read') return new Set([...(e.field === 'both' ? ['mapping', 'index'] : [e.field]), `${e.reader} holds`]);
  if (e.type === 'use') return new Set([`${e.reader} holds`]);
  if (e.type === 'truncate') return new Set(['owners (fs rmap)', 'block allocated']);
  return new Set(['mapping']);
}

function fieldTable(st: Step, era: Era): string {
  const read = readRows(st);
  const rows = fieldRows(st.state, era).map(([k, v]) => {
    const key = k === ERA_TRAITS[era].indexName ? 'index' : k;
    return `<tr${read.has(key) ? ' class="read"' : ''}><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  });
  return `<table class="fields"><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

/** Owners on the left, the page in the middle, readers on the right; evicted inodes dashed. */
function diagram(s: PageState, era: Era, bad: boolean): string {
  const owners = s.owners.map((o) => ({ label: ownerText(o), evicted: false }))
    .concat(s.evicted.map((f) => ({ label: `${f} (evicted)`, evicted: true })));
  const rows = Math.max(owners.length, s.readers.length, 1);
  const h = rows * 34 + 16;
  const pageY = h / 2 - 22;
  const parts: string[] = [];
  owners.forEach((o, i) => {
    const y = 8 + i * 34;
    parts.push(`<rect x="4" y="${y}" width="110" height="24"${o.evicted ? ' class="evicted"' : ''}></rect><text x="10" y="${y + 16}">${escapeHtml(o.label)}</text>`);
    if (!o.evicted) parts.push(`<line x1="114" y1="${y + 12}" x2="150" y2="${h / 2}"></line>`);
  });
  parts.push(`<rect class="page${bad ? ' bad' : ''}" x="150" y="${pageY}" width="150" height="44"></rect>`);
  parts.push(`<text x="156" y="${pageY + 17}">mapping ${escapeHtml(s.mapping.kind === 'sentinel' ? '0x1' : mappingText(s.mapping, era))}</text>`);
  parts.push(`<text x="156" y="${pageY + 35}">index/share ${s.indexWord}</text>`);
  s.readers.forEach((r, i) => {
    const y = 8 + i * 34;
    parts.push(`<line class="${r.locked ? 'locked' : 'unguarded'}" x1="300" y1="${h / 2}" x2="336" y2="${y + 12}"></line>`);
    parts.push(`<rect x="336" y="${y}" width="110" height="24"></rect><text x="342" y="${y + 16}">${escapeHtml(r.name)} ${r.locked ? 'locked' : 'no guarantee'}</text>`);
  });
  const title = `owners ${owners.map((o) => o.label).join(', ') || 'none'}; readers ${s.readers.map((r) => r.name).join(', ') || 'none'}`;
  return `<svg class="diagram" role="img" aria-label="${escapeHtml(title)}" width="450" height="${h}" viewBox="0 0 450 ${h}">${parts.join('')}</svg>`;
}
