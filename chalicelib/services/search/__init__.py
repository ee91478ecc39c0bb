"""Search: the public catalog search (with intent detection, facets, typo tolerance, suggestions) and the search
inside what a buyer holds. Explore (`catalog.explore`) stays the filtered listing; this is the text search.

Protocol. The products table streams its changes (NEW_AND_OLD_IMAGES) → EventBridge Pipes → the FIFO queue
`search-index` (one message group per product, so one product's changes are applied in order, one at a time) →
`handlers/search_index` → `indexer.apply_records`: the public document of a published product is upserted; a
draft, archived or deleted product leaves the public index; its content chunks (the library's index) are replaced.
Every write carries the product's `version` and the engines keep only newer versions (tombstones for removals), so
duplicates, replays and a `reindex` racing the stream are harmless. Locally `local.pipes` plays the pipe from the
emulator's stream and the embedded engine (`integrations/search/local.py`, SQLite FTS5) stands in for Weaviate.

Query. `intent.detect` reads type, pricing and price-ceiling words out of `q` (explicit parameters win);
`query.search` asks the engine once (hits, total, facets) and returns explore's cards with the caller's access;
`library.search_library` checks the caller's grants per product before the engine sees the query.

Modules: intent (pure), documents (pure: what is indexed), indexer (stream records, reindex), query, library.
"""
