// parse layer: a position-preserving "preprocessor" that makes kernel C
// palatable to tree-sitter-c. Every change replaces characters with spaces, so
// offsets, lines and columns in the output equal those of the input.
//
// Why: tree-sitter-c parses one configuration poorly when #if/#else branches
// each hold half of a brace pair, and it does not know the kernel's sparse and
// compiler annotations (__must_hold(x), __rcu, __init ...). See ARCHITECTURE.md
// "Kernel C idioms".

export interface ParseProblem {
  kind: 'unbalanced-preprocessor' | 'non-utf8' | 'syntax' | 'binary' | 'too-large' | 'internal';
  message: string;
  offset: number;
}

/** Annotations that carry no meaning for the analysis; blanked as whole words. */
const ANNOTATION_WORDS = [
  '__rcu', '__user', '__iomem', '__percpu', '__force', '__bitwise', '__private', '__kernel',
  '__init', '__exit', '__ref', '__refdata', '__meminit', '__meminitdata', '__init_memblock',
  '__initdata', '__initconst', '__exitdata', '__read_mostly', '__ro_after_init', '__refconst',
  '__always_inline', '__noinline', 'noinline', 'noinline_for_stack', '__noinline_for_stack',
  '__maybe_unused', '__always_unused', '__used', '__cold', '__hot', '__latent_entropy',
  '__weak', '__sched', 'notrace', '__noreturn', '__must_check', 'asmlinkage', '__visible',
  '__cpuidle', '__packed', '__malloc', '__nocfi', '__randomize_layout', '__no_randomize_layout',
  '__no_sanitize_address', '__no_kcsan', '__noinstr', 'noinstr', '__flatten', '__pure',
  '__attribute_const__', '__lockfunc', '__kprobes', 'nokprobe_inline', '__safe', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '____cacheline_aligned', '____cacheline_aligned_in_smp',
  '__mmap_lock_may_sleep', '__nonstring', 'fallthrough', '__fallthrough',
];

/** Annotations that take a parenthesised argument list; blanked with their arguments. */
const ANNOTATION_CALLS = [
  '__must_hold', '__acquires', '__releases', '__cond_acquires', '__cond_releases',
  '__printf', '__scanf', '__section', '__aligned', '__counted_by', '__alloc_size',
  '__free', '__cleanup', '__assume_aligned', '__diagnose_as', '__guarded_by', '__pt_guarded_by',
  '__no_sanitize_or_inline', '__realloc_size', '__nonnull',
];

const WORD_RE = new RegExp(`\\b(?:${ANNOTATION_WORDS.join('|')})\\b`, 'g');
const CALL_RE = new RegExp(`\\b(?:${ANNOTATION_CALLS.join('|')})\\s*\\(`, 'g');

/** A macro invocation the preprocessor rewrote, so later layers can recover what was there. */
export interface MacroRewrite {
  offset: number;
  name: string;
  kind: 'iterator' | 'syscall';
}

export interface PreprocessResult {
  text: string;
  problems: ParseProblem[];
  rewrites: MacroRewrite[];
}

export function preprocessKernelC(text: string): PreprocessResult {
  const problems: ParseProblem[] = [];
  const chars = text.split('');
  blankInactiveBranches(text, chars, problems);
  let out = chars.join('');
  out = out.replace(WORD_RE, (m) => ' '.repeat(m.length));
  out = blankAnnotationCalls(out);
  const rewrites: MacroRewrite[] = [];
  out = rewriteMacroCalls(out, rewrites);
  return { text: out, problems, rewrites };
}

interface CondFrame {
  /** This branch is the one kept. */
  active: boolean;
  /** Some branch of this #if chain was already kept. */
  taken: boolean;
  offset: number;
}

/**
 * Keeps one configuration: the first branch of every #if/#ifdef/#ifndef chain
 * (the #else branch of `#if 0`), and blanks the other branches and every
 * conditional directive. Keeping the first branch keeps CONFIG_ code and drops
 * the `static inline` stubs of its #else, so each function is defined once.
 */
