"""Search: the public catalog search (with intent detection, facets, typo tolerance, suggestions) and the search
inside what a buyer holds. Explore (`catalog.explore`) stays the filtered listing; this is the text search.

Protocol. The products and product-files tables stream their changes (NEW_AND_OLD_IMAGES) → EventBridge Pipes → the
FIFO queue `search-index` (one message group per product, so one product's changes and its files' are applied in
order, one at a time) → `handlers/search_index` → `indexer.apply_records`: the public document of a published
product is upserted; a draft, archived or deleted product leaves the public index; the library's content is kept in
sources versioned apart — the product's own (a course's lessons, quizzes and video captions, rebuilt with every
product change) and one per ready deliverable file (its text, extracted by the indexer: `extract`). Every write
carries a version and the engines keep only newer versions (tombstones for removals), so duplicates, replays and a
`reindex` racing the stream are harmless. Locally `local.pipes` plays the pipes from the emulator's streams and the
embedded engine (`integrations/search/local.py`, SQLite FTS5) stands in for Weaviate.

Query. `intent.detect` reads type, pricing and price-ceiling words out of `q` (explicit parameters win);
`query.search` asks the engine once (hits, total, facets) and returns explore's cards with the caller's access;
`library.search_library` checks the caller's grants per product before the engine sees the query.

Modules: intent (pure), documents (pure: what is indexed), extract (pure: a file's text in located pieces), indexer
(stream records, reindex), query, library.
"""
