"""`{% load offline %}{% outbox %}` on a phone page: the outbox's texts and the user (the queue of a
phone replays only its own user's items) as JSON, its stylesheet and its script. The texts go
through Django i18n here, so outbox.js carries no user-facing string of its own."""
from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, json_script
from django.utils.translation import gettext as _

register = template.Library()


def outbox_texts():
    return {
        "offline": _("离线"), "waiting": _("%s 条待发送"), "refusedN": _("%s 条被退回"), "allSent": _("已全部发送"),
        "show": _("查看"), "hide": _("收起"), "delete": _("删除"), "confirmDelete": _("确认删除"), "retry": _("重新发送"),
        "stateWaiting": _("待发送"), "stateRefused": _("被退回：%s"), "queuedAt": _("保存于 %s"), "photos": _("%s 张照片"),
        "queued": _("已保存在手机上，联网后自动发送。"),
        "listTitle": _("手机上待发送的记录"),
        "checkLabel": _("界桩检查 %s"), "sectionLabel": _("界线段 %s"), "reportLabel": _("事件上报：%s"), "visitLabel": _("走访登记：%s"),
        "signLabel": _("路名牌巡查 %s"),
        "patrolEndLabel": _("结束巡查"), "patrolStartLabel": _("开始巡查：%s"), "patrolTrackLabel": _("巡查轨迹 %s 个点"),
        "blocked": _("前面的记录未被接受（%s），本条无法发送；那条重新发送时本条随之发送"),
        "incomplete": _("没有网络时请先在地图上选好位置、选择类别并填写描述，再保存到手机。"), "mine": _("查看我的上报"),
        "edit": _("修改"), "login": _("登录已过期：请重新登录，登录后自动发送"), "editing": _("正在修改被退回的上报（%s 张照片，未选新照片时沿用）。"),
    }


@register.simple_tag(takes_context=True)
def outbox(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    config = {"user": user.pk if user is not None and user.is_authenticated else None, "worker": reverse("service_worker"),
              "text": outbox_texts()}
    return format_html('{}<link rel="stylesheet" href="{}"><script src="{}"></script>', json_script(config, "outbox-config"),
                       static("offline/outbox.css"), static("offline/outbox.js"))
