"""Personal data of care subjects (China's Personal Information Protection Law, PIPL): masking and
the checks of ID and phone numbers. Masking happens here, on the server: a masked answer never
carries the full number. Who may see a subject at all, reveal its full record or export is
accounts.scope (responsible_q) and accounts.roles (CARE_REVEAL_ROLES, CARE_EXPORT_ROLES); the
audit entries are written by services.reveal_subject / services.export_rows."""
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17):
    """The GB 11643-1999 check character of the first 17 digits of a citizen ID number."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]


def clean_id_number(value):
    """'' or a valid 18-character ID number (upper-case X); ValidationError in words otherwise."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError({"id_number": [_("身份证号应为 18 位（最后一位可为 X）")]})
    if id_check_digit(value[:17]) != value[-1]:
        raise ValidationError({"id_number": [_("身份证号校验位不正确，请核对")]})
    return value


def clean_phone(value):
    """'' or a mobile (11 digits, 1[3-9]…) or a landline (digits and hyphens, 7–20)."""
    value = re.sub(r"\s", "", value or "")
    if not value:
        return ""
    if not re.fullmatch(r"1[3-9]\d{9}|[0-9-]{7,20}", value):
        raise ValidationError({"phone": [_("联系电话应为 11 位手机号或固定电话号码")]})
    return value


def mask_id_number(value):
    """370102********1234: the region (6) and the last 4 shown, the birth date and sequence hidden."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value):
    """138****5678 for a mobile; a landline keeps its last 4 only."""
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value):
    """张** — for text leaving the circle of responsible people (an incident's description)."""
    return (value[:1] + "*" * max(1, len(value) - 1)) if value else ""
