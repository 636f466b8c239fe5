"""Upgrades from the states `main` has been in: for each older state, on
each Odoo version it ran on, a database is made with that state's code,
taken from git (`git archive COMMIT facto_demat`), and used as companies
used it, through the old code's own methods (a letter run printed and one
emailed, a refusal and an acceptance recorded by hand, answers given by
the letters' links: a refusal, an acceptance, another address); then it is
updated to this working tree's code (`-u facto_demat`) and checked: the
update logs no error, every old event is kept, Verify integrity says
intact, every old letter downloads with the bytes it had, which match its
seal, every old printed run downloads, every customer's consent is as
before, and new events chain after the old ones, still intact.

`upgrade_run.py VERSION [--database PREFIX] [--smtp-port N]`, with the
version's virtualenv Python, from a clone with its history. Prints a
Markdown table (one check a line) and the line "upgrade run: N passed,
N failed"; exits 1 when a check fails. Used by `make test`.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import odoo_version
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.M)
RESULT = re.compile(r"^UPGRADE-RESULT (.*)$", re.M)


class State(NamedTuple):
    name: str
    commit: str
    versions: tuple
    what: str
    via: tuple = ()  # commits the database was updated to, in turn


# The states of `main` a database may have been made with, oldest first.
STATES = [
    State(
        "2026-11-29",
        "2a3c4f3",
        ("18.0",),
        "before seal versions, anchors and the evidence key; 18.0 only",
    ),
    State(
        "2026-11-29, updated that evening",
        "2a3c4f3",
        ("18.0",),
        "made before seal versions, updated to 9923179, whose seal_version "
        "column's default was written on the rows sealed before",
        via=("9923179",),
    ),
    State(
        "2026-12-02",
        "be8c1f1",
        ("18.0", "19.0"),
        "seal version 4, events chained by facto.demat.chain; before issue 23",
    ),
    State(
        "2026-12-03",
        "7c09d9a",
        ("18.0", "19.0"),
        "the mail transports inside facto_demat (before mail_outbound_transport): "
        "EWS and Graph servers, a waiting email and a refused one",
    ),
]

# Run in `odoo-bin shell` with the old code: the data, made by its own
# methods as the web client calls them, as the administrator; prints what
# it downloads, to compare after the update.
MAKE_DATA = """
import base64, hashlib, io, json, os
import pikepdf
from odoo import Command

env = env(user=env.ref("base.user_admin"))
company = env.company
company.write({"name": "Menuiserie Lambert SARL", "city": "Lyon",
               "email": "factures@menuiserie-lambert.example"})
env["ir.mail_server"].sudo().create({
    "name": "Relais", "smtp_host": "127.0.0.1",
    "smtp_port": int(os.environ["SMTP_PORT"]), "smtp_encryption": "none"})
Partner = env["res.partner"]
def customer(code, name, email=False, **values):
    return {"ref": code, "name": name, "email": email, "is_company": True,
            "customer_rank": 1, "city": "Lyon", "lang": "en_US", **values}
customers = Partner.create([
    customer("C001", "Boulangerie Éloïse Müller", "eloise@boulangerie.example"),
    customer("C002", "Pharmacie Dubois & Fils", "compta@dubois.example"),
    customer("C003", "Atelier Noël Gaëtan"),
    customer("C004", "Librairie Robert", "robert@librairie.example"),
    customer("C005", "Café de l'Étoile", "etoile@cafe.example"),
    customer("C006", "Plomberie Moreau", "direction@moreau.example",
             child_ids=[Command.create({"name": "Service comptabilité",
                                        "type": "invoice",
                                        "email": "factures@moreau.example"})]),
])
by_code = {partner.ref: partner for partner in customers}
def letters(codes, output):
    wizard = env["facto.demat.letter.wizard"].create({
        "partner_ids": [Command.set([by_code[c].id for c in codes])],
        "output": output, "include_without_email": True,
        "include_response_link": True})
    action = wizard.action_confirm()
    env.cr.commit()
    return env["facto.demat.letter.run"].browse(action["res_id"])
