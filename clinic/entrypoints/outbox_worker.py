"""`python -m clinic.entrypoints.outbox_worker`: delivers staff notifications from the outbox, as its own process.

`make run` (scripts/run_all.py) starts it next to the servers, so conversations never wait on a
webhook or an SMTP server. Safe to run in several processes or on several machines at once: rows
are leased (FOR UPDATE SKIP LOCKED on PostgreSQL), never shared. Stops cleanly on SIGTERM/Ctrl-C.
"""

from __future__ import annotations

import logging
import signal
import threading

from clinic import settings
from clinic.adapters import outbox

logger = logging.getLogger("clinic.adapters.outbox")


def main() -> int:
    logging.basicConfig(level=settings.get("OUTBOX_LOG_LEVEL"),
                        format="%(asctime)s outbox %(levelname)s %(message)s")
    try:
        interval = settings.get("OUTBOX_POLL_SECONDS")
        timeout = settings.get("OUTBOX_TIMEOUT_SECONDS")
    except settings.SettingError as error:
        logger.error("%s", error)
        return 2
    stop_event = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_event.set())
    logger.info("Outbox worker started (polling every %.1f s)", interval)
    outbox.run_worker(stop_event, interval=interval, timeout=timeout)
    logger.info("Outbox worker stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
