// parse layer: a position-preserving "preprocessor" that makes kernel C
// palatable to tree-sitter-c. Every change replaces characters with spaces, so
// offsets, lines and columns in the output equal those of the input.
//
// Why: tree-sitter-c parses one configuration poorly when #if/#else branches
// each hold half of a brace pair, and it does not know the kernel's sparse and
// compiler annotations (__must_hold(x), __rcu, __init ...). See ARCHITECTURE.md
// "Kernel C idioms".

import { changedSpan } from './changed-span';
import { internName } from './names';
import { lastAtOrBelow } from './source-view';

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
  // Sanitizer and section attributes (include/linux/compiler-{gcc,clang}.h, linkage.h): left in, they
  // read as a type before `static` and tree-sitter recovers with the linkage lost (mm/page_alloc.c rmqueue).
  '__no_sanitize_memory', '__no_kmsan_checks', '__page_aligned_bss', '__page_aligned_data',
  // A subsystem's own names for attributes (6.12 mm/slub.c:208-210,1212-1214; fs/xfs/xfs_linux.h:246,
  // `static noinline`, but global in DEBUG builds, as the parse keeps it). Left in, the type after
  // them is a syntax error: the file's skeleton is refused and the whole file parsed (outline.ts).
  '__fastpath_inline', 'pad_check_attributes', 'STATIC',
  // The same in files a whole-tree audit opens (6.12: include/net/net_namespace.h:428-434,
  // lib/maple_tree.c:156, include/linux/list.h:44-46, compiler_attributes.h:405, mm/kfence/core.c:327,
  // include/linux/ftrace.h:1195, fortify-string.h:10, compiler_types.h:365, include/linux/btf.h:85).
  '__net_init', '__net_exit', 'noinline_for_kasan', '__list_valid_slowpath', '__noipa', 'check_canary_attributes',
  '__notrace_funcgraph', '__FORTIFY_INLINE', '__signed_wrap', '__bpf_kfunc',
];

/** Annotations that take a parenthesised argument list; blanked with their arguments. */
const ANNOTATION_CALLS = [
  '__must_hold', '__acquires', '__releases', '__cond_acquires', '__cond_releases',
  '__printf', '__scanf', '__section', '__aligned', '__counted_by', '__alloc_size',
  '__free', '__cleanup', '__assume_aligned', '__diagnose_as', '__guarded_by', '__pt_guarded_by',
  '__no_sanitize_or_inline', '__realloc_size', '__nonnull', '__compiletime_error', '__RENAME',
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
  /** What an incremental run (preprocessIncremental) reuses; absent when not asked for. */
  state?: PreprocessState;
}

/**
 * The text after the conditional pass and the independent segments the local
 * passes ran on: what preprocessIncremental() needs from the previous version.
 */
export interface PreprocessState {
  /** The text preprocessed, and what the conditional pass made of it (blanking keeps every offset) with the problems it found. */
  source: string;
  branchProblems: ParseProblem[];
  /** After blanking inactive branches (the input of the local passes). */
  branches: string;
  segments: Segment[];
  segmentSize: number;
}

/**
 * A span of the conditional pass's output the local passes (annotations, macro
 * rewrites) ran on alone, and gave what a run over the whole text gives there:
 * it starts and ends at a line break after `;` or `}` (no regex match crosses
 * it) and nothing in it read past its end (a paren matched, 512 characters
 * looked ahead after an iterator macro). `rewrites` are relative to `start`.
 */
export interface Segment {
  start: number;
  end: number;
  text: string;
  rewrites: MacroRewrite[];
}

export interface PreprocessOptions {
  /** Keep `state` in the result, for a later preprocessIncremental(). */
  keepState?: boolean;
  /** Smallest segment the local passes run on alone (default 2048; tests make it small to cross more boundaries). */
  segmentSize?: number;
}

export function preprocessKernelC(text: string, options: PreprocessOptions = {}): PreprocessResult {
  return preprocessIncremental(undefined, text, options);
}

/**
 * The same output as preprocessKernelC(text), byte for byte, reusing the
 * previous version's work: the conditional pass runs over the logical lines
 * (linear, cheap); the local passes run again only on the segments the change
 * touches, and the others are moved by the change's length.
 */
