"""Reading and checking roadmap data files.

Nothing here writes. A document is checked as a whole so that one run reports every problem in
the file; the loader in `roadmap.services` writes only when the check finds none.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml
from django.utils.translation import gettext as _

from accounts.choices import NATION_KINDS, OrganisationKind, Releasability
from accounts.models import Organisation
from roadmap.choices import AssignmentRole, Status, TitleStatus
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap

SECTIONS = (
    "roadmap",
    "organisations",
    "lines_of_effort",
    "key_outcomes",
    "action_items",
    "assignments",
)

# Codes carry their own number and their parent's code, so neither can drift from the other.
# No leading zeros: LOE-02 would otherwise be a second code for line number 2.
_NUMBER = r"[1-9]\d{0,3}"
UPPER_CODE = re.compile(r"[A-Z][A-Z0-9-]*")
LINE_CODE = re.compile(rf"LOE-({_NUMBER})")
OUTCOME_CODE = re.compile(rf"(LOE-{_NUMBER})\.KO-({_NUMBER})")
ACTION_CODE = re.compile(rf"(LOE-{_NUMBER}\.KO-{_NUMBER})\.A-({_NUMBER})")
ISO3 = re.compile(r"[A-Z]{3}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class RoadmapLoadError(ValueError):
    """A data file that cannot be loaded; `messages` lists every problem found in it."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


class _Invalid(Exception):
    """One value's problem; the caller prefixes the record and field it belongs to."""


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, list):
        return _("a list")
    return str(value)


Check = Callable[[object], object]


def _text(*, max_length: int | None = None, blank: bool = True) -> Check:
    def check(value):
        if value is None:
            if blank:
                return ""
            raise _Invalid(_("is required"))
        if not isinstance(value, str):
            raise _Invalid(_("must be text, got %(value)s") % {"value": _shown(value)})
        value = value.strip()
        if not value and not blank:
            raise _Invalid(_("must not be blank"))
        if max_length is not None and len(value) > max_length:
            raise _Invalid(
                _("must be at most %(max)d characters, got %(length)d")
                % {"max": max_length, "length": len(value)}
            )
        return value

    return check


def _code(pattern: re.Pattern, example: str, *, max_length: int, blank: bool = False) -> Check:
    as_text = _text(max_length=max_length, blank=blank)

    def check(value):
        value = as_text(value)
        if value and not pattern.fullmatch(value):
            raise _Invalid(
                _("must look like %(example)s, got %(value)s")
                % {"example": example, "value": _shown(value)}
            )
        return value

    return check


def _integer(*, minimum: int, maximum: int) -> Check:
    def check(value):
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (minimum <= value <= maximum)
        ):
            raise _Invalid(
                _("must be an integer from %(min)d to %(max)d, got %(value)s")
                % {"min": minimum, "max": maximum, "value": _shown(value)}
            )
        return value

    return check


def _boolean(value):
    if not isinstance(value, bool):
        raise _Invalid(_("must be true or false, got %(value)s") % {"value": _shown(value)})
    return value


def _date(value):
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(_("must be a date written YYYY-MM-DD, got %(value)s") % {"value": _shown(value)})


def _choice(choices) -> Check:
    def check(value):
        if value not in choices.values:
            raise _Invalid(
                _("unknown value %(value)s (allowed: %(allowed)s)")
                % {"value": _shown(value), "allowed": ", ".join(choices.values)}
            )
        return value

    return check


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = False
    attr: str = ""  # model attribute, when it differs from the key in the file


_TITLE = Field(_text(max_length=300, blank=False), required=True)

