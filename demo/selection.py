"""Demo data for selection campaigns, on top of the seeded registry (``manage.py seed_demo``
calls it after grading's demo):

- a finished Pingshan-style call of 坪山区 (4 categories, cases with named pictures, expert review
  by five experts with the highest and lowest scores dropped, shortlist and top cases by quota,
  public notice with an objection answered, final results with certificates, coaching with a
  locked final version, the case book published);
- this year's call in expert review: sheets partly entered, an expert login (``expert-pingshan``)
  that sees only what it is assigned, blind.

Everything goes through ``selection.services`` as the demo officers, so the history reads as if
people had done it. Idempotent: nothing is added once 坪山区 has a selection campaign.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from demo.dataset import DEMO_PASSWORD
from grading.models import Expert
from registry.choices import OrgStatus
from registry.models import Division, Organisation, User
from selection import rules, selectors, services
from selection.choices import Aggregation, CutKind, ObjectionAction, StageKind
from selection.models import Campaign

DISTRICT = "440310"  # 坪山区
DISTRICT_LOGIN = "district-pingshan"
EXPERT_LOGIN = "expert-pingshan"
CATEGORIES = [
    ("社会组织提供社区服务类", "为困难群体和社区居民提供生活照料、养老育幼、心理疏导等服务。"),
    ("社会组织扩大居民参与社区事务类", "动员居民有序参与社区公共事务和协商议事。"),
    ("社会组织培育社区文化类", "丰富群众性文化活动，弘扬优秀传统文化和社区新风。"),
    ("社会组织参与源头治理类", "参与矛盾纠纷调解、群防群治和平安社区建设。"),
]
DECLARATIONS = [
    "案例来源于现实服务，具有真实的服务主体、服务对象和服务过程",
    "案例为原创，未抄袭、转载或改编",
    "案例发生地在坪山区范围内",
]
CRITERIA = [
    {"code": "theme", "name": "主题契合度", "max_points": "10", "weight": "30"},
    {"code": "innovation", "name": "创新性", "max_points": "10", "weight": "30"},
    {"code": "results", "name": "服务成效", "max_points": "10", "weight": "40"},
]
EXTRA_EXPERTS = [("周文华", "深圳职业技术大学"), ("吴晓燕", "坪山区社工协会")]
REASON = "演示数据"
PARAGRAPHS = [
    "一、背景。{name}扎根{community}，长期关注社区居民的实际需求。",
    "二、做法。通过需求调研、志愿者招募和骨干培育，建立了“居民点单、组织接单、社区评单”的服务机制，"
    "每月定期开展活动，并与社区党群服务中心、物业和辖区单位协同推进。",
    "三、成效。项目开展以来累计服务居民{people}人次，培育志愿者骨干{volunteers}名，"
    "居民满意度明显提升，相关做法被街道推广。",
    "四、经验与思考。坚持党建引领、需求导向和多方参与，形成了可复制可推广的社区治理经验。",
]


def _pictures(title: str, count: int, seed: int) -> list[SimpleUploadedFile]:
    uploads = []
    for number in range(count):
        image = Image.new("RGB", (640, 420), (60 + (seed * 37 + number * 50) % 150, 120, 170))
        ImageDraw.Draw(image).rectangle([40, 40, 600, 380], outline=(255, 255, 255), width=6)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80)
        uploads.append(
            SimpleUploadedFile(f"{title[:12]}活动照片{number + 1}.jpg", buffer.getvalue())
        )
    return uploads


def _text(organisation: Organisation, rng: random.Random) -> str:
    return "\n".join(
        p.format(
            name=organisation.name,
            community=organisation.community.name.replace("居委会", ""),
            people=rng.randint(300, 5000),
            volunteers=rng.randint(10, 80),
        )
        for p in PARAGRAPHS
    )


def _call(officer, title: str, year: int, *, blind: bool, start: datetime.date) -> Campaign:
    campaign = services.campaign_create(
        organiser=Division.objects.get(code=DISTRICT),
        title=title,
        year=year,
        description="面向全区社会组织征集参与基层社会治理的典型案例，鼓励3A及以上等级社会组织带头参与。",
        categories=[
            {"name": name, "description": text, "shortlist_quota": 2, "top_quota": 1}
            for name, text in CATEGORIES
        ],
        stages=[
            {
                "kind": StageKind.COLLECTION,
                "starts_on": start,
                "ends_on": start + datetime.timedelta(40),
            },
            {
                "kind": StageKind.EXPERT_REVIEW,
                "starts_on": start + datetime.timedelta(40),
                "ends_on": start + datetime.timedelta(50),
                "shortlist": True,
                "aggregation": Aggregation.TRIMMED_MEAN,
                "experts_per_entry": 5,
                "criteria": CRITERIA,
            },
            {"kind": StageKind.COACHING, "ends_on": start + datetime.timedelta(80)},
            {"kind": StageKind.PUBLICATION, "ends_on": start + datetime.timedelta(130)},
        ],
        declarations=DECLARATIONS,
        blind_review=blind,
        acting_user=officer,
        reason=REASON,
    )
    return services.campaign_open(campaign=campaign, acting_user=officer, reason=REASON)


def _entries(campaign, officer, organisations, day, rng) -> list:
    categories = list(campaign.categories.order_by("position"))
    entries = []
    for index, organisation in enumerate(organisations):
        theme = ["邻里守望", "协商议事", "文化铸魂", "共创平安"][index % 4]
        title = f"{organisation.name}：{theme}实践"
        try:
            entry = services.entry_create(
                campaign=campaign,
                category=categories[index % len(categories)],
                organisation=organisation,
                title=title,
                text=_text(organisation, rng),
                contact_name="联系人",
                phone=f"1390755{rng.randint(1000, 9999)}",
                acting_user=officer,
                today=day,
            )
        except ValidationError:
            continue  # not eligible (on a credit list, say): the demo takes the next one
        services.pictures_add(entry=entry, uploads=_pictures(title, 3, index), acting_user=officer)
        entries.append(
            services.entry_submit(
                entry=entry, acting_user=officer, declarations=DECLARATIONS, today=day
            )
        )
    return entries


def _experts(officer) -> list[Expert]:
    district = Division.objects.get(code=DISTRICT)
    for name, affiliation in EXTRA_EXPERTS:
        if not Expert.objects.filter(district=district, name=name).exists():
            expert = Expert(name=name, affiliation=affiliation, district=district)
            expert.save()
    experts = list(Expert.objects.filter(district=district).order_by("pk")[:5])
    for number, expert in enumerate(experts):
        if not expert.phone:
            services.expert_contact_set(
                expert=expert, phone=f"1370755{number:04d}", acting_user=officer, reason=REASON
            )
    return experts


def _score(stage, officer, rng) -> None:
    base = {}
    for assignment in stage.assignments.select_related("entry", "expert").order_by("pk"):
        mean = base.setdefault(assignment.entry_id, Decimal(rng.randint(62, 95)))
        total = max(Decimal(0), min(Decimal(100), mean + Decimal(rng.randint(-8, 8))))
        points = {c["code"]: str((total / 10).quantize(Decimal("0.1"))) for c in CRITERIA}
        services.sheet_submit(
            stage=stage,
            entry=assignment.entry,
            expert=assignment.expert,
            points=points,
            acting_user=officer,
            note="评审意见：案例真实，做法清晰。",
        )


def _decide(campaign, kind, officer) -> None:
    """Every category's cut; a tie at the quota is broken by the earlier entry, with a reason."""
    for category in campaign.categories.order_by("position"):
        try:
            services.cut_decide(category=category, kind=kind, acting_user=officer, reason=REASON)
        except ValidationError as error:
            if "tie_break" not in getattr(error, "message_dict", {}):
                raise
            if kind == CutKind.SHORTLIST:
                stage = campaign.stages.get(shortlist=True)
                ranked = selectors.stage_ranking(stage, category=category)[category.pk]
                quota = category.shortlist_quota
            else:
                ranked = selectors.compute_results(campaign).by_category[category.pk]
                quota = category.top_quota
            outcome = rules.cut([(r.entry_id, r.total) for r in ranked], quota)
            services.cut_decide(
                category=category,
                kind=kind,
                acting_user=officer,
                tie_break=outcome.tied[: outcome.seats],
                reason="同分时以报送先后为序（评审组合议）",
            )


