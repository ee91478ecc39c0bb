"""DynamoDB calls for the course read paths: detail with outline + access map, and the library.

Issue 3 asks that these do not grow with the course or with what the learner owns: a 1x1 course vs a
20-module x 10-lesson course, and a library of 1 vs 50 owned products. Courses are built with the
legacy importer (the fastest real write path: batch writes + one transaction), grants through the
access service; requests go to the real app through chalice's test client.
"""

from __future__ import annotations

import json
from collections import Counter

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, Row, heading, table, verdict

CREATOR = "bench-creator"
BUYER = "bench-buyer"
SHAPES = ((1, 1), (20, 10))
LIBRARY_SIZES = (1, 50)


def course_document(modules: int, lessons: int) -> dict:
    return {"course": {"modules": [
        {"title": f"Module {m}", "lessons": [{"title": f"Lesson {m}.{i}", "content": "x" * 2_000,
                                              "key_takeaways": ["a", "b"]} for i in range(lessons)]}
        for m in range(modules)]}}


def make_course(modules: int, lessons: int, index: int) -> dict:
    from chalicelib.services.catalog import products
    from chalicelib.services.courses import importer

    product = products.create_product(CREATOR, {"product_type": "course", "title": f"Course {index}",
                                               "pricing_type": "fixed", "price_cents": 1900,
                                               "description": "Bench course"})
    importer.import_course(CREATOR, product.product_id, course_document(modules, lessons))
    return products.state_of(products.publish_product(CREATOR, product.product_id))


def count(client, path: str, token: str | None) -> tuple[int, Counter[str], dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client.http.get(path, headers=headers)  # first send: connections and one-off lookups
    with COUNTER.record() as calls:
        response = client.http.get(path, headers=headers)
    return response.status_code, calls, json.loads(response.body or b"{}")


def run() -> list[Row]:
    from chalice.test import Client
    from moto import mock_aws

    import tests.conftest as test_env  # the test environment, before chalicelib is imported

    print(heading("DynamoDB calls: course detail with outline + access map, and the library"))
    token = test_env.IDP.mint(BUYER, name="Bench Buyer")
    detail: dict[tuple[int, int], dict[str, tuple[int, Counter[str], str]]] = {}
    library: dict[int, tuple[int, Counter[str], str]] = {}
    for shape in SHAPES:
        with mock_aws():
            from chalicelib.services.access import grants
            from chalicelib.services.accounts import users
            from local.resources import create_tables

            create_tables()
            users.open_creator_account(CREATOR, None, "Bench Creator", None)
            course = make_course(*shape, index=0)
            grants.grant(BUYER, course, "purchased")
            from app import app

            with Client(app) as client:
                detail[shape] = {}
                for who, tok in (("anonymous", None), ("buyer, owned", token)):
                    status, calls, body = count(client, f"/v1/products/{course['product_id']}", tok)
                    locked = sum(not a["is_accessible"] for a in (body.get("lesson_access") or {}).values())
                    detail[shape][who] = (status, calls, f"{body.get('total_lessons')} lessons, {locked} locked")
    for owned in LIBRARY_SIZES:
        with mock_aws():
            from chalicelib.services.access import grants
            from chalicelib.services.accounts import users
            from local.resources import create_tables

            create_tables()
            users.open_creator_account(CREATOR, None, "Bench Creator", None)
            for i in range(owned):
                grants.grant(BUYER, make_course(1, 2, index=i), "purchased")
            from app import app

            with Client(app) as client:
                status, calls, body = count(client, "/v1/library?limit=50", token)
                library[owned] = (status, calls, f"{len(body.get('items', []))} items")

    rows, printed = [], []
    (small, large) = SHAPES
    for who in ("anonymous", "buyer, owned"):
        a, b = detail[small][who], detail[large][who]
        same, ok = a[1] == b[1], a[0] == b[0] == 200
        name = f"course detail + outline ({who})"
        printed.append([name, breakdown(a[1]), breakdown(b[1]), "yes" if same else "NO", f"{a[2]} | {b[2]}"])
        rows.append(Row("course", name, breakdown(b[1]), "same for 1x1 and 20x10", verdict(same) if ok else ERROR))
    a, b = library[LIBRARY_SIZES[0]], library[LIBRARY_SIZES[1]]
    same, ok = a[1] == b[1], a[0] == b[0] == 200
    printed.append(["library (buyer)", breakdown(a[1]), breakdown(b[1]), "yes" if same else "NO", f"{a[2]} | {b[2]}"])
    rows.append(Row("course", "library page (buyer)", breakdown(b[1]), "same for 1 and 50 owned",
                    verdict(same) if ok else ERROR))
    print(table(["request", "1x1 course / 1 owned", "20x10 course / 50 owned", "equal", "response"], printed))
    return rows
