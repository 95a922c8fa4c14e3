"""Alembic environment for the intake store; clinic.adapters.intake_store.migrate() runs it at start-up."""

from alembic import context
from sqlalchemy import create_engine, pool

# The alembic command line finds these through the installed project (`make install`).
import clinic.adapters.outbox  # noqa: F401 - registers the outbox table on Base
from clinic.adapters.intake_store import Base

# The staff inbox's tables, for autogenerate. The Rasa server's image holds no staff inbox: there
# the migrations (which create those tables themselves) run without its models.
try:
    import staff_inbox.models  # noqa: F401
except ModuleNotFoundError:
    pass

config = context.config
target_metadata = Base.metadata
# SQLite cannot ALTER most things; batch mode rebuilds the table instead.
options = {"target_metadata": target_metadata, "render_as_batch": True}


def run_offline() -> None:
    """Writes the SQL instead of running it (alembic upgrade head --sql)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    # migrate() hands over its connection, already inside a transaction (and the PostgreSQL lock).
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool, future=True)
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
