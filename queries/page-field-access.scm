; Reads of the overloaded FS-DAX page fields: x->mapping, x->index, x->share
; (and x.mapping for folio->page.mapping). Whether x is a page or folio is
; decided by the analysis (types and dataflow), not here.
(field_expression
  argument: (_) @receiver
  field: (field_identifier) @field
  (#match? @field "^(mapping|index|share)$")) @access
