"""Drawing the hop picture: boxes down the left, an arrow between each two, lines beside it.

What: `draw(rows, arrows, below)` lays out one box per hop (a name and a note), an arrow under
each box but the last with its `Line`s to the right, and the `below` lines under the last box;
every text is escaped here, so the result can be inlined in a page as it is.
When: labs/book/hops.py decides what the lines say and how each is toned; this only places them.
Why: a fixed width and one text line per value keep the picture readable on a projector, and the
colours are attributes (not a stylesheet), so the SVG reads the same saved as a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 960
LINE_H = 18  # pixels per text line
BOX_W, BOX_H = 220, 44
TEXT_X = BOX_W + 40  # where the labels beside an arrow start
MAX_CHARS = 95  # a value longer than this is cut, with an ellipsis: the SVG has a fixed width
COLOURS = {
    "plain": "#1f2328",
    "dim": "#59636e",
    "added": "#116329",
    "replaced": "#7d4e00",
    "dropped": "#a40e26",
    "lost": "#a40e26",
    "box": "#f6f8fa",
}


@dataclass(frozen=True)
class Line:
    """One line of text in the picture: what it says, its tone, and a class to find it by."""

    text: str
    tone: str = "plain"  # a key of COLOURS
    css: str = ""  # a class name, so a test or a stylesheet can find the line


def draw(rows: list[tuple[str, str]], arrows: list[list[Line]], below: list[Line]) -> str:
    """`rows` are the boxes (name, note), top to bottom; `arrows[i]` the lines beside the arrow
    under box i; `below` the lines under the last box."""
    parts: list[str] = []
    y = 10
    for index, (name, note) in enumerate(rows):
        parts.append(_box(y, name, note))
        y += BOX_H
        if index < len(arrows):
            lines = arrows[index]
            height = max(40, LINE_H * len(lines) + 14)
            parts.append(_arrow(y, height))
            parts += [_text(TEXT_X, y + 16 + LINE_H * n, line) for n, line in enumerate(lines)]
            y += height
    y += 14
    parts += [_text(10, y + LINE_H * n, line) for n, line in enumerate(below)]
    height = y + LINE_H * len(below) + 6
    title = " → ".join(name for name, _ in rows)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hops" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="ui-monospace, monospace" font-size="13">'
        f"<title>{escape(title)}</title>"
        '<defs><marker id="arrowhead" markerWidth="8" markerHeight="8" refX="8" refY="4" orient="auto">'
        f'<path d="M0,0 L8,4 L0,8 z" fill="{COLOURS["dim"]}"/></marker></defs>' + "".join(parts) + "</svg>"
    )


def _box(y: int, name: str, note: str) -> str:
    return (
        f'<g class="hop-box"><rect x="10" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{COLOURS["box"]}" stroke="{COLOURS["dim"]}"/>'
        f'<text x="22" y="{y + 19}" font-weight="bold" fill="{COLOURS["plain"]}">'
        f"{escape(_cut(name, 26))}</text>"
        f'<text x="22" y="{y + 36}" fill="{COLOURS["dim"]}">{escape(_cut(note, 28))}</text></g>'
    )


def _arrow(y: int, height: int) -> str:
    x = 10 + BOX_W // 2
    return (
        f'<line x1="{x}" y1="{y + 2}" x2="{x}" y2="{y + height - 10}" stroke="{COLOURS["dim"]}" '
        'stroke-width="2" marker-end="url(#arrowhead)"/>'
    )


def _text(x: int, y: int, line: Line) -> str:
    weight = ' font-weight="bold"' if line.tone == "lost" else ""
    css = f' class="{line.css}"' if line.css else ""
    return (
        f'<text x="{x}" y="{y}"{css} fill="{COLOURS[line.tone]}"{weight} xml:space="preserve">'
        f"{escape(_cut(line.text, MAX_CHARS))}</text>"
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
