// lsp front-end: the explanation view's two messages. fsdaxAudit/explanation
// serves a scenario's trace as webview HTML from explain/ (the client owns the
// webview, nonce and cspSource); the open-explanation command asks a client that
// has its own view to show it, and gives any other client the static page.
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver';
import { lookupScenarioId, renderHtml, runScenario } from '../explain/index';
import { DEFAULT_ERA } from '../model/era';
import { ERAS, type Era } from '../model/types';
import {
  SHOW_EXPLANATION_REQUEST, explanationUrl,
  type ExplanationParams, type ExplanationResult, type ShowExplanationParams,
} from '../protocol';

export const isEra = (v: unknown): v is Era => (ERAS as readonly unknown[]).includes(v);

/** The trace of a scenario (or of a rule's scenario) as HTML; empty when the id is unknown. */
export function explanationFor(params: ExplanationParams, fallbackEra: string): ExplanationResult {
  const scenario = lookupScenarioId(String(params.scenario ?? ''));
  const era = isEra(params.era) ? params.era : isEra(fallbackEra) ? fallbackEra : DEFAULT_ERA;
  if (!scenario) return { scenario: String(params.scenario ?? ''), era, title: '', html: '' };
  const trace = runScenario(scenario, era);
  // renderHtml refuses a nonce or cspSource that could break out of the CSP; guard() turns that into the empty answer.
  const html = renderHtml(trace, { nonce: params.nonce, cspSource: params.cspSource });
  return { scenario, era, title: `${trace.title} (${era})`, html };
}

export interface OpenExplanationSupport {
  /** The client announced experimental.fsdaxAudit.explanationView. */
  explanationView: boolean;
  showDocument: boolean;
}

/** fsdaxAudit.openExplanation [scenario, era?]: the client's own view when it has one, else the static page. */
export async function openExplanation(connection: Connection, support: OpenExplanationSupport, args: unknown[]): Promise<void> {
  const [scenario, era] = args.map((a) => (a === undefined || a === null ? undefined : String(a)));
  if (!scenario) return;
  if (support.explanationView) {
    const params: ShowExplanationParams = isEra(era) ? { scenario, era } : { scenario };
    await connection.sendRequest(SHOW_EXPLANATION_REQUEST, params);
    return;
  }
  const url = explanationUrl(lookupScenarioId(scenario) ?? scenario, isEra(era) ? era : undefined);
  if (support.showDocument) await connection.window.showDocument({ uri: url, external: true });
  else void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: `fsdax-audit explanation: ${url}` });
}
