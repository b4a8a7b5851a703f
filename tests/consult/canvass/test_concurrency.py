"""The same queued visit sent by several requests at once records one visit (PostgreSQL: SQLite serialises writes)."""

import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from consult.models import Visit
from consult.services import KeyConflict, visit_record
from tests.racing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="racing inserts need PostgreSQL"),
]


def fields(key: str) -> dict:
    return {
        "outcome": "met",
        "stance": "support",
        "demands": "希望装充电桩",
        "tag_ids": (),
        "follow_up_on": None,
        "visited_at": None,
        "idempotency_key": key,
    }


def test_racing_sends_of_one_visit_record_it_once(site):
    key = str(uuid.uuid4())
    results = race(
        [
            lambda: visit_record(proposal=site.proposal, household=site.a[0], canvasser=site.canvasser_a, **fields(key))
            for _ in range(8)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Visit.objects.count() == 1
    assert sum(1 for _visit, created in results if created) == 1
    assert {visit.pk for visit, _created in results} == {Visit.objects.get().pk}


def test_racing_one_key_for_two_households_records_one_and_refuses_the_other(site):
    key = str(uuid.uuid4())
    results = race(
        [
            lambda h=h: visit_record(proposal=site.proposal, household=h, canvasser=site.canvasser_a, **fields(key))
            for h in (site.a[0], site.a[1]) * 3
        ]
    )
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, KeyConflict)], results
    visit = Visit.objects.get()
    assert all(
        (isinstance(r, KeyConflict) and h != visit.household) or (not isinstance(r, Exception) and r[0].pk == visit.pk)
        for r, h in zip(results, (site.a[0], site.a[1]) * 3, strict=True)
    )


def test_racing_posts_from_the_phone_queue_record_once(site):
    key = str(uuid.uuid4())
    body = json.dumps({"household": site.a[0].pk, "outcome": "nobody_home", "idempotency_key": key})
    url = reverse("visit_record", args=[site.proposal.pk])

    def post():
        client = Client()
        client.force_login(site.canvasser_a)
        return client.post(url, data=body, content_type="application/json").status_code

    results = race([post for _ in range(6)])
    assert sorted(results) == [200] * 5 + [201]
    assert Visit.objects.count() == 1
