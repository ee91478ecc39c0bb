"""Creator analytics: daily roll-ups, written in the transaction of the event that changes them."""

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.models.base import table_meta


class DailyRollup(Model):
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


class EngagementCounter(Model):
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
