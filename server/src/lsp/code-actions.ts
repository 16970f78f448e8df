// lsp front-end: code actions on fsdax-audit diagnostics. "Suppress" inserts the
// core's suppression comment on the line above, with a reason placeholder the
// developer must replace; "Open explanation" runs a server command that asks the
// client to show the scenario's page.
import { CodeAction, CodeActionKind, type Diagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { SUPPRESSION_RULE_ID } from '../analysis/rule-api';
import { OPEN_EXPLANATION_COMMAND } from '../protocol';
import { DIAGNOSTIC_SOURCE, type DiagnosticData } from './convert';

export const REASON_PLACEHOLDER = '<reason>';

export function suppressionComment(ruleId: string): string {
  return `/* fsdax-audit: ignore ${ruleId} -- ${REASON_PLACEHOLDER} */`;
}

/** Needs only the document's text: answered without waiting for a reparse. */
export function codeActionsFor(uri: string, doc: TextDocument, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const eol = /\r\n/.test(doc.getText()) ? '\r\n' : '\n';
  const seen = new Set<string>();
  for (const d of diagnostics) {
    if (d.source !== DIAGNOSTIC_SOURCE || typeof d.code !== 'string') continue;
    const line = d.range.start.line;
    const key = `${d.code}|${line}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (d.code !== SUPPRESSION_RULE_ID) {
      const indent = /^\s*/.exec(doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }))?.[0] ?? '';
      actions.push({
        title: `Suppress ${d.code} here (with a reason)`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        edit: { changes: { [uri]: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${suppressionComment(d.code)}${eol}` }] } },
      });
    }
    // Clients that drop diagnostic data still send codeDescription back (…/explanations/<scenario>.html#era-…).
    const data = d.data as DiagnosticData | undefined;
    const scenario = data?.scenario ?? /\/explanations\/([\w-]+)\.html/.exec(d.codeDescription?.href ?? '')?.[1];
    if (scenario) {
      actions.push({
        title: `Open the explanation of ${d.code}`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        command: { title: 'Open explanation', command: OPEN_EXPLANATION_COMMAND, arguments: data?.era ? [scenario, data.era] : [scenario] },
      });
    }
  }
  return actions;
}
