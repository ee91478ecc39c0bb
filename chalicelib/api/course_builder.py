"""Course builder endpoints (product owner only; anybody else gets 404)."""

from chalice import Blueprint

from chalicelib.api.routing import Call, route

# Services are imported inside views: importing the app must stay cheap (see routing.py).
bp = Blueprint(__name__)
P = "/v1/products/{product_id}"
READ_ERRORS = (422,)  # 422: the product is not a course
WRITE_ERRORS = (409, 422)  # 409: an archived course, or a concurrent change


@route(bp, f"{P}/content", summary="The course tree as its owner edits it", tag="builder",
       response="course.CourseContent", errors=READ_ERRORS)
def course_content(call: Call, product_id: str) -> dict:
    from chalicelib.services.courses.outline import outline_tree, quiz_summary
    from chalicelib.services.courses.store import load_outline, owned_course

    owned_course(call.user_id, product_id)
    outline = load_outline(product_id)
    return {"modules": outline_tree(outline, "owner"),
            "course_quizzes": [quiz_summary(outline, q, "owner") for q in outline.quizzes_of("course")],
            "content_version": outline.content_version}


@route(bp, f"{P}/modules", "POST", summary="Add a module at the end", tag="builder", body="course.ModuleCreate",
       response="course.ModuleOut", status=201, errors=WRITE_ERRORS)
def add_module(call: Call, product_id: str):
    from chalicelib.services.courses import modules

    return modules.add_module(call.user_id, product_id, call.body.model_dump())


@route(bp, f"{P}/modules/{{module_id}}", "PATCH", summary="Update a module", tag="builder",
       body="course.ModuleUpdate", response="course.ModuleOut", errors=WRITE_ERRORS)
def update_module(call: Call, product_id: str, module_id: str):
    from chalicelib.services.courses import modules

    return modules.update_module(call.user_id, product_id, module_id, call.body.model_dump(exclude_unset=True))


@route(bp, f"{P}/modules/{{module_id}}", "DELETE", summary="Delete a module with its lessons and quizzes",
       tag="builder", status=204, errors=WRITE_ERRORS)
def delete_module(call: Call, product_id: str, module_id: str) -> None:
    from chalicelib.services.courses import modules

    modules.delete_module(call.user_id, product_id, module_id)


@route(bp, f"{P}/module-order", "PUT", summary="Reorder all modules (list exactly the current ones)",
       tag="builder", body="course.Order", response="course.ModuleList", errors=WRITE_ERRORS)
def reorder_modules(call: Call, product_id: str) -> dict:
    from chalicelib.services.courses import modules

    return {"items": modules.reorder_modules(call.user_id, product_id, call.body.ids)}


@route(bp, f"{P}/modules/{{module_id}}/lessons", "POST", summary="Add a lesson at the end of a module",
       tag="builder", body="course.LessonCreate", response="course.LessonOut", status=201, errors=WRITE_ERRORS)
def add_lesson(call: Call, product_id: str, module_id: str):
    from chalicelib.services.courses import lessons

    return lessons.add_lesson(call.user_id, product_id, module_id, call.body.model_dump())


@route(bp, f"{P}/modules/{{module_id}}/lesson-order", "PUT", summary="Reorder a module's lessons",
       tag="builder", body="course.Order", response="course.LessonList", errors=WRITE_ERRORS)
def reorder_lessons(call: Call, product_id: str, module_id: str) -> dict:
    from chalicelib.services.courses import lessons

    return {"items": lessons.reorder_lessons(call.user_id, product_id, module_id, call.body.ids)}


@route(bp, f"{P}/lessons/{{lesson_id}}", "PATCH", summary="Update a lesson", tag="builder",
       body="course.LessonUpdate", response="course.LessonOut", errors=WRITE_ERRORS)
def update_lesson(call: Call, product_id: str, lesson_id: str):
    from chalicelib.services.courses import lessons

    return lessons.update_lesson(call.user_id, product_id, lesson_id, call.body.model_dump(exclude_unset=True))


@route(bp, f"{P}/lessons/{{lesson_id}}", "DELETE", summary="Delete a lesson", tag="builder", status=204,
       errors=WRITE_ERRORS)
