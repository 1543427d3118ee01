"""Place-name rules (地名管理条例 2022; GB/T 16159 for the spelling). Pages and API call these:

- check_name(name, application=None): 专名/通名, pinyin, sign text, alternatives for polyphones,
  duplicates (error) and homophones (warning) within the built-up area, problems — a fixed number
  of queries whatever the data;
- fix_reading(user, phrase, syllables): a reading staff fixed, remembered for every later check;
- create_batch / create_application / update_application / refresh_check;
- transition(app, action, user, note, **fields): the one way an application changes state
  (workflow.py); announcing gives the road its standard name (give_road_its_name);
- state_counts, timeline, available_actions, deadline_status.
"""
import json
import re
from collections import Counter

from django.conf import settings
from django.contrib.gis.gdal.error import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiLineString
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce, StrIndex
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.scope import scope_of
from geogrid.audit.services import history, record
from geogrid.geo.crs import CRSError, check_lonlat_geometry
from geogrid.grids.models import AdminArea
from geogrid.workflow.engine import too_long
from geogrid.workflow.exceptions import TransitionForbidden

from . import pinyin as py
from . import tables
from .models import FixedReading, NamingApplication, NamingBatch, Road
from .workflow import WORKFLOW

S = NamingApplication.State
ERROR, WARNING = "error", "warning"
HAN_ONLY = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ffff]+$")
LATIN = re.compile(r"[A-Za-z]")
MAX_NAME = 20


def setting(name, default):
    return getattr(settings, f"GEOGRID_PLACENAME_{name}", default)


def may_edit(user):
    return scope_of(user).placenames == "edit"


def may_view(user):
    return scope_of(user).placenames is not None


def require_edit(user, action="edit"):
    if not may_edit(user):
        raise TransitionForbidden(_("只有地名科工作人员可以执行此操作"), action=action)


# --- the common character set -------------------------------------------------------------------
def is_common(char):
    """In the common set: GB 2312 levels 1 and 2 (6 763 characters; the 通用规范汉字表 levels 1+2 of
    6 500 characters is not available as a package, and GB 2312 covers nearly all of it)."""
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


# --- the check ------------------------------------------------------------------------------------
def clean_name(name):
    return re.sub(r"\s+", "", str(name or ""))


def fixed_readings(text):
    """{phrase: [syllables]} of the fixed readings occurring in text (one query)."""
    if not text:
        return {}
    rows = (FixedReading.objects.annotate(pos=StrIndex(Value(text), F("phrase"))).filter(pos__gt=0)
            .values_list("phrase", "syllables"))
    return {phrase: syllables.split() for phrase, syllables in rows}


def sound_of(name):
    """The toneless sound of a stored name, with the readings fixed by staff ("" for no name)."""
    return py.sound_key(name, fixed_readings(name)) if name else ""


def rekey(phrase):
    """After a reading of `phrase` is fixed: the stored names containing it sound as now fixed, so
    later checks find them as homophones. Returns how many changed."""
    from .models import BuildingName

    fixed = {p: s.split() for p, s in FixedReading.objects.values_list("phrase", "syllables")}
    changed = 0
    for model in (Road, NamingApplication, BuildingName):
        rows = list(model.objects.filter(name__contains=phrase).only("pk", "name", "sound_key"))
        for row in rows:
            row.sound_key, old = py.sound_key(row.name, fixed), row.sound_key
            changed += row.sound_key != old
        model.objects.bulk_update(rows, ["sound_key"])
    return changed


def built_up(qs, geom_path="geom"):
    """Rows of qs inside the built-up area (GEOGRID_PLACENAME_BUILT_UP_AREA: AdminArea codes; empty:
    every road stored, i.e. the whole city the district belongs to)."""
    codes = list(setting("BUILT_UP_AREA", ()) or ())
    if not codes:
        return qs
    return qs.filter(Exists(AdminArea.objects.filter(code__in=codes, geom__intersects=OuterRef(geom_path))))


