"""Level assessment through the services: eligibility, scoring, notice, appeal, re-review and
final grades (the "must show" and "bad input" items of the issue)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotPermitted, OutOfJurisdiction, TransitionNotAllowed
from grading import services
from grading.choices import AssessmentStatus, CampaignStatus, SanctionKind
from grading.models import AssessmentApplication, ExpertScore, GradeAward
from grading.selectors import eligibility, filter_grade_at_least
from oversight.choices import CreditListKind, ListingReason
from oversight.models import CreditListEntry
from registry.models import Organisation
from tests.grading.conftest import (
    AWARD_DAY,
    NOTICE_DAY,
    make_org,
    points_for,
    score,
    scored_application,
)

pytestmark = pytest.mark.django_db


# --- eligibility ------------------------------------------------------------------------------


def test_one_year_364_days_registered_is_not_eligible(campaign, district_officer):
    # The reference date is the application deadline, 2025-06-01.
    young = make_org("刚满两年差一天协会", registered_on=datetime.date(2023, 6, 2))
    check = eligibility(campaign, young, today=datetime.date(2025, 5, 1))
    assert not check.eligible
    assert "2023-06-02" in check.reasons[0]
    exactly = make_org("刚满两年协会", registered_on=datetime.date(2023, 6, 1))
    assert eligibility(campaign, exactly, today=datetime.date(2025, 5, 1)).eligible


def test_on_the_abnormal_list_is_not_eligible(campaign, org):
    CreditListEntry.objects.create(
        organisation=org,
        kind=CreditListKind.ABNORMAL,
        listed_on=datetime.date(2025, 1, 1),
        reason=ListingReason.REPORT_MISSING,
        report_year=2023,
    )
    check = eligibility(campaign, org, today=datetime.date(2025, 5, 1))
    assert not check.eligible
    assert check.facts["credit_list"] == CreditListKind.ABNORMAL


def test_removed_from_the_list_is_eligible_again(campaign, org):
    CreditListEntry.objects.create(
        organisation=org,
        kind=CreditListKind.ABNORMAL,
        listed_on=datetime.date(2024, 1, 1),
        reason=ListingReason.REPORT_MISSING,
        removed_on=datetime.date(2024, 6, 1),
    )
    assert eligibility(campaign, org, today=datetime.date(2025, 5, 1)).eligible


def test_an_open_penalty_is_not_eligible_and_a_closed_one_is(campaign, org, district_officer):
    penalty = services.sanction_create(
        organisation=org,
        kind=SanctionKind.PENALTY,
        title="警告",
        decided_on=datetime.date(2025, 3, 1),
        acting_user=district_officer,
    )
    check = eligibility(campaign, org, today=datetime.date(2025, 5, 1))
    assert not check.eligible and "警告" in check.reasons[0]
    services.sanction_close(
        sanction=penalty,
        closed_on=datetime.date(2025, 4, 1),
        acting_user=district_officer,
        reason="已整改",
    )
    assert eligibility(campaign, org, today=datetime.date(2025, 5, 1)).eligible


def test_a_grade_expiring_in_the_campaign_year_makes_a_young_organisation_eligible(
    campaign, district_officer
):
    young = make_org("老等级协会", registered_on=datetime.date(2024, 1, 1))
    GradeAward.objects.create(
        organisation=young,
        level=3,
        awarded_on=datetime.date(2020, 9, 1),
        valid_until=datetime.date(2025, 8, 31),
    )
    check = eligibility(campaign, young, today=datetime.date(2025, 5, 1))
    assert check.eligible, check.reasons
    assert check.facts["grade_expiring"] is True


def test_filed_and_other_district_organisations_are_not_eligible(campaign):
    filed = make_org("备案协会", status="filed")
    assert not eligibility(campaign, filed, today=datetime.date(2025, 5, 1)).eligible
    elsewhere = make_org("福田协会", community="440304001020")
    assert not eligibility(campaign, elsewhere, today=datetime.date(2025, 5, 1)).eligible


def test_an_ineligible_application_is_refused_with_the_reason_and_nothing_stored(
    campaign, district_officer
):
    young = make_org("新登记协会", registered_on=datetime.date(2024, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.application_create(
            campaign=campaign,
            organisation=young,
            acting_user=district_officer,
            today=datetime.date(2025, 5, 1),
        )
    assert "organisation" in error.value.message_dict
    assert "2024-01-01" in error.value.message_dict["organisation"][0]
    assert not AssessmentApplication.objects.exists()
    assert not AssessmentApplication.history.exists()


def test_a_second_application_is_refused(campaign, org, district_officer):
    services.application_create(
        campaign=campaign,
        organisation=org,
        acting_user=district_officer,
        today=datetime.date(2025, 5, 1),
    )
    with pytest.raises(ValidationError):
        services.application_create(
            campaign=campaign,
            organisation=org,
            acting_user=district_officer,
            today=datetime.date(2025, 5, 2),
        )
    assert AssessmentApplication.objects.count() == 1


def test_applications_close_at_the_deadline(campaign, org, district_officer):
    with pytest.raises(TransitionNotAllowed):
        services.application_create(
            campaign=campaign,
            organisation=org,
            acting_user=district_officer,
            today=datetime.date(2025, 6, 2),
        )


def test_the_leader_may_apply_and_another_district_may_not(campaign, org, make_user, maluan_org):
    leader = make_user("organisation_leader", organisation=org)
    application = services.application_create(
        campaign=campaign, organisation=org, acting_user=leader, today=datetime.date(2025, 5, 1)
    )
    assert application.applied_by == leader
    futian = make_user("district_officer", "440304")
    with pytest.raises(OutOfJurisdiction):
        services.application_create(
            campaign=campaign,
            organisation=maluan_org,
            acting_user=futian,
            today=datetime.date(2025, 5, 1),
        )
    street = make_user("street_officer", "440310002")
    with pytest.raises((OutOfJurisdiction, NotPermitted)):
        services.application_create(
            campaign=campaign,
            organisation=maluan_org,
            acting_user=street,
            today=datetime.date(2025, 5, 1),
        )


# --- scoring ----------------------------------------------------------------------------------


def test_two_experts_880_and_920_make_900_which_is_3a(campaign, org, district_officer, experts):
    application = scored_application(campaign, org, district_officer, [880, 920], experts)
    assert application.status == AssessmentStatus.SCORED
    assert application.score == Decimal("900.00")
    assert application.level == 3
    assert application.initial_level == 3
    assert ExpertScore.objects.filter(application=application).count() == 2 * len(
        points_for(campaign, 0)
    )


def test_trimmed_mean_campaign(campaign, org, district_officer, experts):
    services.campaign_update(
        campaign=campaign, acting_user=district_officer, aggregation="trimmed_mean"
    )
    campaign.refresh_from_db()
    application = scored_application(campaign, org, district_officer, [700, 905, 1000], experts)
    assert application.score == Decimal("905.00")
    assert application.level == 4


@pytest.fixture
def scoring(campaign, org, district_officer, experts):
    application = services.application_create(
        campaign=campaign,
        organisation=org,
        acting_user=district_officer,
        today=datetime.date(2025, 5, 1),
    )
    services.campaign_start_scoring(campaign=campaign, acting_user=district_officer)
    panel = services.panel_create(
        campaign=campaign, name="第一评审组", experts=experts[:2], acting_user=district_officer
    )
    services.application_assign_panel(
        application=application, panel=panel, acting_user=district_officer
    )
    application.refresh_from_db()
    return application


def test_a_score_above_the_maximum_or_below_zero_is_refused_and_nothing_stored(
    scoring, experts, district_officer
):
    leaves = list(scoring.campaign.template.leaves())
    for bad in (leaves[0].max_points + Decimal("0.01"), Decimal("-1"), "abc", "1.234"):
        with pytest.raises(ValidationError) as error:
            services.scores_record(
                application=scoring,
                expert=experts[0],
                scores=[(leaves[1], 5), (leaves[0], bad)],
                acting_user=district_officer,
            )
        assert leaves[0].code in error.value.message_dict["scores"][0]
    assert not ExpertScore.objects.exists()
    assert not ExpertScore.history.exists()


def test_a_second_score_by_the_same_expert_for_the_same_indicator_is_refused(
    scoring, experts, district_officer
):
    leaf = scoring.campaign.template.leaves().first()
    services.scores_record(
        application=scoring, expert=experts[0], scores=[(leaf, 10)], acting_user=district_officer
    )
    with pytest.raises(ValidationError) as error:
        services.scores_record(
            application=scoring,
            expert=experts[0],
            scores=[(leaf, 12)],
            acting_user=district_officer,
        )
    assert "already scored" in str(error.value.message_dict["scores"])
    assert ExpertScore.objects.get().points == 10
    # Another expert may score the same indicator.
    services.scores_record(
        application=scoring, expert=experts[1], scores=[(leaf, 12)], acting_user=district_officer
    )
    assert ExpertScore.objects.count() == 2


def test_an_expert_outside_the_panel_cannot_score(scoring, experts, district_officer):
    leaf = scoring.campaign.template.leaves().first()
    with pytest.raises(ValidationError) as error:
        services.scores_record(
            application=scoring,
            expert=experts[2],
            scores=[(leaf, 1)],
            acting_user=district_officer,
        )
    assert "expert" in error.value.message_dict


def test_a_parent_indicator_is_not_scored(scoring, experts, district_officer):
    parent = scoring.campaign.template.indicators.filter(parent__isnull=True).first()
    with pytest.raises(ValidationError):
        services.scores_record(
            application=scoring,
            expert=experts[0],
            scores=[(parent, 1)],
            acting_user=district_officer,
        )


def test_the_result_waits_for_every_expert(scoring, experts, district_officer):
    score(scoring, experts[0], 900, district_officer)
    with pytest.raises(TransitionNotAllowed):
        services.application_compute(application=scoring, acting_user=district_officer)
    score(scoring, experts[1], 901, district_officer)
    result = services.application_compute(application=scoring, acting_user=district_officer)
    assert result.score == Decimal("900.50") and result.level == 4


def test_the_campaign_snapshots_its_template(campaign, district_officer, pingshan):
    from grading.models import Indicator

    source = campaign.template.source
    leaf = source.leaves().first()
    leaf.max_points = Decimal(5)
    leaf.save()
    copy = campaign.template.leaves().get(code=leaf.code)
    assert copy.max_points != Decimal(5)
    assert Indicator.objects.filter(template=campaign.template).count() == 22


# --- notice, appeal, re-review, final ---------------------------------------------------------


@pytest.fixture
def noticed(campaign, org, district_officer, experts):
    application = scored_application(campaign, org, district_officer, [880, 920], experts)
    services.campaign_start_notice(
        campaign=campaign, acting_user=district_officer, today=NOTICE_DAY
    )
    application.refresh_from_db()
    return application


def test_appeal_only_during_the_notice_period(noticed, district_officer, make_user, org):
    leader = make_user("organisation_leader", organisation=org)
    campaign = noticed.campaign
    campaign.refresh_from_db()
    assert campaign.notice_ends_on == NOTICE_DAY + datetime.timedelta(days=6)
    with pytest.raises(TransitionNotAllowed):
        services.application_appeal(
            application=noticed,
            acting_user=leader,
            reason="分数偏低",
            today=campaign.notice_ends_on + datetime.timedelta(days=1),
        )
    with pytest.raises(ValidationError):
        services.application_appeal(
            application=noticed, acting_user=leader, reason=" ", today=NOTICE_DAY
        )
    appealed = services.application_appeal(
        application=noticed, acting_user=leader, reason="分数偏低", today=NOTICE_DAY
    )
    assert appealed.status == AssessmentStatus.APPEALED


def test_the_appeal_changes_the_result_only_through_re_review(noticed, district_officer, experts):
    campaign = noticed.campaign
    services.application_appeal(
        application=noticed,
        acting_user=district_officer,
        reason="机构书面申诉",
        today=NOTICE_DAY,
    )
    noticed.refresh_from_db()
    # The appeal itself changes nothing.
    assert (noticed.score, noticed.level) == (Decimal("900.00"), 3)
    # Finalising waits for the appeal.
    with pytest.raises(TransitionNotAllowed):
        services.campaign_finalise(campaign=campaign, acting_user=district_officer, today=AWARD_DAY)
    # Re-review without a complete re-review panel is refused.
    with pytest.raises(TransitionNotAllowed):
        services.application_re_review(application=noticed, acting_user=district_officer)
    review_panel = services.panel_create(
        campaign=campaign,
        name="复核组",
        kind="re_review",
        experts=experts[1:],
        acting_user=district_officer,
    )
    services.application_assign_panel(
        application=noticed, panel=review_panel, acting_user=district_officer
    )
    noticed.refresh_from_db()
    score(noticed, experts[1], 910, district_officer)
    score(noticed, experts[2], 912, district_officer)
    reviewed = services.application_re_review(application=noticed, acting_user=district_officer)
    assert reviewed.status == AssessmentStatus.RE_REVIEWED
    assert (reviewed.score, reviewed.level) == (Decimal("911.00"), 4)
    assert (reviewed.initial_score, reviewed.initial_level) == (Decimal("900.00"), 3)
    # Every score is kept: the first round's and the re-review's.
    leaves = campaign.template.leaves().count()
    assert ExpertScore.objects.filter(application=reviewed, round="initial").count() == 2 * leaves
    assert ExpertScore.objects.filter(application=reviewed, round="re_review").count() == 2 * leaves
    # History shows the old and the new result, with the reason.
    last, before = reviewed.history.order_by("-history_date", "-history_id")[:2]
    assert (before.score, before.level, last.score, last.level) == (
        Decimal("900.00"),
        3,
        Decimal("911.00"),
        4,
    )
    assert "900.00" in last.history_change_reason and "911.00" in last.history_change_reason
    services.campaign_finalise(campaign=campaign, acting_user=district_officer, today=AWARD_DAY)
    assert GradeAward.objects.get(organisation=reviewed.organisation).level == 4


def test_a_dismissed_appeal_keeps_the_result(noticed, district_officer):
    services.application_appeal(
        application=noticed, acting_user=district_officer, reason="申诉", today=NOTICE_DAY
    )
    dismissed = services.application_dismiss_appeal(
        application=noticed, acting_user=district_officer, reason="评分无误"
    )
    assert dismissed.status == AssessmentStatus.NOTICED
    assert (dismissed.score, dismissed.level) == (Decimal("900.00"), 3)


def test_finalising_awards_a_grade_valid_five_years_less_a_day(noticed, district_officer, org):
    campaign = noticed.campaign
    with pytest.raises(TransitionNotAllowed):  # still on notice
        services.campaign_finalise(
            campaign=campaign, acting_user=district_officer, today=NOTICE_DAY
        )
    services.campaign_finalise(campaign=campaign, acting_user=district_officer, today=AWARD_DAY)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.FINAL
    award = GradeAward.objects.get(organisation=org)
    assert award.awarded_on == datetime.date(2025, 6, 30)
    assert award.valid_until == datetime.date(2030, 6, 29)
    assert award.campaign == campaign
    assert award.history.count() == 1
    organisations = Organisation.objects.filter(pk=org.pk)
    on_last_day = filter_grade_at_least(organisations, 3, on=datetime.date(2030, 6, 29))
    assert list(on_last_day) == [org]
    assert not filter_grade_at_least(organisations, 3, on=datetime.date(2030, 6, 30)).exists()
    assert not filter_grade_at_least(organisations, 4, on=datetime.date(2026, 1, 1)).exists()


def test_no_grade_gives_no_award(campaign, org, district_officer, experts):
    scored_application(campaign, org, district_officer, [700, 700], experts)
    services.campaign_start_notice(
        campaign=campaign, acting_user=district_officer, today=NOTICE_DAY
    )
    services.campaign_finalise(campaign=campaign, acting_user=district_officer, today=AWARD_DAY)
    application = AssessmentApplication.objects.get()
    assert application.status == AssessmentStatus.FINAL and application.level is None
    assert not GradeAward.objects.exists()


def test_notice_waits_for_every_result(campaign, org, district_officer, experts):
    services.application_create(
        campaign=campaign,
        organisation=org,
        acting_user=district_officer,
        today=datetime.date(2025, 5, 1),
    )
    services.campaign_start_scoring(campaign=campaign, acting_user=district_officer)
    with pytest.raises(TransitionNotAllowed):
        services.campaign_start_notice(campaign=campaign, acting_user=district_officer)


def test_campaign_steps_follow_the_table(campaign, district_officer):
    with pytest.raises(TransitionNotAllowed):
        services.campaign_finalise(campaign=campaign, acting_user=district_officer)
    with pytest.raises(TransitionNotAllowed):
        services.campaign_open(campaign=campaign, acting_user=district_officer)


def test_a_new_award_supersedes_the_current_one(org, district_officer):
    old = services.grade_award_record(
        organisation=org,
        level=2,
        awarded_on=datetime.date(2021, 3, 1),
        acting_user=district_officer,
        reason="历史评估结果录入",
    )
    new = services.grade_award_record(
        organisation=org,
        level=4,
        awarded_on=datetime.date(2024, 3, 1),
        acting_user=district_officer,
        reason="历史评估结果录入",
    )
    old.refresh_from_db()
    assert old.revoked_on == datetime.date(2024, 3, 1)
    assert old.is_current(datetime.date(2024, 2, 29)) and not old.is_current(new.awarded_on)
    assert list(GradeAward.objects.current(datetime.date(2024, 6, 1))) == [new]
    with pytest.raises(ValidationError):  # older than the newest: refused
        services.grade_award_record(
            organisation=org,
            level=5,
            awarded_on=datetime.date(2022, 3, 1),
            acting_user=district_officer,
            reason="x",
        )


def test_revoking_a_grade(org, district_officer, street_officer):
    award = services.grade_award_record(
        organisation=org,
        level=3,
        awarded_on=datetime.date(2024, 3, 1),
        acting_user=district_officer,
        reason="录入",
    )
    with pytest.raises(NotPermitted):
        services.grade_award_revoke(
            award=award,
            revoked_on=datetime.date(2025, 1, 1),
            acting_user=street_officer,
            reason="x",
        )
    services.grade_award_revoke(
        award=award,
        revoked_on=datetime.date(2025, 1, 1),
        acting_user=district_officer,
        reason="列入严重违法失信名单",
    )
    assert not GradeAward.objects.current(datetime.date(2025, 1, 1)).exists()
    assert GradeAward.objects.current(datetime.date(2024, 12, 31)).exists()


def test_other_districts_officers_cannot_run_the_campaign(campaign, make_user, city_officer):
    futian = make_user("district_officer", "440304")
    with pytest.raises(OutOfJurisdiction):
        services.campaign_start_scoring(campaign=campaign, acting_user=futian)
    with pytest.raises(NotPermitted):
        services.campaign_start_scoring(campaign=campaign, acting_user=city_officer)


def test_a_campaign_starts_with_the_built_in_defaults_when_the_rows_are_gone(
    district_officer, pingshan
):
    from grading.models import GradeBand, IndicatorTemplate

    GradeBand.objects.all().delete()
    IndicatorTemplate.objects.all().delete()
    campaign = services.campaign_create(
        district=pingshan,
        year=2025,
        title="无配置",
        application_deadline=datetime.date(2025, 6, 1),
        acting_user=district_officer,
    )
    assert campaign.template.base_points == 1000 and campaign.template.bonus_points == 50
    assert {"level": 5, "lower_bound": "950.00", "inclusive": True} in campaign.bands


def test_a_campaign_keeps_its_bands_when_the_rows_change(campaign):
    from grading.models import GradeBand

    GradeBand.objects.filter(level=3, division__isnull=True).update(lower_bound=Decimal(860))
    campaign.refresh_from_db()
    assert {"level": 3, "lower_bound": "850.00", "inclusive": False} in campaign.bands


def test_district_bands_override_the_default(district_officer, pingshan):
    from grading.models import GradeBand
    from grading.selectors import bands_for

    for level, bound in ((1, 600), (2, 700), (3, 800), (4, 850), (5, 900)):
        GradeBand.objects.create(division=pingshan, level=level, lower_bound=bound)
    assert {b.level: b.lower_bound for b in bands_for(pingshan)}[3] == 800
    overlapping = GradeBand(division=pingshan, level=5, lower_bound=Decimal(700), inclusive=True)
    overlapping.pk = GradeBand.objects.get(division=pingshan, level=5).pk
    with pytest.raises(ValidationError):
        overlapping.full_clean()
