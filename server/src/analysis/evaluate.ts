// analysis layer: evaluating one statement or condition of a function in the
// dataflow: what each expression may hold (page, pfn, mapping, index facts),
// assignments, sources, conversions, summaries of callees, and the sites a
// rule may care about. Pure.
import type { SyntaxNode } from '../parse/parser';
import { callArguments, calleeName, fieldName, fieldReceiver, isAddressTaken, isNot, lvalueKey, stripNot, unwrap, binaryOperator } from '../parse/nodes';
import type { ModelIndex } from '../model/model';
import { composeFlags, ConcreteOrigin, Fact, joinFacts, PathStep, ValueKind, withKind, mergeOrigins, sameOrigins } from './facts';
import type { FieldMacro, FunctionUnit } from './functions';
import { MAX_FORWARD_DEPTH } from './call-alias';
import type { ParamFlags, RawSite, RawSiteKind, UseKind } from './sites';
import { canMeet, constantFlags, flagTest, isEmptyRequirement, knowledgeOf, remaining } from './flags';
import type { ArgFlags, FunctionFacts, ReturnSummaryLookup } from './function-facts';
import { callContext, callProofKey, cloneState, dropFrom, entryLevel, exclude, own, refine, State, subjectKey, updateFact, updateWith } from './flow-state';
import { constantText, forgetValue, hasValueKnowledge, knowledgeBelow, type ParamValueTest } from './value-tests';

const ARITHMETIC = new Set(['+', '-', '&', '|', '>>', '<<', '^']);
const MAPPING_FIELDS = new Set(['mapping']);
const INDEX_FIELDS = new Set(['index', 'share']);
/** Literal arguments and their truth value, for the constant conditions of a callee (site paramTruths). */
const LITERAL_TRUTH = new Map<string, boolean>([['true', true], ['false', false], ['1', true], ['0', false], ['NULL', false]]);

export interface Recorder {
  facts: FunctionFacts;
  unit: FunctionUnit;
  model: ModelIndex;
}

export function step(unit: FunctionUnit, node: SyntaxNode, label: string): PathStep {
  return { file: unit.file, function: unit.name, start: node.startIndex, end: node.endIndex, label };
}

/**
 * Per function body: the names it assigns, increments, decrements or takes the address of (then a
 * test of one says nothing of the caller's argument). Asked for every param at every site and flags
 * argument, and an Evaluator lives for one statement, so they are found once per body and kept with its node.
 */
const REASSIGNED = new WeakMap<SyntaxNode, ReadonlySet<string>>();

/** `name =` (and `name op=`), `name++`/`name--`, `++name`/`--name`, `&name`: each capturing the name. */
const ASSIGNMENTS = [/\b([A-Za-z_]\w*)\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)/g, /\b([A-Za-z_]\w*)\s*(?:\+\+|--)/g, /(?:\+\+|--)\s*([A-Za-z_]\w*)\b/g, /&\s*([A-Za-z_]\w*)\b/g];

/** Whether the function body assigns this name (then a test of it says nothing of the caller's argument). */
export function reassignedIn(unit: FunctionUnit, name: string): boolean {
  let names = REASSIGNED.get(unit.node);
  if (!names) {
    const found = new Set<string>();
    const text = unit.node.text;
    for (const re of ASSIGNMENTS) for (const m of text.matchAll(re)) found.add(m[1]);
    REASSIGNED.set(unit.node, names = found);
  }
  return names.has(name);
}

export class Evaluator {
  /** Evaluating the arguments of a debug-only macro (VM_BUG_ON_PAGE ...). */
  private inDebug = false;
  /** Mapping reads a condition tested for NULL, and the condition's truth value when they are NULL. */
  readonly nullTests: Array<{ readAt: readonly number[]; nullWhen: boolean; fact: Fact }> = [];

  constructor(
    private state: State,
    private readonly unit: FunctionUnit,
    private readonly model: ModelIndex,
    private readonly summaries: ReturnSummaryLookup,
    private readonly rec: Recorder | undefined,
    private readonly walksUserMapping: boolean,
  ) {}

  forget(key: string): void {
    for (const part of ['vars', 'locks', 'nonNullProves', 'zeroProvesOneOwner', 'consts'] as const) dropFrom(this.state, part, key);
    if (hasValueKnowledge(this.state.valueTruths, key)) forgetValue(own(this.state, 'valueTruths'), key);
  }

  assign(key: string, value: SyntaxNode | null): void {
    const f = value ? this.eval(value) : undefined;
    this.forget(key);
    dropFrom(this.state, 'excluded', key);
    if (f) own(this.state, 'vars').set(key, f);
    if (!value) return;
    const v = unwrap(value);
    const copied = lvalueKey(v);
    if (copied && this.state.excluded.has(copied)) own(this.state, 'excluded').add(key); // orig_pmd = *pmd keeps *pmd's guard
    if (v.type !== 'call_expression') return;
    const name = calleeName(v) ?? '';
    const args = callArguments(v);
    const lock = this.model.guaranteeByAcquire.get(name);
    if (lock && args[lock.subjectArg]) {
      const subject = subjectKey(args[lock.subjectArg], this.model);
      if (subject) own(this.state, 'locks').set(key, { subject, spec: lock });
    }
    const producer = this.model.cleanProducers.get(name);
    const known = this.model.returnFacts.get(name);
    const guardsArg = producer?.guardsArg ?? this.nullProofArg(name, args);
    if (guardsArg !== undefined && args[guardsArg]) {
      const proved = subjectKey(args[guardsArg], this.model);
      if (proved) own(this.state, 'nonNullProves').set(key, proved);
    }
    const checked = this.oneOwnerOnSuccessArg(name, args);
    if (checked) own(this.state, 'zeroProvesOneOwner').set(key, checked);
    if (known?.value !== undefined) own(this.state, 'consts').set(key, known.value);
  }

