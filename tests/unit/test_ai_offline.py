"""The offline model derives every answer from the material it is given (never canned text), labels itself, and
counts tokens as ⌈characters / 4⌉."""

from __future__ import annotations

import json
import math
import re

import pytest

from chalicelib.integrations.ai.offline import MODEL, OfflineModel, phrases_of, sentences, tidy_markdown
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
