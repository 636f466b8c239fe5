import io

import pikepdf
import pypdfium2
import zxingcpp

from odoo.tests import BaseCase, tagged
from odoo.tools import find_in_path

from ..tools import letter_pdf
from ..tools.pdf import LETTER_MARKER_SIZE, QR_MARKER_SIZE, marker_data_uri

PAGE = '<div style="page-break-after: always;">Page</div>'


def letter(pages, qr_code=False):
    """The HTML of one letter of `pages` pages, marked where it starts as
    the letter template marks it, with a QR code marker when asked."""
    start = f'<img src="{marker_data_uri(LETTER_MARKER_SIZE)}" width="1" height="1">'
    code = (
        f'<img src="{marker_data_uri(QR_MARKER_SIZE)}" style="width: 30mm;">'
        if qr_code
        else ""
    )
    return f"<div>{start}{PAGE * (pages - 1)}<p>Fin</p>{code}</div>" + PAGE


def document(*letters):
    return f"<html><body>{''.join(letters)}</body></html>".replace(
        PAGE + "</body>", "</body>"
    )


@tagged("post_install", "-at_install")
class TestLetterPdf(BaseCase):
    """The letters' PDF pipeline on its own, without a database: parts
    printed, letters found by their start, QR codes drawn, each letter
    taken out alone."""

    def print_letters(self, parts, counts, links):
        return letter_pdf.print_letters(
            parts,
            counts,
            links,
            find_in_path("wkhtmltopdf"),
            ["--quiet"],
            deadline=120,
            workers=2,
        )

    def test_parts_are_assembled_with_each_letter_its_pages_and_code(self):
        links = ["https://example.com/demat/a", None, "https://example.com/demat/c"]
        parts = [
            document(letter(1, qr_code=True), letter(3)),
            document(letter(2, qr_code=True)),
        ]
        pdf, pages = self.print_letters(iter(parts), [2, 1], links)
        self.assertEqual(pages, [(1, 1), (2, 4), (5, 6)])
        with pikepdf.open(io.BytesIO(pdf)) as printed:
            self.assertEqual(len(printed.pages), 6)
        files = letter_pdf.letter_files(pdf, pages)
        for (single, _sha256), (first, last), link in zip(
            files, pages, links, strict=True
        ):
            reader = pypdfium2.PdfDocument(single)
            self.assertEqual(len(reader), last - first + 1)
            codes = [
                code.text
                for page in reader
                for code in zxingcpp.read_barcodes(page.render(scale=2).to_pil())
            ]
            self.assertEqual(codes, [link] if link else [])

    def test_same_letters_same_bytes_and_hashes(self):
        parts = [document(letter(1), letter(2))]
        first = self.print_letters(parts, [2], [None, None])
        again = self.print_letters(parts, [2], [None, None])
        self.assertEqual(
            letter_pdf.letter_files(*first), letter_pdf.letter_files(*again)
        )

    def test_a_part_that_hides_a_letter_start_is_refused(self):
        hidden = document(letter(1), "<div><p>No marker here</p></div>")
        with self.assertRaises(letter_pdf.MarkerMismatch) as refused:
            self.print_letters([hidden], [2], [None, None])
        self.assertEqual((refused.exception.found, refused.exception.expected), (1, 2))
