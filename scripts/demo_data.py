# Demo data for `make run`, fed to `odoo-bin shell` (which provides `env`):
# a French company (SIREN, VAT number, IBAN, logo) with a salesperson, 80
# customers with codes, a year of posted invoices and credit notes, a few
# quotations and a delivery, customers who refused, accepted or answered by
# the letter's link, one letter run of each kind, and the local SMTP sink as
# outgoing mail server.
# ruff: noqa: F821
import base64
import io
import os
import random
from datetime import date, timedelta

from PIL import Image, ImageDraw

rng = random.Random(18)
env = env(user=env.ref("base.user_admin"))  # the demo's people, not OdooBot
company = env.company
france = env.ref("base.fr")


def logo():
    """A plain logo: the company's initials on a wood-brown square."""
    image = Image.new("RGB", (240, 240), (122, 74, 38))
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 223, 223), outline=(245, 230, 200), width=6)
    draw.text((60, 70), "ML", fill=(245, 230, 200), font_size=96)
    stream = io.BytesIO()
    image.save(stream, format="PNG")
    return base64.b64encode(stream.getvalue())


if "siret" in company._fields:  # 18.0's l10n_fr
    company.siret = "41234567000019"
company.write(
    {
        "name": "Menuiserie Lambert SARL",
        "street": "12 rue des Artisans",
        "zip": "69003",
        "city": "Lyon",
        "country_id": france.id,
        "email": "facturation@menuiserie-lambert.example",
        "phone": "+33 4 78 00 00 00",
        "vat": "FR96412345670",
        # the SIRET: 18.0's l10n_fr has a field of its own, 19.0 uses this one
        "company_registry": "41234567000019",
        "logo": logo(),
        "demat_sender_email": "factures@menuiserie-lambert.example",
    }
)
env["res.partner.bank"].create(
    {
        "partner_id": company.partner_id.id,
        "acc_number": "FR76 3000 6000 0112 3456 7890 189",
        "allow_out_payment": True,
    }
)
env.ref("base.user_admin").write(
    {
        "name": "Claire Lambert",
        "email": "claire.lambert@menuiserie-lambert.example",
        "lang": "fr_FR",
        "tz": "Europe/Paris",
    }
)
salesperson = env["res.users"].create(
    {
        "name": "Sophie Girard",
        "login": "sophie",
        "password": "sophie",
        "email": "sophie.girard@menuiserie-lambert.example",
        "lang": "fr_FR",
        "tz": "Europe/Paris",
        # groups_id in 18.0, group_ids in 19.0
        ("group_ids" if "group_ids" in env["res.users"]._fields else "groups_id"): [
            (4, env.ref("account.group_account_invoice").id),
            (4, env.ref("sales_team.group_sale_salesman").id),
            (4, env.ref("stock.group_stock_user").id),
        ],
    }
)

# The demo shows emails at once: Odoo's mail queue runs every minute here
# (hourly by default), and letters link to the port it serves.
env.ref("mail.ir_cron_mail_scheduler_action").interval_type = "minutes"
env["ir.config_parameter"].set_param(
    "web.base.url", f"http://localhost:{os.environ.get('HTTP_PORT', '8069')}"
)

env["ir.mail_server"].create(
    {
        "name": "Local SMTP sink (make run)",
        "smtp_host": "127.0.0.1",
        "smtp_port": int(os.environ.get("SMTP_PORT", "2525")),
        "smtp_encryption": "none",
    }
)

