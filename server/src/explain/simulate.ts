// explain layer: the page-ownership state machine. Applies events to one
// FS-DAX page per era, following fs/dax.c's associate/disassociate code
// (fsdax-model.md §8 S1-S4). Readers and memory failure live in readers.ts.
// Deterministic: same events and era, same steps.
import { isSharedEncoding, mappingText, ownerText, ownersText } from './format';
import { applyReaderEvent } from './readers';
import { blockedBy, refused, type EventResult } from './step-result';
import { ERA_TRAITS, type Era, type PageState, type SimEvent, type Step } from './types';

export function initialState(era: Era): PageState {
  return {
    mapping: { kind: 'null' }, indexWord: 0, refcount: ERA_TRAITS[era].idleRefcount, owners: [], entryLock: null,
    allocated: false, evicted: [], poisoned: false, oopsAt: null, readers: [], epoch: 0,
  };
}

export function runEvents(events: readonly SimEvent[], era: Era): { initial: PageState; steps: Step[] } {
  const initial = initialState(era);
  const steps: Step[] = [];
  let state = initial;
  events.forEach((event, i) => {
    const work = structuredClone(state);
    const r = applyEvent(work, event, era, i + 1);
    if (r.outcome === 'applied') state = work;
    steps.push({ n: i + 1, event, outcome: r.outcome, sentence: r.sentence, state, ...(r.hazard ? { hazard: r.hazard } : {}) });
  });
  return { initial, steps };
}

function applyEvent(s: PageState, e: SimEvent, era: Era, n: number): EventResult {
  if (s.oopsAt !== null) return refused(`The kernel oopsed at step ${s.oopsAt}; nothing runs after that.`);
  switch (e.type) {
    case 'map': return map(s, e.file, e.offset, era);
    case 'map-pmd': return mapPmd(s, e.file, e.offset, era);
    case 'map-window': return mapWindow(s, e.process, e.page);
    case 'share': return share(s, e.file, e.offset, era);
    case 'unshare': return unshare(s, e.file, era);
    case 'truncate': return truncate(s, e.file, era);
    case 'evict': return evict(s, e.file);
    default: return applyReaderEvent(s, e, era, n);
  }
}

function sortOwners(s: PageState): void {
  s.owners.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.offset - b.offset));
}

function owns(s: PageState, file: string): boolean {
  return s.owners.some((o) => o.file === file);
}

/** S1: a fault through a non-shared iomap; dax_associate_entry(shared=false). */
function map(s: PageState, file: string, offset: number, era: Era): EventResult {
  if (owns(s, file)) return refused(`${file} already maps this block.`);
  if (s.owners.length) return refused(`The block belongs to ${ownersText(s.owners)}; another file can get it only by a reflink share.`);
  // 5.19-6.1 leaves {0x1, 0} on an unowned page (S3); the next plain association warns and overwrites it.
  const warn = s.mapping.kind === 'sentinel' ? ' WARN_ON_ONCE(page->mapping) fires on the leftover sentinel, which is overwritten.' : '';
  s.mapping = { kind: 'file', file };
  s.indexWord = offset;
  s.owners = [{ file, offset }];
  s.allocated = true;
  s.evicted = s.evicted.filter((f) => f !== file);
  s.epoch++;
  const ref = era === '6.15+'
    ? 'vmf_insert_page_mkwrite takes a reference for the mapping (refcount 1).'
    : 'the devmap PTE adds no reference and no mapcount (refcount stays at the idle 1).';
  if (era === '6.15+') s.refcount = 1;
  return { outcome: 'applied', sentence: `${file} faults at offset ${offset}: dax_insert_entry → dax_associate_entry writes {fm(${file}), ${offset}} under the entry lock, then unlocks; ${ref}${warn}` };
}

/** Pages in a PMD-sized extent (2 MiB of 4 KiB pages on x86-64). */
export const PMD_PAGES = 512;

