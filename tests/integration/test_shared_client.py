"""Every table's model and the transactions use one botocore client per process (`chalicelib.models.base`): a
cold Lambda or the local runtime builds one botocore Session and client, not one per table touched."""

from __future__ import annotations

import threading

from tests.support.emulator import count_calls, drop_connections


def _client_of_every_table_and_transactions() -> set[int]:
    from chalicelib.models import ALL_MODELS
    from chalicelib.services.core import db

    clients = {id(model._get_connection().connection.client) for model in ALL_MODELS}
    clients.add(id(db.transaction()._connection.client))
    return clients


def test_every_table_and_the_transactions_share_one_client(aws):
    drop_connections()
    assert len(_client_of_every_table_and_transactions()) == 1


def test_threads_starting_together_get_the_same_client(aws):
    from chalicelib.models import ALL_MODELS

    drop_connections()
    seen: list[int] = []
    start = threading.Barrier(8)

    def first_use(model) -> None:
        start.wait()
        seen.append(id(model._get_connection().connection.client))

    threads = [threading.Thread(target=first_use, args=(model,)) for model in ALL_MODELS[:8]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and len(set(seen)) == 1


def test_the_shared_client_still_works_for_every_table(api):
    """Reads and writes on several tables through the one client (and a new one after the connections are
    dropped, as a test switching endpoints does)."""
    creator = api.creator("ada")
    product = api.published(creator, title="One client")
    with count_calls() as calls:
        assert api.call("GET", f"/v1/products/{product['product_id']}").status_code == 200
    assert calls["GetItem"] >= 2
    assert len(_client_of_every_table_and_transactions()) == 1