function blankInactiveBranches(text: string, chars: string[], problems: ParseProblem[]): void {
  const stack: CondFrame[] = [];
  let inComment = false;
  let pos = 0;
  const breaks = lineBreaks(text);
  while (pos < text.length) {
    const lineEnd = logicalLineEnd(text, pos, breaks);
    const line = text.slice(pos, lineEnd);
    const directive = inComment ? null : /^\s*#\s*(\w+)(.*)/s.exec(line);
    const enclosingActive = stack.every((f) => f.active);
    let blankLine = !enclosingActive;
    if (directive) {
      const [, name, rest] = directive;
      const condition = rest.replace(/\/\*.*?\*\/|\/\/.*$/gm, '').trim();
      switch (name) {
        case 'if': case 'ifdef': case 'ifndef': {
          const isFalse = name === 'if' && /^0\b/.test(condition);
          stack.push({ active: !isFalse, taken: !isFalse, offset: pos });
          blankLine = true;
          break;
        }
        case 'elif': case 'elifdef': case 'elifndef': case 'else': {
          const top = stack[stack.length - 1];
          if (!top) problems.push({ kind: 'unbalanced-preprocessor', message: `#${name} without #if`, offset: pos });
          else { top.active = !top.taken; top.taken = true; }
          blankLine = true;
          break;
        }
        case 'endif':
          if (!stack.pop()) problems.push({ kind: 'unbalanced-preprocessor', message: '#endif without #if', offset: pos });
          blankLine = true;
          break;
        default:
          break;
      }
    }
    if (blankLine) blankRange(chars, pos, lineEnd);
    else inComment = endsInsideComment(line, inComment);
    pos = lineEnd < text.length ? lineEnd + 1 : lineEnd;
  }
  for (const frame of stack) {
    problems.push({ kind: 'unbalanced-preprocessor', message: 'unterminated #if (no #endif before end of file)', offset: frame.offset });
  }
}

/**
 * End of a line, following backslash-newline continuations (returns the index
 * of the line break). A lone CR ends a line too, as SourceView counts lines:
 * with "\n" only, a CR-only file was one line, and a leading `#ifdef` blanked
 * the whole file (found by npm run fuzz).
 */
function logicalLineEnd(text: string, from: number, breaks: LineBreaks): number {
  let i = from;
  for (;;) {
    const nl = breaks.next(i);
    if (nl < 0) return text.length;
    // For CRLF the break is the LF; the character before the CR is the continuation.
    const before = text[nl] === '\n' && text[nl - 1] === '\r' ? nl - 2 : nl - 1;
    if (before >= from && text[before] === '\\') { i = nl + 1; continue; }
    return nl;
  }
}

interface LineBreaks {
  /** Index of the next "\n", or of a "\r" not followed by "\n", at or after `from`; -1 if none. */
  next(from: number): number;
}

/**
 * Caches the next LF and the next lone CR so a scan of the whole file stays
 * linear (indexOf('\r') from every line of a file without CRs would be quadratic).
 * Queries must come with non-decreasing `from`.
 */
function lineBreaks(text: string): LineBreaks {
  let lf = -2;
  let cr = -2;
  const nextLoneCr = (from: number): number => {
    let i = text.indexOf('\r', from);
    while (i >= 0 && text[i + 1] === '\n') i = text.indexOf('\r', i + 1);
    return i;
  };
  return {
    next(from: number): number {
      if (lf !== -1 && lf < from) lf = text.indexOf('\n', from);
      if (cr !== -1 && cr < from) cr = nextLoneCr(from);
      if (cr >= 0 && (lf < 0 || cr < lf)) return cr;
      return lf;
    },
  };
}

function blankRange(chars: string[], start: number, end: number): void {
  for (let i = start; i < end; i++) {
    if (chars[i] !== '\n' && chars[i] !== '\r') chars[i] = ' ';
  }
}

/** Tracks /* comments across lines so a "#if" inside a comment is not a directive. */
function endsInsideComment(line: string, inComment: boolean): boolean {
  let i = 0;
  let state = inComment;
  while (i < line.length) {
    if (state) {
      const close = line.indexOf('*/', i);
      if (close < 0) return true;
      state = false;
      i = close + 2;
      continue;
    }
    const c = line[i];
    if (c === '"' || c === "'") { i = skipQuoted(line, i); continue; }
    if (c === '/' && line[i + 1] === '/') return false;
    if (c === '/' && line[i + 1] === '*') { state = true; i += 2; continue; }
    i++;
  }
  return state;
}

function skipQuoted(line: string, start: number): number {
  const quote = line[start];
  let i = start + 1;
  while (i < line.length && line[i] !== quote) i += line[i] === '\\' ? 2 : 1;
  return i + 1;
}

