"""Direct messages: who may start a conversation, sending, reading, marking read, blocking.

One conversation per pair of users (its id is a hash of the sorted pair, so two starts meet on one row); every
product it was started from is a context. A send is ONE transaction: no block either way (condition checks), the
conversation, the message, both members' inbox rows (`inbox.write`, conditioned on their unread counts as read)
and, when the recipient had nothing unread, a notification — and, unless they were emailed about this conversation in
the last `EMAIL_EVERY` (their inbox row's `emailed_at`), a new-message email queued in the outbox
(`accounts.emails`, category `messages`, which they may turn off), sent after the commit. Batched this way, a
conversation mails its member at most once per unread streak and once per `EMAIL_EVERY`: the unread-count condition
makes two concurrent sends agree on who mails. A lost race re-reads and retries.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.errors import Conflict, InvalidInput, NotFound
from chalicelib.models import Conversation, Message, Product
from chalicelib.models.base import utcnow
from chalicelib.services.access import grants
from chalicelib.services.accounts import emails, users
from chalicelib.services.core.db import CONDITION_FAILED, cancellation_codes, lost_race, retry_on_conflict, transaction
from chalicelib.services.core.ids import new_id
from chalicelib.services.messaging import contacts, feeds, inbox, notifications
from chalicelib.services.messaging.errors import Blocked, NotAllowedToMessage, TooManyContexts

EMAIL_EVERY = timedelta(minutes=15)  # at most one new-message email per conversation and member in this time
MAX_CONTEXTS = 10  # products per conversation: each is one more inbox row per member in every send
_ATTEMPTS = 8


def conversation_id_for(a: str, b: str) -> str:
    return "cnv_" + hashlib.sha256("\x00".join(sorted((a, b))).encode()).hexdigest()[:32]


def _conversation(conversation_id: str) -> Conversation | None:
    if not conversation_id.startswith("cnv_") or len(conversation_id) != 36:
        return None
    try:
        return Conversation.get(conversation_id, consistent_read=True)
    except DoesNotExist:
        return None


def member_conversation_or_none(a: str, b: str) -> Conversation | None:
    """The conversation of two users, if they have one."""
    return _conversation(conversation_id_for(a, b))


def member_conversation(user_id: str, conversation_id: str) -> tuple[Conversation, str]:
    """The conversation and the other party, when the caller is one of its two members (else 404)."""
    conversation = _conversation(conversation_id)
    if conversation is None or user_id not in (conversation.creator_id, conversation.member_id):
        raise NotFound("conversation not found")
    other = conversation.member_id if user_id == conversation.creator_id else conversation.creator_id
    return conversation, other


def _product(product_id: str) -> Product:
    try:
        return Product.get(product_id) if len(product_id) <= 64 else None
    except DoesNotExist:
        raise NotFound("product not found") from None


def start(identity: Any, product_id: str, recipient_id: str | None, body: str) -> tuple[dict[str, Any], bool]:
    """Message a product's creator (anyone signed in, about a published product) or, as its creator, one of the
    product's buyers. `(message, created)`: created when the conversation is new."""
    caller = identity.user_id
    contacts.check_body(body)
    product = _product(product_id)
    if product is None or (product.status != "published" and product.creator_id != caller):
        raise NotFound("product not found")
    if product.creator_id == caller:
        if not recipient_id or recipient_id == caller:
            raise NotAllowedToMessage("name the buyer to message (recipient_id)")
        held = grants.current_grant(recipient_id, product_id, consistent=False) if len(recipient_id) <= 128 else None
        if held is None or held.status == "preview":
            raise NotAllowedToMessage("you can message the buyers of your products only")
        creator_id, member_id = caller, recipient_id
    else:
        if recipient_id not in (None, product.creator_id):
            raise NotAllowedToMessage("you can message the product's creator only")
        creator_id, member_id = product.creator_id, caller
    users.ensure_user(caller, identity.email, identity.name)
    conversation_id = conversation_id_for(creator_id, member_id)
    is_new = _conversation(conversation_id) is None
    if is_new and caller == member_id and grants.full_access_reason(caller, product.attribute_values) is None:
        contacts.count_new_conversation(caller)  # a prospect starting a conversation
    message = send_as(caller, conversation_id, body, creator_id=creator_id, member_id=member_id,
                      product_id=product_id)
    return message, is_new


