// host: what --diff needs from git: the checkout around a tree, the files that
// differ between a revision and the working tree, and a file's content at that
// revision. Runs the git command line; a tree outside git, a missing git or an
// unknown revision is an InputError with one clear line.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { InputError, toRelative } from './tree-files';

function git(cwd: string, args: string[]): { status: number | null; stdout: Buffer; stderr: string; error?: Error } {
  const r = spawnSync('git', ['-C', cwd, ...args], { maxBuffer: 1 << 30 });
  return { status: r.status, stdout: r.stdout ?? Buffer.alloc(0), stderr: (r.stderr ?? Buffer.alloc(0)).toString('utf8').trim(), error: r.error };
}

/** A .c/.h file that differs between the revision and the working tree, tree-relative. */
export interface GitChange {
  path: string;
  /** added: absent at the revision; deleted: absent in the working tree; renamed: `from` at the revision. */
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  from?: string;
  /** Not in git at all (and not ignored): the caller decides whether it belongs to the run. */
  untracked?: boolean;
}

export class GitCheckout {
  private constructor(readonly top: string, readonly root: string) {}

  /** The git checkout `root` is in, or an InputError saying why --diff cannot work here. */
  static around(root: string): GitCheckout {
    const r = git(root, ['rev-parse', '--show-toplevel']);
    if (r.error) throw new InputError(`--diff needs git, which could not be run: ${r.error.message}`);
    if (r.status !== 0) throw new InputError(`--diff needs a git checkout, and ${root} is not in one`);
    return new GitCheckout(r.stdout.toString('utf8').trim(), root);
  }

  /** The commit `rev` names, or an InputError. */
  commit(rev: string): string {
    const r = git(this.top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    if (r.status !== 0) throw new InputError(`--diff: no such revision in ${this.top}: ${rev}`);
    return r.stdout.toString('utf8').trim();
  }

  /**
   * The .c/.h files under the tree root that differ between `commit` and the
   * working tree (staged or not), and the untracked ones git does not ignore
   * (added), sorted by path.
   */
  changes(commit: string): GitChange[] {
    // Renames are detected (git's default similarity), so a moved file's findings are neither new nor removed.
    const diff = git(this.top, ['diff', '--name-status', '-M', '-z', commit, '--']);
    if (diff.status !== 0) throw new InputError(`--diff: git diff ${commit} failed: ${diff.stderr}`);
    const fields = diff.stdout.toString('utf8').split('\0').filter((f) => f !== '');
    const out = new Map<string, Omit<GitChange, 'path'>>();
    for (let i = 0; i + 1 < fields.length;) {
      const code = fields[i][0];
      if (code === 'R' && i + 2 < fields.length) {
        out.set(fields[i + 2], { status: 'renamed', from: fields[i + 1] });
        i += 3;
        continue;
      }
      out.set(fields[i + 1], { status: code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified' });
      i += 2;
    }
    const untracked = git(this.top, ['ls-files', '--others', '--exclude-standard', '-z']);
    if (untracked.status === 0) for (const f of untracked.stdout.toString('utf8').split('\0')) if (f) out.set(f, { status: 'added', untracked: true });
    const inTree = (file: string): string | undefined => {
      if (!/\.[ch]$/.test(file)) return undefined;
      const rel = toRelative(this.root, path.join(this.top, file));
      return path.isAbsolute(rel) ? undefined : rel; // outside the tree root
    };
    const changes: GitChange[] = [];
    for (const [file, change] of out) {
      const rel = inTree(file);
      const from = change.from === undefined ? undefined : inTree(change.from);
      if (change.status === 'renamed') {
        // A rename into or out of the tree (or to another kind of file) is an add or a delete here.
        if (rel !== undefined && from !== undefined) changes.push({ path: rel, status: 'renamed', from });
        else if (rel !== undefined) changes.push({ path: rel, status: 'added' });
        else if (from !== undefined) changes.push({ path: from, status: 'deleted' });
      } else if (rel !== undefined) {
        changes.push({ path: rel, status: change.status, ...(change.untracked ? { untracked: true } : {}) });
      }
    }
    return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** A tree-relative file's bytes at `commit`. */
  show(commit: string, relPath: string): Buffer {
    const inTop = path.relative(this.top, path.join(this.root, relPath)).split(path.sep).join('/');
    const r = git(this.top, ['show', `${commit}:${inTop}`]);
    if (r.status !== 0) throw new InputError(`--diff: cannot read ${inTop} at ${commit}: ${r.stderr}`);
    return r.stdout;
  }
}
