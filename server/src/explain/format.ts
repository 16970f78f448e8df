// explain layer: how page fields read in words, shared by the simulator's
// sentences and every renderer, so text, hover and webview agree.
import { ERA_TRAITS, type Era, type HazardSeverity, type MappingWord, type Owner, type PageState, type ReaderView, type SimEvent } from './types';

export function mappingText(word: MappingWord, era: Era): string {
  if (word.kind === 'null') return 'NULL';
  if (word.kind === 'file') return `fm(${word.file})`;
  return `0x1 (${ERA_TRAITS[era].sentinelName})`;
}

export function ownerText(o: Owner): string {
  return `${o.file}@${o.offset}`;
}

export function ownersText(owners: readonly Owner[]): string {
  return owners.length ? owners.map(ownerText).join(', ') : 'none';
}

/**
 * The page is in the shared encoding as fs/dax.c itself tests it: the sentinel
 * (dax_mapping_is_cow, dax_page_is_shared) or, from 6.15, !mapping && share
 * (dax_folio_is_shared).
 */
export function isSharedEncoding(s: PageState, era: Era): boolean {
  if (ERA_TRAITS[era].hasSentinel) return s.mapping.kind === 'sentinel';
  return era === '6.15+' && s.mapping.kind === 'null' && s.indexWord > 0;
}

/** What the index/share word means right now. */
export function indexMeaning(s: PageState, era: Era): string {
  if (isSharedEncoding(s, era)) return s.owners.length ? 'share count' : 'leftover count';
  return s.mapping.kind === 'file' ? 'file offset' : 'unused';
}

export function fieldRows(s: PageState, era: Era): Array<[string, string]> {
  return [
    ['mapping', mappingText(s.mapping, era)],
    [ERA_TRAITS[era].indexName, `${s.indexWord} (${indexMeaning(s, era)})`],
    ['refcount', `${s.refcount} (idle ${ERA_TRAITS[era].idleRefcount})`],
    ['owners (fs rmap)', ownersText(s.owners)],
    ['entry lock', s.entryLock ?? 'free'],
    ['block allocated', s.allocated ? `yes, to ${[...new Set(s.owners.map((o) => o.file))].join(', ')}` : 'no (free)'],
    ['evicted inodes', s.evicted.length ? s.evicted.join(', ') : 'none'],
    ...s.readers.map((r): [string, string] => [`${r.name} holds`, readerText(r, era)]),
  ];
}

/** What a reader kept from the page: it may differ from the fields by now, which is the point. */
export function readerText(r: ReaderView, era: Era): string {
  const parts = [r.mapping ? `mapping ${mappingText(r.mapping.word, era)}` : '', r.index ? `index ${r.index.value}` : ''].filter(Boolean);
  return `${parts.join(', ') || 'nothing yet'} (${r.locked ? 'entry lock held' : 'no guarantee'})`;
}

export function eventLabel(e: SimEvent): string {
  switch (e.type) {
    case 'map': return `map ${e.file}@${e.offset}`;
    case 'share': return `reflink share ${e.file}@${e.offset}`;
    case 'unshare': return `unshare (CoW write) ${e.file}`;
    case 'truncate': return `truncate ${e.file}`;
    case 'evict': return `evict inode ${e.file}`;
    case 'mf-notify': return 'memory failure via fs notify';
    case 'mf-generic': return e.page ? `memory failure on page ${e.page}, generic fallback` : 'memory failure, generic fallback';
    case 'map-pmd': return `map ${e.file}@${e.offset} with one PMD`;
    case 'map-window': return `${e.process} maps page ${e.page} only`;
    case 'read': return `${e.reader} reads ${e.field === 'both' ? 'mapping+index' : e.field}`;
    case 'use': return `${e.reader} uses what it read`;
    case 'anon-test': return `${e.reader}: folio_test_anon`;
    case 'anon-vma': return `${e.reader}: folio_lock_anon_vma_read`;
    case 'address-in-vma': return `${e.reader}: page_address_in_vma`;
    case 'null-skip': return `${e.reader}: if (!folio->mapping) skip`;
    case 'pin-read': return `${e.reader}: read-only FOLL_PIN of the MAP_SHARED page`;
    case 'lock-read': return `${e.reader} takes the DAX lock, reads`;
    case 'unlock': return `${e.reader} drops the DAX lock`;
  }
}

/** How a wrong step is marked: "goes wrong" plus what kind of wrong, when it is not plain wrong. */
export function hazardMark(severity: HazardSeverity): string {
  return severity === 'crash' ? 'goes wrong: crash' : severity === 'benign' ? 'goes wrong, harmlessly here' : 'goes wrong';
}
