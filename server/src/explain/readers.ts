// explain layer: code outside the filesystem looking at the page. Unguarded
// readers, anon tests and anon_vma lookups (fsdax-model.md §3), a reader that
// takes the DAX lock first (§5), and memory failure through the filesystem or
// the generic fallback (S5, the seed thread). Fields are read, never changed.
import { indexMeaning, isSharedEncoding, mappingText, ownersText } from './format';
import { blockedBy, refused, type EventResult } from './step-result';
import { ERA_TRAITS, type Era, type PageState, type ReaderView, type SimEvent } from './types';

type ReaderEvent = Exclude<SimEvent, { type: 'map' | 'share' | 'unshare' | 'truncate' | 'evict' | 'map-pmd' | 'map-window' }>;

export function applyReaderEvent(s: PageState, e: ReaderEvent, era: Era, n: number): EventResult {
  switch (e.type) {
    case 'read': return read(s, reader(s, e.reader), e.field, era);
    case 'use': return use(s, e.reader, era, n);
    case 'anon-test': return anonTest(s, reader(s, e.reader), era);
    case 'anon-vma': return anonVma(s, reader(s, e.reader), era);
    case 'address-in-vma': return addressInVma(s, reader(s, e.reader), era);
    case 'null-skip': return nullSkip(s, reader(s, e.reader), era);
    case 'pin-read': return pinRead(s, reader(s, e.reader), era);
    case 'lock-read': return lockRead(s, e.reader, era, n);
    case 'unlock': return unlock(s, e.reader, era);
    case 'mf-notify': return notifyFailure(s, era);
    case 'mf-generic': return e.page !== undefined && s.extent ? pageFailure(s, e.page, era) : genericFailure(s, era, n);
  }
}

function reader(s: PageState, name: string): ReaderView {
  let r = s.readers.find((x) => x.name === name);
  if (!r) {
    r = { name, locked: false };
    s.readers.push(r);
    s.readers.sort((a, b) => (a.name < b.name ? -1 : 1));
  }
  return r;
}

function lockName(era: Era): string {
  return ERA_TRAITS[era].lockName;
}

const NO_GUARANTEE = 'correct for now, but nothing stops truncate from freeing the block under it';

function read(s: PageState, r: ReaderView, field: 'mapping' | 'index' | 'both', era: Era): EventResult {
  const shared = isSharedEncoding(s, era);
  const parts: string[] = [];
  if (field !== 'index') {
    r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
    parts.push(`mapping ${mappingText(s.mapping, era)}`);
  }
  if (field !== 'mapping') {
    r.index = { value: s.indexWord, epoch: s.epoch };
    parts.push(`${ERA_TRAITS[era].indexName} ${s.indexWord}`);
  }
  const saw = `${r.name} reads ${parts.join(' and ')}`;
  if (r.mapping && r.index && r.mapping.epoch !== r.index.epoch) {
    return { outcome: 'applied', sentence: `${saw}.`, hazard: { severity: 'wrong', text: `${r.name} now holds a torn pair: a mapping and an index from two different associations of the block.` } };
  }
  if (shared) {
    const wrong: string[] = [];
    if (field !== 'index') wrong.push(s.mapping.kind === 'sentinel' ? '0x1 is a marker, not an address_space' : `NULL although ${ownersText(s.owners)} own it: only the filesystem knows the owners`);
    if (field !== 'mapping') wrong.push(`${s.indexWord} is a ${indexMeaning(s, era)}, not a file offset`);
    return { outcome: 'applied', sentence: `${saw}.`, hazard: { severity: 'wrong', text: `${wrong.join('; ')}.` } };
  }
  if (r.locked) return { outcome: 'applied', sentence: `${saw}: stable under the entry lock.` };
  if (s.mapping.kind === 'null') return { outcome: 'applied', sentence: `${saw}: no owner recorded.` };
  return { outcome: 'applied', sentence: `${saw}: ${NO_GUARANTEE}.` };
}

