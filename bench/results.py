"""One result format for every benchmark: a line {"what", "ours", "reference", "ratio", "goal",
"met"} appended to bench/results/latest.json (scripts/bench.sh starts it empty) and printed."""
import json
from pathlib import Path

LATEST = Path(__file__).resolve().parent / "results" / "latest.json"


def line(what, ours, reference, goal=None, met=None, unit=""):
    ratio = round(ours / reference, 3) if ours is not None and reference else None
    return {"what": what, "ours": ours, "reference": reference, "ratio": ratio, "goal": goal, "met": met, "unit": unit}


def report(lines):
    LATEST.parent.mkdir(parents=True, exist_ok=True)
    have = json.loads(LATEST.read_text()) if LATEST.exists() else []
    LATEST.write_text(json.dumps(have + list(lines), ensure_ascii=False, indent=1))
    show(lines)


def show(lines):
    for entry in lines:
        met = {True: "met", False: "MISSED", None: ""}[entry["met"]]
        ratio = f"{entry['ratio']:.2f}×" if entry["ratio"] is not None else "—"
        print(f"  {entry['what']:<58} ours {entry['ours']!s:>10} {entry['unit']:<6} ref {entry['reference']!s:>10}  "
              f"ratio {ratio:>7}  goal {entry['goal'] or '—':<10} {met}")


def markdown(lines):
    """The lines as the Markdown table of bench/README.md."""
    out = ["| line | ours | reference | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for e in lines:
        ratio = f"{e['ratio']:.2f}×" if e["ratio"] is not None else "—"
        met = {True: "met", False: "**missed**", None: "—"}[e["met"]]
        unit = f" {e['unit']}" if e.get("unit") else ""
        ref = f"{e['reference']}{unit}" if e["reference"] is not None else "—"
        out.append(f"| {e['what']} | {e['ours']}{unit} | {ref} | {ratio} | {e['goal'] or '—'} | {met} |")
    return "\n".join(out)


if __name__ == "__main__":
    # The whole run's table (scripts/bench.sh ends with it); --markdown for the README.
    import sys

    lines = json.loads(LATEST.read_text()) if LATEST.exists() else []
    if "--markdown" in sys.argv:
        print(markdown(lines))
    else:
        print(f"== all lines ({LATEST.relative_to(LATEST.parent.parent.parent)})")
        show(lines)
