"""The data tables of the check and the export (通名, forbidden words, category codes), read in one
query each. The migrations seed them from data/*.json; an empty table means those shipped defaults
(a database flushed by a test run, or a bureau that has not filled it), never "no rule at all"."""
import json
from pathlib import Path

from .models import ForbiddenWord, GenericName, PlaceCategoryCode

DATA = Path(__file__).resolve().parent / "data"


def _file(name):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def generics():
    """{通名: spelling} of the active generic terms."""
    rows = list(GenericName.objects.values_list("name", "spelling", "active"))
    if not rows:
        return dict(_file("generics.json"))
    return {name: spelling for name, spelling, active in rows if active}


def forbidden_words():
    """[(word, kind)]."""
    rows = list(ForbiddenWord.objects.values_list("word", "kind"))
    return rows or [(w, k) for w, k, _note in _file("forbidden_words.json")["words"]]


def category_codes():
    """{road category: 5-digit code}."""
    rows = dict(PlaceCategoryCode.objects.values_list("category", "code"))
    return rows or {c: code for c, code, _name in _file("category_codes.json")["codes"]}
