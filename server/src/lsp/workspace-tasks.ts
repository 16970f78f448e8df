// lsp front-end: the long-running work over a whole kernel tree. Building the
// workspace index (read mm/ and fs/ in chunks, then either the stored result of an
// unchanged tree from the index cache, or one whole-tree audit for the status
// count) under window/workDoneProgress, and the "audit workspace" request, which
// publishes diagnostics for every file of the tree with findings.
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { CancellationToken, Connection, WorkDoneProgressReporter } from 'vscode-languageserver';
import type { Finding } from '../analysis/audit-types';
import { findTreeRoot } from '../host/tree-files';
import type { AuditWorkspaceResult } from '../protocol';
import type { Auditor } from './auditor';
import { findingToDiagnostic } from './convert';
import { guard, type GuardLog } from './guard';
import type { Publisher } from './publisher';
import { collectGarbage } from '../host/collect';
import type { ClientSupport } from './client-support';
import type { WorkspaceIndex } from './workspace-index';

/** Lets the open documents' audits (scheduled when parsing ends) run before the whole-tree audit. */
const OPEN_DOCUMENTS_FIRST_MS = 250;

export async function buildIndex(connection: Connection, auditor: Auditor, publisher: Publisher, index: WorkspaceIndex,
  support: ClientSupport, onParsed: () => void, log: GuardLog & { info(message: string): void }): Promise<void> {
  await guard(log, 'indexing', undefined, async () => {
    publisher.setIndexing(1);
    const progress = support.workDoneProgress ? await connection.window.createWorkDoneProgress() : undefined;
    try {
      const cancelled = () => !!progress?.token.isCancellationRequested;
      progress?.begin(`fsdax-audit: indexing ${path.basename(index.root)}`, 0, 'listing mm/ and fs/', true);
      const built = await index.build(({ done, total }) => progress?.report(Math.floor((done * 10) / total), `${done}/${total} files listed`), cancelled);
      if (!built) return;
      const settings = await publisher.settings.forDocument(pathToFileURL(index.root).toString());
      // An unchanged tree: the open documents' audits (scheduled by onParsed) are answered from the stored result.
      const restored = auditor.restoreTree(index, settings);
      onParsed();
      if (restored) {
        progress?.report(100, `index restored from cache (${index.size} files): ${index.lastFullAudit?.findings.length ?? 0} findings`);
        publisher.sendStatus();
        // Not awaited: the progress ends now; edits preempt the warm-up and finish it themselves.
        void guard(log, 'warming up the analysis', undefined, async () => { await auditor.warmUpTree(index, settings); settle(index); })();
        return;
      }
      if (!(await index.readAll(({ done, total }) => progress?.report(10 + Math.floor((done * 80) / total), `${done}/${total} files read`), cancelled))) return;
      progress?.report(90, `analysing ${index.size} files`);
      await new Promise((resolve) => setTimeout(resolve, OPEN_DOCUMENTS_FIRST_MS));
      if (cancelled()) return;
      // Yielding: edits and requests keep flowing, and released trees are freed as it goes (peak memory).
      const result = await auditor.auditTreeAsync(index, settings, cancelled) ?? index.lastFullAudit;
      if (cancelled()) return;
      const findings = result ? `${result.findings.length} findings` : 'analysis taken over by an edit';
      progress?.report(100, `index built: ${findings} in ${index.size} files`);
      log.info(`fsdax-audit: index of ${index.root} built (${index.size} files, ${findings})`);
      settle(index);
    } finally {
      progress?.done();
      publisher.setIndexing(-1);
    }
  })();
}

/**
 * After the index's whole-tree audit or its background warm-up: what the first edit would start
 * with, done now (AuditSession.prepareForEdits: 4-6 ms of the first edit after a restored index's
 * warm-up), and what the audit made and dropped, collected now rather than by the first edits
 * after it (a major collection of that heap is 25-50 ms, and its concurrent marking slows the edits
 * around it).
 */
function settle(index: WorkspaceIndex): void {
  index.prepareForEdits();
  collectGarbage();
}

export async function auditWorkspace(connection: Connection, auditor: Auditor, publisher: Publisher, folders: string[],
  token: CancellationToken, workDone: WorkDoneProgressReporter, support: ClientSupport): Promise<AuditWorkspaceResult> {
  const roots = [...new Set([...folders.map((f) => findTreeRoot(f)).filter((r): r is string => !!r), ...auditor.allIndexes().map((i) => i.root)])].sort();
  const answer: AuditWorkspaceResult = { roots, files: 0, findings: 0 };
  const cancelled = () => token.isCancellationRequested;
  workDone.begin('fsdax-audit: auditing the workspace', 0, undefined, true);
  const published = new Set<string>();
  try {
    for (const root of roots) {
      const index = auditor.indexFor(root);
      if (!index.isReady) {
        publisher.setIndexing(1);
        try {
          await index.build(({ done, total }) => workDone.report(Math.floor((done * 10) / total), `${path.basename(root)}: ${done}/${total} files listed`), cancelled);
        } finally { publisher.setIndexing(-1); }
      }
      if (cancelled() || !(await index.readAll(({ done, total }) => workDone.report(10 + Math.floor((done * 70) / total), `${path.basename(root)}: ${done}/${total} files read`), cancelled))) return answer;
      workDone.report(85, `${path.basename(root)}: analysing ${index.size} files`);
      const settings = await publisher.settings.forDocument(pathToFileURL(root).toString());
      const result = auditor.auditTree(index, settings, folders.find((f) => root.startsWith(f)), cancelled);
      if (cancelled()) return answer;
      const byFile = new Map<string, Finding[]>();
      for (const f of result.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
      for (const [file, findings] of byFile) {
        const uri = pathToFileURL(index.absolute(file)).toString();
        const open = auditor.get(uri);
        const toUri = (p: string) => pathToFileURL(index.absolute(p)).toString();
        publisher.publish(uri, open?.version, findings.map((f) => findingToDiagnostic(f, { toUri, hasRelatedInformation: support.relatedInformation })));
        published.add(uri);
      }
      answer.files += result.stats.files;
      answer.findings += result.findings.length;
    }
    publisher.replaceWorkspacePublished(published);
    return answer;
  } finally {
    workDone.done();
  }
}
