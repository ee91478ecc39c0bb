"""The learner's endpoints: enroll, read lessons and quizzes, record progress, attempt quizzes, the library,
certificate verification; and the creator's grants. Access rules live in `services/learning/rules.py`."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
P = "/v1/products/{product_id}"


@route(bp, f"{P}/enroll", "POST", summary="Claim a free product, or start a paid course's free preview "
       "(201 first, then 200; paid products answer 402 payment_required)", tag="learning",
       response="learning.EnrollOut", status=201, repeat=200, errors=(402, 409))
def enroll(call: Call, product_id: str) -> tuple:
    from chalicelib.services.learning import enrollments

    return enrollments.enroll(call.user_id, product_id)


@route(bp, f"{P}/grants", "POST", summary="Gift or promote your product to a user (201, then 200 if they hold it)",
       tag="creator", body="learning.GrantCreate", response="learning.GrantOut", status=201, repeat=200,
       errors=(409,))
def grant_access(call: Call, product_id: str) -> tuple:
    from chalicelib.services.learning import enrollments

    return enrollments.give_access(call.user_id, product_id, call.body.user_id, call.body.access_type)


@route(bp, f"{P}/lessons/{{lesson_id}}", summary="Read a lesson (owner, holders, or free preview; else 403)",
       tag="learning", auth="optional", response="learning.LessonRead", errors=(403,))
def read_lesson(call: Call, product_id: str, lesson_id: str) -> dict:
    from chalicelib.services.learning import progress

    return progress.read_lesson(call.user_id, product_id, lesson_id)


@route(bp, f"{P}/lessons/{{lesson_id}}/progress", "PUT",
       summary="Record your progress on a lesson (send an Idempotency-Key header so a retried report never adds "
       "its time twice)", tag="learning", idempotent=True, body="learning.ProgressUpdate",
       response="learning.ProgressUpdateOut", errors=(403, 409))
def record_progress(call: Call, product_id: str, lesson_id: str) -> dict:
    from chalicelib.services.learning import progress

    return progress.record_progress(call.user_id, product_id, lesson_id, call.body.model_dump(exclude_none=True),
                                    learner_name=call.identity.name, request_key=call.idempotency_key)


@route(bp, f"{P}/progress", summary="Your progress in a course, lesson by lesson", tag="learning",
       response="learning.CourseProgress", errors=(409,))
def course_progress(call: Call, product_id: str) -> dict:
    from chalicelib.services.learning import progress

    return progress.course_progress(call.user_id, product_id)


@route(bp, f"{P}/quizzes/{{quiz_id}}", summary="A quiz's questions (no answers) and your attempts", tag="learning",
       auth="optional", response="learning.LearnerQuiz", errors=(403,))
def read_quiz(call: Call, product_id: str, quiz_id: str) -> dict:
    from chalicelib.services.learning import quizzes

    return quizzes.read_quiz(call.user_id, product_id, quiz_id)


@route(bp, f"{P}/quizzes/{{quiz_id}}/attempts", "POST", summary="Submit answers; graded with explanations",
       tag="learning", body="learning.AttemptCreate", response="learning.GradedAttempt", status=201,
       errors=(403, 409))
def submit_attempt(call: Call, product_id: str, quiz_id: str) -> dict:
    from chalicelib.services.learning import quizzes

    return quizzes.submit_attempt(call.user_id, product_id, quiz_id, call.body.answers,
                                  learner_name=call.identity.name)


@route(bp, f"{P}/quizzes/{{quiz_id}}/attempt-resets", "POST",
       summary="Let a learner take your quiz again, even without retakes (201; 200 if already reset); the reset "
       "records who, why and when", tag="creator", body="learning.AttemptResetCreate",
       response="learning.AttemptResetOut", status=201, repeat=200, errors=(409,))
def reset_attempts(call: Call, product_id: str, quiz_id: str) -> tuple:
    from chalicelib.services.learning import quizzes

    return quizzes.reset_attempts(call.user_id, product_id, quiz_id, call.body.user_id, call.body.reason)


@route(bp, f"{P}/notes", summary="Your notes and bookmarks in a course, in course order", tag="learning",
       response="learning.LessonNotes", errors=(409,))
def notes_and_bookmarks(call: Call, product_id: str) -> dict:
    from chalicelib.services.learning import progress

    return progress.notes_and_bookmarks(call.user_id, product_id)


@route(bp, "/v1/library", summary="Everything you own, most recently used first, courses with progress",
       tag="learning", query="common.PageQuery", response="learning.LibraryPage")
def library(call: Call) -> dict:
    from chalicelib.services.learning.library import library

    page = library(call.user_id, page_limit(call.query.limit), call.query.cursor)
    return page.to_dict()


@route(bp, "/v1/certificates/{certificate_id}", summary="Verify a certificate of completion (public)",
       tag="learning", auth="none", response="learning.CertificateOut")
def verify_certificate(call: Call, certificate_id: str):
    from chalicelib.services.learning import certificates

    return certificates.certificate(certificate_id)


@route(bp, "/v1/certificates/{certificate_id}/pdf", summary="Download a certificate as a PDF (public; the URL lives "
       "5 minutes)", tag="learning", auth="none", response="learning.CertificatePdfOut")
def certificate_pdf(call: Call, certificate_id: str):
    from chalicelib.services.learning import certificate_pdf, certificates

    return certificate_pdf.download(certificates.certificate(certificate_id))
