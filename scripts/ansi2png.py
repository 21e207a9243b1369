#!/usr/bin/env python3
"""Render a terminal capture with ANSI colours (`tmux capture-pane -e -p`)
to a PNG, cell by cell, with DejaVu Sans Mono. Used by scripts/screenshots.sh.

Usage: ansi2png.py INPUT.ansi OUTPUT.png [COLUMNS ROWS]
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
BG = (24, 26, 33)
FG = (208, 212, 220)
# a dark palette for the 16 ANSI colours
PALETTE = [
    (40, 42, 54), (235, 96, 96), (120, 200, 120), (230, 200, 90),
    (100, 150, 240), (200, 120, 220), (90, 200, 210), (190, 190, 190),
    (110, 115, 130), (255, 130, 130), (150, 230, 150), (255, 230, 130),
    (140, 180, 255), (230, 150, 255), (130, 230, 240), (245, 245, 245),
]


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def parse(text, columns, rows):
    """A grid of (char, fg, bg, bold, dim, underline, reverse) per cell."""
    grid = []
    state = {"fg": None, "bg": None, "bold": False, "dim": False, "ul": False, "rev": False}
    for line in text.split("\n")[:rows]:
        row = []
        pos = 0
        for m in SGR.finditer(line + "\x1b[m"):
            for ch in line[pos:m.start()]:
                if len(row) < columns:
                    row.append((ch, dict(state)))
            pos = m.end()
            codes = [int(c) if c else 0 for c in m.group(1).split(";")] if m.group(1) else [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    state.update(fg=None, bg=None, bold=False, dim=False, ul=False, rev=False)
                elif c == 1:
                    state["bold"] = True
                elif c == 2:
                    state["dim"] = True
                elif c == 4:
                    state["ul"] = True
                elif c == 7:
                    state["rev"] = True
                elif c == 22:
                    state.update(bold=False, dim=False)
                elif c == 24:
                    state["ul"] = False
                elif c == 27:
                    state["rev"] = False
                elif 30 <= c <= 37:
                    state["fg"] = PALETTE[c - 30]
                elif 90 <= c <= 97:
                    state["fg"] = PALETTE[c - 90 + 8]
                elif 40 <= c <= 47:
                    state["bg"] = PALETTE[c - 40]
                elif 100 <= c <= 107:
                    state["bg"] = PALETTE[c - 100 + 8]
                elif c == 39:
                    state["fg"] = None
                elif c == 49:
                    state["bg"] = None
                elif c in (38, 48) and i + 1 < len(codes):
                    key = "fg" if c == 38 else "bg"
                    if codes[i + 1] == 5 and i + 2 < len(codes):
                        state[key] = xterm256(codes[i + 2])
                        i += 2
                    elif codes[i + 1] == 2 and i + 4 < len(codes):
                        state[key] = tuple(codes[i + 2:i + 5])
                        i += 4
                i += 1
        while len(row) < columns:
            row.append((" ", dict(state, fg=None, bg=None, ul=False, rev=False)))
        grid.append(row)
    while len(grid) < rows:
        grid.append([(" ", {"fg": None, "bg": None, "bold": False, "dim": False, "ul": False, "rev": False})] * columns)
    return grid


def render(grid, out):
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    cw = round(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    ch = ascent + descent + 2
    pad = 12
    img = Image.new("RGB", (len(grid[0]) * cw + 2 * pad, len(grid) * ch + 2 * pad), BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(grid):
        for x, (char, st) in enumerate(row):
            fg = st["fg"] or FG
            bg = st["bg"] or BG
            if st["rev"]:
                fg, bg = bg, fg
            if st["dim"]:
                fg = tuple((a + b) // 2 for a, b in zip(fg, BG))
            left, top = pad + x * cw, pad + y * ch
            if bg != BG:
                draw.rectangle([left, top, left + cw - 1, top + ch - 1], fill=bg)
            if char.strip():
                draw.text((left, top + 1), char, font=bold if st["bold"] else regular, fill=fg)
            if st["ul"]:
                draw.line([left, top + ch - 2, left + cw - 1, top + ch - 2], fill=fg)
    img.save(out)


def main():
    source, out = sys.argv[1], sys.argv[2]
    columns = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 36
    with open(source, encoding="utf-8", errors="replace") as f:
        text = f.read()
    render(parse(text.rstrip("\n"), columns, rows), out)


if __name__ == "__main__":
    main()
