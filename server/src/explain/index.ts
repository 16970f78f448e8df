// explain layer: the simulator's public entry points. Front-ends (CLI
// --explain, LSP hover and codeDescription, the webview, SARIF helpUri) import
// from here only. Pure: no IO, no editor types; same input, same output.
import { renderHtml } from './render-html';
import { renderMarkdown, renderText } from './render-text';
import { lookupScenarioId, runScenario, scenarioForRule, SCENARIOS } from './scenarios';
import type { Era } from './types';

export { buildExplanationPages, explanationHref, renderScenarioPage, type ExplanationPage } from './pages';
export { eraAnchor, type HtmlOptions } from './render-html';
export { runEvents } from './simulate';
export type { Era, Hazard, PageState, SimEvent, Step, Trace } from './types';
export { lookupScenarioId, renderHtml, renderMarkdown, renderText, runScenario, scenarioForRule, SCENARIOS };

/** Every scenario id, in the order of SCENARIOS. */
export function scenarioIds(): string[] {
  return SCENARIOS.map((s) => s.id);
}

/** Plain text for `fsdax-audit --explain <scenario-or-rule-id>`; undefined when the id is neither. */
export function explainText(idOrRuleId: string, era: Era): string | undefined {
  const id = lookupScenarioId(idOrRuleId);
  return id === undefined ? undefined : renderText(runScenario(id, era));
}