/** A PMD fault over a 2 MiB extent: one compound folio from 6.15, 512 order-0 pages before. */
function mapPmd(s: PageState, file: string, offset: number, era: Era): EventResult {
  const r = map(s, file, offset, era);
  if (r.outcome !== 'applied') return r;
  const compound = ERA_TRAITS[era].compoundFolios;
  s.extent = { pages: PMD_PAGES, compound };
  const how = compound
    ? `dax_folio_init → prep_compound_page makes the ${PMD_PAGES} pages one compound folio: {fm(${file}), ${offset}} is in the head, and pfn_folio() of any tail gives the head's folio`
    : `each of the ${PMD_PAGES} pages is associated on its own (for_each_mapped_pfn): page i holds {fm(${file}), ${offset}+i}`;
  return { outcome: 'applied', sentence: `${file} faults ${PMD_PAGES} pages at ${offset} with one PMD entry: ${how}. The PMD mapping is then unmapped.` };
}

/** A process maps one page of the extent through a 4 KiB window: one PTE, for that page only. */
function mapWindow(s: PageState, process: string, page: number): EventResult {
  if (!s.extent) return refused('No PMD extent is mapped to take a window of.');
  if (page < 0 || page >= s.extent.pages) return refused(`The extent has pages 0-${s.extent.pages - 1}.`);
  const owner = s.owners[0];
  s.windows = [...(s.windows ?? []), { process, page }].sort((a, b) => (a.process < b.process ? -1 : a.process > b.process ? 1 : a.page - b.page));
  return { outcome: 'applied', sentence: `${process} mmaps only ${owner.file}@${owner.offset + page} (4 KiB) and touches it: a PTE maps page ${page} of the extent.` };
}

/** S2: the file shares the extent by FICLONE and faults it through an IOMAP_F_SHARED iomap. */
function share(s: PageState, file: string, offset: number, era: Era): EventResult {
  const t = ERA_TRAITS[era];
  if (!t.canShare) return refused('No shared FS-DAX pages in this era: XFS refuses DAX on reflinked files, and dax_associate_entry has no shared argument.');
  if (owns(s, file)) return refused(`${file} already maps this block.`);
  const blocked = blockedBy(s, `FICLONE breaks the source's layouts (dax_layout_busy_page_range waits on locked entries), so ${file}'s share`);
  if (blocked) return blocked;
  const before = s.owners.length;
  const wasShared = isSharedEncoding(s, era);
  s.owners.push({ file, offset });
  sortOwners(s);
  s.allocated = true;
  s.evicted = s.evicted.filter((f) => f !== file);
  s.epoch++;
  if (era === '6.15+') s.refcount++;
  const how = era === '5.19-6.1' ? ' (6.1 marks it only on a write fault to a shared extent, dax_fault_is_cow)' : '';
  if (!t.hasSentinel && before === 0) {
    // 6.15+: dax_folio_make_shared runs only when a prior owner is recorded.
    s.mapping = { kind: 'file', file };
    s.indexWord = offset;
    return { outcome: 'applied', sentence: `${file} faults at ${offset} through a shared iomap; with no prior owner the folio stays single-owner {fm(${file}), ${offset}} in 6.15+.` };
  }
  if (wasShared || (t.hasSentinel && before === 0)) {
    s.mapping = t.hasSentinel ? { kind: 'sentinel' } : { kind: 'null' };
    s.indexWord++;
    return { outcome: 'applied', sentence: `${file} faults at ${offset} through an IOMAP_F_SHARED iomap${how}: the share count rises to ${s.indexWord}, mapping is ${mappingText(s.mapping, era)}.` };
  }
  // A single owner becomes shared: share := 1 for the old owner, the marker is set, then share++.
  s.mapping = t.hasSentinel ? { kind: 'sentinel' } : { kind: 'null' };
  s.indexWord = 2;
  const helper = era === '6.15+' ? 'dax_folio_make_shared' : era === '6.2-6.14' ? 'dax_page_share_get' : 'dax_mapping_set_cow';
  return { outcome: 'applied', sentence: `${file} faults at ${offset} through an IOMAP_F_SHARED iomap${how}: ${helper} turns {fm(${s.owners.find((o) => o.file !== file)!.file}), …} into {${mappingText(s.mapping, era)}, 1}, then counts ${file}: {${mappingText(s.mapping, era)}, 2}. The index word no longer holds an offset.` };
}