export function preprocessIncremental(previous: PreprocessState | undefined, text: string, options: PreprocessOptions = {}): PreprocessResult {
  const edited = previous && branchesAfterEdit(previous, text);
  const branchProblems: ParseProblem[] = edited ? edited.problems : [];
  const branches = edited ? edited.branches : blankInactiveBranches(text, branchProblems);
  const size = previous?.segmentSize ?? options.segmentSize ?? MIN_SEGMENT;
  const segments = previous ? resegment(previous, branches) : segmentFrom(branches, 0, branches.length, size).segments;
  const rewrites: MacroRewrite[] = [];
  for (const seg of segments) for (const r of seg.rewrites) rewrites.push({ ...r, offset: r.offset + seg.start });
  const out = segments.length === 1 ? segments[0].text : segments.map((x) => x.text).join('');
  const state = options.keepState ? { source: text, branchProblems: [...branchProblems], branches, segments, segmentSize: size } : undefined;
  return { text: out, problems: [...branchProblems], rewrites, state };
}

/** The local passes over the whole text as one segment: the reference the segmented runs must equal (tests). */
export function preprocessWhole(text: string): PreprocessResult {
  const problems: ParseProblem[] = [];
  const branches = blankInactiveBranches(text, problems);
  const seg = localPasses(branches, 0, branches.length)!; // the end of the text: never an overrun
  return { text: seg.text, problems, rewrites: seg.rewrites };
}

/**
 * What can change the conditional pass beyond the lines it is on: a directive, a block comment's
 * delimiter (a line without one cannot open or close a comment, whatever its strings hold), a
 * continuation, a CR.
 */
const CONDITIONAL_SYNTAX = /^\s*#|\/\*|\*\/|[\\\r]/m;

/**
 * The conditional pass's output for `text` from the previous version's, when the edit is one the
 * pass need not run again for (typing inside a function): the changed lines, before and after,
 * hold nothing CONDITIONAL_SYNTAX matches and the line before does not continue into them, so every
 * other line is passed over as before, and the changed lines are kept or blanked as the old ones
 * were. Undefined otherwise (the pass runs over the whole text).
 */
function branchesAfterEdit(previous: PreprocessState, text: string): { branches: string; problems: ParseProblem[] } | undefined {
  const old = previous.source;
  const { start, oldEnd, newEnd } = changedSpan(old, text);
  if (start === old.length && start === text.length) return { branches: previous.branches, problems: [...previous.branchProblems] };
  const from = start === 0 ? 0 : old.lastIndexOf('\n', start - 1) + 1;
  // The line before continues into the changed ones (a backslash before its break, or a CRLF: not looked into).
  if (from >= 2 && (old.charCodeAt(from - 2) === 92 /* \\ */ || old.charCodeAt(from - 2) === 13)) return undefined;
  const lineEnd = (t: string, at: number) => { const nl = t.indexOf('\n', at); return nl < 0 ? t.length : nl; };
  const oldTo = lineEnd(old, oldEnd);
  const newTo = lineEnd(text, newEnd);
  const was = old.slice(from, oldTo);
  const now = text.slice(from, newTo);
  if (CONDITIONAL_SYNTAX.test(was) || CONDITIONAL_SYNTAX.test(now)) return undefined;
  const passed = previous.branches.slice(from, oldTo);
  const blank = (t: string) => t.replace(/[^\n]/g, ' ');
  const kept = passed === was;
  // Lines of blanks only read the same kept or blanked: which they were is not known.
  if (kept === (passed === blank(was))) return undefined;
  const delta = text.length - old.length;
  return {
    branches: previous.branches.slice(0, from) + (kept ? now : blank(now)) + previous.branches.slice(oldTo),
    problems: previous.branchProblems.map((p) => (p.offset >= oldTo ? { ...p, offset: p.offset + delta } : p)),
  };
}

/** Smallest segment worth running alone: fewer objects, and most lookaheads stay inside. */
const MIN_SEGMENT = 2048;

/** Whether a segment may end at `b`: a line break after `;` or `}` (CRLF too), or the end of the text. */
function isBoundary(text: string, b: number): boolean {
  if (b >= text.length) return true;
  if (b < 2 || text.charCodeAt(b - 1) !== 10) return false;
  let i = b - 2;
  if (text.charCodeAt(i) === 13) i--;
  const c = text.charCodeAt(i);
  return c === 59 /* ; */ || c === 125 /* } */;
}

