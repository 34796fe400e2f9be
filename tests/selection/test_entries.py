"""Entries: eligibility read from the registry (with the reason), the character limit, the
number and kind of pictures, declarations, revisions, and calls that are set up wrongly. Each
refusal leaves nothing written."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.exceptions import OutOfJurisdiction, TransitionNotAllowed
from grading.models import GradeAward
from oversight.choices import CreditListKind, ListingReason
from oversight.models import CreditListEntry
from registry.choices import OrgStatus
from registry.models import Division
from selection import selectors, services
from selection.choices import EntryStatus, RevisionKind, StageKind
from selection.models import Campaign, Entry, EntryPicture
from tests.selection.conftest import (
    SUBMIT_DAY,
    case_text,
    jpeg,
    leader_of,
    make_org,
    pictures,
    small_call,
    submitted_entry,
)

pytestmark = pytest.mark.django_db


def new_entry(campaign, organisation, user, **extra):
    fields = dict(
        campaign=campaign,
        category=campaign.categories.first(),
        organisation=organisation,
        title="邻里守望志愿服务",
        text=case_text(800),
        contact_name="黄联系",
        phone="13800138000",
        acting_user=user,
        today=SUBMIT_DAY,
    )
    fields.update(extra)
    return services.entry_create(**fields)


def counts():
    return Entry.objects.count(), Entry.history.count(), EntryPicture.objects.count()


@pytest.fixture
def call(district_officer):
    return small_call(district_officer, word_limit=1300)


@pytest.fixture
def organisation(divisions):
    return make_org("坪山社区志愿者协会")


@pytest.fixture
def leader(organisation):
    return leader_of(organisation)


def test_ineligible_organisations_are_refused_with_the_reason(district_officer, divisions):
    campaign = small_call(
        district_officer,
        eligible_statuses=[OrgStatus.REGISTERED],
        min_grade=3,
        min_years=2,
    )
    before = counts()
    group = make_org("坪山社区太极队", status=OrgStatus.ACTIVITY_GROUP)
    with pytest.raises(ValidationError) as error:
        new_entry(campaign, group, district_officer)
    assert "this one is Activity group" in error.value.messages[0]

    ungraded = make_org("坪山社区未评级协会")
    with pytest.raises(ValidationError, match="grade of 3A or above; it holds No grade"):
        new_entry(campaign, ungraded, district_officer)

    graded = make_org("坪山社区三A协会", registered_on=datetime.date(2022, 1, 1), filed_on=None)
    GradeAward.objects.create(
        organisation=graded,
        level=3,
        awarded_on=datetime.date(2022, 12, 1),
        valid_until=datetime.date(2027, 11, 30),
    )
    with pytest.raises(ValidationError, match="2 full years in the register"):
        new_entry(campaign, graded, district_officer, today=datetime.date(2023, 6, 10))
    check = selectors.organisation_eligibility(campaign, graded, today=datetime.date(2024, 1, 1))
    assert check.eligible and check.facts["current_grade"] == 3

    CreditListEntry.objects.create(
        organisation=graded,
        kind=CreditListKind.ABNORMAL,
        listed_on=datetime.date(2023, 12, 1),
        reason=ListingReason.REPORT_MISSING,
    )
    check = selectors.organisation_eligibility(campaign, graded, today=datetime.date(2024, 1, 1))
    assert not check.eligible and "abnormal" in check.reasons[0].lower()

    elsewhere = make_org("龙岗区外区协会", community="440307003002")
    check = selectors.organisation_eligibility(campaign, elsewhere)
    assert "It is not in 坪山区, which runs this call." in check.reasons
    assert counts() == before


def test_units_only_where_the_call_allows(call, street_officer):
    street = Division.objects.get(code="440310001")
    with pytest.raises(ValidationError, match="open to social organisations only"):
        new_entry(call, None, street_officer, unit=street)


def test_only_the_submitter_writes_its_entry(
    call, organisation, leader, users_other_leader, city_officer
):
    entry = new_entry(call, organisation, leader)
    with pytest.raises(OutOfJurisdiction):
        services.entry_update(entry=entry, title="别人改的", acting_user=users_other_leader)
    with pytest.raises(OutOfJurisdiction):  # the city sees it, and only watches
        services.entry_update(entry=entry, title="市局改的", acting_user=city_officer)


@pytest.fixture
def users_other_leader(divisions):
    return leader_of(make_org("坪山社区另一协会"))


def test_over_the_character_limit(call, organisation, leader):
    before = counts()
    with pytest.raises(ValidationError) as error:
        new_entry(call, organisation, leader, text=case_text(1301))
    assert error.value.message_dict["text"] == [
        "The text has 1301 characters; the call allows at most 1300."
    ]
    assert counts() == before
    # spaces and line breaks do not count
    entry = new_entry(call, organisation, leader, text=case_text(1300) + " \n\n  ")
    with pytest.raises(ValidationError, match="1302 characters"):
        services.entry_update(entry=entry, text=case_text(1302), acting_user=leader)
    entry.refresh_from_db()
    assert entry.revision_count == 1


def test_two_or_six_pictures_are_refused(call, organisation, leader):
    entry = new_entry(call, organisation, leader)
    services.pictures_add(entry=entry, uploads=pictures(2), acting_user=leader)
    history = Entry.history.filter(id=entry.pk).count()
    with pytest.raises(ValidationError) as error:
        services.entry_submit(entry=entry, acting_user=leader, declarations=call.declarations)
    assert error.value.message_dict["pictures"] == [
        "The call asks for 3 to 5 pictures; the entry has 2."
    ]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert Entry.history.filter(id=entry.pk).count() == history

    with pytest.raises(ValidationError, match="at most 5 pictures; the entry has 2 and 4 more"):
        services.pictures_add(entry=entry, uploads=pictures(4, "更多"), acting_user=leader)
    assert entry.pictures.count() == 2
    other = new_entry(call, organisation, leader, title="另一案例")
    with pytest.raises(ValidationError, match="at most 5 pictures"):
        services.pictures_add(entry=other, uploads=pictures(6), acting_user=leader)
    assert other.pictures.count() == 0


def test_a_picture_that_is_not_an_image_or_not_a_jpg(call, organisation, leader):
    entry = new_entry(call, organisation, leader)
    fake = SimpleUploadedFile("活动现场.jpg", b"this is not a picture", content_type="image/jpeg")
    png = jpeg("合影.jpg", image_format="PNG")
    truncated = SimpleUploadedFile("破损.jpg", jpeg().read()[:60], content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        services.pictures_add(
            entry=entry, uploads=[jpeg("好的.jpg"), fake, png, truncated], acting_user=leader
        )
    messages = error.value.message_dict["pictures"]
    assert "活动现场.jpg is not a picture." in messages
    assert "合影.jpg is a PNG picture; the call takes JPG." in messages
    assert "破损.jpg is not a picture." in messages
    assert entry.pictures.count() == 0  # the good one was not kept either
    big = small_call(entry.campaign.created_by, picture_max_kb=10)
    too_large = new_entry(big, organisation, leader)
    with pytest.raises(ValidationError, match="larger than 10 KB"):
        services.pictures_add(
            entry=too_large, uploads=[jpeg("大图.jpg", size=(1200, 1200))], acting_user=leader
        )


def test_names_are_kept_and_format_read_from_content(call, organisation, leader):
    entry = new_entry(call, organisation, leader)
    added = services.pictures_add(
        entry=entry, uploads=[jpeg("C:\\照片\\社区议事会现场.png")], acting_user=leader
    )
    assert added[0].name == "社区议事会现场.png" and added[0].image_format == "JPEG"


def test_declarations_must_be_confirmed(call, organisation, leader):
    entry = new_entry(call, organisation, leader)
    services.pictures_add(entry=entry, uploads=pictures(3), acting_user=leader)
    with pytest.raises(ValidationError, match="Confirm"):
        services.entry_submit(entry=entry, acting_user=leader, declarations=call.declarations[:1])


def test_revisions_are_kept_and_diffable(call, organisation, leader, district_officer):
    entry = submitted_entry(call, call.categories.first(), organisation, leader)
    with pytest.raises(TransitionNotAllowed):
        services.entry_update(entry=entry, text="改", acting_user=leader)
    services.entry_return(entry=entry, note="请补充服务对象人数", acting_user=district_officer)
    services.entry_update(
        entry=entry, text=entry.text + "服务对象共120人。", acting_user=leader, reason="补充人数"
    )
    services.entry_submit(entry=entry, acting_user=leader, declarations=call.declarations)
    kinds = list(entry.revisions.order_by("number").values_list("kind", flat=True))
    assert kinds == [
        RevisionKind.DRAFT,
        RevisionKind.SUBMISSION,
        RevisionKind.CORRECTION,
        RevisionKind.CORRECTION,
    ]
    first, *_rest, last = entry.revisions.order_by("number")
    diff = selectors.entry_diff(first.text, last.text)
    assert ("insert", "服务对象共120人。") in diff
    entry.refresh_from_db()
    assert entry.eligibility["organisation"] == organisation.name


def test_a_call_set_up_wrongly_is_refused_whole(district_officer):
    before = Campaign.objects.count()
    with pytest.raises(ValidationError) as error:
        services.campaign_create(
            organiser=Division.objects.get(code="440310"),
            title="错误的征集",
            year=2023,
            categories=[{"name": "甲类", "shortlist_quota": 2, "top_quota": 3}, {"name": "甲类"}],
            stages=[
                {
                    "kind": StageKind.EXPERT_REVIEW,
                    "criteria": [
                        {"code": "a", "name": "创新性", "max_points": "10", "weight": "60"},
                        {"code": "b", "name": "实践性", "max_points": "10", "weight": "30"},
                    ],
                },
                {"kind": StageKind.COACHING, "shortlist": True},
                {"kind": StageKind.SITE_VISIT, "criteria": []},
            ],
            min_pictures=5,
            max_pictures=3,
            acting_user=district_officer,
        )
    messages = error.value.message_dict
    assert "The first stage is the collection." in messages["stages"]
    assert any("add up to 90, not 100" in m for m in messages["stages"])
    assert any("only a scored stage can end with the shortlist" in m for m in messages["stages"])
    assert any("a scored stage needs criteria" in m for m in messages["stages"])
    assert any("comes after every stage with a result" in m for m in messages["stages"])
    assert any("3 top entries cannot come from 2" in m for m in messages["categories"])
    assert "Two categories have the same name." in messages["categories"]
    assert "max_pictures" in messages
    assert Campaign.objects.count() == before
