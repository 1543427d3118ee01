"""{% incident_links user as links %}: the incident pages this user may open (top bar)."""
from django import template

from geogrid.grids.views import links_for

register = template.Library()


@register.simple_tag
def incident_links(user):
    return links_for(user)
