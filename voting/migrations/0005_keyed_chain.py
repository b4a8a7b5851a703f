"""The ballot log's entries become MACs under BALLOT_CHAIN_KEY, and each chain starts from its frozen electorate's
MAC: the logs written before (plain SHA-256, starting from "") are re-chained under the configured key. A
resolution signed before this migration printed the old head, so it no longer verifies; sign it again."""

from django.conf import settings
from django.db import migrations

from voting.chain import electorate_mac, event_mac


def rechain(apps, schema_editor):
    Proposal = apps.get_model("proposals", "Proposal")
    Elector = apps.get_model("voting", "Elector")
    BallotEvent = apps.get_model("voting", "BallotEvent")
    key = settings.BALLOT_CHAIN_KEY.encode()
    for proposal_id in Elector.objects.values_list("proposal_id", flat=True).distinct().order_by("proposal_id"):
        electors = Elector.objects.filter(proposal_id=proposal_id).values_list("household_id", "head", "area")
        prev = electorate_mac(key=key, proposal_id=proposal_id, electors=list(electors))
        for event in BallotEvent.objects.filter(proposal_id=proposal_id).order_by("seq").iterator(chunk_size=5000):
            mac = event_mac(
                key=key,
                proposal_id=proposal_id,
                seq=event.seq,
                household_id=event.household_id,
                old_choice=event.old_choice,
                new_choice=event.new_choice,
                channel=event.channel,
                by_id=event.by_id,
                proxy_name=event.proxy_name,
                at=event.at,
                prev_hash=prev,
            )
            BallotEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=mac)
            prev = mac
        Proposal.objects.filter(pk=proposal_id).update(ballot_hash=prev)


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0004_drop_cast_online_function"),
        ("proposals", "0004_move_costs_and_resolutions"),
    ]

    operations = [migrations.RunPython(rechain, migrations.RunPython.noop)]
