"""The seam where urgent staff alerts leave the assistant; no Rasa imports.

Delivery to staff (signed webhook, e-mail, durable outbox) arrives with the staff handoff
issue; until then an alert is logged at WARNING without any message text or PHI, so an
operator watching the logs still sees that someone may be at risk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, Optional

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrisisAlert:
    conversation_id: str
    category: str  # self_harm, harm_others, medical_emergency or not_safe
    trigger: str  # what set it off: "crisis phrase", "crisis intent", "said not safe"
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    contact: Dict[str, str] = field(default_factory=dict)


def send_crisis_alert(alert: CrisisAlert) -> Optional[str]:
    """Hands an urgent alert to staff delivery; returns its id when one is queued."""
    logger.warning(
        "Crisis alert: conversation=%s category=%s trigger=%s (no staff channel configured yet)",
        alert.conversation_id, alert.category, alert.trigger,
    )
    return None
