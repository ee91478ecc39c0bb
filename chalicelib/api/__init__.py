"""HTTP layer: one Blueprint per area, registered by `register`."""

from chalice import Chalice

from chalicelib.api import (
    accounts,
    ai,
    analytics,
    catalog,
    commerce,
    coupons,
    course_builder,
    course_import,
    credits,
    dashboard,
    deliverables,
    health,
    learning,
    messaging,
    payouts,
    playback,
    refunds,
    reviews,
    sales,
    search,
    videos,
)
from chalicelib.api.middleware import http_middleware

BLUEPRINTS = (health.bp, accounts.bp, catalog.bp, course_builder.bp, course_import.bp, learning.bp, commerce.bp,
              refunds.bp, sales.bp,
              coupons.bp, deliverables.bp, ai.bp, credits.bp, dashboard.bp, videos.bp, playback.bp, search.bp,
              messaging.bp, reviews.bp, analytics.bp, payouts.bp)


def register(app: Chalice) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_middleware(http_middleware, "http")
