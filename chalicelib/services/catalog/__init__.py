"""Catalog: products (courses, prompt packs, templates, ebooks, bundles), their explore listing, and files.

Owns the tables `products` (GSI `by_creator`), `product-slugs`, `catalog-listings` (LSI `by_price`, GSI
`by_rating`), `bundle-memberships`, `product-files` and `download-logs` (GSI `by_user`). Reads access through
`access.grants`.

Products (`products`): draft → published → archived. Pricing rules (`pricing`, pure) hold on every write, not only
at publish: fixed > 0, free = 0, pay-what-you-want has `min_price_cents` ≤ the suggested `price_cents`,
`compare_at_price_cents` > price; type-specific fields only on their type (`page_count` ebook, `prompt_count`
prompt pack, `template_format` template); publishing also needs a description. Every write that touches more than
one item — the product, its slug (uniqueness: a conditional put of `product-slugs`) and its explore rows — is ONE
TransactWriteItems guarded by the product's `version`, so a concurrent edit or a taken slug changes nothing
(409). Course stats come from the course builder (`update_course_stats`): a recomputation from an older
`content_version` is dropped, a lost race retried. A product is deleted only when it is a never-published draft
no grant references; otherwise it is archived (holders keep access; it leaves explore). Visibility: drafts to
their owner only, archived products to the owner and holders of access, anyone else 404 (never 403).

Explore (`explore`, rows built by `listing`, pure): publishing writes the product's card into `catalog-listings`
once per filter combination it matches — {its type, any} × {its pricing buckets, any} × {its creator, any}: 8
rows, 12 for a freemium product (listed under both `paid` and `freemium`). A pay-what-you-want product whose
minimum is 0 is listed under both `free` and `paid` (12 rows, 16 with a free preview): buyers may claim it at 0,
and its checkout at 0 (or `{}` when the suggested price is 0) is the free claim — access and enrollment at once, no
order, no Stripe call. A page is ONE Query on the partition
`type=<t|*>|pricing=<p|*>|creator=<c|*>`, by `sort_new` (`<published_at>#<id>`, descending) or the LSI's
`sort_price` (`<zero-padded price_cents>#<id>`), plus one BatchGetItem of the viewer's grants; cards carry what
the grid shows, so no per-card reads. Every change of a published product rewrites its rows in the product's
transaction (stale rows deleted, new ones put). Price sort compares minor units across currencies (documented
limitation); the `*|*|*` partition is hot (shard it or cache first pages at scale). Cursors are signed and bound
to the facet and sort.

Deliverables (`deliverables`): POST …/files → a pending ProductFile + presigned PUT (15 min, Content-Type signed)
→ the browser PUTs to S3 → POST …/complete: HeadObject must show the declared size (≤ `MAX_FILE_BYTES`) and the
declared allow-listed type, and the first bytes (a ranged GET) must be that type's (magic numbers; text types
UTF-8 without NUL), else the object is deleted, the file rejected with its reason, 422 (S3 does not bind the size: this
check is the guard). Download: owner or active grant (else 404) → a DownloadLog put (user, file, ip, user agent,
access reason: dispute evidence) → a 300 s presigned GET with attachment disposition. No log, no URL.

Bundles (`bundles`): a product of type `bundle` holds 2–20 of its creator's own published products (no bundles),
in its currency; its detail lists the members with the sum of their prices and the saving, its card the member
count. A published bundle writes one `bundle-memberships` row per member with its explore rows, and checks in
that transaction that each member is still published (bumping its version), so a member of a published bundle
cannot be archived or deleted (409 `member_of_bundle` naming the bundle). What a purchase gives is commerce's.
Review aggregates (`ratings`): counters on the product row moved only by ADD in the reviews' transactions (which
bump `version`, so no product write puts stale counters back); explore reads them for the page's cards in one
BatchGetItem; `sort=rating` uses the listings' GSI `by_rating`, whose key is refreshed after each review's commit.

Modules: products (creator writes, reads of one product), explore (the listing query), listing (fan-out rules),
pricing (pricing and type rules), bundles (member rules, memberships, the archive guard), ratings (review
aggregates), deliverables (files, downloads, the download log), errors.
"""
