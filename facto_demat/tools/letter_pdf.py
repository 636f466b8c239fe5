"""The letters' PDF from their HTML, without a database: engine calls in
parallel (one per part of several letters), each letter found by the
marker where it starts (a long letter costs pages, not engine calls), the
parts assembled into one PDF, the QR codes drawn on the letters that carry
an answer link, and each letter's own PDF or its SHA-256.

The letter run (`facto.demat.letter.run`) gives the HTML of its parts and
stores what comes back."""

import hashlib
import io
from contextlib import ExitStack

import pikepdf

from . import letter_engine, qr_code
from .pdf import (
    LETTER_MARKER_SIZE,
    compact,
    draw_qr_code,
    extract_pages,
    marked_pages,
)


class MarkerMismatch(Exception):
    """A part of the print did not mark the start of each of its letters:
    `found` markers for `expected` letters."""

    def __init__(self, found, expected):
        super().__init__(f"{found} letter start(s) marked out of {expected}")
        self.found = found
        self.expected = expected


def print_letters(parts, counts, links, engine, engine_args, deadline, workers=1):
    """Print letters into one PDF.

    `parts`: the HTML documents (str) of the letters, several to a part, in
    order; an iterable, read one part at a time while the parts before it
    print. `counts`: how many letters each part holds. `links`: one per
    letter, in order: the answer link its QR code carries, or None.
    `engine`: the path of wkhtmltopdf, `engine_args` its paper options;
    `deadline`: seconds each engine call and the QR codes may take;
    `workers`: engine calls at once.

    Returns (the PDF, bytes; each letter's (first, last) pages in it,
    counted from 1, in order). Raises `letter_engine.EngineError` or
    `RuntimeError` when the engine or the QR codes fail or time out,
    `MarkerMismatch` when a part does not mark each letter's start.
    """
    linked = [position for position, link in enumerate(links) if link]
    with (
        ExitStack() as open_documents,
        letter_engine.renderer(
            engine, engine_args, deadline=deadline, workers=workers
        ) as render,
        qr_code.drawings([links[position] for position in linked], deadline) as codes,
    ):
        futures = [render(html) for html in parts]
        # assembled while the QR codes are made
        document, pages = _assemble(
            [future.result() for future in futures], counts, open_documents
        )
        for position, drawing in zip(linked, codes(), strict=True):
            first, last = pages[position]
            draw_qr_code(document, document.pages[first - 1 : last], drawing)
        return compact(document), pages


def letter_files(pdf, pages):
    """Each letter of `pdf` (bytes) alone, `pages` being (first, last) per
    letter: [(its PDF, bytes; its SHA-256, hexadecimal)], in order."""
    letters = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for first, last in pages:
            letter = extract_pages(document, first, last)
            letters.append((letter, hashlib.sha256(letter).hexdigest()))
    return letters


def _assemble(pdfs, counts, open_documents):
    """One new PDF document of the printed parts `pdfs` (bytes; `counts`
    letters each), and each letter's (first, last) pages in it. The
    documents stay open in `open_documents` (an ExitStack) until it is
    saved."""
    document = open_documents.enter_context(pikepdf.new())
    pages = []
    for pdf, count in zip(pdfs, counts, strict=True):
        start = len(document.pages)
        source = open_documents.enter_context(pikepdf.open(io.BytesIO(pdf)))
        firsts = marked_pages(source, LETTER_MARKER_SIZE)
        if len(firsts) != count or firsts[:1] != [1]:
            raise MarkerMismatch(len(firsts), count)
        document.pages.extend(source.pages)
        ends = [first - 1 for first in firsts[1:]] + [len(source.pages)]
        pages += [
            (start + first, start + end)
            for first, end in zip(firsts, ends, strict=True)
        ]
    return document, pages