  /**
   * A condition: a read value tested for truth or against NULL is a null test; compared with
   * another value, a compare (a recheck when that value is an earlier read of the same page's field).
   */
  evalCondition(node: SyntaxNode): void {
    const { test: c, negated } = stripNot(node);
    if (c.type === 'comma_expression') {
      // An iterator macro's arguments (the preprocessor spells `foo_foreach(a, b) {` as a while loop):
      // what the macro does with them is unknown, so each one escapes.
      const operands = (n: SyntaxNode): SyntaxNode[] => (n.type === 'comma_expression' ? n.namedChildren.flatMap(operands) : [n]);
      for (const operand of operands(c)) this.escapes(this.eval(operand), `${c.text.slice(0, 40)}`);
      return;
    }
    const op = binaryOperator(c) ?? '';
    if (['==', '!=', '<', '>', '<=', '>='].includes(op)) {
      const left = c.childForFieldName('left')!;
      const right = c.childForFieldName('right')!;
      const l = this.eval(left);
      const r = this.eval(right);
      const isNull = (n: SyntaxNode) => ['NULL', '0'].includes(unwrap(n).text);
      const recheck = !!l && !!r && l.kind === r.kind && sameOrigins(l, r);
      if (l) this.useValue(l, isNull(right) ? 'null-test' : recheck ? 'recheck' : 'compare', c.text);
      if (r) this.useValue(r, isNull(left) ? 'null-test' : recheck ? 'recheck' : 'compare', c.text);
      const tested = isNull(right) ? l : isNull(left) ? r : undefined;
      if (tested) this.noteNullTest(tested, (op === '==') !== negated);
      return;
    }
    const f = this.eval(c);
    // `if (lookup(page))`: a callee whose body returns NULL for an FS-DAX page proves, when true, that it is not one.
    const derived = c.type === 'call_expression' ? this.nullProofArg(calleeName(c) ?? '', callArguments(c)) : undefined;
    const provedArg = derived !== undefined ? callArguments(c)[derived] : undefined;
    const proved = provedArg ? subjectKey(provedArg, this.model) : undefined;
    if (proved) own(this.state, 'nonNullProves').set(callProofKey(c), proved);
    const checked = c.type === 'call_expression' ? this.oneOwnerOnSuccessArg(calleeName(c) ?? '', callArguments(c)) : undefined;
    if (checked) own(this.state, 'zeroProvesOneOwner').set(callProofKey(c), checked);
    if (f && ['identifier', 'field_expression', 'call_expression', 'assignment_expression'].includes(c.type)) { this.useValue(f, 'null-test', c.text); this.noteNullTest(f, negated); }
    else if (f) this.useValue(f, 'escape', c.text);
  }

  /** `nullWhen`: the truth value of the whole condition (its `!`s and wrappers included) when the value is NULL. */
  private noteNullTest(f: Fact, nullWhen: boolean): void {
    if (f.kind === 'mapping' && f.readAt) this.nullTests.push({ readAt: f.readAt, nullWhen, fact: f });
  }

  /**
   * A NULL test whose answer is kept (`mapping && ...`, `!mapping` as a value) is no branch that
   * declines, but in a function where the model says NULL changes nothing for an FS-DAX folio
   * (nullMappingHarmless) it is as harmless as its branches: noted as a test, which that fact decides.
   */
  private keptNullTest(f: Fact, how: string): void {
    this.useValue(f, 'null-test', how);
    if (this.model.nullMappingHarmless.has(this.unit.name)) this.noteNullTest(f, true);
  }

  /** Evaluates `then` on the edge where `cond` has this truth value (its state is not kept: only what it records is). */
  private evalAfter(cond: SyntaxNode, truth: boolean, then: SyntaxNode): Fact | undefined {
    const saved = this.state;
    const edge = refineCompound(cloneState(saved), cond, truth, this.model);
    if (!edge) return undefined; // a kernel fact decides `cond` the other way: `then` never runs
    this.state = edge;
    try {
      return this.eval(then);
    } finally {
      this.state = saved;
    }
  }

  /** The value leaves what this function shows of it (returned, stored through a pointer). */
  escapes(f: Fact | undefined, how: string): void {
    if (f) this.useValue(f, 'escape', how);
  }

  eval(node: SyntaxNode): Fact | undefined {
    switch (node.type) {
      case 'identifier':
        return this.state.vars.get(node.text);
      case 'parenthesized_expression':
      case 'expression_statement': {
        let last: Fact | undefined;
        for (const c of node.namedChildren) last = this.eval(c);
        return last;
      }
      case 'cast_expression': {
        const v = node.childForFieldName('value');
        return v ? this.eval(v) : undefined;
      }
      case 'field_expression':
        return this.evalField(node);
      case 'pointer_expression': {
        const arg = node.childForFieldName('argument');
        return arg ? this.eval(arg) : undefined;
      }
      case 'subscript_expression': {
        const index = node.childForFieldName('index');
        if (index) this.eval(index);
        const arr = node.childForFieldName('argument');
        return arr ? this.eval(arr) : undefined;
      }
      case 'call_expression':
        return this.evalCall(node);
      case 'assignment_expression':
        return this.evalAssignment(node);
      case 'binary_expression': {
        const op = binaryOperator(node) ?? '';
        const left = node.childForFieldName('left')!;
        const l = this.eval(left);
        // `a && b` / `a || b` as a value (a debug assertion's condition, a returned test): b runs only
        // where a was true (false), as on a condition's edge; what a proves holds while b is evaluated.
        const r = op === '&&' || op === '||' ? this.evalAfter(left, op === '&&', node.childForFieldName('right')!) : this.eval(node.childForFieldName('right')!);
        // `swizzled = in_swap(f) || f->mapping`: an operand of || / && is tested for NULL, and the answer kept.
        if (op === '||' || op === '&&') for (const f of [l, r]) if (f?.kind === 'mapping') this.keptNullTest(f, node.text);
        const mapping = l?.kind === 'mapping' ? l : r?.kind === 'mapping' ? r : undefined;
        if (op === '&' && mapping && this.model.sentinelMask.test(node.text)) this.useValue(mapping, 'decode', node.text);
        return ARITHMETIC.has(op) ? l ?? r : undefined;
      }
      case 'conditional_expression': {
        const cond = node.childForFieldName('condition');
        if (cond) this.eval(cond);
        const a = node.childForFieldName('consequence');
        const b = node.childForFieldName('alternative');
        return joinFacts(a ? this.eval(a) : undefined, b ? this.eval(b) : undefined);
      }
      case 'comma_expression': {
        this.eval(node.childForFieldName('left')!);
        return this.eval(node.childForFieldName('right')!);
      }
      case 'update_expression':
      case 'unary_expression': {
        const arg = node.childForFieldName('argument');
        const f = arg ? this.eval(arg) : undefined;
        if (node.child(0)?.type !== '!') return f;
        // `!mapping` as a value (`unmapped = !folio_raw_mapping(folio)`): a NULL test whose answer is kept, not a branch that declines.
        if (f?.kind === 'mapping') this.keptNullTest(f, node.text);
        return undefined;
      }
      case 'sizeof_expression':
      case 'string_literal':
      case 'number_literal':
      case 'char_literal':
        return undefined;
      default:
        for (const c of node.namedChildren) this.eval(c);
        return undefined;
    }
  }

