// Shared by the VS Code client and the language server: the settings schema with
// defaults and validation, the explanation URL, and the custom methods. Plain data
// and functions only: no vscode, no vscode-languageserver, no IO.
import { ERAS, Era } from './model/types';
import type { Severity } from './analysis/rule-api';

export type RuleSeverity = Severity | 'off';

export interface FsdaxAuditSettings {
  enable: boolean;
  /** 'auto' detects the era from the tree's headers. */
  era: 'auto' | Era;
  /** Rule id -> severity override. */
  severity: Record<string, RuleSeverity>;
  /** Extra model JSON merged into the bundled model; relative paths resolve against the workspace folder. */
  modelFile: string;
  /** Globs over tree-relative paths (mm/memory-failure.c); a file gets diagnostics when it matches include and not exclude. */
  include: string[];
  exclude: string[];
  /** Keep the workspace index's whole-tree result between runs, keyed by file content (host/result-store.ts). */
  indexCache: boolean;
  /** Also show reads whose use cannot hurt (NULL test, compare, recheck, decode, guard clause, helper reported inside), as info. */
  showBenign: boolean;
  /** 'high' hides findings that need a concurrent truncate or reflink fault. */
  minConfidence: 'race' | 'high';
  /** The arch/ directory whose kernel facts apply. */
  arch: string;
}

export const SETTINGS_SECTION = 'fsdaxAudit';

export const DEFAULT_SETTINGS: Readonly<FsdaxAuditSettings> = Object.freeze({
  enable: true,
  era: 'auto',
  severity: {},
  modelFile: '',
  include: ['**/*.c', '**/*.h'],
  exclude: [],
  indexCache: true,
  showBenign: false,
  minConfidence: 'race',
  arch: 'x86',
});

const SEVERITIES: readonly RuleSeverity[] = ['error', 'warning', 'info', 'off'];

/**
 * Checks a raw settings object key by key. An invalid value yields one message
 * naming the key and the fallback, and the default is used for that key only.
 */
export function validateSettings(raw: unknown): { settings: FsdaxAuditSettings; problems: string[] } {
  const problems: string[] = [];
  const s: FsdaxAuditSettings = { ...DEFAULT_SETTINGS, severity: {}, include: [...DEFAULT_SETTINGS.include], exclude: [] };
  if (raw === undefined || raw === null) return { settings: s, problems };
  if (typeof raw !== 'object') return { settings: s, problems: [`${SETTINGS_SECTION} must be an object; using the defaults`] };
  const r = raw as Record<string, unknown>;
  const bad = (key: string, fallback: unknown) => problems.push(`${SETTINGS_SECTION}.${key} is invalid; using ${JSON.stringify(fallback)}`);
  for (const key of ['enable', 'indexCache', 'showBenign'] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (typeof v === 'boolean') s[key] = v; else bad(key, s[key]);
  }
  if (r.era !== undefined) {
    if (r.era === 'auto' || (ERAS as readonly unknown[]).includes(r.era)) s.era = r.era as FsdaxAuditSettings['era']; else bad('era', s.era);
  }
  if (r.severity !== undefined) {
    if (typeof r.severity === 'object' && r.severity && !Array.isArray(r.severity)) {
      for (const [rule, level] of Object.entries(r.severity)) {
        if ((SEVERITIES as readonly unknown[]).includes(level)) s.severity[rule] = level as RuleSeverity;
        else bad(`severity.${rule}`, 'the rule default');
      }
    } else bad('severity', {});
  }
  if (r.minConfidence !== undefined) {
    if (r.minConfidence === 'race' || r.minConfidence === 'high') s.minConfidence = r.minConfidence; else bad('minConfidence', s.minConfidence);
  }
  if (r.arch !== undefined) {
    if (typeof r.arch === 'string' && /^[a-z0-9_]+$/.test(r.arch)) s.arch = r.arch; else bad('arch', s.arch);
  }
  if (r.modelFile !== undefined) {
    if (typeof r.modelFile === 'string') s.modelFile = r.modelFile; else bad('modelFile', s.modelFile);
  }
  for (const key of ['include', 'exclude'] as const) {
    const v = r[key];
    if (v === undefined) continue;
    if (Array.isArray(v) && v.every((g) => typeof g === 'string')) s[key] = [...v]; else bad(key, s[key]);
  }
  return { settings: s, problems };
}

