"""PostgreSQL: gongyi_cast_online(), an online ballot in one statement (see voting/cast.sql and voting/services.py)."""

from pathlib import Path

from django.db import migrations

SQL = Path(__file__).resolve().parent.parent / "cast.sql"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SQL.read_text())


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS gongyi_cast_online(bigint, bigint, text, bigint, text, timestamptz)")


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_ballot_shared_head")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
