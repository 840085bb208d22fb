#!/usr/bin/env python
"""Rebuild the bundled CJK font subset "Estate Sans" (reports/static/fonts/).

    python reports/fonts_build.py                 # from /usr/share/fonts/opentype/noto
    python reports/fonts_build.py --source-dir D  # a folder holding NotoSansCJK-{Regular,Bold}.ttc
    python reports/fonts_build.py --check         # only list characters our texts need that the
                                                  # shipped subset lacks (exit 1 if any)

Needs fonttools and brotli (both installed with weasyprint) and the Noto Sans CJK collection
(Debian: `apt-get install fonts-noto-cjk`; only on the machine that rebuilds, never in CI).

What goes in, from Noto Sans CJK SC Regular and Bold (face 2 of the .ttc), SIL OFL 1.1:
- ASCII, Latin-1, general punctuation, letterlike symbols (℃ №), Roman numerals, arrows,
  ≈ ≠ ≤ ≥, circled numbers (① ②), box drawing, geometric shapes, ★ ☆ ✓, CJK symbols and
  punctuation, enclosed CJK (㈠ ㈱), CJK compatibility (㎡ ㎏), full-width forms (￥ ，：);
- every character encodable in GB2312 (levels 1 and 2: 6,763 hanzi, plus its symbols);
- a short list of name characters outside GB2312 (喆 堃 玥 珺 ...);
- every non-ASCII character of our report templates and code, the Chinese catalog and the
  demo data (app/demo.py, app/fees/demo.py).
Anything else falls back to the system fonts named in print.css.

The subset is renamed "Estate Sans" (a Modified Version under the OFL must not carry the
original's name) and written as WOFF2. Rerun after adding text with unusual characters, and
commit the two .woff2 files; `python -m pytest tests/reports` checks the coverage.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = Path(__file__).resolve().parent / "static" / "fonts"
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto")
FACE_SC = 2  # NotoSansCJK-*.ttc: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
FAMILY = "Estate Sans"
WEIGHTS = {"Regular": "EstateSans-Regular.woff2", "Bold": "EstateSans-Bold.woff2"}

RANGES = [
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1 (¥ · × ÷ ² °)
    (0x2010, 0x2027), (0x2030, 0x203B),  # ‐ – — ‘ ’ “ ” … ‰ ※
    (0x20AC, 0x20AC),  # €
    (0x2100, 0x2122), (0x2160, 0x217F),  # ℃ № ™, Ⅰ–Ⅻ
    (0x2190, 0x2199), (0x2212, 0x2212), (0x2248, 0x2248), (0x2260, 0x2265),  # arrows, − ≈ ≠ ≤ ≥
    (0x2460, 0x24FF),  # ① ② ⑴ ⒈ Ⓐ
    (0x2500, 0x257F), (0x25A0, 0x25FF),  # box drawing, ■ □ ▲ △ ○ ● ◎
    (0x2605, 0x2606), (0x2713, 0x2713),  # ★ ☆ ✓
    (0x3000, 0x303F),  # CJK symbols and punctuation 、。〈〉《》「」【】〔〕
    (0x3200, 0x32FF), (0x3300, 0x33FF),  # ㈠ ㈱ ㊣, ㎡ ㎏ ㎝
    (0xFE30, 0xFE4F),  # CJK compatibility forms ︰ ﹏
    (0xFF00, 0xFFEF),  # full-width forms ，：；（）￥
]

# Frequent in given names, not in GB2312 (the ones already in GB2312 are simply repeated).
EXTRA_NAME_CHARS = (
    "喆堃犇淼玥珺琨镕赟彧祎翀璟瑄琇珏焜煜晞昉旻暐堉姮珩玹瑀禛浠洺淏濛熠烜垚锘铖"
    "昇昱晟曦睿祺婧婕嫣懿骞楠梓琛瑾璇琰沅泓炜焱鑫铠钰昊玮瑶琪瑜颖"
)

LAYOUT_FEATURES = ["ccmp", "kern", "mark", "mkmk", "calt", "liga", "clig", "rlig", "tnum", "pnum", "palt", "halt"]

TEXT_SOURCES = [
    "reports/templates/**/*.html",
    "reports/**/*.py",
    "reports/static/*.css",
    "translations/zh_Hans_CN/LC_MESSAGES/messages.po",
    "app/demo.py",
    "app/fees/demo.py",
]


def gb2312_chars() -> set[str]:
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def text_chars(root: Path = ROOT) -> set[str]:
    """Every non-ASCII, printable character of the files our documents draw text from."""
    chars: set[str] = set()
    for pattern in TEXT_SOURCES:
        for path in root.glob(pattern):
            if "__pycache__" in path.parts:
                continue
            chars.update(ch for ch in path.read_text(encoding="utf-8") if ord(ch) > 0x7E and ch.isprintable())
    return chars


def wanted_chars(root: Path = ROOT) -> set[str]:
    chars = {chr(cp) for lo, hi in RANGES for cp in range(lo, hi + 1)}
    chars |= gb2312_chars() | set(EXTRA_NAME_CHARS) | text_chars(root)
    return chars


def _rename(font, weight: str) -> None:
    """A Modified Version under the OFL gets its own name."""
    ps_name = f"EstateSans-{weight}"
    full = FAMILY if weight == "Regular" else f"{FAMILY} {weight}"
    name = font["name"]
    keep = {0, 7, 8, 9, 11, 12, 13, 14}
    name.names = [n for n in name.names if n.nameID in keep]
    values = {
        1: FAMILY, 2: weight, 3: f"{ps_name};subset of Noto Sans CJK SC 2.004", 4: full,
        5: "Version 2.004; subset by reports/fonts_build.py", 6: ps_name,
        10: "Subset of Noto Sans CJK SC (SIL Open Font License 1.1) for Estate Desk documents.",
    }
    for name_id, value in values.items():
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    cff = font["CFF "].cff
    cff.fontNames = [ps_name]
    top = cff.topDictIndex[0]
    for attr, value in (("FullName", full), ("FamilyName", FAMILY), ("CIDFontName", ps_name)):
        if hasattr(top, attr):
            setattr(top, attr, value)


def build(source_dir: Path, out_dir: Path = FONTS) -> dict:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = wanted_chars()
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {}
    for weight, filename in WEIGHTS.items():
        src = source_dir / f"NotoSansCJK-{weight}.ttc"
        # keep head.modified: a rebuild from the same inputs gives the same bytes
        font = TTFont(src, fontNumber=FACE_SC, lazy=False, recalcTimestamp=False)
        cmap = font.getBestCmap()
        present = sorted(ord(c) for c in chars if ord(c) in cmap)
        options = subset.Options()
        # horizontal Simplified Chinese only: no 'locl' (pulls in the JP/KR/TC glyph forms),
        # no 'vert'/'vrt2' (vertical text), no width variants; keep tabular figures
        options.layout_features = LAYOUT_FEATURES
        options.hinting = False
        options.desubroutinize = False
        options.notdef_outline = True
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.drop_tables = [*options.drop_tables, "VORG", "vhea", "vmtx", "BASE"]
        options.flavor = "woff2"
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=present)
        subsetter.subset(font)
        _rename(font, weight)
        font.flavor = "woff2"
        target = out_dir / filename
        font.save(target)
        report[weight] = {"file": str(target.relative_to(ROOT)), "bytes": target.stat().st_size,
                          "characters": len(present), "glyphs": len(font.getGlyphOrder())}
    return report


def missing_from_shipped(root: Path = ROOT) -> dict[str, list[str]]:
    """Characters our texts use that a shipped subset lacks (GB2312 and the ranges aside)."""
    from fontTools.ttLib import TTFont

    need = text_chars(root) | set(EXTRA_NAME_CHARS)
    out = {}
    for weight, filename in WEIGHTS.items():
        cmap = TTFont(FONTS / filename).getBestCmap()
        out[weight] = sorted(c for c in need if ord(c) not in cmap and not c.isspace())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        missing = missing_from_shipped()
        for weight, chars in missing.items():
            print(f"{weight}: {len(chars)} missing {''.join(chars)}")
        return 1 if any(missing.values()) else 0
    for weight, info in build(args.source_dir).items():
        print(f"{weight}: {info['file']} {info['bytes'] / 1e6:.2f} MB, "
              f"{info['characters']} characters, {info['glyphs']} glyphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