  private evalAssignment(node: SyntaxNode): Fact | undefined {
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    const op = node.childForFieldName('operator')?.type ?? node.child(1)?.type;
    // The left side is a write; only its receiver is read (page->mapping = x reads nothing of interest).
    if (left.type === 'field_expression') {
      const recv = fieldReceiver(left);
      const recvFact = recv ? this.eval(recv) : undefined;
      // page->mapping->host = x writes through the mapping pointer: a deref.
      if (recvFact?.kind === 'mapping' && this.model.mappingDerefFields.has(fieldName(left) ?? '')) this.useValue(recvFact, 'deref', left.text);
    }
    else if (left.type === 'subscript_expression' || left.type === 'pointer_expression') this.eval(left);
    const key = lvalueKey(left);
    if (op === '=' && key) {
      this.assign(key, right);
      const stored = this.state.vars.get(key);
      // Stored into a structure: whoever reads it there may use it any way.
      if (left.type !== 'identifier') this.escapes(stored, left.text);
      return stored;
    }
    return this.eval(right);
  }

  private evalField(node: SyntaxNode): Fact | undefined {
    const recv = fieldReceiver(node);
    const field = fieldName(node) ?? '';
    const receiverFact = recv ? this.eval(recv) : undefined;
    const key = lvalueKey(node);
    if (key && this.state.vars.has(key)) return this.state.vars.get(key);
    if (!receiverFact) return undefined;
    if (receiverFact.kind === 'page') {
      if (MAPPING_FIELDS.has(field)) { this.site('mapping-read', node, receiverFact); return { ...withKind(receiverFact, 'mapping'), readAt: [node.startIndex], pageOf: undefined }; }
      if (INDEX_FIELDS.has(field)) {
        this.site('index-read', node, receiverFact);
        const head = receiverFact.pageOf === 'containing';
        if (head) this.markSite(node, 'index-read', { headOffset: true });
        return { ...withKind(receiverFact, 'index'), readAt: [node.startIndex], pageOf: head ? 'head' : undefined };
      }
      if (field === 'page') return receiverFact.pageOf === 'containing' ? this.headOf(node.parent?.type === 'pointer_expression' ? node.parent : node, receiverFact) : receiverFact;
      return undefined;
    }
    // `&mapping->i_pages` computes an address and loads nothing: the mapping leaves in a pointer the analysis does not follow.
    if (receiverFact.kind === 'mapping' && this.model.mappingDerefFields.has(field)) this.useValue(receiverFact, isAddressTaken(node) ? 'escape' : 'deref', node.text);
    if (receiverFact.kind === 'anon_vma') this.useValue(receiverFact, 'deref', node.text);
    return undefined;
  }

  private evalCall(node: SyntaxNode): Fact | undefined {
    const name = calleeName(node);
    const args = callArguments(node);
    const debugMacro = !!name && this.model.debugOnlyCalls.has(name);
    const wasInDebug = this.inDebug;
    if (debugMacro) this.inDebug = true;
    const argFacts = args.map((a) => this.eval(a));
    this.inDebug = wasInDebug;
    if (!name) return undefined;
    return this.applyCall(node, name, args, argFacts, []);
  }