/** The reader acts on what it read earlier: dereferences the mapping, passes the index to vma_address. */
function use(s: PageState, name: string, era: Era, n: number): EventResult {
  const r = s.readers.find((x) => x.name === name);
  if (!r || (!r.mapping && !r.index)) return refused(`${name} has read nothing to use.`);
  const m = r.mapping?.word;
  if (m?.kind === 'sentinel') {
    s.oopsAt = n;
    return { outcome: 'applied', sentence: `${name} uses mapping 0x1 as an address_space (mapping->host, i_mmap_lock_read).`, hazard: { severity: 'crash', text: 'a read at address 0x1: an oops.' } };
  }
  if (m?.kind === 'file' && s.evicted.includes(m.file)) {
    return { outcome: 'applied', sentence: `${name} dereferences fm(${m.file}).`, hazard: { severity: 'crash', text: `fm(${m.file}) was freed when the inode was evicted: a use-after-free.` } };
  }
  const current = (epoch: number) => epoch === s.epoch;
  if ((r.index && !current(r.index.epoch)) || (r.mapping && !current(r.mapping.epoch))) {
    return { outcome: 'applied', sentence: `${name} acts on values read before the block changed owners.`, hazard: { severity: 'wrong', text: `what ${name} read no longer describes the block: it unmaps or signals the wrong range.` } };
  }
  if (r.index && isSharedEncoding(s, era)) {
    return { outcome: 'applied', sentence: `${name} passes ${r.index.value} to vma_address as a page offset.`, hazard: { severity: 'wrong', text: `${r.index.value} is a share count: the address is in the wrong place.` } };
  }
  if (m?.kind === 'null') {
    const dropped = isSharedEncoding(s, era) ? `, silently dropping ${ownersText(s.owners)}` : '';
    return { outcome: 'applied', sentence: `${name} sees a NULL mapping and skips the page${dropped}.`, ...(dropped ? { hazard: { severity: 'benign' as const, text: 'no crash, but the owners are never found.' } } : {}) };
  }
  return { outcome: 'applied', sentence: `${name} uses its values; they still describe the block${r.locked ? ' (the entry lock holds them)' : ', by luck of timing'}.` };
}

function anonTest(s: PageState, r: ReaderView, era: Era): EventResult {
  r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
  if (s.mapping.kind === 'sentinel') {
    return { outcome: 'applied', sentence: `${r.name} calls folio_test_anon: mapping 0x1 has the PAGE_MAPPING_ANON bit, so it returns true.`, hazard: { severity: 'wrong', text: 'a file-backed FS-DAX page takes the anon-only path.' } };
  }
  if (isSharedEncoding(s, era)) {
    return { outcome: 'applied', sentence: `${r.name} calls folio_test_anon: false, mapping is NULL.`, hazard: { severity: 'benign', text: 'the file path runs with a NULL mapping: the owners are silently skipped.' } };
  }
  return { outcome: 'applied', sentence: `${r.name} calls folio_test_anon: false, correctly (${mappingText(s.mapping, era)} is ${s.mapping.kind === 'file' ? 'a file mapping' : 'no owner'}).` };
}

/**
 * GUP's unshare check (gup_must_unshare) asks PageAnon() for a read-only pin: an anon page that is
 * not exclusive must be unshared by a fault first. The 0x1 marker looks anon and never exclusive,
 * and the unshare fault does nothing in a MAP_SHARED mapping, so GUP asks again, forever.
 */
function pinRead(s: PageState, r: ReaderView, era: Era): EventResult {
  r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
  if (s.mapping.kind === 'sentinel') {
    const why = era === '5.19-6.1' ? 'do_wp_page() returns 0 for an unshare fault without a normal page' : 'sanitize_fault_flags() drops FAULT_FLAG_UNSHARE in a shared mapping';
    return {
      outcome: 'applied',
      sentence: `${r.name} pins the page for reading: gup_must_unshare() sees mapping 0x1 as an anon page that is not exclusive and asks for an unshare fault; ${why}, so nothing changes and GUP retries.`,
      hazard: { severity: 'crash', text: 'the pin never returns: GUP retries the unshare fault forever (a livelock only SIGKILL ends), holding mmap_lock for read between tries.' },
    };
  }
  return { outcome: 'applied', sentence: `${r.name} pins the page for reading: ${mappingText(s.mapping, era)} is not anon, so gup_must_unshare() is false and the pin succeeds.` };
}

/** `if (!folio->mapping) return;`: the page-cache reading of NULL is "truncated". From 6.15 NULL is also "shared". */
function nullSkip(s: PageState, r: ReaderView, era: Era): EventResult {
  r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
  const refs = `refcount ${s.refcount}`;
  if (s.mapping.kind === 'sentinel') {
    return { outcome: 'applied', sentence: `${r.name} tests !folio->mapping: 0x1 is not NULL, so it goes on with the marker as if it were a mapping.`, hazard: { severity: 'wrong', text: 'the NULL test passes the 0x1 marker: what follows uses a marker as an address_space.' } };
  }
  if (isSharedEncoding(s, era)) {
    return {
      outcome: 'applied',
      sentence: `${r.name} tests !folio->mapping: NULL, so it takes the folio as truncated and skips it (${ERA_TRAITS[era].indexName} ${s.indexWord}, ${refs}).`,
      hazard: { severity: 'wrong', text: `NULL here means shared, not gone: ${ownersText(s.owners)} still map the folio (share count ${s.indexWord}), and every one of them is skipped.` },
    };
  }
  if (s.mapping.kind === 'null') return { outcome: 'applied', sentence: `${r.name} tests !folio->mapping: NULL and no owner (${refs}): skipping it is right.` };
  return { outcome: 'applied', sentence: `${r.name} tests !folio->mapping: ${mappingText(s.mapping, era)}, a single owner, so it goes on (${refs}).` };
}

