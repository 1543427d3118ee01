"""Page links come from one list (geogrid.navigation.LINKS): the top bar of every page and the home
page's buttons and admin links show what that list gives each role, the patrol link included."""
import re

import pytest

from geogrid.navigation import ADMIN, LINKS, links_for
from tests.support.world import world

pytestmark = pytest.mark.django_db

TOP_BAR = {
    "m_a": ["report", "patrols", "mine", "console", "care"],
    "head_a": ["report", "patrols", "mine", "console", "care", "care_due"],
    "cs1": ["report", "mine", "console", "patrols_staff", "stats", "facilities", "care_due", "care_stats"],
    "sd1": ["report", "mine", "console", "patrols_staff", "stats", "facilities", "care_due", "care_stats"],
    "da": ["report", "mine", "console", "patrols_staff", "stats", "facilities", "care_due", "care_stats"],
    "pn": ["mine", "placenames", "placename_queue", "placename_signs", "placename_buildings"],
}


def top_bar(html):
    nav = re.search(r'<header class="topbar">.*?</header>', html, re.S).group(0)
    return re.findall(r'data-link="(\w+)"', nav)


@pytest.mark.parametrize("who", list(TOP_BAR))
def test_the_top_bar_of_every_page_is_the_list_for_the_role(client, who):
    w = world()
    client.force_login(w[who])
    for page in ("/", "/incidents/mine/", "/map/"):
        assert top_bar(client.get(page).content.decode()) == TOP_BAR[who], page
    assert [link["key"] for link in links_for(w[who])] == TOP_BAR[who]


def test_staff_get_the_admin_link_and_their_admin_pages_from_the_same_list(client):
    w = world()
    for key in ("cs1", "pn"):
        w[key].is_staff = True
        w[key].save(update_fields=["is_staff"])
    client.force_login(w["cs1"])
    assert top_bar(client.get("/").content.decode()) == TOP_BAR["cs1"] + ["admin"]
    assert links_for(w["cs1"], ADMIN) == []
    client.force_login(w["pn"])
    html = client.get("/").content.decode()
    assert top_bar(html) == TOP_BAR["pn"] + ["admin"]
    for link in links_for(w["pn"], ADMIN):  # roads and signs, on the home page's admin card
        assert f'href="{link["url"]}"' in html


def test_the_home_buttons_are_the_top_links_with_the_patrol_named_for_its_state(client):
    w = world()
    client.force_login(w["m_a"])
    html = client.get("/").content.decode()
    buttons = re.search(r'<nav class="home-actions".*?</nav>', html, re.S).group(0)
    assert [label for label in re.findall(r">([^<>]+)</a>", buttons)] == ["上报事件", "开始巡查", "我的上报", "案卷", "本周走访"]


def test_every_link_names_a_page_that_exists():
    from django.urls import reverse

    for link in LINKS:
        reverse(link.url_name)  # NoReverseMatch would fail here
