"""Blasts: a creator's announcement to the members of one or more of their rooms, fanned out through a queue.

Creating one writes the blast (`queued`), posts the announcement in each room, and sends the first step to the
`blasts` queue. A step is `{blast_id, position, cursor}`: one page (≤ `PAGE_SIZE`) of the position-th product's
holders (`access-grants` GSI `by_product`, keys only), whose grants are read in one BatchGetItem (members are the
active ones). Each member gets, in ONE transaction, a recipient marker `R#<user>` put only if absent, the in-app
notification and the blast's counts — so a person who holds several targeted products, or a redelivered step,
is notified once. The email follows the marker: created `sending` (claimed) when the member has an address and did
not unsubscribe, else `none` (counted as suppressed); after SES accepts it, `sent` (counted). An SES failure
releases the claim (`pending`) and fails the step, which SQS redelivers; a claim older than `RECLAIM_SECONDS` (a
worker that died) is taken over. A step enqueues the next one after its page is done (then the blast is `sent`),
so a duplicate step only repeats work the markers make idempotent.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import get_settings
from chalicelib.errors import InvalidInput, NotFound
from chalicelib.integrations import aws
from chalicelib.models import AccessGrant, BlastItem, Product, User
from chalicelib.models.base import utcnow
from chalicelib.observability import logger
from chalicelib.services.accounts import users
from chalicelib.services.core.db import condition_failed, transaction
from chalicelib.services.core.ids import new_id
from chalicelib.services.core.pagination import paginate
from chalicelib.services.messaging import announcements, contacts, notifications, rooms

HEAD = "#blast"
PAGE_SIZE = 100  # one BatchGetItem of grants, markers, users and preferences each
MAX_PRODUCTS = 20
RECLAIM_SECONDS = 300
QUEUE = "blasts"


def _marker(user_id: str) -> str:
    return f"R#{user_id}"


def create(creator_id: str, product_ids: list[str], subject: str, body: str, api_base_url: str | None) -> BlastItem:
    users.require_creator(creator_id)
    contacts.check_body(body)
    targets = sorted(set(product_ids))
    if not 1 <= len(targets) <= MAX_PRODUCTS:
        raise InvalidInput(f"name 1 to {MAX_PRODUCTS} of your products")
    found = {p.product_id: p for p in Product.batch_get(targets)} if all(len(t) <= 64 for t in targets) else {}
    for product_id in targets:
        product = found.get(product_id)
        if product is None or product.creator_id != creator_id or product.status == "draft":
            raise NotFound(f"product {product_id} not found")
    contacts.count_send(creator_id)
    blast = BlastItem(new_id("bls"), HEAD, creator_id=creator_id, created_at=utcnow(), product_ids=set(targets),
                      subject=subject, body=body, status="queued", sent_count=0, emailed_count=0,
                      suppressed_count=0, api_base_url=api_base_url)
    blast.save()
    for product_id in targets:
        rooms.announce(creator_id, product_id, body, blast.blast_id)
    _enqueue({"blast_id": blast.blast_id, "position": 0, "cursor": None})
    return blast


def _enqueue(step: dict[str, Any]) -> None:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().queue_name(QUEUE))["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(step))


def _head(blast_id: str) -> BlastItem | None:
    if not blast_id.startswith("bls_") or len(blast_id) > 64:
        return None
    try:
        return BlastItem.get(blast_id, HEAD, consistent_read=True)
    except DoesNotExist:
        return None


def get(creator_id: str, blast_id: str) -> BlastItem:
    blast = _head(blast_id)
    if blast is None or blast.creator_id != creator_id:
        raise NotFound("blast not found")
    return blast


def list_for(creator_id: str, cursor: str | None, limit: int):
    return paginate(lambda **kw: BlastItem.by_creator.query(creator_id, scan_index_forward=False, **kw),
                    f"blasts|{creator_id}", cursor, limit)


# --- the fan-out worker --------------------------------------------------------------------------------------


def run_step(step: dict[str, Any], now: datetime | None = None) -> dict[str, int]:
    """One queue message: one page of one product's members. What it did (for logs and the bench)."""
    blast = _head(str(step.get("blast_id", "")))
    if blast is None or blast.status == "sent":
        logger.warning("blast step dropped: unknown or finished blast", extra={"blast_id": step.get("blast_id")})
        return {}
    products = sorted(blast.product_ids or ())
    position = step.get("position", 0)
    if not isinstance(position, int) or not 0 <= position < len(products):
        logger.error("blast step dropped: no such position", extra={"blast_id": blast.blast_id})
        return {}
    if blast.status == "queued":
        _set_status(blast, "sending")
    query = AccessGrant.by_product.query(products[position], limit=PAGE_SIZE, page_size=PAGE_SIZE,
                                         last_evaluated_key=step.get("cursor"))
    holders = [row.user_id for row in query if row.user_id != blast.creator_id]
    done = deliver(blast, products[position], holders, now or utcnow())
    cursor = query.last_evaluated_key
    if cursor:
        _enqueue({"blast_id": blast.blast_id, "position": position, "cursor": cursor})
    elif position + 1 < len(products):
        _enqueue({"blast_id": blast.blast_id, "position": position + 1, "cursor": None})
    else:
        _set_status(blast, "sent")
    return done


