# Verify integrity at scale. Fed to `odoo-bin shell` by bench/scale.sh:
# BENCH_MODE=generate appends BENCH_EVENTS sealed events (one letter PDF per
# 1,000, as printed batches share theirs) and commits; BENCH_MODE=measure
# prints a table row: reading the rows by one SQL query and sealing each
# again with one HMAC (the floor), then Verify integrity's own work, in this
# process, with the memory it took on top of what the process held.
# ruff: noqa: F821
import hashlib
import hmac
import io
import json
import os
import resource
import time

from odoo.tools import SQL

from odoo.addons.facto_demat.tools.evidence_key import evidence_key
from odoo.addons.facto_demat.tools.evidence_seal import (
    ROW_COLUMNS,
    SEAL_VERSION,
    content_seal,
    link_seal,
)

COUNT = int(os.environ["BENCH_EVENTS"])
LETTERS_EVERY = 1000
REQUEST_LIMIT = 120  # Odoo's limit_time_real, seconds
company = env.company
key = evidence_key()
cr = env.cr


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def generate():
    partner = env["res.partner"].create({"name": "Client de référence", "ref": "R1"})
    user = env.user
    chain = env["facto.demat.chain"].search([("company_id", "=", company.id)])
    sequence, previous = chain.sequence, chain.hash or ""
    columns = [
        "company_id", "sequence", "previous_hash", "date", "partner_id",
        "event_type", "channel", "user_id", "email", "attachment_id",
        "sealed_partner_id", "sealed_partner_name", "sealed_partner_code",
        "sealed_user_id", "sealed_user_login", "seal_version", "keyed",
        "content_hash", "hash",
    ]  # fmt: skip
    now = time.strftime("%Y-%m-%d %H:%M:%S")
    row = dict.fromkeys(ROW_COLUMNS)
    row.update(
        company_id=company.id, date=now, partner_id=partner.id, channel="manual",
        user_id=user.id, sealed_partner_id=partner.id,
        sealed_partner_name=partner.name, sealed_partner_code=partner.ref,
        sealed_user_id=user.id, sealed_user_login=user.login,
        seal_version=SEAL_VERSION, keyed=bool(key),
    )  # fmt: skip
    buffer = io.StringIO()
    for number in range(COUNT):
        attachment = None
        if number % LETTERS_EVERY == 0:
            attachment = env["ir.attachment"].create(
                {"name": f"Lettres {number}.pdf", "raw": b"%PDF-1.4 lettres"}
            )
            row.update(attachment_id=attachment.id, email=None)
            row.update(attachment_checksum=attachment.checksum)
        else:
            row.update(attachment_id=None, attachment_checksum=None)
        sequence += 1
        row.update(
            event_type=("refusal_recorded", "refusal_withdrawn")[number % 2],
            email=f"client{number}@exemple.fr",
            sequence=sequence,
            previous_hash=previous,
        )
        row["content_hash"] = content_seal(row, key)
        row["hash"] = previous = link_seal(row, key)
        buffer.write(
            "\t".join(
                r"\N" if row[name] is None else str(row[name]) for name in columns
            )
            + "\n"
        )
        if buffer.tell() > 50_000_000 or number == COUNT - 1:
            buffer.seek(0)
            cr._obj.copy_from(buffer, "facto_demat_event", columns=columns)
            buffer = io.StringIO()
    cr.execute(SQL("SELECT max(id) FROM facto_demat_event"))
    last_event_id = cr.fetchone()[0]
    chains = env["facto.demat.chain"]
    chains._move_head(
        chains._lock_head(company.id, wait=True),
        sequence=sequence,
        hash=previous,
        last_event_id=last_event_id,
    )
    cr.execute("ANALYZE facto_demat_event")
    cr.commit()


def floor():
    """One SQL query reading the rows, and one HMAC each."""
    start = time.perf_counter()
    named = cr._cnx.cursor("bench_floor")
    named.itersize = 10000
    named.execute(
        "SELECT * FROM facto_demat_event WHERE company_id = %s ORDER BY sequence",
        (company.id,),
    )
    names = None
    for record in named:
        names = names or [column.name for column in named.description]
        payload = json.dumps(
            dict(zip(names, record, strict=True)), default=str, sort_keys=True
        ).encode()
        hmac.new(key or b"", payload, hashlib.sha256).hexdigest()
    named.close()
    return time.perf_counter() - start


def measure():
    before = current_rss_mb()
    start = time.perf_counter()
    verification = env["facto.demat.verification"].new({"company_id": company.id})
    failure, finished = verification._check_chain(None)
    seconds = time.perf_counter() - start
    extra = peak_rss_mb() - before
    assert finished and not failure, failure
    floor_seconds = floor()
    print(
        f"| {verification.event_count:,} | {floor_seconds:.1f} | {seconds:.1f} | "
        f"{seconds / floor_seconds:.2f} | {REQUEST_LIMIT} | {extra:.0f} | "
        f"{failure or 'intact'} |",
        flush=True,
    )


{"generate": generate, "measure": measure}[os.environ["BENCH_MODE"]]()
