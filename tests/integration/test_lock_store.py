"""The conversation lock (components/lock_store.py) against the real Redis on 127.0.0.1:6379.

Several Rasa servers answer one visitor only if each conversation's messages are handled one at
a time, in the order they arrived, and none is dropped. Rasa's own RedisLockStore dropped a
message of a burst sent to two servers (CI, tests/e2e/test_e2e_scale_out.py); these tests drive the
replacement the way Rasa does (`async with store.lock(conversation_id)`) from several
independent Redis clients at once.
"""

import asyncio
import os
import threading
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, LockError, LockStore
from rasa.core.utils import read_endpoints_from_path

from components.lock_store import AtomicRedisLockStore, EnvironmentLockStore
from tests.conftest import integration_fixture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
@integration_fixture
def prefix():
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis is not reachable at 127.0.0.1:6379 ({error}); .ci/run starts it")
    prefix = f"test{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis(host="127.0.0.1", port=6379, db=1)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def server(prefix):
    """One 'server': its own store object with its own Redis connections."""
    return AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix=prefix)


def run_burst(stores, conversation_id, messages_per_store, hold_seconds=0.005):
    """Every store handles `messages_per_store` messages of one conversation, all at once (one
    thread and event loop per store, many tasks per loop). Returns the log of (ticket, event)
    and the highest number of messages ever inside the lock together."""
    log, inside, most_inside, guard = [], [0], [0], threading.Lock()
    errors = []

    async def handle(store):
        async with store.lock(conversation_id, wait_time_in_seconds=0.002) as lock:
            with guard:
                inside[0] += 1
                most_inside[0] = max(most_inside[0], inside[0])
                log.append(lock.now_serving)
            await asyncio.sleep(hold_seconds)  # the message being processed
            with guard:
                inside[0] -= 1

    def serve(store):
        async def all_messages():
            results = await asyncio.gather(*(handle(store) for _ in range(messages_per_store)),
                                           return_exceptions=True)
            errors.extend(result for result in results if isinstance(result, BaseException))
        asyncio.run(all_messages())

    threads = [threading.Thread(target=serve, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return log, most_inside[0], errors


def test_a_burst_across_servers_is_handled_one_message_at_a_time_and_none_is_lost(prefix):
    stores = [server(prefix) for _ in range(4)]
    log, most_inside, errors = run_burst(stores, "burst", messages_per_store=10)
    assert errors == []
    assert len(log) == 40                      # every message was handled
    assert most_inside == 1                    # never two at once
    assert log == sorted(log) and len(set(log)) == 40  # in ticket order, each ticket once


def test_conversations_do_not_wait_for_each_other(prefix):
    store = server(prefix)
    order = []

    async def slow_then_fast():
        async def hold(conversation_id, seconds):
            async with store.lock(conversation_id, wait_time_in_seconds=0.01):
                await asyncio.sleep(seconds)
                order.append(conversation_id)
        await asyncio.gather(hold("slow", 0.5), hold("fast", 0.01))

    asyncio.run(slow_then_fast())
    assert order == ["fast", "slow"]


def test_a_crashed_holder_blocks_the_conversation_only_until_its_ticket_expires(prefix):
    crashed, other = server(prefix), server(prefix)
    crashed.issue_ticket("c1", lock_lifetime=0.5)  # took a ticket, then the server died

    async def next_message():
        started = time.monotonic()
        async with other.lock("c1", lock_lifetime=5, wait_time_in_seconds=0.02):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.3 < waited < 3


def test_finishing_leaves_nothing_behind_but_an_expiring_counter(prefix):
    store = server(prefix)

    async def one_message():
        async with store.lock("c2", lock_lifetime=5, wait_time_in_seconds=0.01):
            pass

    asyncio.run(one_message())
    asyncio.run(one_message())
    assert store.get_lock("c2") is None
    client = redis.Redis(host="127.0.0.1", port=6379, db=1)
    keys = [key.decode() for key in client.scan_iter(f"{prefix}:*")]
    assert keys == [f"{prefix}:ticketlock:c2:last_issued"]
    assert 0 < client.pttl(keys[0]) <= (5 + 60) * 1000
    assert int(client.get(keys[0])) == 2  # numbers keep rising while the counter lives


def test_redis_down_is_a_lock_error_which_rasa_answers_instead_of_hanging():
    store = AtomicRedisLockStore(host="127.0.0.1", port=1, db=1, key_prefix="x", socket_timeout=1)
    with pytest.raises(LockError):
        store.issue_ticket("c3")


def test_a_key_prefix_with_punctuation_is_refused_at_start():
    with pytest.raises(ValueError, match="letters and digits"):
        AtomicRedisLockStore(host="127.0.0.1", key_prefix="clinic:prod")


def endpoints(monkeypatch, **variables):
    defaults = {"ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook", "ACTION_SERVER_SECRET": "s",
                "TRACKER_STORE_DIALECT": "sqlite",
                "TRACKER_STORE_HOST": "", "TRACKER_STORE_PORT": "", "TRACKER_STORE_DB": "var/t.db",
                "TRACKER_STORE_USERNAME": "", "TRACKER_STORE_PASSWORD": "", "LOCK_STORE_TYPE": "in_memory",
                "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "6379", "LOCK_STORE_DB": "1",
                "LOCK_STORE_PASSWORD": "", "LOCK_STORE_KEY_PREFIX": "clinic"}
    for name, value in dict(defaults, **variables).items():
        monkeypatch.setenv(name, value)
    return LockStore.create(read_endpoints_from_path(os.path.join(ROOT, "endpoints.yml")).lock_store)


def test_endpoints_yml_gives_one_server_an_in_memory_lock(monkeypatch):
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    store = endpoints(monkeypatch)
    assert isinstance(store, EnvironmentLockStore) and isinstance(store.store, InMemoryLockStore)


def test_endpoints_yml_gives_several_servers_the_atomic_redis_lock(monkeypatch, prefix):
    store = endpoints(monkeypatch, LOCK_STORE_TYPE="redis", LOCK_STORE_KEY_PREFIX=prefix)
    assert isinstance(store.store, AtomicRedisLockStore)
    log, most_inside, errors = run_burst([store, endpoints(monkeypatch, LOCK_STORE_TYPE="redis",
                                                           LOCK_STORE_KEY_PREFIX=prefix)], "c4", 5)
    assert (len(log), most_inside, errors) == (10, 1, [])


def test_several_sanic_workers_with_in_memory_locks_refuse_to_start(monkeypatch):
    # Rasa would accept them (it trusts any custom lock store) and mix up messages between workers.
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="LOCK_STORE_TYPE=redis"):
        endpoints(monkeypatch)


def test_an_unknown_lock_store_type_is_named_in_the_error(monkeypatch):
    with pytest.raises(ValueError, match="in_memory or redis, not 'memcached'"):
        endpoints(monkeypatch, LOCK_STORE_TYPE="memcached")


# --- Leases: a dead server's place in the queue lapses within seconds ----------------------------

HOLDER = """
import asyncio, sys
from components.lock_store import AtomicRedisLockStore

async def hold():
    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix=sys.argv[1])
    async with store.lock(sys.argv[2]):
        print("held", flush=True)
        await asyncio.sleep(600)

asyncio.run(hold())
"""


def leased_server(prefix, monkeypatch, lease="1", wait="30"):
    monkeypatch.setenv("LOCK_LEASE_SECONDS", lease)
    monkeypatch.setenv("LOCK_WAIT_SECONDS", wait)
    return server(prefix)


@pytest.mark.parametrize("clock_ahead", [0, 30])  # the waiting server's clock 30 s fast: Redis's clock decides
def test_a_live_holder_keeps_the_lock_past_its_lease_and_a_killed_one_loses_it_within_a_lease(
        prefix, monkeypatch, clock_ahead):
    import signal
    import subprocess
    import sys

    monkeypatch.setenv("LOCK_LEASE_SECONDS", "1")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, prefix, "c5"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    try:
        assert holder.stdout.readline().strip() == "held"
        real_time = time.time
        monkeypatch.setattr(time, "time", lambda: real_time() + clock_ahead)
        other = leased_server(prefix, monkeypatch)
        entered = {}

        async def next_message():
            async with other.lock("c5"):
                entered["at"] = time.monotonic()

        waiter = threading.Thread(target=lambda: asyncio.run(next_message()))
        waiter.start()
        waiter.join(3.5)  # more than three leases: the live holder renewed its ticket throughout
        assert "at" not in entered
        killed_at = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        waiter.join(10)
        assert "at" in entered
        assert entered["at"] - killed_at < 2.2  # at most one lease (1 s) plus renewal and polling slack
    finally:
        holder.kill()
        holder.wait()


def test_a_holder_busy_longer_than_the_lease_is_never_overtaken(prefix, monkeypatch):
    stores = [leased_server(prefix, monkeypatch) for _ in range(2)]
    log, most_inside, errors = run_burst(stores, "c6", messages_per_store=2, hold_seconds=1.5)
    assert (len(log), most_inside, errors) == (4, 1, [])


def test_a_message_waits_only_up_to_the_bound_and_then_fails_with_a_lock_error(prefix, monkeypatch):
    from components.lock_store import LockWaitTimeout

    store = leased_server(prefix, monkeypatch, wait="1")

    async def hold_and_wait():
        held = asyncio.Event()

        async def hold():
            async with store.lock("c7"):
                held.set()
                await asyncio.sleep(2.5)  # the message being processed, longer than the 1 s wait bound

        async def wait():
            await held.wait()
            started = time.monotonic()
            with pytest.raises(LockWaitTimeout):
                async with store.lock("c7"):
                    pass
            return time.monotonic() - started

        return (await asyncio.gather(hold(), wait()))[1]

    assert 0.9 < asyncio.run(hold_and_wait()) < 2


class _Agent:
    """Just enough of Rasa's Agent for its handle_message: ready, with a lock that cannot be had."""

    def __init__(self):
        class Locked:
            def lock(self, conversation_id):
                raise LockError("Could not acquire lock")

        self.lock_store, self.processor = Locked(), None

    def is_ready(self):
        return True


@pytest.mark.parametrize("text, expected", [
    ("what are your hours", "Could you send it again?"),
    ("I want to kill myself tonight", "988"),
])
def test_a_message_that_cannot_get_its_lock_is_answered_never_silent(text, expected):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from components import rasa_patches

    channel = CollectingOutputChannel()
    with rasa_patches.applied(["lock_reply"]):  # as the Rasa server applies it
        asyncio.run(Agent.handle_message(_Agent(), UserMessage(text, channel, "s1")))
    answer = "\n\n".join(message["text"] for message in channel.messages)
    assert expected in answer
    if text.startswith("I want"):
        assert "Are you safe right now?" in answer  # the crisis response itself, not a resend request
