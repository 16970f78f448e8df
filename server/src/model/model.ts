// model layer: loads the bundled FS-DAX model, merges a user's extension into
// it, validates both, and indexes it for one era. Pure: callers pass parsed JSON.
import bundledModel from './fsdax-model.json';
import { MaskGuardSpec, ContextGuardSpec, CleanProducerSpec, Era, SharedEncodingSpec, FactScope, FlagRequirementSpec, FsdaxModel, GuaranteeSpec, GuardSpec, ReturnFactSpec, SingleOwnerTestSpec, SiteKind, SourceSpec, EntryPointSpec } from './types';

export interface ModelProblem {
  message: string;
}

/** The architecture facts are read for when nobody says otherwise (issue 13: x86-64 first). */
export const DEFAULT_ARCH = 'x86';

export interface ModelIndex {
  readonly era: Era;
  /** The arch/ directory whose facts apply (pmd_trans_huge() of a devmap PMD, arch stubs). */
  readonly arch: string;
  /** Eras in which a shared FS-DAX page exists and overloads mapping/index. */
  readonly hasSharedPages: boolean;
  /** E1/E2: the shared marker is the 0x1 sentinel, equal to PAGE_MAPPING_ANON. */
  readonly hasSentinel: boolean;
  /** 6.15+: a shared folio's mapping is NULL (owners counted in folio->share), so NULL does not mean truncated. */
  readonly sharedMappingIsNull: boolean;
  readonly conversions: ReadonlyMap<string, number>;
  readonly pfnToPage: ReadonlySet<string>;
  readonly pageToPfn: ReadonlySet<string>;
  readonly pfnConversions: ReadonlySet<string>;
  readonly sourceByCall: ReadonlyMap<string, SourceSpec>;
  readonly entryPoints: ReadonlyMap<string, EntryPointSpec[]>;
  readonly cleanProducers: ReadonlyMap<string, CleanProducerSpec>;
  readonly guards: ReadonlyMap<string, GuardSpec>;
  readonly contextGuards: ReadonlyMap<string, ContextGuardSpec>;
  readonly singleOwnerTests: ReadonlyMap<string, SingleOwnerTestSpec>;
  /** Tests true exactly for the shared marker (and real anon pages): call name -> page argument. */
  readonly sharedMarkerTests: ReadonlyMap<string, number>;
  readonly guaranteeByAcquire: ReadonlyMap<string, GuaranteeSpec>;
  readonly guaranteeByRelease: ReadonlyMap<string, GuaranteeSpec>;
  /** Owner contexts and encoding-aware helpers: bodies whose reads are never reported. */
  readonly ownerContexts: ReadonlySet<string>;
  readonly noFsdaxFunctions: ReadonlySet<string>;
  readonly siteKindByCall: ReadonlyMap<string, SiteKind>;
  readonly mappingDerefFields: ReadonlySet<string>;
  readonly mappingDerefCalls: ReadonlySet<string>;
  readonly anonVmaDerefCalls: ReadonlySet<string>;
  readonly indexSinks: ReadonlySet<string>;
  /** Calls returning their argument with a reference held, and calls taking a reference on an argument. */
  readonly returnsReferenced: ReadonlyMap<string, number>;
  readonly referencesArg: ReadonlyMap<string, number>;
  /** A mapping masked with one of these is being decoded, not used as a pointer. */
  readonly sentinelMask: RegExp;
  /** `flags & FOLL_LONGTERM` true: the path cannot see FS-DAX pages. */
  readonly excludingFlag: RegExp | undefined;
  /** Page-table sources count only where this matches the function text (a user mapping is in scope). */
  readonly userMappingContext: RegExp;
  /** Results known without running the call (for an FS-DAX argument, or always on this arch). */
  readonly returnFacts: ReadonlyMap<string, ReturnFactSpec>;
  /** Site helpers whose hazard needs a flag combination in one of their arguments. */
  readonly flagRequirements: ReadonlyMap<string, FlagRequirementSpec & { flagsArg: RegExp }>;
  /** Macros whose arguments run only on debug kernels. */
  readonly debugOnlyCalls: ReadonlySet<string>;
  /** Condition text (spaces removed) -> the truth value whose branch is debug-only. */
  readonly debugOnlyConditions: ReadonlyMap<string, boolean>;
  /** Acquires that dereference a shared page's marker in this era (past them the page was not shared). */
  readonly crashesOnShared: ReadonlySet<string>;
  /** Acquires that refuse a shared folio in this era: past them the folio is shared only by another file's race. */
  readonly refusesShared: ReadonlySet<string>;
  /** FS-DAX folios can be larger than a page in this era (a PMD/PUD entry maps one compound folio). */
  readonly largeFolios: boolean;
  /** Calls returning the folio that contains their page or pfn argument. */
  readonly containingFolio: ReadonlySet<string>;
  /** Lookups returning a page or folio meant as a whole (its head is the page meant). */
  readonly wholeFolio: ReadonlySet<string>;
  /** Clean producers whose out-page is the first page of the entry found, not the page at the index asked for. */
  readonly headOutProducers: ReadonlySet<string>;
  /** Calls returning a folio's head page or pfn -> the argument that must be the literal 0 (-1: none). */
  readonly headOfFolio: ReadonlyMap<string, number>;
  /** `(mapping & mask) == equals` tests that rule FS-DAX out on one branch in this era. */
  readonly maskGuards: ReadonlyArray<MaskGuardSpec>;
  /** Functions whose NULL test of a mapping changes nothing for an FS-DAX folio. */
  readonly nullMappingHarmless: ReadonlySet<string>;
  /** function -> its params an FS-DAX page or a value read from one never reaches (noFsdaxParams): they start without a maybe-FS-DAX value. */
  readonly noFsdaxParams: ReadonlyMap<string, ReadonlySet<number>>;
  /** Calls that need one particular page in an argument -> that argument. */
  readonly namesPage: ReadonlyMap<string, number>;
  /** What a `race` finding needs in this era, for its message. */
  readonly raceMechanism: string | undefined;
  /** How to keep FS-DAX pages away from code whose page comes from this source (source id, or the entry point's function): a fix line's clause. */
  ruleOutFor(sourceId: string, entryFunction?: string): string | undefined;
  isHugetlbContext(file: string, fn: string): boolean;
}