FIELDS: dict[str, dict[str, Field]] = {
    "roadmap": {
        "code": Field(_code(UPPER_CODE, "DCSCSR", max_length=40), required=True),
        "title": _TITLE,
        "endorsed": Field(_text(max_length=100)),
        "summary": Field(_text()),
        "source": Field(_text()),
    },
    "organisations": {
        "code": Field(_code(UPPER_CODE, "FRA", max_length=20), required=True),
        "name": Field(_text(max_length=200, blank=False), required=True),
        "kind": Field(_choice(OrganisationKind), required=True),
        "iso3": Field(_code(ISO3, "FRA", max_length=3, blank=True)),
        "joined_year": Field(_integer(minimum=1900, maximum=2100)),
        "summary": Field(_text()),
        "source": Field(_text()),
    },
    "lines_of_effort": {
        "code": Field(_code(LINE_CODE, "LOE-2", max_length=20), required=True),
        "title": _TITLE,
        "title_status": Field(_choice(TitleStatus)),
        "summary": Field(_text()),
        "source": Field(_text()),
    },
    "key_outcomes": {
        "code": Field(_code(OUTCOME_CODE, "LOE-2.KO-1", max_length=30), required=True),
        "line": Field(_text(blank=False), required=True),
        "title": _TITLE,
        "description": Field(_text()),
        "illustrative": Field(_boolean, attr="is_illustrative"),
    },
    "action_items": {
        "code": Field(_code(ACTION_CODE, "LOE-2.KO-1.A-3", max_length=40), required=True),
        "outcome": Field(_text(blank=False), required=True),
        "title": _TITLE,
        "description": Field(_text()),
        "due_date": Field(_date),
        "illustrative": Field(_boolean, attr="is_illustrative"),
    },
    "assignments": {
        "action": Field(_text(blank=False), required=True),
        "organisation": Field(_text(blank=False), required=True),
        "role": Field(_choice(AssignmentRole)),
        "due_date": Field(_date),
        "status": Field(_choice(Status)),
        "progress": Field(_integer(minimum=0, maximum=100)),
        "releasability": Field(_choice(Releasability)),
    },
}

# Section -> (field naming the parent, pattern whose first group is the parent's code).
_PARENTS = {
    "key_outcomes": ("line", OUTCOME_CODE),
    "action_items": ("outcome", ACTION_CODE),
}
_NUMBERED = {
    "lines_of_effort": LINE_CODE,
    "key_outcomes": OUTCOME_CODE,
    "action_items": ACTION_CODE,
}


@dataclass
class Record:
    """One checked record: `values` holds model attributes for the keys the file gave.

    Keys the file leaves out are not in `values`, so an update keeps what the database holds.
    Parent references stay codes here; the writer turns them into ids.
    """

    where: str  # position in the file, e.g. key_outcomes[2]
    label: str  # position and key, e.g. key_outcomes[2] (LOE-9.KO-1)
    key: object  # the code, or (action, organisation); None when not usable
    values: dict[str, object]
    invalid: set[str] = field(default_factory=set)  # keys given in the file but refused


@dataclass
class CheckedDocument:
    roadmap: Record | None = None
    line_roadmap_id: int | None = None  # existing roadmap for lines when the file names none
    sections: dict[str, list[Record]] = field(default_factory=dict)


def _record_key(section: str, item: dict) -> object:
    if section == "assignments":
        action, organisation = item.get("action"), item.get("organisation")
        if isinstance(action, str) and isinstance(organisation, str):
            return (action.strip(), organisation.strip())
        return None
    code = item.get("code")
    return code.strip() if isinstance(code, str) else None


def _label(base: str, key: object) -> str:
    if key is None:
        return base
    return f"{base} ({'/'.join(key) if isinstance(key, tuple) else key})"


