"""Legacy course import through the API and the CLI: shape, idempotency, refusals, crash recovery."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
DOCUMENT = {"course": {"modules": [
    {"title": "Basics", "description": "Start here", "lessons": [
        {"title": "Welcome", "content": "# Hi", "key_takeaways": ["one", "two"]},
        {"content": "untitled", "key_takeaways": [], "video_url": YOUTUBE},
        {"title": "  ", "content": "blank title", "key_takeaways": []},
    ]},
    {"description": "no title", "lessons": [{"title": "Deep", "content": "deep", "key_takeaways": []}]},
]}}


@pytest.fixture
def course(api):
    api.creator("alice")
    return api.product("alice", product_type="course", title="Legacy course", price_cents=4900)


def post(api, course, document, user="alice"):
    return api.call("POST", f"/v1/products/{course['product_id']}/import", user, document)


def power_cut(*_):
    raise RuntimeError("power cut")


def validated(document):
    from chalicelib.schemas.course_import import CourseImport

    return CourseImport.model_validate(document).model_dump(mode="json")


def items(product_id):
    from chalicelib.models.course import CourseItem

    return list(CourseItem.query(product_id))


def test_import_builds_modules_lessons_previews_and_stats(api, course):
    from chalicelib.services.courses.store import load_body, load_outline

    pid = course["product_id"]
    response = post(api, course, DOCUMENT)
    assert response.status_code == 201, response.json
    result = response.json
    assert (result["module_count"], result["lesson_count"], result["is_already_imported"]) == (2, 4, False)
    tree = api.call("GET", f"/v1/products/{pid}/content", "alice").json["modules"]
    assert [m["title"] for m in tree] == ["Basics", "Module 2"]
    assert [m["module_id"] for m in tree] == [m["module_id"] for m in result["modules"]]
    assert [m["is_free_preview"] for m in tree] == [True, False]
    first = tree[0]["lessons"]
    assert [lesson["title"] for lesson in first] == ["Welcome", "Lesson 2", "Lesson 3"]
    assert [lesson["slug"] for lesson in first] == ["lesson-1-1", "lesson-1-2", "lesson-1-3"]
    assert [lesson["is_free_preview"] for lesson in first] == [True, True, False]
    assert [lesson["content_type"] for lesson in first] == ["text", "video_embed", "text"]
    assert [lesson["position"] for lesson in first] == [0, 1, 2]
    assert tree[1]["lessons"][0]["slug"] == "lesson-2-1" and not tree[1]["lessons"][0]["is_free_preview"]
    video = load_outline(pid).lesson(first[1]["lesson_id"])
    assert video.video_url == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    body = load_body(pid, first[0]["lesson_id"])
    assert (body.content, list(body.key_takeaways)) == ("# Hi", ["one", "two"])
    stats = api.call("GET", f"/v1/products/{pid}", "alice").json
    assert (stats["total_modules"], stats["total_lessons"], stats["has_free_preview"]) == (2, 4, True)
    assert stats["free_preview_lesson_count"] == 3  # the first module is free, so all of its lessons are


def test_rerunning_the_same_document_changes_nothing(api, course):
    first = post(api, course, DOCUMENT)
    before = sorted(item.sk for item in items(course["product_id"]))
    shuffled = json.loads(json.dumps(DOCUMENT, indent=3, sort_keys=True))  # same content, other layout
    again = api.call("POST", f"/v1/products/{course['product_id']}/import", "alice", json.dumps(shuffled, indent=3))
    assert again.status_code == 200
    assert again.json == {**first.json, "is_already_imported": True}
    assert sorted(item.sk for item in items(course["product_id"])) == before


def test_a_course_with_content_refuses_another_document(api, course):
    assert post(api, course, DOCUMENT).status_code == 201
    other = copy.deepcopy(DOCUMENT)
    other["course"]["modules"][0]["title"] = "Renamed"
    refused = post(api, course, other)
    assert refused.status_code == 409 and refused.json["error"]["code"] == "conflict"

    api.creator("bob")
    built = api.product("bob", product_type="course", title="Hand built", price_cents=900)
    api.call("POST", f"/v1/products/{built['product_id']}/modules", "bob", {"title": "Mine"})
    assert post(api, built, DOCUMENT, user="bob").status_code == 409


@pytest.mark.parametrize("mutate, loc", [
    pytest.param(lambda d: d["course"]["modules"][1]["lessons"].insert(0, {"title": 5}),
                 ["body", "course", "modules", 1, "lessons", 0, "title"], id="wrong-type"),
    pytest.param(lambda d: d["course"]["modules"][0]["lessons"][2].update(key_takeaways="one"),
                 ["body", "course", "modules", 0, "lessons", 2, "key_takeaways"], id="not-a-list"),
    pytest.param(lambda d: d["course"]["modules"][0].update(chapters=[]),
                 ["body", "course", "modules", 0, "chapters"], id="unknown-key"),
    pytest.param(lambda d: d["course"].update(modules=[]), ["body", "course", "modules"], id="no-modules"),
    pytest.param(lambda d: d["course"]["modules"][1]["lessons"][0].update(video_url="https://vimeo.com/76979871"),
                 ["body", "course", "modules", 1, "lessons", 0, "video_url"], id="not-youtube"),
    pytest.param(lambda d: d["course"]["modules"][0]["lessons"][0].update(
                 video_url="https://www.youtube.com/watch?v=short"),
                 ["body", "course", "modules", 0, "lessons", 0, "video_url"], id="bad-youtube-id"),
    pytest.param(lambda d: d["course"].update(modules=[{"lessons": []}] * 91), ["body", "course", "modules"],
                 id="too-many-modules"),
    pytest.param(lambda d: d["course"]["modules"][1].update(lessons=[{}] * 91),
                 ["body", "course", "modules", 1, "lessons"], id="too-many-lessons"),
])
def test_bad_documents_name_the_path_and_write_nothing(api, course, mutate, loc):
    document = copy.deepcopy(DOCUMENT)
    mutate(document)
    response = post(api, course, document)
    assert response.status_code == 422, response.json
    assert loc in [detail["loc"] for detail in response.json["error"]["details"]]
    assert items(course["product_id"]) == []


def test_the_largest_course_imports_beyond_one_transaction(api, course):
    """90 modules (the builder's limit) and their lessons: 271 items, the 90 modules in the one commit."""
    document = {"course": {"modules": [{"lessons": [{}]} for _ in range(90)]}}
    response = post(api, course, document)
    assert response.status_code == 201, response.json
    stats = api.call("GET", f"/v1/products/{course['product_id']}", "alice").json
    assert (stats["total_modules"], stats["total_lessons"]) == (90, 90)


def test_a_body_that_is_not_an_object_is_a_bad_request(api, course):
    assert post(api, course, [DOCUMENT]).status_code == 400
    assert items(course["product_id"]) == []


def test_only_the_owner_imports_and_only_into_courses(api, course):
    api.creator("mallory")
    assert post(api, course, DOCUMENT, user="mallory").status_code == 404
    assert post(api, course, DOCUMENT, user=None).status_code == 401
    ebook = api.product("alice")
    assert post(api, ebook, DOCUMENT).status_code == 422
    assert items(course["product_id"]) == []


def test_a_crash_before_the_commit_is_invisible_and_a_rerun_completes_it(api, course, monkeypatch):
    from chalicelib.services.courses import importer

    pid, document = course["product_id"], validated(DOCUMENT)
    with monkeypatch.context() as patch:
        patch.setattr(importer, "_commit", power_cut)
        with pytest.raises(RuntimeError):
            importer.import_course("alice", pid, document)
    assert api.call("GET", f"/v1/products/{pid}/content", "alice").json["modules"] == []
    assert api.call("GET", f"/v1/products/{pid}", "alice").json["total_lessons"] == 0
    result = importer.import_course("alice", pid, document)
    assert result["is_already_imported"] is False and result["lesson_count"] == 4
    kinds = Counter(type(item).__name__ for item in items(pid))
    assert kinds == {"CourseRoot": 1, "ModuleNode": 2, "LessonNode": 4, "LessonBody": 4}


def test_a_crash_after_the_commit_is_healed_by_the_rerun(api, course, monkeypatch):
    from chalicelib.services.courses import importer

    pid, document = course["product_id"], validated(DOCUMENT)
    with monkeypatch.context() as patch:
        patch.setattr(importer, "refresh_stats", power_cut)
        with pytest.raises(RuntimeError):
            importer.import_course("alice", pid, document)
    assert api.call("GET", f"/v1/products/{pid}", "alice").json["total_lessons"] == 0  # stale stats
    assert importer.import_course("alice", pid, document)["is_already_imported"] is True
    assert api.call("GET", f"/v1/products/{pid}", "alice").json["total_lessons"] == 4


@pytest.mark.parametrize("rival, outcome", [("same document", "already_imported"), ("builder edit", "conflict")])
def test_losing_the_commit_race_rereads_the_course(api, course, monkeypatch, rival, outcome):
    """Another writer commits between our read and our commit: we re-read and answer from what won."""
    from chalicelib.errors import Conflict
    from chalicelib.services.courses import importer, modules, store

    pid, document, commit = course["product_id"], validated(DOCUMENT), importer._commit

    def rival_first(plan, outline):
        if rival == "same document":
            commit(plan, outline)
        else:
            modules.add_module("alice", pid, {"title": "Meanwhile"})
        return commit(plan, outline)

    monkeypatch.setattr(importer, "_commit", rival_first)
    if outcome == "conflict":
        with pytest.raises(Conflict):
            importer.import_course("alice", pid, document)
        assert [m.title for m in store.load_outline(pid).modules] == ["Meanwhile"]
    else:
        assert importer.import_course("alice", pid, document)["is_already_imported"] is True
        assert len(store.load_outline(pid).modules) == 2


def test_the_route_is_documented(api):
    operation = api.call("GET", "/v1/openapi.json").json["paths"]["/v1/products/{product_id}/import"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CourseImport"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ImportResult"}


# --- the CLI ---------------------------------------------------------------------------------------


def test_cli_imports_a_file_and_is_idempotent(aws, tmp_path, capsys):
    from chalicelib.handlers.import_course import main

    pid = course_owned_by("carol")
    path = tmp_path / "course.json"
    path.write_text(json.dumps(DOCUMENT))
    assert main(["--product-id", pid, "--creator-id", "carol", str(path)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["module_count"], first["lesson_count"], first["is_already_imported"]) == (2, 4, False)
    assert main(["--product-id", pid, "--creator-id", "carol", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["is_already_imported"] is True
    assert main(["--product-id", pid, "--creator-id", "mallory", str(path)]) == 1


@pytest.mark.parametrize("content, message", [
    pytest.param(json.dumps({"course": {"modules": [{"lessons": [{"title": []}]}]}}),
                 "course.modules[0].lessons[0].title: ", id="wrong-type"),
    pytest.param(json.dumps({"course": {"modules": [{"lessons": [{"video_url": "https://evil.example/v"}]}]}}),
                 "course.modules[0].lessons[0].video_url: video_url must be an https YouTube video URL",
                 id="not-youtube"),
    pytest.param("[1, 2]", "(document): must be a JSON object", id="not-an-object"),
    pytest.param("{oops", "(document): not valid JSON", id="not-json"),
])
def test_cli_reports_bad_files_by_path_and_writes_nothing(aws, tmp_path, capsys, content, message):
    from chalicelib.handlers.import_course import main

    pid = course_owned_by("carol")
    path = tmp_path / "course.json"
    path.write_text(content)
    assert main(["--product-id", pid, "--creator-id", "carol", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert items(pid) == []


def test_cli_accepts_more_than_the_api_body_limit_but_caps_files(aws, tmp_path, capsys):
    from chalicelib.handlers.import_course import MAX_DOCUMENT_BYTES, main

    pid = course_owned_by("carol")
    lesson = {"content": "x" * 90_000}
    big = {"course": {"modules": [{"lessons": [lesson] * 5}]}}  # ~450 KB: over the API's 256 KB
    path = tmp_path / "course.json"
    path.write_text(json.dumps(big))
    assert main(["--product-id", pid, "--creator-id", "carol", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["lesson_count"] == 5
    path.write_text(json.dumps(big) + " " * MAX_DOCUMENT_BYTES)
    assert main(["--product-id", pid, "--creator-id", "carol", str(path)]) == 2
    assert f"(document): larger than {MAX_DOCUMENT_BYTES} bytes" in capsys.readouterr().err


def test_cli_runs_as_a_module_against_the_endpoint_in_the_environment(moto_server, tmp_path):
    """`python -m ...` in a fresh process, pointed at a moto server by AWS_ENDPOINT_URL alone (the server with every
    table is this process's `moto_server`; the course to import into is made here, through the services)."""
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    pid = course_owned_by("dora")
    path = tmp_path / "course.json"
    path.write_text(json.dumps(DOCUMENT))
    command = [sys.executable, "-m", "chalicelib.handlers.import_course", "--product-id", pid,
               "--creator-id", "dora", str(path)]
    first = run(command, dict(os.environ))
    assert json.loads(first.stdout)["lesson_count"] == 4 and endpoint.removeprefix("http://") in first.stderr
    assert json.loads(run(command, dict(os.environ)).stdout)["is_already_imported"] is True
    assert len(items(pid)) > 4  # written where the CLI was pointed: this process reads them back


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done


def course_owned_by(user: str) -> str:
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products as catalog

    users.open_creator_account(user, f"{user}@example.com", user.title(), None)
    return catalog.create_product(user, {"product_type": "course", "title": "CLI course", "pricing_type": "fixed",
                                         "price_cents": 900}).product_id
