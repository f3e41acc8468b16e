"""A small roadmap whose roll-ups are worked out by hand in the tests."""

import pytest

from roadmap.choices import Status
from tests import factories
from tests.tracker_rollups.building import NOT_REPORTED, build_action


@pytest.fixture
def tree(secretariat_user, fra, deu, dipb, niag):
    """
    LOE-1
      KO-1  A-1  FRA on track 60, DEU at risk 20, DIPB cancelled, NIAG never reported
            A-2  FRA completed, DEU completed
            A-3  FRA blocked 10, DEU off track 30, DIPB at risk 50
      KO-2  A-1  FRA off track 20, DEU at risk 40
            A-2  DEU cancelled
            A-3  NIAG never reported
    LOE-2
      KO-1  A-1  FRA completed, DEU completed
            A-2  DIPB cancelled
    """
    user = secretariat_user
    line_1 = factories.LineOfEffortFactory(number=1)
    line_2 = factories.LineOfEffortFactory(number=2)
    o11 = factories.KeyOutcomeFactory(line=line_1, number=1)
    o12 = factories.KeyOutcomeFactory(line=line_1, number=2)
    o21 = factories.KeyOutcomeFactory(line=line_2, number=1)
    S = Status
    actions = {
        "1.1.1": build_action(
            user,
            o11,
            1,
            [
                (fra, S.ON_TRACK, 60),
                (deu, S.AT_RISK, 20),
                (dipb, S.CANCELLED, 0),
                (niag, NOT_REPORTED, 0),
            ],
        ),
        "1.1.2": build_action(user, o11, 2, [(fra, S.COMPLETED, 100), (deu, S.COMPLETED, 100)]),
        "1.1.3": build_action(
            user, o11, 3, [(fra, S.BLOCKED, 10), (deu, S.OFF_TRACK, 30), (dipb, S.AT_RISK, 50)]
        ),
        "1.2.1": build_action(user, o12, 1, [(fra, S.OFF_TRACK, 20), (deu, S.AT_RISK, 40)]),
        "1.2.2": build_action(user, o12, 2, [(deu, S.CANCELLED, 0)]),
        "1.2.3": build_action(user, o12, 3, [(niag, NOT_REPORTED, 0)]),
        "2.1.1": build_action(user, o21, 1, [(fra, S.COMPLETED, 100), (deu, S.COMPLETED, 100)]),
        "2.1.2": build_action(user, o21, 2, [(dipb, S.CANCELLED, 0)]),
    }
    return {
        "lines": {"1": line_1, "2": line_2},
        "outcomes": {"1.1": o11, "1.2": o12, "2.1": o21},
        "actions": actions,
    }
