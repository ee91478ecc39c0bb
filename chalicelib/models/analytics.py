"""Creator analytics: daily roll-ups, course engagement, the product funnel and AI usage by day, written in the
transaction of the event that changes them (the funnel: plain ADDs, see `services/analytics/funnel.py`)."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel, table_meta


class DailyRollup(BaseModel):
    """One day of one creator (`scope` = `<creator>`) or of one of their products (`<creator>#<product>`) in one
    currency (`day_currency` = `<YYYY-MM-DD>#<CUR>`): counters moved only by ADD. Also the creator's buyers seen
    (`scope` = `B#<creator>`, `day_currency` = `<buyer>`), so "new buyers" counts each buyer once."""

    Meta = table_meta("analytics-rollups")

    scope = UnicodeAttribute(hash_key=True)
    day_currency = UnicodeAttribute(range_key=True)
    gross_cents = NumberAttribute(null=True)
    refunded_cents = NumberAttribute(null=True)
    dispute_lost_cents = NumberAttribute(null=True)
    orders = NumberAttribute(null=True)
    free_claims = NumberAttribute(null=True)
    new_buyers = NumberAttribute(null=True)
    disputes = NumberAttribute(null=True)


class EngagementCounter(BaseModel):
    """A course's engagement, moved by ADD in the transaction of each progress report or quiz attempt: per lesson
    (`item` = `L#<lesson>`) learners who started it, who completed it (−1 when un-completed), who watched its video
    and the sum of their furthest positions; per quiz question (`Q#<quiz>#<question>`) answers and correct ones."""

    Meta = table_meta("course-engagement")

    product_id = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    started = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    video_learners = NumberAttribute(null=True)
    video_watched_seconds = NumberAttribute(null=True)
    answered = NumberAttribute(null=True)
    correct = NumberAttribute(null=True)


FUNNEL_SHARDS = 8  # rows per product (and per creator) and day for each funnel counter: spreads hot writes


class FunnelCounter(BaseModel):
    """One shard of a day's funnel counters of one product (`scope` = `P#<product>`) or of all a creator's products
    (`C#<creator>`), `day_shard` = `<YYYY-MM-DD>#<n>`: detail `views` and `checkouts_started` (orders created).
    Moved only by plain UpdateItem ADDs, never in a transaction."""

    Meta = table_meta("analytics-funnel")

    scope = UnicodeAttribute(hash_key=True)
    day_shard = UnicodeAttribute(range_key=True)
    views = NumberAttribute(null=True)
    checkouts_started = NumberAttribute(null=True)


class AiUsageDay(BaseModel):
    """A creator's AI usage of one UTC day and feature (`day_feature` = `<YYYY-MM-DD>#<feature>`): tokens charged
    and calls committed, ADDed in the transaction that commits each call in the ledger (the day of the commit)."""

    Meta = table_meta("ai-usage-days")

    user_id = UnicodeAttribute(hash_key=True)
    day_feature = UnicodeAttribute(range_key=True)
    used_tokens = NumberAttribute(null=True)
    calls = NumberAttribute(null=True)
