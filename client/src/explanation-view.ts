// VS Code client: hosts the explanation webview. The HTML comes from the language
// server (fsdaxAudit/explanation, rendered by explain/); this file only makes the
// nonce, passes the webview's cspSource and keeps one panel. No analysis here.
import { randomBytes } from 'crypto';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { EXPLANATION_REQUEST, type ExplanationParams, type ExplanationResult } from '../../server/src/protocol';

export const EXPLANATION_VIEW_TYPE = 'fsdaxAudit.explanation';

export class ExplanationView implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** What the panel shows, for the e2e suite and for re-showing the same scenario. */
  shown: { scenario: string; era: string; title: string } | undefined;

  constructor(private readonly client: () => LanguageClient | undefined) {}

  async show(scenario: string, era?: string): Promise<boolean> {
    const c = this.client();
    if (!c) return false;
    const isNew = !this.panel;
    const panel = this.panel ?? this.createPanel();
    // A fresh nonce per load: the server's CSP lets only this load's style and script run.
    const params: ExplanationParams = { scenario, era, nonce: randomBytes(18).toString('base64'), cspSource: panel.webview.cspSource };
    const result = await c.sendRequest<ExplanationResult>(EXPLANATION_REQUEST, params);
    if (!result.html) {
      if (isNew) panel.dispose();
      void vscode.window.showInformationMessage(`fsdax-audit: no explanation for "${scenario}".`);
      return false;
    }
    panel.title = result.title;
    panel.webview.html = result.html;
    panel.reveal(panel.viewColumn ?? vscode.ViewColumn.Beside, false);
    this.shown = { scenario: result.scenario, era: result.era, title: result.title };
    return true;
  }

  private createPanel(): vscode.WebviewPanel {
    // Scripts for the stepper only (nonce-gated by the page's CSP); localResourceRoots: []
    // because the page is self-contained, so the webview may load no file at all.
    const panel = vscode.window.createWebviewPanel(EXPLANATION_VIEW_TYPE, 'FS-DAX explanation', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, localResourceRoots: [], enableCommandUris: false, retainContextWhenHidden: false });
    panel.onDidDispose(() => { this.panel = undefined; this.shown = undefined; });
    this.panel = panel;
    return panel;
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