def _set_status(blast: BlastItem, status: str) -> None:
    actions = [BlastItem.status.set(status)] + ([BlastItem.completed_at.set(utcnow())] if status == "sent" else [])
    try:
        blast.update(actions=actions, condition=BlastItem.status != "sent")
    except UpdateError as exc:
        if not condition_failed(exc):
            raise


def deliver(blast: BlastItem, product_id: str, holders: list[str], now: datetime) -> dict[str, int]:
    """Notify (once) and email each active member among `holders` (≤ `PAGE_SIZE`)."""
    members = [g.user_id for g in AccessGrant.batch_get([(user_id, product_id) for user_id in holders],
                                                          attributes_to_get=["user_id", "status"])
               if g.status == "active"]
    if not members:
        return {"notified": 0, "emailed": 0}
    markers = {m.sk: m for m in BlastItem.batch_get([(blast.blast_id, _marker(u)) for u in members],
                                                    consistent_read=True)}
    emails = {u.user_id: u.email for u in User.batch_get(members, attributes_to_get=["user_id", "email"])}
    refused = {user_id for user_id, _ in contacts.unsubscribed([(user_id, blast.creator_id) for user_id in members])}
    creator_name = contacts.profiles([blast.creator_id])[blast.creator_id]["display_name"]
    notified = emailed = 0
    for user_id in members:
        marker, created = markers.get(_marker(user_id)), False
        if marker is None:
            wants_email = bool(emails.get(user_id)) and user_id not in refused
            marker, created = _notify(blast, product_id, user_id, wants_email, now)
            notified += created
        if marker is not None and (created and marker.email == "sending" or _reclaimed(marker, now)):
            _email(blast, user_id, str(emails.get(user_id)), creator_name, now)
            emailed += 1
    return {"notified": notified, "emailed": emailed}


def _notify(blast: BlastItem, product_id: str, user_id: str, wants_email: bool,
            now: datetime) -> tuple[BlastItem | None, bool]:
    """The marker, the notification and the counts in one transaction: `(marker as it is now, created)`."""
    marker = BlastItem(blast.blast_id, _marker(user_id), email="sending" if wants_email else "none", claimed_at=now)
    try:
        with transaction() as tx:
            tx.save(marker, condition=BlastItem.sk.does_not_exist())
            notifications.add(tx, user_id, "blast", blast.subject, contacts.preview(blast.body), now,
                              actor_id=blast.creator_id, product_id=product_id, blast_id=blast.blast_id)
            counts = [BlastItem.sent_count.add(1)] + ([] if wants_email else [BlastItem.suppressed_count.add(1)])
            tx.update(BlastItem(blast.blast_id, HEAD), actions=counts)
    except TransactWriteError as exc:
        if not condition_failed(exc):
            raise
        try:  # notified already (another product's page, a duplicate step): the marker as it stands
            return BlastItem.get(blast.blast_id, _marker(user_id), consistent_read=True), False
        except DoesNotExist:
            return None, False
    return marker, True


def _reclaimed(marker: BlastItem, now: datetime) -> bool:
    """Did this worker take over an email released after a failure, or abandoned by a worker that died?"""
    stale = now - timedelta(seconds=RECLAIM_SECONDS)
    if marker.email == "pending" or (marker.email == "sending" and marker.claimed_at and marker.claimed_at < stale):
        try:
            marker.update(actions=[BlastItem.email.set("sending"), BlastItem.claimed_at.set(now)],
                          condition=(BlastItem.email == marker.email) & (BlastItem.claimed_at == marker.claimed_at))
        except UpdateError as exc:
            if condition_failed(exc):
                return False  # another worker took it
            raise
        return True
    return False


def _email(blast: BlastItem, user_id: str, to: str, creator_name: str, now: datetime) -> None:
    marker = BlastItem(blast.blast_id, _marker(user_id))
    mine = (BlastItem.email == "sending") & (BlastItem.claimed_at == now)
    try:
        announcements.send(to, user_id, blast, creator_name)
    except Exception:
        marker.update(actions=[BlastItem.email.set("pending")], condition=mine)  # released: the retry sends it
        raise
    with transaction() as tx:
        tx.update(marker, actions=[BlastItem.email.set("sent")], condition=mine)
        tx.update(BlastItem(blast.blast_id, HEAD), actions=[BlastItem.emailed_count.add(1)])


def unsubscribe(token: str) -> dict[str, Any]:
    """The signed link's (user, creator): that creator's announcements are no longer emailed to that user."""
    user_id, creator_id = announcements.read_token(token)
    contacts.unsubscribe(user_id, creator_id)
    return {"creator_id": creator_id, "is_unsubscribed": True}
