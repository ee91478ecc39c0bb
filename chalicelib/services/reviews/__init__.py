"""Reviews: ratings 1–5 with optional text from the people who hold a product, the creator's replies, helpful
votes, reports, and the product's review aggregates.

Owns the tables `reviews` (key product × `review_id`; sparse LSIs `by_new`, `by_helpful`, `by_rating`,
`by_rating_helpful`) and `review-marks` (helpful votes `H#…` and reports `R#…`, per product). The aggregates live on
the product row (`catalog.ratings`), so explore cards, the detail page and search documents read them with the
product, never by counting reviews.

Who: only a holder of ACTIVE access (a purchase, a claim, a gift, a promotion: `access.grants`), never the
creator; one review per buyer per product — `review_id` is derived from (product, reviewer), so the second POST
is a conditional put that fails (409 `review_exists`) and the public id never names the reviewer. The author edits
(marked `edited_at`) or deletes their own; the creator writes one public reply per review and edits it; any
signed-in user marks a review helpful once (idempotent) or reports it (idempotent; it stays visible, flagged
`moderation_status: reported`; the creator reads the reports, and never deletes a buyer's review).

Aggregates, exactly: every write that changes what counts — create, edit of the rating, delete, hide, restore — is
ONE TransactWriteItems of the review (conditioned on the review as read: absent, or its `version`) and the product
counters' ADD (`catalog.ratings.add`). Concurrent writers either commute (ADD) or lose the review's condition and
re-read, so the counters equal a recount (tests/integration/test_review_concurrency.py). A create also checks in
the same transaction that the author's grant is still active.

Visibility follows the author's access (`visibility.plan`): when a refund, a lost or opened dispute makes the
author's access inactive, the review is hidden (its listing sort keys removed, so pages list visible reviews only)
and leaves the aggregates; a won dispute or a re-purchase brings both back. Commerce adds that plan to the very
transaction that changes the grant (its webhook's, with the event marker): the plan is conditioned on the review as
read (or on its absence), so a review written concurrently cancels the transaction and the event is re-planned.
Not covered: access regained through a free claim or a gift (`access.grants.grant`) does not restore a hidden
review; the author edits it to bring it back (an edit re-reads the access).

After each commit the product's explore `sort_rating` is refreshed (`catalog.ratings.refresh_listing`).

Modules: reviews (writes and reads of reviews), marks (helpful votes, reports, the report queue), visibility (the
hook commerce calls), errors.
"""
