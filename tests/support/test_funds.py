"""Community funds: donations in (money or in kind), grants out, a balance that never goes
negative, even with two grants at once (PostgreSQL row locks), and the .xlsx statement."""

import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import translation

from registry.choices import OrgStatus
from registry.models import Division, Organisation, User
from support import services
from support.choices import DonationForm, DonorKind, FundingKind
from support.models import CommunityFund, Donation, FundedProject, FundGrant
from support.selectors import fund_statement
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.support.conftest import D, make_org


def counts(*models):
    return [(m.objects.count(), m.history.count()) for m in models]


def messages(error, field):
    return " ".join(error.value.message_dict[field])


@pytest.fixture
def fund(street_user):
    return services.fund_create(
        division=Division.objects.get(code=PINGSHAN_STREET),
        name="坪山街道社区基金",
        opened_on=D(2023, 1, 1),
        manager_name="深圳市社会公益基金会",
        acting_user=street_user,
    )


def fund_round(fund, user, name="2024年社区基金资助"):
    programme = services.programme_create(
        division=fund.division,
        name=f"{name}计划",
        kind=FundingKind.COMMUNITY_FUND,
        fund=fund,
        acting_user=user,
    )
    return services.round_create(
        programme=programme, name=name, year=2024, opens_on=D(2024, 1, 1), acting_user=user
    )


@pytest.mark.django_db
def test_money_raises_the_balance_and_goods_are_valued_apart(fund, street_user):
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.ENTERPRISE,
        donor_name="某科技有限公司",
        amount="50000",
        received_on=D(2023, 9, 9),
        acting_user=street_user,
    )
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.ANONYMOUS,
        donor_name="不该留名",
        amount="200.50",
        received_on=D(2023, 9, 10),
        acting_user=street_user,
    )
    goods = services.donation_record(
        fund=fund,
        donor_kind=DonorKind.CHAMBER,
        donor_name="坪山商会",
        form=DonationForm.IN_KIND,
        goods="助老物资200份",
        amount="20000",
        received_on=D(2023, 12, 1),
        acting_user=street_user,
    )
    fund.refresh_from_db()
    assert fund.balance == Decimal("50200.50")
    assert Donation.objects.get(donor_kind=DonorKind.ANONYMOUS).donor_name == ""
    assert goods.amount == Decimal("20000.00")
    statement = fund_statement(fund, end=D(2023, 12, 31))
    assert (statement.total_in, statement.total_in_kind, statement.closing) == (
        Decimal("50200.50"),
        Decimal("20000.00"),
        Decimal("50200.50"),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "-100"}, "amount", "negative"),
        ({"donor_name": ""}, "donor_name", "Name the donor"),
        ({"form": DonationForm.IN_KIND}, "goods", "what was given"),
        ({"donor_kind": "martian"}, "donor_kind", "is not one of"),
        ({"received_on": "2022-12-31"}, "received_on", "opened on 2023-01-01"),
        ({"received_on": "31/12/2023"}, "received_on", "YYYY-MM-DD"),
    ],
)
def test_bad_donations_are_refused_with_nothing_written(fund, street_user, data, field, message):
    body = dict(
        fund=fund,
        donor_kind=DonorKind.INDIVIDUAL,
        donor_name="王女士",
        amount="100",
        received_on=D(2024, 1, 1),
        acting_user=street_user,
    )
    body.update(data)
    before = counts(Donation, CommunityFund)
    with pytest.raises(ValidationError) as error:
        services.donation_record(**body)
    assert message in messages(error, field)
    assert counts(Donation, CommunityFund) == before


@pytest.mark.django_db
def test_a_grant_larger_than_the_balance_is_refused(fund, street_user):
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.FOUNDATION,
        donor_name="某基金会",
        amount="1000",
        received_on=D(2024, 1, 5),
        acting_user=street_user,
    )
    funding_round = fund_round(fund, street_user)
    recipient = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    before = counts(FundedProject, FundGrant, CommunityFund)
    with pytest.raises(ValidationError) as error:
        services.project_award(
            funding_round=funding_round,
            organisation=recipient,
            title="邻里守望",
            amount_approved="1000.01",
            approved_on=D(2024, 2, 1),
            acting_user=street_user,
        )
    assert "has ¥1,000.00 available; a grant of ¥1,000.01 does not fit" in messages(
        error, "amount_approved"
    )
    assert counts(FundedProject, FundGrant, CommunityFund) == before
    services.project_award(
        funding_round=funding_round,
        organisation=recipient,
        title="邻里守望",
        amount_approved="1000",
        approved_on=D(2024, 2, 1),
        acting_user=street_user,
    )
    fund.refresh_from_db()
    assert fund.balance == Decimal("0.00")
    statement = fund_statement(fund)
    assert [line.kind for line in statement.lines] == ["donation", "grant"]
    assert statement.closing == Decimal("0.00")


@pytest.mark.django_db
def test_the_database_itself_refuses_a_negative_balance(fund):
    fund = CommunityFund.objects.get(pk=fund.pk)
    fund.balance = Decimal("-0.01")
    with pytest.raises(IntegrityError), transaction.atomic():
        fund.save()


@pytest.mark.django_db(transaction=True)
def test_two_grants_at_once_exactly_one_fits(street_user):
    if connection.vendor != "postgresql":
        pytest.skip("the fund's row lock is what is tested; SQLite serialises writes anyway")
    fund = services.fund_create(
        division=Division.objects.get(code=PINGSHAN_STREET),
        name="坪山街道社区基金",
        opened_on=D(2023, 1, 1),
        acting_user=street_user,
    )
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.ENTERPRISE,
        donor_name="某公司",
        amount="1000",
        received_on=D(2024, 1, 5),
        acting_user=street_user,
    )
    # Two rounds of the fund's programmes: the rounds' own locks don't serialise the grants,
    # only the fund's does.
    rounds = [fund_round(fund, street_user, f"第{i}批") for i in (1, 2)]
    recipients = [make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED) for _ in rounds]
    officer_pk = street_user.pk

    def grant(index):
        def run():
            return services.project_award(
                funding_round=rounds[index],
                organisation=Organisation.objects.get(pk=recipients[index].pk),
                title=f"项目{index}",
                amount_approved="600",
                approved_on=D(2024, 2, 1),
                acting_user=User.objects.get(pk=officer_pk),
            )

        return run

    outcomes = [None, None]
    started = threading.Barrier(3)

    def worker(index):
        translation.activate("en")  # the language is per thread
        try:
            started.wait(timeout=10)
            outcomes[index] = grant(index)()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in (0, 1)]
    # Hold the fund's lock until both grants are waiting for it, so that they truly collide.
    with transaction.atomic():
        CommunityFund.objects.select_for_update().get(pk=fund.pk)
        for thread in threads:
            thread.start()
        started.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
                if cursor.fetchone()[0] >= 2:
                    break
            time.sleep(0.05)
    for thread in threads:
        thread.join(timeout=60)
    won = [o for o in outcomes if isinstance(o, FundedProject)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "has ¥400.00 available; a grant of ¥600.00 does not fit" in " ".join(
        lost[0].message_dict["amount_approved"]
    )
    fund.refresh_from_db()
    assert fund.balance == Decimal("400.00")
    assert FundGrant.objects.count() == 1 and FundedProject.objects.count() == 1
