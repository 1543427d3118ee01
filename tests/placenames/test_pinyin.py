"""The spelling of road names by the rules (GB/T 16159-2012, the 1984 rules): a table of names with
their expected pinyin and sign text, one rule per group, read against the 通名 table the migration
seeds. Then the setting that spells ordinals out, polyphone alternatives and fixed readings."""
import pytest

from geogrid.placenames import pinyin as py
from geogrid.placenames.services import check_name, spell

pytestmark = pytest.mark.django_db

TABLE = [
    # 专名 and 通名 apart, each capitalised
    ("泉城路", "Quancheng Lu", "QUANCHENG LU"),
    ("南京路", "Nanjing Lu", "NANJING LU"),
    ("文昌路", "Wenchang Lu", "WENCHANG LU"),
    ("书院巷", "Shuyuan Xiang", "SHUYUAN XIANG"),
    ("玉河大街", "Yuhe Dajie", "YUHE DAJIE"),
    ("石庄大道", "Shizhuang Dadao", "SHIZHUANG DADAO"),
    ("菊儿胡同", "Ju'er Hutong", "JU'ER HUTONG"),
    ("仁和里", "Renhe Li", "RENHE LI"),
    ("滨河道", "Binhe Dao", "BINHE DAO"),
    ("核桃峪路", "Hetaoyu Lu", "HETAOYU LU"),
    # one-syllable modifiers join their part
    ("景山后街", "Jingshan Houjie", "JINGSHAN HOUJIE"),
    ("双泉东路", "Shuangquan Donglu", "SHUANGQUAN DONGLU"),
    ("柳峪中街", "Liuyu Zhongjie", "LIUYU ZHONGJIE"),
    ("历山北路", "Lishan Beilu", "LISHAN BEILU"),
    ("大马路", "Da Malu", "DA MALU"),
    ("泉中路", "Quanzhong Lu", "QUANZHONG LU"),  # a two-character 专名 keeps its last character
    # apostrophes before a non-initial a/o/e syllable
    ("长安街", "Chang'an Jie", "CHANG'AN JIE"),
    ("西安路", "Xi'an Lu", "XI'AN LU"),
    ("永安街", "Yong'an Jie", "YONG'AN JIE"),
    ("海岸路", "Hai'an Lu", "HAI'AN LU"),
    ("天安门东街", "Tian'anmen Dongjie", "TIAN'ANMEN DONGJIE"),
    ("平安巷", "Ping'an Xiang", "PING'AN XIANG"),
    ("延安一路", "Yan'an 1 Lu", "YAN'AN 1 LU"),
    # ordinal numbers as Arabic numerals
    ("经五路", "Jing 5 Lu", "JING 5 LU"),
    ("经十路", "Jing 10 Lu", "JING 10 LU"),
    ("经十一路", "Jing 11 Lu", "JING 11 LU"),
    ("纬二十三路", "Wei 23 Lu", "WEI 23 LU"),
    ("纬一百零八路", "Wei 108 Lu", "WEI 108 LU"),
    ("经十东路", "Jing 10 Donglu", "JING 10 DONGLU"),  # an ordinal, then a joined modifier
    ("二环南路", "Erhuan Nanlu", "ERHUAN NANLU"),
    # numbers that are not ordinals stay syllables
    ("五四路", "Wusi Lu", "WUSI LU"),
    ("三里河路", "Sanlihe Lu", "SANLIHE LU"),
    ("七星街", "Qixing Jie", "QIXING JIE"),
    # ü is written ü (capital Ü on signs); no tone marks anywhere
    ("绿地路", "Lüdi Lu", "LÜDI LU"),
    ("吕家巷", "Lüjia Xiang", "LÜJIA XIANG"),
    ("女郎街", "Nülang Jie", "NÜLANG JIE"),
]


@pytest.mark.parametrize("name,spelling,sign", TABLE, ids=[t[0] for t in TABLE])
def test_the_table_of_spellings(name, spelling, sign):
    result = check_name(name)
    assert (result["pinyin"], result["sign_text"]) == (spelling, sign)
    assert result["zhuanming"] + result["tongming"] == name


def test_the_table_is_long_enough_and_covers_every_rule():
    assert len(TABLE) >= 30
    spellings = [s for _n, s, _g in TABLE]
    assert any("'" in s for s in spellings) and any(any(c.isdigit() for c in s) for s in spellings)
    assert any(" Houjie" in s for s in spellings) and any(s.startswith("Da ") for s in spellings)


def test_split_into_zhuanming_and_tongming():
    r = check_name("玉河大街")
    assert (r["zhuanming"], r["tongming"]) == ("玉河", "大街")  # the longest 通名 of the table
    r = check_name("景山后街")
    assert (r["zhuanming"], r["tongming"], r["modifier"]) == ("景山后", "街", "后")
    assert check_name("经十路")["ordinal"] == 10
    r = check_name("经十东路")
    assert (r["zhuanming"], r["tongming"], r["modifier"], r["ordinal"]) == ("经十东", "路", "东", 10)
    r = check_name("五四东路")  # numerals that are the whole stem are no ordinal, the modifier still joins
    assert (r["pinyin"], r["ordinal"]) == ("Wusi Donglu", None)


@pytest.mark.parametrize("name,spelled", [("经五路", "Jingwu Lu"), ("经十路", "Jingshi Lu"), ("经十一路", "Jingshiyi Lu"),
                                          ("纬二十三路", "Wei'ershisan Lu"), ("经十东路", "Jingshi Donglu")])
def test_the_setting_spells_ordinals_out(settings, name, spelled):
    settings.GEOGRID_PLACENAME_SPELLED_NUMBERS = True
    assert check_name(name)["pinyin"] == spelled
    assert check_name(name, spelled_numbers=False)["pinyin"] != spelled


def test_numeral_values():
    assert [py.numeral_value(t) for t in ("五", "十", "十一", "二十", "二十三", "一百零八", "两百", "路")] == [5, 10, 11, 20, 23, 108, 200, None]


def test_polyphones_are_offered_as_alternatives():
    r = check_name("长乐路")
    assert r["pinyin"] == "Changle Lu"
    alts = {(a["char"], a["reading"]): a["pinyin"] for a in r["alternatives"]}
    assert alts[("长", "zhang")] == "Zhangle Lu"
    assert alts[("乐", "yue")] == "Changyue Lu"
    assert all(a["sign_text"] == a["pinyin"].upper() for a in r["alternatives"])
    # What a staff member fixes is the reading of the 专名 as a phrase.
    zhang = next(a for a in r["alternatives"] if a["reading"] == "zhang")
    assert (zhang["phrase"], zhang["syllables"], zhang["current_syllables"]) == ("长乐", "zhang le", "chang le")
    # The 通名 comes from the table: no alternatives for it (路 lu/luo is not offered).
    assert not [a for a in r["alternatives"] if a["index"] >= 2]


def test_spell_without_the_check():
    parts, spelling = spell("泉城路")
    assert spelling == "Quancheng Lu" and parts.generic == "路"