def spell(name, *, spelled_numbers=None, generics=None, fixed=None):
    """(parts, spelling) of a name: no duplicate checks, for the table test and the demo."""
    if generics is None:
        generics = tables.generics()
    if fixed is None:
        fixed = fixed_readings(name)
    if spelled_numbers is None:
        spelled_numbers = bool(setting("SPELLED_NUMBERS", False))
    parts = py.split_name(name, generics)
    return parts, py.romanize(parts, generics.get(parts.generic, ""), spelled_numbers=spelled_numbers, fixed=fixed)


def alternatives(parts, generics, fixed, spelled_numbers):
    """Other spellings for the polyphones of the 专名 (and its joined modifier) not fixed by staff."""
    covered = set()
    for phrase in fixed:
        start = parts.name.find(phrase)
        while start >= 0:
            covered.update(range(start, start + len(phrase)))
            start = parts.name.find(phrase, start + 1)
    current = py.syllables_of(parts.name, fixed)
    out = []
    for i, char in enumerate(parts.specific):
        if i in covered:
            continue
        for reading in py.readings_of(char):
            if reading == current[i]:
                continue
            spelling = py.romanize(parts, generics.get(parts.generic, ""), spelled_numbers=spelled_numbers, fixed=fixed,
                                   override={i: reading})
            # What staff fix is the reading of the whole 专名 (a phrase), not of the character
            # everywhere: 朝阳 chao yang leaves 朝代 alone.
            n = len(parts.specific)
            out.append({"char": char, "index": i, "reading": reading, "current": current[i], "pinyin": spelling,
                        "sign_text": py.sign_text(spelling), "phrase": parts.specific,
                        "syllables": " ".join(reading if j == i else s for j, s in enumerate(current[:n])),
                        "current_syllables": " ".join(current[:n])})
    return out


def _problem(code, severity, message, **extra):
    return {"code": code, "severity": severity, "message": str(message), **extra}


def check_name(name, *, application=None, road=None, spelled_numbers=None):
    """The name check of 地名管理条例 and GB/T 16159 (see the module docstring). `application` /
    `road`: left out of the duplicates (the name's own record). Five queries."""
    name = clean_name(name)
    if spelled_numbers is None:
        spelled_numbers = bool(setting("SPELLED_NUMBERS", False))
    generics = tables.generics()
    # A name past MAX_NAME is refused as too long and not spelled: the reading alternatives cost the
    # square of its length (a 10 000-character name held a worker for minutes).
    spoken = name if len(name) <= MAX_NAME else ""
    fixed = fixed_readings(spoken)
    parts, spelling = spell(spoken, spelled_numbers=spelled_numbers, generics=generics, fixed=fixed)
    problems = []
    if not name:
        problems.append(_problem("empty", ERROR, _("请填写名称")))
    elif len(name) > MAX_NAME:
        problems.append(_problem("too_long", ERROR, _("名称过长（不超过 %(n)s 字）") % {"n": MAX_NAME}))
    if LATIN.search(name):
        problems.append(_problem("foreign", ERROR, _("名称含有外文字母：不得使用外国人名、地名或外文")))
    elif name and not HAN_ONLY.match(name):
        problems.append(_problem("not_han", ERROR, _("名称只能由汉字组成（序数词也用汉字书写，如“经五路”）")))
    rare = [c for c in name if HAN_ONLY.match(c) and not is_common(c)]
    if rare:
        problems.append(_problem("rare_chars", WARNING, _("含有常用字表以外的字：%(c)s，应避免使用生僻字") % {"c": "、".join(rare)}, chars=rare))
    messages = {"foreign": _("含有外国人名、地名“%(w)s”"), "company": _("含有企业名称“%(w)s”"),
                "trademark": _("含有商标名称“%(w)s”"), "other": _("含有禁用词“%(w)s”")}
    for word, kind in tables.forbidden_words():
        if name and word in name:
            problems.append(_problem(kind, ERROR, messages.get(kind, messages["other"]) % {"w": word}, word=word))
    if spoken and not parts.generic:
        problems.append(_problem("unknown_generic", ERROR, _("缺少通名，或通名不在通名表中（如 路、街、大街、巷）")))
    key = py.sound_key(spoken, fixed) if spoken else ""
    duplicates, homophones = [], []
    if spoken:
        roads = built_up(Road.objects.filter(status__in=[Road.Status.NAMED, Road.Status.PROPOSED]).exclude(name="")
                         .filter(Q(name=name) | Q(sound_key=key)))
        if road is not None:
            roads = roads.exclude(pk=road.pk)
        for r in roads.only("pk", "code", "name", "status").order_by("code"):
            item = {"kind": "road", "id": r.pk, "code": r.code, "name": r.name, "status": r.status, "status_label": str(r.get_status_display())}
            (duplicates if r.name == name else homophones).append(item)
        apps = (NamingApplication.objects.filter(state__in=NamingApplication.OPEN_STATES).filter(Q(name=name) | Q(sound_key=key))
                .annotate(where=Coalesce("road__geom", "geom")).select_related("batch").only("pk", "name", "state", "batch__code", "road_id"))
        apps = built_up(apps, "where")
        if application is not None and application.pk:
            apps = apps.exclude(pk=application.pk)
        for a in apps.order_by("pk"):
            if road is not None and a.road_id == road.pk:
                continue
            item = {"kind": "application", "id": a.pk, "code": a.batch.code, "name": a.name, "status": a.state,
                    "status_label": str(a.get_state_display())}
            (duplicates if a.name == name else homophones).append(item)
    if duplicates:
        problems.append(_problem("duplicate", ERROR, _("与已有或拟用名称重名：%(n)s") % {"n": "、".join(sorted({d["name"] for d in duplicates}))}))
    if homophones:
        problems.append(_problem("homophone", WARNING, _("与下列名称同音：%(n)s") % {"n": "、".join(sorted({d["name"] for d in homophones}))}))
    alts = alternatives(parts, generics, fixed, spelled_numbers) if spoken and not any(p["code"] in ("not_han", "foreign") for p in problems) else []
    return {
        "name": name, "zhuanming": parts.specific, "tongming": parts.generic, "modifier": parts.modifier,
        "ordinal": parts.number, "pinyin": spelling if spoken else "", "sign_text": py.sign_text(spelling) if spoken else "",
        "sound": key, "alternatives": alts, "fixed_readings": [{"phrase": p, "syllables": " ".join(s)} for p, s in fixed.items()],
        "duplicates": duplicates, "homophones": homophones, "problems": problems,
        "errors": sum(p["severity"] == ERROR for p in problems), "warnings": sum(p["severity"] == WARNING for p in problems),
        "spelled_numbers": spelled_numbers,
    }


