"""``core.transitions``: one lookup for every transition table."""

import pytest
from django.db import models

from core.exceptions import Conflict, TransitionNotAllowed
from core.transitions import available_actions, fan_out, states_allowing, transition
from registry.choices import (
    APPLICATION_TRANSITIONS,
    ApplicationAction,
    ApplicationStatus,
)


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    OFF = "off", "Off"


class Switch(models.TextChoices):
    GO = "go", "Go"
    SLOW = "slow", "Slow down"
    STOP = "stop", "Stop"
    CUT = "cut", "Cut the power"


TABLE = {
    (Light.RED, Switch.GO): Light.GREEN,
    (Light.GREEN, Switch.SLOW): Light.AMBER,
    (Light.AMBER, Switch.STOP): Light.RED,
    **fan_out((Light.RED, Light.GREEN, Light.AMBER), Switch.CUT, Light.OFF),
}


def test_transition_gives_the_target_for_members_and_stored_values():
    assert transition(TABLE, Light.RED, Switch.GO) == Light.GREEN
    # a value read from the database is a plain string
    assert transition(TABLE, "green", "slow") == Light.AMBER
    assert transition(TABLE, "amber", Switch.CUT) == Light.OFF


def test_refusal_names_current_and_requested_as_choice_values():
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(TABLE, Light.GREEN, Switch.GO)
    error = caught.value
    assert type(error.current) is str and error.current == "green"
    assert type(error.requested) is str and error.requested == "go"
    assert "Go" in str(error.message) and "Green" in str(error.message)


def test_refusal_for_a_value_unknown_to_the_table():
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(TABLE, "off", "go")
    assert caught.value.current == "off"
    assert caught.value.requested == "go"


def test_refusal_with_a_message_and_an_error_class():
    with pytest.raises(Conflict) as caught:
        transition(TABLE, Light.OFF, Switch.GO, message="Someone cut the power.", error=Conflict)
    assert caught.value.message == "Someone cut the power."
    assert caught.value.current == "off"


def test_available_actions_in_table_order():
    assert available_actions(TABLE, Light.RED) == [Switch.GO, Switch.CUT]
    assert available_actions(TABLE, "green") == [Switch.SLOW, Switch.CUT]
    assert available_actions(TABLE, Light.OFF) == []


def test_states_allowing():
    assert states_allowing(TABLE, Switch.CUT) == {Light.RED, Light.GREEN, Light.AMBER}
    assert states_allowing(TABLE, Switch.GO) == {Light.RED}


def test_the_registry_application_table():
    assert (
        transition(APPLICATION_TRANSITIONS, ApplicationStatus.RETURNED, ApplicationAction.RESUBMIT)
        == ApplicationStatus.SUBMITTED
    )
    assert available_actions(APPLICATION_TRANSITIONS, ApplicationStatus.RETURNED) == [
        ApplicationAction.RESUBMIT,
        ApplicationAction.WITHDRAW,
    ]
    with pytest.raises(TransitionNotAllowed) as caught:
        transition(APPLICATION_TRANSITIONS, ApplicationStatus.APPROVED, ApplicationAction.APPROVE)
    assert caught.value.current == "approved"
