"""Best practices: drafting, the review workflow, attachments.

Every write asks accounts.policy first and refuses in this order: Http404 when the user may not
see the best practice, PermissionDenied when they may see it but not do this, TransitionRefused
when the state does not allow it, ValidationError (keyed by field) for bad input. Nothing is
written when one is raised. The author is told of every step by e-mail once it is committed.
"""

import hashlib
import io
import secrets
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import policy
from accounts.choices import Releasability
from roadmap.models import ActionItem, CriticalMaterial, LineOfEffort
from tracker import notifications
from tracker.models import (
    BestPractice,
    BestPracticeAttachment,
    BestPracticeState,
    BestPracticeTag,
    BestPracticeTransition,
)

State = BestPracticeState
TITLE_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 1_000
BODY_MAX_LENGTH = 100_000
COMMENT_MAX_LENGTH = 5_000
TAG_MAX_LENGTH = 50
MAX_TAGS = 20
EDITABLE_STATES = {State.DRAFT, State.RETURNED}


class TransitionRefused(Exception):
    """The user may act on this best practice, but not from the state it is in (409)."""


# Attachments: what a file is, judged from its bytes


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    content_type: str
    extensions: frozenset[str]


FILE_KINDS = {
    kind.code: kind
    for kind in (
        FileKind("pdf", "PDF", "application/pdf", frozenset({".pdf"})),
        FileKind("png", "PNG", "image/png", frozenset({".png"})),
        FileKind("jpeg", "JPEG", "image/jpeg", frozenset({".jpg", ".jpeg"})),
        FileKind(
            "docx",
            "Word (DOCX)",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            frozenset({".docx"}),
        ),
        FileKind(
            "xlsx",
            "Excel (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            frozenset({".xlsx"}),
        ),
        FileKind("text", "plain text", "text/plain", frozenset({".txt", ".md", ".csv"})),
    )
}
EXECUTABLE_SIGNATURES = (
    b"MZ",  # Windows PE, DOS
    b"\x7fELF",  # Linux, BSD
    b"\xfe\xed\xfa\xce",  # Mach-O, both word sizes and byte orders
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # Mach-O universal, Java class
    b"#!",  # scripts
)


def _zip_kind(data: bytes) -> str | None:
    """A DOCX or XLSX is a zip with its part list and main part; one carrying macros is not."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.endswith("vbaProject.bin") for n in names):
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_file_kind(data: bytes) -> str | None:
    """The kind of file these bytes are, or None when they are none of the accepted kinds."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if _is_plain_text(data):
        return "text"
    return None


def _clean_file_name(name: str) -> str:
    """The last part of the name the browser sent, without control characters."""
    name = Path(str(name).replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"')
    stem, dot, extension = name.rpartition(".")
    if len(name) > TITLE_MAX_LENGTH:
        name = f"{stem[: TITLE_MAX_LENGTH - len(extension) - 1]}{dot}{extension}"
    return name.strip() or "attachment"


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    kind: FileKind


def _human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def check_attachment(upload: UploadedFile) -> CheckedFile:
    """Reads an upload and says what is wrong with it, judged by size and content, never by the
    name alone: an executable renamed to .pdf is refused."""
    name = _clean_file_name(upload.name or "")
    limit = settings.BEST_PRACTICE_ATTACHMENT_MAX_BYTES
    too_big = _("“%(name)s” is larger than %(limit)s, the most a file may be.") % {
        "name": name,
        "limit": _human_size(limit),
    }
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"attachment": [too_big]})
    chunks, total = [], 0
    upload.seek(0)
    for chunk in upload.chunks():
        total += len(chunk)
        if total > limit:
            raise ValidationError({"attachment": [too_big]})
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise ValidationError({"attachment": [_("“%(name)s” is empty.") % {"name": name}]})
    if data.startswith(EXECUTABLE_SIGNATURES):
        raise ValidationError(
            {
                "attachment": [
                    _("“%(name)s” is a program, whatever its name says; programs are not accepted.")
                    % {"name": name}
                ]
            }
        )
    allowed = [FILE_KINDS[code] for code in settings.BEST_PRACTICE_ATTACHMENT_TYPES]
    allowed_labels = ", ".join(kind.label for kind in allowed)
    code = sniff_file_kind(data)
    if code is None or code not in settings.BEST_PRACTICE_ATTACHMENT_TYPES:
        raise ValidationError(
            {
                "attachment": [
                    _("“%(name)s” is not a file of an accepted type (%(types)s).")
                    % {"name": name, "types": allowed_labels}
                ]
            }
        )
    kind = FILE_KINDS[code]
    if Path(name).suffix.lower() not in kind.extensions:
        raise ValidationError(
            {
                "attachment": [
                    _("“%(name)s” contains a %(kind)s file; name it with %(extensions)s.")
                    % {"name": name, "kind": kind.label, "extensions": ", ".join(kind.extensions)}
                ]
            }
        )
    return CheckedFile(name=name, data=data, kind=kind)


