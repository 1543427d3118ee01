"""manage.py notify_care_due — the nightly check of care visits (run it from cron beside
notify_due): responsible members are told of their subjects whose visit is due soon (临期) or
overdue (超期), once per due date and colour. The rule is care.services.notify_due_visits."""
import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from geogrid.care.services import notify_due_visits


class Command(BaseCommand):
    help = _("通知责任网格员临期、超期的关爱走访（每次应访每种颜色只通知一次，可重复运行）")

    def handle(self, *args, **options):
        started = time.monotonic()
        c = notify_due_visits()
        self.stdout.write(_("临期走访 %(due)d 人，超期走访 %(overdue)d 人；新通知 %(new)d，已通知过 %(before)d（%(s).1f 秒）") % {
            "due": c["due_soon"], "overdue": c["overdue"], "new": c["new"], "before": c["told_before"], "s": time.monotonic() - started})
