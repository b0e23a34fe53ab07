#!/usr/bin/env python3
"""Makes the faces the PDF renderer embeds, in templates/fonts/:

  PermitFormsSerif-Regular.otf  宋体-style body text, from Noto Serif CJK SC, GBK set
  PermitFormsSans-Regular.otf   黑体-style titles and marks, from Noto Sans CJK SC, GB2312 set

Source: the Simplified Chinese faces of Noto Serif CJK and Noto Sans CJK (SIL Open
Font License 1.1, version 2.001 / 2.004), as shipped in Debian's fonts-noto-cjk
package (NotoSerifCJK-Regular.ttc, NotoSansCJK-Regular.ttc) or from
https://github.com/notofonts/noto-cjk (Serif/OTC, Sans/OTC, or the single
SimplifiedChinese OTF files).

What this does:
1. Picks the face whose family name is "Noto Serif CJK SC" (or "Noto Sans CJK SC")
   from the collection (index 2 in the Debian files), so only one face is shipped.
2. Subsets it with fontTools (pip install fonttools) to the characters the forms and
   reports can contain. Serif: every character of GBK (its 21,886 ideographs, symbols
   and full-width forms, a superset of GB2312), so rare characters in names are
   covered. Sans (titles only): GB2312, to keep the file small. Both: printable
   ASCII, Latin-1, general and CJK punctuation, full-width forms, and the tick-box
   symbols (□ ■ √ ✓ ● ○). OpenType layout tables and hinting are dropped: the
   renderer places glyphs by their advance widths and never shapes.
3. Renames the face. The OFL forbids a Modified Version to use a Reserved Font Name
   (Noto CJK is derived from Adobe's Source Han, with Reserved Font Name "Source"),
   and "Noto" is a Google trademark, so the subsets are called "Permit Forms Serif"
   and "Permit Forms Sans". The copyright notice and the licence fields of the name
   table are kept; OFL.txt next to the fonts carries the licence.

Usage:
  python3 scripts/make-font.py serif NotoSerifCJK-Regular.ttc templates/fonts/PermitFormsSerif-Regular.otf
  python3 scripts/make-font.py sans NotoSansCJK-Regular.ttc templates/fonts/PermitFormsSans-Regular.otf
The renderer and the tests do not run this script; it documents how the files were made.
"""

import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

STYLES = {
    # style: (family, PostScript name, source family, source PostScript name, charset)
    "serif": ("Permit Forms Serif", "PermitFormsSerif-Regular", "Noto Serif CJK SC",
              "NotoSerifCJKsc-Regular", "gbk"),
    "sans": ("Permit Forms Sans", "PermitFormsSans-Regular", "Noto Sans CJK SC",
             "NotoSansCJKsc-Regular", "gb2312"),
}

# Characters the forms use beyond GBK (some are in GBK already; duplicates are harmless).
EXTRA = "□■√✓✔●○◆◇★☆…—–‘’“”·•※①②③④⑤⑥⑦⑧⑨⑩"


def double_byte_chars(codec):
    """Every character `codec` (gbk or gb2312) encodes in two bytes."""
    out = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            if trail == 0x7F:
                continue
            try:
                out.add(bytes([lead, trail]).decode(codec))
            except UnicodeDecodeError:
                pass
    return out


def wanted_codepoints(codec):
    cps = {ord(c) for c in double_byte_chars(codec)}
    ranges = [
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1 supplement (° × ÷ ·)
        (0x2010, 0x205E),  # general punctuation
        (0x2460, 0x2473),  # circled numbers
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF01, 0xFF5E),  # full-width ASCII forms
        (0xFFE0, 0xFFE6),  # full-width signs
    ]
    for lo, hi in ranges:
        cps.update(range(lo, hi + 1))
    cps.update(ord(c) for c in EXTRA)
    return cps


def load_face(path, source_family):
    if path.lower().endswith((".ttc", ".otc")):
        for face in TTCollection(path).fonts:
            if face["name"].getDebugName(1) == source_family:
                return face
        sys.exit(f"{path}: no face named {source_family}")
    return TTFont(path)


def rename(font, FAMILY, PS_NAME, source_ps):
    name = font["name"]
    for rec in list(name.names):
        if rec.nameID in (1, 4, 16, 18, 21):
            rec.string = FAMILY if rec.nameID in (1, 16, 21) else FAMILY + " Regular"
        elif rec.nameID == 3:
            rec.string = "2.001;" + PS_NAME + ";subset"
        elif rec.nameID == 6:
            rec.string = PS_NAME
        elif rec.nameID in (2, 17, 22):
            rec.string = "Regular"
    cff = font["CFF "].cff
    cff.fontNames = [PS_NAME]
    top = cff.topDictIndex[0]
    for key in ("FullName", "FamilyName"):
        if hasattr(top, key):
            setattr(top, key, FAMILY)
    if hasattr(top, "FDArray"):
        for fd in top.FDArray:
            if hasattr(fd, "FontName"):
                fd.FontName = fd.FontName.replace(source_ps, PS_NAME)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in STYLES:
        sys.exit(__doc__)
    style, src, dst = sys.argv[1:]
    family, ps_name, source_family, source_ps, codec = STYLES[style]
    font = load_face(src, source_family)
    have = set(font.getBestCmap())
    want = wanted_codepoints(codec)
    missing = sorted(c for c in want if c not in have and not (0xE000 <= c <= 0xF8FF))
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(want & have))
    sub.subset(font)
    rename(font, family, ps_name, source_ps)
    # Keep the source's head.modified so the same input gives the same file.
    font.recalcTimestamp = False
    font.save(dst)
    print(f"{dst}: {len(font.getGlyphOrder())} glyphs, {len(want & have)} characters")
    shown = "".join(chr(c) for c in missing if c >= 0x2000)
    print(f"not in the source face ({len(missing)}): {shown}")


if __name__ == "__main__":
    main()
