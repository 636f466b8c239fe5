# Printed letters one page long and longer: wkhtmltopdf calls, pages and
# time to render them (`_render_letters`, answer links and QR codes
# included), so that a long letter costs its pages, not more engine calls.
# Fed to `odoo-bin shell` by `make bench-long-letters`; everything it
# creates is rolled back.
# ruff: noqa: F821
import io
import os
import time
from unittest.mock import patch

import pikepdf

from odoo.addons.facto_demat.tools import letter_engine

LINE = "<p>Une ligne de la lettre, assez longue pour remplir la page.</p>"
# Paragraphs of the text: about one page of letter, about two, about three.
TEXTS = {1: 5, 2: 60, 3: 110}


def letters(count, paragraphs):
    """`count` printed letters of a new run, whose text has `paragraphs`
    lines, with their answer links, ready to render."""
    env.cr.rollback()
    env.invalidate_all()
    env.company.write({"email": "factures@bench.example", "city": "Lyon"})
    partners = env["res.partner"].create(
        [
            {
                "name": f"Client {n:05d}",
                "ref": f"L{n:05d}",
                "street": f"{n % 90 + 1} rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "customer_rank": 1,
                "is_company": True,
            }
            for n in range(count)
        ]
    )
    body = "<p>Bonjour %1,</p>" + LINE * paragraphs
    wizard = env["facto.demat.letter.wizard"].create(
        {
            "output": "print",
            "partner_ids": [(6, 0, partners.ids)],
            "include_without_email": True,
            "body": body,
            "body_no_email": body,
        }
    )
    run = wizard._create_run(*wizard._check_and_select())
    lines = run.line_ids
    lines = lines.with_context(demat_response_links=lines._issue_response_links())
    env.flush_all()
    return run.with_env(lines.env), lines


def render(run, lines):
    """(engine calls, pages, seconds) of rendering these letters."""
    with patch.object(letter_engine, "_render", wraps=letter_engine._render) as spy:
        start = time.perf_counter()
        pdf, _pages = run._render_letters(lines)
        seconds = time.perf_counter() - start
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return spy.call_count, len(document.pages), seconds


HEADER = (
    "| letters | pages a letter | pages | engine calls | seconds "
    "| ms a page |\n|---:|---:|---:|---:|---:|---:|"
)
counts = [int(n) for n in os.environ.get("BENCH_SIZES", "128").split(",")]
rows = []
for count in counts:
    for pages, paragraphs in TEXTS.items():
        calls, total, seconds = render(*letters(count, paragraphs))
        rows.append(
            f"| {count} | {pages} | {total} | {calls} | {seconds:.1f} "
            f"| {seconds / total * 1000:.0f} |"
        )
        print(HEADER, rows[-1], sep="\n", flush=True)
env.cr.rollback()

print()
print(HEADER, *rows, sep="\n")
