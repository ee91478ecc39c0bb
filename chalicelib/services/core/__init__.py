"""Core: the DynamoDB mechanics, identifiers and shared formats every domain uses. No domain logic, no domain imports.

- `db`: `transaction()` on the process-wide connection; `condition_failed(exc)` (a write refused by its
  condition) and `lost_race(exc)` (refused, or cancelled by a concurrent transaction); `retry_on_conflict(attempts,
  base_delay, exhausted)`, the one optimistic-write loop (re-read → write → on a lost race sleep a full-jitter
  backoff and try again; `exhausted()` is raised when the attempts run out); `put_once` (create unless present).
- `pagination`: `paginate(query, scope, cursor, limit)` → `Page(items, next_cursor)` for every list endpoint. The
  cursor is the LastEvaluatedKey, base64url + HMAC-SHA256 (`CURSOR_SECRET`), bound to its `scope` (the query and
  its caller): a cursor that is tampered with, forged, malformed or replayed on another query is 400
  `invalid_cursor`.
- `ids`: type prefix + millisecond timestamp + randomness, so ids sort by creation.
- `rate_limit`: a fixed window per caller and minute in one conditional UpdateItem ADD (429 with Retry-After).
- `calendar`: the date ranges of reports over daily roll-ups (≤ 366 days, 422 otherwise) and their buckets (UTC day,
  ISO week from Monday, month), shared by analytics and the AI usage breakdown.
- `webvtt`: WebVTT caption files read strictly (video validates uploads with it, search indexes their cues).
"""
