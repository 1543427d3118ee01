"""python manage.py create_roles: one group per role with its permissions (idempotent)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.accounts.management.groups import create_roles
from geogrid.cli import table


class Command(BaseCommand):
    help = _("创建各角色的用户组并授予权限（可重复执行）")

    def handle(self, *args, **options):
        try:
            result = create_roles()
        except ValueError as exc:
            raise CommandError(str(exc))
        if options["verbosity"] > 1:
            for line in table([_("角色"), _("名称"), _("权限数")], result.per_role, "llr"):
                self.stdout.write(line)
        self.stdout.write(_("角色组：新建 %(g)s 个，新增权限 %(p)s 项，%(u)s 个组无变化（共 %(n)s 个角色）") % {
            "g": result.groups_created, "p": result.permissions_added, "u": result.unchanged, "n": len(result.per_role)})
