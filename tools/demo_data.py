# Demo data for `make run`, fed to `odoo-bin shell` (which provides `env`):
# a French company, 80 customers with codes, a year of posted invoices and
# credit notes, and the local SMTP sink as outgoing mail server.
# ruff: noqa: F821
import os
import random
from datetime import date, timedelta

rng = random.Random(18)
company = env.company
france = env.ref("base.fr")
company.write(
    {
        "name": "Menuiserie Lambert SARL",
        "street": "12 rue des Artisans",
        "zip": "69003",
        "city": "Lyon",
        "country_id": france.id,
        "email": "facturation@menuiserie-lambert.example",
        "phone": "+33 4 78 00 00 00",
    }
)
env.ref("base.user_admin").write({"lang": "fr_FR", "tz": "Europe/Paris"})

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
env.cr.commit()
print(
    f"demo data: {len(customers)} customers, {len(moves)} posted invoices/credit notes"
)
