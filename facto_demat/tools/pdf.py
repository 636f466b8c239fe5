import base64
import hashlib
import io
import re
import tempfile
from functools import cache

import pikepdf
from PIL import Image

if __name__ == "__main__":  # run by child_process, on its own
    import child_process
else:
    from . import child_process

# Markers the letter template shows, white images of sizes (pixels) no
# letter shows otherwise: where a QR code goes, stamped over by
# `draw_qr_code`, and where each letter starts (`marked_pages`).
QR_MARKER_SIZE = (7, 5)
LETTER_MARKER_SIZE = (7, 3)


def save_pages(pages, keywords=None):
    """A PDF (bytes) of these pages (of open documents), with `keywords`
    (str) in its document properties when given: the same bytes every time
    for the same pages and the same pikepdf release (its /ID is qpdf's
    fixed one: working it out from the content costs a sixth of the time)."""
    document = pikepdf.new()
    document.pages.extend(pages)
    if keywords:
        document.docinfo["/Keywords"] = keywords
    stream = io.BytesIO()
    document.save(stream, static_id=True)
    return stream.getvalue()


def merge_pdfs(pdfs, keywords=None):
    """One PDF of these PDFs, one after the other (see `save_pages`). qpdf
    (through pikepdf) merges 10,000 pages in a fraction of the memory PyPDF2
    needs."""
    sources = [pikepdf.open(io.BytesIO(pdf)) for pdf in pdfs]
    try:
        return save_pages(
            [page for source in sources for page in source.pages], keywords
        )
    finally:
        for source in sources:
            source.close()


def extract_pages(pdf, first, last):
    """The PDF (bytes) of pages `first` to `last` (counted from 1) of `pdf`
    (bytes, or an open pikepdf document): see `save_pages`."""
    if isinstance(pdf, bytes):
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return extract_pages(document, first, last)
    return save_pages(pdf.pages[first - 1 : last])


def letter_hashes(pdf, letters, deadline):
    """The SHA-256 (hexadecimal) of each letter of `pdf` (bytes) extracted
    alone (see `extract_pages`), `letters` being (first, last) pages. Half
    of them are extracted by another process meanwhile, within `deadline`
    seconds; raises `RuntimeError` when it fails."""
    half = len(letters) // 2
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        request = {"pdf": file.name, "letters": letters[half:]}
        with child_process.running(__file__, request, deadline) as second_half:
            with pikepdf.open(io.BytesIO(pdf)) as document:
                first_half = _hashes(document, letters[:half])
            return first_half + second_half()


def _hashes(document, letters):
    return [
        hashlib.sha256(extract_pages(document, first, last)).hexdigest()
        for first, last in letters
    ]


def _hashes_of_file(request):
    with pikepdf.open(request["pdf"]) as document:
        return _hashes(document, request["letters"])


def compact(document):
    """`document` (an open pikepdf document) saved with its small objects
    packed and compressed together: the same bytes every time."""
    stream = io.BytesIO()
    document.save(
        stream,
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return stream.getvalue()


@cache
def marker_data_uri(size):
    """The marker of this size (`QR_MARKER_SIZE`, `LETTER_MARKER_SIZE`) as a
    PNG data URI."""
    stream = io.BytesIO()
    Image.new("1", size, 1).save(stream, format="PNG")
    return "data:image/png;base64," + base64.b64encode(stream.getvalue()).decode()


def _markers(page, size):
    """The names of the images of `page` (a pikepdf page) that are markers of
    this size."""
    return [
        name
        for name, xobject in page.obj.Resources.get("/XObject", {}).items()
        if xobject.get("/Subtype") == "/Image"
        and (int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0))) == size
    ]


def marked_pages(document, size):
    """The numbers (counted from 1) of the pages of `document` (an open
    pikepdf document) that show the marker of this size."""
    return [
        number
        for number, page in enumerate(document.pages, start=1)
        if _markers(page, size)
    ]


def draw_qr_code(document, pages, drawing):
    """Draw the QR code `drawing` (PDF content of the unit square, see
    `tools.qr_code.drawing`) in place of the QR code marker on the first of
    `pages` (of `document`) that shows it, the same size and place. Raises
    `ValueError` when none does.

    wkhtmltopdf would draw an SVG code as some 800 strokes at nine digits
    each (about 5 KB a letter) and a PNG one as a JPEG: here the code is a
    form of whole-number squares (about 1.5 KB), and sharp.
    """
    for page in pages:
        markers = _markers(page, QR_MARKER_SIZE)
        if not markers:
            continue
        page.contents_coalesce()
        form = pikepdf.Stream(
            document,
            drawing,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Form,
            BBox=[0, 0, 1, 1],
        )
        form = page.add_resource(form, pikepdf.Name.XObject, prefix="QR")
        content, drawn = re.subn(
            re.escape(str(markers[0]).encode()) + rb"\s+Do\b",
            str(form).encode() + b" Do",
            page.obj.Contents.read_bytes(),
            count=1,
        )
        if drawn:
            page.obj.Contents.write(content)
            return
    raise ValueError("no QR code marker on these pages")


if __name__ == "__main__":
    child_process.serve(_hashes_of_file)
