"""Creators get paid: Stripe Connect onboarding, the money view and monthly statements (`services/payouts`)."""

from chalice import Blueprint, Response

from chalicelib.api.routing import Call, page_limit, route

bp = Blueprint(__name__)
P = "/v1/creator/payouts"
CSV = "text/csv"


def _creator(call: Call) -> str:
    from chalicelib.services.accounts import users

    users.require_creator(call.user_id)
    return str(call.user_id)


@route(bp, f"{P}/onboarding", "POST", summary="Connect your Stripe account to get paid: creates it once, answers a "
       "fresh onboarding link each time (409 when this deployment collects on creators' behalf)", tag="creator",
       response="payouts.OnboardingLink", errors=(403, 409, 503))
def onboarding(call: Call) -> dict:
    from chalicelib.services.payouts import accounts

    return accounts.onboard(_creator(call))


@route(bp, P, summary="Your money: account state, balance per currency, recent payouts (newest first)",
       tag="creator", query="common.PageQuery", response="payouts.PayoutsOverview", errors=(403, 503))
def overview(call: Call) -> dict:
    from chalicelib.services.payouts import views

    return views.overview(_creator(call), page_limit(call.query.limit), call.query.cursor)


@route(bp, f"{P}/statement", summary="A month's statement per currency: gross, fees, refunds, refunded fees, dispute "
       "losses, net", tag="creator", query="payouts.StatementQuery", response="payouts.Statement", errors=(403,))
def statement(call: Call) -> dict:
    from chalicelib.services.payouts import views

    return views.statement(_creator(call), call.query.month)


@route(bp, f"{P}/statement.csv", summary="A month's statement as CSV, one row per currency (integer minor units)",
       tag="creator", query="payouts.StatementQuery", media_type=CSV, errors=(403,))
def statement_csv(call: Call) -> Response:
    from chalicelib.services.payouts import statements, views

    month = views.statement(_creator(call), call.query.month)
    return Response(body=statements.to_csv(month["month"], month["currencies"]), status_code=200,
                    headers={"Content-Type": CSV, "Cache-Control": "private, no-store",
                             "Content-Disposition": f'attachment; filename="statement-{call.query.month}.csv"'})