function anonVma(s: PageState, r: ReaderView, era: Era): EventResult {
  r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
  const mapcount = era === '6.15+' ? 'the folio is mapcount-tracked' : 'FS-DAX pages carry no mapcount before 6.15';
  if (s.mapping.kind === 'sentinel') {
    return {
      outcome: 'applied',
      sentence: `${r.name} calls folio_lock_anon_vma_read: folio_anon_vma computes 0x1 - PAGE_MAPPING_ANON = NULL, and it returns NULL early because folio_mapped() is false (${mapcount}).`,
      hazard: { severity: 'benign', text: 'safe by accident: a mapcount-tracked page would go on to dereference NULL->root.' },
    };
  }
  return { outcome: 'applied', sentence: `${r.name} calls folio_lock_anon_vma_read: the page is not anon (${mappingText(s.mapping, era)}), so it returns NULL without touching an anon_vma.` };
}

/** The seed's case: __add_to_kill → page_address_in_vma on a shared page (S6). */
function addressInVma(s: PageState, r: ReaderView, era: Era): EventResult {
  r.mapping = { word: structuredClone(s.mapping), epoch: s.epoch };
  if (s.mapping.kind === 'sentinel') {
    return {
      outcome: 'applied',
      sentence: `${r.name} calls page_address_in_vma: folio_test_anon is true, folio_anon_vma gives 0x1 - 0x1 = NULL, so it returns -EFAULT.`,
      hazard: { severity: 'benign', text: 'no anon_vma and -EFAULT rather than a crash; the caller drops the VMA, so the owner is not found this way.' },
    };
  }
  if (isSharedEncoding(s, era)) {
    return {
      outcome: 'applied', sentence: `${r.name} calls page_address_in_vma: not anon, and vma->vm_file->f_mapping differs from the NULL mapping, so it returns -EFAULT.`,
      hazard: { severity: 'benign', text: '-EFAULT, no crash; the owner is not found this way.' },
    };
  }
  if (s.mapping.kind === 'null') return { outcome: 'applied', sentence: `${r.name} calls page_address_in_vma: mapping NULL matches no VMA, -EFAULT; the page has no owner.` };
  r.index = { value: s.indexWord, epoch: s.epoch };
  return { outcome: 'applied', sentence: `${r.name} calls page_address_in_vma: the address comes from index ${s.indexWord}, ${r.locked ? 'stable under the entry lock' : NO_GUARANTEE}.` };
}

function lockRead(s: PageState, name: string, era: Era, n: number): EventResult {
  if (s.entryLock === name) return refused(`${name} already holds the entry lock.`);
  const blocked = blockedBy(s, `${name}'s ${lockName(era)}`);
  if (blocked) return blocked;
  if (s.mapping.kind === 'sentinel') {
    s.oopsAt = n;
    return { outcome: 'applied', sentence: `${name} calls ${lockName(era)}: mapping 0x1 passes the !mapping test and dax_mapping(0x1) reads ->host.`, hazard: { severity: 'crash', text: 'taking the lock is itself the wrong read on a shared page: a read at address 0x1, an oops.' } };
  }
  if (s.mapping.kind === 'null') {
    const why = isSharedEncoding(s, era) ? 'the folio is shared (mapping NULL)' : 'the page has no owner';
    return { outcome: 'applied', sentence: `${name} calls ${lockName(era)}: it returns 0 because ${why}, so ${name} reads nothing and backs off.` };
  }
  s.entryLock = name;
  s.readers = s.readers.filter((x) => x.name !== name);
  s.readers.push({ name, locked: true, mapping: { word: structuredClone(s.mapping), epoch: s.epoch }, index: { value: s.indexWord, epoch: s.epoch } });
  s.readers.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { outcome: 'applied', sentence: `${name} calls ${lockName(era)}: it reads mapping under RCU, takes the xarray lock, re-checks it and locks the entry; {${mappingText(s.mapping, era)}, ${s.indexWord}} are stable until the unlock.` };
}

function unlock(s: PageState, name: string, era: Era): EventResult {
  if (s.entryLock !== name) return refused(`${name} does not hold the entry lock.`);
  s.entryLock = null;
  s.readers = s.readers.filter((x) => x.name !== name);
  return { outcome: 'applied', sentence: `${name} calls ${lockName(era).replace('lock', 'unlock')} and is done with the page; waiters wake.` };
}

