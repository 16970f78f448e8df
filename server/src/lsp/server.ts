// lsp front-end: wires LSP messages to the Auditor. Every handler goes through
// guard(); audits are scheduled per document, debounced, and their results are
// published with the document version they were computed for, never for a
// version that has moved on. Only lsp/ imports vscode-languageserver.
import * as fs from 'fs';
import {
  CodeActionKind, DidChangeConfigurationNotification, DidChangeWatchedFilesNotification, FileChangeType,
  TextDocuments, TextDocumentSyncKind, type Connection, type InitializeParams, type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath, pathToFileURL } from 'url';
import { findTreeRoot } from '../host/tree-files';
import {
  AUDIT_WORKSPACE_REQUEST, EXPLANATION_REQUEST, OPEN_EXPLANATION_COMMAND,
  type ExplanationParams, type ExplanationResult, type FsdaxAuditInitializationOptions,
} from '../protocol';
import { Auditor, filePathOf, type AuditOutcome, type OpenDocument } from './auditor';
import { clientSupportOf, NO_CLIENT_SUPPORT, type ClientSupport } from './client-support';
import { codeActionsFor } from './code-actions';
import { explanationFor, openExplanation } from './explanation';
import { findingToDiagnostic } from './convert';
import { guard, guardVoid } from './guard';
import { hoverField, hoverFinding } from './hover';
import { cacheDirectory } from '../host/result-store';
import { collectGarbage } from '../host/collect';
import { dropNodeRegistration } from '../parse/parser';
import { stampNow, type FileStamp } from '../host/file-stamp';
import { Publisher } from './publisher';
import { notifyWarning } from './settings';
import { auditWorkspace, buildIndex } from './workspace-tasks';

/** Edits closer together than this are audited once, for the last version. */
/** Edits closer than this coalesce into one audit. FSDAX_AUDIT_DEBOUNCE_MS overrides it (the latency bench sets 0). */
const DEBOUNCE_MS = Number(process.env.FSDAX_AUDIT_DEBOUNCE_MS ?? 60);
/** Quiet this long after the last published audit, the server collects garbage. */
const IDLE_COLLECT_MS = 1000;
/** Quiet this long after publishing a document's diagnostics, the server readies the next edit's work. */
const PREPARE_AFTER_MS = 20;

