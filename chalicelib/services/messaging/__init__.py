"""Messaging: creator–buyer conversations, product lounge rooms, blasts, the inbox and notifications.

Owns `conversations`, `inbox` (LSIs `by_activity`, sparse `unread_by_activity`), `messages`, `rooms`,
`contact-preferences`, `blasts` (GSI `by_creator`) and `notifications`; reads access (`access.grants`: who is a
member, the holder count), catalog products and accounts (display names; emails only to send blast mail).

Who may talk: a signed-in user may message the creator of a published product (the product is the context); a
creator may message anyone holding (or having held) a grant of one of their products; nobody else starts a
conversation. One conversation per pair (its id hashes the pair); later contexts attach to it (≤ 10). Another
user's conversation, a draft's room, a room one is not a member of: 404. A block (either way) is a condition of
every send's transaction: 403 `blocked`, nothing stored. Text only, kept exactly as sent (never rendered as HTML
here; the email escapes it), 1–4,000 characters and not blank (422). Limits (`core.rate_limit`, 429 with
Retry-After): sends and posts per user and minute; new conversations per prospect and day.

Invariants: a send is ONE transaction (module `conversations`): message, conversation, both members' inbox rows
written whole and conditioned on the unread counts read (`inbox`), the unread totals moved by the difference, a
notification when the recipient's unread streak starts. Room membership is the active grant (`rooms`): fulfilment
by any path makes it exactly once, a refund ends it, a dispute suspends it; the member count is access's exact
holder count. A blast (`blasts`) notifies each member once — a recipient marker put-if-absent in the transaction
of the notification and the counts — and emails them at most once per claim (`sending` → `sent`; a failed send is
released and retried, a dead worker's claim is taken over after 5 minutes). Lists (`feeds`) are one Query per
page, newest first, with signed page cursors and a signed `sync_cursor` for `since` (only what is new); the API
answers 304 to a matching `If-None-Match`. Notifications (`notifications`) keep an unread count beside them.

Modules: contacts (profiles, blocks, unsubscribes, limits), feeds, inbox, conversations, rooms, notifications,
blasts (create, the queue worker), announcements (the email and its signed unsubscribe link).
"""
