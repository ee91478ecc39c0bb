"""Commerce: selling products and AI credit packs through Stripe, exactly once.

Owns the tables `orders` (GSIs `by_buyer`, `by_creator`, `by_payment_intent`, sparse `pending`), `open-checkouts`,
`stripe-events` (the exactly-once markers, `ProcessedEvent`; learning keeps its progress markers there too),
`coupons`, `coupon-redemptions`, `refund-requests`, `refund-rules` and `credit-purchases`. Access itself is granted,
suspended and revoked per source (`order:<order_id>`, `claim`) through `access.grants`, inside commerce's
transactions; AI credits move through `ai.credits.credit_writes`, likewise.

Checkout (`checkout`): free, or pay-what-you-want at 0 (its minimum is 0; `{}` on a suggested price of 0) → a grant
(+ course enrollment) at once, no order, no Stripe call; fixed / pay-what-you-want → a pending Order
(amount from the database, PWYW ≥ its minimum; the platform fee and the creator's share from
`payouts.accounts.charge_terms`, stored) + a Stripe PaymentIntent (idempotency key `order-<order_id>`, metadata
order/product/buyer ids; in connect mode a destination charge to the creator's account, and a creator whose account
cannot accept charges is 409 `payouts_not_ready` before anything is written). A 100 % coupon pays the order at 0 in
one transaction with the grant. Access for paid orders comes only from a verified webhook,
never from a client redirect. A buyer has at most one open checkout per product (`open-checkouts`, put in the
order's transaction): a double click, a retry or a second tab gets the same order and PaymentIntent back; other
terms (another PWYW amount or coupon) while it is pending answer 409 `checkout_in_progress`; a lock whose order
is no longer pending is released, so a new checkout replaces an abandoned or cancelled one. Coupon codes are
normalized (upper case) before anything: the order stores the coupon's own spelling. Stripe down → 503
`payment_unavailable` (Retry-After), the order failed.
Cancel (`checkout.cancel_order`, `POST /v1/orders/{id}/cancel`, the buyer's own pending order): the PaymentIntent
is cancelled at Stripe FIRST (idempotency key `cancel-<order>`); an intent Stripe refuses to cancel (succeeded,
processing) leaves the order pending for its webhook → 409 `order_not_cancellable`; else → cancelled (conditional
on pending), the open-checkout lock and the coupon released. Idempotent. A success arriving after a cancel still
grants (the money was taken), as after abandonment.

Webhook (`webhooks`): `POST /v1/webhooks/stripe` verifies `stripe.Webhook.construct_event` on the raw body
(tolerance 300 s; else 400 `invalid_webhook`, nothing written). The event goes to its planner (`credit_packs.plan`
when it names a credit purchase, else `order_events`), which reads, decides and returns a `Plan` (`events`); the
plan's write is applied in ONE TransactWriteItems with the conditional put of `ProcessedEvent(event_id)`. Every
write in a plan is conditioned on the state it was planned from (an order's status; a purchase's status and refund
total; a grant's `version`), so a duplicate delivery finds the marker or loses the race, and a concurrent change
cancels and re-plans (`core.db.retry_on_conflict`, 6 attempts, then 409).
Orders (`order_state`): every event RECORDS its fact on the order whatever the order's state (the payment's success,
refunds, the dispute's status — closed disputes stay closed), and the status and the order's own source of access
on the buyer's grant are DERIVED from all the facts, by this table, so any order of arrival ends in the same state:

    payment     dispute                  refunded        → status               the order's access source
    not yet     any                      < amount        → pending | failed | abandoned | cancelled   (none)
    not yet     any                      ≥ amount        → refunded             (none)
    succeeded   lost                     any             → dispute_lost         revoked
    succeeded   open                     any             → disputed             suspended
    succeeded   none/won/warning_closed  ≥ amount        → refunded             revoked
    succeeded   none/won/warning_closed  0 < r < amount  → partially_refunded   active
    succeeded   none/won/warning_closed  0               → paid                 active

The buyer's access is active while any of its sources is (`access`), so a re-purchase after a dispute or a refund
(checkout allows it and answers `previous_access`) is never undone by the old order's outcome; enrollments and
progress are kept. The
buyer's receipt and the creator's new-sale email are outbox rows (`accounts.emails`) put in the transaction, with the
creator's "sale" notification (`mails`); after the commit they are claimed and sent; a failed send leaves them
pending and fails the delivery, and Stripe's redelivery (a duplicate event) sends them — once. The same holds for
free claims (`fulfilment.claim`), 100 % coupons (checkout), refund requests (the creator: email + notification) and
refund decisions (the buyer: approved, partially refunded, denied). Coupon confirm/release run after the commit
(best effort, idempotent).

Abandonment (`abandonment.sweep`, schedule every 15 min): Query the sparse `pending` index per shard (4) for orders
older than 60 min; cancel the PaymentIntent at Stripe first (idempotency key `abandon-<order>`), so the buyer can
no longer pay it; an intent Stripe refuses to cancel (succeeded or processing) leaves the order pending for its
webhook; else → abandoned (conditional on pending), coupon released. No Scan.

Coupons (`coupons`): reserve = ONE TransactWriteItems {put `O#<order>#<CODE>` (absent or released), put the
once-per-user guard `U#<creator>#<CODE>#<buyer>` (absent), ADD `redeemed` 1 if active ∧ not expired ∧ redeemed <
max}; release (failed/abandoned payment) = {`O#` reserved → released, delete `U#` if it names this order, ADD −1};
confirm = `O#` reserved → used. All idempotent. Discount = floor(price·pct/100) or min(amount, price), integer
minor units; a code is only ever looked up under the product's creator.

Refund requests (`refunds`): pending → approved → refunded | pending → denied. The buyer asks within
`paid_at + refund_window_days` (422 `refund_window_closed`) for at most amount − max(refunded, Σ approved). A new
request is a conditional put of the next `seq` after a consistent Query of the order's partition, so an order has
one open request (409 `refund_request_open`). Approval: conditional pending → approved (amount fixed) BEFORE
Stripe, then `create_refund` with the idempotency key `refund-<request_id>`, then approved → refunded with the
refund id; retries and concurrent approvals reuse the key (409 `refund_not_issued` when Stripe fails: approve
again). A refund Stripe answers `succeeded` is recorded on the order in the approval itself
(`order_events.record_refund`): refunded amount, status, the order's access source revoked on a full refund (kept on a
partial one), so sales and the dashboard see it; a `pending` one waits for its `charge.refunded`. Exactly once in
either order: every refund counted by id goes into the order's `refund_ids` with its sum in `refund_ids_cents`,
under the condition that both are still what was read; the webhook counts the charge's refunds list (ids not yet
counted) and Stripe's cumulative `amount_refunded`; `refunded_cents` = max(counted sum, cumulative), so an event
without a list and the approval of the same refund never add up (`order_events.refund_plan`).

Refund rules (`refund_rules`, table `refund-rules`): a creator's per-product rule approves a request at once (through
`refunds.approve`, so Stripe, the order and the buyer's email follow the normal path) when it is made within N days
of payment by a buyer who consumed less than X %; every request records the buyer's consumption for the creator.

Credit packs (`credit_packs`): the catalogue is `AI_CREDIT_PACKS`; checkout puts a pending `CreditPurchase` (its id
derived from the user and the `Idempotency-Key`, so a retry finds it; the key is bound to its request: the same key
for another pack → 409 `idempotency_key_reused`, the stored purchase unchanged) + a PaymentIntent with metadata
{kind: credit_pack, purchase_id, user_id, pack_id, tokens}, idempotency key `credit-pack-<purchase_id>`; a purchase
without an intent answers 409 `checkout_in_progress` for 30 s, then a retry resumes it. Webhooks: success → the
amount, currency and metadata must equal the purchase's, then purchase → paid + ledger `C#<purchase_id>` + balance
ADD tokens in the marker's transaction (else `mismatch`, nothing credited); failure → failed (a later success still
credits); refund (Stripe's cumulative `amount_refunded`) → ⌈tokens × refunded / amount⌉ taken back, but only
min(balance, owed), the ADD conditioned on the balance; spent tokens are the platform's loss (logged, and visible
as `refund_tokens − clawed_back_tokens`). Disputes of packs are not handled.

Analytics: every order write records its roll-up deltas (`order_state.rollup_deltas`: payment, refunds, disputes)
in its transaction through `analytics.rollups`; 100 % coupons and free claims too. Statements likewise: every order
event adds its position change (`order_state.statement_position`) through `payouts.statements` in its transaction.
Connect events (`account.updated`, `payout.*`) are planned by `payouts.events` and applied with the same marker.

Sales (`sales`): one paginated Query of `orders.by_creator` for the last 30 UTC days + one BatchGetItem of titles;
pure aggregation per currency (never summed across), on the UTC payment day, days zero-filled, top 5 by net.

Bundles (`fulfilment`): a bundle's order records its members (`bundle_product_ids`); every write of the order's
access source also writes `bundle:<bundle>/order:<id>` on each member's grant, and the buyer's reviews follow their
access (`reviews.visibility`), all in the same transaction (free bundles: `claim`, likewise). Checkout answers 409
`already_owned` when the buyer holds every member, else lists the held ones (`already_owned_product_ids`).

Modules: checkout (checkout, the buyer's orders), fulfilment (the grants a purchase or claim writes), webhooks
(verify, dispatch, apply once), events (`Plan`, shared readings of Stripe objects), order_events (order/refund/dispute
plans), mails (the lifecycle emails and creator notifications of orders and refunds), abandonment (the stale-order
sweep), coupons, refunds, refund_rules, credit_packs, sales, order_state (the status table and its analytics
deltas), errors.
"""
