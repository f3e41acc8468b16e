from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.choices import Releasability
from accounts.models import Organisation
from roadmap.models import ActionItem, CriticalMaterial, LineOfEffort
from tracker.best_practices import COMMENT_MAX_LENGTH, MAX_TAGS, TAG_MAX_LENGTH
from tracker.markdown import render_markdown
from tracker.models import BestPractice, BestPracticeAttachment, BestPracticeTransition


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = BestPracticeAttachment
        fields = ["id", "name", "size", "content_type", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        return reverse("tracker-api:best-practice-attachment-detail", args=[attachment.pk])


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", read_only=True)

    class Meta:
        model = BestPracticeTransition
        fields = ["created_at", "actor", "from_state", "to_state", "comment"]
        read_only_fields = fields


class BestPracticeSerializer(serializers.ModelSerializer):
    """A best practice as its reader sees it; `body_html` is the sanitised rendering."""

    organisation = serializers.CharField(source="organisation.code", read_only=True)
    author = serializers.EmailField(source="author.email", read_only=True)
    body_html = serializers.SerializerMethodField()
    lines = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    materials = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    tags = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = BestPractice
        fields = [
            "id",
            "title",
            "summary",
            "body",
            "body_html",
            "organisation",
            "author",
            "releasability",
            "state",
            "lines",
            "materials",
            "tags",
            "created_at",
            "updated_at",
            "submitted_at",
            "published_at",
        ]
        read_only_fields = fields

    def get_body_html(self, best_practice) -> str:
        return str(render_markdown(best_practice.body))


class BestPracticeDetailSerializer(BestPracticeSerializer):
    """One best practice with its actions, files and, for its author and the secretariat, the
    review exchange."""

    actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(BestPracticeSerializer.Meta):
        fields = [*BestPracticeSerializer.Meta.fields, "actions", "attachments", "history"]
        read_only_fields = fields

    def get_history(self, best_practice) -> list[dict]:
        if not self.context.get("show_history"):
            return []
        return TransitionSerializer(best_practice.transitions.all(), many=True).data


class BestPracticeInputSerializer(serializers.Serializer):
    """What a draft is written from; codes name the organisation, lines, actions, materials."""

    title = serializers.CharField(max_length=200, allow_blank=True)
    summary = serializers.CharField(max_length=1000, allow_blank=True, required=False)
    body = serializers.CharField(max_length=100_000, allow_blank=True, required=False)
    organisation = serializers.SlugRelatedField(
        slug_field="code", queryset=Organisation.objects.all()
    )
    releasability = serializers.ChoiceField(choices=Releasability.choices, required=False)
    lines = serializers.SlugRelatedField(
        slug_field="code", queryset=LineOfEffort.objects.all(), many=True, required=False
    )
    actions = serializers.SlugRelatedField(
        slug_field="code", queryset=ActionItem.objects.all(), many=True, required=False
    )
    materials = serializers.SlugRelatedField(
        slug_field="slug", queryset=CriticalMaterial.objects.all(), many=True, required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH),
        max_length=MAX_TAGS,
        required=False,
    )


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        allow_blank=True,
        required=False,
        default="",
        help_text=_("Required to return or reject: it is sent to the author."),
    )


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField()
