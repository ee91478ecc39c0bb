"""The learner's side through the API: grants and enrollment, lessons, progress, quizzes, completion.

The course comes from `tests/support/courses.py` (shared with the library and access-matrix tests): every
lesson body and explanation carries a unique marker, so a test can search a raw response for anything that must not
leak.
"""

from __future__ import annotations

import functools

import pytest

from tests.support.courses import Course, attempt, explanation_marker, grant, make_course, progress
from tests.support.emulator import count_calls, prebuilt_fixture


@pytest.fixture
def api(api):
    """The shared client, minting each user's token once (loading the RSA key costs ~45 ms a call)."""
    api.token = functools.lru_cache(maxsize=None)(api.token)
    return api


@pytest.fixture
@prebuilt_fixture
def course(api) -> Course:
    return make_course(api)


# --- grants and enrollment ------------------------------------------------------------------------


def test_a_course_grant_enrolls_in_one_transaction_once(api, course):
    from chalicelib.models import Enrollment, Product
    from chalicelib.services.access import grants as access

    state = Product.get(course.product_id).attribute_values
    with count_calls() as calls:
        record, created = access.grant("bob", state, "gifted")
    assert created and record.access_type == "gifted"
    assert calls == {"GetItem": 1, "TransactWriteItems": 1}  # read the grant; grant + enrollment together, or neither
    enrollment = Enrollment.get("bob", course.product_id)
    assert enrollment.access_type == "gifted" and enrollment.enrolled_at is not None
    progress(api, "bob", course, course.free_lesson, {"is_completed": True})
    again, created = grant("bob", course.product_id, "promotional")
    assert not created and again.access_type == "gifted"
    after = Enrollment.get("bob", course.product_id)
    assert after.access_type == "gifted" and after.completed_lesson_ids == {course.free_lesson}


def test_other_products_get_a_grant_and_no_enrollment(api):
    from chalicelib.models import Enrollment

    api.creator("alice")
    ebook = api.published("alice")
    assert grant("bob", ebook["product_id"])[1]
    assert Enrollment.count("bob") == 0


def test_creators_grant_their_published_products(api, course):
    path = f"/v1/products/{course.product_id}/grants"
    first = api.call("POST", path, "alice", {"user_id": "bob", "access_type": "gifted"})
    assert first.status_code == 201 and first.json["access_type"] == "gifted"
    again = api.call("POST", path, "alice", {"user_id": "bob", "access_type": "promotional"})
    assert again.status_code == 200 and again.json["access_type"] == "gifted"
    paid_lesson = f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[0]}"
    assert api.call("GET", paid_lesson, "bob").status_code == 200
    api.creator("mallory")
    for user in ("mallory", "bob"):
        assert api.call("POST", path, user, {"user_id": "eve", "access_type": "gifted"}).status_code == 404
    for body in ({"user_id": "alice", "access_type": "gifted"}, {"user_id": "eve", "access_type": "purchased"},
                 {"user_id": "eve", "access_type": "gifted", "status": "active"},
                 {"user_id": "a b", "access_type": "gifted"}):
        assert api.call("POST", path, "alice", body).status_code == 422, body
    draft = api.product("alice", title="Draft")
    assert api.call("POST", f"/v1/products/{draft['product_id']}/grants", "alice",
                    {"user_id": "eve", "access_type": "gifted"}).status_code == 409


def test_free_products_are_claimed_as_a_purchase_at_zero(api):
    api.creator("alice")
    ebook = api.published("alice", pricing_type="free", price_cents=0)
    path = f"/v1/products/{ebook['product_id']}/enroll"
    claimed = api.call("POST", path, "bob")
    assert claimed.status_code == 201, claimed.json
    assert claimed.json == {"product_id": ebook["product_id"], "product_type": "ebook", "access_type": "purchased",
                            "enrollment": None}
    assert api.call("GET", f"/v1/products/{ebook['product_id']}", "bob").json["access_reason"] == "purchased"
    again = api.call("POST", path, "bob")
    assert again.status_code == 409 and again.json["error"]["code"] == "already_owned"
    assert api.call("POST", path, "alice").json["error"]["code"] == "already_owned"
    assert api.call("POST", path).status_code == 401


