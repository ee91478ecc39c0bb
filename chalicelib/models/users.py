"""People: every signed-in user, and the creator account a user opens to sell."""

from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import TimestampedModel, table_meta


class User(TimestampedModel):
    """One row per identity (`sub` of the JWT), created on first authenticated call."""

    Meta = table_meta("users")

    user_id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)
    display_name = UnicodeAttribute(null=True)


class CreatorAccount(TimestampedModel):
    """Opening one turns a user into a creator. AI allowance fields arrive with the allowance issue."""

    Meta = table_meta("creator-accounts")

    user_id = UnicodeAttribute(hash_key=True)
    display_name = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
