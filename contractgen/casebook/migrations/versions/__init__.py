"""The case database's migrations, oldest first (Alembic)."""
