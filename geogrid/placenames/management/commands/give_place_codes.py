"""python manage.py give_place_codes [--dry-run]: give the standard and historical road names that
have none (loaded from elsewhere, or named before codes were given at announcement) their 20-digit
national place code (export.give_place_codes); prints how many were given and how many cannot be."""
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from geogrid.placenames import export
from geogrid.placenames.models import Road


class Command(BaseCommand):
    help = _("为尚无地名代码的已命名、已废止道路赋予 20 位地名代码（县 6 + 乡镇 3 + 类别 5 + 序号 6）；已有的代码不变")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("只统计，不写入"))

    def handle(self, *args, **options):
        without = Road.objects.filter(status__in=export.EXPORTED, place_code="").exclude(name="")
        before = without.count()
        with transaction.atomic():
            given = export.give_place_codes()
            if options["dry_run"]:
                transaction.set_rollback(True)
        self.stdout.write(_("无代码的道路 %(before)s 条：%(verb)s %(given)s 条，%(left)s 条缺少所在行政区（街道）或类别代码") % {
            "before": before, "verb": _("可赋予") if options["dry_run"] else _("已赋予"), "given": given, "left": before - given})