  /** A call of `name` with evaluated arguments; `via`: the forwarding macros followed to get here (call-alias.ts), outermost first. */
  private applyCall(node: SyntaxNode, name: string, args: readonly SyntaxNode[], argFacts: Array<Fact | undefined>, via: readonly string[]): Fact | undefined {
    const debugMacro = this.model.debugOnlyCalls.has(name);
    const m = this.model;
    // The arguments of a debug assertion are tested, not used: BUG/WARN is the only effect.
    if (debugMacro) { for (const f of argFacts) if (f) this.useValue(f, 'null-test', name); return undefined; }
    const conv = m.conversions.get(name);
    if (conv !== undefined) return conv >= 0 ? this.whichPage(node, name, args, argFacts[conv]) : undefined;
    const known = m.returnFacts.get(name);
    if (m.pfnToPage.has(name)) return this.whichPage(node, name, args, asPageKind(argFacts[0], 'page'));
    if (m.pageToPfn.has(name) || m.pfnConversions.has(name)) return this.whichPage(node, name, args, asPageKind(argFacts[0], 'pfn'));
    const source = m.sourceByCall.get(name);
    if (source) return this.whichPage(node, name, args, this.evalSource(node, name, args, source.id, source.entryArg, source.pagesArg, source.returns, source.referenced));
    const producer = m.cleanProducers.get(name);
    if (producer) {
      const out = producer.pageOutArg !== undefined && args[producer.pageOutArg] ? subjectKey(args[producer.pageOutArg], m) : undefined;
      // The filesystem's own page, locked: single-owner for the caller, and no maybe-FS-DAX value any more,
      // unless it is the entry's first page where the page at an index was asked for (which page it names matters).
      if (out && m.headOutProducers.has(name)) own(this.state, 'vars').set(out, this.entryHead(node, name));
      else exclude(this.state, out);
      return undefined;
    }
    const referenced = m.returnsReferenced.get(name);
    if (referenced !== undefined) return argFacts[referenced] && { ...argFacts[referenced]!, guaranteed: true };
    const refArg = m.referencesArg.get(name);
    if (refArg !== undefined && args[refArg]) updateFact(this.state, subjectKey(args[refArg], m), { guaranteed: true });
    const release = m.guaranteeByRelease.get(name);
    if (release && args[release.subjectArg]) updateFact(this.state, subjectKey(args[release.subjectArg], m), { guaranteed: false });
    const macro = this.unit.fieldMacros?.get(name);
    if (macro && argFacts[macro.arg]?.kind === 'page') return this.macroFieldRead(node, argFacts[macro.arg]!, macro);
    const siteKind = m.siteKindByCall.get(name);
    let helperResult: Fact | undefined;
    if (siteKind) {
      const i = argFacts.findIndex((f) => f?.kind === 'page');
      const flagCheck = i >= 0 ? this.helperFlagCheck(name, siteKind, args, i) : undefined;
      if (flagCheck?.canHurt) {
        this.site(siteKind, node, argFacts[i]!, name, flagCheck.open);
        if (siteKind === 'anon-test' && isGuardClauseTest(node)) this.markSite(node, siteKind, { guardClause: true });
        if (siteKind === 'index-helper') {
          // A helper that takes the page it means (page_pgoff(folio, page)) gives that page's offset; the head page passed
          // there is charged where the head was taken (namesPage below). Else the offset is the folio's: its head's.
          const head = !m.namesPage.has(name) && argFacts[i]!.pageOf === 'containing';
          if (head) this.markSite(node, siteKind, { headOffset: true });
          helperResult = { ...withKind(argFacts[i]!, 'index'), readAt: [node.startIndex], pageOf: head ? 'head' : undefined };
        }
        // An index helper that is itself an offset sink (vma_address(page, vma)) uses the index as an offset.
        if (siteKind === 'index-helper' && m.indexSinks.has(name)) this.useValue(helperResult!, 'sink', name);
        // folio_mapping() and friends mask the shared marker: the result is NULL, not 0x1.
        if (siteKind === 'mapping-helper' && /mapping$/.test(name)) helperResult = { ...withKind(argFacts[i]!, 'mapping'), mayBeShared: false };
        // The anon_vma is tracked until a NULL test: dereferenced before one, it is a NULL dereference for a shared page.
        const nullForFsdax = this.nullProofArg(name, args) === i;
        if (siteKind === 'anon-vma') helperResult = { ...withKind(argFacts[i]!, 'anon_vma'), readAt: [node.startIndex], ...(nullForFsdax ? { nullForFsdax: true } : {}) };
      }
      // Past a lock that dereferences a shared page's marker, the page was not shared when it was called.
      if (i >= 0 && m.crashesOnShared.has(name) && args[i]) this.sharedOnlyByRace(subjectKey(args[i], m));
    }
    const named = m.namesPage.get(name);
    if (named !== undefined && argFacts[named]?.kind === 'page') this.useValue(argFacts[named]!, 'identity', `${name}()`);
    // unmap_mapping_range(mapping, offset, ...) is both: a deref of its mapping and a sink of its offset.
    if (m.indexSinks.has(name)) for (const f of argFacts) if (f?.kind === 'index') this.useValue(f, 'sink', name);
    if (m.mappingDerefCalls.has(name) || name.startsWith('mapping_')) {
      for (const f of argFacts) if (f?.kind === 'mapping') this.useValue(f, 'deref', node.text);
      return undefined;
    }
    if (m.anonVmaDerefCalls.has(name)) for (const f of argFacts) if (f?.kind === 'anon_vma') this.useValue(f, 'deref', node.text);
    const owner = m.singleOwnerTests.get(name);
    if (owner?.singleOwnerWhen === true && m.sharedMappingIsNull && argFacts[owner.arg]?.kind === 'page') {
      // Where a shared folio's mapping is NULL, a lookup that answers the mapping (NULL for a shared folio) is a read of it.
      this.site('mapping-read', node, argFacts[owner.arg]!, name);
      return { ...withKind(argFacts[owner.arg]!, 'mapping'), readAt: [node.startIndex], pageOf: undefined };
    }
    if (m.guards.has(name) || m.contextGuards.has(name) || owner) return undefined;
    const summary = this.summaries(name, this.unit.file, !argFacts.some((f) => f));
    // A macro that only forwards (`#define split_one(f) split_one_to_list(f, NULL)`) is the call it forwards to.
    // Asked only where a value is passed: a header parsed for each macro any analysed function calls would cost more than it finds.
    const alias = !summary && via.length < MAX_FORWARD_DEPTH && argFacts.some((f) => f) ? this.summaries.alias?.(name, this.unit.file) : undefined;
    if (alias && alias.params === args.length) {
      const forwarded = alias.args.map((a) => ('param' in a ? args[a.param] : a.expression));
      const forwardedFacts = alias.args.map((a) => ('param' in a ? argFacts[a.param] : this.eval(a.expression)));
      return this.applyCall(node, alias.target, forwarded, forwardedFacts, [...via, name]);
    }
    argFacts.forEach((f, i) => {
      const identity = f?.kind === 'page' ? summary?.identityParams.get(i) : undefined;
      if (identity) this.useValue(f!, 'identity', `${name}() -> ${identity}`);
      if (!f || (f.kind !== 'mapping' && f.kind !== 'index' && f.kind !== 'anon_vma')) return;
      // A value handed to code the tree does not show (a header inline, a macro) may be used any way.
      if (!summary) {
        if (!siteKind && !known) { this.useValue(f, 'escape', `${name}()`); this.summaries.escapedWithout?.(name, this.unit.file); }
        return;
      }
      const deref = summary.derefParams.get(i);
      if (deref && f.kind === 'mapping') this.useValue(f, 'deref', `${name}() -> ${deref}`);
      const sink = summary.sinkParams.get(i);
      if (sink && f.kind === 'index') this.useValue(f, 'sink', `${name}() -> ${sink}`);
    });
    if (this.rec) {
      const here = callContext(this.state);
      const prev = this.rec.facts.callContexts.get(name);
      this.rec.facts.callContexts.set(name, prev ? new Set([...prev].filter((c) => here.has(c))) : here);
    }
    if (this.rec) {
      const argFlags = args.map((a) => this.argFlags(a));
      // A call carrying no FS-DAX value still matters when it fixes (or passes on) flags its callee's sites depend on.
      const scalarParam = (f: ArgFlags) => f.param !== undefined && !this.unit.params[f.param].type.includes('*');
      if (argFacts.some((f) => f) || argFlags.some((f) => f && (f.exact || f.set.length > 0 || f.clear.length > 0 || scalarParam(f)))) {
        const argLiterals = args.map((a) => LITERAL_TRUTH.get(unwrap(a).text));
        const excludedParams = this.excludedParams();
        const paramConds = this.paramConds();
        const argConds = args.map((a) => this.argConds(a));
        const argParams = args.map((a) => this.ownParam(a));
        this.rec.facts.calls.push({
          callee: name, ...(via.length > 0 ? { via: [...via] } : {}), start: node.startIndex, end: node.endIndex, argFacts, text: node.text.length > 80 ? `${via[0] ?? name}(...)` : node.text,
          ...(argLiterals.some((l) => l !== undefined) ? { argLiterals } : {}),
          ...(argFlags.some((f) => f) ? { argFlags } : {}),
          ...(paramConds.length > 0 ? { paramConds } : {}),
          ...(argConds.some((c) => c) ? { argConds } : {}),
          ...(argParams.some((p) => p !== undefined) ? { argParams } : {}),
          ...(this.state.debugOnly || this.inDebug ? { debugOnly: true } : {}),
          ...(excludedParams.length > 0 ? { excludedParams } : {}),
        });
      }
    }
    if (known?.value !== undefined) return undefined;
    return helperResult ?? this.returnOf(name, node, summary?.returnFact, argFacts);
  }