/** S5 via the filesystem: the owners come from the fs reverse map, never from the page. */
function notifyFailure(s: PageState, era: Era): EventResult {
  if (!ERA_TRAITS[era].hasNotify) return refused('No filesystem notify_failure path in this era: memory_failure_dev_pagemap goes straight to the generic path.');
  const blocked = blockedBy(s, 'mf_dax_kill_procs → dax_lock_mapping_entry');
  if (blocked) return blocked;
  s.poisoned = true;
  const chain = 'memory_failure → memory_failure_dev_pagemap → dax_holder_notify_failure → xfs_dax_notify_failure';
  if (!s.owners.length) return { outcome: 'applied', sentence: `${chain}: the rmap query finds no owner of this block, so no process is signalled.` };
  return { outcome: 'applied', sentence: `${chain}: the filesystem's rmap query finds every owner (${ownersText(s.owners)}); for each, mf_dax_kill_procs(fm(file), pgoff) takes dax_lock_mapping_entry and signals the processes mapping it. The page's mapping and index are never read.` };
}

/** S5 fallback (the fs returned -EOPNOTSUPP): mf_generic_kill_procs trusts the page's fields. */
/**
 * Memory failure on one page of a PMD extent, through the generic fallback (issue 22, which page): from
 * 6.15 pfn_folio() gives the compound head's folio, and the fallback marks, looks up and unmaps at the
 * head, not at the failing page; before, the page is a folio of its own.
 */
function pageFailure(s: PageState, page: number, era: Era): EventResult {
  const blocked = blockedBy(s, `mf_generic_kill_procs → ${lockName(era)}`);
  if (blocked) return blocked;
  const owner = s.owners[0];
  if (!owner || s.mapping.kind !== 'file') return refused('This walk-through needs a single owner; see memory-failure-fallback for shared blocks.');
  const mappers = (s.windows ?? []).filter((w) => w.page === page).map((w) => w.process);
  const chain = `memory_failure(pfn of page ${page}) → mf_generic_kill_procs`;
  s.poisoned = true;
  if (!s.extent!.compound || page === 0) {
    const who = mappers.length ? `${mappers.join(', ')} gets SIGBUS at the address of ${owner.file}@${owner.offset + page} and the page is unmapped` : 'no process maps it';
    const what = s.extent!.compound ? 'the failing page is the head itself' : `page ${page} is a folio of its own, {fm(${owner.file}), ${owner.offset + page}}`;
    return { outcome: 'applied', sentence: `${chain}: ${what}; collect_procs looks at offset ${owner.offset + page}: ${who}.` };
  }
  const sentence = `${chain}: pfn_folio() gives the head's folio; SetPageHWPoison(&folio->page) marks the head; collect_procs(folio, &folio->page) looks for mappers at the head's offset ${owner.offset}, and unmap_and_kill(mapping, folio->index) unmaps there.`;
  if (!mappers.length) return { outcome: 'applied', sentence };
  return {
    outcome: 'applied', sentence,
    hazard: { severity: 'wrong', text: `${mappers.join(', ')} maps the poisoned page ${page} (offset ${owner.offset + page}) and gets no SIGBUS; the page stays mapped, and the kernel logs the failure as recovered. The healthy head page is marked poisoned instead.` },
  };
}

function genericFailure(s: PageState, era: Era, n: number): EventResult {
  const blocked = blockedBy(s, `mf_generic_kill_procs → ${lockName(era)}`);
  if (blocked) return blocked;
  const chain = `memory_failure → mf_generic_kill_procs → ${lockName(era)}`;
  if (s.mapping.kind === 'sentinel') {
    s.oopsAt = n;
    return { outcome: 'applied', sentence: `${chain}: mapping 0x1 passes !mapping and dax_mapping(0x1) reads ->host.`, hazard: { severity: 'crash', text: 'a read at address 0x1: an oops, and no process is signalled.' } };
  }
  if (isSharedEncoding(s, era)) {
    // Declining is right (issue 22): without the filesystem's reverse map nobody can name the owners.
    return { outcome: 'applied', sentence: `${chain}: mapping is NULL, so the cookie is 0: -EBUSY, MF_FAILED. The fallback declines: only the filesystem's reverse map could name ${ownersText(s.owners)}, so it reports the failure instead of guessing (with rmapbt, memory-failure-notify signals them).` };
  }
  if (s.mapping.kind === 'null') return { outcome: 'applied', sentence: `${chain}: no owner, cookie 0, -EBUSY; nothing maps the page.` };
  s.poisoned = true;
  return { outcome: 'applied', sentence: `${chain}: the lock is taken on the single owner's entry, collect_procs_file walks ${mappingText(s.mapping, era)} and unmap_and_kill(${mappingText(s.mapping, era)}, ${s.indexWord}) uses the right values.` };
}
