"""Alembic's environment for the case database: migrations run on the connection that
:func:`contractgen.casebook.store.open_casebook` hands over, inside its transaction."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
