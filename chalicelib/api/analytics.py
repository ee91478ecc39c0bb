"""Creator analytics: roll-ups and the product funnel by day, week or month, course engagement. The figures live in
`services/analytics`."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

bp = Blueprint(__name__)


@route(bp, "/v1/creator/analytics", summary="Your figures per currency by day, week or month (gross, refunds, "
       "lost disputes, net, orders, free claims, new buyers, disputes), for all products or one", tag="creator",
       query="analytics.AnalyticsQuery", response="analytics.AnalyticsReport", errors=(403, 404))
def creator_analytics(call: Call) -> dict:
    from chalicelib.services.analytics import reports

    query = _checked_report_query(call)
    return reports.series(call.user_id, query.from_date, query.to_date, query.granularity, query.product_id)


@route(bp, "/v1/creator/funnel", summary="Your product funnel by day, week or month: detail views, checkouts started, "
       "paid orders, free claims and the conversion rates between them, for all products or one", tag="creator",
       query="analytics.AnalyticsQuery", response="analytics.FunnelReport", errors=(403, 404))
def creator_funnel(call: Call) -> dict:
    from chalicelib.services.analytics import funnel

    query = _checked_report_query(call)
    return funnel.report(call.user_id, query.from_date, query.to_date, query.granularity, query.product_id)


def _checked_report_query(call: Call):
    """The report's query once the caller is known as a creator (403 otherwise) who owns the product asked about
    (someone else's: 404)."""
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products

    users.require_creator(call.user_id)
    if call.query.product_id is not None:
        products.get_owned(call.user_id, call.query.product_id)
    return call.query


@route(bp, "/v1/products/{product_id}/engagement", summary="Your course's engagement: per lesson learners who started "
       "and completed it, the drop-off to the next lesson, video watching; per quiz question the percent answered "
       "correctly", tag="creator", response="analytics.EngagementReport", errors=(422,))
def course_engagement(call: Call, product_id: str) -> dict:
    from chalicelib.errors import InvalidInput
    from chalicelib.services.analytics import engagement
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import store

    if products.get_owned(call.user_id, product_id).product_type != "course":  # someone else's: 404
        raise InvalidInput("only courses have engagement figures")
    outline = store.load_outline(product_id, consistent=False)
    modules = {module.module_id: module.position for module in outline.modules}
    lessons = sorted(outline.lessons, key=lambda lesson: (modules[lesson.module_id], lesson.position))
    return engagement.report(product_id, [lesson.lesson_id for lesson in lessons],
                             [quiz.quiz_id for quiz in outline.quizzes])