def test_a_free_course_claim_enrolls(api):
    course = make_course(api, pricing_type="free", price_cents=0)
    claimed = api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob")
    assert claimed.status_code == 201
    assert claimed.json["enrollment"]["access_type"] == "purchased"
    assert claimed.json["enrollment"]["total_lessons"] == 3


def test_paid_products_need_checkout_but_a_course_preview_is_free(api, course):
    api.creator("alice")
    ebook = api.published("alice")
    paid = api.call("POST", f"/v1/products/{ebook['product_id']}/enroll", "bob")
    assert paid.status_code == 402 and paid.json["error"]["code"] == "payment_required"
    preview = api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob")
    assert preview.status_code == 201 and preview.json["access_type"] == "preview"
    assert preview.json["enrollment"]["lessons_completed"] == 0
    assert api.call("POST", f"/v1/products/{course.product_id}/enroll", "bob").status_code == 200
    detail = api.call("GET", f"/v1/products/{course.product_id}", "bob").json
    assert detail["has_access"] is False  # a preview enrollment is not a grant
    assert api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[0]}",
                    "bob").status_code == 403


def test_a_paid_course_without_free_content_needs_checkout(api):
    api.creator("alice")
    course = api.published("alice", product_type="course", title="No preview")
    response = api.call("POST", f"/v1/products/{course['product_id']}/enroll", "bob")
    assert response.status_code == 402 and response.json["error"]["code"] == "payment_required"


def test_a_grant_upgrades_a_preview_enrollment_and_keeps_progress(api, course):
    started = progress(api, "bob", course, course.free_lesson, {"is_completed": True, "time_spent_seconds": 60})
    assert started.status_code == 200
    grant("bob", course.product_id, "purchased")
    summary = api.call("GET", f"/v1/products/{course.product_id}/progress", "bob").json["enrollment"]
    assert summary["access_type"] == "purchased"
    assert (summary["lessons_completed"], summary["total_time_spent_seconds"]) == (1, 60)


def test_drafts_and_other_people_products(api):
    draft = make_course(api, publish=False)
    path = f"/v1/products/{draft.product_id}"
    assert api.call("GET", f"{path}/lessons/{draft.free_lesson}", "bob").status_code == 404
    assert api.call("GET", f"{path}/quizzes/{draft.free_quiz}").status_code == 404
    assert api.call("POST", f"{path}/enroll", "bob").status_code == 404
    assert api.call("GET", f"{path}/lessons/{draft.paid_lessons[0]}", "alice").status_code == 200


# --- lessons --------------------------------------------------------------------------------------


def test_free_lessons_are_open_and_paid_ones_locked_with_a_reason(api, course):
    free = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.free_lesson}")
    assert free.status_code == 200
    assert course.bodies[course.free_lesson] in free.json["content"]
    assert free.json["access_reason"] == "free_preview" and free.json["key_takeaways"] == ["keys matter"]
    assert [q["quiz_id"] for q in free.json["quizzes"]] == [course.free_quiz]
    assert free.json["progress"] is None
    locked = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[0]}", "bob")
    assert locked.status_code == 403
    assert locked.json["error"]["code"] == "lesson_locked"
    assert locked.json["error"]["details"][0]["reason"] == "locked"
    assert course.bodies[course.paid_lessons[0]] not in locked.body.decode()
    assert "youtube" not in locked.body.decode()