def _check_record(section: str, base: str, item: object, errors: list[str]) -> Record | None:
    if not isinstance(item, dict):
        errors.append(
            f"{base}: " + _("must be a mapping of fields, got %(value)s") % {"value": _shown(item)}
        )
        return None
    fields = FIELDS[section]
    key = _record_key(section, item)
    label = _label(base, key)
    values = {}
    invalid = set()
    for name in item:
        if name not in fields:
            errors.append(
                f"{label}: {name}: "
                + _("unknown field (allowed: %(allowed)s)") % {"allowed": ", ".join(fields)}
            )
    for name, spec in fields.items():
        if name not in item:
            if spec.required:
                errors.append(f"{label}: {name}: " + _("is required"))
            continue
        try:
            values[spec.attr or name] = spec.check(item[name])
        except _Invalid as problem:
            errors.append(f"{label}: {name}: {problem}")
            invalid.add(name)
    if section in _NUMBERED and "code" in values:
        values["number"] = int(_NUMBERED[section].fullmatch(values["code"]).groups()[-1])
    if section == "assignments":
        usable = "action" in values and "organisation" in values
        valid_key = (values["action"], values["organisation"]) if usable else None
    else:
        valid_key = values.get("code")
    return Record(where=base, label=label, key=valid_key, values=values, invalid=invalid)


def _check_section(section: str, raw: object, errors: list[str]) -> list[Record]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        errors.append(
            f"{section}: " + _("must be a list of records, got %(value)s") % {"value": _shown(raw)}
        )
        return []
    records = []
    for index, item in enumerate(raw):
        record = _check_record(section, f"{section}[{index}]", item, errors)
        if record is not None:
            records.append(record)
    return records


def _check_duplicates(section: str, records: list[Record], errors: list[str]) -> list[Record]:
    """Reports repeated keys and returns the records whose key is usable for later checks."""
    first: dict[object, str] = {}
    keyed = []
    for record in records:
        if record.key is None:
            continue
        if record.key in first:
            if section == "assignments":
                action, organisation = record.key
                errors.append(
                    f"{record.label}: organisation: "
                    + _("%(org)s is assigned to %(action)s again; first at %(first)s")
                    % {
                        "org": repr(organisation),
                        "action": repr(action),
                        "first": first[record.key],
                    }
                )
            else:
                errors.append(
                    f"{record.label}: code: "
                    + _("%(code)s appears again; first at %(first)s")
                    % {"code": repr(record.key), "first": first[record.key]}
                )
            continue
        first[record.key] = record.where
        keyed.append(record)
    return keyed


def _check_parents(section: str, records: list[Record], known: set[str], errors: list[str]) -> None:
    parent_field, pattern = _PARENTS[section]
    noun = {"line": _("line of effort"), "outcome": _("key outcome")}[parent_field]
    for record in records:
        parent = record.values.get(parent_field)
        if parent is None:
            continue
        if parent not in known:
            errors.append(
                f"{record.label}: {parent_field}: "
                + _("unknown %(noun)s %(code)s") % {"noun": noun, "code": repr(parent)}
            )
        elif record.key is not None and pattern.fullmatch(record.key).group(1) != parent:
            errors.append(
                f"{record.label}: code: "
                + _("must start with the code of its %(noun)s, %(prefix)s")
                % {"noun": noun, "prefix": repr(f"{parent}.")}
            )


def _check_organisations(records: list[Record], errors: list[str]) -> None:
    """Allies and partners need an ISO code, and no two organisations may share one."""
    stored = Organisation.objects.in_bulk([r.key for r in records], field_name="code")
    holder: dict[str, str] = {}
    for record in records:
        if "iso3" in record.invalid:
            continue
        current = stored.get(record.key)
        iso3 = record.values.get("iso3", current.iso3 if current else "")
        kind = record.values.get("kind")
        if not iso3 and kind in NATION_KINDS:
            errors.append(f"{record.label}: iso3: " + _("is required for allies and partners"))
        elif iso3 in holder:
            errors.append(
                f"{record.label}: iso3: "
                + _("%(iso3)s is also used by %(other)s")
                % {"iso3": repr(iso3), "other": holder[iso3]}
            )
        if iso3:
            holder.setdefault(iso3, record.label)
    others = Organisation.objects.filter(iso3__in=list(holder)).exclude(
        code__in=[r.key for r in records]
    )
    for other in others:
        errors.append(
            f"{holder[other.iso3]}: iso3: "
            + _("%(iso3)s already belongs to organisation %(code)s")
            % {"iso3": repr(other.iso3), "code": repr(other.code)}
        )