  /**
   * Which page of a folio a converted value names, where FS-DAX folios can be large: the folio of
   * one page contains it (`containing`), a PMD/PUD lookup gives a whole folio, and the head page or
   * pfn of a containing folio is recorded as a `head-page` site (see PageOf).
   */
  private whichPage(node: SyntaxNode, name: string, args: readonly SyntaxNode[], f: Fact | undefined): Fact | undefined {
    const m = this.model;
    if (!f || !m.largeFolios) return f;
    if (m.wholeFolio.has(name)) return { ...f, pageOf: 'whole' };
    if (m.containingFolio.has(name)) return f.pageOf === 'whole' ? f : { ...f, pageOf: 'containing', readAt: undefined };
    const nth = m.headOfFolio.get(name);
    if (nth === undefined) return f;
    // folio_page(folio, i) for another i names page i: one particular page again.
    const isHead = nth < 0 || ['0', '0UL'].includes(unwrap(args[nth] ?? node).text);
    if (!isHead) return f.pageOf === 'containing' || f.pageOf === 'whole' ? { ...f, pageOf: undefined, readAt: undefined } : f;
    return f.pageOf === 'containing' ? this.headOf(node, f) : f;
  }

  /** The first page of the DAX entry a lookup locked, standing where the page at the index it was asked for is meant. */
  private entryHead(node: SyntaxNode, name: string): Fact {
    const origin: ConcreteOrigin = { sourceId: 'entry-lock', steps: [step(this.unit, node, `${name}() writes the first page of the entry it locked (a PMD entry's first page)`)] };
    const fact: Fact = { kind: 'page', origins: [{ concrete: origin }], mayBeShared: false, mayBeSingleOwner: true, guaranteed: true };
    this.site('head-page', node, fact, name);
    return { ...fact, pageOf: 'head', readAt: [node.startIndex] };
  }

  /** The head page (or pfn) of a folio that contains one particular page: a `head-page` site, charged with what the head is used for. */
  private headOf(node: SyntaxNode, folio: Fact): Fact {
    this.site('head-page', node, folio);
    return { ...folio, pageOf: 'head', readAt: [node.startIndex] };
  }

  /** A local `#define OWNER(p) ((p)->mapping)` used as OWNER(page): the read happens at the use. */
  private macroFieldRead(node: SyntaxNode, page: Fact, macro: FieldMacro): Fact | undefined {
    const kind = macro.field === 'mapping' ? 'mapping-read' : 'index-read';
    this.site(kind, node, page);
    const value: Fact = { ...withKind(page, macro.field === 'mapping' ? 'mapping' : 'index'), readAt: [node.startIndex] };
    if (macro.derefField && this.model.mappingDerefFields.has(macro.derefField)) { this.useValue(value, 'deref', node.text); return undefined; }
    return value;
  }