def test_holders_read_paid_lessons_with_video_and_progress(api, course):
    grant("bob", course.product_id)
    progress(api, "bob", course, course.paid_lessons[0], {"video_progress_seconds": 42})
    lesson = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[0]}", "bob").json
    assert lesson["access_reason"] == "purchased"
    assert lesson["video_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert lesson["progress"]["video_progress_seconds"] == 42
    owner = api.call("GET", f"/v1/products/{course.product_id}/lessons/{course.paid_lessons[1]}", "alice").json
    assert owner["access_reason"] == "owner" and course.bodies[course.paid_lessons[1]] in owner["content"]


def test_unknown_lessons_and_non_courses_are_not_found(api, course):
    assert api.call("GET", f"/v1/products/{course.product_id}/lessons/les_nope").status_code == 404
    ebook = api.published("alice")
    assert api.call("GET", f"/v1/products/{ebook['product_id']}/lessons/{course.free_lesson}").status_code == 404


# --- progress -------------------------------------------------------------------------------------


def test_progress_accumulates_and_completing_twice_counts_once(api, course):
    grant("bob", course.product_id)
    first = progress(api, "bob", course, course.free_lesson,
                     {"is_completed": True, "time_spent_seconds": 300, "video_progress_seconds": 10,
                      "notes": "remember the keys", "is_bookmarked": True})
    assert first.status_code == 200, first.json
    second = progress(api, "bob", course, course.free_lesson,
                      {"is_completed": True, "time_spent_seconds": 120, "video_progress_seconds": 5})
    lesson, summary = second.json["lesson"], second.json["enrollment"]
    assert lesson["is_completed"] and lesson["time_spent_seconds"] == 420 and lesson["video_progress_seconds"] == 5
    assert lesson["notes"] == "remember the keys" and lesson["is_bookmarked"] is True
    assert lesson["completed_at"] == first.json["lesson"]["completed_at"]
    assert (summary["lessons_completed"], summary["total_lessons"], summary["progress_percent"]) == (1, 3, 33)
    assert summary["total_time_spent_seconds"] == 420 and summary["last_lesson_id"] == course.free_lesson
    assert summary["is_completed"] is False
    undone = progress(api, "bob", course, course.free_lesson, {"is_completed": False}).json
    assert undone["lesson"]["is_completed"] is False and undone["lesson"]["completed_at"] is None
    assert undone["enrollment"]["lessons_completed"] == 0


def test_a_retried_progress_report_adds_its_time_once(api, course):
    grant("bob", course.product_id)
    path = f"/v1/products/{course.product_id}/lessons/{course.free_lesson}/progress"
    report = {"time_spent_seconds": 90, "video_progress_seconds": 40}
    for _ in range(3):  # the client's retries of one report (same Idempotency-Key)
        response = api.call("PUT", path, "bob", report, headers={"Idempotency-Key": "beat-0001"})
        assert response.status_code == 200, response.json
        assert response.json["lesson"]["time_spent_seconds"] == 90
    later = api.call("PUT", path, "bob", report, headers={"Idempotency-Key": "beat-0002"}).json
    assert later["lesson"]["time_spent_seconds"] == 180 and later["enrollment"]["total_time_spent_seconds"] == 180
    # keys are per learner: carol's first report with the same key is hers, and counts (a free preview lesson)
    carol = api.call("PUT", path, "carol", report, headers={"Idempotency-Key": "beat-0001"}).json
    assert carol["lesson"]["time_spent_seconds"] == 90
    bad = api.call("PUT", path, "bob", report, headers={"Idempotency-Key": "no spaces allowed"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "bad_request"


def test_counters_follow_content_added_or_removed_later(api, course):
    grant("bob", course.product_id)
    for lesson_id in course.lessons[:2]:
        progress(api, "bob", course, lesson_id, {"is_completed": True})
    path = f"/v1/products/{course.product_id}/progress"
    assert api.call("GET", path, "bob").json["enrollment"]["progress_percent"] == 66
    assert api.call("DELETE", f"/v1/products/{course.product_id}/lessons/{course.lessons[1]}",
                    "alice").status_code == 204
    summary = api.call("GET", path, "bob").json
    assert (summary["enrollment"]["lessons_completed"], summary["enrollment"]["total_lessons"]) == (1, 2)
    assert [row["lesson_id"] for row in summary["lessons"]] == [course.free_lesson]


def test_progress_needs_an_open_lesson_and_an_enrollment(api, course):
    assert progress(api, None, course, course.free_lesson, {"is_completed": True}).status_code == 401
    locked = progress(api, "bob", course, course.paid_lessons[0], {"is_completed": True})
    assert locked.status_code == 403 and locked.json["error"]["code"] == "lesson_locked"
    free = progress(api, "bob", course, course.free_lesson, {"is_completed": True})
    assert free.status_code == 200 and free.json["enrollment"]["access_type"] == "preview"
    owner = progress(api, "alice", course, course.free_lesson, {"is_completed": True})
    assert owner.status_code == 409 and owner.json["error"]["code"] == "owner_cannot_enroll"
    missing = api.call("GET", f"/v1/products/{course.product_id}/progress", "carol")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_enrolled"
    for path in ("progress", "notes"):  # the owner records none, so has none to read: the same 409 as a write
        mine = api.call("GET", f"/v1/products/{course.product_id}/{path}", "alice")
        assert mine.status_code == 409 and mine.json["error"]["code"] == "owner_cannot_enroll"


@pytest.mark.parametrize("body", [{"time_spent_seconds": 4 * 3600 + 1}, {"time_spent_seconds": -1},
                                  {"video_progress_seconds": "10"}, {"is_completed": "yes"}, {"lessons_completed": 3}])
def test_progress_bodies_are_strict_and_bounded(api, course, body):
    grant("bob", course.product_id)
    assert progress(api, "bob", course, course.free_lesson, body).status_code == 422


def test_a_grant_that_predates_enrollments_enrolls_on_first_progress(api, course):
    from chalicelib.models import Enrollment

    grant("bob", course.product_id, "gifted")
    Enrollment("bob", course.product_id).delete()
    response = progress(api, "bob", course, course.paid_lessons[0], {"is_completed": True})
    assert response.status_code == 200 and response.json["enrollment"]["access_type"] == "gifted"


def test_progress_bumps_the_grant_activity_in_the_same_transaction(api, course):
    from chalicelib.models import AccessGrant

    grant("bob", course.product_id)
    before = AccessGrant.get("bob", course.product_id).last_activity_at
    with count_calls() as calls:
        assert progress(api, "bob", course, course.free_lesson, {"time_spent_seconds": 5}).status_code == 200
    assert calls["TransactWriteItems"] == 1 and "UpdateItem" not in calls and "PutItem" not in calls
    assert AccessGrant.get("bob", course.product_id).last_activity_at > before


def test_a_conflicting_transaction_is_retried_without_double_counting(api, course, monkeypatch):
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    from chalicelib.services.learning import enrollments

    grant("bob", course.product_id)
    real, failures = enrollments.transaction, []

    class ConflictOnce:
        def __init__(self):
            self.tx = real()

        def __enter__(self):
            return self.tx.__enter__()

        def __exit__(self, *exc):
            if not failures:
                failures.append(1)
                cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "x"}},
                                           "TransactWriteItems", {},
                                           cancellation_reasons=[CancellationReason("TransactionConflict")])
                raise TransactWriteError("cancelled", cause=cause)
            return self.tx.__exit__(*exc)

    monkeypatch.setattr(enrollments, "transaction", ConflictOnce)
    response = progress(api, "bob", course, course.free_lesson, {"time_spent_seconds": 30})
    assert response.status_code == 200 and failures == [1]
    assert response.json["enrollment"]["total_time_spent_seconds"] == 30


