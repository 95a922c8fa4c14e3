"""The staff inbox link a notification carries: INBOX_BASE_URL/items/<opaque ref>, nothing else in the URL
(or the queue, for one escalation page about several items)."""

from __future__ import annotations

import logging
from typing import Optional

from clinic import settings

logger = logging.getLogger(__name__)


def item_link(message) -> Optional[str]:
    """The link to the notification's item, or None when INBOX_BASE_URL is unset or the item cannot
    be made (then the notification keeps the command-line hint: a link never blocks a delivery)."""
    base = (settings.raw("INBOX_BASE_URL") or "").strip().rstrip("/")
    if not base:
        return None
    if (message.payload or {}).get("inbox_refs"):
        return f"{base}/?status=new"  # one escalation page for several items points at the queue
    from staff_inbox import items

    try:
        ref = items.ref_for_notification(message)
    except Exception as error:  # noqa: BLE001 - the notification goes out with or without its link
        logger.warning("No inbox link for notification %s (%s)", message.id, type(error).__name__)
        return None
    return f"{base}/items/{ref}" if ref else None
