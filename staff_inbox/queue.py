"""The queue's order and filters, and when an unacknowledged urgent item escalates. Pure Python."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, TypeVar
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OPEN_STATUSES = ("new", "acknowledged", "contacted")
T = TypeVar("T")


def sort_key(priority: str, status: str, created_at: datetime) -> Tuple[int, int, float]:
    """Open before closed, urgent before normal, then newest first."""
    return (1 if status == "closed" else 0, 0 if priority == "urgent" else 1, -created_at.timestamp())


def ordered(items: Iterable[T], key=lambda item: (item.priority, item.status, item.created_at)) -> List[T]:
    return sorted(items, key=lambda item: sort_key(*key(item)))


def matches(item_kind: str, item_status: str, assignee: Optional[str], *, kind: Optional[str] = None,
            status: Optional[str] = None, mine: Optional[str] = None) -> bool:
    """One row against the queue's filters. status "open" means anything not closed."""
    if kind and item_kind != kind:
        return False
    if status == "open":
        if item_status not in OPEN_STATUSES:
            return False
    elif status and item_status != status:
        return False
    return not mine or assignee == mine


def escalates(kind: str, priority: str) -> bool:
    """Crisis alerts always; callback requests when urgent (asked during office hours)."""
    return kind == "crisis_alert" or (kind == "callback_request" and priority == "urgent")


def escalation_due(created_at: datetime, minutes: float, hours: Mapping[str, Sequence[time]],
                   tz: ZoneInfo, horizon_days: int = 14) -> Optional[datetime]:
    """When `minutes` of office time have passed since created_at (the clock runs only while the
    office is open, so an alert at night escalates `minutes` after opening). None: no office hours."""
    remaining = timedelta(minutes=minutes)
    cursor = created_at.astimezone(tz)
    for offset in range(horizon_days + 1):
        day = (cursor + timedelta(days=offset)).date() if offset else cursor.date()
        span = hours.get(WEEKDAYS[day.weekday()])
        if not span:
            continue
        # Office hours are wall-clock times, but minutes are counted in UTC: arithmetic on two times
        # of one zone is wall-clock arithmetic, which the night the clocks go back adds an hour.
        opens = datetime.combine(day, span[0], tzinfo=tz).astimezone(timezone.utc)
        closes = datetime.combine(day, span[1], tzinfo=tz).astimezone(timezone.utc)
        start = max(opens, cursor.astimezone(timezone.utc))
        if start >= closes:
            continue
        if start + remaining <= closes:
            return start + remaining
        remaining -= closes - start
    return None


def age_text(created_at: datetime, now: datetime) -> str:
    """"4 min", "3 h", "2 d": short enough for a phone screen."""
    seconds = max(0, int((now - created_at).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def counts(statuses: Iterable[str]) -> Dict[str, int]:
    found: Dict[str, int] = {}
    for status in statuses:
        found[status] = found.get(status, 0) + 1
    return found
