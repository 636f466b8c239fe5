# Dematerialisation letters at scale, against the route a user would take
# without this add-on, on the same customers. Fed to `odoo-bin shell` by
# `make bench-letters`; everything it creates is rolled back.
# ruff: noqa: F821
import os
import time

SAMPLE = 20  # letters printed one wkhtmltopdf call each (the standard route)
Partner = env["res.partner"]
Run = env["facto.demat.letter.run"]
report = env.ref("facto_demat.action_report_demat_letter")


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def customers(count):
    """A clean transaction with `count` new customers: each measure starts
    from the same state, nothing left by the one before."""
    env.cr.rollback()
    env.invalidate_all()
    env.company.email = "factures@bench.example"
    return Partner.create(
        [
            {
                "name": f"Client {n:05d}",
                "ref": f"B{n:05d}",
                "email": f"client{n}@bench.example",
                "customer_rank": 1,
                "is_company": True,
            }
            for n in range(count)
        ]
    )


def run_all(output, partners):
    wizard = env["facto.demat.letter.wizard"].create(
        {"output": output, "partner_ids": [(6, 0, partners.ids)]}
    )
    emailed, printed = wizard._check_and_select()
    run = wizard._create_run(emailed, printed)
    while run._process_batch(1000):
        pass
    env.flush_all()
    return run


def standard_print(lines):
    """Odoo's report route: one record, one wkhtmltopdf call."""
    for line in lines:
        report._render_qweb_pdf(report.report_name, line.ids)


def standard_composer(partners):
    """Odoo's mass-mode composer with a template on res.partner."""
    template = env["mail.template"].create(
        {
            "name": "Bench letter",
            "model_id": env.ref("base.model_res_partner").id,
            "subject": "Your invoices will now come by email",
            "body_html": "<p>Hello <t t-out='object.name'/>,</p><p>Our company "
            "<t t-out='object.company_id.name or user.company_id.name'/> is "
            "dematerialising its invoices, sent to <t t-out='object.email'/>.</p>",
            "email_from": "factures@bench.example",
            "reply_to": "factures@bench.example",
            "auto_delete": False,
        }
    )
    composer = (
        env["mail.compose.message"]
        .with_context(active_ids=partners.ids)
        .create(
            {
                "composition_mode": "mass_mail",
                "model": "res.partner",
                "res_ids": partners.ids,
                "template_id": template.id,
                "force_send": False,
            }
        )
    )
    composer.action_send_mail()
    env.flush_all()


print()
print(
    "| customers | count and select s | print all to one PDF s "
    "| standard print s (1 call per letter, from a sample of "
    f"{SAMPLE}) | print speed-up | queue letter emails s "
    "| standard composer s | composer / ours |"
)
print("|---:|---:|---:|---:|---:|---:|---:|---:|", flush=True)
for count in [int(n) for n in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]:
    partners = customers(count)
    env.flush_all()
    wizard = env["facto.demat.letter.wizard"].create({"output": "print"})
    select_s, _ = timed(lambda w=wizard: w._select_customers())
    print_s, run = timed(lambda p=partners: run_all("print", p))
    sample_s, _ = timed(lambda r=run: standard_print(r.line_ids[:SAMPLE]))
    standard_s = sample_s / SAMPLE * len(run.line_ids)
    partners = customers(count)
    env.flush_all()
    email_s, _ = timed(lambda p=partners: run_all("email", p))
    partners = customers(count)
    env.flush_all()
    composer_s, _ = timed(lambda p=partners: standard_composer(p))
    print(
        f"| {count} | {select_s:.2f} | {print_s:.1f} | {standard_s:.0f} "
        f"| {standard_s / print_s:.0f}x | {email_s:.1f} | {composer_s:.1f} "
        f"| {composer_s / email_s:.2f} |",
        flush=True,
    )
env.cr.rollback()
