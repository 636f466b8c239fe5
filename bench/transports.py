# 1,000 emails through each transport (SMTP, EWS, Graph) to local servers on
# 127.0.0.1, as the mail queue sends them. Fed to `odoo-bin shell` by
# `make bench-transports`; everything it creates is rolled back.
# ruff: noqa: F821
import os
import time

from odoo.addons.mail_outbound_transport.tests.fake_servers import (
    FakeMicrosoft,
    FakeSmtp,
)

COUNT = int(os.environ.get("BENCH_EMAILS", "1000"))
microsoft, smtp = FakeMicrosoft(), FakeSmtp()
exchange = {"mail_transport_mailbox": microsoft.mailbox}
SERVERS = {
    "SMTP": {
        "mail_transport_mode": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
    },
    "Exchange (EWS)": {
        "mail_transport_mode": "ews",
        "mail_transport_ews_url": f"{microsoft.url}/EWS/Exchange.asmx",
        "mail_transport_ews_auth": "basic",
        "smtp_user": microsoft.user,
        "smtp_pass": microsoft.password,
        **exchange,
    },
    "Microsoft 365 (Graph)": {
        "mail_transport_mode": "graph",
        "mail_transport_tenant_id": "bench",
        "mail_transport_client_id": "odoo",
        "mail_transport_client_secret": microsoft.client_secret,
        "mail_transport_login_url": microsoft.url,
        "mail_transport_graph_url": f"{microsoft.url}/v1.0",
        **exchange,
    },
}

print(f"\n{COUNT} emails per transport, through Odoo's mail queue\n")
print("| transport | emails | seconds | emails/s | connections opened |")
print("|---|---:|---:|---:|---:|", flush=True)
for name, values in SERVERS.items():
    fake = smtp if values["mail_transport_mode"] == "smtp" else microsoft
    fake.received.clear()
    fake.connections = 0
    server = env["ir.mail_server"].create({"name": name, **values})
    mails = env["mail.mail"].create(
        [
            {
                "subject": f"Facture {number}",
                "body_html": f"<p>Votre facture {number}</p>",
                "email_from": microsoft.mailbox,
                "email_to": f"client{number}@bench.example",
                "mail_server_id": server.id,
            }
            for number in range(COUNT)
        ]
    )
    env.flush_all()
    start = time.perf_counter()
    mails.send()
    seconds = time.perf_counter() - start
    assert len(fake.received) == COUNT, (name, len(fake.received))
    print(
        f"| {name} | {COUNT} | {seconds:.1f} | {COUNT / seconds:.0f} "
        f"| {fake.connections} |",
        flush=True,
    )
env.cr.rollback()
microsoft.stop()
smtp.stop()
