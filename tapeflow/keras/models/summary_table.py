"""The box table of `Model.summary()`, drawn as Keras 3 draws it through rich.

Keras hands rich a table of fixed column widths, a heavy header box and a line between rows;
rich pads each cell by one space, fits the columns to the table's width, wraps words and cuts
a word longer than its cell with "…". This module follows those rules (rich's `Table`,
`ratio_reduce`, `ratio_distribute` and `Text.wrap`) for plain text, so the characters are the
same without depending on rich. Widths are counted in characters (rich counts terminal cells:
the two differ only for wide characters such as CJK in layer names).
"""

from __future__ import annotations

import math
import re

# rich's box.HEAVY_HEAD: (left, horizontal, joint, right) for each kind of line.
_TOP = ("┏", "━", "┳", "┓")
_HEAD_ROW = ("┃", None, "┃", "┃")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_ROW = ("│", None, "│", "│")
_ROW_RULE = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")
_PADDING = 2  # one space each side of a cell
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def column_widths(requested: list[int], line_length: int) -> list[int]:
    """The widths rich gives columns asked for `requested` content widths in a table of
    `line_length` characters, padding included, borders excluded."""
    available = line_length - (len(requested) + 1)  # one border before each column, one after
    widths = [min(width + _PADDING, available) for width in requested]
    if sum(widths) > available:  # fixed widths never wrap: rich shrinks them all alike
        widths = _ratio_reduce(sum(widths) - available, [1] * len(widths), widths, widths)
    if sum(widths) < available:  # a table with a width expands to it
        extra = _ratio_distribute(available - sum(widths), widths)
        widths = [width + more for width, more in zip(widths, extra)]
    return widths


def render(header: list[str], rows: list[list[str]], widths: list[int], justify: list[str]):
    """The table's lines: `widths` from `column_widths`, `justify` "left"/"right"/"center"."""
    lines = [_rule(_TOP, widths)]
    lines += _cells(_HEAD_ROW, header, widths, justify)
    lines.append(_rule(_HEAD_RULE, widths))
    for index, row in enumerate(rows):
        if index:
            lines.append(_rule(_ROW_RULE, widths))
        lines += _cells(_ROW, row, widths, justify)
    lines.append(_rule(_BOTTOM, widths))
    return lines


def _rule(box, widths) -> str:
    left, horizontal, joint, right = box
    return left + joint.join(horizontal * width for width in widths) + right


def _cells(box, texts, widths, justify) -> list[str]:
    left, _, joint, right = box
    columns = [
        _wrap(text, width - _PADDING, how) for text, width, how in zip(texts, widths, justify)
    ]
    height = max(len(lines) for lines in columns)
    out = []
    for i in range(height):
        parts = []
        for lines, width in zip(columns, widths):
            content = lines[i] if i < len(lines) else " " * (width - _PADDING)
            parts.append(f" {content} ")
        out.append(left + joint.join(parts) + right)
    return out


def _wrap(text: str, width: int, justify: str) -> list[str]:
    """rich's `Text.wrap` with overflow "ellipsis": break between words, cut a word that
    fits no line with "…", then pad each line to `width` as `justify` says."""
    lines = []
    for paragraph in text.split("\n"):
        for line in _divide(paragraph, width):
            excess = len(line) - width
            trailing = _TRAILING_SPACE.search(line)
            if excess > 0 and trailing:  # drop spaces beyond the width only
                line = line[: len(line) - min(len(trailing.group(0)), excess)]
            if justify != "left":
                line = line.rstrip()
            if len(line) > width:
                line = line[: width - 1] + "…"
            if justify == "right":
                line = line.rjust(width)
            elif justify == "center":
                before = (width - len(line)) // 2
                line = " " * before + line + " " * (width - len(line) - before)
            else:
                line = line.ljust(width)
            lines.append(line)
    return lines


def _divide(text: str, width: int) -> list[str]:
    """rich's `divide_line` without folding: the text cut before each word that does not fit
    the rest of its line (a word wider than a line gets a line of its own)."""
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    bounds = [0] + breaks + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]):
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining, out = total, []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            # Python's round (half to even), as rich uses it.
            taken = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _ratio_distribute(total: int, ratios: list[int]) -> list[int]:
    total_ratio, remaining, out = sum(ratios), total, []
    for ratio in ratios:
        share = math.ceil(ratio * remaining / total_ratio) if total_ratio > 0 else remaining
        out.append(share)
        total_ratio -= ratio
        remaining -= share
    return out
