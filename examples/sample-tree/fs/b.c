/* The read side: non-static functions reached from mm/a.c with a maybe-FS-DAX page, and one reached only with an LRU page. */
#include <linux/owner-report.h>

void report_owner(struct folio *folio)
{
	pr_info("owner %p\n", folio->mapping);	/* expect: fsdax/mapping-read */
}

static void print_offset(struct page *page)
{
	pr_info("offset %lu\n", page->index);	/* expect: fsdax/index-read */
}

void report_offset(struct page *page)
{
	print_offset(page);
}

void report_clean(struct page *page)
{
	pr_info("offset %lu\n", page->index);
}

struct folio *lookup_pmem_folio(unsigned long pfn)
{
	return pfn_folio(pfn);
}
