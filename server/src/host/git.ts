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
  /** added: absent at the revision; deleted: absent in the working tree. */
  status: 'added' | 'modified' | 'deleted';
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
    const diff = git(this.top, ['diff', '--name-status', '--no-renames', '-z', commit, '--']);
    if (diff.status !== 0) throw new InputError(`--diff: git diff ${commit} failed: ${diff.stderr}`);
    const fields = diff.stdout.toString('utf8').split('\0').filter((f) => f !== '');
    const out = new Map<string, GitChange['status']>();
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const code = fields[i][0];
      out.set(fields[i + 1], code === 'A' ? 'added' : code === 'D' ? 'deleted' : 'modified');
    }
    const untracked = git(this.top, ['ls-files', '--others', '--exclude-standard', '-z']);
    if (untracked.status === 0) for (const f of untracked.stdout.toString('utf8').split('\0')) if (f) out.set(f, 'added');
    const changes: GitChange[] = [];
    for (const [file, status] of out) {
      if (!/\.[ch]$/.test(file)) continue;
      const rel = toRelative(this.root, path.join(this.top, file));
      if (path.isAbsolute(rel)) continue; // outside the tree root
      changes.push({ path: rel, status });
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
