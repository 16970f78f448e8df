// analysis layer: a whole-tree result kept across runs. What it is keyed by (the
// tool, the analysis options that change results, the content hash of every
// file), its serialization with a format version and a checksum, and the check
// that says whether a stored result may stand for the current files. Pure: no fs;
// the front-end reads and writes the bytes (host/result-store.ts).
//
// Invariant: a stored result is only ever matched against the hashes of the exact
// bytes it was computed from; any file added, removed or differing, any option or
// tool change, and any damage to the stored text is a miss, never a stale result.
import type { AuditOptions, AuditResult, FileProblem, Finding, FindingStep, Range } from './audit-types';
import type { FsdaxModel } from '../model/types';
import { DEFAULT_ARCH } from '../model/model';
import { contentHash } from './prescan';

/** Bumped whenever the stored shape or the meaning of a field changes. */
export const RESULT_CACHE_FORMAT = 1;

export interface CachedTreeResult {
  /** The tool that computed it (version + build fingerprint, given by the front-end). */
  tool: string;
  /** The tree root it was computed for (results hold tree-relative paths; this guards against a hash collision of two roots). */
  root: string;
  /** analysisKey() of the options and model. */
  key: string;
  /** Tree-relative path -> contentHash() of the bytes the result was computed from. */
  files: Record<string, string>;
  /**
   * Tree-relative path -> the front-end's stamp of the file's stat, taken before the
   * bytes hashed in `files` were read (host/file-stamp.ts): a file whose stamp is
   * unchanged is taken to have the stored hash without being read (as make and git
   * trust a stat). Optional, and only for files stamped: any other is checked by hashing.
   */
  stats?: Record<string, readonly number[]>;
  result: AuditResult;
}

/**
 * The analysis options that change results: era (with its evidence, which a
 * result carries), per-rule severities, the model content (bundled + user file,
 * already merged) and any model extensions. Key order does not matter.
 */
export function analysisKey(options: Pick<AuditOptions, 'era' | 'severities' | 'modelExtensions' | 'fsdaxArchitectures' | 'arch' | 'showBenign' | 'minConfidence'>, model: FsdaxModel): string {
  // What the findings depend on; the reporting filters only when they are not the defaults, so default keys stay as they were.
  return contentHash(stableJson({ era: options.era, severities: options.severities ?? {}, model, modelExtensions: options.modelExtensions ?? [], fsdaxArchitectures: options.fsdaxArchitectures,
    arch: options.arch && options.arch !== DEFAULT_ARCH ? options.arch : undefined, showBenign: options.showBenign || undefined, minConfidence: options.minConfidence === 'high' ? 'high' : undefined }));
}

/** JSON with object keys sorted at every level (arrays keep their order: it can matter). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : stableJson(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function serializeTreeResult(entry: CachedTreeResult): string {
  const body = JSON.stringify(entry);
  // The body is embedded as parsed JSON, so the checksum is over JSON.stringify of what a reader parses back.
  return `{"format":${RESULT_CACHE_FORMAT},"checksum":"${contentHash(body)}","body":${body}}\n`;
}

/** A stored entry, or why the text cannot be one (truncated, damaged, another format, not ours). */
export function parseTreeResult(text: string): { entry: CachedTreeResult } | { problem: string } {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { return { problem: `not JSON (${(e as Error).message})` }; }
  if (!isObject(raw)) return { problem: 'not a cache object' };
  if (raw.format !== RESULT_CACHE_FORMAT) return { problem: `format ${JSON.stringify(raw.format)}, this version reads ${RESULT_CACHE_FORMAT}` };
  if (typeof raw.checksum !== 'string' || contentHash(JSON.stringify(raw.body)) !== raw.checksum) return { problem: 'checksum mismatch' };
  const body = raw.body;
  if (!isObject(body) || typeof body.tool !== 'string' || typeof body.root !== 'string' || typeof body.key !== 'string') return { problem: 'missing tool, root or key' };
  if (!isObject(body.files) || !Object.values(body.files).every((h) => typeof h === 'string')) return { problem: 'bad file hashes' };
  if (body.stats !== undefined && (!isObject(body.stats) || !Object.values(body.stats).every((st) => Array.isArray(st) && st.every(isNumber)))) return { problem: 'bad file stats' };
  if (!isAuditResult(body.result)) return { problem: 'bad result' };
  return { entry: body as unknown as CachedTreeResult };
}

/** Why `entry` cannot stand for the current tree, or undefined when it can. */
export function cacheMismatch(entry: CachedTreeResult, current: { tool: string; root: string; key: string; files: ReadonlyMap<string, string> }): string | undefined {
  if (entry.tool !== current.tool) return `written by fsdax-audit ${entry.tool}, this is ${current.tool}`;
  if (entry.root !== current.root) return `written for ${entry.root}`;
  if (entry.key !== current.key) return 'the analysis options differ (era, severities or model)';
  return compareFileHashes(entry.files, current.files);
}

/** undefined when both list the same paths with the same hashes; otherwise what differs (first few paths named). */
export function compareFileHashes(cached: Readonly<Record<string, string>>, current: ReadonlyMap<string, string>): string | undefined {
  const changed: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [p, h] of current) {
    const was = Object.prototype.hasOwnProperty.call(cached, p) ? cached[p] : undefined;
    if (was === undefined) added.push(p); else if (was !== h) changed.push(p);
  }
  for (const p of Object.keys(cached)) if (!current.has(p)) removed.push(p);
  if (changed.length + added.length + removed.length === 0) return undefined;
  const part = (n: number, what: string, paths: string[]) => (n === 0 ? [] : [`${n} ${n === 1 ? 'file' : 'files'} ${what} (${paths.slice(0, 3).join(', ')}${n > 3 ? ', ...' : ''})`]);
  return [...part(changed.length, 'changed', changed), ...part(added.length, 'added', added), ...part(removed.length, 'removed', removed)].join(', ');
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function isRange(x: unknown): x is Range {
  const pos = (p: unknown) => isObject(p) && isNumber(p.line) && isNumber(p.character);
  return isObject(x) && pos(x.start) && pos(x.end);
}

function isStep(x: unknown): x is FindingStep {
  return isObject(x) && isString(x.file) && isString(x.function) && isString(x.label) && isRange(x.range);
}

function isFinding(x: unknown): x is Finding {
  return isObject(x) && ['ruleId', 'messageId', 'severity', 'message', 'file', 'function', 'expr', 'era', 'explanation', 'fingerprint'].every((k) => isString(x[k]))
    && isRange(x.range) && Array.isArray(x.path) && x.path.every(isStep);
}

function isProblem(x: unknown): x is FileProblem {
  return isObject(x) && isString(x.file) && isString(x.kind) && isString(x.message) && isNumber(x.line);
}

function isAuditResult(x: unknown): x is AuditResult {
  if (!isObject(x) || !Array.isArray(x.findings) || !Array.isArray(x.problems)) return false;
  const era = x.era;
  const stats = x.stats;
  return x.findings.every(isFinding) && x.problems.every(isProblem)
    && isObject(era) && isString(era.era) && typeof era.known === 'boolean' && isString(era.evidence)
    && isObject(stats) && ['files', 'parsedFiles', 'functions', 'sites'].every((k) => isNumber(stats[k]));
}
