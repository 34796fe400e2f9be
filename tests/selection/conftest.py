"""Builders for selection tests: organisations, pictures, calls modelled on the seeds, entries,
experts and score sheets, all through the services."""

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from grading.models import Expert
from registry.choices import LegalForm, MemberRole, OrgField, OrgStatus, OrgType, Role
from registry.models import Division, Member, Organisation, User
from selection import services
from selection.choices import Aggregation, StageKind

_numbers = itertools.count(1)

PINGSHAN_COMMUNITIES = [
    "440310001001",
    "440310001002",
    "440310001003",
    "440310002001",
    "440310003001",
    "440310004001",
    "440310005001",
    "440310006001",
]
PINGSHAN_CATEGORIES = [
    ("社会组织提供社区服务类", 5, 3),
    ("社会组织扩大居民参与社区事务类", 5, 3),
    ("社会组织培育社区文化类", 5, 2),
    ("社会组织参与源头治理类", 5, 2),
]
PINGSHAN_DECLARATIONS = [
    "案例来源于现实服务，具有真实的服务主体、服务对象和服务过程",
    "案例为原创，未抄袭、转载或改编",
    "案例发生地在坪山区范围内",
]
SCORE_CRITERIA = [
    {"code": "theme", "name": "主题契合度", "max_points": "10", "weight": "30"},
    {"code": "innovation", "name": "创新性", "max_points": "10", "weight": "30"},
    {"code": "results", "name": "服务成效", "max_points": "10", "weight": "40"},
]
XUZHOU_REVIEW = [
    {"code": "science", "name": "科学性", "max_points": "100", "weight": "30"},
    {"code": "innovation", "name": "创新性", "max_points": "100", "weight": "40"},
    {"code": "practice", "name": "实践性", "max_points": "100", "weight": "30"},
]
XUZHOU_VISIT = [
    {"code": "authentic", "name": "真实性", "max_points": "10", "weight": "40"},
    {"code": "effect", "name": "实施成效", "max_points": "10", "weight": "30"},
    {"code": "satisfaction", "name": "群众满意度", "max_points": "10", "weight": "30"},
]
SUBMIT_DAY = datetime.date(2023, 6, 10)


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages come in the active language; the tests read English."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"  # pictures and attachments, sealed


def make_org(
    name=None,
    *,
    community="440310001003",
    status=OrgStatus.REGISTERED,
    registered_on=datetime.date(2019, 1, 1),
    filed_on=datetime.date(2018, 1, 1),
):
    """An organisation in a known state, written directly (the lifecycle is not under test)."""
    number = next(_numbers)
    return Organisation.objects.create(
        name=name or f"坪山测试社会组织{number}",
        status=status,
        community=Division.objects.get(code=community),
        org_type=OrgType.SERVICE,
        field=OrgField.COMMUNITY_AFFAIRS,
        filed_on=filed_on if status in (OrgStatus.FILED, OrgStatus.REGISTERED) else None,
        filing_number=f"SEL{number:06d}" if status != OrgStatus.ACTIVITY_GROUP else None,
        registered_on=registered_on if status == OrgStatus.REGISTERED else None,
        credit_code=f"5244031{number:010d}Y" if status == OrgStatus.REGISTERED else None,
        legal_form=LegalForm.SOCIAL_SERVICE if status == OrgStatus.REGISTERED else "",
    )


def leader_of(organisation, *, name="负责人", phone=None) -> User:
    """A leader account bound to ``organisation``, and the leader on its roster."""
    Member.objects.create(
        organisation=organisation,
        name=name,
        role=MemberRole.LEADER,
        phone=phone or f"1390000{next(_numbers):04d}",
    )
    return User.objects.create_user(
        username=f"leader-{organisation.pk}",
        role=Role.ORGANISATION_LEADER,
        organisation=organisation,
    )