# --- quizzes --------------------------------------------------------------------------------------


def quiz_path(course, quiz_id):
    return f"/v1/products/{course.product_id}/quizzes/{quiz_id}"


def test_learners_get_questions_without_answers(api, course):
    grant("bob", course.product_id)
    response = api.call("GET", quiz_path(course, course.final_quiz), "bob")
    assert response.status_code == 200
    assert [q["question_type"] for q in response.json["questions"]] == ["multiple_choice", "true_false",
                                                                         "multi_select"]
    assert all(set(q) == {"question_id", "question_type", "prompt", "options", "position"}
               for q in response.json["questions"])
    assert explanation_marker(course.final_quiz) not in response.body.decode()
    assert response.json["attempts"] == [] and response.json["attempts_total"] == 0
    free = api.call("GET", quiz_path(course, course.free_quiz))
    assert free.status_code == 200 and free.json["access_reason"] == "free_preview"
    locked = api.call("GET", quiz_path(course, course.final_quiz), "carol")
    assert locked.status_code == 403 and locked.json["error"]["code"] == "quiz_locked"
    assert locked.json["error"]["details"][0]["reason"] == "locked"
    assert api.call("GET", quiz_path(course, "qz_nope"), "bob").status_code == 404


def test_attempts_are_graded_with_explanations_and_numbered(api, course):
    grant("bob", course.product_id)
    answers = course.answers[course.final_quiz]
    mc, tf, ms = answers
    wrong = attempt(api, "bob", course, course.final_quiz, {mc: [1], tf: [1], ms: [0]})
    assert wrong.status_code == 201, wrong.json
    body = wrong.json
    assert (body["attempt_number"], body["score"], body["max_score"], body["score_percent"]) == (1, 1, 3, 33)
    assert body["is_passed"] is False and body["passing_score_percent"] == 60
    results = {r["question_id"]: r for r in body["results"]}
    assert results[mc]["is_correct"] and not results[tf]["is_correct"] and not results[ms]["is_correct"]
    assert results[ms]["correct_answers"] == [0, 2] and results[ms]["explanation"] == explanation_marker(
        course.final_quiz)
    assert course.final_quiz not in body["enrollment"]["passed_quiz_ids"]
    right = attempt(api, "bob", course, course.final_quiz, answers).json
    assert (right["attempt_number"], right["score_percent"], right["is_passed"]) == (2, 100, True)
    assert course.final_quiz in right["enrollment"]["passed_quiz_ids"]
    listed = api.call("GET", quiz_path(course, course.final_quiz), "bob").json
    assert [a["attempt_number"] for a in listed["attempts"]] == [2, 1] and listed["attempts_total"] == 2
    assert "results" not in listed["attempts"][0]