def send(user_id: str, conversation_id: str, body: str) -> dict[str, Any]:
    conversation, _ = member_conversation(user_id, conversation_id)
    contacts.check_body(body)
    return send_as(user_id, conversation_id, body, creator_id=conversation.creator_id,
                   member_id=conversation.member_id, product_id=None)


def send_as(sender: str, conversation_id: str, body: str, *, creator_id: str, member_id: str,
            product_id: str | None) -> dict[str, Any]:
    """Store one message and update both inboxes in one transaction (see the module docstring)."""
    contacts.count_send(sender)
    other = member_id if sender == creator_id else creator_id
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, lambda: Conflict("the conversation is busy; retry")):
        conversation = _conversation(conversation_id)
        contexts = set(conversation.product_ids or ()) if conversation else set()
        adding = product_id is not None and product_id not in contexts
        if adding and len(contexts) >= MAX_CONTEXTS:
            raise TooManyContexts(f"a conversation has at most {MAX_CONTEXTS} product contexts")
        all_contexts = contexts | ({product_id} if product_id else set())
        rows = inbox.main_rows(conversation_id, [sender, other])
        theirs = rows.get(other)
        now, message_id = utcnow(), new_id("msg")
        last = inbox.Last(message_id, sender, contacts.preview(body), now)
        try:
            with transaction() as tx:
                contacts.neither_blocked(tx, sender, other)
                if conversation is None:
                    tx.save(Conversation(conversation_id, creator_id=creator_id, member_id=member_id,
                                         product_ids=all_contexts, last_message_id=message_id, created_at=now),
                            condition=Conversation.conversation_id.does_not_exist())
                else:
                    actions = [Conversation.last_message_id.set(message_id)]
                    if adding:
                        actions.append(Conversation.product_ids.add({product_id}))
                    tx.update(Conversation(conversation_id), actions=actions,
                              condition=Conversation.conversation_id.exists())
                tx.save(Message(conversation_id, message_id, sender_id=sender, body=body, created_at=now),
                        condition=Message.message_id.does_not_exist())
                inbox.write(tx, sender, other, conversation_id, all_contexts, rows.get(sender), 0, last, message_id)
                unread = int(theirs.unread_count or 0) if theirs else 0
                mail_id = _email(tx, sender, other, conversation_id, last, now) if _email_due(theirs, now) else None
                inbox.write(tx, other, sender, conversation_id, all_contexts, theirs, unread + 1, last, None,
                            emailed_at=now if mail_id else None)
                if unread == 0:  # one notification per unread streak, not one per message
                    notifications.add(tx, other, "message", "New message", last.preview, now, actor_id=sender,
                                      conversation_id=conversation_id, product_id=product_id)
        except TransactWriteError as exc:
            if CONDITION_FAILED in cancellation_codes(exc)[:2]:  # condition checks come first: a block
                raise Blocked("messages between you and this person are blocked") from None
            if not lost_race(exc):
                raise
            continue
        if mail_id:
            emails.deliver_quietly(mail_id)  # a failed send stays in the outbox for its sweep
        return message_out(Message(conversation_id, message_id, sender_id=sender, body=body, created_at=now),
                           {})
    raise AssertionError("unreachable")  # pragma: no cover - retry_on_conflict raises when exhausted


def _email_due(theirs: Any, now: datetime) -> bool:
    """The member had nothing unread here and was not mailed about this conversation in the last `EMAIL_EVERY`."""
    if theirs is not None and int(theirs.unread_count or 0):
        return False
    return theirs is None or theirs.emailed_at is None or now - theirs.emailed_at >= EMAIL_EVERY


def _email(tx: Any, sender: str, recipient: str, conversation_id: str, last: Any, now: datetime) -> str:
    name = contacts.profiles([sender])[sender]["display_name"]
    return emails.queue(tx, f"message:{recipient}:{conversation_id}:{now.isoformat()}", "message", recipient,
                        {"sender_name": name, "preview": last.preview,
                         "conversation_url": emails.app_link(f"messages/{conversation_id}")})


