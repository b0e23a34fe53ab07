#!/usr/bin/env python3
"""Regenerates tests/fixtures/encrypted.xlsx: a small workbook made by
LibreOffice from a CSV, then encrypted with the password "abc" by
msoffcrypto-tool (pip install msoffcrypto-tool). LibreOffice headless cannot
write an encrypted file from the command line. Run from the repository root."""
import io
import os
import subprocess
import tempfile

from msoffcrypto.format.ooxml import OOXMLFile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with tempfile.TemporaryDirectory() as tmp:
    csv = os.path.join(tmp, "form.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("试点地区,试点任务及要求完成时间\n河北省,钢铁行业\n")
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", tmp, csv],
        check=True, capture_output=True)
    with open(os.path.join(tmp, "form.xlsx"), "rb") as f:
        out = io.BytesIO()
        OOXMLFile(f).encrypt("abc", out)
    with open(os.path.join(root, "tests", "fixtures", "encrypted.xlsx"), "wb") as f:
        f.write(out.getvalue())