  /**
   * Charges a use of a mapping/index/anon_vma value to the reads it came from (or, for derefs
   * and sinks, to this function's params). A dereference of a page's mapping also ends the
   * shared state on the path: had the page been shared, that was a read at address 0x1.
   */
  private useValue(f: Fact, use: 'deref' | 'sink' | 'identity' | 'decode' | 'compare' | 'recheck' | 'null-test' | 'escape', how: string): void {
    if (use === 'deref' && f.kind === 'mapping') this.sharedOnlyByRaceOf(f);
    if (!this.rec) return;
    const kind: UseKind = use === 'sink' ? 'offset' : use;
    for (const at of f.readAt ?? []) {
      const site = this.rec.facts.sites.find((s) => s.start === at && (s.kind === 'mapping-read' || s.kind === 'index-read' || s.kind === 'index-helper' || s.kind === 'anon-vma' || s.kind === 'head-page'));
      if (!site) continue;
      // A value a test on this path proved is not the shared encoding (the anon test that the marker would have
      // passed took its other branch; a NULL test in 6.15+) is dereferenced as a real mapping, stale at worst.
      const provenNotShared = !f.mayBeShared && site.fact.mayBeShared;
      if (use === 'deref' && !provenNotShared && !site.derefBy) site.derefBy = how;
      if (use === 'deref' && provenNotShared && !site.derefNotShared) site.derefNotShared = how;
      if (use === 'sink' && !site.sink) site.sink = how;
      if (use === 'identity' && !site.identityBy) site.identityBy = how;
      if (use === 'decode') site.decoded = true;
      if (!(site.uses ?? []).includes(kind)) site.uses = [...(site.uses ?? []), kind];
    }
    if (use !== 'deref' && use !== 'sink' && use !== 'identity') return;
    // A param's own value (not a head taken from it): the callee uses what its caller passes.
    if (use === 'identity' && f.pageOf) return;
    for (const o of f.origins) {
      if (!('param' in o) || this.unit.params[o.param]?.kind !== f.kind) continue;
      const map = use === 'deref' ? this.rec.facts.derefParams : use === 'sink' ? this.rec.facts.sinkParams : this.rec.facts.identityParams;
      if (!map.has(o.param)) map.set(o.param, how);
    }
  }

  private evalSource(node: SyntaxNode, name: string, args: readonly SyntaxNode[], sourceId: string, entryArg?: number, pagesArg?: string, returns?: boolean, referenced = false): Fact | undefined {
    if (this.state.noFsdaxContext || this.model.noFsdaxFunctions.has(this.unit.name)) return undefined;
    if (entryArg !== undefined) {
      const entryKey = args[entryArg] ? subjectKey(args[entryArg], this.model) : undefined;
      const level = entryLevel(name);
      if (!this.walksUserMapping || this.state.noFsdaxContext || (level && this.state.excludedLevels.has(level)) || (entryKey && (this.state.excluded.has(entryKey) || this.state.excluded.has(entryKey.replace(/^\*/, ''))))) return undefined;
    }
    const level = entryLevel(name);
    if (this.rec && entryArg !== undefined && level) this.rec.facts.pageTableLevels.add(level);
    const fact = this.concrete(node, sourceId, `${node.text.length > 60 ? `${name}(...)` : node.text} may yield an FS-DAX page`, entryArg !== undefined ? entryLevel(name) : undefined, referenced);
    if (pagesArg) {
      const target = args.find((a) => a.text === pagesArg) ??
        args.find((a) => new RegExp(`(^|[^\\w])${pagesArg}$`).test(a.text) && !/\bn(r_)?pages$/.test(a.text)) ??
        args.find((a) => /^&\s*\w+$/.test(a.text)); // get_user_pages(addr, 1, flags, &page)
      const key = target ? subjectKey(target, this.model) : undefined;
      if (key) own(this.state, 'vars').set(key, fact);
      return undefined;
    }
    return entryArg !== undefined || returns ? fact : undefined;
  }

  private concrete(node: SyntaxNode, sourceId: string, label: string, level?: string, referenced = false): Fact {
    const origin: ConcreteOrigin = { sourceId, steps: [{ ...step(this.unit, node, label), ...(level ? { level } : {}) }] };
    return { kind: 'page', origins: [{ concrete: origin }], mayBeShared: this.model.hasSharedPages, mayBeSingleOwner: true, guaranteed: referenced };
  }

  /** The caller-side fact of `callee(args)`, from the callee's return summary with its params replaced by the arguments. */
  private returnOf(callee: string, node: SyntaxNode, summary: Fact | undefined, argFacts: Array<Fact | undefined>): Fact | undefined {
    if (!summary) return undefined;
    let result: Fact | undefined;
    for (const o of summary.origins) {
      if ('param' in o) {
        const a = argFacts[o.param];
        if (a) result = joinFacts(result, { kind: summary.kind, origins: a.origins, ...composeFlags(summary, a), ...(summary.nullForFsdax ? { nullForFsdax: true } : {}) });
      } else {
        const callStep = step(this.unit, node, `${callee}() returns a maybe-FS-DAX ${summary.kind}`);
        const origin: ConcreteOrigin = { sourceId: o.concrete.sourceId, steps: [callStep, ...o.concrete.steps] };
        result = joinFacts(result, { kind: summary.kind, origins: mergeOrigins([], [{ concrete: origin }]), mayBeShared: summary.mayBeShared, mayBeSingleOwner: summary.mayBeSingleOwner, guaranteed: summary.guaranteed,
          sharedNeedsRace: summary.sharedNeedsRace, anonTested: summary.anonTested, nullForFsdax: summary.nullForFsdax });
      }
    }
    return result;
  }

