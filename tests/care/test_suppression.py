"""Small cells of the public care statistics (privacy.suppress_small_cells), on tables made for the
test (no database): a grid's count below k is hidden from callers outside the grid, and no hidden
cell can be had back by subtraction from a row or a column total."""
import copy
import random

from geogrid.care.privacy import SUPPRESSED_FIELDS, suppress_small_cells

K = 3
CATS = ["独居/空巢老人", "低保对象", "残疾人"]


def row(code, cats, subjects=None, overdue=0, visits=5, needs=0, resolved=0):
    subjects = sum(cats) if subjects is None else subjects
    return {"code": code, "name": code, "per_category": list(cats), "subjects": subjects, "overdue": overdue,
            "coverage": 100.0 * (subjects - overdue) / subjects, "visits": visits, "on_time": 80.0, "needs": needs,
            "resolved": resolved}


def table(*rows):
    rows = [copy.deepcopy(r) for r in rows]
    per_category = [sum(r["per_category"][j] for r in rows) for j in range(len(CATS))]
    total = {f: sum(r[f] for r in rows) for f in SUPPRESSED_FIELDS}
    total.update(coverage=50.0, on_time=80.0)
    return {"categories": CATS, "rows": rows, "per_category": per_category, "total": total}


def cells(t):
    return [r["per_category"] + [r[f] for f in SUPPRESSED_FIELDS] for r in t["rows"]]


def test_a_grid_with_few_subjects_shows_nothing_and_cells_that_would_give_it_away_go_too():
    t = suppress_small_cells(table(row("A", [2, 0, 0]), row("B", [6, 5, 0]), row("C", [4, 3, 4])), set(), K)
    a, b, c = t["rows"]
    assert a["per_category"] == [None, None, None] and a["subjects"] is None and a["coverage"] is None
    assert {"subjects", "overdue", "visits", "coverage", "on_time"} <= set(a["hidden"])
    # 残疾人 0 of B is hidden too: a hidden cell does not tell whether anyone is there.
    assert b["per_category"][2] is None
    # The 独居 and 低保 columns had A alone hidden (the total minus B and C would give it): C's
    # smallest cells there go; subjects, overdue, visits: B's (ties go to the first grid).
    assert c["per_category"] == [None, None, 4] and c["subjects"] == 11 and c["hidden"] == [CATS[0], CATS[1]]
    assert b["per_category"][:2] == [6, 5] and b["subjects"] is None and b["visits"] is None and b["coverage"] is None
    # The district totals stay: each hides at least two grids' cells now.
    assert t["total"]["subjects"] == 24 and t["per_category"] == [12, 8, 4] and t["hidden"] == []


def test_small_cells_that_fill_what_they_could_hold_are_covered():
    # A and B show nothing (2 subjects each), so each holds at most 2 of a category; 独居 4 in all
    # minus C's 5 would prove 2 and 2: C's 独居 is hidden too.
    t = suppress_small_cells(table(row("A", [2, 0, 0]), row("B", [2, 0, 0]), row("C", [5, 4, 3])), set(), K)
    assert t["rows"][2]["per_category"][0] is None and t["per_category"][0] == 9


def test_the_grids_of_the_caller_stay_exact_and_never_cover_for_others():
    # Known A is exact; B (1 subject) is hidden, and nothing else may cover it: the totals go.
    t = suppress_small_cells(table(row("A", [5, 4, 0], overdue=2), row("B", [1, 0, 0])), {"A"}, K)
    a, b = t["rows"]
    assert (a["per_category"], a["subjects"], a["overdue"], a["hidden"]) == ([5, 4, 0], 9, 2, [])
    assert b["subjects"] is None and b["per_category"] == [None, None, None]
    assert t["total"]["subjects"] is None and t["per_category"][0] is None
    assert {"subjects", "coverage", CATS[0]} <= set(t["hidden"])
    # The same table for a caller responsible for both: nothing hidden.
    t = suppress_small_cells(table(row("A", [5, 4, 0]), row("B", [1, 0, 0])), {"A", "B"}, K)
    assert t["hidden"] == [] and t["total"]["subjects"] == 10 and all(r["hidden"] == [] for r in t["rows"])


def test_no_hidden_cell_can_be_had_by_subtraction_in_random_tables():
    rnd = random.Random(15)
    for _ in range(300):
        n = rnd.randint(1, 7)
        rows = []
        for i in range(n):
            cats = [rnd.choice([0, 0, 1, 2, 3, 5, 8, 13]) for _c in CATS]
            if not any(cats):
                cats[0] = 1
            subjects = sum(cats)
            rows.append(row(f"G{i}", cats, overdue=rnd.randint(0, subjects), visits=rnd.randint(0, 9), needs=rnd.randint(0, 4),
                            resolved=0))
        known = {f"G{i}" for i in range(n) if rnd.random() < 0.2}
        before = table(*rows)
        t = suppress_small_cells(copy.deepcopy(before), known, K)
        shown, exact = cells(t), cells(before)
        for i, r in enumerate(t["rows"]):
            if r["code"] in known:
                assert shown[i] == exact[i] and r["hidden"] == []
                continue
            # A grid of fewer than K subjects shows nothing; in the others every category below K is
            # hidden (zeros too); a shown figure is exact.
            assert all(s in (None, e) for s, e in zip(shown[i], exact[i]))
            if exact[i][len(CATS)] < K:
                assert shown[i] == [None] * len(shown[i])
            assert all(v is None for v, e in zip(r["per_category"], exact[i]) if e < K)
            hidden_cats = sum(1 for v in r["per_category"] if v is None)
            assert r["subjects"] is None or hidden_cats != 1  # not the row total minus the others
            assert r["subjects"] is not None or hidden_cats >= 1
            if r["subjects"] is None or r["overdue"] is None:
                assert r["coverage"] is None  # a percentage goes with its count
        ncol = len(CATS) + len(SUPPRESSED_FIELDS)
        totals = t["per_category"] + [t["total"][f] for f in SUPPRESSED_FIELDS]
        subjects = len(CATS)
        for j in range(ncol):
            hidden = [i for i in range(n) if shown[i][j] is None]
            if totals[j] is None or not hidden:
                continue
            assert len(hidden) != 1, (j, exact, shown)  # not the column total minus the others
            # Nor a small cell proved present: the hidden cells' sum (the total minus what is shown)
            # fits in what the others could hold, as a reader can bound them (a grid that shows
            # nothing: under K; a category or overdue: the grid's subjects when shown).
            def upper(i):
                if all(v is None for v in shown[i]):
                    return K - 1 if j <= subjects + 1 else float("inf")
                if j < subjects or j == subjects + 1:
                    return shown[i][subjects] if shown[i][subjects] is not None else float("inf")
                return float("inf")
            s = sum(exact[i][j] for i in hidden)
            for i in hidden:  # the cells the rule protects: a small grid's, and small categories
                if 0 < exact[i][j] < K and (exact[i][subjects] < K or j < subjects):
                    known = 1 if j == subjects else 0  # a listed grid has someone in care
                    assert s - sum(upper(x) for x in hidden if x != i) <= known, (j, i, exact, shown)
