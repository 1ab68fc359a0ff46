"""What people use today, measured on the same documents as motcua's driver.

Usage: baseline.py SPEC.json OUT.json

Input (JSON file, written by drivers/benches/wire.rs): documents, each a
list of printed lines with their style, QR payloads, and the path of the
whole document rendered as one PNG. For each document this prints the
bytes python-escpos sends:

- "text": the same lines with python-escpos's magic text encoder (it picks
  a code page per character from the printer profile: TCVN-3 pages 30/31,
  CP1258 page 52 for the default Epson profile), native QR (GS ( k),
  model 2, ECC M;
- "image": the whole document as one raster image (GS v 0), the usual
  workaround for printers without a Vietnamese code page.

Bytes are returned as hex so that the Rust side can also run them through
its printer emulator and say whether the text comes out right.
"""

import json
import sys

from escpos.printer import Dummy
from escpos import constants


def text_job(doc, profile):
    p = Dummy(profile=profile)
    p.hw("INIT")
    for item in doc["items"]:
        if item["type"] == "line":
            w, h = item["width"], item["height"]
            p.set(
                align=item["align"],
                bold=item["bold"],
                custom_size=(w, h) != (1, 1),
                width=w,
                height=h,
                normal_textsize=(w, h) == (1, 1),
            )
            p.text(item["text"] + "\n")
        elif item["type"] == "qr":
            p.set(align="center", normal_textsize=True)
            p.qr(item["payload"], ec=constants.QR_ECLEVEL_M, size=item["module"], native=True)
        elif item["type"] == "feed":
            p.ln(item["lines"])
    p.cut()
    return p.output


def image_job(doc, profile):
    p = Dummy(profile=profile)
    p.hw("INIT")
    p.image(doc["image_png"], impl="bitImageRaster", center=False, fragment_height=255)
    p.cut()
    return p.output


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    profile = spec.get("profile", "default")
    from importlib.metadata import version

    from escpos.capabilities import CAPABILITIES

    upper = CAPABILITIES["encodings"]["TCVN-3-2"]["data"]
    upper = "".join(upper) if isinstance(upper, list) else upper
    out = {
        "python_escpos": version("python-escpos"),
        # What its TCVN-3 capitals table holds where Đ belongs (0xA7).
        "tcvn3_upper_0xA7": "U+%04X" % ord(upper[0xA7 - 0x80]),
        "documents": {},
    }
    for name, doc in spec["documents"].items():
        text = text_job(doc, profile)
        image = image_job(doc, profile)
        out["documents"][name] = {
            "text_bytes": len(text),
            "text_hex": text.hex(),
            "image_bytes": len(image),
        }
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
