"""Extraction coverage and alarm of each run.

Revision ID: 0003_run_coverage
Revises: 0002_runs_versions
Create Date: 2026-11-30

- ``crawl_runs.coverage``: per field, the share of the article pages read that each
  extraction method filled (or left empty), and the pages refused by reason.
- ``crawl_runs.alarm``: why the run's extraction coverage raised an alarm, NULL when it
  did not.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0003_run_coverage"
down_revision: str | Sequence[str] | None = "0002_runs_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.add_column(sa.Column("coverage", JSON, nullable=True))
        batch.add_column(sa.Column("alarm", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_runs") as batch:
        batch.drop_column("alarm")
        batch.drop_column("coverage")
