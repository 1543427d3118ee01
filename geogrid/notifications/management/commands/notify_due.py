"""manage.py notify_due — the nightly deadline check (run it from cron, e.g. every night and, if
wanted, every hour of the working day): whoever holds an open case whose stage entered its warning
window (临期) or passed its deadline (超期) is told, once per stage deadline and colour, so running it
twice tells nobody twice. The rules are notifications.cases.notify_due."""
import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from geogrid.notifications.cases import notify_due


class Command(BaseCommand):
    help = _("通知临期、超期案卷的当前处理人（每个环节时限每种颜色只通知一次，可重复运行）")

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = notify_due()
        line = _("临期案卷 %(due)d 件，超期案卷 %(overdue)d 件；新通知 %(new)d，已通知过 %(before)d（%(s).1f 秒）")
        self.stdout.write(line % {"due": counts["due_soon"], "overdue": counts["overdue"], "new": counts["new"],
                                  "before": counts["told_before"], "s": time.monotonic() - started})
