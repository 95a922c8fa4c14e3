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

Leases. Rasa gives every ticket a 60 s lifetime: a server killed while it held a conversation's
lock left its ticket in the queue for up to a minute, and every later message of that
conversation waited behind it and then came back empty ("Could not acquire lock"). Here a
ticket is a short lease (LOCK_LEASE_SECONDS, default 5) that a thread of the live server renews
every third of the lease, for waiting and for held tickets alike. A dead (or frozen) server stops
renewing, so its ticket lapses within one lease and the next message goes ahead. A held ticket is
renewed for at most Rasa's lock lifetime (TICKET_LOCK_LIFETIME, default 60 s), so a hung holder
cannot block a conversation for ever. Expiry times are kept on Redis's clock, so servers whose
clocks disagree by seconds still agree on which tickets are alive.

Waiting. A message waits for the messages of its conversation ahead of it for up to
LOCK_WAIT_SECONDS (default 30), polling every 50 ms (Rasa polls once a second). If it still has
not got its turn, or the lock store cannot be reached, the visitor gets a kind answer asking to
send the message again (with the 988 line; a crisis message gets the crisis response) instead of
the empty reply Rasa gives: `apply()` wraps Rasa's Agent.handle_message for that (a safety patch,
always applied by the Rasa server: components/rasa_patches.py).

