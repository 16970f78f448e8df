// npm run model-doc
// Writes docs/model.md from server/src/model/fsdax-model.json: one table per kind of kernel
// fact, one row per fact with its era range, architecture scope, why and citations, so a kernel
// developer can review the model without reading the JSON. test/unit/model-doc.test.ts checks
// that the committed file is what this script writes. Deterministic: rows sorted by fact.
import * as fs from 'fs';
import * as path from 'path';
import { ERAS, type Era } from '../server/src/model/types';

type Json = unknown;
type Entry = Record<string, Json>;

/** One row: the fact, what it means, where it holds and why we believe it. */
interface Row { fact: string; meaning: string; /** Sorts before the fact (era order). */ rank?: number; eras?: Era[]; arch?: string[]; exceptArch?: string[]; why?: string; cite?: string[] }

interface Section { title: string; intro: string[]; rows: Row[] }

const code = (s: string): string => `\`${s}\``;
const isEntry = (v: Json): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: Json): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const comment = (v: Json): string[] => (isEntry(v) && typeof v.$comment === 'string' ? [v.$comment] : []);
const list = (names: string[]): string => names.map(code).join(', ');
const argName = (n: Json): string => (n === -1 ? 'none' : `arg ${String(n)}`);

/** `<=6.14`, `5.19-6.14`, `6.15+`, `all`; runs of adjacent eras merge. */
export function eraRange(eras: readonly Era[] | undefined): string {
  if (!eras || ERAS.every((e) => eras.includes(e))) return 'all';
  const lower = (e: Era) => (e.startsWith('<=') ? undefined : e.replace(/[-+].*$/, ''));
  const upper = (e: Era) => (e.endsWith('+') ? undefined : e.replace(/^.*[-=]/, ''));
  const runs: Era[][] = [];
  ERAS.forEach((e, i) => {
    if (!eras.includes(e)) return;
    const last = runs[runs.length - 1];
    if (last && ERAS.indexOf(last[last.length - 1]) === i - 1) last.push(e);
    else runs.push([e]);
  });
  return runs.map((run) => {
    const lo = lower(run[0]);
    const hi = upper(run[run.length - 1]);
    return lo === undefined ? `<=${hi}` : hi === undefined ? `${lo}+` : `${lo}-${hi}`;
  }).join(', ');
}

