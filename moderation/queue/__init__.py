"""The staff queue, read side: tabs, filters, keyset pages, counts, search, export.

Modules, one job each:
- `filters`: `QueueQuery`, role scoping, tab and filter clauses (overdue in SQL).
- `listing`: `list_queue` with keyset pagination and opaque cursors.
- `counts`: tab counts, the staff header counters and the daily digest counts.
- `tokens`: the search tokeniser (CJK bigrams, lower-cased words), shared by both sides.
- `blind`: keyed hashes of the tokens (the blind index: no readable text in the index).
- `search`: the blind search document of a submission and the indexed match clause.
- `export`: the queue as CSV, without identity fields.
- `similar`: similar-case hints.
Nothing here writes, except `search.index_submission` and `unindex_submission`; nothing
imports Starlette.
"""