def test_retakes_are_refused_when_not_allowed(api, course):
    grant("bob", course.product_id)
    assert attempt(api, "bob", course, course.module_quiz, {}).status_code == 201
    again = attempt(api, "bob", course, course.module_quiz, course.answers[course.module_quiz])
    assert again.status_code == 409 and again.json["error"]["code"] == "retake_not_allowed"


def test_attempt_bodies_are_checked(api, course):
    grant("bob", course.product_id)
    unknown = attempt(api, "bob", course, course.final_quiz, {"qq_other": [0]})
    assert unknown.status_code == 422 and unknown.json["error"]["details"][0]["loc"] == ["body", "answers", "qq_other"]
    for answers in ({"x": [10]}, {"x": ["0"]}, {"x": 0}):
        assert attempt(api, "bob", course, course.final_quiz, answers).status_code == 422
    locked = attempt(api, "carol", course, course.final_quiz, course.answers[course.final_quiz])
    assert locked.status_code == 403 and explanation_marker(course.final_quiz) not in locked.body.decode()


def test_free_quiz_attempts_enroll_a_preview_learner(api, course):
    response = attempt(api, "carol", course, course.free_quiz, course.answers[course.free_quiz])
    assert response.status_code == 201 and response.json["enrollment"]["access_type"] == "preview"


