"""Refund rules that approve themselves: per product, a request made within N days of payment by a buyer who
consumed less than X % is approved at once through the normal refund path (`refunds.approve`, the buyer's email
included); any other request waits for the creator. Every request records what the buyer had consumed, so the
creator sees it on each request.

Consumption (`consumption`), read when the request is made: for a course, the larger of the current lessons completed
and the video watched (the furthest position reached in each lesson, summed, over the course's total video length),
in percent; for a product with files, the percent of its files the buyer downloaded at least once. Reads: the
enrollment (GetItem) and the learner's lesson rows (one Query), or the product's files (one Query) and the buyer's
downloads (one Query of `by_user`, filtered to the product).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.models import DownloadLog, Enrollment, LessonProgress, Order, Product, ProductFile, RefundRule
from chalicelib.models.base import utcnow
from chalicelib.models.learning import enrollment_key
from chalicelib.services.catalog import products


def rule_of(product_id: str) -> RefundRule | None:
    try:
        return RefundRule.get(product_id)
    except DoesNotExist:
        return None


def get_rule(creator_id: str, product_id: str) -> RefundRule | None:
    """The creator's rule for their own product (someone else's product: 404), or None."""
    products.get_owned(creator_id, product_id)
    return rule_of(product_id)


def set_rule(creator_id: str, product_id: str, within_days: int, max_consumed_percent: int) -> RefundRule:
    products.get_owned(creator_id, product_id)
    rule = RefundRule(product_id, creator_id=creator_id, within_days=within_days,
                      max_consumed_percent=max_consumed_percent, updated_at=utcnow())
    rule.save()
    return rule


def remove_rule(creator_id: str, product_id: str) -> None:
    products.get_owned(creator_id, product_id)
    RefundRule(product_id).delete()


def _percent(part: int, whole: int) -> int:
    return min(100, 100 * part // whole) if whole > 0 else 0


def consumption(buyer_id: str, product_id: str) -> dict[str, int]:
    """What the buyer has consumed of the product: `consumed_percent` and the figures it comes from."""
    try:
        product = Product.get(product_id)
    except DoesNotExist:
        return {"consumed_percent": 0, "lessons_completed": 0, "video_watched_seconds": 0, "downloads": 0}
    if product.product_type == "course":
        try:
            completed = set(Enrollment.get(buyer_id, product_id).completed_lesson_ids or ())
        except DoesNotExist:
            completed = set()
        current = set(product.lesson_ids or ())
        watched = sum(int(row.video_watched_seconds or 0)
                      for row in LessonProgress.query(enrollment_key(buyer_id, product_id)))
        lessons = len(completed & current)
        percent = max(_percent(lessons, len(current)), _percent(watched, int(product.total_duration_seconds or 0)))
        return {"consumed_percent": percent, "lessons_completed": lessons, "video_watched_seconds": watched,
                "downloads": 0}
    files = {row.file_id for row in ProductFile.query(product_id) if row.status == "ready"}
    mine = DownloadLog.by_user.query(buyer_id, filter_condition=DownloadLog.product_id == product_id)
    downloaded = [log.file_id for log in mine]
    return {"consumed_percent": _percent(len(files & set(downloaded)), len(files)), "lessons_completed": 0,
            "video_watched_seconds": 0, "downloads": len(downloaded)}


def approves(rule: RefundRule | None, order: Order, consumed_percent: int, now: datetime | None = None) -> bool:
    """The rule's verdict: within `within_days` of payment (that instant included) and under the consumption cap."""
    if rule is None or order.paid_at is None:
        return False
    in_time = (now or utcnow()) <= order.paid_at + timedelta(days=int(rule.within_days))
    return in_time and consumed_percent < int(rule.max_consumed_percent)


def rule_out(rule: RefundRule) -> dict[str, Any]:
    return {"product_id": rule.product_id, "within_days": int(rule.within_days),
            "max_consumed_percent": int(rule.max_consumed_percent), "updated_at": rule.updated_at}
