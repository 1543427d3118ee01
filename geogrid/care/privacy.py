"""Personal data of care subjects (China's Personal Information Protection Law, PIPL): masking and
the checks of ID and phone numbers. Masking happens here, on the server: a masked answer never
carries the full number. Who may see a subject at all, reveal its full record or export is
accounts.scope (responsible_q) and accounts.roles (CARE_REVEAL_ROLES, CARE_EXPORT_ROLES); the
audit entries are written by services.reveal_subject / services.export_subjects. The public
statistics hide small cells here too (suppress_small_cells)."""
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


# --- small cells of the public statistics -----------------------------------------------------------------
SUPPRESSED_FIELDS = ("subjects", "overdue", "visits", "needs", "resolved")  # the count columns besides the categories


def suppress_small_cells(table, known, k):
    """Hide the figures of statistics() that could point at a household, for a caller who is not
    responsible for the grid (rows whose code is in `known` stay exact). In place; returns table.

    1. A row with fewer than k subjects shows no figure at all; in the other rows a category count
       below k (0 included, so a hidden cell does not tell whether anyone is there) is hidden.
    2. Until nothing changes: a column (a category, subjects, overdue, visits, needs, resolved) with
       exactly one hidden cell would give it away by subtraction from the district total, and so
       would hidden cells that together hold more than all but one of them could (two grids that
       show nothing hold 4 of a category: 2 each, under k=3): the smallest shown cell of that
       column outside `known` is hidden too (no such cell: the total is hidden); likewise a row
       whose subjects are shown with exactly one hidden category, or whose subjects are hidden
       with no hidden category (subjects ≈ the sum of the categories).
    3. A percentage is hidden with a count it is computed from.
    Hidden values become None and their names are listed in row["hidden"] / table["hidden"]."""
    rows, ncat = table["rows"], len(table["categories"])
    cats = [("cat", j) for j in range(ncat)]
    cols = cats + list(SUPPRESSED_FIELDS)
    open_rows = [i for i, r in enumerate(rows) if r["code"] not in known]

    def value(i, c):
        return rows[i]["per_category"][c[1]] if isinstance(c, tuple) else rows[i][c]

    hidden = set()
    small_rows = {i for i in open_rows if value(i, "subjects") < k}
    for i in open_rows:
        if i in small_rows:
            hidden.update((i, c) for c in cols)
        else:
            hidden.update((i, c) for c in cats if value(i, c) < k)
    small = {(i, c) for (i, c) in hidden if 0 < value(i, c) < k}  # the cells that could point at someone
    hidden_totals = set()
    bounded = set(cats) | {"subjects", "overdue"}  # not more than the grid's subjects

    def upper(i, c):
        """The most a reader can tell a hidden cell holds: fewer than k in a grid that shows nothing,
        the grid's subjects when those are shown; else no limit (None)."""
        if c not in bounded:
            return None
        if all((i, x) in hidden for x in cols):  # as the reader sees it: a grid that shows nothing
            return k - 1
        return None if c == "subjects" or (i, "subjects") in hidden else value(i, "subjects")

    def exposed(c):
        """One hidden cell in the column, or a small one the column total tells more of than the
        table does: the sum of the hidden cells is more than the others could hold (two 2s of a
        total of 4 under k=3 prove both; a listed grid has at least 1 subject anyway)."""
        cells = [i for i in open_rows if (i, c) in hidden]
        if len(cells) != 1 and not any((i, c) in small for i in cells):
            return False
        if len(cells) == 1:
            return True
        total = sum(value(i, c) for i in cells)
        ups = {i: upper(i, c) for i in cells}
        unlimited = sum(1 for u in ups.values() if u is None)
        limited = sum(u for u in ups.values() if u is not None)
        known_least = 1 if c == "subjects" else 0  # a grid is listed when someone is in care there
        for i in cells:
            if (i, c) in small:
                others_unlimited = unlimited - (ups[i] is None)
                if not others_unlimited and total - (limited - (ups[i] or 0)) > known_least:
                    return True
        return False

    def hide_smallest(cells):
        shown = [(value(i, c), n, i, c) for n, (i, c) in enumerate(cells) if (i, c) not in hidden]
        if not shown:
            return False
        hidden.add(min(shown)[2:])
        return True

    changed = True
    while changed:
        changed = False
        for c in cols:
            if c not in hidden_totals and exposed(c):
                if not hide_smallest([(i, c) for i in open_rows]):
                    hidden_totals.add(c)
                changed = True
        for i in open_rows:
            n_cats = sum(1 for c in cats if (i, c) in hidden)
            subjects_hidden = (i, "subjects") in hidden
            if (not subjects_hidden and n_cats == 1) or (subjects_hidden and n_cats == 0):
                if hide_smallest([(i, c) for c in cats]):
                    changed = True
                elif not subjects_hidden:
                    hidden.add((i, "subjects"))
                    changed = True

    names = {c: (table["categories"][c[1]] if isinstance(c, tuple) else c) for c in cols}
    for i, r in enumerate(rows):
        gone = [c for c in cols if (i, c) in hidden]
        for c in gone:
            if isinstance(c, tuple):
                r["per_category"][c[1]] = None
            else:
                r[c] = None
        _hide_derived(r, gone)
        r["hidden"] = [names.get(c, c) for c in gone]
    total = table["total"]
    for c in hidden_totals:
        if isinstance(c, tuple):
            table["per_category"][c[1]] = None
        else:
            total[c] = None
    gone = [names[c] for c in cols if c in hidden_totals]
    _hide_derived(total, gone)
    table["hidden"] = gone
    return table


def _hide_derived(row, gone):
    """A percentage goes with the count it is worked out from."""
    if row["subjects"] is None or row["overdue"] is None:
        row["coverage"] = None
        gone.append("coverage")
    if row["visits"] is None:
        row["on_time"] = None
        gone.append("on_time")
