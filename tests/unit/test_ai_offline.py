"""The offline model derives every answer from the material it is given (never canned text), labels itself, and
counts tokens as ⌈characters / 4⌉."""

from __future__ import annotations

import json
import math
import re

import pytest

from chalicelib.integrations.ai.offline import MODEL, OfflineModel, tidy_markdown
from chalicelib.integrations.ai.text import phrases_of, sentences
from chalicelib.integrations.ai.types import AiRequest, Source
from chalicelib.schemas.ai import DescriptionDraft, EnhanceDraft, OutlineDraft, QuizDraft
from chalicelib.services.courses.quizzes import check_question

BREAD = """Sourdough bread rises because wild yeast ferments the flour. A starter needs daily feeding with flour
and water. Long fermentation develops flavour and makes the crumb open. Bakers fold the dough to build gluten
strength. A hot oven with steam gives the crust its shine."""
GIT = """Git stores snapshots of the repository, not differences. A commit records the snapshot with its parent.
Branches are movable pointers to commits. Rebasing rewrites commits onto another base. Merging joins two
histories with a merge commit."""


def ask(task: str, *sources: Source, max_tokens: int = 4_000, **params) -> tuple[dict, object]:
    request = AiRequest(task, "system text", "prompt text " + " ".join(s.text for s in sources), tuple(sources),
                        params)
    completion = OfflineModel().generate(request, model=MODEL, max_tokens=max_tokens)
    return json.loads(completion.text), completion


def all_words(*texts: str) -> set[str]:
    return {w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text)}


def test_quiz_questions_come_from_the_lessons_sentences():
    answer, _ = ask("quiz", Source("Sourdough", BREAD), questions=4, module_title="Baking")
    draft = QuizDraft.model_validate(answer)
    assert len(draft.questions) == 4
    lesson_sentences = set(sentences(BREAD))
    for question in draft.questions:
        checked = check_question(question.model_dump())  # a real question, by the builder's own rules
        quoted = question.explanation.split(": ", 1)[1]
        assert quoted in lesson_sentences, quoted  # each question cites the sentence it was built from
        if question.question_type == "multiple_choice":
            blanked = question.prompt.removeprefix("Fill in the blank: ")
            answer_word = checked["options"][checked["correct"][0]]
            assert blanked.replace("_____", answer_word).lower() == quoted.lower()
            assert set(question.options) <= all_words(BREAD)  # distractors are words of the material too
        else:
            statement = question.prompt.removeprefix("True or false: ")
            assert (statement == quoted) == (checked["correct"] == [0])


def test_different_material_gives_different_answers():
    bread, _ = ask("quiz", Source("Sourdough", BREAD), questions=3, module_title="M")
    git, _ = ask("quiz", Source("Git", GIT), questions=3, module_title="M")
    assert bread != git
    assert all_words(json.dumps(git)) & {"sourdough", "yeast", "flour"} == set()
    outline_bread, _ = ask("outline", Source("topic", "Baking sourdough bread"), Source("description", BREAD),
                           modules=3, lessons_per_module=2)
    outline_git, _ = ask("outline", Source("topic", "Version control with git"), Source("description", GIT),
                         modules=3, lessons_per_module=2)
    assert outline_bread != outline_git


def test_the_same_material_gives_the_same_answer():
    assert ask("quiz", Source("Git", GIT), questions=3)[0] == ask("quiz", Source("Git", GIT), questions=3)[0]


def test_outline_follows_the_description_and_the_requested_size():
    answer, _ = ask("outline", Source("topic", "Baking sourdough bread"), Source("description", BREAD),
                    modules=4, lessons_per_module=2, topic="Baking sourdough bread")
    draft = OutlineDraft.model_validate(answer)
    assert len(draft.modules) == 4 and all(len(m.lessons) == 2 for m in draft.modules)
    material = all_words("Baking sourdough bread", BREAD)
    for module in draft.modules:
        assert all_words(module.title, module.summary) <= material
        for lesson in module.lessons:
            assert all_words(lesson.title, lesson.summary) <= material
    assert draft.modules[1].summary in sentences(BREAD)


def test_enhance_keeps_the_lesson_and_derives_takeaways():
    messy = "Intro to git.\n\n\n* " + GIT.replace("\n", " ") + "\n* second point\n+ third point\n"
    answer, _ = ask("enhance", Source("Git basics", messy))
    draft = EnhanceDraft.model_validate(answer)
    assert draft.content.startswith("## Git basics")
    assert "\n\n\n" not in draft.content and "\n* " not in draft.content and "\n+ " not in draft.content
    assert "- second point" in draft.content and "- third point" in draft.content
    assert all(takeaway in sentences(messy) for takeaway in draft.key_takeaways) and draft.key_takeaways


def test_tidy_markdown_splits_long_prose_and_keeps_code_whole():
    text = "One. Two. Three. Four. Five.\n\n```python\nx = 1\n\ny = 2\n```\n\n# Heading\nbody"
    tidied = tidy_markdown(text, "Title", [("Lead sentence.", "t")])
    assert tidied.startswith("> **In short:** Lead sentence.\n\nOne. Two. Three.\n\nFour. Five.")
    assert "```python\nx = 1\n\ny = 2\n```" in tidied and "## Title" not in tidied


