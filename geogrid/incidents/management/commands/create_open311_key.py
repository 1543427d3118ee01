"""python manage.py create_open311_key USERNAME [--name 12345热线]: issue an Open311 client key that
acts as that account (which must be allowed to report) and print it: it is shown only once."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.accounts.models import User
from geogrid.incidents.open311.keys import issue_key


class Command(BaseCommand):
    help = _("为 Open311 客户端签发密钥（代表某个可以上报事件的用户），只显示这一次")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help=_("客户端名称，如 12345 热线（默认同用户名）"))

    def handle(self, *args, **o):
        user = User.objects.filter(username=o["username"]).first()
        if user is None:
            raise CommandError(_("用户 %(u)s 不存在") % {"u": o["username"]})
        try:
            key, text = issue_key(user, o["name"] or o["username"])
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages))
        self.stdout.write(text)
        self.stderr.write(_("已签发 Open311 密钥 %(name)s（前缀 %(p)s），代表用户 %(u)s；密钥只显示这一次，请交给客户端保存。")
                          % {"name": key.name, "p": key.prefix, "u": user.username})
