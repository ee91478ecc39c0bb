"""The learning domain: the learner's side of a course — access, enrollments, progress, quizzes, completion,
certificates — and the buyer's library.

Owns the tables `enrollments` (one per course learner: `access_type` purchased | gifted | promotional | preview,
completed-lesson and passed-quiz string SETs, time spent (ADD), last activity and lesson, `completed_at`,
`certificate_id`), `lesson-progress` (`user#product`, lesson: per-lesson upsert; a course's rows in one Query),
`quiz-attempts` (`user#quiz`, number: latest first) and `certificates` (`cert_` + 144 random bits; names and title
copied at issue). Reads `access-grants` (the source of truth for access, owned by `access`) and bumps a grant's
`last_activity_at` (the library's sort key); progress reports' idempotency markers go to `stripe-events`.

Access (`rules`): full access for the owner and active grants; a lesson is also open when it or its module is a
free preview (a quiz when it, its module or its host lesson is). Locked content answers 403 `lesson_locked` /
`quiz_locked` with the reason and never the content; questions go out without correct answers or explanations
until an attempt is graded.

Enrollment (`enrollments`): `POST /v1/products/{id}/enroll` — a free product is a purchase at 0 (a `claim` source on the
grant and the enrollment in one transaction, the enrollment upserted so a preview is upgraded with its progress); a
paid course with free preview content gives a `preview` enrollment and, in the same transaction, a source-less
grant row with status `preview` (no access; the library lists it with `access_type: preview`, and progress bumps
it); other paid products answer 402 `payment_required` (checkout is commerce's); a holder 409
`already_owned`. A learner without an enrollment gets one on first progress or attempt (from their grant, else
`preview`); the owner gets none (409 `owner_cannot_enroll`). Creators grant with `POST …/grants`.

Write protocol (`enrollments.commit` + `touch`): every learner write is ONE TransactWriteItems — the lesson
progress (or the quiz attempt), the enrollment and the grant's activity, each update conditioned on its item
existing. A transaction cancelled for TransactionConflict applied nothing and is retried with jittered backoff
(ADDs never double); a failed condition goes back to the caller (409 "changed meanwhile" unless it was a retried
report). Progress (`progress`): counters are derived — `lessons_completed = |completed ∩ product.lesson_ids|` with
`completed_lesson_ids` a string SET grown by ADD, time by ADD of a delta (≤ 4 h per call) — so repeats,
concurrency and later content edits never skew them; calls: 1 GetItem product + 1 GetItem grant + 1 outline
Query + 1 GetItem enrollment + 1 TransactWriteItems. An `Idempotency-Key` is recorded in the same transaction
(`ProgressReport`: `progress:<user>:<key>` with the SHA-256 of product, lesson and changes): the same report again
changes nothing and answers the current progress; the key with any other report is 409 `idempotency_key_reused`.
Lessons are named by id or slug in every learner route (`rules.lesson`); ids stay canonical in what is stored.
`GET …/notes`: the learner's notes and bookmarks in course order (outline + one Query of the progress rows).
Quizzes (`quizzes`): graded on the server (multi-select = exact set); `attempt_number` is a conditional put, so
concurrent submits never share one; retakes only if allowed (else 409 `retake_not_allowed`). Answers no learner
could give (an unknown question, an index outside the options, several options on a single-answer question) are
422 naming the question, nothing stored. The owner may reset a learner's attempts (`POST …/attempt-resets`, with a
reason): the reset takes the next attempt number and records who, why and when (the audit record); the learner may
then attempt once more; earlier attempts and passes stay.

Completion (`certificates`): every current lesson completed and every course-scope quiz passed sets
`completed_at` under `attribute_not_exists` in the same transaction as the certificate put: exactly one
certificate, sticky even if lessons are added later; the completion email (`accounts.emails`) is queued in that
transaction. `GET /v1/certificates/{id}` is public, never shows the user. The PDF (`certificate_pdf`: fpdf2, a QR
code of the verification page) is rendered after the commit into the files bucket and handed out by
`GET /v1/certificates/{id}/pdf` (public, a 5-minute presigned URL); a rename (`PATCH /v1/me`) rewrites the
learner's name on their certificates and renders them again, and a missing or stale PDF is rendered on download.
Free claims and gifts (`enrollments`) queue their receipt in the grant's transaction (`access.grants.grant(also=)`).

Library (`library`): 1 Query (`by_activity`, desc) + 1 BatchGetItem products + 1 BatchGetItem enrollments per
page, whatever is owned.

Modules: errors, rules, enrollments, progress, quizzes, certificates, certificate_pdf, library.
"""
