"""The caller's user record and creator account."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/me", summary="The signed-in user (created on first call)", tag="accounts", response="accounts.MeOut")
def me(call: Call) -> dict:
    from chalicelib.services.accounts import users

    identity = call.identity
    return _me(users.ensure_user(identity.user_id, identity.email, identity.name))


def _me(user) -> dict:
    from chalicelib.services.accounts import users

    account = users.get_creator_account(user.user_id)
    return {"user_id": user.user_id, "email": user.email, "display_name": user.display_name,
            "is_creator": account is not None, "creator_account": account}


@route(bp, "/v1/creator/account", "POST", summary="Become a creator (idempotent: 201 first, then 200)",
       tag="accounts", body="accounts.CreatorAccountCreate", response="accounts.CreatorAccountOut", status=201,
       repeat=200)
def open_creator_account(call: Call) -> tuple:
    from chalicelib.services.accounts import users

    return users.open_creator_account(call.user_id, call.identity.email, call.body.display_name, call.body.bio)


@route(bp, "/v1/creator/account", summary="The caller's creator account", tag="accounts",
       response="accounts.CreatorAccountOut", errors=(403,))
def get_creator_account(call: Call):
    from chalicelib.services.accounts import users

    return users.require_creator(call.user_id)


@route(bp, "/v1/me", "PATCH", summary="Set your display name (shown on your certificates)", tag="accounts",
       body="accounts.MeUpdate", response="accounts.MeOut")
def update_me(call: Call) -> dict:
    from chalicelib.services.accounts import profiles
    from chalicelib.services.learning import certificate_pdf

    identity = call.identity
    user = profiles.set_display_name(identity.user_id, identity.email, identity.name, call.body.display_name)
    certificate_pdf.rename_learner(identity.user_id, call.body.display_name)  # their certificates print the name
    return _me(user)


@route(bp, "/v1/creator/account", "PATCH", summary="Edit your public creator profile (handle, bio, avatar, links)",
       tag="accounts", body="accounts.CreatorProfileUpdate", response="accounts.CreatorAccountOut",
       errors=(403, 409))
def update_creator_profile(call: Call):
    from chalicelib.services.accounts import profiles

    return profiles.update_profile(call.user_id, call.body.model_dump(exclude_unset=True))


@route(bp, "/v1/creators/{creator_ref}", summary="A creator's public profile, by user id or handle", tag="accounts",
       auth="none", response="accounts.CreatorProfile")
def creator_profile(call: Call, creator_ref: str) -> dict:
    from chalicelib.services.accounts import profiles

    return profiles.public_profile(creator_ref)


def _email_preferences(enabled: dict[str, bool]) -> dict[str, bool]:
    return {f"is_{category}_email_enabled": value for category, value in enabled.items()}


@route(bp, "/v1/me/email-preferences", summary="Your optional email categories (receipts always go)",
       tag="accounts", response="accounts.EmailPreferencesOut")
def get_email_preferences(call: Call) -> dict:
    from chalicelib.services.accounts import emails

    identity = call.identity
    return _email_preferences(emails.get_preferences(identity.user_id, identity.email, identity.name))


@route(bp, "/v1/me/email-preferences", "PUT", summary="Turn optional email categories on or off", tag="accounts",
       body="accounts.EmailPreferencesIn", response="accounts.EmailPreferencesOut")
def put_email_preferences(call: Call) -> dict:
    from chalicelib.services.accounts import emails

    identity, body = call.identity, call.body.model_dump()
    enabled = {category: body[f"is_{category}_email_enabled"] for category in emails.OPTIONAL}
    return _email_preferences(emails.set_preferences(identity.user_id, identity.email, identity.name, enabled))