export function defaultModel(): FsdaxModel {
  return structuredClone(bundledModel) as unknown as FsdaxModel;
}

const LIST_KEYS = ['pfnToPage', 'pageToPfn', 'pfnConversions', 'indexSinks'] as const;
const KEYED_LISTS: Array<[keyof FsdaxModel, string]> = [
  ['sources', 'id'], ['entryPoints', 'function'], ['guards', 'call'], ['contextGuards', 'call'],
  ['singleOwnerTests', 'call'], ['guarantees', 'acquire'], ['maskGuards', 'equals'], ['sharedMarkerTests', 'call'], ['flagRequirements', 'call'],
];
const OBJECT_KEYS = ['nullMappingHarmless', 'noFsdaxParams', 'pageIdentity', 'conversions', 'cleanProducers', 'ownerContexts', 'noFsdaxFunctions', 'sites', 'mappingDerefs', 'anonVmaDerefs', 'pageTableContext',
  'encodingAwareHelpers', 'references', 'sentinelMasks', 'flagGuards', 'returnFacts', 'debugOnly'];

/**
 * Merges a user model into ours: plain lists are appended, keyed entries with
 * the same key replace ours, maps are merged. Unknown keys and wrong shapes give
 * one problem each and are ignored, so a bad file never disables the defaults.
 */
