"""The AI domain: the creator's AI allowance and purchased credits, metering every AI call exactly, and the AI
course tools (outline, lesson enhancement, module quiz, product description).

Owns: the allowance fields of `creator-accounts` (`ai_allowance_tier`, `ai_allowance_tokens`, `ai_tokens_used`
committed, `ai_tokens_reserved` in flight, `ai_tokens_held` = used + reserved, the per-feature map
`ai_usage_by_feature`, `ai_period_start`, `ai_allowance_reset_date`, `ai_next_tier`, `ai_reset_shard`; GSI
`allowance_resets`), `users.ai_credit_balance` (purchased tokens), and the `ai-ledger` table: `R#<request_id>` per
call (feature, model, status reserved | committed | released, the reserved split, what was charged, the period,
result, error, times; sparse GSI `in_flight`) and `C#<reference>` per credit movement; GSI `by_created` for the
usage ledger (projects the figures, never `result`); the `ai-usage-days` table (model in `models/analytics.py`).
Tiers: starter 1 000 000 tokens a period, pro 5 000 000, unlimited (no cap, still metered and ledgered). Never
`save()` a loaded account: counters move only by ADD.

Metering protocol (one TransactWriteItems per step, `metering`):
- reserve: put `R#<request_id>` (absent, or released: a failed call may run again) + account ADD the allowance
  part to `reserved` and `held`, conditioned on the tier and reset date read and on `held <= allowance − part`
  (a condition cannot add two attributes, hence `held`) + when the allowance cannot cover `max_tokens`, user ADD
  −rest conditioned on `credits >= rest`. The condition is an inequality on the live counter, so concurrent
  reservations do not invalidate each other; a lost race re-reads and retries (≤ 10, jittered; then 429).
  Neither source covering the call → 402 `ai_allowance_exhausted` after 3 GetItems, no write, no AI call.
- commit: ledger reserved → committed (model, result, what was charged) + account reserved −= part, held −= the
  unused part, used += the allowance used, feature counter += tokens + user credits += the unused credits + the
  day's usage roll-up (`ai-usage-days`, `<day>#<feature>`: tokens, calls) — so it equals the ledger's commits. Usage is
  charged allowance first, so unused tokens go back to credits first; usage above the reservation is clamped.
- release (the run raised): the same with nothing charged; the row keeps the error; the exception is re-raised.
- idempotency: the ledger key is (user, request id). A committed request returns its stored result (no model
  call, no charge); one in flight → 409 `request_in_progress`; a released one runs again; the same key for another
  feature → 409. A reservation older than the 15-minute lease (its Lambda died) is released by the retry or by the
  hourly sweep (`in_flight` GSI).

Periods (`periods`), calendar month: a period ends at 00:00 UTC on the 1st of the month after it began; the next
end is computed from the end that was due (months nobody used are skipped), so a late run never drifts. The first
period runs from opening (or first AI use: accounts are initialized by a conditional write) to the next 1st. A
downgrade waits for the next reset; an upgrade, or the current tier again, applies at once. The hourly schedule
(`metering.upkeep`) Queries `allowance_resets` (`ai_reset_shard` 0–3, reset date <= now; never a Scan) and resets
each account with one UpdateItem conditioned on the date it read (idempotent); any call or `status` on a due
account resets it first. A reservation carries its period (`period_end`): tokens in flight across a reset settle
only the ledger row and the credits (the account part is conditioned on the period and dropped once it moved on),
so `used` never goes negative and nothing reserved before a reset is freed into the next.

Credits (`credits`): `credit_writes` adds one movement to a caller's transaction (ledger row put once + balance ADD;
a negative one is conditioned on the balance covering it); `add_credits` is idempotent by reference (another amount
for the same reference → 409). Credit-pack payments (commerce) write through `credit_writes`.

Invariants (tests/property/test_allowance_machine.py, and after the races): 0 ≤ used ≤ allowance, held = used +
reserved, credits ≥ 0, Σ committed `tokens_from_allowance` of the period = used, Σ in-flight allowance parts =
reserved, per-feature sums (both sources) = `ai_usage_by_feature`.

AI tools (`tools`): creator check (403) → rate limit (429) → ownership (404) → request built (`prompts`) and its
size checked (413, before any reservation) → `metering.metered(max_tokens = input bound + max output)` → inside the
metered run: the model call (`integrations.ai`; 503 `ai_unavailable`), JSON parse and validation with
`schemas/ai.py` (502 `ai_bad_output`), then the write when `apply` (`writes`: ONE transaction under the course lock
through `courses.store.apply_change`). Anything raised in the run releases the whole reservation, so a bad answer or
a failed write charges and writes nothing. The `Idempotency-Key` is the ledger's request id; a fingerprint of the
request is stored with the result, so the same key with another request → 409.

Modules: errors (the domain's error codes), credits, periods, metering, usage (`status`, the ledger page, and the
breakdown by feature and day with its cost saved: one Query of `ai-usage-days`), prompts (pure), tools, writes.
"""
