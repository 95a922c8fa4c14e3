"""SQL tracker store configured entirely from environment variables.

endpoints.yml fills every setting from the environment, so one file serves SQLite (the
default) and PostgreSQL. Rasa's own SQLTrackerStore cannot take that: an unset variable
arrives as an empty string, and SQLite refuses a URL with a port or user name in it.
"""

from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore


def _blank_to_none(value: Any) -> Optional[Any]:
    return None if value in ("", None) else value


class EnvironmentSQLTrackerStore(SQLTrackerStore):
    def __init__(self, dialect: Text = "sqlite", host: Optional[Text] = None,
                 port: Any = None, db: Text = "var/tracker.db",
                 username: Optional[Text] = None, password: Optional[Text] = None,
                 login_db: Optional[Text] = None, **kwargs: Any) -> None:
        if dialect == "sqlite":
            host = port = username = password = login_db = None
        super().__init__(
            dialect=dialect, host=_blank_to_none(host), port=_blank_to_none(port), db=db,
            username=_blank_to_none(username), password=_blank_to_none(password),
            login_db=_blank_to_none(login_db), **kwargs,
        )
