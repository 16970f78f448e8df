// repro: kernel configuration and patch texts for `repro --tree` (pure). The per-era fragment
// (scripts/repro/kconfig/<era>.config) goes on top of `make tinyconfig`; after olddefconfig every
// option it names must have the value it asks for, or a dependency is missing.

/** `CONFIG_X=y` → X: y; `# CONFIG_X is not set` → X: n. Other lines are ignored. */
export function parseConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = /^CONFIG_(\w+)=(.*)$/.exec(line);
    if (set) { out.set(set[1], set[2]); continue; }
    const unset = /^# CONFIG_(\w+) is not set$/.exec(line);
    if (unset) out.set(unset[1], 'n');
  }
  return out;
}

/** The base .config with the fragment's options replaced by the fragment's values (merge_config.sh's job). */
export function mergeConfig(base: string, fragment: string): string {
  const wanted = parseConfig(fragment);
  const kept = base.split('\n').filter((raw) => {
    const line = raw.trim();
    const name = /^CONFIG_(\w+)=/.exec(line)?.[1] ?? /^# CONFIG_(\w+) is not set$/.exec(line)?.[1];
    return !name || !wanted.has(name);
  });
  const added = [...wanted].map(([name, value]) => (value === 'n' ? `# CONFIG_${name} is not set` : `CONFIG_${name}=${value}`));
  return `${kept.join('\n').replace(/\n*$/, '\n')}${added.join('\n')}\n`;
}

/** Options of the fragment the final .config does not have as asked ("CONFIG_X=y (got n)"). */
export function unmetOptions(fragment: string, final: string): string[] {
  const have = parseConfig(final);
  const out: string[] = [];
  for (const [name, value] of parseConfig(fragment)) {
    const got = have.get(name) ?? 'n';
    if (got !== value) out.push(`CONFIG_${name}=${value} (got ${got})`);
  }
  return out;
}

/**
 * The files a unified diff touches, as paths relative to the tree (patch -p1: the first path
 * component dropped; /dev/null for a created or deleted file's other side is left out).
 */
export function patchTargets(diff: string): string[] {
  const out = new Set<string>();
  const lines = diff.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!lines[i].startsWith('--- ') || !lines[i + 1].startsWith('+++ ')) continue;
    for (const l of [lines[i], lines[i + 1]]) {
      const p = l.slice(4).split('\t')[0].trim();
      if (p === '/dev/null') continue;
      const rel = p.replace(/^[^/]+\//, '');
      if (rel && !rel.startsWith('/') && !rel.split('/').includes('..')) out.add(rel);
    }
  }
  return [...out];
}
