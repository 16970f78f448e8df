/* The source side: memory_failure hands a maybe-FS-DAX folio to non-static helpers in fs/b.c. */
#include <linux/owner-report.h>

static void report_if_lru(struct page *page)
{
	if (!PageLRU(page))
		return;
	report_clean(page);
}

int memory_failure(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);
	struct folio *again = lookup_pmem_folio(pfn);

	report_owner(folio);
	report_offset(&folio->page);
	report_if_lru(&folio->page);
	pr_info("owner %p\n", again->mapping);	/* expect: fsdax/mapping-read */
	return 0;
}
