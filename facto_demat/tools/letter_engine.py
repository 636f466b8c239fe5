"""Letters to PDF with wkhtmltopdf, locked down.

A letter is a whole HTML document whose every part is inline (styles, the
company's logo and the QR code as data URIs): it needs neither JavaScript
nor the network nor local files. So each call runs wkhtmltopdf without
JavaScript (and without Odoo's JavaScript delay), without local file
access, and behind a proxy that refuses every connection: a text that slips
a script, an iframe or a remote image past the sanitiser renders none of
them and reaches no server. Each call has a total deadline; calls run in
parallel up to a bound, while the caller prepares the next document.
"""

import os
import socket
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from functools import cache

LOCKED_DOWN = [
    "--disable-javascript",
    "--disable-local-file-access",
    "--load-error-handling",
    "ignore",
    "--load-media-error-handling",
    "ignore",
    "--quiet",
]


class EngineError(Exception):
    """wkhtmltopdf failed or ran out of time; the message says which."""


def render_pdfs(binary, paper_args, documents, deadline, workers=1):
    """The PDF (bytes) of each HTML document (str) of the iterable
    `documents`, in order: see `renderer`. Raises `EngineError`."""
    with renderer(binary, paper_args, deadline, workers) as render:
        return [future.result() for future in [render(html) for html in documents]]


@contextmanager
def renderer(binary, paper_args, deadline, workers=1):
    """A function that starts rendering one HTML document (str) and returns
    the future of its PDF (bytes), whose `result()` raises `EngineError`.

    `paper_args` are wkhtmltopdf's page options (Odoo's
    `_build_wkhtmltopdf_args`; its JavaScript delay is dropped), `deadline`
    the seconds one call may take, `workers` how many calls run at once: the
    caller goes on (with the next document) while they run. Leaving the
    context waits for the calls started, and cancels those not started when
    it is left on an error.
    """
    args = _without_javascript_delay(paper_args)
    with _refusing_proxy() as proxy:
        command = [binary, *args, *LOCKED_DOWN, "--proxy", proxy]
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            yield lambda html: pool.submit(_render, command, html, deadline)
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise
        pool.shutdown()


@cache
def renders_several_documents(binary):
    """Whether this wkhtmltopdf renders several documents in one call: only
    a build with wkhtmltopdf's patched Qt does (Debian's, without it, fails
    with an empty file). Asked once per process, within 10 s."""
    try:
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "patched qt" in version.lower()


def _render(command, html, deadline):
    with tempfile.TemporaryDirectory(prefix="facto_demat.letters.") as folder:
        source = os.path.join(folder, "letters.html")
        target = os.path.join(folder, "letters.pdf")
        with open(source, "w", encoding="utf-8") as file:
            file.write(html)
        try:
            process = subprocess.run(
                [*command, source, target],
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                timeout=deadline,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise EngineError(f"wkhtmltopdf took more than {deadline:g} s") from error
        # 1: a resource could not load (refused on purpose), the PDF is made
        if process.returncode not in (0, 1) or not os.path.getsize(target):
            raise EngineError(
                f"wkhtmltopdf failed ({process.returncode}): {process.stderr[-500:]}"
            )
        with open(target, "rb") as file:
            return file.read()


def _without_javascript_delay(args):
    args = list(args)
    if "--javascript-delay" in args:
        index = args.index("--javascript-delay")
        del args[index : index + 2]
    return args


@contextmanager
def _refusing_proxy():
    """A proxy address on 127.0.0.1 that refuses every connection: a port
    held bound, never listening, for as long as the rendering lasts."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"
