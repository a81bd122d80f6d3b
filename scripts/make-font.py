#!/usr/bin/env python3
"""Builds assets/fonts/FundcastSans.ttf, the one font of the PNG charts: DejaVu Sans's
Latin, Greek and symbols and Droid Sans Fallback's CJK (the 6,763 hanzi of GB 2312, CJK
punctuation, kana, full-width forms), merged into one face, hinting dropped.

Needs fonttools (pip install fonttools) and Debian's fonts-dejavu-core and
fonts-droid-fallback. Usage: python3 scripts/make-font.py (from the repository root).
The result is committed; nothing at build or run time needs these packages.
"""
import os
import tempfile

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
OUT = "assets/fonts/FundcastSans.ttf"

latin = set(range(0x20, 0x7F)) | set(range(0xA0, 0x250)) | set(range(0x370, 0x400))
latin |= set(range(0x2000, 0x2070)) | set(range(0x20A0, 0x20C0)) | set(range(0x2100, 0x2200))
latin |= set(range(0x2190, 0x2200)) | set(range(0x2200, 0x2300)) | set(range(0x2500, 0x25A0))
cjk = set(range(0x3000, 0x3100)) | set(range(0xFF00, 0xFFF0))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            cjk |= {ord(c) for c in bytes([hi, lo]).decode("gb2312")}
        except UnicodeDecodeError:
            pass


def cut(path, codes, tmp, upem=None):
    font = TTFont(path)
    if upem and font["head"].unitsPerEm != upem:
        scale_upem(font, upem)
    opts = subset.Options()
    opts.hinting = False
    opts.layout_features = []
    opts.name_IDs = ["*"]
    opts.notdef_outline = True
    s = subset.Subsetter(opts)
    s.populate(unicodes=codes)
    s.subset(font)
    for t in ["GPOS", "GSUB", "GDEF", "kern", "vhea", "vmtx", "VORG", "fpgm", "prep", "cvt ", "gasp", "hdmx", "LTSH", "VDMX"]:
        if t in font:
            del font[t]
    font.save(tmp)


with tempfile.TemporaryDirectory() as d:
    a, b = os.path.join(d, "a.ttf"), os.path.join(d, "b.ttf")
    cut(DEJAVU, latin, a)
    cut(DROID, cjk - latin, b, upem=2048)
    merged = Merger().merge([a, b])
    names = merged["name"]
    for rec in list(names.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17):
            names.removeNames(nameID=rec.nameID)
    names.setName("Fundcast Sans", 1, 3, 1, 0x409)
    names.setName("Fundcast Sans Regular", 3, 3, 1, 0x409)
    names.setName("Fundcast Sans", 4, 3, 1, 0x409)
    names.setName("FundcastSans", 6, 3, 1, 0x409)
    merged.save(OUT)
print(OUT, os.path.getsize(OUT), "bytes")
