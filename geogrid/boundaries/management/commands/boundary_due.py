"""python manage.py boundary_due [--date YYYY-MM-DD] [--no-notify]: the lines due or overdue for a joint
inspection and the 平安边界 agreements to renew (for a nightly cron job or the monthly meeting); prints
them and tells the inspectors of both parties (once each: running it again tells nobody twice)."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from geogrid.boundaries.services import agreements_to_renew, lines_due, notify_due


class Command(BaseCommand):
    help = "List the boundary lines due for joint inspection and the agreements due for renewal."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="as of this day (default today)")
        parser.add_argument("--no-notify", action="store_true", help="only print, tell nobody")

    def handle(self, *args, date=None, no_notify=False, **options):
        try:
            today = _parse(date)
        except ValueError:
            raise CommandError(f"--date {date!r}: use YYYY-MM-DD")
        due = lines_due(today)
        for line, last, year, status in due:
            self.stdout.write(f"{status:8} {line.code}  {line.name}  last {last or '—'}  due {year or 'now'}")
        renew = agreements_to_renew(today)
        for agreement, days in renew:
            self.stdout.write(f"renew    {agreement.line.code}  {agreement.title}  valid until {agreement.valid_until}  ({days} days)")
        self.stdout.write(f"{sum(1 for d in due if d[3] == 'overdue')} line(s) overdue, {sum(1 for d in due if d[3] == 'due')} due this year, "
                          f"{len(renew)} agreement(s) to renew")
        if not no_notify:
            told = notify_due(today)
            self.stdout.write(f"{told['new']} new notification(s), {told['told_before']} told before")


def _parse(value):
    from django.utils import timezone

    return date.fromisoformat(value) if value else timezone.localdate()