def delete_lesson(call: Call, product_id: str, lesson_id: str) -> None:
    from chalicelib.services.courses import lessons

    lessons.delete_lesson(call.user_id, product_id, lesson_id)


@route(bp, f"{P}/lessons/{{lesson_id}}/move", "POST", summary="Move a lesson to a module and position",
       tag="builder", body="course.LessonMove", response="course.LessonOut", errors=WRITE_ERRORS)
def move_lesson(call: Call, product_id: str, lesson_id: str):
    from chalicelib.services.courses import lessons, store

    lesson = lessons.move_lesson(call.user_id, product_id, lesson_id, call.body.module_id, call.body.position)
    return lessons.lesson_view(lesson, store.load_body(product_id, lesson_id))


@route(bp, f"{P}/quizzes", "POST", summary="Add a module, course or inline quiz", tag="builder",
       body="course.QuizCreate", response="course.QuizOut", status=201, errors=WRITE_ERRORS)
def add_quiz(call: Call, product_id: str):
    from chalicelib.services.courses import quizzes

    return quizzes.add_quiz(call.user_id, product_id, call.body.model_dump())


@route(bp, f"{P}/quizzes/{{quiz_id}}", "PATCH", summary="Update a quiz", tag="builder",
       body="course.QuizUpdate", response="course.QuizOut", errors=WRITE_ERRORS)
def update_quiz(call: Call, product_id: str, quiz_id: str):
    from chalicelib.services.courses import quizzes

    return quizzes.update_quiz(call.user_id, product_id, quiz_id, call.body.model_dump(exclude_unset=True))


@route(bp, f"{P}/quizzes/{{quiz_id}}", "DELETE", summary="Delete a quiz and its questions", tag="builder",
       status=204, errors=WRITE_ERRORS)
def delete_quiz(call: Call, product_id: str, quiz_id: str) -> None:
    from chalicelib.services.courses import quizzes

    quizzes.delete_quiz(call.user_id, product_id, quiz_id)


@route(bp, f"{P}/quizzes/{{quiz_id}}/questions", summary="A quiz's questions with answers (owner only)",
       tag="builder", response="course.QuizWithQuestions", errors=READ_ERRORS)
def quiz_questions(call: Call, product_id: str, quiz_id: str) -> dict:
    from chalicelib.services.courses import quizzes

    quiz, questions = quizzes.get_quiz_for_owner(call.user_id, product_id, quiz_id)
    return {**quiz.attribute_values, "questions": questions}


@route(bp, f"{P}/quizzes/{{quiz_id}}/questions", "POST", summary="Add a question", tag="builder",
       body="course.QuestionCreate", response="course.QuestionOut", status=201, errors=WRITE_ERRORS)
def add_question(call: Call, product_id: str, quiz_id: str):
    from chalicelib.services.courses import quizzes

    return quizzes.add_question(call.user_id, product_id, quiz_id, call.body.model_dump())


@route(bp, f"{P}/quizzes/{{quiz_id}}/question-order", "PUT", summary="Reorder a quiz's questions",
       tag="builder", body="course.Order", response="course.QuestionList", errors=WRITE_ERRORS)
def reorder_questions(call: Call, product_id: str, quiz_id: str) -> dict:
    from chalicelib.services.courses import quizzes

    return {"items": quizzes.reorder_questions(call.user_id, product_id, quiz_id, call.body.ids)}


@route(bp, f"{P}/quizzes/{{quiz_id}}/questions/{{question_id}}", "PATCH", summary="Update a question",
       tag="builder", body="course.QuestionUpdate", response="course.QuestionOut", errors=WRITE_ERRORS)
def update_question(call: Call, product_id: str, quiz_id: str, question_id: str):
    from chalicelib.services.courses import quizzes

    return quizzes.update_question(call.user_id, product_id, quiz_id, question_id,
                                   call.body.model_dump(exclude_unset=True))


@route(bp, f"{P}/quizzes/{{quiz_id}}/questions/{{question_id}}", "DELETE", summary="Delete a question",
       tag="builder", status=204, errors=WRITE_ERRORS)
def delete_question(call: Call, product_id: str, quiz_id: str, question_id: str) -> None:
    from chalicelib.services.courses import quizzes

    quizzes.delete_question(call.user_id, product_id, quiz_id, question_id)
