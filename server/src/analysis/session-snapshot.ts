// analysis layer: what an AuditSession knows after a complete audit, kept so that a later run
// on a changed tree resumes from it instead of starting cold (the per-function cache): the
// functions of every file it parsed (without trees), the facts of every function it analysed
// (its summary and sites, keyed by the function, which is keyed by its file's content), who used
// whose summary, and each parsed file's parse problems. A resumed session takes the files whose
// content is unchanged as they were and treats the others as edited, so the analysis redoes
// what the change reaches and nothing else, the way an editor's session does after an edit
// (incremental == cold, test/unit/incremental.test.ts). The texts of the files it parsed are
// kept with it (a few MB for mm/+fs/): a resumed session needs the old text of a file that
// changed, and the line mapping of every file it parsed. Pure: bytes in and out, no fs.
import { createHash } from 'crypto';
import * as v8 from 'v8';
import { paramsRead, withParamsFromNode, type FieldMacro, type FunctionParam, type FunctionUnit } from './functions';
import type { AnalyzerState } from './program';

/** Bumped whenever what a snapshot holds, or what it means, changes. */
export const SNAPSHOT_FORMAT = 2;

/** A function as kept: what collectFunctions gave, less the node and the parsed text (both got back by parsing the file). */
export interface StoredUnit {
  key: string;
  start: number;
  end: number;
  name: string;
  isStatic: boolean;
  /** Left out when the session never read them (paramsRead): read from the node again. */
  params?: FunctionParam[];
  fieldMacros?: Array<[string, FieldMacro]>;
}

export interface StoredFile {
  path: string;
  /** The text as decoded, the way the session parsed it: findings' lines, and what an edit changed. */
  text: string;
  units: StoredUnit[];
  /** The names the pre-scan took for its definitions (how its index changes when the file does). */
  defined: string[];
  /** What parsing it reported (besides what the pre-scan said), with lines. */
  problems: Array<{ kind: string; message: string; offset: number; line: number }>;
}

export interface SessionSnapshot {
  format: number;
  files: StoredFile[];
  analyzer: AnalyzerState;
}

const MAGIC = 'fsdax-audit session snapshot\n';

/**
 * The snapshot as bytes: a header, a sha1 of the body, the body (V8's serializer: Maps, Sets,
 * undefined and shared objects kept as they are). `meta`: the front-end's own data about it
 * (which tree state it is of), kept with it.
 */
export function serializeSnapshot(snapshot: SessionSnapshot, meta?: unknown): Buffer {
  // Facts hold their function; a kept function is its key (its unit comes back from `files`).
  const analyzer = { ...snapshot.analyzer, facts: snapshot.analyzer.facts.map((f) => ({ ...f, unit: { key: f.unit.key } as FunctionUnit })) };
  const body = v8.serialize({ ...snapshot, analyzer, meta });
  const sum = createHash('sha1').update(body).digest();
  return Buffer.concat([Buffer.from(MAGIC, 'latin1'), sum, body]);
}

/** The snapshot in `bytes` (with the front-end's `meta`), or what is wrong with them (another format, damaged). Never throws. */
export function parseSnapshot(bytes: Uint8Array): (SessionSnapshot & { meta?: unknown }) | { problem: string } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 20 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return { problem: 'not a session snapshot' };
  const sum = buf.subarray(MAGIC.length, MAGIC.length + 20);
  const body = buf.subarray(MAGIC.length + 20);
  if (!createHash('sha1').update(body).digest().equals(sum)) return { problem: 'damaged (checksum)' };
  let value: unknown;
  try { value = v8.deserialize(body); } catch (e) { return { problem: `unreadable: ${(e as Error).message}` }; }
  const s = value as Partial<SessionSnapshot> | undefined;
  if (!s || s.format !== SNAPSHOT_FORMAT) return { problem: `format ${String(s?.format)}, not ${SNAPSHOT_FORMAT}` };
  if (!Array.isArray(s.files) || !s.analyzer || !Array.isArray(s.analyzer.facts) || !Array.isArray(s.analyzer.usedBy) || !Array.isArray(s.analyzer.failures)) return { problem: 'incomplete' };
  return s as SessionSnapshot & { meta?: unknown };
}

export function storedUnit(u: FunctionUnit): StoredUnit {
  const params = paramsRead(u);
  return { key: u.key, start: u.start, end: u.end, name: u.name, isStatic: u.isStatic, ...(params ? { params } : {}), ...(u.fieldMacros ? { fieldMacros: [...u.fieldMacros] } : {}) };
}

/**
 * A kept function of `file` again, without node or parsed text: the caller defines those (they
 * come from parsing the file's content, now or as it was). Units of one file share one
 * fieldMacros map, as collectFunctions gives them.
 */
export function unitsOf(file: StoredFile): FunctionUnit[] {
  const macros = new Map<string, ReadonlyMap<string, FieldMacro>>();
  return file.units.map((s) => {
    let fieldMacros: ReadonlyMap<string, FieldMacro> | undefined;
    if (s.fieldMacros) {
      const k = JSON.stringify(s.fieldMacros);
      fieldMacros = macros.get(k) ?? new Map(s.fieldMacros);
      macros.set(k, fieldMacros);
    }
    const unit = { key: s.key, file: file.path, start: s.start, end: s.end, name: s.name, isStatic: s.isStatic, ...(fieldMacros ? { fieldMacros } : {}) } as Omit<FunctionUnit, 'params'>;
    return s.params ? { ...unit, params: s.params } as FunctionUnit : withParamsFromNode(unit);
  });
}
