"""Remove from the shared tile store every layer version but the current one (a bump removes the
old versions by itself; this clears what a race, a crash or a restored database left behind)."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from layers import tilestore, versions
from layers.registry import registry


class Command(BaseCommand):
    help = _("删除瓦片库中各图层非当前版本的矢量瓦片")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help=_("删除全部已存瓦片（如恢复数据库之后）"))

    def handle(self, *args, **options):
        public = [layer.name for layer in registry if not layer.login_required]
        current = {} if options["all"] else versions.versions(public)
        removed = tilestore.prune_all(current)
        self.stdout.write(_("已从 %(dir)s 删除 %(n)s 个旧版本目录") % {"dir": tilestore.root(), "n": removed})
