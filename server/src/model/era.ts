// model layer: era detection from the identifiers a kernel tree defines
// (fsdax-model.md section 2). Pure: the caller passes the text of the few files read.
import { Era } from './types';

export interface EraDetection {
  era: Era;
  /** false when no marker file was found and the default era was assumed. */
  known: boolean;
  evidence: string;
}

export const DEFAULT_ERA: Era = '6.2-6.14';

/** Files whose contents decide the era, relative to the tree root. */
export const ERA_MARKER_FILES = ['include/linux/page-flags.h', 'fs/dax.c', 'include/linux/mm_types.h'] as const;

export function detectEra(readText: (relativePath: string) => string | undefined): EraDetection {
  const pageFlags = readText('include/linux/page-flags.h');
  const dax = readText('fs/dax.c');
  const mmTypes = readText('include/linux/mm_types.h');
  if (pageFlags && /#\s*define\s+PAGE_MAPPING_DAX_SHARED\b/.test(pageFlags)) {
    return { era: '6.2-6.14', known: true, evidence: 'include/linux/page-flags.h defines PAGE_MAPPING_DAX_SHARED' };
  }
  if (pageFlags && /#\s*define\s+PAGE_MAPPING_DAX_COW\b/.test(pageFlags)) {
    return { era: '5.19-6.1', known: true, evidence: 'include/linux/page-flags.h defines PAGE_MAPPING_DAX_COW' };
  }
  if (dax && /\bdax_folio_is_shared\b/.test(dax)) {
    return { era: '6.15+', known: true, evidence: 'fs/dax.c has dax_folio_is_shared (folio->share, no sentinel)' };
  }
  if (mmTypes && /struct folio\s*\{[\s\S]*?\bshare;/.test(mmTypes) && !/PAGE_MAPPING_DAX/.test(pageFlags ?? '')) {
    return { era: '6.15+', known: true, evidence: 'include/linux/mm_types.h: struct folio has a share word, page-flags.h no DAX marker' };
  }
  if (dax) {
    return { era: '<=5.18', known: true, evidence: 'fs/dax.c has no shared-page encoding' };
  }
  return { era: DEFAULT_ERA, known: false, evidence: `no ${ERA_MARKER_FILES.join(' / ')} under the root; assumed ${DEFAULT_ERA}` };
}

export function describeEra(era: Era): string {
  switch (era) {
    case '<=5.18': return 'no shared FS-DAX pages: mapping/index are {address_space, offset} while the filesystem holds the block';
    case '5.19-6.1': return 'a shared page has mapping == PAGE_MAPPING_DAX_COW (0x1) and index = share count';
    case '6.2-6.14': return 'a shared page has mapping == PAGE_MAPPING_DAX_SHARED (0x1) and index (page->share) = share count';
    case '6.15+': return 'a shared folio has mapping == NULL and folio->share = share count';
  }
}
