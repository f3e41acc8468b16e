"""A small valid roadmap document and a snapshot of everything the loader can write."""

import copy
import json
from pathlib import Path

import yaml

from accounts.models import Organisation
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from tracker.models import StatusUpdate

SHIPPED_ROADMAP = Path(__file__).resolve().parents[2] / "roadmap" / "data" / "roadmap.yaml"

VALID = {
    "roadmap": {
        "code": "DCSCSR",
        "title": "Defence-Critical Supply Chain Security Roadmap",
        "endorsed": "June 2024",
    },
    "organisations": [
        {"code": "FRA", "name": "France", "kind": "ally", "iso3": "FRA", "joined_year": 1949},
        {"code": "DEU", "name": "Germany", "kind": "ally", "iso3": "DEU", "joined_year": 1955},
        {"code": "DIPB", "name": "Defence Industrial Production Board", "kind": "board"},
    ],
    "lines_of_effort": [
        {"code": "LOE-1", "title": "Awareness", "title_status": "working"},
        {"code": "LOE-2", "title": "Sharing best practices"},
    ],
    "key_outcomes": [
        {"code": "LOE-1.KO-1", "line": "LOE-1", "title": "Shared picture", "illustrative": True},
        {"code": "LOE-2.KO-1", "line": "LOE-2", "title": "Approaches shared"},
    ],
    "action_items": [
        {
            "code": "LOE-1.KO-1.A-1",
            "outcome": "LOE-1.KO-1",
            "title": "Map national sources",
            "description": "Who mines and refines what.",
            "due_date": "2026-06-30",
            "illustrative": True,
        },
        {"code": "LOE-2.KO-1.A-3", "outcome": "LOE-2.KO-1", "title": "Publish an approach"},
    ],
    "assignments": [
        {
            "action": "LOE-1.KO-1.A-1",
            "organisation": "FRA",
            "role": "lead",
            "due_date": "2026-06-30",
            "status": "on_track",
            "progress": 40,
        },
        {"action": "LOE-1.KO-1.A-1", "organisation": "DEU", "status": "at_risk", "progress": 10},
        {"action": "LOE-2.KO-1.A-3", "organisation": "DIPB", "role": "lead"},
    ],
}


def valid_data() -> dict:
    return copy.deepcopy(VALID)


def write_file(directory: Path, data, name: str = "roadmap.yaml") -> Path:
    path = directory / name
    if path.suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def database_state() -> dict:
    """Every row the loader writes, by kind, with the fields it sets."""
    return {
        "roadmaps": list(Roadmap.objects.values_list("code", "title", "endorsed", "summary")),
        "organisations": list(
            Organisation.objects.order_by("code").values_list("code", "name", "kind", "iso3")
        ),
        "lines": list(LineOfEffort.objects.values_list("code", "number", "title", "roadmap")),
        "outcomes": list(KeyOutcome.objects.values_list("code", "number", "title", "line")),
        "actions": list(
            ActionItem.objects.values_list("code", "number", "title", "outcome", "due_date")
        ),
        "assignments": list(
            Assignment.objects.values_list(
                "action__code", "organisation__code", "role", "status", "progress", "version"
            )
        ),
        "status_updates": list(
            StatusUpdate.objects.order_by("pk").values_list(
                "assignment__action__code",
                "assignment__organisation__code",
                "status",
                "progress",
                "base_version",
                "version",
            )
        ),
    }
