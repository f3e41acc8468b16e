"""`{% action_materials action %}`: the materials an action item addresses, for its page."""

from django import template

from roadmap.material_selectors import materials_for_action

register = template.Library()


@register.inclusion_tag("materials/_action_materials.html", takes_context=True)
def action_materials(context, action) -> dict:
    """One query; shows only materials the viewing user may see."""
    return {
        "action": action,
        "mitigations": materials_for_action(user=context["request"].user, action=action),
    }