Order. Tickets are numbered in the order a server takes them, so messages are handled in the
order they reach the servers, not the order the visitor sent them: two messages sent a few ms
apart to two servers can swap. Keep a visitor on one server (sticky sessions, deploy/nginx) and
a conversation's messages are answered in the order sent.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Optional, Text, Tuple

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import (
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig

from clinic import settings
from components.tracker_store import blank_to_none

logger = logging.getLogger(__name__)

# Keys outlive the longest ticket by this much, so a counter never restarts under a live ticket.
KEY_TTL_MARGIN_SECONDS = 60
POLL_SECONDS = 0.05


def lease_seconds() -> float:
    return settings.get("LOCK_LEASE_SECONDS")  # at least 1 s; a bad value raises, naming the variable


def wait_seconds() -> float:
    return settings.get("LOCK_WAIT_SECONDS")


class LockWaitTimeout(LockError):
    """A message did not get its turn within LOCK_WAIT_SECONDS (or lost its place)."""

# Ticket expiry times are Redis's own clock (milliseconds), never a server's: with leases of a few
# seconds, two servers' clocks a second or two apart would otherwise let one of them drop a live
# ticket as expired, or keep a dead one.
_NOW_MS = """
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
"""

# Take the next number, queue it with its expiry time, and keep both keys alive: in one step,
# so no other server can see the number before it is queued.
_ISSUE_TICKET = _NOW_MS + """
local number = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), number)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return number
"""

# Extend one's own ticket (and both keys) only while it is still queued: a lapsed ticket is
# never brought back, since a later message may already be running in its place.
_RENEW_TICKET = _NOW_MS + """
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""

# Drop the lapsed tickets and return Redis's time followed by the live ones (number, expiry).
_LIVE_TICKETS = _NOW_MS + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
local result = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
table.insert(result, 1, tostring(now))
return result
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
        self._renew_ticket_script = self.red.register_script(_RENEW_TICKET)
        self._live_tickets_script = self.red.register_script(_LIVE_TICKETS)
        self.lease = lease_seconds()
        self.wait_limit = wait_seconds()
        # (conversation, ticket) -> the monotonic time after which it is no longer renewed
        self._leases: Dict[Tuple[Text, int], float] = {}
        self._leases_guard = threading.Lock()
        self._renewer: Optional[threading.Thread] = None
        super().__init__()

    def _counter_key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}:last_issued"

    def _queue_key(self, conversation_id: Text) -> Text:
        return f"{self.key_prefix}{conversation_id}:tickets"

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        ttl_ms = int((lock_lifetime + KEY_TTL_MARGIN_SECONDS) * 1000)
        try:
            return int(self._issue_ticket_script(
                keys=[self._counter_key(conversation_id), self._queue_key(conversation_id)],
                args=[int(lock_lifetime * 1000), ttl_ms]))
        except Exception as error:  # Rasa answers LockError with its usual failure reply
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock with a renewed short lease and a bounded wait (module docstring).
        `lock_lifetime` bounds how long a held ticket is renewed."""
        ticket = self.issue_ticket(conversation_id, self.lease)
        self._start_renewing(conversation_id, ticket, time.monotonic() + self.wait_limit + lock_lifetime)
        try:
            lock = await self._wait_for_turn(conversation_id, ticket, min(wait_time_in_seconds, POLL_SECONDS))
            self._start_renewing(conversation_id, ticket, time.monotonic() + lock_lifetime)
            yield lock
        finally:
            with self._leases_guard:
                self._leases.pop((conversation_id, ticket), None)
            self.cleanup(conversation_id, ticket)

    async def _wait_for_turn(self, conversation_id: Text, ticket: int, poll: float) -> TicketLock:
        deadline = time.monotonic() + self.wait_limit
        while True:
            try:
                lock = self.get_lock(conversation_id)  # lapsed tickets dropped
            except Exception as error:  # Redis unreachable: answered like a timeout
                raise LockError(f"Lock store unreachable: {error}") from error
            numbers = [queued.number for queued in (lock.tickets if lock else [])]
            if ticket not in numbers:
                raise LockWaitTimeout(f"Ticket {ticket} of conversation lapsed while waiting.")
            if numbers[0] == ticket:
                return lock
            if time.monotonic() > deadline:
                raise LockWaitTimeout(f"Waited {self.wait_limit:.0f} s for the conversation's turn.")
            await asyncio.sleep(poll)

    def _start_renewing(self, conversation_id: Text, ticket: int, until: float) -> None:
        with self._leases_guard:
            self._leases[(conversation_id, ticket)] = until
            if self._renewer is None or not self._renewer.is_alive():
                # A thread, not a task: a long computation on the event loop must not let a live
                # server's lease lapse (another server would then run the conversation alongside).
                self._renewer = threading.Thread(target=self._renew_forever, name="lock-lease", daemon=True)
                self._renewer.start()

    def _renew_forever(self) -> None:
        while True:
            time.sleep(self.lease / 3)
            self.renew_leases()

    def renew_leases(self) -> None:
        now = time.monotonic()
        with self._leases_guard:
            for key, until in list(self._leases.items()):
                if now > until:
                    del self._leases[key]  # held too long: let it lapse
            current = list(self._leases)
        ttl_ms = int((self.lease + KEY_TTL_MARGIN_SECONDS) * 1000)
        for conversation_id, ticket in current:
            try:
                self._renew_ticket_script(
                    keys=[self._counter_key(conversation_id), self._queue_key(conversation_id)],
                    args=[int(self.lease * 1000), ticket, ttl_ms])
            except Exception as error:  # noqa: BLE001 - retried at the next round
                logger.warning("Could not renew a conversation lock lease (%s).", type(error).__name__)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The live tickets, lowest number first (lapsed ones are dropped from Redis on the way).
        Expiry times are translated to this server's clock for Rasa's TicketLock."""
        reply = self._live_tickets_script(keys=[self._queue_key(conversation_id)])
        redis_now_ms, entries = float(reply[0]), reply[1:]
        offset = time.time() - redis_now_ms / 1000
        tickets = sorted((Ticket(int(entries[index]), float(entries[index + 1]) / 1000 + offset)
                          for index in range(0, len(entries), 2)), key=lambda ticket: ticket.number)
        return TicketLock(conversation_id, deque(tickets)) if tickets else None

    def update_lock(self, conversation_id: Text) -> None:
        """Drop expired tickets (their holders crashed, froze or overran the lock lifetime)."""
        self._live_tickets_script(keys=[self._queue_key(conversation_id)])

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
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        backend = blank_to_none(options.pop("backend", None)) or "in_memory"
        if backend == "in_memory":
            # Rasa treats any custom lock store as safe for several Sanic workers; in-memory
            # locks are not shared between processes, so refuse instead of mixing up messages.
            if settings.get("SANIC_WORKERS") > 1:
                raise ValueError("SANIC_WORKERS > 1 needs a shared lock store: set LOCK_STORE_TYPE=redis")
            self.store: LockStore = InMemoryLockStore()
        elif backend == "redis":
            self.store = AtomicRedisLockStore(host=endpoint_config.url, **options)
        else:
            raise ValueError(f"LOCK_STORE_TYPE must be in_memory or redis, not {backend!r}")
        logger.debug("Lock store: %s", type(self.store).__name__)
        super().__init__()

    def lock(self, *args: Any, **kwargs: Any):  # noqa: ANN201 - Rasa's async context manager
        return self.store.lock(*args, **kwargs)


BUSY_REPLY = (
    "Sorry, I couldn't get to that message just now. Could you send it again? If you are in "
    "crisis or thinking about harming yourself, please call or text 988 now, or call 911 in an "
    "emergency."
)


def reply_when_lock_failed(text: Any) -> str:
    """What a visitor reads when their message could not get the conversation's lock: the crisis
    response for a crisis message (it must never wait for a retry), else a request to resend."""
    try:
        from clinic.domain import crisis_phrases
        from clinic.domain.crisis_response import crisis_message, crisis_message_es
        from clinic.domain.practice_profile import current_profile

        result = crisis_phrases.check(text) if isinstance(text, str) else None
        if result is not None and result.is_crisis:
            if result.language == "es":
                return crisis_message_es(result.category, current_profile())
            return crisis_message(result.category, current_profile())
    except Exception as error:  # noqa: BLE001 - the resend request below still names 988
        logger.error("Crisis check for an unlocked message failed (%s).", type(error).__name__)
    return BUSY_REPLY


def apply() -> None:
    """Answer a message that could not get its conversation's lock, instead of Rasa's silence."""
    from rasa.core.agent import Agent

    rasa_handle_message = Agent.handle_message
    if getattr(rasa_handle_message, "answers_lock_errors", False):
        return

    async def handle_message(self: Agent, message: Any) -> Any:
        try:
            return await rasa_handle_message(self, message)
        except LockError as error:
            logger.warning("Message not handled, asked to resend: %s", error)
            channel = getattr(message, "output_channel", None)
            if channel is not None:
                await channel.send_text_message(message.sender_id, reply_when_lock_failed(message.text))
            return None

    handle_message.answers_lock_errors = True
    Agent.handle_message = handle_message
