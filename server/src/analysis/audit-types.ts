// analysis layer: the core's input and output types (files in, findings and problems out),
// shared by the analysis, the front-ends and the formats. Types only.
import type { ParseProblem } from '../parse/parser';
import type { Position } from '../parse/source-view';
import type { EraDetection } from '../model/era';
import type { Era } from '../model/types';
import type { Confidence, Rule, Severity } from './rule-api';
import type { UseKind } from './sites';

export interface SourceFile {
  /** Path relative to the tree root, with forward slashes. */
  path: string;
  content: Uint8Array | string;
}

export interface AuditOptions {
  era: EraDetection;
  /** User model extensions, already parsed from JSON, with where they came from. */
  modelExtensions?: Array<{ origin: string; value: unknown }>;
  /** Per-rule severity override, or 'off'. */
  severities?: Record<string, Severity | 'off'>;
  isCancelled?: () => boolean;
  /** The architecture whose kernel facts apply (arch/ directory name); default x86. */
  arch?: string;
  /** The arch/ directories whose kernels can have FS-DAX pages (from the tree's Kconfig); undefined: all. */
  fsdaxArchitectures?: readonly string[];
  /** Report reads whose use cannot hurt (a NULL test, a compare, a recheck, a decode, a helper reported inside) as info. */
  showBenign?: boolean;
  /** 'high': leave out findings that need a concurrent event (truncate, a reflink fault) to happen. */
  minConfidence?: Confidence;
  /** The rule set to run: the front-end hands it in (server/rules/index.ts `allRules`); the analysis knows no rule module. */
  rules: readonly Rule[];
}

export interface Range { start: Position; end: Position }

export interface FindingStep {
  file: string;
  function: string;
  range: Range;
  label: string;
}

export interface Finding {
  ruleId: string;
  messageId: string;
  severity: Severity;
  /**
   * The headline, as a compiler prints it: what is read, why it is wrong here, the era, then the
   * confidence tags (`[race]`, `[debug-only]`, `[benign: <use>]`; finding-text.ts tagLegend says
   * what they mean). About 100 characters at most.
   */
  message: string;
  /** What to do instead, for this use: the `fix:` line (markdown code spans). */
  fix?: string;
  /** The long form of the message (the rule's template with every specific): hover details, JSON, SARIF. */
  detail?: string;
  /** For a `race` finding: the concurrent event it needs in this era (the model's race mechanism). */
  race?: string;
  file: string;
  range: Range;
  function: string;
  expr: string;
  era: Era;
  /** Scenario id of the simulator explanation. */
  explanation: string;
  /** Source first, this site last. */
  path: FindingStep[];
  /** Stable across line shifts: rule, file, function and normalised expression. */
  fingerprint: string;
  /** What the value read is used for, which decides whether it can hurt (sites.ts UseKind); unset for fsdax/suppression. */
  use?: UseKind;
  /** 'high': the hazard needs nothing but the path; 'race': it needs a concurrent truncate or reflink fault too; unset for fsdax/suppression. */
  confidence?: Confidence;
  /** Every path found runs only on debug kernels (CONFIG_DEBUG_VM assertions) or behind a debugfs test knob. */
  debugOnly?: boolean;
  /**
   * Later hazards on this finding's path, folded into it: reads inside the helper this finding's call
   * hands the page to, reached through this very call (dax_lock_folio()'s own dereference of the marker).
   */
  related?: FindingStep[];
}

export interface FileProblem {
  file: string;
  kind: ParseProblem['kind'] | 'model' | 'unparsed';
  message: string;
  line: number;
}

export interface AuditResult {
  findings: Finding[];
  problems: FileProblem[];
  era: EraDetection;
  /** files: all given; parsedFiles: those the analysis needed; functions: defined in the parsed files. */
  stats: { files: number; parsedFiles: number; functions: number; sites: number };
}