def test_description_uses_the_product_and_its_outline():
    answer, _ = ask("description", Source("title", "Sourdough at home"), Source("current description", BREAD),
                    title="Sourdough at home", outline=["Starter: Feeding", "Baking: Oven"], learning_outcomes=["Bake"])
    draft = DescriptionDraft.model_validate(answer)
    assert draft.tagline in sentences(BREAD)
    assert "- Starter: Feeding" in draft.description and "- Bake" in draft.description


def test_tokens_are_counted_from_characters_and_the_model_is_labelled():
    answer, completion = ask("quiz", Source("Git", GIT), questions=2)
    request_chars = len("system text") + len("prompt text " + GIT)
    assert completion.input_tokens == math.ceil(request_chars / 4)
    assert completion.output_tokens == math.ceil(len(completion.text) / 4)
    assert completion.model == "offline-extractive-v1"


def test_an_answer_longer_than_max_tokens_is_cut_like_a_real_model():
    request = AiRequest("quiz", "system", "prompt", (Source("Git", GIT),), {"questions": 5})
    completion = OfflineModel().generate(request, model=MODEL, max_tokens=20)
    assert len(completion.text) == 80 and completion.output_tokens == 20
    with pytest.raises(ValueError):
        json.loads(completion.text)


def test_phrases_stay_within_clauses():
    assert phrases_of("Unit tests matter. Fixtures help, mostly.") == ["Unit tests matter", "Fixtures help", "mostly"]


STEPS = """Mixing: combine flour, water and starter until no dry flour remains, then rest it for an hour.
Bulk fermentation: let the dough rise for four to six hours, folding it every half hour to build strength.
Shaping: pre-shape the dough into a round, rest it, then shape a tight boule and place it in a floured basket.
Proofing: retard the shaped loaf overnight in the fridge so the flavour deepens.
Baking: bake in a preheated Dutch oven, lid on for twenty minutes, then lid off until deep brown."""
TOPICS = ["Mixing", "Bulk fermentation", "Shaping", "Proofing", "Baking"]


def outline_of(text: str, modules: int, lessons: int) -> OutlineDraft:
    answer, _ = ask("outline", Source("topic", "Sourdough at home"), Source("description", text), modules=modules,
                    lessons_per_module=lessons, topic="Sourdough at home")
    return OutlineDraft.model_validate(answer)


def test_outline_modules_keep_the_order_of_the_source_topics():
    assert [m.title for m in outline_of(STEPS, 5, 2).modules] == TOPICS
    draft = outline_of(STEPS, 3, 3)
    assert [m.title for m in draft.modules] == ["Mixing", "Shaping", "Baking"]
    # every topic lands in the module whose sentences hold it, so the lessons read in the source's order
    lesson_titles = [lesson.title for m in draft.modules for lesson in m.lessons]
    positions = [lesson_titles.index(topic) for topic in TOPICS]
    assert positions == sorted(positions)
    for module in draft.modules:
        for lesson in module.lessons:
            assert lesson.summary.rstrip(".").lower() in module.summary.lower()  # from the module's own text


def test_lesson_summaries_come_from_each_lessons_own_text_not_the_whole_description():
    draft = outline_of(STEPS, 5, 2)
    summaries = [lesson.summary for m in draft.modules for lesson in m.lessons]
    assert len(set(summaries)) >= 8 and all(len(s) < len(STEPS) / 3 for s in summaries)
    for module, topic in zip(draft.modules, TOPICS, strict=True):
        assert module.summary.startswith(topic)
    one_line = ("Learn to mix the dough by hand, manage bulk fermentation with folds, shape a tight boule, proof it "
                "overnight in the fridge and bake it in a Dutch oven for a crackling crust.")
    summaries = [lesson.summary for m in outline_of(one_line, 2, 3).modules for lesson in m.lessons]
    assert len(set(summaries)) >= 4 and one_line not in summaries


def test_wrapped_lines_are_not_sentence_boundaries_but_lists_are():
    assert "A starter needs daily feeding with flour and water." in sentences(BREAD)
    assert sentences("Mixing\nBulk fermentation\nShaping", min_words=1) == ["Mixing", "Bulk fermentation", "Shaping"]
    assert sentences("- first point here\n- second point here", min_words=3) == ["first point here",
                                                                               "second point here"]


@pytest.mark.parametrize("wanted", [1, 3, 6])
def test_a_quiz_meets_the_requested_count_from_short_sentences(wanted):
    from chalicelib.integrations.ai.offline import facts

    text = "Yeast ferments flour. Salt slows yeast. Steam browns crust. Bakers score dough. Ovens need heat. " \
           "Starters need feeding."
    lessons = [Source("Short", text)]
    assert len(facts(lessons)) == 6
    answer, _ = ask("quiz", *lessons, questions=wanted, module_title="Basics")
    draft = QuizDraft.model_validate(answer)
    assert len(draft.questions) == wanted
    assert len({q.prompt for q in draft.questions}) == wanted
    for question in draft.questions:
        check_question(question.model_dump())
        if question.question_type == "multiple_choice":
            assert len(question.options) >= 3


def test_the_description_keeps_sentence_boundaries():
    answer, _ = ask("description", Source("title", "Sourdough at home"),
                    Source("learning outcomes", "Bake a crusty loaf at home\nKeep a healthy starter alive"),
                    title="Sourdough at home", learning_outcomes=["Bake a crusty loaf at home"])
    draft = DescriptionDraft.model_validate(answer)
    assert draft.description.startswith("Bake a crusty loaf at home. Keep a healthy starter alive.")
