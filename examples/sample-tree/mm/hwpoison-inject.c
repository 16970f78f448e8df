/* A debugfs pfn injector: only LRU or hugetlb folios get past the filter, so FS-DAX never reaches the read. */

static int hwpoison_inject(void *data, u64 val)
{
	struct folio *folio = page_folio(pfn_to_page(val));

	if (!folio_test_lru(folio) && !folio_test_hugetlb(folio))
		return 0;
	pr_info("inject %p\n", folio->mapping);
	return memory_failure(val, 0);
}
