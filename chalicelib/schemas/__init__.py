"""Request and response models (pydantic), one module per API area.

Naming conventions of the API (`tests/integration/test_naming_conventions.py` walks the served document): one name
and one unit per quantity. snake_case; ids `<thing>_id`; instants `…_at` (ISO-8601), calendar dates `date`; integer
quantities whose **last word is the unit** — `_cents` (beside `currency`), `_seconds` (every duration; media lengths
rounded up), `_days`, `_bytes`, `_bps` (bits per second), `_tokens`, `_percent` (0–100), `_basis_points` (rates,
10,000 = 1, floor); no floats, no `_ms`/`_minutes`. Booleans start with `is_`, `has_` or `can_` (a request-only
command is a verb: `apply`). One name and one type per concept (`thumbnail_url`, `module_count`). Anything per
currency is a list of items carrying `currency`, never an object keyed by it; maps only for fixed key sets and
lookups by id. Stored attribute names may differ (`attr_name=`): the API name is the model's Python name.
"""