def attachment_root() -> Path:
    """The private folder of attachments; refuses one a web server would publish."""
    root = Path(settings.BEST_PRACTICE_ATTACHMENT_ROOT).resolve()
    for public in (settings.STATIC_ROOT, getattr(settings, "MEDIA_ROOT", "")):
        if public and root.is_relative_to(Path(public).resolve()):
            raise ImproperlyConfigured(
                "BEST_PRACTICE_ATTACHMENT_ROOT must not lie inside STATIC_ROOT or MEDIA_ROOT."
            )
    return root


def attachment_path(attachment: BestPracticeAttachment) -> Path:
    return attachment_root() / attachment.stored_name[:2] / attachment.stored_name


def _store(files: list[CheckedFile], *, best_practice: BestPractice, user, written: list[Path]):
    """Writes the files under random names and records them; `written` collects the paths so
    the caller can remove them if the transaction fails afterwards."""
    for checked in files:
        attachment = BestPracticeAttachment(
            best_practice=best_practice,
            stored_name=secrets.token_hex(24),
            original_name=checked.name,
            size=len(checked.data),
            content_type=checked.kind.content_type,
            sha256=hashlib.sha256(checked.data).hexdigest(),
            uploaded_by=user,
        )
        path = attachment_path(attachment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(checked.data)
        written.append(path)
        attachment.save()


def _remove_files(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


# Drafting


def _clean_tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = tags.split(",")
    names = []
    for raw in tags or []:
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ValidationError(
                {"tags": [_("A tag has at most %(max)d characters.") % {"max": TAG_MAX_LENGTH}]}
            )
        if name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise ValidationError({"tags": [_("At most %(max)d tags.") % {"max": MAX_TAGS}]})
    return names


def _check_content(*, user, values: dict) -> dict:
    """Checks the fields given and returns them cleaned; every error at once, by field."""
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "title" in values:
        title = values["title"]
        if not isinstance(title, str) or not title.strip():
            errors["title"] = [_("A title is required.")]
        elif len(title.strip()) > TITLE_MAX_LENGTH:
            errors["title"] = [_("At most %(max)d characters.") % {"max": TITLE_MAX_LENGTH}]
        else:
            cleaned["title"] = " ".join(title.split())
    for name, limit in (("summary", SUMMARY_MAX_LENGTH), ("body", BODY_MAX_LENGTH)):
        if name in values:
            text = values[name] or ""
            if not isinstance(text, str):
                errors[name] = [_("Text is required.")]
            elif len(text) > limit:
                errors[name] = [_("At most %(max)d characters.") % {"max": limit}]
            else:
                cleaned[name] = text.strip()
    if "organisation" in values:
        organisation = values["organisation"]
        if organisation is None or (
            organisation.pk not in policy.best_practice_organisation_ids(user)
        ):
            errors["organisation"] = [
                _("Choose an organisation you may submit best practices for.")
            ]
    if "releasability" in values:
        releasability = values["releasability"]
        if releasability not in Releasability.values:
            errors["releasability"] = [_("Choose who may read it.")]
        elif not policy.can_read_releasability(user, releasability):
            errors["releasability"] = [_("You may only mark it for readers you belong to.")]
    for name, model in (
        ("lines", LineOfEffort),
        ("actions", ActionItem),
        ("materials", CriticalMaterial),
    ):
        if name in values:
            items = list(values[name] or [])
            if any(not isinstance(item, model) for item in items):
                errors[name] = [_("Choose from the roadmap.")]
            cleaned[name] = items
    if "tags" in values:
        try:
            cleaned["tags"] = _clean_tags(values["tags"])
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _set_relations(best_practice: BestPractice, cleaned: dict) -> None:
    for name in ("lines", "actions", "materials"):
        if name in cleaned:
            getattr(best_practice, name).set(cleaned[name])
    if "tags" in cleaned:
        existing = {
            tag.name: tag for tag in BestPracticeTag.objects.filter(name__in=cleaned["tags"])
        }
        missing = [BestPracticeTag(name=name) for name in cleaned["tags"] if name not in existing]
        BestPracticeTag.objects.bulk_create(missing, ignore_conflicts=True)
        best_practice.tags.set(BestPracticeTag.objects.filter(name__in=cleaned["tags"]))


def _checked_files(attachments) -> list[CheckedFile]:
    return [check_attachment(upload) for upload in attachments or []]


def _write_with_files(work, files: list[CheckedFile], *, user):
    """Runs `work` (which returns the best practice) and stores the files in one transaction;
    files already on disk are removed again when anything fails."""
    written: list[Path] = []
    try:
        with transaction.atomic():
            best_practice = work()
            _store(files, best_practice=best_practice, user=user, written=written)
    except BaseException:
        _remove_files(written)
        raise
    return best_practice


def create_best_practice(
    *,
    user,
    title: str,
    organisation,
    summary: str = "",
    body: str = "",
    releasability: str = Releasability.NATO,
    lines: Iterable = (),
    actions: Iterable = (),
    materials: Iterable = (),
    tags: Iterable[str] | str = (),
    attachments: Iterable[UploadedFile] = (),
) -> BestPractice:
    """A new draft by `user` for `organisation`, with its attachments, or nothing at all."""
    if not policy.can_submit_best_practice(user):
        raise PermissionDenied(_("You may not submit best practices."))
    cleaned = _check_content(
        user=user,
        values={
            "title": title,
            "summary": summary,
            "body": body,
            "organisation": organisation,
            "releasability": releasability,
            "lines": lines,
            "actions": actions,
            "materials": materials,
            "tags": tags,
        },
    )
    files = _checked_files(attachments)

    def work():
        best_practice = BestPractice.objects.create(
            title=cleaned["title"],
            summary=cleaned["summary"],
            body=cleaned["body"],
            organisation=organisation,
            releasability=releasability,
            author=user,
        )
        _set_relations(best_practice, cleaned)
        return best_practice

    return _write_with_files(work, files, user=user)


def _visible_for_write(*, user, best_practice_id: int) -> BestPractice:
    """Locks the row; 404 when the user may not see it."""
    best_practice = (
        policy.visible_best_practices(user).select_for_update().filter(pk=best_practice_id).first()
    )
    if best_practice is None:
        raise Http404(_("No such best practice."))
    return best_practice


def _require_editable(*, user, best_practice: BestPractice) -> None:
    if not policy.can_author_best_practice(user, best_practice):
        raise PermissionDenied(_("Only its author may change a best practice."))
    if best_practice.state not in EDITABLE_STATES:
        raise TransitionRefused(
            _("A best practice can be changed only while it is a draft or returned to you.")
        )


CONTENT_FIELDS = {
    "title",
    "summary",
    "body",
    "organisation",
    "releasability",
    "lines",
    "actions",
    "materials",
    "tags",
}


def update_best_practice(
    *, user, best_practice_id: int, attachments: Iterable[UploadedFile] = (), **changes
) -> BestPractice:
    """Changes a draft or a returned best practice; only the fields given change."""
    unknown = set(changes) - CONTENT_FIELDS
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    files = _checked_files(attachments)

    def work():
        best_practice = _visible_for_write(user=user, best_practice_id=best_practice_id)
        _require_editable(user=user, best_practice=best_practice)
        cleaned = _check_content(user=user, values=changes)
        for name in ("title", "summary", "body", "organisation", "releasability"):
            if name in cleaned:
                setattr(best_practice, name, cleaned[name])
        best_practice.updated_at = timezone.now()
        best_practice.save()
        _set_relations(best_practice, cleaned)
        return best_practice

    return _write_with_files(work, files, user=user)


def add_attachments(
    *, user, best_practice_id: int, attachments: Iterable[UploadedFile]
) -> BestPractice:
    return update_best_practice(
        user=user, best_practice_id=best_practice_id, attachments=attachments
    )


def delete_attachment(*, user, attachment_id: int) -> None:
    attachment = (
        BestPracticeAttachment.objects.filter(
            pk=attachment_id, best_practice__in=policy.visible_best_practices(user)
        )
        .select_related("best_practice")
        .first()
    )
    if attachment is None:
        raise Http404(_("No such attachment."))
    with transaction.atomic():
        best_practice = _visible_for_write(user=user, best_practice_id=attachment.best_practice_id)
        _require_editable(user=user, best_practice=best_practice)
        path = attachment_path(attachment)
        attachment.delete()
        transaction.on_commit(lambda: _remove_files([path]))


# The workflow


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    by_author: bool
    comment_required: bool
    refused: str


TRANSITIONS = {
    transition.name: transition
    for transition in (
        Transition(
            "submit",
            frozenset(EDITABLE_STATES),
            State.SUBMITTED,
            by_author=True,
            comment_required=False,
            refused=gettext_lazy("Only a draft or a returned best practice can be submitted."),
        ),
        Transition(
            "start_review",
            frozenset({State.SUBMITTED}),
            State.UNDER_REVIEW,
            by_author=False,
            comment_required=False,
            refused=gettext_lazy("Only a submitted best practice can be taken under review."),
        ),
        Transition(
            "publish",
            frozenset({State.UNDER_REVIEW}),
            State.PUBLISHED,
            by_author=False,
            comment_required=False,
            refused=gettext_lazy("Only a best practice under review can be published."),
        ),
        Transition(
            "return",
            frozenset({State.SUBMITTED, State.UNDER_REVIEW}),
            State.RETURNED,
            by_author=False,
            comment_required=True,
            refused=gettext_lazy(
                "Only a submitted best practice or one under review can be returned."
            ),
        ),
        Transition(
            "reject",
            frozenset({State.SUBMITTED, State.UNDER_REVIEW}),
            State.REJECTED,
            by_author=False,
            comment_required=True,
            refused=gettext_lazy(
                "Only a submitted best practice or one under review can be rejected."
            ),
        ),
    )
}


def _refusal_message(transition: Transition, state: str) -> str:
    if transition.name == "submit" and state == State.REJECTED:
        return _("A rejected best practice cannot be resubmitted.")
    if state == State.PUBLISHED:
        return _("This best practice is already published.")
    return str(transition.refused)


def transition_best_practice(
    *, user, best_practice_id: int, action: str, comment: str = ""
) -> BestPractice:
    """Moves a best practice one step along the workflow and records who, when and why."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError({"action": [_("Unknown action.")]})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": [_("At most %(max)d characters.") % {"max": COMMENT_MAX_LENGTH}]}
        )
    with transaction.atomic():
        best_practice = _visible_for_write(user=user, best_practice_id=best_practice_id)
        if transition.by_author:
            if not policy.can_author_best_practice(user, best_practice):
                raise PermissionDenied(_("Only its author may submit a best practice."))
        elif not policy.can_review_best_practice(user):
            raise PermissionDenied(_("Only the secretariat reviews best practices."))
        elif not policy.can_decide_best_practice(user, best_practice):
            raise PermissionDenied(_("You cannot review or publish your own submission."))
        if best_practice.state not in transition.sources:
            raise TransitionRefused(_refusal_message(transition, best_practice.state))
        if transition.comment_required and not comment:
            raise ValidationError({"comment": [_("Tell the author why.")]})
        now = timezone.now()
        BestPracticeTransition.objects.create(
            best_practice=best_practice,
            actor=user,
            created_at=now,
            from_state=best_practice.state,
            to_state=transition.target,
            comment=comment,
        )
        best_practice.state = transition.target
        best_practice.updated_at = now
        if transition.target == State.SUBMITTED:
            best_practice.submitted_at = now
        if transition.target == State.PUBLISHED:
            best_practice.published_at = now
        best_practice.save(update_fields=["state", "updated_at", "submitted_at", "published_at"])
        notifications.notify_best_practice_step(
            best_practice=best_practice,
            to_state=transition.target,
            actor=user,
            comment=comment,
            now=now,
        )
        _notify_author_after_commit(best_practice_id=best_practice.pk)
    return best_practice


def submit_best_practice(*, user, best_practice_id: int, comment: str = "") -> BestPractice:
    return transition_best_practice(
        user=user, best_practice_id=best_practice_id, action="submit", comment=comment
    )


def start_best_practice_review(*, user, best_practice_id: int) -> BestPractice:
    return transition_best_practice(
        user=user, best_practice_id=best_practice_id, action="start_review"
    )


def publish_best_practice(*, user, best_practice_id: int, comment: str = "") -> BestPractice:
    return transition_best_practice(
        user=user, best_practice_id=best_practice_id, action="publish", comment=comment
    )


def return_best_practice(*, user, best_practice_id: int, comment: str) -> BestPractice:
    return transition_best_practice(
        user=user, best_practice_id=best_practice_id, action="return", comment=comment
    )


def reject_best_practice(*, user, best_practice_id: int, comment: str) -> BestPractice:
    return transition_best_practice(
        user=user, best_practice_id=best_practice_id, action="reject", comment=comment
    )


# Telling the author


def _notify_author_after_commit(*, best_practice_id: int) -> None:
    """The mail describes a committed step: a rolled-back one is never announced, and a failed
    mail (logged by Django) never undoes the step."""
    transaction.on_commit(
        lambda: send_transition_notice(best_practice_id=best_practice_id), robust=True
    )


def send_transition_notice(*, best_practice_id: int) -> bool:
    """Mails the author the latest step, in their language. Returns whether a mail went."""
    best_practice = BestPractice.objects.select_related("author", "organisation").get(
        pk=best_practice_id
    )
    last = best_practice.transitions.select_related("actor").order_by("-created_at", "-pk").first()
    author = best_practice.author
    if last is None or not author.email or not author.is_active:
        return False
    link = settings.REVIEW_SITE_URL.rstrip("/") + reverse(
        "best_practices:detail", args=[best_practice.pk]
    )
    with translation.override(author.language or settings.LANGUAGE_CODE):
        context = {
            "user": author,
            "best_practice": best_practice,
            "transition": last,
            "state": State(last.to_state).label,
            "link": link,
        }
        subject = " ".join(
            render_to_string("best_practices/email/transition_subject.txt", context).split()
        )
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("best_practices/email/transition.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[author.email],
        )
        message.attach_alternative(
            render_to_string("best_practices/email/transition.html", context), "text/html"
        )
    message.send()
    return True
