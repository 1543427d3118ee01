"""The seed set of district functional departments (区职能部门): data only — the data migration
and the tests use it; the bureau edits, adds and deactivates departments in the admin."""

DEPARTMENTS = [
    # code, name
    ("urban_management", "城管"),
    ("housing_construction", "住建"),
    ("market_regulation", "市场监管"),
    ("police_station", "公安派出所"),
    ("civil_affairs", "民政"),
    ("emergency_management", "应急管理"),
]


def seed_departments(Department):
    """Create the departments that are missing, by code or name (existing rows, maybe edited, are
    left alone). Returns how many were created."""
    created = 0
    for order, (code, name) in enumerate(DEPARTMENTS, start=1):
        if not Department.objects.filter(code=code).exists() and not Department.objects.filter(name=name).exists():
            Department.objects.create(code=code, name=name, order=order * 10)
            created += 1
    return created
