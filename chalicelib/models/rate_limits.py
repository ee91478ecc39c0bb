"""Fixed-window request counters (per caller and per limited feature), shared by every Lambda instance."""

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel, table_meta


class RateLimitWindow(BaseModel):
    """`<scope>#<subject>#<window start, epoch seconds>`: requests counted by one conditional ADD each.
    Rows expire through DynamoDB TTL on `expires_at` soon after their window closed."""

    Meta = table_meta("rate-limits")

    window_key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)
