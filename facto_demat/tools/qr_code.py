"""QR codes of letters' answer links, drawn as PDF vectors.

qrcode encodes in pure Python, about 2 ms a code: the codes of a batch of
letters are made by another Python process (this file run as a script,
needing only qrcode), on another core, while this one renders the letters'
HTML.
"""

import itertools
from contextlib import contextmanager

import qrcode

if __name__ == "__main__":  # run by child_process, on its own
    import child_process
else:
    from . import child_process


def drawing(link, versions=None):
    """PDF content (bytes) drawing the QR code of `link` (str) in the unit
    square, first row on top, as an image is drawn: one rectangle per run of
    dark modules in a row, in whole modules, the quiet zone of two modules
    included. One fixed mask: trying all eight triples the time, and any
    mask reads back. `versions` ({length: QR version}), when given, keeps
    the version found for links of that length: a run's links all have the
    same length, and finding it takes a quarter of the time."""
    versions = {} if versions is None else versions
    code = qrcode.QRCode(version=versions.get(len(link)), border=2, mask_pattern=0)
    code.add_data(link)
    code.make(fit=len(link) not in versions)
    versions[len(link)] = code.version
    modules = code.get_matrix()
    size = len(modules)
    rectangles = []
    for row, line in enumerate(modules):
        column = 0
        for dark, run in itertools.groupby(line):
            width = sum(1 for _module in run)
            if dark:
                rectangles.append(f"{column} {size - 1 - row} {width} 1 re")
            column += width
    scale = f"{1 / size:.6f}"
    return "\n".join([f"q {scale} 0 0 {scale} 0 0 cm 0 g", *rectangles, "f Q"]).encode()


@contextmanager
def drawings(links, deadline):
    """Draw the QR codes of `links` (list of str) in another process; yield
    a function that waits for them and returns the drawings (see `drawing`)
    in order, raising `RuntimeError` when the process fails or runs out of
    `deadline` seconds. Leaving the context ends the process."""
    if not links:
        yield list
        return
    with child_process.running(__file__, links, deadline) as answer:
        yield lambda: [text.encode() for text in answer()]


def _drawings(links):
    found = {}
    return [drawing(link, found).decode() for link in links]


if __name__ == "__main__":
    child_process.serve(_drawings)