  private site(kind: RawSiteKind, node: SyntaxNode, fact: Fact, helper?: string, helperFlags?: ParamFlags): void {
    if (!this.rec) return;
    if (this.rec.facts.sites.some((s) => s.start === node.startIndex && s.kind === kind)) return;
    const paramTruths = this.unit.params.flatMap((p, param) => {
      const truthy = this.state.truths.get(p.name);
      return truthy === undefined || this.reassigned(p.name) ? [] : [{ param, truthy }];
    });
    const excludedParams = this.excludedParams();
    const paramConds = this.paramConds();
    const shortCircuit = flagsTestedBefore(node);
    const paramFlags: ParamFlags[] = this.unit.params.flatMap((p, param) => {
      const tested = this.state.flagTruths.get(p.name);
      const before = shortCircuit.get(p.name);
      if ((!tested && !before) || this.reassigned(p.name)) return [];
      const set = new Set([...(tested?.set ?? []), ...(before?.set ?? [])]);
      const clear = new Set([...(tested?.clear ?? []), ...(before?.clear ?? [])]);
      return [{ param, set: [...set].sort(), clear: [...clear].sort() }];
    });
    if (helperFlags) {
      const same = paramFlags.find((f) => f.param === helperFlags.param);
      if (same) { same.set = [...new Set([...same.set, ...helperFlags.set])].sort(); same.clear = [...new Set([...same.clear, ...helperFlags.clear])].sort(); }
      else paramFlags.push(helperFlags);
    }
    this.rec.facts.sites.push({
      kind, file: this.unit.file, function: this.unit.name, start: node.startIndex, end: node.endIndex,
      expr: node.text.length > 80 ? `${node.text.slice(0, 77)}...` : node.text, fact, helper,
      ...helperConsequence(helper ? this.model.flagRequirements.get(helper) : undefined),
      ...(paramTruths.length > 0 ? { paramTruths } : {}),
      ...(excludedParams.length > 0 ? { excludedParams } : {}),
      ...(paramFlags.length > 0 ? { paramFlags } : {}),
      ...(paramConds.length > 0 ? { paramConds } : {}),
      ...(this.state.debugOnly || this.inDebug ? { debugOnly: true } : {}),
    });
  }

  private markSite(node: SyntaxNode, kind: RawSiteKind, change: Partial<RawSite>): void {
    const site = this.rec?.facts.sites.find((s) => s.start === node.startIndex && s.kind === kind);
    if (site) Object.assign(site, change);
  }

  /** What this path knows of the function's own (never assigned) params and their fields, compared with constants. */
  private paramConds(): ParamValueTest[] {
    if (this.state.valueTruths.size === 0) return [];
    return this.unit.params.flatMap((p, param) => (!p.name || this.reassigned(p.name) ? [] : knowledgeBelow(this.state.valueTruths, p.name).map((k) => ({ param, ...k }))));
  }

  /** What this path knows of an argument's value: a constant, or what was compared of the variable and its fields. */
  private argConds(arg: SyntaxNode): ReturnType<typeof knowledgeBelow> | undefined {
    const constant = constantText(arg);
    if (constant) return [{ path: '', eq: constant, ne: [] }];
    const key = lvalueKey(unwrap(arg));
    const known = key ? knowledgeBelow(this.state.valueTruths, key) : [];
    return known.length > 0 ? known : undefined;
  }

  /** The param an argument is, when the function never assigns it (so what a callee needs of it is needed of the param). */
  private ownParam(arg: SyntaxNode): number | undefined {
    const n = unwrap(arg);
    if (n.type !== 'identifier') return undefined;
    const i = this.unit.params.findIndex((p) => p.name === n.text);
    return i >= 0 && !this.reassigned(n.text) ? i : undefined;
  }

  /** Page params proven not FS-DAX on every path here. */
  private excludedParams(): number[] {
    return this.unit.params.flatMap((p, param) => (p.kind === 'page' && this.state.excluded.has(p.name) && !this.reassigned(p.name) ? [param] : []));
  }

  /** What this function knows of a flags argument: a constant expression, or a param with the bits this path tested. */
  private argFlags(arg: SyntaxNode): ArgFlags | undefined {
    const constant = constantFlags(arg);
    if (constant && !/^(NULL|true|false)$/.test(unwrap(arg).text)) return { set: [...new Set(constant)].sort(), clear: [], exact: true };
    const n = unwrap(arg);
    if (n.type === 'binary_expression' && binaryOperator(n) === '|') {
      // `gup_flags | FOLL_PIN`: those bits are set, the rest is the param's.
      const parts = [n.childForFieldName('left')!, n.childForFieldName('right')!].map((x) => this.argFlags(x));
      if (parts.every((x) => x)) {
        const param = parts.find((x) => x!.param !== undefined)?.param;
        return { set: [...new Set(parts.flatMap((x) => x!.set))].sort(), clear: [], exact: parts.every((x) => x!.exact), ...(param !== undefined ? { param } : {}) };
      }
      return undefined;
    }
    if (n.type !== 'identifier') return undefined;
    const param = this.unit.params.findIndex((p) => p.name === n.text);
    const known = this.state.flagTruths.get(n.text);
    if (param < 0 || this.reassigned(n.text)) return known ? { set: [...known.set].sort(), clear: [...known.clear].sort(), exact: false } : undefined;
    return { set: [...(known?.set ?? [])].sort(), clear: [...(known?.clear ?? [])].sort(), exact: false, param };
  }

  /**
   * A helper that needs flags (gup_must_unshare: FOLL_PIN without FOLL_WRITE) cannot hurt when its
   * flags argument rules that out; `open`: the part of the requirement that rests on this function's
   * params, for its callers to settle.
   */
  private helperFlagCheck(name: string, kind: RawSiteKind, args: readonly SyntaxNode[], pageArg: number): { canHurt: boolean; open?: ParamFlags } {
    // What the helper's body shows (every site of this kind in it needs these flags, by position) decides;
    // the model's name-keyed requirement (flags argument by pattern) is the fallback for a body not in the tree.
    const derived = this.summaries(name, this.unit.file)?.siteFlagNeeds?.[kind]?.[0];
    const named = derived ? undefined : this.model.flagRequirements.get(name);
    const req = derived ?? named;
    const at = derived ? derived.param : named ? args.findIndex((a, i) => i !== pageArg && named.flagsArg.test(unwrap(a).text)) : -1;
    const arg = at >= 0 && args[at] ? this.argFlags(args[at]) : undefined;
    if (!req || !arg) return { canHurt: true };
    const known = knowledgeOf(arg);
    if (!canMeet(known, req)) return { canHurt: false };
    const open = remaining(known, req);
    return arg.param !== undefined && !isEmptyRequirement(open) ? { canHurt: true, open: { param: arg.param, set: [...open.set], clear: [...open.clear] } } : { canHurt: true };
  }