function archScope(r: Row): string {
  const parts: string[] = [];
  if (r.arch) parts.push(`only ${r.arch.join(', ')}`);
  if (r.exceptArch) parts.push(`not ${r.exceptArch.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'all';
}

/** Where a per-era fact sorts: by its first era. */
const eraRank = (spec: Entry): number => Math.min(...strings(spec.eras).map((e) => ERAS.indexOf(e as Era)).filter((i) => i >= 0), ERAS.length);

/** A row from a spec: its scope fields, plus any field the kind's meaning did not use (so new fields show). */
function row(fact: string, meaning: string[], spec: Entry, used: string[]): Row {
  const scopeKeys = ['eras', 'arch', 'exceptArch', 'why', 'cite', '$comment'];
  const extra = Object.keys(spec).filter((k) => !used.includes(k) && !scopeKeys.includes(k)).sort()
    .map((k) => `${k}: ${JSON.stringify(spec[k])}`);
  const notes = [...meaning, ...extra, ...comment(spec)].filter(Boolean);
  return {
    fact, meaning: notes.join('; '),
    eras: spec.eras as Era[] | undefined, arch: spec.arch as string[] | undefined, exceptArch: spec.exceptArch as string[] | undefined,
    why: typeof spec.why === 'string' ? spec.why : undefined, cite: Array.isArray(spec.cite) ? strings(spec.cite) : undefined,
  };
}

/** Entries of a list that are facts; a list's comment-only entries become its intro. */
const specs = (v: Json): Entry[] => (Array.isArray(v) ? v.filter(isEntry).filter((e) => Object.keys(e).some((k) => k !== '$comment')) : []);
const listComments = (v: Json): string[] => (Array.isArray(v) ? v.filter(isEntry).filter((e) => Object.keys(e).every((k) => k === '$comment')).flatMap(comment) : []);
const nameRows = (names: string[], meaning: string): Row[] => names.map((n) => ({ fact: n, meaning }));
/** "**derived** from the body (eras): why" for a fact the analysis computes, "**primitive**" otherwise. */
const derivedText = (s: Entry): string => {
  if (!isEntry(s.derivedIn)) return '**primitive**';
  const listed = strings(s.derivedIn.eras) as Era[];
  const eras = listed.length > 0 ? eraRange(listed) : 'all';
  return eras === 'all' ? `**derived** from the body (${String(s.derivedIn.why ?? '')})` : `**derived** from the body in ${eras} (${String(s.derivedIn.why ?? '')}); primitive elsewhere`;
};
const whenText = (b: Json): string => (b ? 'true' : 'false');

/** Every kind the model file holds, in reading order; `keys`: the top-level keys a section covers. */
const KINDS: Array<{ keys: string[]; title: string; intro: string; rows: (m: Entry) => Row[] }> = [
  {
    keys: ['sharedEncoding'], title: 'Shared encoding', intro: 'How a page shared by reflink encodes its owners, per era.',
    rows: (m) => specs(m.sharedEncoding).map((s) => ({
      ...row(`mapping: ${String(s.mapping)}`, [s.marker !== undefined ? `marker ${code(String(s.marker))}` : '', s.count !== undefined ? `owners counted in ${code(String(s.count))}` : ''], s, ['mapping', 'marker', 'count']),
      rank: eraRank(s),
    })),
  },
  {
    keys: ['sources'], title: 'Sources', intro: 'Where a maybe-FS-DAX page comes from.',
    rows: (m) => specs(m.sources).flatMap((s) => [
      row(String(s.id), [
        list(strings(s.calls)),
        s.entryArg !== undefined ? `page of the page-table entry in arg ${String(s.entryArg)}` : '',
        s.pagesArg !== undefined ? `pages land in the \`${String(s.pagesArg)}\` argument` : '',
        s.returns ? 'returns the page' : '',
        s.referenced ? 'comes with a reference' : '',
        String(s.description ?? ''),
        s.ruleOut !== undefined ? `a finding's fix: ${String(s.ruleOut)}` : '',
      ], s, ['id', 'calls', 'entryArg', 'pagesArg', 'returns', 'referenced', 'referencedIn', 'description', 'ruleOut']),
      ...(isEntry(s.referencedIn) ? [row(String(s.id), ['comes with a reference (lifetime, not share-safety)'], s.referencedIn, [])] : []),
    ]),
  },
  {
    keys: ['entryPoints'], title: 'Entry points', intro: 'Functions whose parameter may be an FS-DAX pfn or page whoever calls them.',
    rows: (m) => specs(m.entryPoints).map((s) => row(String(s.function), [`${String(s.kind)} in arg ${String(s.param)}`, String(s.description ?? ''), s.ruleOut !== undefined ? `a finding's fix: ${String(s.ruleOut)}` : ''], s, ['function', 'param', 'kind', 'description', 'ruleOut'])),
  },
  {
    keys: ['conversions', 'pfnToPage', 'pageToPfn', 'pfnConversions'], title: 'Conversions', intro: 'Calls whose result is the same physical page (its folio, its pfn) as an argument.',
    rows: (m) => [
      ...Object.entries(isEntry(m.conversions) && isEntry(m.conversions.calls) ? m.conversions.calls : {}).map(([c, a]) => ({ fact: c, meaning: a === -1 ? 'the result is not a page of its arguments (the value stops here)' : `same page as ${argName(a)}` })),
      ...nameRows(strings(m.pfnToPage), 'pfn to page'),
      ...nameRows(strings(m.pageToPfn), 'page to pfn'),
      ...nameRows(strings(m.pfnConversions), 'pfn to pfn (address arithmetic)'),
    ],
  },
  {
    keys: ['cleanProducers'], title: 'Clean producers', intro: 'Calls whose result is never an FS-DAX page.',
    rows: (m) => specs(isEntry(m.cleanProducers) ? m.cleanProducers.calls : []).map((s) => row(String(s.name), [
      s.guardsArg !== undefined ? `a non-NULL result proves arg ${String(s.guardsArg)} is not FS-DAX` : '',
      s.pageOutArg !== undefined ? `the page written to arg ${String(s.pageOutArg)} is the filesystem's own, locked` : '',
      String(s.description ?? ''),
    ], s, ['name', 'guardsArg', 'pageOutArg', 'description'])),
  },
  {
    keys: ['guards'], title: 'Guards', intro: 'Tests whose answer on one branch proves the page (or the page-table entry) is not FS-DAX.',
    rows: (m) => specs(m.guards).map((s) => row(String(s.call), [
      `${s.subject === 'entry' ? 'entry' : 'page'} in arg ${String(s.arg)} is not FS-DAX when the test is ${whenText(s.excludesWhen)}`,
    ], s, ['call', 'arg', 'subject', 'excludesWhen'])),
  },
  {
    keys: ['contextGuards'], title: 'Context guards', intro: 'Tests of the mapping (vma, inode) whose answer rules FS-DAX out of the path.',
    rows: (m) => specs(m.contextGuards).map((s) => row(String(s.call), [`no FS-DAX page on the path where it is ${whenText(s.excludesWhen)}`], s, ['call', 'excludesWhen'])),
  },
  {
    keys: ['flagGuards'], title: 'Flag guards', intro: 'Flags whose test rules FS-DAX out of the path.',
    rows: (m) => nameRows(strings(isEntry(m.flagGuards) ? m.flagGuards.setExcludes : []), 'set: no FS-DAX page on the path'),
  },
  {
    keys: ['singleOwnerTests', 'sharedMarkerTests'], title: 'Owner tests', intro: 'Tests that say whether an FS-DAX page is shared (reflinked) or single-owner.',
    rows: (m) => [
      ...specs(m.singleOwnerTests).map((s) => row(String(s.call), [`arg ${String(s.arg)} is single-owner when ${whenText(s.singleOwnerWhen)}`], s, ['call', 'arg', 'singleOwnerWhen'])),
      ...specs(m.sharedMarkerTests).map((s) => row(String(s.call), [`true for the shared marker in arg ${String(s.arg ?? 0)}`], s, ['call', 'arg'])),
    ],
  },
  {
    keys: ['guarantees'], title: 'Guarantees', intro: 'Calls after which the filesystem holds the page for the reader (the DAX entry lock).',
    rows: (m) => specs(m.guarantees).flatMap((s) => {
      const safe = strings(s.shareSafeEras) as Era[];
      const main = row(String(s.acquire), [`locks arg ${String(s.subjectArg)} until ${code(String(s.release))}`, safe.length > 0 ? `share-safe in ${eraRange(safe)}` : ''], s,
        ['acquire', 'subjectArg', 'release', 'shareSafeEras', 'dereferencesSharedMarker', 'refusesShared']);
      const deref = isEntry(s.dereferencesSharedMarker) ? [row(String(s.acquire), ['dereferences a shared page\'s marker (oops): past the call the page was not shared'], s.dereferencesSharedMarker, [])] : [];
      const refuses = isEntry(s.refusesShared) ? [row(String(s.acquire), ['refuses a shared folio (cookie 0): past the call it had one owner, and is shared only if another file\'s fault made it so (a race)'], s.refusesShared, [])] : [];
      return [main, ...deref, ...refuses];
    }),
  },
  {
    keys: ['pageIdentity'], title: 'Which page of a folio',
    intro: 'Where FS-DAX folios can be large, the folio of one page is its head\'s: these say which calls give a containing folio, a whole folio, its head, and which calls need one particular page (fsdax/which-page).',
    rows: (m) => {
      const p = isEntry(m.pageIdentity) ? m.pageIdentity : {};
      return [
        ...specs(p.largeFolios).map((s) => row('large FS-DAX folios', ['a PMD/PUD entry maps one compound folio'], s, [])),
        ...nameRows(strings(p.containingFolio), 'returns the folio containing its page or pfn argument (its head, for a large folio)'),
        ...nameRows(strings(p.wholeFolio), 'returns a page or folio meant as a whole (PMD/PUD level): its head is the page meant'),
        ...specs(p.headOfFolio).map((s) => row(String(s.call), [s.nthArg !== undefined ? `the head page when arg ${String(s.nthArg)} is 0` : 'the folio\'s head'], s, ['call', 'nthArg'])),
        ...specs(p.namesPage).map((s) => row(String(s.call), [`arg ${String(s.arg)} must be one particular page`], s, ['call', 'arg'])),
      ];
    },
  },
  {
    keys: ['nullMappingHarmless'], title: 'NULL mappings that change nothing',
    intro: 'Functions whose NULL-mapping branch does for an FS-DAX folio what the other branch does: their NULL test is not fsdax/null-mapping.',
    rows: (m) => specs(isEntry(m.nullMappingHarmless) ? m.nullMappingHarmless.functions : []).map((s) => row(String(s.function), ['NULL mapping: same effect for FS-DAX'], s, ['function'])),
  },
  {
    keys: ['noFsdaxParams'], title: 'Parameters FS-DAX pages never reach',
    intro: 'Parameters an FS-DAX page, or a value read from one, never reaches (or only through a caller\'s bug of another kind, said in "why"): the function is analysed with no maybe-FS-DAX value in them.',
    rows: (m) => specs(isEntry(m.noFsdaxParams) ? m.noFsdaxParams.functions : []).map((s) => row(String(s.function), [`args ${(s.params as number[]).join(', ')}: never an FS-DAX value`], s, ['function', 'params'])),
  },
  {
    keys: ['references'], title: 'References', intro: 'Calls that take a page reference: a lifetime guarantee (the layout break waits), not share-safety.',
    rows: (m) => {
      const r = isEntry(m.references) ? m.references : {};
      return [
        ...Object.entries(isEntry(r.returnsReferenced) ? r.returnsReferenced : {}).map(([c, a]) => ({ fact: c, meaning: `returns ${argName(a)} referenced` })),
        ...Object.entries(isEntry(r.referencesArg) ? r.referencesArg : {}).map(([c, a]) => ({ fact: c, meaning: `references ${argName(a)}` })),
      ];
    },
  },
  {
    keys: ['returnFacts'], title: 'Return facts (reachability)',
    intro: 'What a call returns, known without running it; the dataflow does not take a branch a fact decides. **Primitive** facts apply by name; **derived** ones the analysis computes from the function\'s body where it is in the analysed tree (`server/src/analysis/return-summary.ts`: every non-NULL return passes a point where the argument is proven not FS-DAX), so new helpers built the same way need no entry; the entry stays as the fallback for a tree without the body, and `test/unit/derived-facts.test.ts` checks on the cached trees that the body still shows it.',
    rows: (m) => specs(isEntry(m.returnFacts) ? m.returnFacts.calls : []).map((s) => row(String(s.call), [
      derivedText(s),
      s.forFsdax !== undefined ? `${String(s.forFsdax)} for an FS-DAX page in arg ${String(s.arg ?? 0)}` : '',
      s.value !== undefined ? `always ${String(s.value)}` : '',
    ], s, ['call', 'arg', 'forFsdax', 'value', 'derivedIn'])),
  },
  {
    keys: ['flagRequirements'], title: 'Flag requirements', intro: 'Site helpers whose hazard needs flags; a caller whose flags cannot meet them does not reach the hazard. Derived where the helper\'s body is in the analysed tree (the flags every anon test in it needs, `siteFlagNeeds`); the entry is the fallback elsewhere.',
    rows: (m) => specs(m.flagRequirements).map((s) => row(String(s.call), [
      derivedText(s),
      `flags argument: the first matching /${String(s.flagsArgMatches)}/`,
      strings(s.set).length > 0 ? `needs set: ${list(strings(s.set))}` : '',
      strings(s.clear).length > 0 ? `needs clear: ${list(strings(s.clear))}` : '',
      typeof s.consequence === 'string' ? `consequence: ${s.consequence}` : '',
      typeof s.scenario === 'string' ? `simulator scenario ${code(s.scenario)}` : '',
    ], s, ['call', 'flagsArgMatches', 'set', 'clear', 'consequence', 'scenario', 'derivedIn'])),
  },
  {
    keys: ['raceMechanisms'], title: 'Race mechanisms', intro: 'What a finding of confidence `race` needs to happen, per era (the message says it).',
    rows: (m) => specs(m.raceMechanisms).map((s) => ({ ...row('race', [String(s.text ?? '')], s, ['text']), rank: eraRank(s) })),
  },
  {
    keys: ['debugOnly'], title: 'Debug-only code', intro: 'Code that runs only on debug kernels or behind a debugfs knob: what it misreads is info.',
    rows: (m) => {
      const d = isEntry(m.debugOnly) ? m.debugOnly : {};
      const cite = strings(d.cite);
      return [
        ...strings(d.calls).map((c) => ({ fact: c, meaning: 'arguments evaluated only with CONFIG_DEBUG_VM', ...(cite.length > 0 ? { cite } : {}) })),
        ...specs(d.conditions).map((s) => row(String(s.test), [`the branch where it is ${whenText(s.when)} is debug-only`], s, ['test', 'when'])),
      ];
    },
  },
  {
    keys: ['encodingAwareHelpers', 'sentinelMasks', 'ownerContexts', 'noFsdaxFunctions'], title: 'Benign uses and encoding-aware code',
    intro: 'Code that reads the fields knowing the shared encoding, or runs with the filesystem\'s guarantee: not reported inside.',
    rows: (m) => [
      ...nameRows(strings(isEntry(m.encodingAwareHelpers) ? m.encodingAwareHelpers.functions : []), 'encoding-aware helper: the call is the site, its inner reads are not'),
      ...nameRows(strings(isEntry(m.sentinelMasks) ? m.sentinelMasks.names : []), 'mask: a mapping masked with it is being decoded'),
      ...nameRows(strings(isEntry(m.ownerContexts) ? m.ownerContexts.functions : []), 'owner context: runs with a filesystem guarantee'),
      ...nameRows(strings(isEntry(m.noFsdaxFunctions) ? m.noFsdaxFunctions.functions : []), 'its sources cannot yield an FS-DAX page'),
    ],
  },
  {
    keys: ['sites', 'mappingDerefs', 'anonVmaDerefs', 'indexSinks'], title: 'Site helpers and uses', intro: 'The calls each rule looks at, and what counts as using a read value.',
    rows: (m) => {
      const sites = isEntry(m.sites) ? m.sites : {};
      const md = isEntry(m.mappingDerefs) ? m.mappingDerefs : {};
      return [
        ...Object.keys(sites).filter((k) => k !== '$comment').flatMap((kind) => nameRows(strings(sites[kind]), `${kind} site`)),
        ...nameRows(strings(md.fields).map((f) => `->${f}`), 'dereferences a mapping (address_space field)'),
        ...nameRows(strings(md.calls), 'dereferences the mapping it is given'),
        ...nameRows(strings(isEntry(m.anonVmaDerefs) ? m.anonVmaDerefs.calls : []), 'dereferences the anon_vma it is given'),
        ...nameRows(strings(m.indexSinks), 'index sink: an index reaching it is used as a file offset'),
      ];
    },
  },
  {
    keys: ['pageTableContext'], title: 'Page-table context', intro: 'Page-table sources count only in code that walks user mappings.',
    rows: (m) => {
      const p = isEntry(m.pageTableContext) ? m.pageTableContext : {};
      return [
        ...(typeof p.requires === 'string' ? [{ fact: `/${p.requires}/`, meaning: 'the function body must match this' }] : []),
        ...nameRows(strings(p.excludeFiles), 'file never sees FS-DAX page-table entries'),
        ...(typeof p.excludeFunctionsMatching === 'string' ? [{ fact: `/${p.excludeFunctionsMatching}/`, meaning: 'functions whose name matches never see FS-DAX' }] : []),
      ];
    },
  },
];

