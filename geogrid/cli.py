"""Console output shared by every management command (imports, topology, roles, demo): a progress
line and a table aligned for Chinese text (a CJK character takes two columns)."""
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=8192)
def _char_width(ch):
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def width(text):
    text = str(text)
    if text.isascii():  # codes and figures: a table of a city's 10⁵ grids is mostly these
        return len(text)
    return sum(map(_char_width, text))


def table(headers, rows, align=None):
    """Lines of a plain-text table; align: a string of 'l'/'r' per column (numbers right)."""
    rows = [[str(c) for c in r] for r in rows]
    align = align or "l" * len(headers)
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        out = []
        for c, w, a in zip(cells, widths, align):
            pad = " " * (w - width(c))
            out.append(pad + c if a == "r" else c + pad)
        return "  ".join(out).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows]


class Progress:
    """progress(i, n) for the import services: rewrites one line on a terminal, else prints a
    line every 10 %."""

    def __init__(self, stream, label):
        self.stream, self.label, self.last = stream, label, -1
        self.tty = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, i, n):
        if self.tty:
            self.stream.write(f"\r{self.label} {i}/{n}", ending="")
            if i == n:
                self.stream.write("")
            self.stream.flush()
            return
        step = i * 10 // n
        if step != self.last or i == n:
            self.last = step
            self.stream.write(f"{self.label} {i}/{n}")