def _finished(officer, organisations, today, rng) -> Campaign:
    start = today - datetime.timedelta(days=200)
    campaign = _call(
        officer,
        f"{start.year}年坪山区社会组织参与基层社会治理案例征集",
        start.year,
        blind=False,
        start=start,
    )
    _entries(campaign, officer, organisations, start + datetime.timedelta(20), rng)
    collection, review, coaching, publication = campaign.stages.order_by("position")
    services.stage_close(stage=collection, acting_user=officer, reason=REASON)
    services.stage_open(stage=review, acting_user=officer, reason=REASON)
    services.panel_create(
        stage=review, name="案例评审专家组", experts=_experts(officer), acting_user=officer
    )
    services.assignments_balance(stage=review, acting_user=officer)
    _score(review, officer, rng)
    services.stage_close(stage=review, acting_user=officer, reason=REASON)
    _decide(campaign, CutKind.SHORTLIST, officer)
    services.formula_publish(
        campaign=campaign, weights={review.pk: 100}, acting_user=officer, note="专家评审100%"
    )
    _decide(campaign, CutKind.TOP, officer)
    notice_day = start + datetime.timedelta(55)
    services.campaign_start_notice(campaign=campaign, acting_user=officer, today=notice_day)
    shortlisted = campaign.entries.filter(shortlisted=True).order_by("pk").first()
    objection = services.objection_file(
        campaign=campaign,
        entry=shortlisted,
        objector="坪山社区居民（来电）",
        text="案例中的服务人次是否属实？",
        acting_user=officer,
        today=notice_day + datetime.timedelta(2),
    )
    services.objection_answer(
        objection=objection,
        action=ObjectionAction.DISMISS,
        answer="经核实服务台账，数据属实。",
        acting_user=officer,
    )
    services.campaign_finalise(
        campaign=campaign, acting_user=officer, today=notice_day + datetime.timedelta(10)
    )
    services.stage_open(stage=coaching, acting_user=officer, reason=REASON)
    for entry in campaign.entries.filter(shortlisted=True).select_related("campaign"):
        services.coaching_comment_add(
            entry=entry, text="建议补充服务对象的反馈和具体数据。", acting_user=officer
        )
        services.entry_lock_final(entry=entry, acting_user=officer, reason=REASON)
    services.stage_close(stage=coaching, acting_user=officer, reason=REASON)
    services.stage_open(stage=publication, acting_user=officer, reason=REASON)
    services.stage_close(stage=publication, acting_user=officer, reason=REASON)
    services.campaign_close(campaign=campaign, acting_user=officer, reason=REASON)
    return campaign


