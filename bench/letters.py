# Dematerialisation letters at scale: the print run against what the PDF
# engine itself takes on the same letters, and against the routes a user
# would take without this add-on. Fed to `odoo-bin shell` by
# `make bench-letters`; everything it creates is rolled back.
# ruff: noqa: F821
import os
import time

from odoo.tools import find_in_path

from odoo.addons.facto_demat.tools import letter_engine

SAMPLE = 20  # letters printed one wkhtmltopdf call each (the standard route)
Partner = env["res.partner"]
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
    env.company.write({"email": "factures@bench.example", "city": "Lyon"})
    partners = Partner.create(
        [
            {
                "name": f"Client {n:05d}",
                "ref": f"B{n:05d}",
                "email": f"client{n}@bench.example",
                "street": f"{n % 90 + 1} rue de la République",
                "zip": "69002",
                "city": "Lyon",
                "customer_rank": 1,
                "is_company": True,
            }
            for n in range(count)
        ]
    )
    env.flush_all()  # not counted in what is measured next
    return partners


def start_run(output, partners, links=True):
    """The run the letter wizard starts (customers counted and selected,
    one line each), as its Start button does before the cron takes it."""
    wizard = env["facto.demat.letter.wizard"].create(
        {
            "output": output,
            "partner_ids": [(6, 0, partners.ids)],
            "include_response_link": links,
        }
    )
    emailed, printed = wizard._check_and_select()
    run = wizard._create_run(emailed, printed)
    env.flush_all()
    return run


def process(run):
    while run._process_batch(1000):
        pass
    env.flush_all()
    return run


def engine_alone(run):
    """QWeb HTML of the run's letters as printed (answer links and all), and
    raw wkhtmltopdf on it, one call per 1,000 letters (Debian's build
    crashes on one call of 10,000): the work that has to be done."""
    lines = run.line_ids
    lines = lines.with_context(demat_response_links=lines._issue_response_links())
    html_s = engine_s = 0
    for start in range(0, len(lines), 1000):
        batch = lines[start : start + 1000]
        took, html = timed(lambda b=batch: run.with_env(lines.env)._letters_html(b))
        html_s += took
        took, _pdf = timed(
            lambda h=html: letter_engine.render_pdfs(
                find_in_path("wkhtmltopdf"),
                report._build_wkhtmltopdf_args(report.get_paperformat(), False),
                [h],
                deadline=3600,
            )
        )
        engine_s += took
    return html_s, engine_s


def stored_mb_per_1000(run):
    size = sum(run.letter_attachment_ids.mapped("file_size"))
    return size / len(run.line_ids) * 1000 / 1e6


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


ENGINE_HEADER = (
    "| letters | QWeb HTML s | raw wkhtmltopdf, one call per 1,000 letters s "
    "| QWeb + raw s | add-on, no answer links s | add-on, answer links s "
    "| answer links / (QWeb + raw) | per letter, answer links ms "
    "| filestore per 1,000, no links MB | filestore per 1,000, links MB |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)
COMPARISON_HEADER = (
    "| customers | count and select s | print all, answer links s "
    f"| standard print s (1 call per letter, from a sample of {SAMPLE}) "
    "| print speed-up | queue letter emails s | standard composer s "
    "| composer / ours |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|"
)
sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "1000,10000").split(",")]
engine_rows, comparison_rows = [], []
for count in sizes:
    partners = customers(count)
    plain_s, plain = timed(lambda p=partners: process(start_run("print", p, False)))
    plain_mb = stored_mb_per_1000(plain)
    partners = customers(count)
    select_s, _ = timed(
        lambda: (
            env["facto.demat.letter.wizard"]
            .create({"output": "print"})
            ._select_customers()
        )
    )
    linked_s, linked = timed(lambda p=partners: process(start_run("print", p)))
    linked_mb = stored_mb_per_1000(linked)
    html_s, engine_s = engine_alone(linked)
    engine_rows.append(
        f"| {count} | {html_s:.1f} | {engine_s:.1f} | {html_s + engine_s:.1f} "
        f"| {plain_s:.1f} | {linked_s:.1f} | {linked_s / (html_s + engine_s):.2f} "
        f"| {linked_s / count * 1000:.2f} | {plain_mb:.2f} | {linked_mb:.2f} |"
    )
    print(ENGINE_HEADER, engine_rows[-1], sep="\n", flush=True)
    sample_s, _ = timed(lambda r=linked: standard_print(r.line_ids[:SAMPLE]))
    standard_s = sample_s / SAMPLE * count
    partners = customers(count)
    email_s, _ = timed(lambda p=partners: process(start_run("email", p)))
    partners = customers(count)
    composer_s, _ = timed(lambda p=partners: standard_composer(p))
    comparison_rows.append(
        f"| {count} | {select_s:.2f} | {linked_s:.1f} | {standard_s:.0f} "
        f"| {standard_s / linked_s:.0f}x | {email_s:.1f} | {composer_s:.1f} "
        f"| {composer_s / email_s:.2f} |"
    )
    env.cr.rollback()

print()
print(ENGINE_HEADER, *engine_rows, sep="\n")
print()
print(COMPARISON_HEADER, *comparison_rows, sep="\n")
