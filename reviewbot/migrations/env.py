"""Alembic environment: the tables every feature declares on reviewbot.db.metadata.

Run through ``reviewbot db upgrade`` (or automatically by `serve` / `worker` at start), which
passes the connection in ``config.attributes["connection"]``.
"""

from alembic import context

from reviewbot.service.migrate import target_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("run migrations with `reviewbot db upgrade` (it supplies the connection)")
context.configure(connection=connection, target_metadata=target_metadata(),
                  render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
with context.begin_transaction():
    context.run_migrations()