/** The next boundary at or after `from` (the end of the text if none). */
function nextBoundary(text: string, from: number): number {
  let i = from;
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    if (isBoundary(text, nl + 1)) return nl + 1;
    i = nl + 1;
  }
}

/**
 * Splits [from, target) into independent segments and runs the local passes on
 * each; `target` must be a boundary. A segment whose passes read past its end is
 * grown to the next boundary and run again, so the segments may end past `target`:
 * `end` says where (always a boundary).
 */
function segmentFrom(text: string, from: number, target: number, size: number): { segments: Segment[]; end: number } {
  const segments: Segment[] = [];
  let at = from;
  while (at < target) {
    let to = Math.min(target, nextBoundary(text, Math.min(target, at + size)));
    let seg = localPasses(text, at, to);
    while (!seg) {
      to = nextBoundary(text, to);
      seg = localPasses(text, at, to);
    }
    segments.push(seg);
    at = to;
  }
  return { segments, end: at };
}

/**
 * The segments of a new version: those of the previous version wholly in the
 * unchanged prefix are kept, those wholly in the unchanged suffix are moved by
 * the change's length, and the span between is segmented again (growing into the
 * suffix when a segment there reads past its end).
 */
function resegment(previous: PreprocessState, text: string): Segment[] {
  const old = previous.branches;
  const { start: prefix, oldEnd: oldChangeEnd } = changedSpan(old, text);
  if (prefix === old.length && prefix === text.length) return previous.segments;
  const delta = text.length - old.length;
  const out: Segment[] = [];
  // A kept segment's content, its start's boundary (3 characters before it) and its end's are unchanged;
  // a segment that ended at the end of the text was allowed to read to it, so it is not kept when text follows.
  let i = 0;
  for (; i < previous.segments.length; i++) {
    const seg = previous.segments[i];
    if (seg.end > prefix || seg.end >= old.length) break;
    out.push(seg);
  }
  const moved: Segment[] = [];
  for (let j = i; j < previous.segments.length; j++) {
    const seg = previous.segments[j];
    if (seg.start - 3 < oldChangeEnd) continue;
    moved.push(delta === 0 ? seg : { ...seg, start: seg.start + delta, end: seg.end + delta });
  }
  let at = out.length > 0 ? out[out.length - 1].end : 0;
  let next = 0;
  for (;;) {
    while (next < moved.length && moved[next].start < at) next++;
    const target = next < moved.length ? moved[next].start : text.length;
    if (at >= target) break;
    const run = segmentFrom(text, at, target, previous.segmentSize);
    out.push(...run.segments);
    at = run.end;
  }
  out.push(...moved.slice(next));
  return out;
}

/**
 * The local passes (annotation words, annotation calls, macro rewrites) over
 * [from, to) alone; undefined when they read past `to` and `to` is not the end
 * of the text (a run over more text could differ).
 */
function localPasses(text: string, from: number, to: number): Segment | undefined {
  const ctx: LocalContext = { atEnd: to >= text.length, overrun: false };
  let out = (from === 0 && ctx.atEnd ? text : text.slice(from, to)).replace(WORD_RE, (m) => ' '.repeat(m.length));
  out = blankAnnotationCalls(out, ctx);
  if (ctx.overrun) return undefined;
  const rewrites: MacroRewrite[] = [];
  out = rewriteMacroCalls(out, rewrites, ctx);
  if (ctx.overrun) return undefined;
  return { start: from, end: to, text: out, rewrites };
}

