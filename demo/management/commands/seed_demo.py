import datetime as dt
import time
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.db import unlogged_queries
from core.progress import progress_bar
from demo.dataset import (
    DEFAULT_ORGS,
    DEFAULT_SEED,
    DEMO_LEADER,
    DEMO_PASSWORD,
    DEMO_USERS,
    Community,
    DemoDataset,
    generate_dataset,
)
from demo.grading import seed_grading
from demo.oversight import seed_oversight
from demo.party_building import seed_party_building
from demo.selection import seed_selection
from demo.support import seed_support
from demo.voting import seed_voting
from registry.choices import ROLE_LEVELS, DivisionLevel, OrgStatus, OrgType, Role
from registry.models import (
    Activity,
    Application,
    BrandProject,
    Division,
    FilingSequence,
    Member,
    Organisation,
    User,
)
from registry.rules import EXTRA_CONDITIONS, conditions_for

CHANGE_REASON = "演示数据"
BATCH_SIZE = 500
#: objects handed to one bulk_create_with_history call (and one progress step)
CHUNK = 5000
#: division level -> the role of the officers acting there
OFFICER_ROLES = {level: role for role, level in ROLE_LEVELS.items()}


def residential_communities() -> list[Community]:
    """Every residential community, with its street and district, in code order."""
    rows = (
        Division.objects.filter(level=DivisionLevel.COMMUNITY, is_residential=True)
        .select_related("parent__parent")
        .order_by("code")
    )
    return [
        Community(
            code=c.code,
            name=c.name,
            street_code=c.parent.code,
            street_name=c.parent.name,
            district_code=c.parent.parent.code,
            district_name=c.parent.parent.name,
        )
        for c in rows
        if c.parent and c.parent.parent and c.parent.is_residential
    ]


def seeded_username(level: str, code: str) -> str:
    return f"seed-{level}-{code}"