def _check_assignments(
    records: list[Record],
    keyed: list[Record],
    known_actions: set[str],
    known_organisations: set[str],
    errors: list[str],
) -> None:
    """Parents must exist, and each action keeps at most one lead once the file is applied."""
    for record in records:
        action = record.values.get("action")
        organisation = record.values.get("organisation")
        if action is not None and action not in known_actions:
            errors.append(
                f"{record.label}: action: "
                + _("unknown action item %(code)s") % {"code": repr(action)}
            )
        if organisation is not None and organisation not in known_organisations:
            errors.append(
                f"{record.label}: organisation: "
                + _("unknown organisation %(code)s") % {"code": repr(organisation)}
            )
    in_file = {r.key for r in keyed}
    stored_roles = {
        (action, organisation): role
        for action, organisation, role in Assignment.objects.filter(
            action__code__in={action for action, _org in in_file}
        ).values_list("action__code", "organisation__code", "role")
    }
    leads: dict[str, list[str]] = {}
    for key, role in stored_roles.items():
        if role == AssignmentRole.LEAD and key not in in_file:
            leads.setdefault(key[0], []).append(key[1])
    for record in keyed:
        action, organisation = record.key
        role = record.values.get("role", stored_roles.get(record.key, AssignmentRole.CONTRIBUTOR))
        if role != AssignmentRole.LEAD:
            continue
        if leads.get(action):
            errors.append(
                f"{record.label}: role: "
                + _("action item %(action)s already has a lead (%(leads)s)")
                % {"action": repr(action), "leads": ", ".join(leads[action])}
            )
        leads.setdefault(action, []).append(organisation)


def _codes_in_database(model, codes: set[str]) -> set[str]:
    return set(model.objects.filter(code__in=codes).values_list("code", flat=True))


def check_document(data: object) -> CheckedDocument:
    """Checks a whole document against the file format and the database; raises on any error."""
    if not isinstance(data, dict):
        raise RoadmapLoadError(
            [
                _("top level: must be a mapping of sections (%(sections)s), got %(value)s")
                % {"sections": ", ".join(SECTIONS), "value": _shown(data)}
            ]
        )
    errors: list[str] = []
    for name in data:
        if name not in SECTIONS:
            errors.append(
                _("top level: unknown section %(name)s (allowed: %(sections)s)")
                % {"name": _shown(name), "sections": ", ".join(SECTIONS)}
            )
    document = CheckedDocument()

    raw_roadmap = data.get("roadmap")
    if raw_roadmap is not None:
        document.roadmap = _check_record("roadmap", "roadmap", raw_roadmap, errors)

    all_records = {s: _check_section(s, data.get(s), errors) for s in SECTIONS[1:]}
    keyed = {s: _check_duplicates(s, records, errors) for s, records in all_records.items()}
    document.sections = keyed

    if all_records["lines_of_effort"] and raw_roadmap is None:
        roadmaps = list(Roadmap.objects.values_list("pk", flat=True)[:2])
        if len(roadmaps) == 1:
            document.line_roadmap_id = roadmaps[0]
        else:
            errors.append(
                "lines_of_effort: "
                + (
                    _("no roadmap exists to attach the lines to; add a 'roadmap' section")
                    if not roadmaps
                    else _("several roadmaps exist; add a 'roadmap' section to choose one")
                )
            )

    def known(section: str, model, referenced: set[str]) -> set[str]:
        in_file = {r.key for r in keyed[section]}
        return in_file | _codes_in_database(model, referenced - in_file)

    def referenced(section: str, name: str) -> set[str]:
        return {r.values[name] for r in all_records[section] if name in r.values}

    _check_parents(
        "key_outcomes",
        all_records["key_outcomes"],
        known("lines_of_effort", LineOfEffort, referenced("key_outcomes", "line")),
        errors,
    )
    _check_parents(
        "action_items",
        all_records["action_items"],
        known("key_outcomes", KeyOutcome, referenced("action_items", "outcome")),
        errors,
    )
    _check_organisations(keyed["organisations"], errors)
    _check_assignments(
        all_records["assignments"],
        keyed["assignments"],
        known("action_items", ActionItem, referenced("assignments", "action")),
        known("organisations", Organisation, referenced("assignments", "organisation")),
        errors,
    )
    if errors:
        raise RoadmapLoadError(sorted(errors, key=_file_order))
    return document


