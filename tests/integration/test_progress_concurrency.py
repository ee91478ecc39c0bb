"""Concurrent progress loses nothing: 20 completions of different lessons and 20 time deltas at once.

moto's in-process mock is not safe under threads, so this runs against moto in server mode on a free
127.0.0.1 port. The services are called directly from the threads (the HTTP layer adds nothing here).
PynamoDB caches one connection per model and botocore reads `AWS_ENDPOINT_URL` when a client is created,
so every cached connection is dropped when pointing at the server and again when leaving it.

Two moto 5.2.5 server limits shape the scenario (real DynamoDB has neither): an UpdateItem that *creates*
an item is not atomic (two concurrent first writes both start from nothing, one delta is lost), and a
transaction that fails a condition restores whole-table snapshots taken when it started, undoing writes
that other threads committed meanwhile. So the learner opens every lesson first (creating its progress
row), and the burst leaves one lesson undone: completion (a conditional transaction) runs afterwards.
Exactly-once certificates under a racing completer are tested deterministically in test_learning.py.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

LESSONS = 20


@pytest.fixture
def course(moto_server):
    """A published 1-module course of LESSONS + 1 lessons that "bob" bought."""
    from chalicelib.services.access import grants as access
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses.lessons import add_lesson
    from chalicelib.services.courses.modules import add_module

    users.open_creator_account("alice", "alice@example.com", "Alice", None)
    product = catalog.create_product("alice", {"product_type": "course", "title": "Busy course", "description": "d",
                                               "pricing_type": "fixed", "price_cents": 1000})
    module_id = add_module("alice", product.product_id, {"title": "All of it"}).module_id
    lessons = [add_lesson("alice", product.product_id, module_id, {"title": f"Lesson {i}", "content_type": "text"})[
        "lesson_id"] for i in range(LESSONS + 1)]
    product = catalog.publish_product("alice", product.product_id)
    access.grant("bob", catalog.state_of(product), "purchased")
    return product.product_id, lessons


def test_concurrent_completions_and_time_deltas_lose_nothing(course):
    from chalicelib.models import AccessGrant, Certificate, Enrollment, LessonProgress
    from chalicelib.models.learning import enrollment_key
    from chalicelib.services.learning import progress

    product_id, lessons = course
    for lesson_id in lessons:
        progress.record_progress("bob", product_id, lesson_id, {})  # opened: its progress row exists
    burst = lessons[:LESSONS]
    jobs = [(lesson_id, {"is_completed": True}) for lesson_id in burst]
    jobs += [(lessons[0], {"time_spent_seconds": seconds}) for seconds in range(1, LESSONS + 1)]
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        return progress.record_progress("bob", product_id, *job, learner_name="Bob")

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        list(pool.map(run, jobs))

    enrollment = Enrollment.get("bob", product_id, consistent_read=True)
    assert enrollment.completed_lesson_ids == set(burst)
    expected_seconds = sum(range(1, LESSONS + 1))
    assert enrollment.total_time_spent_seconds == expected_seconds
    assert LessonProgress.get(enrollment_key("bob", product_id), lessons[0]).time_spent_seconds == expected_seconds
    summary = progress.course_progress("bob", product_id)["enrollment"]
    assert (summary["lessons_completed"], summary["total_lessons"], summary["progress_percent"]) == (
        LESSONS, LESSONS + 1, 100 * LESSONS // (LESSONS + 1))
    assert summary["is_completed"] is False
    assert AccessGrant.get("bob", product_id).last_activity_at == enrollment.last_activity_at

    done = progress.record_progress("bob", product_id, lessons[-1], {"is_completed": True}, learner_name="Bob")
    assert done["enrollment"]["is_completed"] is True
    assert [c.certificate_id for c in Certificate.scan()] == [done["enrollment"]["certificate_id"]]