# --- readings fixed by staff ------------------------------------------------------------------------
SYLLABLE = re.compile(r"^[a-zü]{1,6}$")


def fix_reading(user, phrase, syllables):
    """Fix the reading of a phrase (e.g. 朝阳 → chao yang) for every later check. Each syllable must
    be one pypinyin knows for its character. Returns the FixedReading."""
    require_edit(user, "fix_reading")
    phrase = clean_name(phrase)
    sylls = str(syllables or "").lower().replace("v", "ü").replace("'", " ").split()
    errors = {}
    if not phrase or not HAN_ONLY.match(phrase) or len(phrase) > 20:
        errors["phrase"] = [_("请填写 1 到 20 个汉字")]
    elif len(sylls) != len(phrase):
        errors["syllables"] = [_("音节数（%(s)s）应与字数（%(c)s）相同，音节间用空格分隔") % {"s": len(sylls), "c": len(phrase)}]
    else:
        bad = [f"{c} {s}" for c, s in zip(phrase, sylls) if not SYLLABLE.match(s) or s not in py.readings_of(c)]
        if bad:
            errors["syllables"] = [_("以下读音不是该字的读音：%(b)s") % {"b": "、".join(bad)}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row, created = FixedReading.objects.update_or_create(phrase=phrase, defaults={"syllables": " ".join(sylls), "fixed_by": user})
        changed = rekey(phrase)
        record(row, "fix_reading", actor=user, note=f"{phrase} {row.syllables}", created=created, names_rekeyed=changed)
    return row


# --- batches and applications ---------------------------------------------------------------------
def next_batch_code(year):
    last = NamingBatch.objects.filter(code__startswith=f"{year}-").order_by("-code").values_list("code", flat=True).first()
    n = int(last.split("-")[1]) + 1 if last and last.split("-")[1].isdigit() else 1
    return f"{year}-{n:02d}"


def create_batch(user, title, note=""):
    require_edit(user, "create_batch")
    title = str(title or "").strip()
    if not title:
        raise ValidationError({"title": [_("请填写批次名称")]})
    if len(title) > 100:  # refused, never cut: the caller would not know
        raise ValidationError({"title": [_("批次名称不能超过 %(n)s 字（现有 %(len)s 字）") % {"n": 100, "len": len(title)}]})
    if errors := too_long({}, "note", _("备注"), note):
        raise ValidationError(errors)
    with transaction.atomic():
        batch = NamingBatch.objects.create(code=next_batch_code(timezone.localdate().year), title=title[:100], note=note or "", created_by=user)
        record(batch, "create", actor=user, note=batch.title, code=batch.code)
    return batch


def parse_geom(value):
    """A new road's centreline from GeoJSON (lon/lat, CGCS2000), as a MultiLineString, or None."""
    if value in (None, ""):
        return None
    try:
        g = value if isinstance(value, GEOSGeometry) else GEOSGeometry(value if isinstance(value, str) else json.dumps(value))
    except (GEOSException, GDALException, ValueError, TypeError):
        raise ValidationError({"geom": [_("中心线须是 GeoJSON 线（LineString 或 MultiLineString）")]})
    if g.srid in (None, 4326):  # GeoJSON parses as 4326; the API takes CGCS2000 lon/lat (DESIGN: equal at this scale)
        g.srid = 4490
    if g.geom_type == "LineString":
        g = MultiLineString(g, srid=g.srid)
    if g.geom_type != "MultiLineString" or g.empty or not g.valid:
        raise ValidationError({"geom": [_("中心线须是有效的线")]})
    if g.srid != 4490:
        raise ValidationError({"geom": [_("中心线须是 CGCS2000 经纬度")]})
    try:
        check_lonlat_geometry(g)
    except CRSError as exc:
        raise ValidationError({"geom": [_("中心线须是 CGCS2000 经纬度：%(e)s") % {"e": exc}]})
    return g


LEVELS = {"1": 1, "2": 2, "3": 3, 1: 1, 2: 2, 3: 3}


def _application_fields(data, errors):
    out = {}
    for f in ("applicant", "reasons", "meaning", "location"):
        if f in data:
            out[f] = str(data.get(f) or "").strip()
    if "applicant" in out and not out["applicant"]:
        errors["applicant"] = [_("请填写申请单位")]
    for f, value in out.items():  # refused, never cut; texts without a column limit stop at 2000 like a case's description
        limit = NamingApplication._meta.get_field(f).max_length or 2000
        if len(value) > limit:
            errors[f] = [_("%(field)s不能超过 %(n)s 字（现有 %(len)s 字）") % {
                "field": NamingApplication._meta.get_field(f).verbose_name, "n": limit, "len": len(value)}]
    for f in ("priority", "difficulty"):
        if f in data and data[f] not in (None, ""):
            if data[f] not in LEVELS:
                errors[f] = [_("可选：1 高、2 中、3 低")]
            else:
                out[f] = LEVELS[data[f]]
    return out


def _apply_check(app, result):
    app.name = result["name"]
    app.specific, app.generic = result["zhuanming"], result["tongming"]
    app.pinyin, app.sound_key = result["pinyin"], result["sound"]
    app.check_result = result
    app.check_errors, app.check_warnings = result["errors"], result["warnings"]


def create_application(user, batch, *, name, applicant, road=None, geom=None, reasons="", meaning="", location="", priority=2, difficulty=2):
    """A draft application in a batch for an unnamed road (or a new road's centreline), its name
    checked at once; the road keeps its status until the name is announced (the work queue shows
    the open application) (errors are shown, they block only the submission). Nothing is written on bad input."""
    require_edit(user, "create_application")
    errors = {}
    fields = _application_fields(dict(applicant=applicant, reasons=reasons, meaning=meaning, location=location,
                                      priority=priority, difficulty=difficulty), errors)
    _name_errors(name, errors)
    line = None
    if road is None:
        try:
            line = parse_geom(geom)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if line is None and "geom" not in errors:
            errors["road"] = [_("请选择道路，或在地图上画出新道路的中心线")]
    elif road.status not in (Road.Status.UNNAMED, Road.Status.PROPOSED) or road.name:
        errors["road"] = [_("道路“%(r)s”已有标准名称") % {"r": road}]
    elif NamingApplication.objects.filter(road=road, state__in=NamingApplication.OPEN_STATES).exists():
        errors["road"] = [_("道路“%(r)s”已有办理中的命名申请") % {"r": road}]
    if errors:
        raise ValidationError(errors)
    app = NamingApplication(batch=batch, road=road, geom=line, created_by=user, **fields)
    _apply_check(app, check_name(name, road=road))
    try:
        with transaction.atomic():
            app.save()
            record(app, "create", actor=user, to_state=app.state, note=app.name, batch=batch.code, errors=app.check_errors,
                   warnings=app.check_warnings)
    except IntegrityError:
        raise ValidationError({"road": [_("道路已有办理中的命名申请")]})
    return app


def _name_errors(name, errors):
    """A proposed name missing, or too long to be a name at all: refused before the check (which
    spells every character) and before a draft could not hold it."""
    name = clean_name(name)
    limit = NamingApplication._meta.get_field("name").max_length
    if not name:
        errors["name"] = [_("请填写拟用名称")]
    elif len(name) > limit:
        errors["name"] = [_("拟用名称不能超过 %(n)s 字（现有 %(len)s 字）") % {"n": limit, "len": len(name)}]


def update_application(user, app, **data):
    """Change a draft (name, applicant, reasons…); the name is checked again."""
    require_edit(user, "edit")
    if app.state != S.DRAFT:
        from geogrid.workflow.exceptions import InvalidTransition

        raise InvalidTransition(_("只有草稿可以修改"), action="edit", state=app.state)
    errors = {}
    fields = _application_fields(data, errors)
    if "name" in data:
        _name_errors(data["name"], errors)
    if errors:
        raise ValidationError(errors)
    for k, v in fields.items():
        setattr(app, k, v)
    with transaction.atomic():
        _apply_check(app, check_name(data.get("name", app.name), application=app, road=app.road))
        app.save()
        record(app, "edit", actor=user, from_state=app.state, to_state=app.state, note=app.name)
    return app


def refresh_check(app):
    """Run the check again on an application (readings fixed, other names since); stores it."""
    result = check_name(app.name, application=app, road=app.road)
    _apply_check(app, result)
    NamingApplication.objects.filter(pk=app.pk).update(check_result=result, check_errors=app.check_errors, check_warnings=app.check_warnings,
                                                       pinyin=app.pinyin, sound_key=app.sound_key)
    return result


def next_road_code():
    codes = Road.objects.filter(code__regex=r"DL\d+$").values_list("code", flat=True)
    prefix, n = "DL", 0
    for c in codes:
        head, _sep, num = c.rpartition("DL")
        if int(num) > n:
            prefix, n = head + "DL", int(num)
    return f"{prefix}{n + 1:03d}"


def area_of_line(geom):
    """The street (else the district) a new road lies in: the one holding the middle of its line."""
    middle = geom[0].interpolate_normalized(0.5) if geom.geom_type == "MultiLineString" else geom.point_on_surface
    middle.srid = geom.srid
    areas = AdminArea.objects.filter(geom__intersects=middle, level__in=[AdminArea.Level.STREET, AdminArea.Level.DISTRICT]).defer("geom")
    return min(areas, key=lambda a: (a.level != AdminArea.Level.STREET, a.code), default=None)


def give_road_its_name(app):
    """Announced: the road gets its standard name, pinyin, status named and its national place code
    (export.give_place_codes); a new road is created from the application's centreline, in the
    street it lies in. Called inside the transition's transaction."""
    from .export import give_place_codes

    if app.road_id:
        road = Road.objects.select_for_update().get(pk=app.road_id)
    else:
        road = Road(code=next_road_code(), geom=app.geom, working_name="", area=area_of_line(app.geom))
    road.name, road.specific, road.generic, road.pinyin = app.name, app.specific, app.generic, app.pinyin
    road.sound_key = app.sound_key
    road.status, road.named_on = Road.Status.NAMED, app.approved_on
    if app.meaning:
        road.meaning = app.meaning
    road.save()
    give_place_codes([road])
    if not app.road_id:
        app.road = road
    record(road, "named", actor=None, from_state="proposed", to_state="named", note=road.name, application=app.pk,
           approved_on=app.approved_on.isoformat(), approving_body=app.approving_body, place_code=road.place_code)
    return road


def transition(app, action, user, note="", *, now=None, **fields):
    """Perform a workflow action (workflow.TRANSITIONS): 404/403/409/400 as the core says. Before a
    submission the name check runs again (other names may have been proposed meanwhile)."""
    if action == "submit" and app.state == S.DRAFT and may_edit(user):
        refresh_check(app)
    return WORKFLOW.perform(app, action, user, note, now=now, **fields)


def available_actions(app, user, now=None):
    return [{"action": t.action, "label": str(t.label), "requires": list(t.requires)} for t in WORKFLOW.available(app, user, now)]


def deadline_status(app, now=None):
    return WORKFLOW.deadline_status(app, now)


ACTION_LABELS = {"create": _("创建申请"), "edit": _("修改"), "attach": _("上传附件"), **{t.action: t.label for t in WORKFLOW.transitions}}


def timeline(app):
    labels = dict(S.choices)
    return [
        {"at": e.at, "actor": str(e.actor) if e.actor else "", "action": e.action, "action_label": str(ACTION_LABELS.get(e.action, e.action)),
         "from_state": e.from_state, "to_state": e.to_state, "from_label": str(labels.get(e.from_state, e.from_state)),
         "to_label": str(labels.get(e.to_state, e.to_state)), "note": e.note, "data": e.data}
        for e in history(app).order_by("at", "pk")
    ]


def state_counts(batch_ids=None):
    """{batch id: Counter(state → n)} in one query (all batches, or those given)."""
    qs = NamingApplication.objects.all()
    if batch_ids is not None:
        qs = qs.filter(batch_id__in=list(batch_ids))
    out = {}
    for row in qs.values("batch_id", "state").annotate(n=Count("id")).order_by():
        out.setdefault(row["batch_id"], Counter())[row["state"]] = row["n"]
    return out


def overdue_q(now=None):
    """Open applications past the deadline of their stage (notice, filing, announcement)."""
    now = now or timezone.now()
    return Q(state__in=NamingApplication.OPEN_STATES, deadline__lt=now)


# --- attachments --------------------------------------------------------------------------------------
ATTACHMENT_TYPES = {".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".ofd", ".txt"}
# How a file of each type begins (a renamed file is not a plan): zip for docx/xlsx/ofd, OLE for doc/xls.
ATTACHMENT_SIGNATURES = {".pdf": b"%PDF", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG", ".docx": b"PK\x03\x04",
                         ".xlsx": b"PK\x03\x04", ".ofd": b"PK\x03\x04", ".doc": b"\xd0\xcf\x11\xe0", ".xls": b"\xd0\xcf\x11\xe0"}


def add_attachment(user, app, upload):
    """Attach a file (plan, letter, report) to an application: checked type and size, audited."""
    from pathlib import PurePath

    from .models import ApplicationAttachment

    require_edit(user, "attach")
    limit = int(setting("ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024))
    if upload is None:
        raise ValidationError({"file": [_("请选择文件")]})
    if PurePath(upload.name).suffix.lower() not in ATTACHMENT_TYPES:
        raise ValidationError({"file": [_("文件类型须是：%(t)s") % {"t": "、".join(sorted(ATTACHMENT_TYPES))}]})
    if upload.size > limit:
        raise ValidationError({"file": [_("文件不能超过 %(mb)s MB") % {"mb": limit // 1048576}]})
    suffix = PurePath(upload.name).suffix.lower()
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(ATTACHMENT_SIGNATURES.get(suffix, b"")):
        raise ValidationError({"file": [_("文件内容不是 %(t)s 文件：请上传原件") % {"t": suffix}]})
    with transaction.atomic():
        att = ApplicationAttachment.objects.create(application=app, file=upload, name=PurePath(upload.name).name[:120], size=upload.size,
                                                   uploaded_by=user)
        record(app, "attach", actor=user, from_state=app.state, to_state=app.state, note=att.name, size=att.size)
    return att
