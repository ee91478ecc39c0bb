"""Accounts: users and creator accounts.

Owns the `users` table (except `ai_credit_balance`, which moves only through `ai.credits`) and the creation of
`creator-accounts` rows (their AI allowance fields belong to `ai`). A user row is created on first sight
(`ensure_user`, a conditional put: concurrent first requests create one); opening a creator account is idempotent
(201 then 200). Creator-only writes call `require_creator` (403 without an account).

Modules: users.
"""
