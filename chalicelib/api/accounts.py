"""The caller's user record and creator account."""

from chalice import Blueprint, Response

from chalicelib.api.routing import Call, render, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)


@route(bp, "/v1/me", summary="The signed-in user (created on first call)", tag="accounts", response="accounts.MeOut")
def me(call: Call) -> dict:
    from chalicelib.services.accounts import users

    identity = call.identity
    user = users.ensure_user(identity.user_id, identity.email, identity.name)
    account = users.get_creator_account(identity.user_id)
    return {"user_id": user.user_id, "email": user.email, "display_name": user.display_name,
            "is_creator": account is not None, "creator_account": account}


@route(bp, "/v1/creator/account", "POST", summary="Become a creator (idempotent: 201 first, then 200)",
       tag="accounts", body="accounts.CreatorAccountCreate", response="accounts.CreatorAccountOut", status=201)
def open_creator_account(call: Call) -> Response:
    from chalicelib.services.accounts import users

    account, created = users.open_creator_account(call.user_id, call.identity.email, call.body.display_name,
                                                  call.body.bio)
    return render(account, "accounts.CreatorAccountOut", 201 if created else 200)


@route(bp, "/v1/creator/account", summary="The caller's creator account", tag="accounts",
       response="accounts.CreatorAccountOut")
def get_creator_account(call: Call):
    from chalicelib.services.accounts import users

    return users.require_creator(call.user_id)
