/* Minimal page-flags header for a fixture tree: only what era detection reads. */
#ifndef FIXTURE_PAGE_FLAGS_H
#define FIXTURE_PAGE_FLAGS_H

#define PAGE_MAPPING_ANON	0x1
#define PAGE_MAPPING_DAX_SHARED	((void *)0x1)

#endif
