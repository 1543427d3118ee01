"""Romanization of road names by the 1984 rules and GB/T 16159-2012 (汉语拼音正词法), pure functions.

- 专名 (specific) and 通名 (generic) are written apart, each capitalised: 南京路 → Nanjing Lu;
- a one-syllable positional modifier before the 通名 joins it: 景山后街 → Jingshan Houjie;
  a one-syllable 专名 stays apart from a two-syllable 通名: 大马路 → Da Malu;
- an apostrophe goes before a non-initial syllable beginning with a, o or e: 长安街 → Chang'an Jie;
- an ordinal number ending the 专名 is written in Arabic numerals: 经五路 → Jing 5 Lu (spelled_numbers
  writes Jingwu Lu, as many local signs do);
- signs use capitals without tone marks, keeping the apostrophe: CHANG'AN JIE.

Readings come from pypinyin, except phrases whose reading staff fixed (`fixed`: phrase → syllables),
which win, longest first. The database side (which generics, which fixed readings) is services.py.
"""
import re
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin, pinyin as _pinyin

# One-syllable positional modifiers that join the 通名 (东路 Donglu, 后街 Houjie, 中街 Zhongjie).
MODIFIERS = set("东西南北中前后内外上下")
DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL_CHARS = set(DIGITS) | set("十百")
HAN = re.compile(r"[\u3400-\u9fff]")


def numeral_value(text):
    """The value of a Chinese numeral up to 999 (五 5, 十一 11, 二十三 23, 一百零八 108), or None."""
    if not text or any(c not in NUMERAL_CHARS for c in text):
        return None
    total, current = 0, None
    for c in text:
        if c == "百":
            total += (current if current is not None else 1) * 100
            current = None
        elif c == "十":
            total += (current if current is not None else 1) * 10
            current = None
        else:
            current = DIGITS[c] if current is None else current * 10 + DIGITS[c]
    total += current or 0
    return total or None


def toneless(syllable):
    return syllable.replace("v", "ü")


def join_syllables(syllables):
    """One word from syllables: apostrophe before a non-initial a/o/e syllable, first letter capital."""
    out = ""
    for i, s in enumerate(syllables):
        s = s.lower()
        if i and s[:1] in ("a", "o", "e"):
            out += "'"
        out += s
    return out[:1].upper() + out[1:]


def syllables_of(text, fixed=None):
    """Toneless syllables of text (one per character), fixed phrase readings first (longest match),
    pypinyin for the rest, read as whole runs so its phrase dictionary sees the context."""
    fixed = fixed or {}
    phrases = sorted((p for p in fixed if p and p in text), key=len, reverse=True)
    out, run, i = [], "", 0

    def flush():
        nonlocal run
        if run:
            out.extend(toneless(s) for s in lazy_pinyin(run, style=Style.NORMAL, v_to_u=True, errors=lambda x: list(x)))
            run = ""

    while i < len(text):
        hit = next((p for p in phrases if text.startswith(p, i)), None)
        if hit is not None:
            flush()
            readings = fixed[hit]
            out.extend(readings)
            i += len(hit)
        else:
            run += text[i]
            i += 1
    flush()
    return out


def readings_of(char):
    """Every toneless reading pypinyin knows for one character, the usual one first."""
    seen = []
    for r in _pinyin(char, style=Style.NORMAL, heteronym=True, v_to_u=True)[0]:
        r = toneless(r)
        if r not in seen:
            seen.append(r)
    return seen


@dataclass
class Parts:
    """A name cut into its parts: stem of the 专名, ordinal number, joined modifier, 通名."""
    name: str
    specific: str  # the whole 专名 (stem + number + modifier)
    generic: str  # the 通名 from the table ("" when none matched)
    stem: str = ""
    number: int = None
    number_text: str = ""
    modifier: str = ""
    extra: dict = field(default_factory=dict)


def split_name(name, generics):
    """Cut `name` into 专名 and 通名 by the longest generic of the table that ends it and leaves a
    专名; then the 专名 into stem, ordinal number and joined modifier."""
    generic = next((g for g in sorted(generics, key=len, reverse=True) if name.endswith(g) and len(name) > len(g)), "")
    specific = name[: len(name) - len(generic)] if generic else name
    parts = Parts(name=name, specific=specific, generic=generic, stem=specific)
    if not generic:
        return parts
    stem = specific
    # 景山后街: a one-syllable modifier joins the 通名 when the 专名 keeps at least two characters,
    # an ordinal among them (经十东路 → Jing 10 Donglu).
    if len(stem) >= 3 and stem[-1] in MODIFIERS:
        parts.modifier, stem = stem[-1], stem[:-1]
    # 经五路, 纬十二路: numerals ending a 专名 that has a non-numeral stem are an ordinal.
    m = re.search(r"[零〇一二两三四五六七八九十百]+$", stem)
    if m and m.start() > 0:
        value = numeral_value(m.group())
        if value is not None:
            parts.number, parts.number_text, stem = value, m.group(), stem[: m.start()]
    parts.stem = stem
    return parts


def romanize(parts, generic_spelling="", *, spelled_numbers=False, fixed=None, override=None):
    """The romanized spelling of a split name. generic_spelling: the 通名's spelling from the table
    (e.g. "Dajie"); override: {index in name: syllable} to try another reading of a character."""
    sylls = syllables_of(parts.name, fixed)
    if override:
        sylls = [override.get(i, s) for i, s in enumerate(sylls)]
    n_stem, n_num, n_mod = len(parts.stem), len(parts.number_text), len(parts.modifier)
    stem = sylls[:n_stem]
    num = sylls[n_stem:n_stem + n_num]
    mod = sylls[n_stem + n_num:n_stem + n_num + n_mod]
    gen = sylls[n_stem + n_num + n_mod:]
    words = []
    if parts.number is not None and not spelled_numbers:
        words.append(join_syllables(stem))
        words.append(str(parts.number))
    else:
        words.append(join_syllables(stem + num))
    if parts.generic:
        if generic_spelling and not mod:
            words.append(generic_spelling)
        else:
            words.append(join_syllables(mod + gen))
    return " ".join(w for w in words if w)


def sign_text(spelling):
    """Sign text: capitals, no tone marks, apostrophes kept (CHANG'AN JIE)."""
    return spelling.upper()


def sound_key(name, fixed=None):
    """The toneless sound of a whole name, for homophones (泉城路 and 全程路 → "quan cheng lu")."""
    return " ".join(syllables_of(name, fixed)).lower().replace("ü", "v")
