// explain layer: the static help pages SARIF's helpUri and the diagnostics'
// codeDescription.href point at: one page per scenario with a section per era
// (anchor eraAnchor(era)), plus an index. Returns strings; the build script writes them.
import { createHash } from 'crypto';
import { ERAS } from '../model/types';
import { escapeHtml, eraAnchor, htmlDocument, traceSection } from './render-html';
import { SCENARIOS, runScenario } from './scenarios';
import type { Era } from './types';

export interface ExplanationPage {
  /** Relative to the output folder: `<scenario>.html` or `index.html`. */
  path: string;
  html: string;
}

/** Relative link to one scenario in one era, for helpUri and codeDescription.href (prefix with the base URL). */
export function explanationHref(scenarioId: string, era: Era): string {
  return `${scenarioId}.html#${eraAnchor(era)}`;
}

// A static file has one nonce for ever; it is derived from the page so builds are byte-identical.
// The CSP still forbids every other script and all remote resources, and the pages hold no user input.
function staticNonce(key: string): string {
  return createHash('sha256').update(`fsdax-audit explanation ${key}`).digest('base64');
}

export function renderScenarioPage(scenarioId: string): string {
  const traces = ERAS.map((era) => runScenario(scenarioId, era));
  const first = traces[0];
  const nav = `<nav class="eras">${ERAS.map((era) => `<a href="#${eraAnchor(era)}">${escapeHtml(era)}</a>`).join('')}<a href="index.html">all scenarios</a></nav>`;
  const body = [`<h1>${escapeHtml(first.title)}</h1>`, nav, ...traces.map((t) => traceSection(t, 'h2'))];
  return htmlDocument(first.title, body, { nonce: staticNonce(scenarioId) });
}

export function buildExplanationPages(): ExplanationPage[] {
  const items = SCENARIOS.map((s) => `<li><a href="${s.id}.html">${escapeHtml(s.title)}</a>${s.modelRef ? ` (${s.modelRef})` : ''}: ${escapeHtml(s.summary)}</li>`);
  const index = htmlDocument('fsdax-audit scenarios', ['<h1>FS-DAX page scenarios</h1>', `<ul>${items.join('\n')}</ul>`], { nonce: staticNonce('index') });
  return [{ path: 'index.html', html: index }, ...SCENARIOS.map((s) => ({ path: `${s.id}.html`, html: renderScenarioPage(s.id) }))];
}
