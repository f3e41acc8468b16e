"""factory_boy factories for the domain; tests build data through these or the services."""

import factory

from accounts.choices import OrganisationKind
from accounts.models import Membership, Organisation, User
from roadmap.choices import AssignmentRole
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.BOARD
    iso3 = ""


def _iso3_like(n: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Z" + letters[n // 26 % 26] + letters[n % 26]


class AllyFactory(OrganisationFactory):
    kind = OrganisationKind.ALLY
    code = factory.Sequence(_iso3_like)
    iso3 = factory.LazyAttribute(lambda o: o.code)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)


def member(organisation, role, **user_fields) -> User:
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organisation=organisation, role=role)
    return user


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roadmap
        django_get_or_create = ("code",)

    code = "DCSCSR"
    title = "Defence-Critical Supply Chain Security Roadmap"


class LineOfEffortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineOfEffort

    roadmap = factory.SubFactory(RoadmapFactory)
    number = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"LOE-{o.number}")
    title = factory.LazyAttribute(lambda o: f"Line {o.number}")


class KeyOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyOutcome

    line = factory.SubFactory(LineOfEffortFactory)
    number = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"{o.line.code}.KO-{o.number}")
    title = factory.LazyAttribute(lambda o: f"Outcome {o.code}")


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    outcome = factory.SubFactory(KeyOutcomeFactory)
    number = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"{o.outcome.code}.A-{o.number}")
    title = factory.LazyAttribute(lambda o: f"Action {o.code}")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    action = factory.SubFactory(ActionItemFactory)
    organisation = factory.SubFactory(AllyFactory)
    role = AssignmentRole.CONTRIBUTOR
