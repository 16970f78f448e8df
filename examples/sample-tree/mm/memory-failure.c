/* A memory_failure-like path over FS-DAX pmem; expectations for era 6.2-6.14. */

static int mf_kill_generic(struct folio *folio, int flags)
{
	struct address_space *mapping;
	dax_entry_t cookie;

	cookie = dax_lock_folio(folio);	/* expect: fsdax/dax-lock-shared */
	if (!cookie)
		return -EBUSY;
	mapping = folio->mapping;	/* expect: fsdax/mapping-deref */
	unmap_mapping_range(mapping, folio->index << PAGE_SHIFT, PAGE_SIZE, 0);	/* expect: fsdax/index-read */
	dax_unlock_folio(folio, cookie);	/* expect: fsdax/dax-lock-shared */
	return 0;
}

static void mf_collect_file(struct folio *folio)
{
	struct address_space *mapping = folio->mapping;	/* expect: fsdax/mapping-deref */

	i_mmap_lock_read(mapping);
	pr_info("offset %lu\n", folio->index);	/* expect: fsdax/index-read */
	i_mmap_unlock_read(mapping);
}

static void mf_collect_anon(struct folio *folio)
{
	struct anon_vma *av = folio_lock_anon_vma_read(folio, NULL);	/* benign: fsdax/anon-vma=decode */

	if (!av)
		return;
	anon_vma_unlock_read(av);
}

static void mf_collect(struct folio *folio)
{
	if (folio_test_anon(folio))	/* expect: fsdax/anon-test */
		mf_collect_anon(folio);
	else
		mf_collect_file(folio);
}

static int mf_dev_pagemap(unsigned long pfn, int flags)
{
	struct folio *folio = pfn_folio(pfn);

	mf_collect(folio);
	return mf_kill_generic(folio, flags);
}

int memory_failure(unsigned long pfn, int flags)
{
	struct page *p = pfn_to_online_page(pfn);

	if (!p)
		return mf_dev_pagemap(pfn, flags);
	mf_collect(page_folio(p));
	return 0;
}
