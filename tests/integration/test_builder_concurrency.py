"""Concurrent builder writes on one course never corrupt its order (moto server mode: the in-process mock
is not thread-safe). Each writer either applies whole or gets a Conflict; positions stay unique and dense."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import permutations

import pytest

from chalicelib.errors import Conflict

WRITERS = 8


@pytest.fixture
def course(moto_server):
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses.modules import add_module

    users.open_creator_account("alice", None, "Alice", None)
    pid = catalog.create_product("alice", {"product_type": "course", "title": "Race", "pricing_type": "free",
                                           "description": "d"}).product_id
    return pid, [add_module("alice", pid, {"title": f"M{i}"}).module_id for i in range(4)]


def race(jobs):
    """Run the callables at the same instant; each result, or the Conflict it raised."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        try:
            return job()
        except Conflict as conflict:
            return conflict

    with ThreadPoolExecutor(len(jobs)) as pool:
        return [f.result() for f in [pool.submit(run, job) for job in jobs]]


def order_of(pid):
    from chalicelib.services.courses import store

    modules = store.load_outline(pid).modules
    assert [m.position for m in modules] == list(range(len(modules)))
    return [m.module_id for m in modules]


def test_concurrent_reorders_serialize(course):
    from chalicelib.services.courses.modules import reorder_modules

    pid, modules = course
    orders = [list(p) for p in permutations(modules)][1:WRITERS + 1]
    results = race([lambda order=order: reorder_modules("alice", pid, order) for order in orders])
    applied = [order for order, result in zip(orders, results, strict=True) if not isinstance(result, Conflict)]
    assert applied, "a reorder of the current children must eventually apply"
    assert order_of(pid) in applied


def test_reorders_racing_adds_never_lose_or_duplicate(course):
    from chalicelib.services.catalog import products as catalog
    from chalicelib.services.courses.modules import add_module, reorder_modules

    pid, modules = course
    orders = [list(p) for p in permutations(modules)][1:WRITERS - 1]
    jobs = [lambda order=order: reorder_modules("alice", pid, order) for order in orders]
    jobs += [lambda i=i: add_module("alice", pid, {"title": f"late {i}"}) for i in range(2)]
    results = race(jobs)
    added = [r.module_id for r in results[len(orders):] if not isinstance(r, Conflict)]
    final = order_of(pid)
    assert sorted(final) == sorted(modules + added)
    assert catalog.get_owned("alice", pid).total_modules == len(final)