export function mergeModel(base: FsdaxModel, extension: unknown, origin: string): { model: FsdaxModel; problems: ModelProblem[] } {
  const model = structuredClone(base);
  const problems: ModelProblem[] = [];
  if (typeof extension !== 'object' || extension === null || Array.isArray(extension)) {
    return { model, problems: [{ message: `${origin}: a model file must hold a JSON object; using the bundled model` }] };
  }
  const ext = extension as Record<string, unknown>;
  for (const [key, value] of Object.entries(ext)) {
    if (key.startsWith('$') || key === 'version') continue;
    const bad = (what: string) => problems.push({ message: `${origin}: "${key}" ${what}; ignored, the bundled value is kept` });
    if ((LIST_KEYS as readonly string[]).includes(key)) {
      if (!isStringArray(value)) { bad('must be a list of names'); continue; }
      (model[key as (typeof LIST_KEYS)[number]] as string[]).push(...value);
      continue;
    }
    const keyed = KEYED_LISTS.find(([k]) => k === key);
    if (keyed) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'object' && v && typeof (v as Record<string, unknown>)[keyed[1]] === 'string' || typeof (v as Record<string, unknown>)[keyed[1]] === 'number')) {
        bad(`must be a list of objects with "${keyed[1]}"`); continue;
      }
      const list = model[key as keyof FsdaxModel] as unknown as Array<Record<string, unknown>>;
      for (const entry of value as Array<Record<string, unknown>>) {
        const at = list.findIndex((e) => e[keyed[1]] === entry[keyed[1]]);
        if (at >= 0) list[at] = entry; else list.push(entry);
      }
      continue;
    }
    if (OBJECT_KEYS.includes(key)) {
      if (typeof value !== 'object' || value === null) { bad('must be an object'); continue; }
      mergeObject(model as unknown as Record<string, unknown>, key, value as Record<string, unknown>, bad);
      continue;
    }
    bad('is not a key of the model');
  }
  return { model, problems };
}

function mergeObject(model: Record<string, unknown>, key: string, value: Record<string, unknown>, bad: (w: string) => void): void {
  const target = model[key] as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    const current = target[k];
    if (Array.isArray(current) && Array.isArray(v)) current.push(...v);
    else if (current && typeof current === 'object' && v && typeof v === 'object') Object.assign(current, v);
    else if (current === undefined && key === 'sites') bad(`has unknown site kind "${k}"`);
    else target[k] = v;
  }
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** The era's shared encoding from the model's data (eras it does not list: the bundled answer for that era). */
export function sharedEncodingOf(model: FsdaxModel, era: Era): SharedEncodingSpec['mapping'] {
  const specs = (model.sharedEncoding ?? []).filter((e): e is SharedEncodingSpec => 'mapping' in e);
  const spec = specs.find((e) => !e.eras || e.eras.includes(era));
  if (spec) return spec.mapping;
  return era === '<=5.18' ? 'none' : era === '6.15+' ? 'null' : 'marker';
}

function inEra<T extends { eras?: Era[] }>(era: Era) {
  return (spec: T) => !spec.eras || spec.eras.includes(era);
}

/** Whether a fact holds in this era on this architecture. */
export function factHolds(scope: FactScope, era: Era, arch: string): boolean {
  return (!scope.eras || scope.eras.includes(era)) && (!scope.arch || scope.arch.includes(arch)) && !(scope.exceptArch ?? []).includes(arch);
}

