"""Where urgent staff alerts leave the conversation; no Rasa imports.

send_crisis_alert() queues an urgent crisis_alert in the outbox (clinic/adapters/handoff.py); the outbox
worker delivers it within seconds. Repeats in the same conversation and category are counted into
the open alert instead of paging again (clinic/adapters/alert_limits.py); the chat's answer never depends
on that. If the database cannot take it, the alert is still logged at
ERROR (a keyed hash of the conversation id and the category, never text or PHI), so an operator
watching the logs sees that someone may be at risk; the person in the chat gets the crisis
resources either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional

from clinic.domain.log_ids import log_id

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrisisAlert:
    conversation_id: str
    category: str  # self_harm, harm_others, medical_emergency, danger_from_others or not_safe
    trigger: str  # what set it off: "crisis phrase", "crisis intent", "said not safe"
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    contact: Dict[str, str] = field(default_factory=dict)  # what the chat already knows: name, email, phone
    about: Optional[str] = None  # for not_safe: the crisis category it answers (one alert per category)


def send_crisis_alert(alert: CrisisAlert) -> Optional[List[str]]:
    """Queues the urgent alert for staff; returns its outbox ids, or None when it could not be queued."""
    from clinic.adapters import handoff, intake_store  # imported here so the crisis response never fails on an import

    try:
        intake_store.ensure_migrated()
        ids = handoff.queue_crisis_alert(alert.conversation_id, alert.category, alert.trigger,
                                         alert.contact, alert.created_at, alert.about)
    except Exception as error:  # noqa: BLE001 - the crisis response must reach the person regardless
        logger.error("Crisis alert NOT queued (%s): conversation=%s category=%s trigger=%s",
                     type(error).__name__, log_id(alert.conversation_id), alert.category, alert.trigger)
        return None
    logger.warning("Crisis alert %s for staff: conversation=%s category=%s trigger=%s",
                   "queued" if ids else "counted into the open alert", log_id(alert.conversation_id),
                   alert.category, alert.trigger)
    return ids
