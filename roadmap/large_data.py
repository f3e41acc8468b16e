"""A deterministic large data set for the benchmark: years of weekly updates from every nation.

The real organisations and lines come from roadmap/data/roadmap.yaml; everything else is
generated from one fixed random seed, so two builds at the same scale hold the same rows.
Rows go in with bulk inserts; each assignment's current fields are then set from its latest
update by one set-based UPDATE, the way record_status_update would have left them, and the
audit trail gets the entries those updates and their authors' log-ins would have written.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from auditlog.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery

from accounts.choices import OrganisationKind, Releasability, Role
from accounts.lockout import LOGIN_EVENT
from accounts.models import Membership, Organisation, User
from roadmap.choices import AssignmentRole, Status
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from roadmap.services import load_roadmap_file
from tracker.models import (
    BestPractice,
    BestPracticeState,
    BestPracticeTag,
    CycleState,
    ReviewCycle,
    ReviewSnapshot,
    StatusUpdate,
)
from tracker.review_services import close_review_cycle, open_review_cycle

SEED = 20240617
ROADMAP_FILE = Path(__file__).resolve().parent / "data" / "roadmap.yaml"
# A fixed end of history, not "now": the same scale must give the same rows on every run.
HISTORY_END = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
HISTORY_DAYS = 3 * 365
BATCH_SIZE = 5_000
EMAIL_DOMAIN = "large.example"

# Sizes at scale 1.0 (DESIGN.md section 5, issue 8).
OUTCOMES = 40
ACTIONS = 800
ASSIGNMENTS = 25_000
STATUS_UPDATES = 500_000
USERS = 3_000
BEST_PRACTICES = 5_000
REVIEW_CYCLES = 20
# An author signs in for one update in this many; the rest go in while they are signed in.
UPDATES_PER_LOGIN = 5
CYCLE_EVERY = timedelta(days=54)
# Generated organisations beside the real ones of roadmap.yaml: (kind, count, code prefix).
EXTRA_ORGANISATIONS = [
    (OrganisationKind.PARTNER, 8, "XP"),
    (OrganisationKind.BOARD, 4, "BRD"),
    (OrganisationKind.INDUSTRY_GROUP, 6, "IND"),
]
ROLE_BY_KIND = {
    OrganisationKind.ALLY: Role.DELEGATE,
    OrganisationKind.PARTNER: Role.DELEGATE,
    OrganisationKind.BOARD: Role.BOARD_MEMBER,
    OrganisationKind.COMMITTEE: Role.BOARD_MEMBER,
    OrganisationKind.SCIENCE: Role.BOARD_MEMBER,
    OrganisationKind.INDUSTRY_GROUP: Role.INDUSTRY_MEMBER,
    OrganisationKind.SECRETARIAT: Role.SECRETARIAT,
}
OPEN_STATUSES = [Status.ON_TRACK, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.BLOCKED]
RELEASABILITY = [
    Releasability.NATO,
    Releasability.NATO,
    Releasability.INDUSTRY,
    Releasability.PUBLIC,
]
# Best practices are mostly published; the rest sit in the other states of the review.
BEST_PRACTICE_STATES = [BestPracticeState.PUBLISHED] * 17 + [
    BestPracticeState.SUBMITTED,
    BestPracticeState.UNDER_REVIEW,
    BestPracticeState.DRAFT,
]
# Words the generated practices are written from, so a library search finds some, not all.
PRACTICE_APPROACHES = [
    "Recycling",
    "Stockpiling",
    "Substitution",
    "Diversification",
    "Joint procurement",
    "Supplier audits",
    "Traceability",
    "Long-term contracts",
]
PRACTICE_MATERIALS = [
    "gallium",
    "germanium",
    "rare earth magnets",
    "titanium",
    "tungsten",
    "cobalt",
    "lithium",
    "graphite",
    "antimony",
    "beryllium",
]
PRACTICE_SETTINGS = [
    "munitions production",
    "armoured vehicles",
    "naval shipbuilding",
    "satellite components",
    "aircraft engines",
    "night-vision optics",
]
PRACTICE_TAGS = ["recycling", "stockpile", "contracts", "audit", "substitution", "logistics"]


@dataclass(frozen=True)
class _Json:
    object: str
    array: str


# The JSON constructors of each database the data set is built on.
JSON_FUNCTIONS = {
    "postgresql": _Json("jsonb_build_object", "jsonb_build_array"),
    "sqlite": _Json("json_object", "json_array"),
}


class LargeDataError(Exception):
    """The database is not fit for a large build; nothing was written."""


@dataclass
class BuildReport:
    scale: float
    counts: dict[str, int] = field(default_factory=dict)
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(seconds for _name, seconds in self.steps)

    def lines(self) -> list[str]:
        built = ", ".join(f"{count} {name}" for name, count in self.counts.items())
        steps = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.steps)
        return [f"scale {self.scale}: {built}", f"took {self.seconds:.1f}s ({steps})"]


def expected_counts(scale: float) -> dict[str, int]:
    """What a build at `scale` creates, so tests and the command agree on the proportions."""
    if scale <= 0 or scale > 1.0:
        raise LargeDataError("The scale must be more than 0 and at most 1.")
    outcomes = max(5, round(OUTCOMES * scale))
    actions = max(outcomes, round(ACTIONS * scale))
    assignments = max(actions, round(ASSIGNMENTS * scale))
    return {
        "outcomes": outcomes,
        "actions": actions,
        "assignments": assignments,
        "status updates": max(assignments, round(STATUS_UPDATES * scale)),
        "users": max(len(ROLE_BY_KIND), round(USERS * scale)),
        "best practices": max(10, round(BEST_PRACTICES * scale)),
        "closed review cycles": max(1, round(REVIEW_CYCLES * scale)),
    }


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` near-equal whole numbers, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


class _Builder:
    def __init__(self, *, scale: float):
        self.scale = scale
        self.sizes = expected_counts(scale)
        self.rng = random.Random(SEED)
        self.report = BuildReport(scale=scale)

    def step(self, name: str, function) -> None:
        started = time.perf_counter()
        function()
        self.report.steps.append((name, time.perf_counter() - started))

    def run(self) -> BuildReport:
        with transaction.atomic():
            if Assignment.objects.exists() or KeyOutcome.objects.exists():
                raise LargeDataError(
                    "This database already has roadmap outcomes or assignments; "
                    "build the large data set into an empty database."
                )
            self.step("roadmap file", lambda: load_roadmap_file(path=ROADMAP_FILE))
            self.step("organisations", self.organisations)
            self.step("users", self.users)
            self.step("outcomes and actions", self.outcomes_and_actions)
            self.step("assignments", self.assignments)
            self.step("status updates", self.status_updates)
            self.step("current status", self.current_status)
            self.step("audit trail", self.audit_trail)
            self.step("closed review cycles", self.review_cycles)
            self.step("best practices", self.best_practices)
        self.step("vacuum analyze", _analyze)
        self.report.counts = {
            "organisations": Organisation.objects.count(),
            "users": User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").count(),
            "outcomes": KeyOutcome.objects.count(),
            "actions": ActionItem.objects.count(),
            "assignments": Assignment.objects.count(),
            "status updates": StatusUpdate.objects.count(),
            "closed review cycles": ReviewCycle.objects.filter(state=CycleState.CLOSED).count(),
            "review snapshots": ReviewSnapshot.objects.count(),
            "best practices": BestPractice.objects.count(),
            "audit entries": LogEntry.objects.count(),
        }
        return self.report

    def organisations(self) -> None:
        existing = set(Organisation.objects.values_list("code", flat=True))
        new = []
        for kind, count, prefix in EXTRA_ORGANISATIONS:
            for index in range(count):
                if kind == OrganisationKind.PARTNER:
                    # X.. codes are reserved for user-assigned use in ISO 3166: never a real one.
                    code = iso3 = f"{prefix}{chr(ord('A') + index)}"
                else:
                    code, iso3 = f"{prefix}-{index + 1:02d}", ""
                if code not in existing:
                    new.append(
                        Organisation(
                            code=code,
                            name=f"Generated {kind.label.lower()} {index + 1}",
                            kind=kind,
                            iso3=iso3,
                            summary="Generated for the performance benchmark.",
                        )
                    )
        Organisation.objects.bulk_create(new, batch_size=BATCH_SIZE)
        self.organisations_list = list(Organisation.objects.order_by("code"))
        self.nations = [
            org
            for org in self.organisations_list
            if org.kind in (OrganisationKind.ALLY, OrganisationKind.PARTNER)
        ]
        self.others = [
            org
            for org in self.organisations_list
            if org.kind not in (OrganisationKind.ALLY, OrganisationKind.PARTNER)
            and org.kind != OrganisationKind.SECRETARIAT
        ]

    def users(self) -> None:
        # One unusable password hash for everyone: hashing 3,000 passwords would take minutes.
        password = make_password(None)
        organisations = self.organisations_list
        users, roles = [], []
        for index in range(self.sizes["users"]):
            # Every organisation gets at least one user; the rest go mostly to nations.
            if index < len(organisations):
                organisation = organisations[index]
            elif self.rng.random() < 0.8:
                organisation = self.rng.choice(self.nations)
            else:
                organisation = self.rng.choice(organisations)
            role = ROLE_BY_KIND[organisation.kind]
            if index >= len(organisations) and self.rng.random() < 0.1:
                role = Role.OBSERVER
            users.append(
                User(
                    email=f"user{index + 1:05d}@{EMAIL_DOMAIN}",
                    first_name=f"User {index + 1}",
                    last_name=organisation.code,
                    password=password,
                    is_staff=role == Role.SECRETARIAT,
                )
            )
            roles.append((organisation, role))
        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        by_email = dict(
            User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list("email", "pk")
        )
        Membership.objects.bulk_create(
            [
                Membership(user_id=by_email[user.email], organisation=organisation, role=role)
                for user, (organisation, role) in zip(users, roles, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        # Who may author an update for each organisation.
        self.authors: dict[int, list[int]] = {}
        for user, (organisation, role) in zip(users, roles, strict=True):
            if role in (Role.DELEGATE, Role.BOARD_MEMBER, Role.INDUSTRY_MEMBER):
                self.authors.setdefault(organisation.pk, []).append(by_email[user.email])

    def outcomes_and_actions(self) -> None:
        lines = list(LineOfEffort.objects.order_by("number"))
        outcomes = []
        for line, count in zip(lines, _spread(self.sizes["outcomes"], len(lines)), strict=True):
            for number in range(1, count + 1):
                outcomes.append(
                    KeyOutcome(
                        line=line,
                        code=f"{line.code}.KO-{number}",
                        number=number,
                        title=f"Generated outcome {number} of {line.code}",
                        is_illustrative=True,
                    )
                )
        KeyOutcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
        outcomes = list(KeyOutcome.objects.order_by("line__number", "number"))
        actions = []
        start = HISTORY_END.date() - timedelta(days=HISTORY_DAYS)
        for outcome, count in zip(
            outcomes, _spread(self.sizes["actions"], len(outcomes)), strict=True
        ):
            for number in range(1, count + 1):
                due = start + timedelta(days=self.rng.randrange(180, HISTORY_DAYS + 730))
                actions.append(
                    ActionItem(
                        outcome=outcome,
                        code=f"{outcome.code}.A-{number}",
                        number=number,
                        title=f"Generated action {number} of {outcome.code}",
                        description="Generated for the performance benchmark.",
                        due_date=due,
                        is_illustrative=True,
                    )
                )
        ActionItem.objects.bulk_create(actions, batch_size=BATCH_SIZE)
        self.actions = list(ActionItem.objects.order_by("code").values_list("pk", "due_date"))

    def assignments(self) -> None:
        rows = []
        per_action = _spread(self.sizes["assignments"], len(self.actions))
        for (action_id, due), count in zip(self.actions, per_action, strict=True):
            count = min(count, len(self.organisations_list) - 1)
            # Mostly nations, with a board or industry group now and then.
            nations = self.rng.sample(self.nations, min(count, len(self.nations)))
            chosen = nations[: max(1, count - self.rng.randrange(0, 3))]
            others = self.rng.sample(self.others, min(count - len(chosen), len(self.others)))
            for index, organisation in enumerate(chosen + others):
                own_due = due + timedelta(days=self.rng.randrange(-60, 60)) if index % 4 else None
                rows.append(
                    Assignment(
                        action_id=action_id,
                        organisation=organisation,
                        role=AssignmentRole.LEAD if index == 0 else AssignmentRole.CONTRIBUTOR,
                        due_date=own_due,
                    )
                )
        Assignment.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.assignment_rows = list(
            Assignment.objects.order_by("pk").values_list("pk", "organisation_id")
        )

    def status_updates(self) -> None:
        rng = self.rng
        end = HISTORY_END
        per_assignment = _spread(self.sizes["status updates"], len(self.assignment_rows))
        batch: list[StatusUpdate] = []
        for (assignment_id, organisation_id), count in zip(
            self.assignment_rows, per_assignment, strict=True
        ):
            authors = self.authors.get(organisation_id, [])
            offsets = sorted(rng.sample(range(HISTORY_DAYS * 24), count))
            progress = 0
            finishes = rng.random() < 0.2
            for index, hours in enumerate(offsets):
                last = index == count - 1
                progress = min(100, progress + rng.randrange(0, 8))
                if last and finishes:
                    status, progress = Status.COMPLETED, 100
                else:
                    status = rng.choice(OPEN_STATUSES) if progress < 100 else Status.ON_TRACK
                batch.append(
                    StatusUpdate(
                        assignment_id=assignment_id,
                        status=status,
                        progress=progress,
                        narrative=f"Weekly report {index + 1}: {status} at {progress} %.",
                        releasability=rng.choice(RELEASABILITY),
                        author_id=rng.choice(authors) if authors else None,
                        created_at=end - timedelta(hours=HISTORY_DAYS * 24 - hours),
                        base_version=index + 1,
                        version=index + 2,
                    )
                )
            if len(batch) >= BATCH_SIZE:
                StatusUpdate.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                batch = []
        StatusUpdate.objects.bulk_create(batch, batch_size=BATCH_SIZE)

    def current_status(self) -> None:
        """Each assignment's current fields from its latest update, in one UPDATE each."""
        latest = StatusUpdate.objects.filter(assignment=OuterRef("pk")).order_by("-version")
        released = latest.filter(releasability__in=[Releasability.INDUSTRY, Releasability.PUBLIC])
        Assignment.objects.update(
            status=Subquery(latest.values("status")[:1]),
            progress=Subquery(latest.values("progress")[:1]),
            version=Subquery(latest.values("version")[:1]),
            last_reported_at=Subquery(latest.values("created_at")[:1]),
        )
        Assignment.objects.filter(Exists(released)).update(
            industry_status=Subquery(released.values("status")[:1]),
            industry_progress=Subquery(released.values("progress")[:1]),
            industry_reported_at=Subquery(released.values("created_at")[:1]),
        )

    def audit_trail(self) -> None:
        """What django-auditlog and the log-in audit would have written for the history: each
        update's creation and its assignment's change, by its author, at its time, and the
        author's log-in with every fifth update. Set-based INSERT ... SELECT: a million
        entries built in Python would take minutes."""
        json = JSON_FUNCTIONS[connection.vendor]
        kinds = ContentType.objects.get_for_models(User, Assignment, StatusUpdate)
        source = """FROM tracker_statusupdate u
            JOIN roadmap_assignment a ON a.id = u.assignment_id
            JOIN roadmap_actionitem ai ON ai.id = a.action_id
            JOIN accounts_organisation o ON o.id = a.organisation_id
            LEFT JOIN accounts_user us ON us.id = u.author_id"""
        columns = (
            "INSERT INTO auditlog_logentry (content_type_id, object_pk, object_id, "
            "object_repr, action, changes, additional_data, changes_text, timestamp, actor_id, "
            "actor_email, remote_addr)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""{columns}
                SELECT %s, CAST(u.id AS TEXT), u.id,
                    ai.code || ' — ' || o.code || ' v' || CAST(u.version AS TEXT) || ': ' ||
                    u.status, %s,
                    {json.object}('status', {json.array}('None', u.status),
                        'progress', {json.array}('None', CAST(u.progress AS TEXT)),
                        'narrative', {json.array}('None', u.narrative)),
                    NULL, '', u.created_at, u.author_id, us.email, '10.0.0.1'
                {source}""",
                [kinds[StatusUpdate].pk, LogEntry.Action.CREATE],
            )
            cursor.execute(
                f"""{columns}
                SELECT %s, CAST(a.id AS TEXT), a.id, ai.code || ' — ' || o.code, %s,
                    {json.object}('status', {json.array}('', u.status),
                        'version', {json.array}(CAST(u.base_version AS TEXT),
                            CAST(u.version AS TEXT))),
                    NULL, '', u.created_at, u.author_id, us.email, '10.0.0.1'
                {source}""",
                [kinds[Assignment].pk, LogEntry.Action.UPDATE],
            )
            cursor.execute(
                f"""{columns}
                SELECT %s, CAST(us.id AS TEXT), us.id, us.first_name || ' ' || us.last_name, %s,
                    NULL, {json.object}('event', CAST(%s AS TEXT), 'username', us.email), %s,
                    u.created_at, us.id, us.email, '10.0.0.1'
                {source}
                WHERE us.id IS NOT NULL AND u.version %% %s = 2""",
                [
                    kinds[User].pk,
                    LogEntry.Action.ACCESS,
                    LOGIN_EVENT,
                    LOGIN_EVENT,
                    UPDATES_PER_LOGIN,
                ],
            )

    def review_cycles(self) -> None:
        """Cycles opened and closed through the review services, so the snapshots are the
        services' own set-based INSERT ... SELECT. They freeze the assignments as they stand
        at the end of the history: the data set keeps no state as of earlier dates."""
        count = self.sizes["closed review cycles"]
        for index in range(count):
            opens = HISTORY_END - CYCLE_EVERY * (count - index)
            cycle = ReviewCycle.objects.create(
                title=f"Generated review {index + 1}",
                opens_at=opens,
                deadline=opens + timedelta(days=21),
                closes_at=opens + timedelta(days=28),
                created_at=opens - timedelta(days=14),
            )
            cycle = open_review_cycle(cycle=cycle, now=opens)
            close_review_cycle(cycle=cycle, now=opens + timedelta(days=28))

    def best_practices(self) -> None:
        """Bulk inserts: on PostgreSQL the table's trigger fills each row's search vector as it
        goes in, so the library search works on them at once."""
        rng = self.rng
        end = HISTORY_END
        authors = sorted(self.authors.items())
        lines = list(LineOfEffort.objects.order_by("number").values_list("pk", flat=True))
        rows = []
        for index in range(self.sizes["best practices"]):
            organisation_id, users = authors[index % len(authors)]
            approach = rng.choice(PRACTICE_APPROACHES)
            material = rng.choice(PRACTICE_MATERIALS)
            setting = rng.choice(PRACTICE_SETTINGS)
            other = rng.choice(PRACTICE_MATERIALS)
            state = rng.choice(BEST_PRACTICE_STATES)
            created = end - timedelta(hours=rng.randrange(24, HISTORY_DAYS * 24))
            submitted = None if state == BestPracticeState.DRAFT else created + timedelta(days=2)
            rows.append(
                BestPractice(
                    title=f"{approach} of {material} for {setting} ({index + 1})",
                    summary=f"How one organisation secured {material} for {setting} by "
                    f"{approach.lower()}, and what it would do differently.",
                    body=f"## Context\n\nShortages of {material} and {other} delayed "
                    f"{setting}.\n\n## Practice\n\n{approach} with partners across the "
                    "Alliance, reviewed every quarter.\n\n## Results\n\nLead times fell "
                    f"by {rng.randrange(5, 60)} %.",
                    organisation_id=organisation_id,
                    author_id=rng.choice(users),
                    releasability=rng.choice(RELEASABILITY),
                    state=state,
                    created_at=created,
                    updated_at=created + timedelta(days=7),
                    submitted_at=submitted,
                    published_at=created + timedelta(days=7)
                    if state == BestPracticeState.PUBLISHED
                    else None,
                )
            )
        BestPractice.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        tags = BestPracticeTag.objects.bulk_create(
            [BestPracticeTag(name=name) for name in PRACTICE_TAGS], ignore_conflicts=True
        )
        tag_ids = list(
            BestPracticeTag.objects.filter(name__in=[tag.name for tag in tags]).values_list(
                "pk", flat=True
            )
        )
        practice_ids = list(BestPractice.objects.order_by("pk").values_list("pk", flat=True))
        BestPractice.lines.through.objects.bulk_create(
            [
                BestPractice.lines.through(bestpractice_id=pk, lineofeffort_id=rng.choice(lines))
                for pk in practice_ids
            ],
            batch_size=BATCH_SIZE,
        )
        BestPractice.tags.through.objects.bulk_create(
            [
                BestPractice.tags.through(bestpractice_id=pk, bestpracticetag_id=tag)
                for pk in practice_ids
                for tag in rng.sample(tag_ids, 2)
            ],
            batch_size=BATCH_SIZE,
        )


def _analyze() -> None:
    """Fresh planner statistics and visibility map: without them PostgreSQL plans for empty
    tables and cannot use index-only scans over the rows the final UPDATE rewrote, and the
    benchmark would measure that instead of the application. VACUUM cannot run inside a
    transaction (tests), so there only ANALYZE runs."""
    if connection.vendor != "postgresql":
        return
    models = (Organisation, User, Membership, KeyOutcome, ActionItem, Assignment, StatusUpdate)
    tables = [model._meta.db_table for model in (*models, ReviewSnapshot, BestPractice, LogEntry)]
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} " + ", ".join(connection.ops.quote_name(t) for t in tables))


def build_large_data(*, scale: float = 1.0) -> BuildReport:
    """Builds the data set at `scale` (1.0 = the sizes of DESIGN.md) into an empty roadmap, all
    or nothing. Raises LargeDataError when outcomes or assignments already exist."""
    return _Builder(scale=scale).run()