/** Whether the text a local pass sees ends where the file does, and whether it needed more. */
interface LocalContext {
  atEnd: boolean;
  overrun: boolean;
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
function blankInactiveBranches(text: string, problems: ParseProblem[]): string {
  const stack: CondFrame[] = [];
  // Kept spans are sliced, blanked lines rewritten: no per-character array for a mostly unchanged text.
  const parts: string[] = [];
  let kept = 0;
  let inComment = false;
  let pos = 0;
  const breaks = lineBreaks(text);
  while (pos < text.length) {
    const lineEnd = logicalLineEnd(text, pos, breaks);
    // Only a line whose first non-blank is `#` is sliced and matched: most lines are code or comment.
    let first = pos;
    while (first < lineEnd && isRegExpSpace(text.charCodeAt(first))) first++;
    const directive = inComment || text.charCodeAt(first) !== 0x23 /* # */ ? null : /^\s*#\s*(\w+)(.*)/s.exec(text.slice(pos, lineEnd));
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
        default: {
          const uncommented = blankLine ? undefined : directiveWithoutComments(text, pos, lineEnd);
          if (uncommented !== undefined) {
            if (kept < pos) parts.push(text.slice(kept, pos));
            parts.push(uncommented);
            kept = lineEnd;
          }
          break;
        }
      }
    }
    if (blankLine) {
      if (kept < pos) parts.push(text.slice(kept, pos));
      parts.push(text.slice(pos, lineEnd).replace(/[^\r\n]/g, ' '));
      kept = lineEnd;
    }
    else inComment = endsInsideComment(text, pos, lineEnd, inComment);
    pos = lineEnd < text.length ? lineEnd + 1 : lineEnd;
  }
  for (const frame of stack) {
    problems.push({ kind: 'unbalanced-preprocessor', message: 'unterminated #if (no #endif before end of file)', offset: frame.offset });
  }
  if (parts.length === 0) return text;
  if (kept < text.length) parts.push(text.slice(kept));
  return parts.join('');
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

/**
 * A directive continued over several lines (`#define m(x) \`) with its block comments blanked, or
 * undefined when it has none that closes inside it. tree-sitter-c ends a macro's body at a comment
 * (a "do nothing" comment before the line's backslash in 6.12 include/linux/mmzone.h's
 * for_each_populated_zone): the lines after it were read as code, and the error there ran into
 * the next definition.
 */
function directiveWithoutComments(text: string, from: number, to: number): string | undefined {
  const within = (at: number) => at >= 0 && at < to;
  if (!within(text.indexOf('\n', from)) && !within(text.indexOf('\r', from))) return undefined;
  if (!within(text.indexOf('/*', from))) return undefined;
  let chars: string[] | undefined;
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) { i = skipQuoted(text, i, to); continue; }
    if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f) break;
    if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2a /* * */ && i + 1 < to) {
      const close = text.indexOf('*/', i + 2);
      if (close < 0 || close + 2 > to) break;
      chars ??= text.slice(from, to).split('');
      blankRange(chars, i - from, close + 2 - from);
      i = close + 2;
      continue;
    }
    i++;
  }
  return chars?.join('');
}

/**
 * Whether text[from, to) (one logical line) ends inside a block comment, `inComment` at its start:
 * tracks comments across lines so a "#if" inside a comment is not a directive.
 */
function endsInsideComment(text: string, from: number, to: number, inComment: boolean): boolean {
  let i = from;
  let state = inComment;
  while (i < to) {
    if (state) {
      const close = text.indexOf('*/', i);
      if (close < 0 || close + 2 > to) return true;
      state = false;
      i = close + 2;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */ || c === 0x27 /* ' */) { i = skipQuoted(text, i, to); continue; }
    if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2f && i + 1 < to) return false;
    if (c === 0x2f /* / */ && text.charCodeAt(i + 1) === 0x2a /* * */ && i + 1 < to) { state = true; i += 2; continue; }
    i++;
  }
  return state;
}

function skipQuoted(text: string, start: number, to: number): number {
  const quote = text.charCodeAt(start);
  let i = start + 1;
  while (i < to && text.charCodeAt(i) !== quote) i += text.charCodeAt(i) === 0x5c /* \\ */ ? 2 : 1;
  return i + 1;
}

/** What `\s` matches in a regular expression (ECMAScript WhiteSpace and LineTerminator). */
function isRegExpSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

function blankAnnotationCalls(text: string, ctx: LocalContext): string {
  let chars: string[] | undefined;
  for (const m of text.matchAll(CALL_RE)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const close = matchingParen(text, open, ctx);
    if (close < 0) continue;
    chars ??= text.split('');
    blankRange(chars, m.index ?? 0, close + 1);
  }
  return chars ? chars.join('') : text;
}

const PAREN_WINDOW = 4096;

