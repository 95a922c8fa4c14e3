"""Lock store chosen by LOCK_STORE_TYPE, with a Redis ticket lock that is safe across servers.

Rasa keeps each conversation's messages in order with a ticket lock: a message takes the next
ticket and waits until its ticket is the lowest one still held. Rasa 3.6's RedisLockStore keeps
the whole ticket queue in one Redis value and changes it by read-modify-write (get, change in
Python, set). Two servers taking tickets for one conversation at the same moment overwrite each
other's queue: a ticket disappears, or the queue is deleted while someone waits, and Rasa
answers that message with "Could not acquire lock" - the visitor's message is lost. CI caught
it with a burst of 8 messages of one conversation sent to two servers at once.

Here every change is a single atomic Redis command (or one Lua script): ticket numbers come
from INCR, the queue is a sorted set with one member per ticket, and finishing removes only
one's own ticket. The queue is never deleted while in use; Redis drops empty sorted sets by
itself, and the counter expires once no ticket can still be alive.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from typing import Any, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig

from components.tracker_store import blank_to_none

logger = logging.getLogger(__name__)

# Keys outlive the longest ticket by this much, so a counter never restarts under a live ticket.
KEY_TTL_MARGIN_SECONDS = 60

# Take the next number, queue it with its expiry time, and keep both keys alive: in one step,
# so no other server can see the number before it is queued.
_ISSUE_TICKET = """
local number = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], ARGV[1], number)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return number
"""


class AtomicRedisLockStore(LockStore):
    """Rasa's ticket lock kept in Redis with atomic operations only (see the module docstring)."""

    def __init__(self, host: Text = "localhost", port: Any = 6379, db: Any = 1,
                 username: Optional[Text] = None, password: Optional[Text] = None,
                 use_ssl: bool = False, ssl_certfile: Optional[Text] = None,
                 ssl_keyfile: Optional[Text] = None, ssl_ca_certs: Optional[Text] = None,
                 key_prefix: Optional[Text] = None,
                 socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_IN_SECONDS) -> None:
        import redis

        self.red = redis.StrictRedis(
            host=host or "localhost", port=int(port or 6379), db=int(db or 1),
            username=blank_to_none(username), password=blank_to_none(password),
            ssl=bool(use_ssl), ssl_certfile=blank_to_none(ssl_certfile),
            ssl_keyfile=blank_to_none(ssl_keyfile), ssl_ca_certs=blank_to_none(ssl_ca_certs),
            socket_timeout=float(socket_timeout))
        prefix = blank_to_none(key_prefix)
        if prefix is not None and not str(prefix).isalnum():
            raise ValueError(f"LOCK_STORE_KEY_PREFIX must be letters and digits only, not {prefix!r}")
        self.key_prefix = f"{prefix}:ticketlock:" if prefix else "ticketlock:"
        self._issue_ticket_script = self.red.register_script(_ISSUE_TICKET)
        super().__init__()

    def _counter_key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}:last_issued"

    def _queue_key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}:tickets"

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        expires = time.time() + lock_lifetime
        ttl_ms = int((lock_lifetime + KEY_TTL_MARGIN_SECONDS) * 1000)
        try:
            return int(self._issue_ticket_script(
                keys=[self._counter_key(conversation_id), self._queue_key(conversation_id)],
                args=[repr(expires), ttl_ms]))
        except Exception as error:  # Rasa answers LockError with its usual failure reply
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        entries = self.red.zrange(self._queue_key(conversation_id), 0, -1, withscores=True)
        tickets = sorted((Ticket(int(member), float(expires)) for member, expires in entries),
                         key=lambda ticket: ticket.number)
        lock = TicketLock(conversation_id, deque(tickets))
        lock.remove_expired_tickets()
        return lock if lock.tickets else None

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (their holders crashed or overran the lock lifetime)."""
        self.red.zremrangebyscore(self._queue_key(conversation_id), "-inf", f"({time.time()!r}")

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self.red.zrem(self._queue_key(conversation_id), ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Only one's own ticket goes: deleting the queue "when nobody waits" would race with a
        # ticket taken a moment later on another server. An empty sorted set vanishes by itself.
        self.finish_serving(conversation_id, ticket_number)

    def delete_lock(self, conversation_id: Text) -> None:
        self.red.delete(self._queue_key(conversation_id), self._counter_key(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError(
            "AtomicRedisLockStore changes tickets one at a time; saving a whole queue would undo "
            "other servers' changes")


class EnvironmentLockStore(LockStore):
    """The lock store named by LOCK_STORE_TYPE: `in_memory` (one Rasa process) or `redis`
    (several servers or Sanic workers). endpoints.yml names this class and passes the type as
    `backend`, so the same file serves both. Rasa only ever calls `lock()`."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        settings = dict(endpoint_config.kwargs) if endpoint_config else {}
        backend = blank_to_none(settings.pop("backend", None)) or "in_memory"
        if backend == "in_memory":
            # Rasa treats any custom lock store as safe for several Sanic workers; in-memory
            # locks are not shared between processes, so refuse instead of mixing up messages.
            if int(os.environ.get("SANIC_WORKERS") or 1) > 1:
                raise ValueError("SANIC_WORKERS > 1 needs a shared lock store: set LOCK_STORE_TYPE=redis")
            self.store: LockStore = InMemoryLockStore()
        elif backend == "redis":
            self.store = AtomicRedisLockStore(host=endpoint_config.url, **settings)
        else:
            raise ValueError(f"LOCK_STORE_TYPE must be in_memory or redis, not {backend!r}")
        logger.debug("Lock store: %s", type(self.store).__name__)
        super().__init__()

    def lock(self, *args: Any, **kwargs: Any):  # noqa: ANN201 - Rasa's async context manager
        return self.store.lock(*args, **kwargs)