const HANDLED = new Set(['$comment', 'version', ...KINDS.flatMap((k) => k.keys)]);

const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const byFact = (a: Row, b: Row): number => (a.rank ?? 0) - (b.rank ?? 0) || (a.fact < b.fact ? -1 : a.fact > b.fact ? 1 : a.meaning < b.meaning ? -1 : a.meaning > b.meaning ? 1 : 0);

function table(rows: Row[]): string[] {
  return [
    '| fact | meaning | eras | arch | why | cite |',
    '|---|---|---|---|---|---|',
    ...[...rows].sort(byFact).map((r) => `| ${[code(r.fact), r.meaning, eraRange(r.eras), archScope(r), r.why ?? '', (r.cite ?? []).join('; ')].map(esc).join(' | ')} |`),
  ];
}

export function renderModelDoc(model: Entry): string {
  const sections: Section[] = KINDS.map((k) => ({
    title: k.title,
    // The model's own comments, named by the key to edit; ours when it has none.
    intro: ((c) => (c.length > 0 ? c : [k.intro]))(k.keys.flatMap((key) => [...comment(model[key]), ...listComments(model[key])].map((t) => `${code(key)}: ${t}`))),
    rows: k.rows(model),
  }));
  // A kind this script does not know yet still shows, each entry as JSON, until it gets a section.
  for (const key of Object.keys(model).filter((k) => !HANDLED.has(k)).sort()) {
    const v = model[key];
    const entries = Array.isArray(v) ? v : isEntry(v) ? Object.entries(v).filter(([k]) => k !== '$comment').map(([k, x]) => ({ [k]: x })) : [v];
    sections.push({
      title: `Other: ${code(key)}`, intro: ['Not yet described by scripts/gen-model-doc.ts.', ...comment(v), ...listComments(v)],
      rows: entries.filter((e) => !(isEntry(e) && Object.keys(e).every((k) => k === '$comment')))
        .map((e) => (isEntry(e) ? row(String(e.call ?? e.name ?? e.function ?? Object.keys(e)[0]), [], e, ['call', 'name', 'function']) : { fact: JSON.stringify(e), meaning: '' })),
    });
  }
  const arch = sections.flatMap((s) => s.rows.filter((r) => r.arch || r.exceptArch).map((r) => ({ ...r, meaning: `${s.title}: ${r.meaning}` })));
  sections.push({ title: 'Architecture-scoped facts', intro: ['Every fact above that holds only on some architectures (the analysis reads them for `--arch`, x86 by default).'], rows: arch });
  const out = [
    '# The FS-DAX model: kernel facts',
    '',
    '<!-- Generated by `npm run model-doc` (scripts/gen-model-doc.ts) from server/src/model/fsdax-model.json; do not edit. -->',
    '',
    ...comment(model),
    '',
    `Eras: ${ERAS.map(code).join(', ')} (fsdax-model.md §2). A range such as \`5.19-6.14\` spans the eras between; \`all\` means every era.`,
    'A wrong fact is a one-line change to the JSON; `npm run model-doc` regenerates this page and the tests check it is current.',
    '',
    '## Contents',
    '',
    ...sections.map((s) => `- ${s.title} (${s.rows.length})`),
  ];
  for (const s of sections) out.push('', `## ${s.title}`, ...s.intro.flatMap((p) => ['', esc(p)]), '', ...table(s.rows));
  return `${out.join('\n')}\n`;
}

export const MODEL_JSON = path.join('server', 'src', 'model', 'fsdax-model.json');
export const MODEL_DOC = path.join('docs', 'model.md');

if (require.main === module) {
  const repo = path.join(__dirname, '..', '..');
  const model = JSON.parse(fs.readFileSync(path.join(repo, MODEL_JSON), 'utf8')) as Entry;
  fs.writeFileSync(path.join(repo, MODEL_DOC), renderModelDoc(model));
  process.stdout.write(`wrote ${MODEL_DOC}\n`);
}
