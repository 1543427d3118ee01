"""One Django group per role (geogrid.accounts.roles.Role) with the permissions of ROLE_PERMISSIONS.
Patterns are "app.codename", where "app.*" and "app.view_*" expand over the app's permissions."""
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from geogrid.accounts.roles import ROLE_PERMISSIONS, Role


@dataclass
class RolesResult:
    groups_created: int = 0
    groups_updated: int = 0  # existing groups that were missing permissions
    permissions_added: int = 0
    unchanged: int = 0  # groups that already had every permission
    per_role: list = field(default_factory=list)  # (role code, label, permissions held)


def expand(patterns, permissions):
    """The permissions matching any pattern; a pattern matching none is a mistake in the table."""
    out = set()
    for pattern in patterns:
        hits = {p for p in permissions if fnmatchcase(f"{p.content_type.app_label}.{p.codename}", pattern)}
        if not hits:
            raise ValueError(f"ROLE_PERMISSIONS: {pattern!r} matches no permission (is the app installed and migrated?)")
        out |= hits
    return out


def create_roles():
    """Create the missing role groups and add the missing permissions. Permissions given to a
    group by hand in the admin are left alone. Idempotent."""
    result = RolesResult()
    permissions = list(Permission.objects.select_related("content_type"))
    with transaction.atomic():
        for role in Role:
            group, created = Group.objects.get_or_create(name=role.value)
            result.groups_created += created
            wanted = expand(ROLE_PERMISSIONS.get(role, []), permissions)
            have = set(group.permissions.values_list("pk", flat=True))
            missing = [p for p in wanted if p.pk not in have]
            if missing:
                group.permissions.add(*missing)
                result.permissions_added += len(missing)
                result.groups_updated += not created
            elif not created:
                result.unchanged += 1
            result.per_role.append((role.value, str(role.label), len(have) + len(missing)))
    return result
