"""The purchase confirmation email, sent once per paid order through an outbox flag.

The fulfilment transaction sets `confirmation_pending`; after the commit the flag is claimed with a conditional
update and the mail sent, so concurrent deliveries send once. A failed send puts the flag back and fails the
delivery; Stripe's redelivery (a duplicate event) sends it then.
"""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.config import get_settings
from chalicelib.integrations import mail
from chalicelib.models import Order, User
from chalicelib.observability import logger


def confirm_once(order: Order, product: dict[str, Any]) -> None:
    """Send the confirmation the paid order is waiting for, unless it was sent (or is being sent) already."""
    try:
        Order(order.order_id).update(actions=[Order.confirmation_pending.remove()],
                                     condition=Order.confirmation_pending == True)  # noqa: E712 (a DynamoDB condition)
    except UpdateError:
        return  # already sent, or being sent by a concurrent delivery
    try:
        _send(order, product)
    except Exception:
        Order(order.order_id).update(actions=[Order.confirmation_pending.set(True)])
        raise


def _recipient(order: Order) -> str | None:
    if order.buyer_email:
        return order.buyer_email
    try:
        return User.get(order.buyer_id).email
    except DoesNotExist:
        return None


def _send(order: Order, product: dict[str, Any]) -> None:
    to = _recipient(order)
    if not to:
        logger.warning("no email address for a paid order", extra={"order_id": order.order_id})
        return
    settings = get_settings()
    link = f"{settings.public_app_url.rstrip('/')}/library/{order.product_id}"
    amount = f"{int(order.amount_cents) / 100:.2f} {order.currency}"
    mail.mailer().send(to=to, subject=f"Your purchase: {product['title']}", text=(
        f"Thank you for your purchase of {product['title']} ({amount}).\n\n"
        f"It is in your library now: {link}\n\nOrder {order.order_id}\n"))
