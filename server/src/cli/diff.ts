// cli front-end: --diff <rev>. The working tree is audited, then the same
// session with the changed files set back to their content at <rev> (git show),
// the rest of the tree shared: the analysis re-runs only what the change
// affects. A finding is new when its fingerprint (rule, file, function,
// expression: line-independent) is absent from the base result, and changed when
// the base has it with another path (source -> calls -> site, compared by file,
// function and label, not by line); both are reported. Findings the base has and
// the working tree has not are removed (listed, never a failure).
import type { AuditSession } from '../analysis/audit';
import type { Finding } from '../analysis/audit-types';
import { contentHash } from '../analysis/prescan';
import type { GitChange, GitCheckout } from '../host/git';

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

/**
 * What the working tree adds (new, or the same fingerprint with another path),
 * and what it removes, against the base. Fingerprints repeat (two reads of
 * `folio->index` in one function), so they are matched as a multiset, as the
 * baseline does: occurrences with the same path pair first, then the rest in
 * order (changed); a head occurrence left over is new, a base one removed.
 */
export function diffFindings(base: readonly Finding[], head: readonly Finding[]): { reported: Finding[]; added: number; changed: Finding[]; removed: Finding[] } {
  const group = (list: readonly Finding[]) => {
    const m = new Map<string, Finding[]>();
    for (const f of list) { const l = m.get(f.fingerprint); if (l) l.push(f); else m.set(f.fingerprint, [f]); }
    return m;
  };
  const baseBy = group(base);
  const fresh = new Set<Finding>();
  const changed = new Set<Finding>();
  const matchedBase = new Set<Finding>();
  for (const [print, heads] of group(head)) {
    const bases = [...(baseBy.get(print) ?? [])];
    const rest: Finding[] = [];
    for (const h of heads) {
      const i = bases.findIndex((b) => pathKey(b) === pathKey(h));
      if (i >= 0) matchedBase.add(bases.splice(i, 1)[0]); else rest.push(h);
    }
    for (const h of rest) {
      const b = bases.shift();
      if (b) { matchedBase.add(b); changed.add(h); } else fresh.add(h);
    }
  }
  return {
    reported: head.filter((f) => fresh.has(f) || changed.has(f)),
    added: fresh.size,
    changed: head.filter((f) => changed.has(f)),
    removed: base.filter((f) => !matchedBase.has(f)),
  };
}

/**
 * Turns the session (the working tree's files) into the base: each changed file
 * the run reads is set to its content at `commit`, or deleted when the change
 * added it; a file the change deleted comes back when the run would read it.
 * Returns the base's file hashes (the result store's key), from the working tree's.
 */
export function setBase(session: AuditSession, git: GitCheckout, commit: string, changes: readonly GitChange[], wouldRead: (rel: string) => boolean, hashes: ReadonlyMap<string, string>): Map<string, string> {
  const base = new Map(hashes);
  const restore = (rel: string) => {
    const content = git.show(commit, rel);
    session.setFile(rel, content);
    base.set(rel, contentHash(content));
  };
  for (const c of changes) {
    if (c.status === 'deleted') {
      if (wouldRead(c.path)) restore(c.path);
      continue;
    }
    if (c.status === 'modified') {
      if (session.has(c.path)) restore(c.path);
      continue;
    }
    // Added, or renamed: absent under this name at the revision (a renamed file is back under its old one).
    if (session.has(c.path)) {
      session.deleteFile(c.path);
      base.delete(c.path);
    }
    if (c.status === 'renamed' && wouldRead(c.from!)) restore(c.from!);
  }
  return base;
}

/** The base's findings as the working tree names its files (a renamed file's findings under its new name), for matching. */
export function renamedBase(base: readonly Finding[], changes: readonly GitChange[]): Finding[] {
  const to = new Map(changes.filter((c) => c.status === 'renamed').map((c) => [c.from!, c.path]));
  if (to.size === 0) return [...base];
  const name = (file: string) => to.get(file) ?? file;
  return base.map((f) => {
    const file = name(f.file);
    if (file === f.file && f.path.every((s) => name(s.file) === s.file)) return f;
    const prefix = `${f.ruleId}|${f.file}|`;
    const fingerprint = f.fingerprint.startsWith(prefix) ? `${f.ruleId}|${file}|${f.fingerprint.slice(prefix.length)}` : f.fingerprint;
    return { ...f, file, fingerprint, path: f.path.map((s) => ({ ...s, file: name(s.file) })) };
  });
}

/**
 * The change's findings: both states' findings matched with the base's files
 * under their working-tree names; `select` picks the reported ones (after the
 * renaming, so a file named under its new name keeps its old findings). Removed
 * findings are given as the base had them (its names and lines).
 */
export function diffStates(base: readonly Finding[], head: readonly Finding[], changes: readonly GitChange[], select: (f: Finding) => boolean): ReturnType<typeof diffFindings> {
  const renamed = renamedBase(base, changes);
  const original = new Map(renamed.map((f, i) => [f, base[i]]));
  const d = diffFindings(renamed.filter(select), head.filter(select));
  return { ...d, removed: d.removed.map((f) => original.get(f)!) };
}
