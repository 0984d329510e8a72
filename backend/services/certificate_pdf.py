"""The certificate as a PDF in the citizen's language, with a QR code of its signed payload.

Odia and Devanagari need shaping (vowel signs before their consonant, conjuncts), so text goes
through HarfBuzz (fpdf2's text shaping) with fonts shipped in backend/certificates/fonts/ (Lohit,
OFL; DejaVu for Latin). Each run of one script is written in that script's font."""

import io
import re
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import TTFFont

import locales

FONTS = Path(__file__).resolve().parent.parent / "certificates" / "fonts"
# Odia words one by one: Lohit Odia's space is an eighth of an em, so narrow that words ran
# together; the spaces between them are written in DejaVu's (a third of an em), as Latin text is.
_RUN = re.compile(
    r"[\u0B00-\u0B7F](?:[\u0B00-\u0B7F\u200c\u200d]*[\u0B00-\u0B7F])?"
    r"|[\u0900-\u097F](?:[\s\u0900-\u097F\u200c\u200d]*[\u0900-\u097F])?"
    r"|[^\u0900-\u097F\u0B00-\u0B7F]+"
)


def _font_of(run: str) -> str:
    code = ord(run[0])
    return "odia" if 0x0B00 <= code <= 0x0B7F else "deva" if 0x0900 <= code <= 0x097F else "latin"


class _Certificate(FPDF):
    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font("odia", fname=str(FONTS / "Lohit-Odia.ttf"))
        self.add_font("deva", fname=str(FONTS / "Lohit-Devanagari.ttf"))
        self.add_font("latin", fname=str(FONTS / "DejaVuSans.ttf"))
        self.set_text_shaping(True)
        self.set_margins(22, 22, 22)
        self.add_page()

    def write_line(self, text: str, size: float = 12, gap: float = 4, height: float = 7) -> None:
        """Writes text, script by script, wrapping at the margin."""
        for run in _RUN.findall(text):
            self.set_font(_font_of(run), size=size)
            self.write(height, run)
        self.ln(height + gap)


def render(
    *,
    reference: str,
    certificate_key: str,
    body_key: str,
    values: dict[str, object],
    office: str,
    issued_on: str,
    payload: str,
    verify_url: str,
    language: str,
) -> bytes:
    text = lambda key, **kw: locales.render(key, language, **kw)["text"]  # noqa: E731
    pdf = _Certificate()
    pdf.write_line(text("certificate_pdf.heading"), size=13, gap=2)
    pdf.write_line(text(certificate_key).upper() if language == "en" else text(certificate_key), size=20, gap=6, height=10)
    pdf.write_line(text("certificate_pdf.number", reference=reference), size=11)
    pdf.write_line(text(body_key, **values), size=13, gap=8, height=8)
    pdf.write_line(text("certificate_pdf.issued", date=issued_on, office=office), size=11, gap=6)
    qr = io.BytesIO()
    segno.make(f"{verify_url}?c={payload}", error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    pdf.image(qr, w=45)
    pdf.ln(3)
    pdf.write_line(text("certificate_pdf.verify", url=verify_url), size=9)
    _map_every_glyph(pdf)
    return bytes(pdf.output())


def _map_every_glyph(pdf: FPDF) -> None:
    """Shaping splits some vowel signs in two glyphs (Odia ୋ is େ + ା); fpdf2 gives the second
    none of the text, so a reader copying the text got a stray letter in its place. Mapping it
    to a zero-width space makes the copied text the words that were written."""
    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont):  # only the fonts added from files are shaped
            continue
        for glyph, _ in font.subset.items():
            if glyph is not None and isinstance(glyph.unicode, tuple) and not glyph.unicode:
                glyph.unicode = (0x200B,)
