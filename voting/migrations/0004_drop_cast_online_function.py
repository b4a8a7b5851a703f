"""PostgreSQL: drop gongyi_cast_online(): every ballot is written by voting.services.ballots_write, through the ORM."""

from django.db import migrations

SIGNATURE = "gongyi_cast_online(bigint, bigint, text, bigint, text, timestamptz)"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")


class Migration(migrations.Migration):
    dependencies = [("voting", "0003_cast_online_function")]

    # Nothing to recreate on the way back: the function's only caller is gone.
    operations = [migrations.RunPython(drop, migrations.RunPython.noop, elidable=False)]