export function indexModel(model: FsdaxModel, era: Era, arch: string = DEFAULT_ARCH): ModelIndex {
  const holds = (s: FactScope) => factHolds(s, era, arch);
  const byName = <T>(items: T[], name: (t: T) => string) => new Map(items.map((t) => [name(t), t] as const));
  const sourceByCall = new Map<string, SourceSpec>();
  for (const spec of model.sources.filter(holds)) {
    const s = spec.referencedIn && !spec.referenced && holds(spec.referencedIn) ? { ...spec, referenced: true } : spec;
    for (const c of s.calls) sourceByCall.set(c, s);
  }
  const encoding = sharedEncodingOf(model, era);
  const entryPoints = new Map<string, EntryPointSpec[]>();
  for (const e of model.entryPoints) entryPoints.set(e.function, [...(entryPoints.get(e.function) ?? []), e]);
  const siteKindByCall = new Map<string, SiteKind>();
  for (const [kind, calls] of Object.entries(model.sites) as Array<[SiteKind, string[]]>) for (const c of calls) siteKindByCall.set(c, kind);
  return {
    era,
    arch,
    hasSharedPages: encoding !== 'none',
    hasSentinel: encoding === 'marker',
    sharedMappingIsNull: encoding === 'null',
    conversions: new Map(Object.entries(model.conversions.calls).filter(([k]) => !k.startsWith('$'))),
    pfnToPage: new Set(model.pfnToPage),
    pageToPfn: new Set(model.pageToPfn),
    pfnConversions: new Set(model.pfnConversions),
    sourceByCall,
    entryPoints,
    cleanProducers: byName(model.cleanProducers.calls.filter(inEra(era)), (c) => c.name),
    guards: byName(model.guards.filter(holds), (g) => g.call),
    contextGuards: byName(model.contextGuards.filter(inEra(era)), (g) => g.call),
    singleOwnerTests: byName(model.singleOwnerTests.filter((g) => g.call).filter(inEra(era)), (g) => g.call),
    sharedMarkerTests: new Map(model.sharedMarkerTests.filter((t) => t.call && inEra<{ eras?: Era[] }>(era)(t)).map((t) => [t.call!, t.arg ?? 0] as const)),
    guaranteeByAcquire: byName(model.guarantees, (g) => g.acquire),
    guaranteeByRelease: byName(model.guarantees, (g) => g.release),
    ownerContexts: new Set([...model.ownerContexts.functions, ...model.encodingAwareHelpers.functions]),
    noFsdaxFunctions: new Set(model.noFsdaxFunctions.functions),
    siteKindByCall,
    mappingDerefFields: new Set(model.mappingDerefs.fields),
    mappingDerefCalls: new Set(model.mappingDerefs.calls),
    anonVmaDerefCalls: new Set(model.anonVmaDerefs.calls),
    indexSinks: new Set(model.indexSinks),
    returnsReferenced: new Map(Object.entries(model.references.returnsReferenced)),
    referencesArg: new Map(Object.entries(model.references.referencesArg)),
    excludingFlag: model.flagGuards.setExcludes.length ? new RegExp(`\\b(?:${model.flagGuards.setExcludes.join('|')})\\b`) : undefined,
    sentinelMask: new RegExp(`\\b(?:${model.sentinelMasks.names.join('|')})\\b`),
    userMappingContext: new RegExp(model.pageTableContext.requires),
    returnFacts: byName((model.returnFacts?.calls ?? []).filter(holds), (f) => f.call),
    flagRequirements: byName((model.flagRequirements ?? []).filter(holds).map((f) => ({ ...f, flagsArg: new RegExp(f.flagsArgMatches) })), (f) => f.call),
    debugOnlyCalls: new Set(model.debugOnly?.calls ?? []),
    debugOnlyConditions: new Map((model.debugOnly?.conditions ?? []).filter(holds).map((c) => [c.test.replace(/\s+/g, ''), c.when] as const)),
    crashesOnShared: new Set(model.guarantees.filter((g) => g.dereferencesSharedMarker && holds(g.dereferencesSharedMarker)).map((g) => g.acquire)),
    refusesShared: new Set(model.guarantees.filter((g) => g.refusesShared && holds(g.refusesShared)).map((g) => g.acquire)),
    largeFolios: (model.pageIdentity?.largeFolios ?? []).some(holds),
    containingFolio: new Set(model.pageIdentity?.containingFolio ?? []),
    wholeFolio: new Set(model.pageIdentity?.wholeFolio ?? []),
    headOutProducers: new Set(model.cleanProducers.calls.filter(inEra(era)).filter((c) => c.pageOutHead && holds(c.pageOutHead)).map((c) => c.name)),
    headOfFolio: new Map((model.pageIdentity?.headOfFolio ?? []).map((h) => [h.call, h.nthArg ?? -1] as const)),
    maskGuards: (model.maskGuards ?? []).filter((g): g is MaskGuardSpec => 'mask' in g).filter(holds),
    nullMappingHarmless: new Set((model.nullMappingHarmless?.functions ?? []).filter(holds).map((f) => f.function)),
    noFsdaxParams: groupParams((model.noFsdaxParams?.functions ?? []).filter(holds)),
    namesPage: new Map((model.pageIdentity?.namesPage ?? []).filter(holds).map((n) => [n.call, n.arg] as const)),
    raceMechanism: (model.raceMechanisms ?? []).find(holds)?.text,
    ruleOutFor: (sourceId, entryFunction) => (sourceId === 'entry-point'
      ? model.entryPoints.find((e) => e.function === entryFunction)?.ruleOut
      : model.sources.find((s) => s.id === sourceId)?.ruleOut),
    isHugetlbContext: (file, fn) => model.pageTableContext.excludeFiles.includes(file) || new RegExp(model.pageTableContext.excludeFunctionsMatching).test(fn),
  };
}

function groupParams(entries: ReadonlyArray<{ function: string; params: number[] }>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const e of entries) {
    const set = out.get(e.function);
    if (set) for (const p of e.params) set.add(p); else out.set(e.function, new Set(e.params));
  }
  return out;
}
