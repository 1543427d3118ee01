"""Forms of the incident pages. They only shape and type the request; every rule (categories,
location, photos, who may do what) is checked by the services in incidents.py, whose
ValidationError / MissingFields messages are put back on the form for people to read."""
from django import forms
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.models import Department
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import by_ref

from .models import IncidentCategory, IncidentMode, Satisfaction


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the count and content are checked by photos.prepare_photos."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, (list, tuple)):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s（默认%(mode)s）") % {"name": obj.name, "mode": obj.get_default_mode_display()}


class ServiceErrorsMixin:
    """Put a service's ValidationError (field → messages) on the form; unknown keys go to the top."""

    field_map = {}

    def add_service_errors(self, exc):
        items = exc.message_dict.items() if hasattr(exc, "message_dict") else [(None, exc.messages)]
        for key, msgs in items:
            field = self.field_map.get(key, key)
            for msg in msgs:
                self.add_error(field if field in self.fields else None, str(msg))


class PatrolField(forms.ModelChoiceField):
    """A patrol by its id, or by the client key its phone gave it (a patrol started offline; the
    view sets `owner`, whose keys they are)."""

    owner = None

    def to_python(self, value):
        if value in self.empty_values:
            return None
        patrol = by_ref(self.queryset, value, self.owner).first()
        if patrol is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return patrol


class ReportForm(ServiceErrorsMixin, forms.Form):
    field_map = {"location": "lon"}

    category = CategoryChoiceField(label=_("事件类别"), queryset=IncidentCategory.objects.filter(active=True), to_field_name="code",
                                   empty_label=_("请选择类别"), error_messages={"required": _("请选择事件类别")})
    description = forms.CharField(label=_("事件描述"), widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": _("请填写事件描述")})
    lon = forms.FloatField(widget=forms.HiddenInput, error_messages={"required": _("请在地图上点选事件位置，或点“使用我的位置”")})
    lat = forms.FloatField(widget=forms.HiddenInput, error_messages={"required": _("请在地图上点选事件位置，或点“使用我的位置”")})
    crs = forms.CharField(widget=forms.HiddenInput, required=False, initial="EPSG:4490")
    address = forms.CharField(label=_("地址（选填）"), required=False, max_length=200)
    photos = MultipleFileField(label=_("照片（最多 3 张）"), required=False)
    # A finding of this patrol (set by the patrol page's link); whose patrol it is, services.report_finding checks.
    patrol = PatrolField(queryset=Patrol.objects.all(), required=False, widget=forms.HiddenInput,
                                    error_messages={"invalid_choice": _("巡查记录不存在，请从巡查页面重新进入上报")})

    def clean(self):
        data = super().clean()
        # One message for the place, not two (lon and lat are one choice on the map).
        if "lat" in self.errors and "lon" in self.errors:
            del self.errors["lat"]
        return data


class ActionForm(ServiceErrorsMixin, forms.Form):
    """The fields one workflow action takes on the case page. Which of them must be filled in is the
    workflow's business (Transition.requires); here it only marks the inputs for the browser."""

    # Page shape: which inputs besides the note each action shows.
    EXTRA_FIELDS = {"register": ["mode"], "dispatch": ["assignee", "mode"], "classify": ["mode"], "reject": ["duplicate_of"],
                    "evaluate": ["satisfaction"], "to_department": ["department", "mode"]}

    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    assignee = forms.TypedChoiceField(label=_("承办人"), required=False, coerce=int, empty_value=None)
    mode = forms.ChoiceField(label=_("办理方式（五办）"), required=False, choices=[("", _("不变"))] + list(IncidentMode.choices))
    duplicate_of = forms.TypedChoiceField(label=_("重复于（选填）"), required=False, coerce=int, empty_value=None)
    department = forms.ModelChoiceField(label=_("承办部门"), required=False, queryset=Department.objects.filter(active=True),
                                        empty_label=_("请选择职能部门"))
    satisfaction = forms.ChoiceField(label=_("满意度"), required=False, choices=[("", _("请选择"))] + list(Satisfaction.choices))

    def __init__(self, *args, action, requires=(), incident=None, assignees=(), duplicates=(), **kwargs):
        super().__init__(*args, prefix=action, **kwargs)
        self.action = action
        keep = {"note", *self.EXTRA_FIELDS.get(action, [])}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in requires:
            if name in self.fields:
                self.fields[name].widget.attrs["required"] = "required"
        if "assignee" in self.fields:
            self.fields["assignee"].choices = [("", _("请选择承办人"))] + [(u.pk, f"{u}（{desc}）") for u, desc in assignees]
        if "duplicate_of" in self.fields:
            self.fields["duplicate_of"].choices = [("", _("不是重复"))] + [
                (c.pk, f"{c.number} {c.get_state_display()}") for c in duplicates]
        if action == "evaluate":
            self.fields["note"].label = _("评价意见（不满意时必填，请写明原因）")
        if "mode" in self.fields and incident is not None:
            self.fields["mode"].initial = incident.mode
            if action == "classify":
                self.fields["mode"].choices = list(IncidentMode.choices)
