from django import template

from support.selectors import organisation_support

register = template.Library()


@register.simple_tag
def support_summary(organisation, user):
    """What the support programmes know about ``organisation``, as ``user`` may see it."""
    return organisation_support(organisation, user)