  /** Past a dereference of the page's marker (or a lock that does one), the page can be shared only by a race. */
  private sharedOnlyByRace(key: string | undefined): void {
    updateWith(this.state, key, (f) => (f.mayBeShared ? { ...f, sharedNeedsRace: true } : f));
  }

  private sharedOnlyByRaceOf(mapping: Fact): void {
    for (const [k, f] of this.state.vars) {
      if (f.kind === 'page' && f.mayBeShared && !f.sharedNeedsRace && sameOrigins(f, mapping)) own(this.state, 'vars').set(k, { ...f, sharedNeedsRace: true });
    }
  }

  private reassigned(name: string): boolean {
    return reassignedIn(this.unit, name);
  }

  /**
   * The argument a non-NULL (true) result of the call proves is not FS-DAX: what the callee's body shows
   * (a derived return fact), else the model's name-keyed fact (the body is not in the analysed tree).
   */
  /** The page a 0 result of the call says was seen with one owner (the callee's body shows it: CalleeSummary.oneOwnerOnSuccess), as a state key. */
  private oneOwnerOnSuccessArg(name: string, args: readonly SyntaxNode[]): string | undefined {
    if (!this.model.sharedMappingIsNull) return undefined;
    const keys = args.map((a) => subjectKey(a, this.model));
    if (!keys.some((k) => k !== undefined && this.state.vars.has(k))) return undefined;
    const i = this.summaries(name, this.unit.file)?.oneOwnerOnSuccess?.[0];
    return i !== undefined ? keys[i] : undefined;
  }

  private nullProofArg(name: string, args: readonly SyntaxNode[]): number | undefined {
    // What it proves matters only for an argument that holds a value: else the callee is looked up only if analysed.
    const holdsValue = args.some((a) => { const k = subjectKey(a, this.model); return k !== undefined && this.state.vars.has(k); });
    const derived = this.summaries(name, this.unit.file, !holdsValue)?.nullForFsdax?.[0];
    if (derived !== undefined) return derived;
    const known = this.model.returnFacts.get(name);
    return known?.forFsdax ? known.arg : undefined;
  }
}

/**
 * What a compound condition proves when it has this truth value: `a && b` true proves both, `a || b`
 * false proves neither holds (the CFG splits conditions of statements; this is for conditions used as values).
 */
function refineCompound(state: State, cond: SyntaxNode, truth: boolean, model: ModelIndex): State | undefined {
  const { test: c, negated } = stripNot(cond);
  const value = negated ? !truth : truth;
  const op = binaryOperator(c);
  if ((op === '&&' && value) || (op === '||' && !value)) {
    const first = refineCompound(state, c.childForFieldName('left')!, value, model);
    return first && refineCompound(first, c.childForFieldName('right')!, value, model);
  }
  return refine(state, cond, truth, model);
}

/**
 * Flag tests an expression makes before reaching `node` through `&&` (`(flags & FOLL_PIN) && PageAnon(page)`:
 * the call runs only with FOLL_PIN set), by tested identifier. Conditions of statements are the CFG's.
 */
function flagsTestedBefore(node: SyntaxNode): Map<string, { set: string[]; clear: string[] }> {
  const out = new Map<string, { set: string[]; clear: string[] }>();
  const note = (operand: SyntaxNode) => {
    const { test: c, negated } = stripNot(operand);
    const truth = !negated;
    const t = flagTest(c);
    if (!t || (truth && t.flags.length !== 1)) return;
    const known = out.get(t.subject) ?? { set: [], clear: [] };
    if (truth) known.set.push(t.flags[0]); else known.clear.push(...t.flags);
    out.set(t.subject, known);
  };
  const leftOperands = (n: SyntaxNode): SyntaxNode[] => (n.type === 'binary_expression' && binaryOperator(n) === '&&' ? [...leftOperands(n.childForFieldName('left')!), n.childForFieldName('right')!] : [n]);
  let n = node;
  for (let p = n.parent; p && p.type !== 'expression_statement' && !p.type.endsWith('_statement') && p.type !== 'compound_statement'; n = p, p = p.parent) {
    if (p.type === 'binary_expression' && binaryOperator(p) === '&&' && p.childForFieldName('right')?.id === n.id) leftOperands(p.childForFieldName('left')!).forEach(note);
  }
  return out;
}

/**
 * `if (!test(x) || other) return;` with no else: when the test fails the function (or loop
 * iteration) just leaves, so the test decides nothing but whether the code below runs.
 */
export function isGuardClauseTest(call: SyntaxNode): boolean {
  let n: SyntaxNode = call;
  let negated = false;
  for (;;) {
    const p = n.parent;
    if (!p) return false;
    if (p.type === 'parenthesized_expression') { n = p; continue; }
    if (isNot(p)) { negated = !negated; n = p; continue; }
    if (p.type === 'binary_expression' && binaryOperator(p) === '||') { n = p; continue; }
    if (p.type !== 'if_statement' || p.childForFieldName('condition')?.id !== n.id || p.childForFieldName('alternative')) return false;
    if (!negated) return false;
    let body = p.childForFieldName('consequence');
    while (body?.type === 'compound_statement' && body.namedChildCount === 1) body = body.namedChild(0);
    return !!body && ['return_statement', 'continue_statement', 'break_statement', 'goto_statement'].includes(body.type);
  }
}

function helperConsequence(req: { consequence?: string; scenario?: string } | undefined): Partial<RawSite> {
  return req?.consequence ? { consequence: req.consequence, ...(req.scenario ? { scenario: req.scenario } : {}) } : {};
}


/** A page <-> pfn conversion: the same page, so which page of a folio it names (and where a head was taken) stays. */
function asPageKind(f: Fact | undefined, kind: ValueKind): Fact | undefined {
  if (!f) return undefined;
  return f.pageOf === 'head' ? { ...f, kind } : withKind(f, kind);
}
