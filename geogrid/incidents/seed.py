"""The seed set of incident categories for grid work (data only: the data migration and the tests
use it). Hours per stage override GEOGRID_INCIDENT_STAGE_HOURS; edit them in the admin."""

CATEGORIES = [
    # code, name, default 五办 mode, hours per stage
    ("safety_hazard", "安全隐患", "expedite", {"reported": 1, "registered": 2, "dispatched": 2, "handling": 24, "handled": 12, "verified": 12}),
    ("fire_hazard", "消防隐患", "immediate", {"reported": 1, "registered": 1, "dispatched": 1, "handling": 12, "handled": 12, "verified": 12}),
    ("dispute", "矛盾纠纷", "visit", {"reported": 4, "registered": 8, "dispatched": 4, "handling": 72, "handled": 24, "verified": 24}),
    ("person_in_need", "困难群众求助", "visit", {"reported": 2, "registered": 4, "dispatched": 4, "handling": 48, "handled": 24, "verified": 24}),
    ("environment", "环境卫生", "immediate", {"reported": 4, "registered": 8, "dispatched": 4, "handling": 24, "handled": 24, "verified": 24}),
    ("damaged_facility", "公共设施损坏", "help", {"reported": 4, "registered": 8, "dispatched": 8, "handling": 120, "handled": 48, "verified": 24}),
    ("illegal_construction", "违法建设", "help", {"reported": 4, "registered": 8, "dispatched": 8, "handling": 168, "handled": 48, "verified": 24}),
    ("other", "其他", "proactive", {}),
]


# Hazards are handled at any hour: their time limits run on the clock, the others in working time.
ROUND_THE_CLOCK = {"safety_hazard", "fire_hazard"}


def seed(IncidentCategory):
    """Create the categories that are missing (existing rows, maybe edited, are left alone)."""
    has_clock = any(f.name == "working_time" for f in IncidentCategory._meta.fields)  # not in early migrations
    for order, (code, name, mode, limits) in enumerate(CATEGORIES, start=1):
        defaults = {"name": name, "default_mode": mode, "time_limits": limits, "order": order * 10}
        if has_clock:
            defaults["working_time"] = code not in ROUND_THE_CLOCK
        IncidentCategory.objects.get_or_create(code=code, defaults=defaults)
