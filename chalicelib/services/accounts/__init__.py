"""Accounts: users and creator accounts.

Owns the `users`, `creator-handles` and `mail-outbox` tables (except `ai_credit_balance`, which moves only through
`ai.credits`) and the creation of `creator-accounts` rows (their AI allowance fields belong to `ai`). A user row is
created on first sight (`ensure_user`, a conditional put: concurrent first requests create one); opening a creator
account is idempotent (201 then 200). Creator-only writes call `require_creator` (403 without an account).

Profiles (`profiles`): every user may set their own `display_name` (`PATCH /v1/me`; certificates print it). A creator's
public profile is display name, handle, bio, avatar URL and links — never the email — read by anyone at
`GET /v1/creators/{user id or handle}` (an id wins over a handle, so no handle can shadow another creator; users
without a creator account have no profile: 404 `creator_not_found`), on the product page (one GetItem) and on
explore cards (name, handle, avatar: ONE BatchGetItem per page, read live, so a profile change shows at once and
nothing is copied onto listing rows). Handles are 3–30 characters `[a-z0-9_-]` (stored lower-case, compared
case-insensitively) and unique: the `creator-handles` row (`handle` → `user_id`) is put-if-absent in ONE transaction
with the account update, which is guarded by the handle it was computed from; a change or clear deletes the old row
in that transaction (guarded by its owner). A taken handle is 409 `handle_taken` with nothing written; a lost race is
re-read and retried. The account is only ever updated with SET/REMOVE actions (its allowance counters belong to `ai`).

Emails (`emails`): the lifecycle-email outbox every domain queues into inside its event's transaction (table
`mail-outbox`, its protocol in the module), the templates' common values, and the per-user email preferences
(`GET/PUT /v1/me/email-preferences`: optional categories only; receipts always go).

Modules: users (user rows, creator accounts), profiles (display names, public profiles, handles), emails (outbox,
preferences).
"""