def _in_review(officer, organisations, today, rng) -> Campaign:
    start = today - datetime.timedelta(days=45)
    campaign = _call(
        officer,
        f"{today.year}年坪山区社会组织参与基层社会治理案例征集（评审中）",
        today.year,
        blind=True,
        start=start,
    )
    _entries(campaign, officer, organisations, start + datetime.timedelta(10), rng)
    collection, review, *_rest = campaign.stages.order_by("position")
    services.stage_close(stage=collection, acting_user=officer, reason=REASON)
    services.stage_open(stage=review, acting_user=officer, reason=REASON)
    experts = _experts(officer)
    services.panel_create(stage=review, name="案例评审专家组", experts=experts, acting_user=officer)
    services.assignments_balance(stage=review, acting_user=officer)
    login = User.objects.filter(username=EXPERT_LOGIN).first()
    if login is None:
        login = User(username=EXPERT_LOGIN, first_name=experts[0].name)
        login.set_password(DEMO_PASSWORD)
        login.save()
    services.expert_contact_set(
        expert=experts[0], phone=experts[0].phone, user=login, acting_user=officer, reason=REASON
    )
    # the first expert's sheets are still to come
    mine = set(review.assignments.filter(expert=experts[0]).values_list("pk", flat=True))
    for assignment in review.assignments.select_related("entry", "expert").order_by("pk"):
        if assignment.pk in mine:
            continue
        total = Decimal(rng.randint(60, 95))
        services.sheet_submit(
            stage=review,
            entry=assignment.entry,
            expert=assignment.expert,
            points={c["code"]: str(total / 10) for c in CRITERIA},
            acting_user=officer,
        )
    return campaign


def seed_selection(today: datetime.date | None = None, seed: int = 2023) -> str:
    """Create the selection demo data (see the module docstring); returns a one-line summary."""
    today = today or timezone.localdate()
    district = Division.objects.filter(code=DISTRICT).first()
    officer = User.objects.filter(username=DISTRICT_LOGIN).first()
    if district is None or officer is None:
        return "selection demo: skipped (no 坪山区 or no district demo login)"
    if Campaign.objects.filter(organiser=district).exists():
        return "selection demo: already there"
    organisations = list(
        Organisation.objects.filter(
            community__path__startswith=district.path,
            status__in=OrgStatus.LIVE,
        )
        .select_related("community")
        .order_by("pk")[:32]
    )
    if len(organisations) < 4:
        return "selection demo: skipped (too few organisations in 坪山区)"
    rng = random.Random(seed)
    half = len(organisations) // 2
    finished = _finished(officer, organisations[:half], today, rng)
    in_review = _in_review(officer, organisations[half:], today, rng)
    return (
        f"selection demo: {finished.title} ({finished.entries.count()} cases, "
        f"{finished.entries.filter(shortlisted=True).count()} shortlisted, case book published); "
        f"{in_review.title} ({in_review.entries.count()} cases in review; "
        f"login {EXPERT_LOGIN}, password {DEMO_PASSWORD})"
    )