printed = letters(["C001", "C002", "C003"], "print")
emailed = letters(["C004", "C005", "C006"], "email")
env["mail.mail"].sudo().process_email_queue()
env.cr.commit()
by_code["C002"].action_demat_record_refusal()
by_code["C005"].action_demat_record_acceptance()
env.cr.commit()
origin = {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (upgrade run)"}
def line_of(run, code):
    return run.line_ids.filtered(lambda line: line.partner_id.ref == code).sudo()
line_of(emailed, "C004")._apply_customer_answer("refuse", origin)
line_of(printed, "C003")._apply_customer_answer("refuse", origin)
line_of(printed, "C001")._apply_customer_answer("accept", origin)
line_of(emailed, "C006")._apply_customer_answer(
    "address", origin, "nouvelle.adresse@moreau.example")
env.cr.commit()
env["mail.mail"].sudo().process_email_queue()
env.cr.commit()

Event = env["facto.demat.event"].sudo()
def pages(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
letters_sha256 = {}
for event in Event.search([("attachment_id", "!=", False)]):
    data = (event._letter_pdf() if hasattr(event, "_letter_pdf")
            else event.attachment_id.raw)
    letters_sha256[event.id] = hashlib.sha256(data).hexdigest()
runs = {}
for run in env["facto.demat.letter.run"].search([("output", "=", "print")]):
    runs[run.id] = pages(base64.b64decode(run.pdf_file))
transports = {}
Server = env["ir.mail_server"].sudo()
if "transport" in Server._fields:  # the transports in facto_demat
    relay = Server.search([("name", "=", "Relais")])
    exchange = Server.create([{
        "name": "Exchange", "transport": "ews",
        "send_as_mailbox": "compta@lambert.example",
        "ews_url": "https://mail.lambert.example/EWS/Exchange.asmx",
        "ews_auth": "basic", "smtp_user": "compta", "smtp_pass": "s3cret",
        "max_per_minute": 30,
    }, {
        "name": "Microsoft 365", "transport": "graph",
        "send_as_mailbox": "factures@lambert.example", "ms_tenant_id": "lambert",
        "ms_client_id": "odoo", "ms_client_secret": "s3cret",
        "save_sent_copy": False,
    }])
    exchange[1].write({"delivery_issue": "Le serveur refuse le secret.",
                       "delivery_next_try": False})
    Mail = env["mail.mail"].sudo()
    waiting, refused = Mail.create([{
        "subject": "Facture en attente", "body_html": "<p>Facture</p>",
        "email_from": company.email, "email_to": "attente@client.example",
        "auto_delete": False,
    }, {
        "subject": "Facture refusée", "body_html": "<p>Facture</p>",
        "email_from": company.email, "email_to": "inconnu@client.example",
    }])
    waiting.write({"state": "outgoing", "failure_reason": "Greylisted, try later",
                   "mail_server_id": relay.id, "delivery_server_id": relay.id,
                   "delivery_deferred_since": "2026-12-01 08:00:00",
                   "scheduled_date": "2099-01-01 00:00:00"})
    refused.write({"state": "exception", "failure_type": "mail_smtp",
                   "failure_reason": "550 5.1.1 User unknown",
                   "delivery_server_id": relay.id})
    env["ir.config_parameter"].sudo().set_param("facto_demat.mail_deferral_hours", 48)
    env.cr.commit()
    transports = {
        "servers": Server.search_read(
            [("id", "in", exchange.ids)],
            ["name", "transport", "send_as_mailbox", "ews_url", "ews_auth",
             "smtp_user", "max_per_minute", "ms_tenant_id", "ms_client_id",
             "ms_client_secret", "save_sent_copy", "delivery_issue"]),
        "relay": relay.id, "waiting": waiting.id, "refused": refused.id,
    }
print("UPGRADE-RESULT " + json.dumps({
    "transports": transports,
    "events": {event.id: [event.sequence, event.hash]
               for event in Event.search([])},
    "letters": letters_sha256,
    "runs": runs,
    "emails": len(emailed.line_ids.filtered(lambda line: line.state == "done")),
    "status": {partner.ref: partner.demat_status for partner in customers},
}))
"""

# Run in `odoo-bin shell` with this tree's code, after the update.
CHECK = """
import base64, hashlib, io, json, os
import pikepdf
from odoo import Command

env = env(user=env.ref("base.user_admin"))
expected = json.loads(os.environ["UPGRADE_EXPECTED"])
results = []
def check(name, ok, detail=""):
    results.append([name, bool(ok), str(detail)[:300]])
def attempt(name, function):
    try:
        check(name, *function())
    except Exception as error:  # noqa: BLE001 - said as the check's failure
        check(name, False, f"{type(error).__name__}: {error}")
        env.cr.rollback()

Event = env["facto.demat.event"]
company = env.company
def verified():
    action = Event.action_verify_integrity()
    breaks = env["facto.demat.verification"]._find_chain_break(company)
    return action["params"]["type"] == "success" and not breaks, (
        breaks or action["params"]["message"])

def kept():
    old = {str(e.id): [e.sequence, e.hash]
           for e in Event.sudo().browse([int(i) for i in expected["events"]])}
    return old == expected["events"], f"{len(old)} events"
attempt("every old event kept as it was", kept)
attempt("Verify integrity: intact", verified)

def letters():
    wrong = []
    for event_id, sha256 in expected["letters"].items():
        event = Event.browse(int(event_id))
        data = base64.b64decode(event.letter_pdf)
        event.action_download_letter()
        sealed = (event.letter_sha256 if event.letter_sha256
                  else event.attachment_id.checksum)
        digest = (hashlib.sha256(data).hexdigest() if event.letter_sha256
                  else hashlib.sha1(data).hexdigest())
        if hashlib.sha256(data).hexdigest() != sha256 or digest != sealed:
            wrong.append(event_id)
    return not wrong, f"{len(expected['letters'])} letters, altered: {wrong}"
attempt("every old letter downloads, as sealed", letters)

def pages(data):
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return len(pdf.pages)
def runs():
    found = {}
    for run_id in expected["runs"]:
        run = env["facto.demat.letter.run"].browse(int(run_id))
        run.action_download_pdf()
        found[run_id] = pages(base64.b64decode(run.pdf_file))
    return found == expected["runs"], f"pages {found}, before {expected['runs']}"
attempt("every old printed run downloads", runs)

customers = env["res.partner"].search([("ref", "in", list(expected["status"]))])
def consent():
    status = {partner.ref: partner.demat_status for partner in customers}
    return status == expected["status"], status
attempt("every customer's consent as before", consent)

def new_events():
    last = max(sequence for sequence, _hash in expected["events"].values())
    last_hash = next(h for s, h in expected["events"].values() if s == last)
    by_code = {partner.ref: partner for partner in customers}
    by_code["C001"].action_demat_record_refusal()
    by_code["C005"].action_demat_withdraw_acceptance()
    newcomer = env["res.partner"].create({
        "ref": "C007", "name": "Société Générale d'Études Côte-d'Or",
        "email": "contact@cote-dor.example", "is_company": True,
        "customer_rank": 1})
    wizard = env["facto.demat.letter.wizard"].create({
        "partner_ids": [Command.set(newcomer.ids)], "output": "print"})
    wizard.action_confirm()
    env.cr.commit()
    new = Event.sudo().search([("sequence", ">", last)], order="sequence")
    ok = (len(new) == 3
          and new.mapped("sequence") == list(range(last + 1, last + 4))
          and new[0].previous_hash == last_hash)
    intact, message = verified()
    return ok and intact, f"{new.mapped('sequence')} after no. {last}; {message}"
attempt("new events chain after the old ones, intact", new_events)
env.cr.commit()

# the transports facto_demat had, now mail_outbound_transport's
transports = expected.get("transports")
FIELDS = {"transport": "mail_transport_mode",
          "send_as_mailbox": "mail_transport_mailbox",
          "ews_url": "mail_transport_ews_url", "ews_auth": "mail_transport_ews_auth",
          "smtp_user": "smtp_user", "max_per_minute": "mail_transport_per_minute",
          "ms_tenant_id": "mail_transport_tenant_id",
          "ms_client_id": "mail_transport_client_id",
          "ms_client_secret": "mail_transport_client_secret",
          "save_sent_copy": "mail_transport_save_sent_copy",
          "delivery_issue": "mail_transport_issue"}
def servers_kept():
    Server = env["ir.mail_server"].sudo()
    wrong = []
    for old in transports["servers"]:
        server = Server.browse(old["id"])
        wrong += [(old["name"], field) for field, new in FIELDS.items()
                  if server[new] != old[field]]
    return not wrong, wrong or f"{len(transports['servers'])} servers (EWS, Graph)"
def emails_kept():
    Mail = env["mail.mail"].sudo()
    waiting = Mail.browse(transports["waiting"])
    refused = Mail.browse(transports["refused"])
    relay = env["ir.mail_server"].sudo().browse(transports["relay"])
    ok = (waiting.state == "outgoing" and waiting.mail_transport_server_id == relay
          and str(waiting.mail_transport_waiting_since) == "2026-12-01 08:00:00"
          and refused.state == "exception" and refused.mail_transport_server_id == relay
          and relay.mail_transport_waiting_count == 1
          and relay.mail_transport_refused_count == 1
          and env["ir.config_parameter"].sudo().get_param(
              "mail_outbound_transport.deferral_hours") == "48")
    return ok, (f"waiting: {waiting.state}, "
                f"since {waiting.mail_transport_waiting_since}; "
                f"refused: {refused.state}; on the relay: "
                f"{relay.mail_transport_waiting_count} waiting, "
                f"{relay.mail_transport_refused_count} refused")
def waiting_sent():
    waiting = env["mail.mail"].sudo().browse(transports["waiting"])
    waiting.scheduled_date = False
    env.cr.commit()
    env["mail.mail"].sudo().process_email_queue(waiting.ids)
    env.cr.commit()
    return waiting.state == "sent", f"{waiting.state} {waiting.failure_reason or ''}"
if transports:
    attempt("EWS and Graph servers kept, with their settings", servers_kept)
    attempt("waiting and refused emails kept, with their server", emails_kept)
    attempt("the waiting email goes when its time comes", waiting_sent)
    attempt("Verify integrity after sending: intact", verified)
print("UPGRADE-RESULT " + json.dumps(results))
"""


class Site:
    """An Odoo server's files for one database: its configuration (with
    the evidence key file), data directory and add-ons."""

    def __init__(self, version, workdir, data_dir, db):
        self.version, self.workdir, self.db = version, workdir, db
        self.data_dir = data_dir
        self.conf = workdir / "odoo.conf"
        self.key = workdir / "evidence.key"
        self.conf.write_text(f"[options]\nfacto_demat_evidence_key_file = {self.key}\n")

    def set_key(self, dated):
        """The evidence key, as the administrator of the state's code made
        it: one line then, dated since the key records its date: the next
        second (the line counts whole seconds, and the events made before the
        key, in this second, are before it)."""
        since = time.strftime("\nsince %Y-%m-%d %H:%M:%S", time.gmtime(time.time() + 1))
        self.key.write_text(os.urandom(32).hex() + (since if dated else "") + "\n")

    def odoo(self, addons, *options, script=None, extra_env=None):
        """odoo-bin (`shell` when a `script` is given) on this database with
        the folders `addons` on the path after Odoo's; return its output."""
        source = odoo_version.source(self.version)
        command = [
            str(odoo_version.venv_bin(self.version) / "python"),
            str(source / "odoo-bin"),
            *(["shell"] if script else []),
            "-c",
            str(self.conf),
            "--addons-path="
            + ",".join(str(path) for path in [source / "odoo" / "addons", *addons]),
            f"--data-dir={self.data_dir}",
            f"--database={self.db}",
            "--no-http",
            "--max-cron-threads=0",
            *options,
        ]
        done = subprocess.run(
            command,
            input=script,
            capture_output=True,
            text=True,
            env={**odoo_version.environ(self.version), **(extra_env or {})},
            check=False,
        )
        if done.returncode:
            raise RuntimeError(
                f"odoo-bin {' '.join(options)} exited with {done.returncode}:\n"
                f"{done.stderr[-3000:]}"
            )
        return done.stdout + done.stderr


def result_of(output):
    match = RESULT.search(output)
    if not match:
        raise RuntimeError(f"the script printed no result:\n{output[-3000:]}")
    return json.loads(match[1])


def make_base(version, args, data_dir):
    """A database with Odoo's invoicing alone, which each state's starts
    from (name, data directory)."""
    db = odoo_version.database(f"{args.database}_base", version)
    workdir = data_dir.parent / "base"
    if args.keep and workdir.exists():  # kept by an earlier run
        return db
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    workdir.mkdir(parents=True)
    Site(version, workdir, data_dir, db).odoo(
        [],
        "--init=account",
        *odoo_version.demo_options(version, False),
        "--stop-after-init",
    )
    return db


def copy_database(template, db, data_dir):
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", template, db], check=True)
    filestore = data_dir / "filestore"
    shutil.rmtree(filestore / db, ignore_errors=True)
    if (filestore / template).exists():
        shutil.copytree(filestore / template, filestore / db)


def old_code(commit, workdir):
    """The folder where facto_demat of `commit` is taken out of git."""
    folder = workdir / commit
    folder.mkdir()
    archive = subprocess.run(
        ["git", "archive", commit, "facto_demat"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return folder


def knows_key(addons):
    return (addons / "facto_demat" / "tools" / "evidence_key.py").exists()


def run_state(state, version, args, base, data_dir):
    """[(check, passed, detail)] of the update from `state` on `version`,
    its database copied from `base`."""
    db = odoo_version.database(
        f"{args.database}_{'_'.join((state.commit, *state.via))}", version
    )
    copy_database(base, db, data_dir)
    with tempfile.TemporaryDirectory(prefix=f"upgrade-{state.commit}-") as tmp:
        workdir = Path(tmp)
        site = Site(version, workdir, data_dir, db)
        old = old_code(state.commit, workdir)
        if knows_key(old):
            site.set_key(dated=False)
        site.odoo(
            [old],
            "--init=facto_demat",
            *odoo_version.demo_options(version, False),
            "--stop-after-init",
        )
        smtp = {"SMTP_PORT": str(args.smtp_port)}
        made = result_of(site.odoo([old], script=MAKE_DATA, extra_env=smtp))
        for commit in state.via:
            later = old_code(commit, workdir)
            if knows_key(later) and not site.key.exists():
                site.set_key(dated=False)
            site.odoo([later], "--update=facto_demat", "--stop-after-init")
        if not site.key.exists():  # set when the code that reads it is installed
            site.set_key(dated=True)
        rows = []
        try:
            log = site.odoo([ROOT], "--update=facto_demat", "--stop-after-init")
        except RuntimeError as error:
            return [("update to this code", False, str(error)[-300:])]
        errors = LOG_ERROR.findall(log)
        rows.append(
            (
                "update to this code, no error logged",
                not errors,
                f"{len(made['events'])} events, {len(made['runs'])} printed run(s), "
                f"{made['emails']} letters emailed",
            )
        )
        checked = result_of(
            site.odoo(
                [ROOT],
                script=CHECK,
                extra_env={**smtp, "UPGRADE_EXPECTED": json.dumps(made)},
            )
        )
        rows += [tuple(row) for row in checked]
    if not args.keep:
        subprocess.run(["dropdb", "--if-exists", db], check=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument(
        "--database",
        default="facto_upgrade",
        help="databases: PREFIX_COMMIT_18 and so on, dropped afterwards",
    )
    parser.add_argument("--smtp-port", type=int, default=2627)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases and var/upgrade-VERSION, and start from the "
        "invoicing database kept there, if any",
    )
    parser.add_argument(
        "--state", action="append", help="only this state (a date of STATES)"
    )
    args = parser.parse_args()

    relay = Controller(Sink(), hostname="127.0.0.1", port=args.smtp_port)
    relay.start()
    try:
        with tempfile.TemporaryDirectory(prefix="upgrade-") as tmp:
            workdir = ROOT / "var" / f"upgrade-{args.version}" if args.keep else tmp
            made_in, table = run_states(args, Path(workdir) / "data")
    finally:
        relay.stop()
    print(
        f"\nOdoo {args.version}, updates from older states of main (the "
        f"invoicing database they start from made in {made_in:.0f} s):\n"
    )
    print("| from | check | result | detail |\n|---|---|---|---|")
    failed = 0
    for state, seconds, name, ok, detail in table:
        failed += not ok
        detail = str(detail)[-300:].replace("|", "/").replace("\n", " ")
        print(
            f"| {state.name} ({' > '.join((state.commit, *state.via))}, "
            f"{seconds:.0f} s) | {name} | "
            f"{'passed' if ok else '**FAILED**'} | {detail} |"
        )
    print(f"\nupgrade run: {len(table) - failed} passed, {failed} failed")
    return 1 if failed else 0


def run_states(args, data_dir):
    """The updates from each state of `args.version` (all, or those of
    `args.state`), from an invoicing database made first: (seconds it
    took to make it, [(state, seconds, check, passed, detail)])."""
    states = [
        state
        for state in STATES
        if args.version in state.versions
        and (not args.state or any(name in state.name for name in args.state))
    ]
    start = time.perf_counter()
    base = make_base(args.version, args, data_dir)
    made_in = time.perf_counter() - start
    table = []
    try:
        for state in states:
            start = time.perf_counter()
            try:
                rows = run_state(state, args.version, args, base, data_dir)
            except RuntimeError as error:
                rows = [("database made with the old code", False, str(error))]
            seconds = time.perf_counter() - start
            table += [(state, seconds, *row) for row in rows]
    finally:
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", base], check=True)
    return made_in, table


class Sink:
    """The relay: takes every email."""

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


if __name__ == "__main__":
    sys.exit(main())
