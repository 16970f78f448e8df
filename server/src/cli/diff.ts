// cli front-end: --diff <rev>. The working tree is audited, then the same
// session with the changed files set back to their content at <rev> (git show),
// the rest of the tree shared: the analysis re-runs only what the change
// affects. A finding is new when its fingerprint (rule, file, function,
// expression: line-independent) is absent from the base result, and changed when
// the base has it with another path (source -> calls -> site, compared by file,
// function and label, not by line); both are reported. Findings the base has and
// the working tree has not are removed (listed, never a failure).
import type { Finding } from '../analysis/audit';

export interface DiffSummary {
  /** The revision as given, and the commit it named. */
  base: string;
  commit: string;
  /** Changed .c/.h files under the root (tree-relative). */
  changedFiles: string[];
  added: number;
  /** Reported findings whose path the change altered (same fingerprint in the base, other path). */
  changed: Finding[];
  /** Findings of the base result the change removes (base lines). */
  removed: Finding[];
}

const pathKey = (f: Finding) => JSON.stringify(f.path.map((s) => [s.file, s.function, s.label]));

/** What the working tree adds (new or with a changed path), and what it removes, against the base. */
export function diffFindings(base: readonly Finding[], head: readonly Finding[]): { reported: Finding[]; added: number; changed: Finding[]; removed: Finding[] } {
  const baseBy = new Map<string, Finding[]>();
  for (const f of base) { const l = baseBy.get(f.fingerprint); if (l) l.push(f); else baseBy.set(f.fingerprint, [f]); }
  const headPrints = new Set(head.map((f) => f.fingerprint));
  const reported: Finding[] = [];
  const changed: Finding[] = [];
  let added = 0;
  for (const f of head) {
    const was = baseBy.get(f.fingerprint);
    if (!was) { added++; reported.push(f); continue; }
    if (!was.some((b) => pathKey(b) === pathKey(f))) { changed.push(f); reported.push(f); }
  }
  return { reported, added, changed, removed: base.filter((f) => !headPrints.has(f.fingerprint)) };
}
