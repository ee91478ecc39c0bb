"""Creator–buyer communication: conversations, the creator inbox, lounge rooms, blasts, notifications and the
one-click unsubscribe. The rules live in `services/messaging`; list reads answer 304 to a matching If-None-Match."""

from chalice import Blueprint

from chalicelib.api.routing import Call, page_limit, route

bp = Blueprint(__name__)
C = "/v1/conversations/{conversation_id}"
ROOM = "/v1/products/{product_id}/room"


def _svc():
    from chalicelib.services.messaging import blasts, conversations, notifications, rooms

    return conversations, rooms, blasts, notifications


@route(bp, "/v1/conversations", "POST", summary="Message a product's creator (or, as its creator, one of its "
       "buyers): starts the conversation of the two of you or continues it with this product as a context",
       tag="messaging", body="messaging.ConversationStart", response="messaging.MessageOut", status=201, repeat=200,
       errors=(403, 404, 409, 429))
def start_conversation(call: Call):
    conversations = _svc()[0]
    return conversations.start(call.identity, call.body.product_id, call.body.recipient_id, call.body.body)


@route(bp, "/v1/conversations", summary="Your conversations, latest activity first (filter by product or unread), "
       "with your unread total", tag="messaging", query="messaging.InboxQuery", response="messaging.ConversationPage",
       etag=True)
def my_conversations(call: Call) -> dict:
    q = call.query
    return _svc()[0].list_conversations(call.user_id, q.product_id, q.is_unread, q.cursor, q.since,
                                        page_limit(q.limit))


@route(bp, "/v1/creator/inbox", summary="The creator inbox: buyer and prospect conversations across your products "
       "(filter by product or unread), with the unread total", tag="creator", query="messaging.InboxQuery",
       response="messaging.ConversationPage", errors=(403,), etag=True)
def creator_inbox(call: Call) -> dict:
    from chalicelib.services.accounts import users

    users.require_creator(call.user_id)
    return my_conversations(call)


@route(bp, C, summary="One of your conversations", tag="messaging", response="messaging.ConversationDetail")
def conversation(call: Call, conversation_id: str):
    return _svc()[0].detail(call.user_id, conversation_id)


@route(bp, f"{C}/messages", summary="A conversation's messages, newest first", tag="messaging",
       query="messaging.FeedQuery", response="messaging.MessagePage", etag=True)
def conversation_messages(call: Call, conversation_id: str) -> dict:
    q = call.query
    return _svc()[0].messages(call.user_id, conversation_id, q.cursor, q.since, page_limit(q.limit))


@route(bp, f"{C}/messages", "POST", summary="Send a message", tag="messaging", body="messaging.MessageCreate",
       response="messaging.MessageOut", status=201, errors=(403, 409, 429))
def send_message(call: Call, conversation_id: str):
    return _svc()[0].send(call.user_id, conversation_id, call.body.body)


@route(bp, f"{C}/read", "POST", summary="Mark the conversation read up to a message (default: the latest)",
       tag="messaging", body="messaging.ReadMark", body_required=False, response="messaging.ConversationDetail",
       errors=(409,))
def read_conversation(call: Call, conversation_id: str):
    return _svc()[0].mark_read(call.user_id, conversation_id, call.body.message_id)


@route(bp, f"{C}/block", "POST", summary="Block the other party: no messages either way until you unblock",
       tag="messaging", response="messaging.ConversationDetail")
def block(call: Call, conversation_id: str):
    return _svc()[0].set_block(call.user_id, conversation_id, True)


@route(bp, f"{C}/block", "DELETE", summary="Unblock the other party", tag="messaging",
       response="messaging.ConversationDetail")
def unblock(call: Call, conversation_id: str):
    return _svc()[0].set_block(call.user_id, conversation_id, False)


@route(bp, ROOM, summary="A product's lounge room (its creator and members): mode, member count, creator",
       tag="messaging", response="messaging.RoomOut")