/** Explanation links: one place for every front-end (SARIF helpUri, codeDescription.href, hover). */
export { explanationUrl, parseExplanationUrl } from './explain/links';

/**
 * InitializeParams.initializationOptions the server reads. cacheDirectory: where
 * the index cache goes (VS Code: the extension's global storage); without it
 * $XDG_CACHE_HOME/fsdax-audit/index or ~/.cache/fsdax-audit/index.
 */
export interface FsdaxAuditInitializationOptions { cacheDirectory?: string }

/** Client -> server: audit the whole kernel tree of the workspace now. */
export const AUDIT_WORKSPACE_REQUEST = 'fsdaxAudit/auditWorkspace';
export interface AuditWorkspaceResult { roots: string[]; files: number; findings: number }

/** Server -> client: what the status bar shows. */
export const STATUS_NOTIFICATION = 'fsdaxAudit/status';
export interface StatusParams {
  /** Era of the tree that holds the active documents ('' when none). */
  era: string;
  /** Diagnostics currently published, over all files. */
  findings: number;
  /** Findings of the last whole-tree audit (index build or "audit workspace"), when one ran. */
  treeFindings?: number;
  indexing: boolean;
}

/** Server-side command behind the "open explanation" code action; args: [scenario id, era?]. */
export const OPEN_EXPLANATION_COMMAND = 'fsdaxAudit.openExplanation';

/**
 * Client -> server: a scenario's simulator trace in an era as webview HTML
 * (explain/renderHtml). The client makes the nonce and gives its webview's
 * cspSource, so the server never needs to know the webview.
 */
export const EXPLANATION_REQUEST = 'fsdaxAudit/explanation';
export interface ExplanationParams {
  /** Scenario id or rule id (fsdax/index-read). */
  scenario: string;
  /** An era name; missing or unknown: the era of the open documents' tree. */
  era?: string;
  /** Base64, fresh per load, 8+ characters. */
  nonce: string;
  cspSource: string;
}
/** Empty title and html when the scenario is unknown. */
export interface ExplanationResult { scenario: string; era: string; title: string; html: string }

/**
 * Server -> client: show a scenario in the client's own explanation view. Sent
 * by OPEN_EXPLANATION_COMMAND only to clients that announce EXPLANATION_CAPABILITY;
 * other clients get the static page through window/showDocument.
 */
export const SHOW_EXPLANATION_REQUEST = 'fsdaxAudit/showExplanation';
export interface ShowExplanationParams { scenario: string; era?: string }

/** Key under ClientCapabilities.experimental: { explanationView: true }. */
export const EXPLANATION_CAPABILITY = 'fsdaxAudit';
export interface FsdaxAuditClientCapabilities { explanationView?: boolean }

/** The VS Code client's command that opens the webview; args: [scenario or rule id, era?]. */
export const SHOW_EXPLANATION_COMMAND = 'fsdaxAudit.showExplanation';

/**
 * Node options a client starts the server with (`node <options> server.js`). V8's platform has four
 * background threads by default: its optimizing compiler and its GC's helpers run there, and on a
 * 2-core machine they take the main thread's core while it audits an edit. With one background
 * thread the main thread keeps a core: edit -> diagnostics p95 of a fresh server's first edits went
 * from 18.6-20.1 to 11.1-12.6 ms (`mm/memory-failure.c`) and from 19.2-24.6 to 11.5-14.4 ms
 * (`mm/gup.c`); docs/performance.md, session 11. Electron running as node (VS Code desktop forks
 * the server with its own binary) may not honour it: clients there leave it out (client/src/extension.ts).
 */
export const SERVER_NODE_OPTIONS: readonly string[] = ['--v8-pool-size=1'];
