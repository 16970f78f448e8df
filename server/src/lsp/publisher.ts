// lsp front-end: the outgoing side. Publishes diagnostics (with the version they
// were computed for), remembers how many are out per file, and tells the client
// what the status bar shows. Holds the settings store so every handler reads
// settings the same way.
import type { Connection, Diagnostic } from 'vscode-languageserver';
import { STATUS_NOTIFICATION, type StatusParams } from '../protocol';
import type { Auditor } from './auditor';
import type { ClientSupport } from './client-support';
import { SettingsStore } from './settings';

export class Publisher {
  readonly settings: SettingsStore;
  private readonly counts = new Map<string, number>();
  private workspaceUris = new Set<string>();
  private indexing = 0;

  constructor(private readonly connection: Connection, private readonly auditor: Auditor, support: () => ClientSupport) {
    this.settings = new SettingsStore(connection, () => support().configuration);
  }

  publish(uri: string, version: number | undefined, diagnostics: Diagnostic[]): void {
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
    if (diagnostics.length > 0) this.counts.set(uri, diagnostics.length); else this.counts.delete(uri);
    this.sendStatus();
  }

  /** Files the last "audit workspace" published: kept when closed, cleared by the next workspace audit. */
  replaceWorkspacePublished(uris: Set<string>): void {
    for (const old of this.workspaceUris) {
      if (!uris.has(old) && !this.auditor.get(old)) this.publish(old, undefined, []);
    }
    this.workspaceUris = uris;
  }

  isWorkspacePublished(uri: string): boolean { return this.workspaceUris.has(uri); }

  setIndexing(delta: 1 | -1): void {
    this.indexing += delta;
    this.sendStatus();
  }

  /** Era of the tree that holds the open documents ('' when none): the status bar's, and explanations' default. */
  currentEra(): string {
    const open = this.auditor.openDocuments();
    return open.map((d) => this.auditor.results.get(d.uri)?.era.era).find(Boolean) ?? this.auditor.allIndexes()[0]?.era.era ?? '';
  }

  sendStatus(): void {
    const era = this.currentEra();
    const findings = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const audited = this.auditor.allIndexes().filter((i) => i.lastFullAudit);
    const params: StatusParams = {
      era, findings, indexing: this.indexing > 0,
      treeFindings: audited.length > 0 ? audited.reduce((n, i) => n + i.lastFullAudit!.findings.length, 0) : undefined,
    };
    void this.connection.sendNotification(STATUS_NOTIFICATION, params);
  }
}
