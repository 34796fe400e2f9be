"""What the two public-vote benchmarks share (``vote_load.py`` over HTTP, ``vote_ballot.py`` in
process): the scratch PostgreSQL database, Django set up on it, and a campaign shaped like
Zhuhai 2020's (34 shortlisted entries in 4 categories: 10, 10, 10, 4) with its vote open now
and voting codes issued. Only the standard library at module level: ``vote_load.py`` imports
locust (which patches it for gevent) first."""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = [("政府治理类", 10), ("基层治理类", 10), ("社会协同治理类", 10), ("珠澳合作治理类", 4)]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str, *, secret: str, **environment: str) -> None:
    """Django on ``url``: migrated, the divisions loaded. ``environment`` adds settings."""
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY=secret + "-" + "x" * 50,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="ERROR",
        **environment,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from registry.models import Division

    if not Division.objects.filter(code="440310").exists():
        call_command("load_divisions", verbosity=0)


def open_vote(*, label: str, voter_rule: str, codes: int):
    """A campaign with Zhuhai's shortlist, its vote open now under ``voter_rule``, and ``codes``
    voting codes. Returns the vote, the codes and ``[(category id, [entry ids])]``."""
    from django.utils import timezone

    from registry.choices import OrgField, OrgStatus, OrgType, Role
    from registry.models import Division, Organisation, User
    from selection import services as selection
    from selection.choices import StageKind
    from voting import services
    from voting.selectors import ballot_entries

    district = Division.objects.get(code="440310")
    officer, _ = User.objects.get_or_create(
        username="vote-bench-officer",
        defaults={"role": Role.DISTRICT_OFFICER, "division": district},
    )
    run = f"{int(time.time()) % 100000:05d}"
    campaign = selection.campaign_create(
        organiser=district,
        title=f"{label}{run}",
        year=2020,
        min_pictures=0,
        categories=[{"name": name} for name, _n in CATEGORIES],
        stages=[{"kind": StageKind.COLLECTION}, {"kind": StageKind.PUBLIC_VOTE}],
        acting_user=officer,
    )
    campaign = selection.campaign_open(campaign=campaign, acting_user=officer)
    community = Division.objects.get(code="440310001001")
    for category, (name, count) in zip(
        campaign.categories.order_by("position", "pk"), CATEGORIES, strict=True
    ):
        for i in range(count):
            organisation = Organisation.objects.create(
                name=f"{label}{run}{name}{i}",
                status=OrgStatus.ACTIVITY_GROUP,
                community=community,
                org_type=OrgType.SERVICE,
                field=OrgField.COMMUNITY_AFFAIRS,
            )
            entry = selection.entry_create(
                campaign=campaign,
                category=category,
                organisation=organisation,
                title=f"{name}项目{i + 1}",
                text="项目介绍" * 50,
                contact_name="联系人",
                phone="13800138000",
                acting_user=officer,
            )
            selection.entry_submit(entry=entry, acting_user=officer)
    collection, stage = campaign.stages.order_by("position")
    selection.stage_close(stage=collection, acting_user=officer)
    selection.stage_open(stage=stage, acting_user=officer)
    now = timezone.now()
    vote = services.vote_create(
        stage=stage,
        title=f"{label}{run}",
        opens_at=now - datetime.timedelta(minutes=5),
        closes_at=now + datetime.timedelta(days=1),
        voter_rule=voter_rule,
        acting_user=officer,
    )
    started = time.monotonic()
    _batch, issued = services.codes_issue(vote=vote, count=codes, acting_user=officer)
    print(f"{codes:,} codes issued in {time.monotonic() - started:.1f} s")
    categories = [
        (str(c.category_id), [e.entry_id for e in c.entries]) for c in ballot_entries(vote)
    ]
    return vote, issued, categories
