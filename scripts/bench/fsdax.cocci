// Report mode for `npm run bench`: the reads fsdax-audit looks at, as patterns.
// page/folio ->mapping and ->index reads and the anon tests, with no data flow:
// Coccinelle reports every match; fsdax-audit reports the ones an FS-DAX page reaches.
// Run: spatch --sp-file scripts/bench/fsdax.cocci -D report --dir <tree>/mm

virtual report

@r depends on report@
struct page *p;
struct folio *f;
position pos;
@@
(
 p@pos->mapping
|
 p@pos->index
|
 f@pos->mapping
|
 f@pos->index
|
 PageAnon@pos(...)
|
 folio_test_anon@pos(...)
)

@script:python depends on report@
pos << r.pos;
@@
coccilib.report.print_report(pos[0], "page/folio mapping, index or anon test")