/** dax_disassociate_entry for one owner's entry; the word arithmetic differs per era (S3). */
function disassociate(s: PageState, file: string, era: Era): string {
  s.owners = s.owners.filter((o) => o.file !== file);
  s.epoch++;
  if (era === '6.15+' && s.refcount > 0) s.refcount--;
  if (era === '5.19-6.1' && s.mapping.kind === 'sentinel') {
    // 6.1: `if (page->index-- > 0) continue;` keeps the sentinel when the count reaches 0.
    if (s.indexWord > 0) {
      s.indexWord--;
      return s.indexWord === 0
        ? 'the post-decrement `index-- > 0` leaves {0x1, 0}: a sentinel on a page nobody owns'
        : `the share count drops to ${s.indexWord}`;
    }
  } else if (isSharedEncoding(s, era)) {
    s.indexWord--;
    if (s.indexWord > 0) return `the share count drops to ${s.indexWord}${s.indexWord === 1 ? ' and the page stays marked shared' : ''}`;
  }
  s.mapping = { kind: 'null' };
  s.indexWord = 0;
  return era === '6.15+'
    ? 'the fields become {NULL, 0} (upstream may leave an order-0 folio\'s index word stale, unverified; !mapping && share is trusted only under the entry lock)'
    : 'the fields become {NULL, 0}';
}

/** S3: a CoW write moves the file to a new block; this page loses one owner. */
function unshare(s: PageState, file: string, era: Era): EventResult {
  if (!ERA_TRAITS[era].canShare) return refused('Nothing is shared in this era, so there is nothing to unshare.');
  if (!owns(s, file)) return refused(`${file} does not own this block.`);
  if (s.owners.length < 2) return refused(`${file} is the only owner: the extent is not shared on disk, so a write goes in place.`);
  const blocked = blockedBy(s, `${file}'s CoW fault`);
  if (blocked) return blocked;
  const what = disassociate(s, file, era);
  const fresh = era === '6.15+' ? 'single-owner' : `{${mappingText({ kind: 'sentinel' }, era)}, 1} (shared comes from the iomap flag)`;
  return { outcome: 'applied', sentence: `${file} writes: XFS maps a new CoW block, dax_insert_entry disassociates ${file}'s old entry from this page, so ${what}; the new block's page is ${fresh}.` };
}

/** S4: truncate or hole punch of one owner's range. */
function truncate(s: PageState, file: string, era: Era): EventResult {
  const owner = s.owners.find((o) => o.file === file);
  if (!owner) return refused(`${file} does not own this block.`);
  const blocked = blockedBy(s, `Truncate of ${file} (dax_layout_busy_page_range, then dax_delete_mapping_entry)`);
  if (blocked) return blocked;
  const wait = era === '6.15+'
    ? `dax_break_layout unmaps ${file}'s page-table entries and waits for their references`
    : 'xfs_break_dax_layouts waits only for a refcount above the idle 1, so the page is not busy';
  const what = disassociate(s, file, era);
  s.allocated = s.owners.length > 0;
  const freed = s.allocated ? `the block stays allocated to ${ownersText(s.owners)}` : 'the block is freed and may go to another file';
  const sentence = `Truncate of ${ownerText(owner)}: ${wait}; dax_delete_mapping_entry disassociates, ${what}; ${freed}.`;
  const unguarded = s.readers.filter((r) => !r.locked).map((r) => r.name);
  if (!unguarded.length) return { outcome: 'applied', sentence };
  return {
    outcome: 'applied', sentence,
    hazard: { severity: 'wrong', text: `${unguarded.join(', ')} holds what it read with no reference and no entry lock: truncate went ahead, so those values are stale, and once the inode is evicted a kept mapping is a use-after-free.` },
  };
}

function evict(s: PageState, file: string): EventResult {
  if (owns(s, file)) return refused(`${file} still owns the block; its inode is evicted only after the truncate.`);
  if (s.evicted.includes(file)) return refused(`${file}'s inode is already evicted.`);
  s.evicted.push(file);
  s.evicted.sort();
  const holders = s.readers.filter((r) => r.mapping?.word.kind === 'file' && r.mapping.word.file === file).map((r) => r.name);
  const dangling = holders.length ? ` ${holders.join(', ')} still holds fm(${file}): a dangling pointer.` : '';
  return { outcome: 'applied', sentence: `${file} is unlinked and its inode evicted: fm(${file}), its address_space, is freed.${dangling}` };
}