export function startServer(connection: Connection): void {
  // Node objects unregistered: cheaper to make, and nothing for the next scavenge (parser.ts).
  dropNodeRegistration();
  const documents = new TextDocuments(TextDocument);
  const log = { error: (m: string) => connection.console.error(m), info: (m: string) => connection.console.info(m) };
  const auditor = new Auditor((m) => notifyWarning(connection, m), log.info);
  let support: ClientSupport = NO_CLIENT_SUPPORT;
  let folders: string[] = [];
  const publisher = new Publisher(connection, auditor, () => support);
  const pending = new Map<string, { stop: () => void; cancelled: boolean }>();
  // Document audits run one at a time (they share the tree's session) and yield between steps, so
  // requests are answered meanwhile and a newer edit cancels a stale audit at its next step.
  let auditing: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = auditing.then(work, work);
    auditing = run.catch(() => undefined);
    return run;
  };

  // A burst of edits leaves old trees and results behind (trees are native memory V8 does not
  // count, so it may not collect them for long): collect once the burst is over (no edit and no
  // published audit for IDLE_COLLECT_MS).
  let idleTimer: NodeJS.Timeout | undefined;
  const collectWhenIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => { idleTimer = undefined; collectGarbage(); }, IDLE_COLLECT_MS);
    idleTimer.unref?.();
  };

  // Diagnostics out and no edit for PREPARE_AFTER_MS: do the work the next edit would start with,
  // which the first edit after an audit of many functions (the index's, a file's first) would
  // otherwise carry: which files each function's results mention (5-6 ms after the index of
  // mm/+fs/), and the document's line offsets (the first incremental change computes them). Cheap
  // when already done; back-to-back edits never wait for it.
  let prepareTimer: NodeJS.Timeout | undefined;
  const prepare = guardVoid(log, 'preparing for the next edit', (uri: string) => {
    auditor.prepareForEdits(uri);
    void documents.get(uri)?.lineCount;
  });
  const cancelPrepare = () => {
    if (prepareTimer) clearTimeout(prepareTimer);
    prepareTimer = undefined;
  };
  const prepareWhenQuiet = (uri: string) => {
    cancelPrepare();
    prepareTimer = setTimeout(() => { prepareTimer = undefined; prepare(uri); }, PREPARE_AFTER_MS);
    prepareTimer.unref?.();
  };

  const folderOf = (file: string) => folders.filter((f) => file === f || file.startsWith(f + '/')).sort((a, b) => b.length - a.length)[0];

  const schedule = (uri: string, cascade: boolean, delay = DEBOUNCE_MS) => {
    // Not idle: an edit came (its audit may be cancelled by the next one and publish nothing for a while).
    collectWhenIdle();
    cancelPrepare();
    const prev = pending.get(uri);
    if (prev) { prev.stop(); prev.cancelled = true; }
    // No delay: the next turn of the event loop, not a timer (a 0 ms timer waits a millisecond or more).
    const job = { cancelled: false, stop: delay > 0 ? stopper(clearTimeout, setTimeout(() => void run(), delay)) : stopper(clearImmediate, setImmediate(() => void run())) };
    const run = guard(log, 'audit', undefined, async () => {
      const text = documents.get(uri);
      if (!text) return;
      const version = text.version;
      const settings = await publisher.settings.forDocument(uri);
      if (job.cancelled || documents.get(uri)?.version !== version) return;
      const doc = auditor.update(text);
      // The other open documents of the tree as they are now (didChange does not reparse): the audit overlays them.
      for (const other of documents.all()) if (other.uri !== uri && auditor.get(other.uri)?.index === doc.index) auditor.update(other);
      if (!settings.enable || !auditor.isIncluded(doc, settings)) {
        auditor.results.delete(uri);
        publisher.publish(uri, version, []);
        return;
      }
      const outcome = await oneAtATime(async (): Promise<AuditOutcome> => (job.cancelled ? { context: [] } : auditor.auditDocument(uri, version, settings, folderOf(filePathOf(uri)), () => job.cancelled)));
      if (outcome.superseded && !job.cancelled && pending.get(uri) === job) { schedule(uri, cascade, 0); return; }
      if (!outcome.result || documents.get(uri)?.version !== version) return;
      const toUri = (file: string) => (file === doc.parsed.path ? uri : pathToFileURL(doc.index ? doc.index.absolute(file) : file).toString());
      publisher.publish(uri, version, outcome.result.findings.map((f) => findingToDiagnostic(f, { toUri, hasRelatedInformation: support.relatedInformation })));
      collectWhenIdle();
      prepareWhenQuiet(uri);
      if (cascade) {
        const context = new Set(outcome.context);
        for (const other of auditor.openDocuments()) {
          if (other.uri !== uri && other.index === doc.index && context.has(other.parsed.path)) schedule(other.uri, false, DEBOUNCE_MS * 4);
        }
      }
    });
    pending.set(uri, job);
  };
  const revalidate = (docs: OpenDocument[]) => docs.forEach((d) => schedule(d.uri, false));

  const started = new Set<string>();
  const startIndex = (root: string) => {
    const index = auditor.indexFor(root);
    if (index.isReady || started.has(root)) return;
    started.add(root);
    void buildIndex(connection, auditor, publisher, index, support, () => revalidate(auditor.openDocuments().filter((d) => d.index === index)), log);
  };

  connection.onInitialize(guard(log, 'initialize', { capabilities: {} } as InitializeResult, (params: InitializeParams): InitializeResult => {
    support = clientSupportOf(params.capabilities);
    auditor.cacheDirectory = cacheDirectory((params.initializationOptions as FsdaxAuditInitializationOptions | undefined)?.cacheDirectory);
    const uris = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    folders = uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        executeCommandProvider: { commands: [OPEN_EXPLANATION_COMMAND] },
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'fsdax-audit' },
    };
  }));

  connection.onInitialized(guardVoid(log, 'initialized', async () => {
    if (support.configurationRegistration) await connection.client.register(DidChangeConfigurationNotification.type, { section: 'fsdaxAudit' });
    if (support.watchedFilesRegistration) await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] });
    for (const folder of folders) {
      const root = findTreeRoot(folder);
      if (root) startIndex(root);
    }
  }));

  documents.onDidOpen(guardVoid(log, 'didOpen', (e) => {
    const doc = auditor.update(e.document);
    if (doc.index && !doc.index.isReady) startIndex(doc.index.root);
    schedule(e.document.uri, true, 0);
  }));
  // No reparse here: the audit (or a request that needs the tree) reparses once for a burst of edits.
  documents.onDidChangeContent(guardVoid(log, 'didChange', (e) => schedule(e.document.uri, true)));
  documents.onDidClose(guardVoid(log, 'didClose', (e) => {
    const job = pending.get(e.document.uri);
    if (job) { job.stop(); job.cancelled = true; pending.delete(e.document.uri); }
    auditor.close(e.document.uri);
    publisher.settings.clear(e.document.uri);
    if (!publisher.isWorkspacePublished(e.document.uri)) publisher.publish(e.document.uri, undefined, []);
  }));

  connection.onDidChangeConfiguration(guardVoid(log, 'didChangeConfiguration', () => {
    publisher.settings.clear();
    revalidate(auditor.openDocuments());
  }));

  connection.onDidChangeWatchedFiles(guardVoid(log, 'didChangeWatchedFiles', (params) => {
    const touched = new Set<ReturnType<Auditor['indexFor']>>();
    for (const change of params.changes) {
      const file = filePathOf(change.uri);
      for (const index of auditor.allIndexes().filter((i) => i.contains(file))) {
        let content: Buffer | undefined;
        let stamp: FileStamp | undefined;
        if (change.type !== FileChangeType.Deleted) {
          // Stamped before the read: a write in between leaves a newer stat than the stamp, and the next start reads the file.
          stamp = stampNow(file);
          try { content = fs.readFileSync(file); } catch { content = undefined; }
        }
        index.updateFromDisk(index.relative(file), content, stamp);
        touched.add(index);
      }
    }
    revalidate(auditor.openDocuments().filter((d) => d.index && touched.has(d.index)));
  }));

  connection.onHover(guard(log, 'hover', null, async (params, token) => {
    const text = documents.get(params.textDocument.uri);
    if (!text || token.isCancellationRequested) return null;
    // From the last result, moved onto this version: an audit still running for a newer edit does not hold the answer up.
    const known = auditor.get(text.uri);
    const toUri = (file: string) => (file === known?.parsed.path ? text.uri : pathToFileURL(known?.index ? known.index.absolute(file) : file).toString());
    const flagged = hoverFinding(auditor.findingsNow(text), params.position, toUri);
    if (flagged) return flagged;
    const doc = auditor.update(text);
    const settings = await publisher.settings.forDocument(text.uri);
    if (token.isCancellationRequested || !settings.enable) return null;
    return hoverField(doc.parsed, doc.parsed.view.offsetAt(params.position), auditor.eraFor(doc, settings));
  }));

  connection.onCodeAction(guard(log, 'codeAction', [], (params, token) => {
    const text = documents.get(params.textDocument.uri);
    if (!text || token.isCancellationRequested) return [];
    return codeActionsFor(text.uri, text, params.context.diagnostics);
  }));

  connection.onExecuteCommand(guard(log, 'executeCommand', null, async (params) => {
    if (params.command === OPEN_EXPLANATION_COMMAND) await openExplanation(connection, support, params.arguments ?? []);
    return null;
  }));

  connection.onRequest(EXPLANATION_REQUEST, guard(log, 'explanation', { scenario: '', era: '', title: '', html: '' } as ExplanationResult,
    (params: ExplanationParams) => explanationFor(params, publisher.currentEra())));

  // A method-string request gets no work-done reporter from the library; attach it to the client's token.
  connection.onRequest(AUDIT_WORKSPACE_REQUEST, guard(log, 'auditWorkspace', { roots: [], files: 0, findings: 0 }, (params: { workDoneToken?: string | number } | undefined, token) =>
    auditWorkspace(connection, auditor, publisher, folders, token, connection.window.attachWorkDoneProgress(params?.workDoneToken), support)));

  connection.onShutdown(guardVoid(log, 'shutdown', () => {
    for (const job of pending.values()) { job.stop(); job.cancelled = true; }
    auditor.flushCaches();
  }));

  documents.listen(connection);
}

/** What cancels a scheduled callback: `clear` bound to its handle. */
function stopper<H>(clear: (handle: H) => void, handle: H): () => void {
  return () => clear(handle);
}