TRADES = [
    "Boulangerie",
    "Garage",
    "Pharmacie",
    "Cabinet",
    "Librairie",
    "Fromagerie",
    "Hôtel",
    "Restaurant",
    "Imprimerie",
    "Plomberie",
    "Fleuriste",
    "Quincaillerie",
]
NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
]
CITIES = [
    ("69001", "Lyon"),
    ("75011", "Paris"),
    ("13001", "Marseille"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("44000", "Nantes"),
]
INVALID_EMAILS = [
    "jean@@example.com",
    "compta@",
    "@example.com",
    "factures@example.com>>>",
    "jean dupont@example.com",
    "jean@example.comjean@example.fr",
]

customers = env["res.partner"]
for index in range(1, 81):
    name = f"{TRADES[index % len(TRADES)]} {NAMES[index % len(NAMES)]} {index}"
    zip_code, city = CITIES[index % len(CITIES)]
    slug = name.lower().replace(" ", "-").replace("ô", "o").replace("è", "e")
    if index % 10 == 3:
        email = False
    elif index % 13 == 5:
        email = INVALID_EMAILS[index % len(INVALID_EMAILS)]
    else:
        email = f"contact@{slug}.example"
    customer = customers.create(
        {
            "name": name,
            "is_company": True,
            "ref": f"C{index:04d}",
            "email": email,
            "street": f"{index} avenue de la République",
            "zip": zip_code,
            "city": city,
            "country_id": france.id,
            "lang": "en_US" if index % 17 == 0 else "fr_FR",
        }
    )
    if index % 7 == 0:
        customers.create(
            {
                "name": "Service comptabilité",
                "type": "invoice",
                "parent_id": customer.id,
                "email": f"compta@{slug}.example",
            }
        )
    customers |= customer

product = env["product.product"].create(
    {"name": "Pose de menuiserie", "list_price": 480.0, "type": "service"}
)
today = date.today()
moves = []
for day in range(365, 0, -1):
    invoice_date = today - timedelta(days=day)
    for _ in range(rng.choice((0, 1, 1, 2))):
        partner = rng.choice(customers)
        move_type = "out_refund" if rng.random() < 0.08 else "out_invoice"
        moves.append(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_user_id": salesperson.id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "quantity": rng.randint(1, 6),
                            "price_unit": rng.choice((120.0, 480.0, 950.0)),
                        },
                    )
                ],
            }
        )
env["account.move"].create(moves).action_post()

# Quotations, an order and its delivery slip
window = env["product.product"].create(
    {"name": "Fenêtre chêne 120 x 100", "list_price": 950.0, "type": "consu"}
)
orders = env["sale.order"].create(
    [
        {
            "partner_id": customers[index].id,
            "user_id": salesperson.id,
            "order_line": [(0, 0, {"product_id": window.id, "product_uom_qty": 2})],
        }
        for index in (0, 1, 3, 4)
    ]
)
orders[0].action_confirm()

# Consent: two refusals recorded by hand, one acceptance
customers[1].action_demat_record_refusal()
customers[11].action_demat_record_refusal()
customers[5].action_demat_record_acceptance()

# One letter run of each kind: emailed (with answer links), then printed for
# the customers without an address
Wizard = env["facto.demat.letter.wizard"]
email_run = env["facto.demat.letter.run"].browse(
    Wizard.create(
        {"output": "email", "partner_code_from": "C0001", "partner_code_to": "C0030"}
    ).action_confirm()["res_id"]
)
Wizard.create(
    {
        "output": "print",
        "partner_code_from": "C0001",
        "partner_code_to": "C0080",
        "include_without_email": True,
    }
).action_confirm()

# Three customers answered by the letter's link
origin = {"ip_address": "203.0.113.24", "user_agent": "Mozilla/5.0 (Windows NT 10.0)"}
answers = {"C0004": ("accept", None), "C0008": ("refuse", None)}
answers["C0009"] = ("address", "comptabilite@plomberie-moreau-9.example")
for line in email_run.sudo().line_ids:
    answer = answers.get(line.partner_id.ref)
    if answer:
        line._apply_customer_answer(answer[0], origin, answer[1])

env.cr.commit()
print(
    f"demo data: {len(customers)} customers, {len(moves)} posted invoices/credit"
    f" notes, {len(orders)} quotations/orders, letter run {email_run.display_name}"
)