def room(call: Call, product_id: str):
    return _svc()[1].get(call.user_id, product_id)


@route(bp, ROOM, "PATCH", summary="Set the room's mode (creator): discussion, or announcements only",
       tag="messaging", body="messaging.RoomUpdate", response="messaging.RoomOut", errors=(403,))
def update_room(call: Call, product_id: str):
    return _svc()[1].set_mode(call.user_id, product_id, call.body.mode)


@route(bp, f"{ROOM}/posts", summary="The room's posts, newest first", tag="messaging", query="messaging.FeedQuery",
       response="messaging.MessagePage", etag=True)
def room_posts(call: Call, product_id: str) -> dict:
    q = call.query
    return _svc()[1].posts(call.user_id, product_id, q.cursor, q.since, page_limit(q.limit))


@route(bp, f"{ROOM}/posts", "POST", summary="Post in the room (members in a discussion room; the creator always)",
       tag="messaging", body="messaging.MessageCreate", response="messaging.MessageOut", status=201,
       errors=(403, 429))
def post_in_room(call: Call, product_id: str):
    return _svc()[1].post(call.identity, product_id, call.body.body)


@route(bp, "/v1/creator/blasts", "POST", summary="Announce to the members of one or more of your products' rooms: "
       "each is notified once (in the app, and by email unless they unsubscribed)", tag="creator",
       body="messaging.BlastCreate", response="messaging.BlastOut", status=202, errors=(403, 404, 429))
def create_blast(call: Call):
    blasts = _svc()[2]
    return blasts.create(call.user_id, call.body.product_ids, call.body.subject, call.body.body, _api_base(call))


@route(bp, "/v1/creator/blasts", summary="Your blasts, newest first", tag="creator", query="common.PageQuery",
       response="messaging.BlastPage")
def my_blasts(call: Call) -> dict:
    return _svc()[2].list_for(call.user_id, call.query.cursor, page_limit(call.query.limit)).to_dict()


@route(bp, "/v1/creator/blasts/{blast_id}", summary="A blast's status and counts", tag="creator",
       response="messaging.BlastOut")
def blast(call: Call, blast_id: str):
    return _svc()[2].get(call.user_id, blast_id)


@route(bp, "/v1/notifications", summary="Your notifications, newest first, with the unread count", tag="messaging",
       query="messaging.FeedQuery", response="messaging.NotificationPage", etag=True)
def my_notifications(call: Call) -> dict:
    q = call.query
    return _svc()[3].list_for(call.user_id, q.cursor, q.since, page_limit(q.limit))


@route(bp, "/v1/notifications/read", "POST", summary="Mark one notification read, or all of them",
       tag="messaging", body="messaging.NotificationsRead", body_required=False, response="messaging.UnreadCount",
       errors=(404, 409))
def read_notifications(call: Call):
    return _svc()[3].mark_read(call.user_id, call.body.notification_id)


@route(bp, "/v1/unsubscribe", "POST", summary="One-click unsubscribe (RFC 8058) from a creator's announcement "
       "emails", tag="messaging", auth="none", query="messaging.UnsubscribeQuery", response="messaging.Unsubscribed")
def unsubscribe_one_click(call: Call):
    return _svc()[2].unsubscribe(call.query.token)


@route(bp, "/v1/unsubscribe", summary="Unsubscribe from a creator's announcement emails (the link in the email)",
       tag="messaging", auth="none", query="messaging.UnsubscribeQuery", response="messaging.Unsubscribed")
def unsubscribe_link(call: Call):
    return _svc()[2].unsubscribe(call.query.token)


def _api_base(call: Call) -> str | None:
    """The API's own address as the caller reached it (the emails' unsubscribe links point there)."""
    host = call.request.headers.get("host")
    if not host:
        return None
    stage = (call.request.context or {}).get("stage")
    scheme = "http" if host.startswith(("127.0.0.1", "localhost")) else "https"
    return f"{scheme}://{host}/{stage}" if stage and "execute-api" in host else f"{scheme}://{host}"
