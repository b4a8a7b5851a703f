from django.db import migrations, models
from django.db.models import Count


def mark_shared_heads(apps, schema_editor):
    """Ballots already cast: a head is shared when it holds several flats of the proposal's electorate."""
    Ballot = apps.get_model("voting", "Ballot")
    Elector = apps.get_model("voting", "Elector")
    shared = (
        Elector.objects.values("proposal_id", "head").annotate(flats=Count("id")).filter(flats__gt=1).iterator()
    )
    for row in shared:
        Ballot.objects.filter(proposal_id=row["proposal_id"], head=row["head"]).update(shared_head=True)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="ballot",
            name="shared_head",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_shared_heads, migrations.RunPython.noop),
    ]
