# One measure of the batch path: Print & Send on 200 posted invoices, as the
# batch wizard does it synchronously. Fed to `odoo-bin shell` by
# bench/send.sh on a database with facto_demat and on one without; the same
# data is created in both, and everything is rolled back. Prints one line
# per repeat: "<scenario> <seconds> <queries>"; the scenarios are the company
# with an email (facto_demat makes it the Reply-To) and without one.
# ruff: noqa: F821
import base64
import io
import os
import time

import pikepdf

from odoo import Command

INVOICES = 200
CUSTOMERS = 50
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))

customers = env["res.partner"].create(
    [
        {
            "name": f"Client {n:03d}",
            "email": f"client{n}@bench.example",
            "customer_rank": 1,
            "is_company": True,
        }
        for n in range(CUSTOMERS)
    ]
)
product = env["product.product"].create({"name": "Prestation", "list_price": 100})
moves = env["account.move"].create(
    [
        {
            "move_type": "out_refund" if n % 10 == 9 else "out_invoice",
            "partner_id": customers[n % CUSTOMERS].id,
            "invoice_line_ids": [
                Command.create(
                    {"product_id": product.id, "quantity": 1 + n % 3, "price_unit": 100}
                )
            ],
        }
        for n in range(INVOICES)
    ]
)
moves.action_post()
# The PDFs exist already (as when sending again): their rendering, which
# facto_demat does not touch, would only dilute the overhead measured here.
blank = pikepdf.new()
blank.add_blank_page()
stream = io.BytesIO()
blank.save(stream)
for move in moves:
    move.invoice_pdf_report_file = base64.b64encode(stream.getvalue())
env.flush_all()

SCENARIOS = {"sender": "factures@bench.example", "no-sender": False}
for _repeat in range(REPEATS):
    for scenario, email in SCENARIOS.items():
        env.cr.execute("SAVEPOINT bench")
        env.company.email = email
        env.flush_all()
        env.invalidate_all()
        wizard = (
            env["account.move.send.batch.wizard"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )
        queries = env.cr.sql_log_count
        start = time.perf_counter()
        wizard.action_send_and_print(force_synchronous=True)
        env.flush_all()
        elapsed = time.perf_counter() - start
        print(f"{scenario} {elapsed:.3f} {env.cr.sql_log_count - queries}", flush=True)
        env.cr.execute("ROLLBACK TO SAVEPOINT bench")
env.cr.rollback()
