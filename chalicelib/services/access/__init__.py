"""Access: who may use a product — its creator, and holders of a grant with an active source.

Owns the `access-grants` table (GSI `by_product`, keys only; LSI `by_activity`) and writes the `enrollments` row
that goes with a course grant. One grant row per user and product; it knows its SOURCES (`sources`: source id →
active | suspended | revoked): `order:<order_id>` (a purchase or a 100 % coupon; its status follows the order,
`commerce.order_state`), `claim` (a free claim), `gifted`, `promotional`; on each member of a bundle,
`bundle:<bundle_id>/<the bundle's source>` (written with the bundle's own, so a bundle's refund or dispute moves
only what it gave; `via_bundle` names it for the library). The row's `status` is derived: active while any source
is active, else suspended while any is, else revoked; `access_type` is the best active source's
(purchased > gifted > promotional). A free-preview learner's row has no source and status `preview` (the library
lists it; it opens nothing). So one purchase's refund or dispute never takes away what another purchase or a gift
gives, and a buyer whose every source is suspended or revoked may buy again (commerce says so in the answer).

Invariants: every change of sources (`grant` in its own transaction; `set_source` inside the caller's — commerce's
webhook transaction with its processed-event marker) is conditioned on the row's `version` as read (+1 each time),
so concurrent changes of two sources never lose one: the loser re-reads and re-plans. A course's enrollment is
upserted with a source seen for the first time (timestamps only if absent, so a preview learner keeps their
progress); enrollments, progress and certificates are never removed. Reads: `full_access_reason` is one GetItem at
most; `access_map` is one BatchGetItem for a page of products. `product-holders` counts a product's active
holders (sharded by user): `set_source` moves it by ±1 in the same transaction whenever a grant's status turns
active or stops being active, so `holder_count` (one BatchGetItem) is exact — the lounge room's member count.

Modules: grants.
"""
