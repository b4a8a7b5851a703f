"""Once created gongyi_cast_online(), a PostgreSQL copy of the ballot writer; it is gone (0004 drops it).

Kept, as a step that does nothing, so that databases which ran it and new ones share one migration history.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_ballot_shared_head")]

    operations = []