def test_concurrent_submissions_never_share_a_number(api, course, monkeypatch):
    """A submission that read a stale latest number loses the conditional put and takes the next one."""
    from chalicelib.services.learning import quizzes

    grant("bob", course.product_id)
    assert attempt(api, "bob", course, course.final_quiz, {}).json["attempt_number"] == 1
    real, stale = quizzes._recent_attempts, []

    def first_read_stale(user_id, quiz_id, limit):
        if not stale:
            stale.append(1)
            return []
        return real(user_id, quiz_id, limit)

    monkeypatch.setattr(quizzes, "_recent_attempts", first_read_stale)
    assert attempt(api, "bob", course, course.final_quiz, {}).json["attempt_number"] == 2


# --- completion and certificates ------------------------------------------------------------------


def complete_lessons(api, user, course):
    for lesson_id in course.lessons:
        response = progress(api, user, course, lesson_id, {"is_completed": True})
        assert response.status_code == 200, response.json
    return response.json["enrollment"]


def test_completion_needs_every_lesson_and_the_final_quiz(api, course):
    grant("bob", course.product_id)
    summary = complete_lessons(api, "bob", course)
    assert summary["progress_percent"] == 100 and summary["is_completed"] is False
    passed = attempt(api, "bob", course, course.final_quiz, course.answers[course.final_quiz]).json["enrollment"]
    assert passed["is_completed"] is True and passed["completed_at"] and passed["certificate_id"].startswith("cert_")
    certificate = api.call("GET", f"/v1/certificates/{passed['certificate_id']}")
    assert certificate.status_code == 200
    assert certificate.json == {"certificate_id": passed["certificate_id"], "learner_name": "Bob",
                                "course_title": "Learning DynamoDB", "product_id": course.product_id,
                                "creator_id": "alice", "creator_name": "Alice",
                                "completed_at": passed["completed_at"]}
    assert "user_id" not in certificate.body.decode()


def test_the_certificate_is_issued_exactly_once(api, course):
    from chalicelib.models import Certificate

    grant("bob", course.product_id)
    complete_lessons(api, "bob", course)
    first = attempt(api, "bob", course, course.final_quiz, course.answers[course.final_quiz]).json["enrollment"]
    again = attempt(api, "bob", course, course.final_quiz, course.answers[course.final_quiz]).json["enrollment"]
    redo = progress(api, "bob", course, course.free_lesson, {"is_completed": True}).json["enrollment"]
    assert first["certificate_id"] == again["certificate_id"] == redo["certificate_id"]
    assert first["completed_at"] == redo["completed_at"]
    assert Certificate.count() == 1


def test_a_racing_completer_issues_no_second_certificate(api, course, monkeypatch):
    """Two writes that both saw "all done, not yet completed": the second one's conditional transaction
    (`attribute_not_exists(completed_at)`) fails and changes nothing."""
    from chalicelib.models import Certificate, Enrollment
    from chalicelib.services.learning import enrollments

    assert api.call("DELETE", quiz_path(course, course.final_quiz), "alice").status_code == 204
    grant("bob", course.product_id)
    for lesson_id in course.lessons[:-1]:
        progress(api, "bob", course, lesson_id, {"is_completed": True})
    stale = Enrollment.get("bob", course.product_id)
    stale.completed_lesson_ids = set(course.lessons)
    winner = progress(api, "bob", course, course.lessons[-1], {"is_completed": True}).json["enrollment"]
    real_read, real_commit, reads, outcomes = enrollments.find, enrollments.commit, [], []

    def completion_check_reads_stale(user_id, product_id):  # 1st read: enrolled? 2nd: complete yet?
        reads.append(1)
        return stale if len(reads) == 2 else real_read(user_id, product_id)

    def recording_commit(write):
        outcomes.append(real_commit(write))
        return outcomes[-1]

    monkeypatch.setattr(enrollments, "find", completion_check_reads_stale)
    monkeypatch.setattr(enrollments, "commit", recording_commit)
    loser = progress(api, "bob", course, course.lessons[-1], {"time_spent_seconds": 1}).json["enrollment"]
    assert outcomes[0] == [] and "ConditionalCheckFailed" in outcomes[1]  # progress applied, completion refused
    assert loser["certificate_id"] == winner["certificate_id"] and loser["completed_at"] == winner["completed_at"]
    assert [c.certificate_id for c in Certificate.scan()] == [winner["certificate_id"]]