def jpeg(name="活动照片.jpg", size=(40, 30), colour=(200, 30, 30), image_format="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pictures(count=3, prefix="照片"):
    return [jpeg(f"{prefix}{i + 1}.jpg", colour=(40 * i % 255, 120, 200)) for i in range(count)]


def case_text(characters=1200, seed="坪山社区服务案例"):
    return (seed * (characters // len(seed) + 1))[:characters]


def pingshan_call(user, *, blind_review=False, **extra):
    """The Pingshan 2023 call: 4 categories (5 shortlisted and 3/3/2/2 top cases each: 20 and
    10), collection, expert review ending with the shortlist, coaching, the case book."""
    organiser = Division.objects.get(code="440310")
    rules = dict(
        word_limit=5000,
        min_pictures=3,
        max_pictures=5,
        picture_formats=["JPEG"],
        declarations=PINGSHAN_DECLARATIONS,
        blind_review=blind_review,
        shortlist_award="优秀案例",
        top_award="十佳案例",
    )
    rules.update(extra)
    campaign = services.campaign_create(
        organiser=organiser,
        title="坪山区社会组织参与基层社会治理案例征集",
        year=2023,
        categories=[
            {"name": name, "shortlist_quota": short, "top_quota": top}
            for name, short, top in PINGSHAN_CATEGORIES
        ],
        stages=[
            {"kind": StageKind.COLLECTION, "ends_on": datetime.date(2023, 6, 20)},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "starts_on": datetime.date(2023, 6, 20),
                "ends_on": datetime.date(2023, 6, 30),
                "shortlist": True,
                "aggregation": Aggregation.TRIMMED_MEAN,
                "experts_per_entry": 5,
                "criteria": SCORE_CRITERIA,
            },
            {"kind": StageKind.COACHING, "ends_on": datetime.date(2023, 7, 31)},
            {"kind": StageKind.PUBLICATION, "ends_on": datetime.date(2023, 9, 20)},
        ],
        acting_user=user,
        **rules,
    )
    return services.campaign_open(campaign=campaign, acting_user=user)


def make_experts(user, count, *, district="440310", prefix="专家"):
    experts = []
    for i in range(count):
        expert = Expert.objects.create(
            name=f"{prefix}{i + 1}",
            district=Division.objects.get(code=district),
            phone=f"1370000{next(_numbers):04d}",
        )
        experts.append(expert)
    return experts


def submitted_entry(campaign, category, organisation, user, *, title=None, pictures_count=3):
    """An entry of ``organisation`` in ``category``, with pictures, submitted."""
    entry = services.entry_create(
        campaign=campaign,
        category=category,
        organisation=organisation,
        title=title or f"{organisation.name}的案例",
        text=case_text(),
        contact_name="黄联系",
        phone="13800138000",
        acting_user=user,
        today=SUBMIT_DAY,
    )
    services.pictures_add(entry=entry, uploads=pictures(pictures_count), acting_user=user)
    return services.entry_submit(
        entry=entry,
        acting_user=user,
        declarations=campaign.declarations,
        today=SUBMIT_DAY,
    )


def points_for(stage, total):
    """Points on every criterion of ``stage`` that give the sheet ``total`` (0-100): each
    criterion gets the same share of its maximum."""
    share = Decimal(str(total)) / 100
    return {
        c.code: str((c.max_points * share).quantize(Decimal("0.01"))) for c in stage.criteria.all()
    }


def score_all(stage, totals_by_entry, user):
    """Every assignment of ``stage`` scored: entry -> list of totals, one per assigned expert
    in expert order."""
    for entry, totals in totals_by_entry.items():
        assignments = list(stage.assignments.filter(entry=entry).order_by("expert_id"))
        assert len(assignments) == len(totals), (entry, len(assignments))
        for assignment, total in zip(assignments, totals, strict=True):
            services.sheet_submit(
                stage=stage,
                entry=entry,
                expert=assignment.expert,
                points=points_for(stage, total),
                acting_user=user,
            )


def small_call(user, *, categories=(("社区服务类", 2, 1), ("源头治理类", 2, 1)), **extra):
    """A Pingshan-style call with fewer categories, for the focused tests."""
    organiser = Division.objects.get(code="440310")
    rules = dict(declarations=PINGSHAN_DECLARATIONS, picture_formats=["JPEG"])
    rules.update(extra)
    campaign = services.campaign_create(
        organiser=organiser,
        title="坪山区案例征集（测试）",
        year=2023,
        categories=[
            {"name": name, "shortlist_quota": short, "top_quota": top}
            for name, short, top in categories
        ],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "shortlist": True,
                "aggregation": Aggregation.MEAN,
                "experts_per_entry": 2,
                "criteria": SCORE_CRITERIA,
            },
            {"kind": StageKind.PUBLICATION},
        ],
        acting_user=user,
        **rules,
    )
    return services.campaign_open(campaign=campaign, acting_user=user)


def review_stage(campaign):
    return campaign.stages.get(kind=StageKind.EXPERT_REVIEW)


def start_review(campaign, user, experts):
    """Close the collection, start the review with one panel of ``experts``."""
    stages = list(campaign.stages.order_by("position"))
    services.stage_close(stage=stages[0], acting_user=user)
    services.stage_open(stage=stages[1], acting_user=user)
    services.panel_create(stage=stages[1], name="评审组", experts=experts, acting_user=user)
    return stages[1]


def access_world(world, users, *, notice=False):
    """For the access tests: a call of 坪山街道 (so that 马峦 and 龙岗 are outside), an entry of
    the world's organisation by its leader, an expert's assignment and sheet, and, with
    ``notice``, the results on public notice with an objection."""
    organiser = users["street_officer"]
    campaign = services.campaign_create(
        organiser=Division.objects.get(code="440310001"),
        title="坪山街道社区治理案例征集",
        year=2024,
        min_pictures=0,
        categories=[{"name": "社区服务类"}],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "experts_per_entry": 1,
                "criteria": SCORE_CRITERIA,
            },
        ],
        acting_user=organiser,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=organiser)
    entry = services.entry_create(
        campaign=campaign,
        category=campaign.categories.get(),
        organisation=world.organisation,
        title="书画进社区",
        text=case_text(300),
        contact_name="黄联系",
        phone="13800138000",
        acting_user=users["organisation_leader"],
    )
    entry = services.entry_submit(entry=entry, acting_user=users["organisation_leader"])
    collection, review = campaign.stages.order_by("position")
    services.stage_close(stage=collection, acting_user=organiser)
    services.stage_open(stage=review, acting_user=organiser)
    expert = Expert.objects.create(
        name="评审甲", district=Division.objects.get(code="440310"), phone="13712345678"
    )
    services.panel_create(stage=review, name="评审组", experts=[expert], acting_user=organiser)
    assignment = services.assignment_create(
        stage=review, entry=entry, expert=expert, acting_user=organiser
    )
    sheet = services.sheet_submit(
        stage=review,
        entry=entry,
        expert=expert,
        points=points_for(review, 80),
        acting_user=organiser,
    )
    world.campaign, world.entry, world.review = campaign, entry, review
    world.expert, world.assignment, world.sheet = expert, assignment, sheet
    if notice:
        services.stage_close(stage=review, acting_user=organiser)
        services.formula_publish(campaign=campaign, weights={review.pk: 100}, acting_user=organiser)
        services.campaign_start_notice(campaign=campaign, acting_user=organiser)
        world.objection = services.objection_file(
            campaign=campaign,
            entry=entry,
            objector="坪山社区居民",
            phone="13911110000",
            text="案例数据需核实。",
            acting_user=organiser,
        )
    return world
