"""The seed set of care categories (data: the data migration, the demo and the tests use it). The
intervals are a starting point; the bureau edits them in the admin."""

CATEGORIES = [
    # code, name, visit interval in days
    ("elderly_alone", "独居/空巢老人", 7),
    ("extreme_poverty", "特困供养人员", 14),
    ("child_in_difficulty", "困境儿童", 14),
    ("minimum_living", "低保对象", 30),
    ("disabled", "残疾人", 30),
    ("other", "其他", 30),
]


def seed(CareCategory):
    """Create the categories that are missing (existing rows, maybe edited, are left alone)."""
    for order, (code, name, days) in enumerate(CATEGORIES, start=1):
        CareCategory.objects.get_or_create(code=code, defaults={"name": name, "visit_interval_days": days, "order": order})