def message_out(message: Message, people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    sender = people.get(message.sender_id)
    return {"message_id": message.message_id, "sender_id": message.sender_id,
            "sender_display_name": sender["display_name"] if sender else None, "body": message.body,
            "kind": message.kind, "created_at": message.created_at}


def thread_page(thread_id: str, scope: str, cursor: str | None, since: str | None, limit: int) -> dict[str, Any]:
    """A thread's messages newest first (one Query), with its senders' display names (two BatchGetItems)."""
    def query(start: str | None):
        condition = Message.message_id > start if start else None
        return lambda **kw: Message.query(thread_id, condition, scan_index_forward=False, **kw)

    page = feeds.newest_first(query, lambda message: message.message_id, scope, cursor, since, limit)
    people = contacts.profiles(message.sender_id for message in page["items"])
    page["items"] = [message_out(message, people) for message in page["items"]]
    return page


def messages(user_id: str, conversation_id: str, cursor: str | None, since: str | None,
             limit: int) -> dict[str, Any]:
    member_conversation(user_id, conversation_id)
    return thread_page(conversation_id, f"messages|{conversation_id}", cursor, since, limit)


def detail(user_id: str, conversation_id: str) -> dict[str, Any]:
    conversation, other = member_conversation(user_id, conversation_id)
    row = inbox.main_rows(conversation_id, [user_id]).get(user_id)
    people = contacts.profiles([other])
    return {"conversation_id": conversation_id, "other_party": people[other],
            "product_ids": sorted(conversation.product_ids or ()),
            "unread_count": int(row.unread_count or 0) if row else 0,
            "last_message_preview": row.last_message_preview if row else None,
            "last_sender_id": row.last_sender_id if row else None,
            "last_message_at": row.last_message_at if row else None,
            "is_blocked": contacts.blocked_by(user_id, other)}


def mark_read(user_id: str, conversation_id: str, message_id: str | None) -> dict[str, Any]:
    """Everything up to `message_id` (default: the latest) is read; what came after stays unread."""
    conversation, other = member_conversation(user_id, conversation_id)
    for _ in retry_on_conflict(_ATTEMPTS, 0.01, lambda: Conflict("the conversation is busy; retry")):
        row = inbox.main_rows(conversation_id, [user_id]).get(user_id)
        if row is None or not row.unread_count:
            break
        upto = message_id or conversation.last_message_id
        if upto is None or not upto.startswith("msg_"):
            raise InvalidInput("message_id is not a message of this conversation")
        after = max(upto, row.last_read_message_id or "")
        unread = sum(1 for _ in Message.query(conversation_id, Message.message_id > after, consistent_read=True,
                                              limit=int(row.unread_count), attributes_to_get=["message_id"]))
        if unread == row.unread_count:
            break
        last = inbox.Last(conversation.last_message_id or upto, row.last_sender_id or other,
                          row.last_message_preview or "", row.last_message_at or utcnow())
        try:
            with transaction() as tx:
                inbox.write(tx, user_id, other, conversation_id, set(conversation.product_ids or ()), row, unread,
                            last, after)
        except TransactWriteError as exc:
            if not lost_race(exc):
                raise
            conversation, other = member_conversation(user_id, conversation_id)
            continue
        break
    return detail(user_id, conversation_id)


def set_block(user_id: str, conversation_id: str, blocked: bool) -> dict[str, Any]:
    """Block (or unblock) the other party of one of the caller's conversations: sends either way answer 403."""
    _, other = member_conversation(user_id, conversation_id)
    contacts.set_block(user_id, other, blocked)
    return detail(user_id, conversation_id)


def list_conversations(user_id: str, product_id: str | None, is_unread: bool, cursor: str | None,
                       since: str | None, limit: int) -> dict[str, Any]:
    """The caller's conversations (all, one product's, unread only), latest activity first, with the unread total:
    one Query, two BatchGetItems (profiles) and one GetItem whatever the inbox holds."""
    page = inbox.list_feed(user_id, product_id, is_unread, cursor, since, limit)
    people = contacts.profiles(row.other_id for row in page["items"] if row.other_id)
    page["items"] = [inbox.entry_out(row, people) for row in page["items"]]
    page["unread_count"] = inbox.unread_total(user_id)
    return page
