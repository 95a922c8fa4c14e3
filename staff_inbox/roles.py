"""Who may do what in the staff inbox: one table, documented in docs/staff.md (Roles). Pure Python."""

from __future__ import annotations

from typing import Dict, FrozenSet

from staff_inbox.models import ROLES

EVERYONE = frozenset(ROLES)
CLINICAL = frozenset({"clinician", "prescriber", "admin"})

# Every team member works the queue; the crisis items (PHQ-9 item 9, ASQ) are shown to everyone,
# since whoever reads an item first may have to act on them. KAP safety answers and medications are
# for the prescriber (minimum necessary); exports carry many people's PHI at once, so clinical staff
# only; accounts and the audit trail are the administrator's.
PERMISSIONS: Dict[str, FrozenSet[str]] = {
    "queue.view": EVERYONE,
    "item.view": EVERYONE,
    "item.work": EVERYONE,  # acknowledge, assign to me, mark contacted, close with a note
    "item.kap_details": frozenset({"prescriber", "admin"}),
    "export": CLINICAL,  # CSV of the queue's intakes, FHIR of one intake
    "users.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
}


def allowed(role: str, permission: str) -> bool:
    """Whether the role has the permission; an unknown permission is nobody's."""
    return role in PERMISSIONS.get(permission, frozenset())


def matrix() -> Dict[str, Dict[str, bool]]:
    """permission -> role -> allowed, for the documentation and its test."""
    return {permission: {role: role in roles for role in ROLES} for permission, roles in PERMISSIONS.items()}
