"""A course's content tree, all in one partition (`product_id`) so one Query reads the whole outline.

Sort keys are laid out so the outline (small items) is one contiguous range and heavy bodies are not:
  ROOT                  CourseRoot   content/order versions (optimistic locks for the whole course)
  O#M#<module_id>       ModuleNode   outline: module
  O#L#<lesson_id>       LessonNode   outline: lesson (no body)
  O#Q#<quiz_id>         QuizNode     outline: quiz (no questions)
  B#L#<lesson_id>       LessonBody   markdown content and key takeaways
  B#Q#<quiz_id>#<qid>   QuestionNode a quiz question, correct answers included (never sent before an attempt)
"""

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from chalicelib.models.base import BaseModel, table_meta

ROOT_SK = "ROOT"
OUTLINE_PREFIX = "O#"


def module_sk(module_id: str) -> str:
    return f"O#M#{module_id}"


def lesson_sk(lesson_id: str) -> str:
    return f"O#L#{lesson_id}"


def quiz_sk(quiz_id: str) -> str:
    return f"O#Q#{quiz_id}"


def body_sk(lesson_id: str) -> str:
    return f"B#L#{lesson_id}"


def question_prefix(quiz_id: str) -> str:
    return f"B#Q#{quiz_id}#"


def question_sk(quiz_id: str, question_id: str) -> str:
    return f"{question_prefix(quiz_id)}{question_id}"


class CourseItem(BaseModel):
    Meta = table_meta("course-content")

    product_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()


class CourseRoot(CourseItem, discriminator="root"):
    """The course's lock: every builder transaction is conditioned on `content_version` and bumps it,
    so concurrent edits serialize (positions stay unique and dense) and stale stats are never stored."""

    content_version = NumberAttribute(default=0)
    import_hashes = UnicodeSetAttribute(default=set)  # legacy imports already applied


class ModuleNode(CourseItem, discriminator="module"):
    module_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    position = NumberAttribute()
    is_free_preview = BooleanAttribute(default=False)
    estimated_duration_seconds = NumberAttribute(default=0)


class LessonNode(CourseItem, discriminator="lesson"):
    lesson_id = UnicodeAttribute()
    module_id = UnicodeAttribute()
    position = NumberAttribute()
    title = UnicodeAttribute()
    slug = UnicodeAttribute()
    content_type = UnicodeAttribute()  # text | video | video_embed | quiz_inline | exercise
    estimated_duration_seconds = NumberAttribute(default=0)
    is_free_preview = BooleanAttribute(default=False)
    video_asset_id = UnicodeAttribute(null=True)  # a ready VideoAsset of the course's creator (`video` lessons)
    video_duration_seconds = NumberAttribute(null=True)  # of that asset, copied at attach: stats need no asset reads
    video_url = UnicodeAttribute(null=True)  # normalized https embed URL (YouTube/Vimeo)


class LessonBody(CourseItem, discriminator="lesson_body"):
    lesson_id = UnicodeAttribute()
    content = UnicodeAttribute(default="")
    key_takeaways = ListAttribute(of=UnicodeAttribute, default=list)


class QuizNode(CourseItem, discriminator="quiz"):
    quiz_id = UnicodeAttribute()
    scope = UnicodeAttribute()  # module | course | inline
    module_id = UnicodeAttribute(null=True)
    lesson_id = UnicodeAttribute(null=True)  # inline quizzes sit inside a lesson
    title = UnicodeAttribute()
    position = NumberAttribute()
    passing_score_percent = NumberAttribute(default=70, attr_name="passing_score")
    is_retakable = BooleanAttribute(default=True, attr_name="allow_retakes")
    is_free_preview = BooleanAttribute(default=False)
    question_count = NumberAttribute(default=0)


class QuestionNode(CourseItem, discriminator="question"):
    quiz_id = UnicodeAttribute()
    question_id = UnicodeAttribute()
    question_type = UnicodeAttribute()  # multiple_choice | true_false | multi_select
    prompt = UnicodeAttribute()
    options = ListAttribute(of=UnicodeAttribute, default=list)
    correct = ListAttribute(of=NumberAttribute, default=list)  # indexes into options
    explanation = UnicodeAttribute(default="")
    position = NumberAttribute()