function blankAnnotationCalls(text: string): string {
  const chars = text.split('');
  let changed = false;
  for (const m of text.matchAll(CALL_RE)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const close = matchingParen(text, open);
    if (close < 0) continue;
    blankRange(chars, m.index ?? 0, close + 1);
    changed = true;
  }
  return changed ? chars.join('') : text;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length && i < open + 4096; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `list_for_each_entry(pos, head, member) {` and friends: loops spelled as macros. */
const ITERATOR_NAME = /(?:^|_)for_each(?:_|$)|_foreach$|^for_each/;
/** Macros whose first argument is a type: min_t(unsigned int, a, b). */
const TYPE_FIRST_ARG = new Set(['min_t', 'max_t', 'clamp_t', 'min3_t', 'max3_t', 'swap_t']);
const SYSCALL_DEFINE = /^(?:COMPAT_)?SYSCALL_DEFINE(\d)$/;
const NOT_CALLS = new Set(['sizeof', 'typeof', '__typeof__', '__typeof', '_Alignof', 'alignof', '__alignof__',
  'if', 'while', 'for', 'switch', 'return', '__attribute__', 'asm', '__asm__', 'defined', '_Generic', '__builtin_offsetof']);

/**
 * Same-length rewrites of macro invocations tree-sitter-c cannot parse:
 * - iterator macros followed by a body become `while (args)` (a comma expression),
 *   so the body is a real loop with break/continue;
 * - SYSCALL_DEFINEn(name, type, arg, ...) becomes `long name(type arg, ...)`;
 * - a type passed as an argument (container_of(p, struct foo, member),
 *   min_t(unsigned int, a, b)) becomes an identifier or `0`.
 */
function rewriteMacroCalls(text: string, rewrites: MacroRewrite[]): string {
  const chars = text.split('');
  const callRe = /\b([A-Za-z_]\w*)\s*\(/g;
  for (const m of text.matchAll(callRe)) {
    const name = m[1];
    if (NOT_CALLS.has(name)) continue;
    const start = m.index ?? 0;
    const open = start + m[0].length - 1;
    const close = matchingParen(text, open);
    if (close < 0) continue;
    const args = splitArguments(text, open, close);
    const syscall = SYSCALL_DEFINE.exec(name);
    if (syscall) {
      rewriteSyscallDefine(chars, start, open, args);
      rewrites.push({ offset: start, name, kind: 'syscall' });
      continue;
    }
    if (ITERATOR_NAME.test(name) && startsStatementAfter(text, close + 1) && isStatementStart(text, start)) {
      writeAt(chars, start, 'while'.padEnd(open - start, ' '));
      rewrites.push({ offset: start, name, kind: 'iterator' });
      continue;
    }
    args.forEach(([from, to], i) => {
      if (i === 0 && TYPE_FIRST_ARG.has(name)) {
        // The `0` goes where the type starts, so a line break before it cannot swallow it.
        const lead = /^\s*/.exec(text.slice(from, to))![0].length;
        writeAt(chars, from + lead, '0'.padEnd(to - from - lead, ' '));
        return;
      }
      const arg = text.slice(from, to);
      const typeArg = /^(\s*)(struct|union|enum)(\s+)(\w+)([\s*]*)$/.exec(arg);
      if (typeArg) {
        const keyword = from + typeArg[1].length;
        writeAt(chars, keyword, ' '.repeat(typeArg[2].length));
        const stars = from + arg.length - typeArg[5].length;
        writeAt(chars, stars, ' '.repeat(typeArg[5].length));
      }
    });
  }
  return chars.join('');
}

function rewriteSyscallDefine(chars: string[], start: number, open: number, args: Array<[number, number]>): void {
  writeAt(chars, start, 'long'.padEnd(open - start + 1, ' '));
  if (args.length === 0) return;
  // args: name, type1, arg1, type2, arg2 ... ; the comma after the name opens the parameter list.
  const [, nameEnd] = args[0];
  chars[nameEnd] = '(';
  for (let i = 1; i + 1 < args.length; i += 2) chars[args[i][1]] = ' ';
  if (args.length === 1) chars[nameEnd] = '(';
}

/**
 * Overwrites chars from `at`, but never a line break: a rewritten span may
 * contain one (`max_t(unsigned\n int, ...)`, `SYSCALL_DEFINE2\n(`), and
 * overwriting it shifted every later line (found by npm run fuzz).
 */
function writeAt(chars: string[], at: number, s: string): void {
  for (let i = 0; i < s.length; i++) if (chars[at + i] !== '\n' && chars[at + i] !== '\r') chars[at + i] = s[i];
}

/** [from, to) of each top-level argument between the parentheses at open/close. */
function splitArguments(text: string, open: number, close: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open + 1; i < close; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) { out.push([from, i]); from = i + 1; }
  }
  if (close > open + 1 || out.length > 0) out.push([from, close]);
  return out;
}

/** After an iterator macro's ')' comes a body, not ';' or an operator. */
function startsStatementAfter(text: string, from: number): boolean {
  const rest = /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*)*(.)/.exec(text.slice(from, from + 512));
  if (!rest) return false;
  return /[{A-Za-z_]/.test(rest[1]);
}

/** The macro name starts a statement: preceded by ';', '{', '}', ')' or a line start (after blanks). */
function isStatementStart(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i < 0 || /[;{}\n)]/.test(text[i]) || text.slice(Math.max(0, i - 3), i + 1) === 'else';
}
