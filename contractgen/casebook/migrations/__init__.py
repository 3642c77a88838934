"""Alembic migrations of the case database, shipped with contractgen and applied automatically."""