/** The ')' matching the '(' at `open` within 4096 characters, or -1; a search cut short by the segment's end is an overrun. */
function matchingParen(text: string, open: number, ctx: LocalContext): number {
  let depth = 0;
  const limit = Math.min(text.length, open + PAREN_WINDOW);
  for (let i = open; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 /* ( */) depth++;
    else if (c === 41 /* ) */ && --depth === 0) return i;
  }
  if (limit < open + PAREN_WINDOW && !ctx.atEnd) ctx.overrun = true;
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
function rewriteMacroCalls(text: string, rewrites: MacroRewrite[], ctx: LocalContext): string {
  // Made on the first write: most calls rewrite nothing, and a file may have nothing to rewrite.
  let chars: string[] | undefined;
  const out = () => (chars ??= text.split(''));
  const write = (at: number, s: string) => writeAt(out(), at, s);
  // Where a type argument can be: a call whose parentheses hold none of these keywords has none, so its arguments are not split.
  const keywords = [...text.matchAll(TYPE_KEYWORD)].map((m) => m.index ?? 0);
  // The declaration macros blanked so far, by the offset of their `)`: one may follow another.
  const declarationMacros = new Map<number, number>();
  const callRe = /\b([A-Za-z_]\w*)\s*\(/g;
  for (const m of text.matchAll(callRe)) {
    // Interned where a rewrite keeps it: most calls rewrite nothing.
    const name = m[1];
    if (NOT_CALLS.has(name)) continue;
    const start = m.index ?? 0;
    const open = start + m[0].length - 1;
    const close = matchingParen(text, open, ctx);
    if (close < 0) continue;
    const syscall = SYSCALL_DEFINE.exec(name);
    if (syscall) {
      rewriteSyscallDefine(out(), start, open, splitArguments(text, open, close));
      rewrites.push({ offset: start, name: internName(name), kind: 'syscall' });
      continue;
    }
    if ((start === 0 || text.charCodeAt(start - 1) === 10) && isUnterminatedDeclarationMacro(text, start, close, ctx, declarationMacros)) {
      blankRange(out(), start, close + 1);
      declarationMacros.set(close, start);
      continue;
    }
    if (ITERATOR_NAME.test(name) && startsStatementAfter(text, close + 1, ctx) && isStatementStart(text, start)) {
      write(start, 'while'.padEnd(open - start, ' '));
      rewrites.push({ offset: start, name: internName(name), kind: 'iterator' });
      continue;
    }
    const typeFirst = TYPE_FIRST_ARG.has(name);
    if (!typeFirst && !anyBetween(keywords, open, close)) continue;
    splitArguments(text, open, close).forEach(([from, to], i) => {
      if (i === 0 && typeFirst) {
        // The `0` goes where the type starts, so a line break before it cannot swallow it.
        const lead = /^\s*/.exec(text.slice(from, to))![0].length;
        write(from + lead, '0'.padEnd(to - from - lead, ' '));
        return;
      }
      if (!anyBetween(keywords, from - 1, to)) return;
      const arg = text.slice(from, to);
      const typeArg = /^(\s*)(struct|union|enum)(\s+)(\w+)([\s*]*)$/.exec(arg);
      if (typeArg) {
        const keyword = from + typeArg[1].length;
        write(keyword, ' '.repeat(typeArg[2].length));
        const stars = from + arg.length - typeArg[5].length;
        write(stars, ' '.repeat(typeArg[5].length));
      }
    });
  }
  return chars ? chars.join('') : text;
}

/** The keywords a type argument starts with (rewriteMacroCalls). */
const TYPE_KEYWORD = /\b(?:struct|union|enum)\b/g;

/** Whether a sorted list of offsets has one strictly between `after` and `before`. */
function anyBetween(sorted: readonly number[], after: number, before: number): boolean {
  const next = lastAtOrBelow(sorted, after) + 1;
  return next < sorted.length && sorted[next] < before;
}

function rewriteSyscallDefine(chars: string[], start: number, open: number, args: Array<[number, number]>): void {
  writeAt(chars, start, 'long'.padEnd(open - start + 1, ' '));
  if (args.length === 0) return;
  // args: name, type1, arg1, type2, arg2 ... ; the comma after the name opens the parameter list.
  const [nameStart, nameEnd] = args[0];
  if (args.length === 1) {
    // SYSCALL_DEFINE0(sync): no comma to open the list with, and the `)` must stay. The name moves
    // one place left, onto the macro's `(` (blanked above): `long       sync()`. A `(` written over
    // the `)` left the list open, and tree-sitter's recovery ran into the definitions after it.
    const arg = chars.slice(nameStart, nameEnd).join('');
    const name = /^\s*(\w+)\s*$/.exec(arg)?.[1];
    const at = nameStart + arg.search(/\S/) - 1;
    if (!name || chars[at] === '\n' || chars[at] === '\r') return;
    writeAt(chars, nameStart - 1, ' '.repeat(nameEnd - nameStart + 2));
    writeAt(chars, at, `${name}()`);
    return;
  }
  chars[nameEnd] = '(';
  for (let i = 1; i + 1 < args.length; i += 2) chars[args[i][1]] = ' ';
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

const LOOKAHEAD = 512;

/** After an iterator macro's ')' comes a body, not ';' or an operator. */
function startsStatementAfter(text: string, from: number, ctx: LocalContext): boolean {
  return /[{A-Za-z_]/.test(nextSignificant(text, from, ctx));
}

/**
 * The first character from `from` on past blanks and comments, within LOOKAHEAD characters; ''
 * when there is none. Cut short by the segment's end, the answer stands only if it was decided
 * before the end, on a character that cannot start a comment (a longer text could close one and
 * look further): otherwise an overrun.
 */
function nextSignificant(text: string, from: number, ctx: LocalContext): string {
  const rest = /^(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n]*)*(.)/.exec(text.slice(from, from + LOOKAHEAD));
  if (from + LOOKAHEAD > text.length && !ctx.atEnd && (!rest || rest[1] === '/' || from + rest[0].length >= text.length)) ctx.overrun = true;
  return rest ? rest[1] : '';
}

/**
 * A macro invoked at file scope without its `;` (`postcore_initcall(f)`, `WRAP_DIR_ITER(f)`,
 * `RB_DECLARE_CALLBACKS_MAX(static, ...)`): at column 0, after a `;` or `}`, its `)` ending the
 * line and another declaration or a directive after it (not a `{`: `SYSCALL_DEFINE1(...)` heads
 * a body). tree-sitter reads it as the start of the definition that follows and recovers with an
 * error there (6.12 mm/page_alloc.c:6259, mm/vmalloc.c:1041); blanked, that definition parses
 * clean. What such macros declare (initcalls, callbacks, trace events) the analysis never read:
 * no definition of theirs parsed either way.
 *
 * The look back stops at the nearest line ending in `;` or `}` (isBoundary, a `// ;` too): a
 * segment starts at one, so a run over a segment decides as a run over the whole text. Between it
 * and the macro only blanks and block comments opened after it may come, such macros blanked
 * already (`blanked`: `)` -> start; page-flags.h chains `FOLIO_FLAG(...)` lines), or a `;` or `}`
 * closing a line's code before a comment.
 */
function isUnterminatedDeclarationMacro(text: string, start: number, close: number, ctx: LocalContext, blanked: ReadonlyMap<number, number>): boolean {
  if (!/^[ \t]*(?:\/\*[^\n]*?\*\/[ \t]*)?(?:\r?\n|$)/.test(text.slice(close + 1, close + 1 + LOOKAHEAD))) return false;
  let from = start;
  // (lastIndexOf reads a negative position as 0: a text starting with a line break would loop at 1.)
  while (from > 0 && !isBoundary(text, from)) from = from < 2 ? 0 : text.lastIndexOf('\n', from - 2) + 1;
  let i = start - 1;
  for (;;) {
    while (i >= from && isRegExpSpace(text.charCodeAt(i))) i--;
    if (i < from) break;
    if (text[i] === '/' && text[i - 1] === '*') {
      const open = text.lastIndexOf('/*', i - 2);
      if (open < from) return false;
      i = open - 1;
      continue;
    }
    const previous = blanked.get(i);
    if (previous !== undefined && previous >= from) {
      i = previous - 1;
      continue;
    }
    if (text[i] !== ';' && text[i] !== '}') return false;
    break;
  }
  const next = nextSignificant(text, close + 1, ctx);
  // An overrun: the segment is run again, longer, and decides then.
  return !ctx.overrun && (next === '' || /[A-Za-z_#]/.test(next));
}

/** The macro name starts a statement: preceded by ';', '{', '}', ')' or a line start (after blanks). */
function isStatementStart(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return i < 0 || /[;{}\n)]/.test(text[i]) || text.slice(Math.max(0, i - 3), i + 1) === 'else';
}
