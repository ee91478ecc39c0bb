"""Lifecycle emails through an outbox, and the per-user email preferences that decide whether optional ones go.

Protocol: the service that commits an event puts the email's `OutboxMail` row (`queue`) in the SAME transaction,
under an id derived from the event (`receipt:<order_id>`, `completion:<certificate_id>`…), so the email exists
exactly when the event does, once. After the commit the caller runs `deliver`: the row is claimed pending → sending
(a conditional update; a claim older than 5 minutes may be taken over), the recipient's address and preferences
are read NOW, the message rendered (`integrations.mail.render`) and sent (SES throttling retried there), then the
row → sent (or skipped: no address, or an optional category turned off). A failed send puts the row back to
pending and raises, so the event's own retry (Stripe's redelivery of a webhook) or the schedule's `sweep` (every 5
minutes, the sparse `unsent` index, rows older than a minute) sends it then: never twice.

Categories: receipts (every way of getting a product, refund outcomes) always go; `learning` (course completion),
`sales` (a creator's new sale), `refund_requests` (a creator's new refund request) and `messages` (a new direct
message, batched by `messaging.conversations`) can be turned off
(`GET/PUT /v1/me/email-preferences`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import get_settings
from chalicelib.integrations import mail
from chalicelib.models import OutboxMail, User
from chalicelib.models.base import utcnow
from chalicelib.models.mail import UNSENT_SHARDS
from chalicelib.observability import logger
from chalicelib.services.accounts.users import ensure_user
from chalicelib.services.core.db import condition_failed

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

RECEIPT = "receipt"
OPTIONAL = ("learning", "sales", "refund_requests", "messages")  # the categories a user may turn off
CATEGORY = {"purchase": RECEIPT, "bundle_purchase": RECEIPT, "claim": RECEIPT, "gift": RECEIPT,
            "refund_approved": RECEIPT, "refund_partial": RECEIPT, "refund_denied": RECEIPT,
            "completion": "learning", "new_sale": "sales", "refund_request": "refund_requests",
            "message": "messages"}
KEEP_DAYS = 90
CLAIM_TIMEOUT = timedelta(minutes=5)
SWEEP_AFTER = timedelta(minutes=1)  # younger mails are still being delivered by the request that queued them
SWEEP_BATCH = 100
_FOOTER = {RECEIPT: "This is a receipt for your records: receipts are always sent.",
           "learning": "You get this because you take courses here. Turn it off: $preferences_url",
           "sales": "You get this because you sell here. Turn it off: $preferences_url",
           "refund_requests": "You get this because you sell here. Turn it off: $preferences_url",
           "messages": "You get this (at most every 15 minutes per conversation) for new direct messages. "
                       "Turn it off: $preferences_url"}


def app_link(path: str) -> str:
    """A link into the web app (receipts, libraries, certificates)."""
    return f"{get_settings().public_app_url.rstrip('/')}/{path.lstrip('/')}"


def money(amount_cents: int, currency: str) -> str:
    """Integer minor units as the emails print them (`25.00 USD`)."""
    return f"{int(amount_cents) // 100}.{int(amount_cents) % 100:02d} {currency.upper()}"


def queue(tx: TransactWrite, mail_id: str, kind: str, user_id: str, params: dict[str, Any],
          to_address: str | None = None) -> str:
    """The email `kind` to `user_id` (at `to_address` when the event knew one), inside the transaction of the event
    it reports; its id (for `deliver`). Unconditional: only a committed event writes it, and an event that really
    happens again may mail again."""
    if kind not in CATEGORY:
        raise ValueError(f"unknown email kind {kind}")
    tx.save(OutboxMail(mail_id, kind=kind, user_id=user_id, to_address=to_address, params=params, status="pending",
                       created_at=utcnow(), expires_at=utcnow() + timedelta(days=KEEP_DAYS)))
    return mail_id


def claim(tx: TransactWrite, user_id: str, product: dict[str, Any], members: Sequence[str] = ()) -> str:
    """The receipt of a free claim (a free product or bundle, pay-what-you-want at 0), by any path."""
    note = (" It gives you: " + ", ".join(members) + ".") if members else ""
    return queue(tx, f"claim:{user_id}:{product['product_id']}", "claim", user_id,
                 {"product_title": product["title"], "members_note": note,
                  "library_url": app_link(f"library/{product['product_id']}")})


def gift(tx: TransactWrite, user_id: str, product: dict[str, Any], giver_name: str) -> str:
    """A creator gave (or promoted) their product to the user."""
    return queue(tx, f"gift:{user_id}:{product['product_id']}", "gift", user_id,
                 {"product_title": product["title"], "creator_name": giver_name,
                  "library_url": app_link(f"library/{product['product_id']}")})


def deliver(*mail_ids: str) -> None:
    """Send the queued emails that are still pending; the first failure is raised after trying them all (each
    failed one is pending again)."""
    failure: Exception | None = None
    for mail_id in mail_ids:
        try:
            _deliver_one(mail_id)
        except Exception as exc:  # noqa: BLE001 - re-raised below, after the others had their chance
            logger.exception("email not sent", extra={"mail_id": mail_id})
            failure = failure or exc
    if failure is not None:
        raise failure


def deliver_quietly(*mail_ids: str) -> None:
    """`deliver` after a committed request whose answer must not become an error (the email stays pending)."""
    try:
        deliver(*mail_ids)
    except Exception:  # noqa: BLE001 - logged by deliver; the row stays pending
        return


def _claim(mail_id: str) -> OutboxMail | None:
    now = utcnow()
    row = OutboxMail(mail_id)
    try:
        row.update(actions=[OutboxMail.status.set("sending"), OutboxMail.claimed_at.set(now),
                            OutboxMail.attempts.add(1)],
                   condition=(OutboxMail.status == "pending")
                   | ((OutboxMail.status == "sending") & (OutboxMail.claimed_at < now - CLAIM_TIMEOUT)))
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return None  # sent, skipped, being sent, or never queued
    return row


def _deliver_one(mail_id: str) -> None:
    row = _claim(mail_id)
    if row is None:
        return
    try:
        message_id = _send(row)
    except Exception:
        row.update(actions=[OutboxMail.status.set("pending")], condition=OutboxMail.status == "sending")
        raise
    row.update(actions=[OutboxMail.status.set("sent" if message_id else "skipped"), OutboxMail.sent_at.set(utcnow()),
                        OutboxMail.unsent_shard.remove(),
                        *([OutboxMail.message_id.set(message_id)] if message_id else [])])


def sweep(now: datetime | None = None, per_shard: int = SWEEP_BATCH) -> int:
    """The schedule's retry: send what is still unsent a minute after its event (its inline delivery failed, or
    the process died); the sparse `unsent` index per shard, oldest first. How many were tried."""
    cutoff = (now or utcnow()) - SWEEP_AFTER
    tried = 0
    for shard in range(UNSENT_SHARDS):
        for key in OutboxMail.unsent.query(str(shard), OutboxMail.created_at < cutoff, limit=per_shard):
            tried += 1
            try:
                _deliver_one(key.mail_id)
            except Exception:  # noqa: BLE001 - stays unsent: the next run tries again
                logger.exception("email not sent", extra={"mail_id": key.mail_id})
    return tried


def _send(row: OutboxMail) -> str | None:
    """The message id, or None when it must not go (no address, or the category is turned off)."""
    try:
        user = User.get(row.user_id)
    except DoesNotExist:
        user = None
    category = CATEGORY[row.kind]
    to = row.to_address or (user.email if user else None)
    opted_out = category != RECEIPT and user is not None and category in (user.email_opt_outs or ())
    if not to or opted_out:
        logger.info("email skipped", extra={"mail_id": row.mail_id, "kind": row.kind,
                                            "reason": "opted out" if opted_out else "no address"})
        return None
    links = {"app_url": get_settings().public_app_url, "preferences_url": app_link("settings/email")}
    footer = _FOOTER[category].replace("$preferences_url", links["preferences_url"])
    subject, text, page = mail.render(row.kind, {**row.params, **links, "footer": footer})
    return mail.mailer().send_alternatives(to=to, subject=subject, text=text, html=page, headers={})


# --- preferences ------------------------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, bool]:
    """`{category: is_enabled}` for every optional category."""
    off = set(user.email_opt_outs or ())
    return {category: category not in off for category in OPTIONAL}


def get_preferences(user_id: str, email: str | None, name: str | None) -> dict[str, bool]:
    return preferences(ensure_user(user_id, email, name))


def set_preferences(user_id: str, email: str | None, name: str | None, enabled: dict[str, bool]) -> dict[str, bool]:
    """Replace the optional categories' switches (receipts and legal mail are not switchable)."""
    unknown = set(enabled) - set(OPTIONAL)
    if unknown:
        raise ValueError(f"not email categories: {sorted(unknown)}")
    user = ensure_user(user_id, email, name)
    off = {category for category in OPTIONAL if not enabled.get(category, True)}
    user.update(actions=[User.email_opt_outs.set(off) if off else User.email_opt_outs.remove()])
    return preferences(user)