_POSITION = re.compile(r"(\w+)(?:\[(\d+)\])?")


def _file_order(message: str) -> tuple[int, int]:
    """Sorts messages by the record they name, in file-format order; stable within a record."""
    section, index = _POSITION.match(message).groups()
    rank = SECTIONS.index(section) if section in SECTIONS else -1
    return (rank, int(index) if index else -1)


class _StrictYamlLoader(yaml.SafeLoader):
    """Refuses repeated keys, which plain YAML would silently let the last one win."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"repeated key {key_node.value!r}", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


# Dates stay text so that an impossible one (2026-02-30) is reported against its record.
_StrictYamlLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _refuse_repeated_keys(pairs):
    mapping = {}
    for key, value in pairs:
        if key in mapping:
            raise ValueError(f"repeated key {key!r}")
        mapping[key] = value
    return mapping


def read_document(path: Path) -> object:
    """Parses a .yaml, .yml or .json file into Python data, turning every failure into a message."""
    if path.suffix.lower() not in {".yaml", ".yml", ".json"}:
        raise RoadmapLoadError(
            [
                _("%(path)s: unsupported file type %(suffix)s; use .yaml, .yml or .json")
                % {"path": path, "suffix": repr(path.suffix)}
            ]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise RoadmapLoadError([_("%(path)s: no such file") % {"path": path}]) from exc
    except UnicodeDecodeError as exc:
        raise RoadmapLoadError([_("%(path)s: not UTF-8 text") % {"path": path}]) from exc
    except OSError as exc:
        raise RoadmapLoadError(
            [_("%(path)s: cannot read: %(error)s") % {"path": path, "error": exc.strerror}]
        ) from exc

    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, object_pairs_hook=_refuse_repeated_keys)
        except json.JSONDecodeError as exc:
            raise RoadmapLoadError(
                [
                    _("%(path)s: invalid JSON at line %(line)d, column %(column)d: %(error)s")
                    % {"path": path, "line": exc.lineno, "column": exc.colno, "error": exc.msg}
                ]
            ) from exc
        except ValueError as exc:
            raise RoadmapLoadError(
                [_("%(path)s: invalid JSON: %(error)s") % {"path": path, "error": exc}]
            ) from exc
    else:
        try:
            data = yaml.load(text, Loader=_StrictYamlLoader)
        except yaml.MarkedYAMLError as exc:
            if exc.problem_mark is None:
                raise RoadmapLoadError(
                    [_("%(path)s: invalid YAML: %(error)s") % {"path": path, "error": exc}]
                ) from exc
            mark = exc.problem_mark
            raise RoadmapLoadError(
                [
                    _("%(path)s: invalid YAML at line %(line)d, column %(column)d: %(error)s")
                    % {
                        "path": path,
                        "line": mark.line + 1,
                        "column": mark.column + 1,
                        "error": exc.problem,
                    }
                ]
            ) from exc
        except yaml.YAMLError as exc:
            raise RoadmapLoadError(
                [_("%(path)s: invalid YAML: %(error)s") % {"path": path, "error": exc}]
            ) from exc
    if data is None:
        raise RoadmapLoadError([_("%(path)s: the file is empty") % {"path": path}])
    return data
