// VS Code client: routes the server's explanation links to the webview. The server
// links every finding to the static page (https, for any LSP client); in VS Code
// the diagnostic's code link and the hover's link should open the simulator trace
// in the editor instead. Two routes, because VS Code opens them differently:
// - diagnostic code.target: the hover and the peek view open it without command
//   permission (a command: URI is silently dropped there; only the Problems panel
//   allows it), so it becomes <uriScheme>://<extension id>/explain?scenario=&era=,
//   which VS Code's opener hands to our UriHandler (as trusted in code-server/web);
// - hover markdown: a command: link, trusted for our one command only.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { SHOW_EXPLANATION_COMMAND, parseExplanationUrl } from '../../server/src/protocol';

export const EXPLAIN_PATH = '/explain';

export type ShowExplanation = (scenario: string, era?: string) => unknown;

/** The URI a diagnostic's code link opens: handled by registerExplainUriHandler. */
export function explainUri(extensionId: string, scenario: string, era?: string): vscode.Uri {
  const query = new URLSearchParams(era ? { scenario, era } : { scenario }).toString();
  return vscode.Uri.from({ scheme: vscode.env.uriScheme, authority: extensionId, path: EXPLAIN_PATH, query });
}

/** <uriScheme>://<extension id>/explain?scenario=…&era=… → the webview. */
export function registerExplainUriHandler(show: ShowExplanation): vscode.Disposable {
  return vscode.window.registerUriHandler({
    handleUri(uri: vscode.Uri) {
      if (uri.path !== EXPLAIN_PATH) return;
      const q = new URLSearchParams(uri.query);
      const scenario = q.get('scenario');
      if (scenario) void show(scenario, q.get('era') ?? undefined);
    },
  });
}

function commandLink(scenario: string, era?: string): string {
  return `command:${SHOW_EXPLANATION_COMMAND}?${encodeURIComponent(JSON.stringify(era ? [scenario, era] : [scenario]))}`;
}

/** Markdown links (…)(https://…/explanations/x.html#era-…) become command links to the webview. */
function rewriteMarkdown(text: string): { text: string; changed: boolean } {
  let changed = false;
  const out = text.replace(/\]\((https:\/\/[^)\s]+)\)/g, (all, url: string) => {
    const target = parseExplanationUrl(url);
    if (!target) return all;
    changed = true;
    return `](${commandLink(target.scenario, target.era)})`;
  });
  return { text: out, changed };
}

/** The hover without the paragraphs that open with a headline VS Code already shows (`**<message>** — ...`). */
export function dropShownHeadlines(markdown: string, messages: readonly string[]): string {
  if (messages.length === 0) return markdown;
  return markdown.split('\n\n').filter((p) => !messages.some((m) => p.startsWith(`**${m}**`))).join('\n\n');
}

export function explanationMiddleware(extensionId: string): Middleware {
  return {
    handleDiagnostics(uri, diagnostics, next) {
      for (const d of diagnostics) {
        if (d.source !== 'fsdax-audit' || typeof d.code !== 'object') continue;
        const target = parseExplanationUrl(d.code.target.toString(true));
        if (target) d.code = { value: d.code.value, target: explainUri(extensionId, target.scenario, target.era) };
      }
      next(uri, diagnostics);
    },
    async provideHover(document, position, token, next) {
      const hover = await next(document, position, token);
      if (!hover) return hover;
      // VS Code shows the diagnostics under the cursor at the top of the same hover: the server's
      // opening headline of each would be shown twice, so it goes (the fix, the path and the rest stay).
      const shown = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'fsdax-audit' && d.range.contains(position)).map((d) => d.message);
      const contents = hover.contents.map((c) => {
        if (!(c instanceof vscode.MarkdownString)) return c;
        const { text, changed } = rewriteMarkdown(dropShownHeadlines(c.value, shown));
        if (!changed && text === c.value) return c;
        const md = new vscode.MarkdownString(text, c.supportThemeIcons);
        md.isTrusted = { enabledCommands: [SHOW_EXPLANATION_COMMAND] };
        return md;
      });
      return new vscode.Hover(contents, hover.range);
    },
  };
}

/** The explanation a diagnostic links to (after the middleware or before it). */
export function explanationOf(d: vscode.Diagnostic): { scenario: string; era?: string } | undefined {
  if (typeof d.code !== 'object') return undefined;
  const target = d.code.target;
  if (target.path === EXPLAIN_PATH && target.scheme === vscode.env.uriScheme) {
    const q = new URLSearchParams(target.query);
    const scenario = q.get('scenario');
    return scenario ? { scenario, era: q.get('era') ?? undefined } : undefined;
  }
  return parseExplanationUrl(target.toString(true));
}