def test_a_course_without_a_final_quiz_completes_with_its_last_lesson(api, course):
    assert api.call("DELETE", quiz_path(course, course.final_quiz), "alice").status_code == 204
    grant("bob", course.product_id)
    summary = complete_lessons(api, "bob", course)
    assert summary["is_completed"] is True and summary["certificate_id"]


@pytest.mark.parametrize("certificate_id", ["cert_doesnotexist", "prd_123", "cert_" + "x" * 80])
def test_unknown_certificates_are_not_found(api, certificate_id):
    response = api.call("GET", f"/v1/certificates/{certificate_id}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_the_certificate_prints_the_display_name_the_learner_set(api, course, idp):
    nameless = idp.mint("dana", email="dana@example.com")  # no `name` claim (Cognito's default): nothing names her
    token = api.token
    api.token = lambda user: nameless if user == "dana" else token(user)
    assert api.call("GET", "/v1/me", token=nameless).json["display_name"] is None
    updated = api.call("PATCH", "/v1/me", token=nameless, body={"display_name": "Dana Park"})
    assert updated.status_code == 200 and updated.json["display_name"] == "Dana Park"
    grant("dana", course.product_id)
    complete_lessons(api, "dana", course)
    passed = attempt(api, "dana", course, course.final_quiz, course.answers[course.final_quiz]).json["enrollment"]
    certificate = api.call("GET", f"/v1/certificates/{passed['certificate_id']}").json
    assert certificate["learner_name"] == "Dana Park"


# --- issue 11 -------------------------------------------------------------------------------------


def test_a_progress_key_is_bound_to_its_report(api, course):
    grant("bob", course.product_id)
    first, other = course.free_lesson, course.paid_lessons[0]
    path = f"/v1/products/{course.product_id}/lessons/{{}}/progress"
    key = {"Idempotency-Key": "report-42"}
    assert api.call("PUT", path.format(first), "bob", {"time_spent_seconds": 60}, headers=key).status_code == 200
    # the same key for another lesson without a progress row (was a 500), or another payload (was a silent 200)
    for lesson_id, body in ((other, {"time_spent_seconds": 60}), (first, {"time_spent_seconds": 61}),
                            (first, {"is_completed": True})):
        reused = api.call("PUT", path.format(lesson_id), "bob", body, headers=key)
        assert reused.status_code == 409 and reused.json["error"]["code"] == "idempotency_key_reused"
    progress(api, "bob", course, first, {"notes": "a later change"})
    again = api.call("PUT", path.format(first), "bob", {"time_spent_seconds": 60}, headers=key)
    assert again.status_code == 200 and again.json["lesson"]["time_spent_seconds"] == 60
    assert again.json["lesson"]["notes"] == "a later change"  # the retry answers with the current progress
    summary = api.call("GET", f"/v1/products/{course.product_id}/progress", "bob").json
    assert summary["enrollment"]["total_time_spent_seconds"] == 60
    assert [row["lesson_id"] for row in summary["lessons"]] == [first]  # nothing written for the reused key
    # the same report by its lesson's slug is the same request
    by_slug = api.call("PUT", path.format("welcome"), "bob", {"time_spent_seconds": 60}, headers=key)
    assert by_slug.status_code == 200 and by_slug.json["enrollment"]["total_time_spent_seconds"] == 60


def test_lessons_are_read_and_reported_by_slug(api, course):
    grant("bob", course.product_id)
    base = f"/v1/products/{course.product_id}/lessons"
    read = api.call("GET", f"{base}/welcome", "bob")
    assert read.status_code == 200 and read.json["lesson_id"] == course.free_lesson
    assert [q["quiz_id"] for q in read.json["quizzes"]] == [course.free_quiz]
    done = api.call("PUT", f"{base}/indexes/progress", "bob", {"is_completed": True})
    assert done.status_code == 200 and done.json["lesson"]["lesson_id"] == course.paid_lessons[1]
    assert api.call("GET", f"{base}/indexes", "carol").json["error"]["code"] == "lesson_locked"
    assert api.call("GET", f"{base}/no-such-lesson", "bob").status_code == 404


def test_answers_no_learner_could_give_are_refused_naming_the_question(api, course):
    grant("bob", course.product_id)
    single, true_false, multi = course.answers[course.final_quiz]
    for qid, chosen in ((single, [0, 1]), (single, [7]), (true_false, [0, 1]), (true_false, [2]), (multi, [0, 3])):
        refused = attempt(api, "bob", course, course.final_quiz, {qid: chosen})
        assert refused.status_code == 422, (qid, chosen)
        assert refused.json["error"]["details"][0]["loc"] == ["body", "answers", qid]
    listed = api.call("GET", f"/v1/products/{course.product_id}/quizzes/{course.final_quiz}", "bob").json
    assert listed["attempts_total"] == 0  # nothing stored


def test_the_owner_resets_a_learners_attempts_with_an_audit_record(api, course):
    from chalicelib.models import QuizAttempt

    grant("bob", course.product_id)
    path = f"/v1/products/{course.product_id}/quizzes/{course.module_quiz}/attempt-resets"
    body = {"user_id": "bob", "reason": "the question was ambiguous"}
    assert api.call("POST", path, "alice", body).status_code == 404  # nothing to reset yet
    assert attempt(api, "bob", course, course.module_quiz, {}).json["is_passed"] is False
    assert attempt(api, "bob", course, course.module_quiz, {}).status_code == 409  # no retakes
    for user in ("bob", "carol"):  # only the owner; anybody else sees no such quiz
        assert api.call("POST", path, user, body).status_code == 404
    reset = api.call("POST", path, "alice", body)
    assert reset.status_code == 201, reset.json
    assert (reset.json["reset_by"], reset.json["reason"], reset.json["attempt_number"]) == (
        "alice", "the question was ambiguous", 2)
    assert reset.json["reset_at"]
    assert api.call("POST", path, "alice", body).status_code == 200  # already reset: the same record
    retake = attempt(api, "bob", course, course.module_quiz, course.answers[course.module_quiz])
    assert retake.status_code == 201 and retake.json["is_passed"] is True and retake.json["attempt_number"] == 3
    assert attempt(api, "bob", course, course.module_quiz, {}).status_code == 409  # one retake per reset
    listed = api.call("GET", f"/v1/products/{course.product_id}/quizzes/{course.module_quiz}", "bob").json
    assert [a["attempt_number"] for a in listed["attempts"]] == [3, 1]
    audit = QuizAttempt.get(f"bob#{course.module_quiz}", 2)
    assert (audit.reset_by, audit.reset_reason) == ("alice", "the question was ambiguous")


def test_notes_and_bookmarks_are_listed_across_a_course(api, course):
    grant("bob", course.product_id)
    path = f"/v1/products/{course.product_id}/notes"
    assert api.call("GET", path, "carol").json["error"]["code"] == "not_enrolled"
    assert api.call("GET", path, "bob").json == {"items": []}
    progress(api, "bob", course, course.paid_lessons[1], {"notes": "GSIs are eventually consistent"})
    progress(api, "bob", course, course.free_lesson, {"is_bookmarked": True})
    progress(api, "bob", course, course.paid_lessons[0], {"is_completed": True})  # neither: not listed
    items = api.call("GET", path, "bob").json["items"]
    assert [(i["lesson_id"], i["notes"], i["is_bookmarked"]) for i in items] == [
        (course.free_lesson, None, True), (course.paid_lessons[1], "GSIs are eventually consistent", False)]
    assert items[0]["lesson_slug"] == "welcome" and items[0]["module_title"] == "Start here"
