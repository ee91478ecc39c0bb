"""Courses: a course product's content — modules, lessons, quizzes and questions — its builder and its legacy import.

Table `course-content`, one partition per course (hash `product_id`), polymorphic items (discriminator `kind`):
`ROOT` (the course lock: `content_version`, `import_hashes`), `O#M#<module>`, `O#L#<lesson>`, `O#Q#<quiz>` (the
outline: small items, contiguous, read with ONE Query), `B#L#<lesson>` (markdown body, key takeaways) and
`B#Q#<quiz>#<question>` (questions with their correct answers — never sent to a learner before an attempt).

Invariants:
- Positions are dense integers per parent (modules in the course, lessons in a module, quizzes in their scope,
  questions in a quiz); a parent holds at most `store.MAX_CHILDREN` (90) children, so a reorder of all siblings fits
  in one transaction.
- No orphans: deletes that can exceed a transaction (a module with its lessons, quizzes and questions) delete the
  children in batches first and the parent last under the lock; a crash leaves a smaller module, never an orphan.
- Stats (`total_lessons`, `total_modules`, `total_duration_seconds`, `has_free_preview`,
  `free_preview_lesson_count`) and the product's `lesson_ids` are recomputed from the committed outline after every
  write and stored with `stats_content_version`; an older recomputation never overwrites a newer one.
- `video_url` accepts only https YouTube/Vimeo URLs, stored in their embed form; the server never fetches them.
- A lesson may reference (`video_asset_id`) only a `ready` video of its own creator (404 for anyone else's, 422
  naming its status), read from the `video-assets` model; its duration (whole seconds, rounded up) is copied onto the
  lesson, so outlines and stats never read assets. A lesson takes its `estimated_duration_seconds`, else the video's.
  This package never imports the video package: video calls `lessons.attach_video` when an upload named for a lesson
  becomes ready (the lesson switches to `video`, drops an embed URL, unless it already shows it or a newer upload).

- A published course keeps at least one lesson (publishing needs one: `catalog.pricing.publish_problems`);
  deleting its last lesson or module is 409.
- Outlines list each lesson's inline quizzes under it; a lesson reorder answers the full lessons (bodies included).

Concurrency protocol (`store.apply_change`): every write reads the outline, validates and plans, and commits ONE
transaction conditioned on `ROOT.content_version` that also bumps it. Concurrent edits of one course serialize:
the loser re-reads and re-validates (`core.db.retry_on_conflict`, 5 attempts, then 409); a reorder must list
exactly the current children, else 409.

Legacy import (`importer`, `POST /v1/products/{id}/import` and `python -m chalicelib.handlers.import_course`):
the document is validated and turned into items before any write (422 names the path). Ids derive from (product,
SHA-256 of the canonical document, indexes). Lessons and bodies are batch-written first; one transaction then puts
the modules (≤ 90) and moves the lock with the document's hash in `import_hashes`, so the course appears at once and
a crashed run is completed by re-running it (lessons whose module does not exist are invisible everywhere). The
same document again answers 200 `is_already_imported`; a course with other content answers 409. Only YouTube
`video_url`s become `video_embed` lessons; any other URL is a 422 at its path.

Modules:
- `store`: reading (outline, bodies, questions, the owner's course) and the write protocol with its plan helpers.
- `modules`, `lessons`, `quizzes` (with questions): the builder's writes.
- `importer`: the legacy import.  `outline`: the outline as data and what follows from it (pure).
- `embeds`: video embed URLs (pure).
Errors: only the generic kinds (not_found 404, conflict 409, validation_error 422).
"""
