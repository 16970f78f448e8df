// lsp front-end: settings per document, pulled with workspace/configuration
// (scope = the document URI, so folder settings apply). Cached per URI until
// workspace/didChangeConfiguration, which clears the cache and re-audits, so
// changes apply without a restart. Clients without configuration pull get the
// defaults. Validation and defaults live in protocol.ts.
import { MessageType, ShowMessageNotification, type Connection } from 'vscode-languageserver';
import { DEFAULT_SETTINGS, FsdaxAuditSettings, SETTINGS_SECTION, validateSettings } from '../protocol';

export class SettingsStore {
  private readonly cache = new Map<string, Promise<FsdaxAuditSettings>>();
  private readonly warned = new Set<string>();

  constructor(private readonly connection: Connection, private readonly canPull: () => boolean) {}

  forDocument(uri: string): Promise<FsdaxAuditSettings> {
    let s = this.cache.get(uri);
    if (!s) {
      s = this.fetch(uri);
      this.cache.set(uri, s);
    }
    return s;
  }

  clear(uri?: string): void {
    if (uri) this.cache.delete(uri); else this.cache.clear();
  }

  private async fetch(uri: string): Promise<FsdaxAuditSettings> {
    if (!this.canPull()) return { ...DEFAULT_SETTINGS };
    let raw: unknown;
    try {
      raw = await this.connection.workspace.getConfiguration({ scopeUri: uri, section: SETTINGS_SECTION });
    } catch (e) {
      this.connection.console.warn(`fsdax-audit: cannot read settings for ${uri}: ${(e as Error).message}; using defaults`);
    }
    const { settings, problems } = validateSettings(raw);
    for (const p of problems) {
      if (this.warned.has(p)) continue;
      this.warned.add(p);
      notifyWarning(this.connection, p);
    }
    return settings;
  }
}

/** A one-way message: window/showMessage needs no answer, so a client that ignores it cannot fail us. */
export function notifyWarning(connection: Connection, message: string): void {
  void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message: `fsdax-audit: ${message}` });
}