class Command(BaseCommand):
    help = (
        "Create the demo logins (one per role) on top of the loaded divisions and, on an empty "
        "registry, a reproducible demo dataset: organisations in every status over all "
        "residential communities, with rosters, activities, applications and brand projects. "
        "Idempotent: logins are kept, and the dataset is skipped once organisations exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="allow demo logins with a published password even when DEMO_MODE is off",
        )
        parser.add_argument(
            "--orgs",
            type=int,
            default=DEFAULT_ORGS,
            help=f"organisations to create (default {DEFAULT_ORGS}; 0 for logins only)",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"random seed; the same seed on the same day gives the same data "
            f"(default {DEFAULT_SEED})",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    @transaction.atomic
    def handle(
        self,
        *args,
        force=False,
        orgs=DEFAULT_ORGS,
        seed=DEFAULT_SEED,
        no_progress=False,
        verbosity=1,
        **options,
    ):
        if not settings.DEMO_MODE and not force:
            raise CommandError(
                "DEMO_MODE is off: demo logins have a published password. Run the demo with "
                "DEMO_MODE=true (make run does), or use --force if this really is a demo server."
            )
        if orgs < 0:
            raise CommandError("--orgs cannot be negative")
        codes = {code for _u, _r, code, _n in DEMO_USERS}
        divisions = Division.objects.in_bulk(codes)
        if missing := codes - divisions.keys():
            raise CommandError(
                f"divisions {', '.join(sorted(missing))} are not loaded; run load_divisions first"
            )
        admin = self._logins(divisions)

        existing = Organisation.objects.count()
        if existing:
            self.stdout.write(
                self.style.WARNING(
                    f"{existing} organisations already exist: the demo dataset was not added "
                    "(seed_demo only builds it on a registry without organisations; use a "
                    "fresh database to rebuild it)."
                )
            )
        elif orgs:
            started = time.monotonic()
            show = not no_progress and verbosity > 0
            with unlogged_queries():
                summary = self._dataset(orgs=orgs, seed=seed, admin=admin, show=show)
            self.stdout.write(
                self.style.SUCCESS(f"{summary} ({time.monotonic() - started:.1f} s, seed {seed})")
            )
        self._leader_login()
        # Grading's demo (campaigns, grades, an evaluation) on top of the registry's.
        self.stdout.write(self.style.SUCCESS(seed_grading()))
        # Party organisations, instructors and coverage; then three years of annual reports,
        # the credit lists and dormancy cases, through the apps' services.
        self.stdout.write(self.style.SUCCESS(seed_party_building()))
        self.stdout.write(self.style.SUCCESS(seed_oversight()))
        # Selection campaigns' demo (a finished call and one in review).
        self.stdout.write(self.style.SUCCESS(seed_selection()))
        # The public vote's demo: a Zhuhai-shaped city call whose vote closed with published
        # results, and this season's vote open now (the SMS code shows in the server log).
        self.stdout.write(self.style.SUCCESS(seed_voting()))
        # Support programmes' demo, shaped like Longgang's (platforms, incubation, funding).
        self.stdout.write(self.style.SUCCESS(seed_support()))

    # Logins

    def _logins(self, divisions) -> User:
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        for username, role, code, display in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "division": divisions[code], "first_name": display},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.full_clean()
                user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo logins: admin, {', '.join(u for u, *_ in DEMO_USERS)} "
                f"(password {DEMO_PASSWORD})"
            )
        )
        return admin

    def _leader_login(self):
        """The organisation leader's demo login, bound to an organisation of the demo
        community (a filed one if there is one); created once, never rebound."""
        username, community_code, display = DEMO_LEADER
        if User.objects.filter(username=username).exists():
            return
        candidates = Organisation.objects.filter(
            community_id=community_code, status__in=OrgStatus.LIVE
        )
        organisation = (
            candidates.filter(status=OrgStatus.FILED).order_by("pk").first()
            or candidates.order_by("pk").first()
        )
        if organisation is None:
            return
        user = User(
            username=username,
            role=Role.ORGANISATION_LEADER,
            organisation=organisation,
            first_name=display,
        )
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"demo login: {username} (leader of {organisation.name}, password {DEMO_PASSWORD})"
            )
        )

    # The dataset

    def _dataset(self, *, orgs: int, seed: int, admin: User, show: bool) -> str:
        today = timezone.localdate()
        communities = residential_communities()
        if not communities:
            raise CommandError("no residential communities are loaded; run load_divisions first")
        sequences = {
            (row.street_id, row.year): row
            for row in FilingSequence.objects.filter(
                street_id__in={c.street_code for c in communities}
            )
        }
        dataset = generate_dataset(
            communities,
            orgs=orgs,
            seed=seed,
            today=today,
            conditions={t: conditions_for(t) for t in OrgType.values},
            sequence_start={key: row.last for key, row in sequences.items()},
        )
        plans = dataset.organisations
        total = len(plans) + sum(
            len(p.members) + len(p.activities) + len(p.applications) + len(p.brand_projects)
            for p in plans
        )
        with progress_bar(total=total, description="demo data", enabled=show) as advance:
            officers = self._officers(dataset, admin)
            organisations = self._organisations(plans, officers, advance)
            members, activities, applications, brands = [], [], [], []
            for plan, organisation in zip(plans, organisations, strict=True):
                pk = organisation.pk
                members += [self._member(pk, values) for values in plan.members]
                activities += [self._activity(pk, values) for values in plan.activities]
                brands += [
                    self._brand_project(pk, values, today, plan.fields["filed_on"])
                    for values in plan.brand_projects
                ]
            self._bulk(members, Member, admin, advance)
            self._bulk(activities, Activity, admin, advance)
            self._bulk(brands, BrandProject, admin, advance)
            for plan, organisation in zip(plans, organisations, strict=True):
                extras = self._extra_conditions(plan, organisation)
                applications += [
                    self._application(organisation.pk, values, officers, extras[values["kind"]])
                    for values in plan.applications
                ]
            self._bulk(applications, Application, admin, advance)
        self._filing_sequences(dataset, sequences)

        statuses = Counter(p.fields["status"] for p in plans)
        hubs = sum(1 for p in plans if p.fields["is_hub"])
        return (
            f"demo dataset: {len(plans)} organisations "
            f"({', '.join(f'{statuses[s]} {s}' for s in OrgStatus.values)}; {hubs} hubs), "
            f"{len(members)} members, {len(activities)} activities, "
            f"{len(applications)} applications, {len(brands)} brand projects, "
            f"{len(officers)} officers acting"
        )

    def _bulk(self, objects, model, admin, advance):
        for start in range(0, len(objects), CHUNK):
            chunk = objects[start : start + CHUNK]
            bulk_create_with_history(
                chunk,
                model,
                batch_size=BATCH_SIZE,
                default_user=admin,
                default_change_reason=CHANGE_REASON,
            )
            advance(len(chunk))

    def _officers(self, dataset: DemoDataset, admin: User) -> dict:
        """A user for each (level, code) that acted: the demo login of that node where there
        is one, else a seeded officer without a usable password (created once)."""
        wanted = dataset.actors()
        demo = {
            (str(ROLE_LEVELS[role]), code): username
            for username, role, code, _display in DEMO_USERS
            if role in ROLE_LEVELS
        }
        usernames = {key: demo.get(key) or seeded_username(*key) for key in wanted}
        found = User.objects.in_bulk(set(usernames.values()), field_name="username")
        names = Division.objects.in_bulk({code for _level, code in wanted})
        missing = []
        for (level, code), username in sorted(usernames.items()):
            if username in found:
                continue
            user = User(
                username=username,
                role=OFFICER_ROLES[level],
                division_id=code,
                first_name=f"{names[code].name} 经办人",
            )
            user.set_unusable_password()
            missing.append(user)
        if missing:
            bulk_create_with_history(
                missing,
                User,
                batch_size=BATCH_SIZE,
                default_user=admin,
                default_change_reason=CHANGE_REASON,
            )
            found.update({user.username: user for user in missing})
        return {key: found[username] for key, username in usernames.items()}

    def _moment(self, day: dt.date, hour: int = 18) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())

    def _organisations(self, plans, officers, advance) -> list[Organisation]:
        """The organisations, and a history row for each step of each one's plan (created as
        a group, filed, registered, hub, exited, on the days they happened), both in bulk."""
        organisations = [Organisation(**plan.fields) for plan in plans]
        historical = Organisation.history.model
        tracked = [f.attname for f in historical.tracked_fields]
        for start in range(0, len(plans), CHUNK):
            chunk = organisations[start : start + CHUNK]
            Organisation.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
            rows = [
                historical(
                    **{
                        **{name: getattr(organisation, name) for name in tracked},
                        **state,
                        "updated_at": step.at,
                    },
                    history_date=step.at,
                    history_type="+" if step.event == "created" else "~",
                    history_user=officers[step.actor],
                    history_change_reason=CHANGE_REASON,
                )
                for plan, organisation in zip(plans[start : start + CHUNK], chunk, strict=True)
                for step, state in plan.history_states()
            ]
            historical.objects.bulk_create(rows, batch_size=BATCH_SIZE)
            advance(len(chunk))
        return organisations

    def _member(self, organisation_id: int, values: dict) -> Member:
        member = Member(organisation_id=organisation_id, **values)
        member._history_date = self._moment(values["left_on"] or values["joined_on"], 10)
        return member

    def _activity(self, organisation_id: int, values: dict) -> Activity:
        activity = Activity(organisation_id=organisation_id, **values)
        activity._history_date = self._moment(values["held_on"], 20)
        return activity

    def _extra_conditions(self, plan, organisation: Organisation) -> dict[str, list[dict]]:
        """The items other apps add to the checklists (the three-member rule), evaluated on
        the saved organisation and roster: the generator only knows the registry's own."""
        kinds = {values["kind"] for values in plan.applications}
        return {
            kind: [
                item.as_dict() for check in EXTRA_CONDITIONS for item in check(kind, organisation)
            ]
            for kind in kinds
        }

    def _application(
        self, organisation_id: int, values: dict, officers, extra_items: list[dict]
    ) -> Application:
        values = dict(values)
        values["checklist"] = values["checklist"] + extra_items
        submitted_by = officers[values.pop("submitted_by")]
        decider = values.pop("decided_by")
        application = Application(
            organisation_id=organisation_id,
            submitted_by=submitted_by,
            decided_by=officers[decider] if decider else None,
            **values,
        )
        application._history_user = application.decided_by or submitted_by
        application._history_date = values["decided_at"] or values["submitted_at"]
        return application

    def _brand_project(
        self, organisation_id: int, values: dict, today: dt.date, filed_on: dt.date
    ) -> BrandProject:
        """Recognised on 1 December of its year (not before the filing); one of this year
        halfway from 1 January (or the filing) to today, so trends don't all jump today."""
        brand = BrandProject(organisation_id=organisation_id, **values)
        year = values["year"]
        if year < today.year:
            day = max(dt.date(year, 12, 1), filed_on)
        else:
            start = max(dt.date(year, 1, 1), filed_on)
            day = start + (today - start) // 2
        brand._history_date = self._moment(min(day, today), 10)
        return brand

    def _filing_sequences(self, dataset: DemoDataset, existing: dict):
        """Record the last filing number per street and year, so real filings continue it."""
        new, changed = [], []
        for (street, year), last in sorted(dataset.filing_sequences.items()):
            row = existing.get((street, year))
            if row is None:
                new.append(FilingSequence(street_id=street, year=year, last=last))
            elif row.last < last:
                row.last = last
                changed.append(row)
        # FilingSequence keeps no history: a counter, not a ledger record
        FilingSequence.objects.bulk_create(new, batch_size=BATCH_SIZE)
        FilingSequence.objects.bulk_update(changed, ["last"], batch_size=BATCH_SIZE)
