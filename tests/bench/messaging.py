"""Messaging: a blast to `BENCH_BLAST_MEMBERS` (10,000) room members through the queue and the handler Lambda runs
(wall time, recipients per second, DynamoDB and SES calls per recipient, duplicates, losses), and the DynamoDB calls
of one inbox page and one room page with 10 vs 10,000 conversations/messages. Members, users and messages are
bulk-written (BatchWriteItem), and the blast runs on the local runtime's emulator fixes (`local/moto_fixes.py`)."""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import timedelta

from tests.bench.ddb_counter import COUNTER, breakdown
from tests.bench.report import ERROR, INFO, Row, heading, table, verdict

CREATOR = "bench-creator"
SIZES = (10, 10_000)


def _members(product: dict, count: int) -> None:
    from chalicelib.models import AccessGrant, ProductHolders, User

    with AccessGrant.batch_write() as grants, User.batch_write() as users:
        for i in range(count):
            user_id = f"member-{i:05d}"
            grants.save(AccessGrant(user_id, product["product_id"], creator_id=CREATOR, access_type="purchased",
                                    status="active", sources={"claim": "active"}, version=1))
            users.save(User(user_id, email=f"{user_id}@example.com", display_name=f"Member {i}"))
    ProductHolders(product["product_id"], 0, holder_count=count).save()


def _blast(members: int) -> tuple[list[list[object]], list[Row]]:
    from chalice.test import Client
    from moto import mock_aws

    import tests.conftest as test_env
    from local.moto_fixes import isolate_dynamodb
    from tests.support.messaging import blast_queue, drain

    isolate_dynamodb()  # the local emulator's transactions (`make run` applies it too): moto's copy whole tables
    with mock_aws():
        from local.resources import create_tables

        create_tables()
        product = _product()
        _members(product, members)
        pump, queue = blast_queue()
        from app import app
        from chalicelib.models import BlastItem, Notification
        from tests.support.localstripe import sent_mail

        token = test_env.IDP.mint(CREATOR, name="Bench Creator")
        with Client(app) as client:
            client.http.post("/v1/creator/blasts", headers={"Authorization": f"Bearer {token}",
                                                            "Content-Type": "application/json"},
                             body=f'{{"product_ids": ["{product["product_id"]}"], "subject": "News", "body": "Hi"}}')
        started = time.perf_counter()
        with COUNTER.record() as calls:
            steps = drain(pump, queue, max_polls=members)["steps"]
        seconds = time.perf_counter() - started
        notified = Counter(row.user_id for row in Notification.scan(Notification.kind == "blast"))
        markers = sum(1 for _ in BlastItem.scan(BlastItem.sk.startswith("R#")))
        mails = len(sent_mail())
    duplicates = sum(n - 1 for n in notified.values() if n > 1)
    losses = members - len(notified)
    per = sum(calls.values()) / members
    printed = [[f"{members:,}", steps, f"{seconds:.1f}", f"{members / seconds:.0f}", f"{per:.2f}",
                breakdown(calls), f"{mails / members:.2f}", duplicates, losses, markers]]
    rows = [Row("messaging", f"blast to {members:,} members", f"{seconds:.1f} s, {members / seconds:.0f}/s", "", INFO),
            Row("messaging", "DynamoDB calls per recipient", f"{per:.2f}", "", INFO),
            Row("messaging", "blast duplicates / losses", f"{duplicates} / {losses}", "0 / 0",
                verdict(duplicates == 0 and losses == 0))]
    return printed, rows


def _product() -> dict:
    from chalicelib.services.accounts import users
    from chalicelib.services.catalog import products

    users.open_creator_account(CREATOR, "bench-creator@example.com", "Bench Creator", None)
    product = products.create_product(CREATOR, {"product_type": "ebook", "title": "Bench", "pricing_type": "free",
                                               "price_cents": 0, "description": "d"})
    return products.state_of(products.publish_product(CREATOR, product.product_id))


def _reads(size: int) -> dict[str, tuple[int, Counter[str]]]:
    """One inbox page (creator) and one room page (member) with `size` conversations and messages."""
    from chalice.test import Client
    from moto import mock_aws

    import tests.conftest as test_env

    with mock_aws():
        from local.resources import create_tables

        create_tables()
        product = _product()
        _members(product, 1)
        from chalicelib.models import InboxEntry, Message
        from chalicelib.models.base import utcnow
        from chalicelib.services.messaging import inbox, rooms

        now = utcnow()
        with InboxEntry.batch_write() as entries, Message.batch_write() as messages:
            for i in range(size):
                at = now - timedelta(seconds=i)
                conversation_id = f"cnv_{i:032d}"
                entries.save(InboxEntry(CREATOR, conversation_id, user_id=CREATOR, other_id=f"member-{i % 50:05d}",
                                        product_ids={product["product_id"]}, unread_count=1,
                                        activity_key=inbox.activity_key(at, conversation_id),
                                        last_message_preview="hi", last_sender_id="x", last_message_at=at))
                messages.save(Message(rooms.thread_of(product["product_id"]), f"msg_{i:023d}",
                                      sender_id=CREATOR, body="post", kind="post", created_at=at))
        from app import app

        found = {}
        with Client(app) as client:
            for who, path in ((CREATOR, "/v1/creator/inbox"), ("member-00000",
                                                              f"/v1/products/{product['product_id']}/room/posts")):
                headers = {"Authorization": f"Bearer {test_env.IDP.mint(who, name=who)}"}
                client.http.get(path, headers=headers)
                with COUNTER.record() as calls:
                    status = client.http.get(path, headers=headers).status_code
                found[path.rsplit("/", 1)[-1]] = (status, calls)
    return found


def run() -> list[Row]:
    members = int(os.environ.get("BENCH_BLAST_MEMBERS", "10000"))
    print(heading(f"Blast fan-out to {members:,} members (queue → handler, moto in-process, SES in moto)"))
    printed, rows = _blast(members)
    print(table(["members", "steps", "wall s", "recipients/s", "DDB calls/recipient", "DDB calls", "SES/recipient",
                 "duplicates", "losses", "markers"], printed))
    print(heading("DynamoDB calls per page: 10 vs 10,000 conversations (inbox) and messages (room)"))
    small, large = _reads(SIZES[0]), _reads(SIZES[1])
    lines = []
    for name in small:
        (a_status, a), (b_status, b) = small[name], large[name]
        same = a == b
        lines.append([name, breakdown(a), breakdown(b), "yes" if same else "NO"])
        ok = a_status == b_status == 200
        rows.append(Row("messaging", f"{name} page DynamoDB calls", breakdown(b), "same for 10 and 10,000",
                        verdict(same) if ok else ERROR))
    print(table(["page", "10", "10,000", "equal"], lines))
    return rows
