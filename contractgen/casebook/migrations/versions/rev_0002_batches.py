"""Letters recorded as issued carry their batch: the sha256 of the run's report.csv, so
that a letters run can tell a folder that was never recorded, and one run is recorded
once.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_events") as batch:
        batch.add_column(sa.Column("batch", sa.String(64), nullable=True))
        batch.create_index("ix_case_events_batch", ["batch"])
