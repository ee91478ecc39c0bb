"""Analytics: creators' figures kept as roll-ups, so a report never walks orders.

Owns `analytics-rollups` and `course-engagement`. Writers (commerce: payments, refunds, disputes, 100 % coupons,
free claims; learning: free enrollments) call `rollups.add` INSIDE the transaction that records the event, with the
event's deltas: each moves, by ADD, two rows — the creator's day (`<creator>`, `<day>#<currency>`) and the product's day
(`<creator>#<product>`, same key) — so a roll-up changes exactly when its event commits (a duplicate event
commits nothing). "New buyers" counts a buyer's first paid order from the creator: the writer asks
`rollups.is_new_buyer` first (one GetItem) and `add` puts the marker `B#<creator>`/`<buyer>` under
`attribute_not_exists` in the same transaction, so a concurrent first purchase cancels and re-plans.

Days are UTC days of the event (cash basis: a refund counts on the day it is recorded). Figures (integer minor
units, never summed across currencies): gross (paid amounts), refunds, dispute_lost (amounts of lost disputes),
net = gross − refunds − dispute_lost, orders (paid orders, 100 % coupons included), free claims, new buyers,
disputes (disputes opened).

Reads (`reports.series`): one Query of one partition between two days (≤ 366 days × currencies rows, paginated by
DynamoDB's 1 MB pages only), whatever the number of orders; bucketed by day, ISO week (Monday) or month.

Course engagement (`engagement`, table `course-engagement`): per lesson, learners who started it (their first
progress report), who have it completed (+1 / −1 as they complete or un-complete it), who watched its video and the
sum of their furthest positions (`video_watched_seconds` on the progress row, the maximum ever reported); per quiz
question, answers and correct answers. Learning moves them in the transaction of the progress report (its lesson row
conditioned on what the deltas were computed from: a concurrent report re-plans) or of the quiz attempt (numbered
put-if-absent: once). `GET /v1/products/{id}/engagement` (the owner) reads them in one Query, in course order, with
the drop-off to the next lesson (completed this one, never started the next) and percents (floor).

Product funnel (`funnel`, table `analytics-funnel`): detail views and checkouts started, as counters sharded over
8 rows per product (`P#<product>`) and per creator (`C#<creator>`) and UTC day, each event ADDing 1 on a random
shard of both. A view is every detail read of a published product by anyone but its creator (signed in or not; not
unique people). A checkout started is a checkout that created an order (payment started or a 100 % coupon), counted
once the order's transaction committed (a refused checkout counts nothing). Both are two plain UpdateItems (rows
`<day>#<n>`), never in a transaction: in the order's, counter rows shared by every buyer of the creator would let
concurrent checkouts cancel each other (TransactionConflict → a 409 to a buyer). A failed count is logged, never
raised; the price is that a crash between the commit and the ADD loses one count (never adds one). Paid
orders and free claims come from the roll-ups above (counts, summed across currencies). The report = 1 Query of the
range's shards (≤ days × 8 rows) + 1 of the roll-ups, whatever the traffic; rates in basis points (floor, 0 when
the denominator is 0).

Modules: rollups (the write), reports (the read), funnel (write and read), engagement (course counters: write and
read). Report ranges and buckets (day, ISO week, month) are `core.calendar`'s, shared with the AI usage breakdown.
"""
