"""Odoo as companies run it: a letter run by email and one to print started
together on a server in multi-process mode (`--workers=3
--max-cron-threads=2`), invoicing clerks recording and withdrawing refusals
all along, one cron worker killed with SIGKILL in the middle of a letter
batch and the database connections of the worker that takes the run up
again cut once; then the checks: every customer has exactly one letter,
every emailed customer received it exactly once, no click failed, the
evidence holds one event per letter and per click, and Verify integrity
says intact.

`workers_run.py VERSION [--emailed N] [--printed N] [--clerks N]`, with the
version's virtualenv Python, on a copy of a database where the add-on is
installed (`--template`, default facto_test_VERSION as `make test` leaves
it). Prints a Markdown table and the line "N passed, N failed" (one check a
line of the table); exits 1 when a check fails. Used by `make test` (small)
and `make bench-scale` (full size).
"""

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import odoo_version
import psycopg2
import requests
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin", "admin")
CLERK_PASSWORD = "clerk-password-2026"
DEADLINE = 900  # seconds the runs may take, at most, before the run fails
LETTER_JOB = re.compile(
    r"^\S+ \S+ (\d+) INFO \S+ odoo.addons.base.models.ir_cron: "
    r"Job '(Dematerialisation letters: process the runs|Mail: Email Queue Manager)' "
    r"\(\d+\) starting"
)

SETUP = """
import os
company = env.company
company.write({"email": "factures@lambert.example", "city": "Lyon"})
env["ir.mail_server"].create({"name": "Relais", "smtp_host": "127.0.0.1",
    "smtp_port": int(os.environ["SMTP_PORT"]), "smtp_encryption": "none"})
def customers(prefix, count):
    return [{"name": f"Client {prefix}{n:04d} Société Générale d'Étude",
             "ref": f"{prefix}{n:04d}", "email": f"{prefix.lower()}{n}@client.example",
             "customer_rank": 1, "is_company": True, "city": "Lyon"}
            for n in range(1, count + 1)]
env["res.partner"].create(customers("E", int(os.environ["EMAILED"]))
    + customers("P", int(os.environ["PRINTED"]))
    + customers("K", 10 * int(os.environ["CLERKS"])))
clerks = env["res.users"].create([
    {"name": f"Clerk {n}", "login": f"clerk{n}",
     "password": os.environ["CLERK_PASSWORD"]}
    for n in range(int(os.environ["CLERKS"]))])
invoicing = env.ref("account.group_account_invoice")
members = "user_ids" if "user_ids" in invoicing._fields else "users"  # 19.0 / 18.0
invoicing.write({members: [(4, clerk.id) for clerk in clerks]})
env.cr.commit()
"""


class Sink:
    """The relay: takes every email, counts them per recipient."""

    def __init__(self):
        self.received = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.update(address.lower() for address in envelope.rcpt_tos)
        return "250 OK"


class Clerk(threading.Thread):
    """Records and withdraws refusals on its own ten customers, as the
    customer form's buttons do, every 0.05 to 0.3 s."""

    def __init__(self, url, db, number, stop):
        super().__init__(daemon=True)
        self.url, self.db, self.number, self.stop = url, db, number, stop
        self.latencies, self.failures, self.clicks = [], [], 0

    def run(self):
        client = WebClient(self.url, self.db, f"clerk{self.number}", CLERK_PASSWORD)
        codes = [f"K{10 * self.number + n:04d}" for n in range(1, 11)]
        ids = client.call("res.partner", "search", [("ref", "in", codes)])
        refused = dict.fromkeys(ids, False)
        while not self.stop.is_set():
            partner = random.choice(ids)
            method = (
                "action_demat_withdraw_refusal"
                if refused[partner]
                else "action_demat_record_refusal"
            )
            start = time.perf_counter()
            try:
                client.call("res.partner", method, [partner])
            except (RuntimeError, requests.RequestException) as error:
                self.failures.append(str(error)[-300:])
            else:
                refused[partner] = not refused[partner]
                self.clicks += 1
            self.latencies.append(time.perf_counter() - start)
            time.sleep(random.uniform(0.05, 0.3))


class WebClient:
    """A user's web session: calls the server as the web client does, a
    button by /web/dataset/call_button, anything else by call_kw."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.session = requests.Session()
        self.post(
            "/web/session/authenticate",
            {"db": db, "login": login, "password": password},
        )

    def call(self, model, method, *args):
        button = method.startswith("action_")
        return self.post(
            "/web/dataset/call_button" if button else "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": {"context": {}} if button else {},
            },
        )

    def post(self, path, params):
        answer = self.session.post(
            f"{self.url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        ).json()
        if "error" in answer:
            raise RuntimeError(answer["error"]["data"]["message"])
        return answer["result"]


def sql(db, query, *args):
    with psycopg2.connect(dbname=db) as connection, connection.cursor() as cr:
        cr.execute(query, args)
        return cr.fetchall() if cr.description else None


def start_server(args, db, log_path):
    command = [
        str(ROOT / "scripts" / "odoo.sh"),
        f"--database={db}",
        f"--db-filter=^{db}$",
        f"--http-port={args.http_port}",
        "--workers=3",
        "--max-cron-threads=2",
        "--limit-time-real=600",
        "--limit-time-real-cron=600",
        f"--logfile={log_path}",
    ]
    return subprocess.Popen(
        command, env=odoo_version.environ(args.version), start_new_session=True
    )


def wait_for_http(url, deadline=120):
    end = time.time() + deadline
    while time.time() < end:
        try:
            requests.get(f"{url}/web/webclient/version_info", timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError("Odoo did not answer")


class Faults(threading.Thread):
    """Kills the cron worker that runs the letter cron with SIGKILL once,
    mid-batch; then cuts the database connections of the worker that takes
    the run up again, once."""

    def __init__(self, log_path, db, stop):
        super().__init__(daemon=True)
        self.log_path, self.db, self.stop = log_path, db, stop
        self.done = []
        self.killed = None

    def run(self):
        seen = 0
        while not self.stop.is_set() and len(self.done) < 2:
            time.sleep(0.2)
            if not self.log_path.exists():
                continue
            lines = self.log_path.read_text(errors="replace").splitlines()
            jobs = [LETTER_JOB.match(line) for line in lines[seen:]]
            seen = len(lines)
            for job in filter(None, jobs):
                pid, name = int(job.group(1)), job.group(2)
                if not self.done and name.startswith("Demat"):
                    time.sleep(0.5)  # in the middle of its batch
                    if self.job_ended(pid, name, job.string):
                        continue  # too short: the next one
                    os.kill(pid, signal.SIGKILL)
                    self.done.append(f"SIGKILL to cron worker {pid} ({name})")
                    self.killed = pid
                    break
                if self.done and pid != self.killed and name.startswith("Demat"):
                    time.sleep(0.5)
                    if self.job_ended(pid, name, job.string):
                        continue  # too short: the worker may be sending emails
                    cut = sql(
                        self.db,
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND application_name = %s",
                        self.db,
                        f"odoo-{pid}",
                    )
                    if cut:
                        self.done.append(
                            f"{len(cut)} connection(s) of worker {pid} cut ({name})"
                        )
                        break

    def job_ended(self, pid, name, start):
        """Whether the job `name` that worker `pid` started (log line
        `start`) has ended since."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        lines = lines[lines.index(start) + 1 :]
        return any(
            f" {pid} " in line and f"Job '{name}'" in line and "starting" not in line
            for line in lines
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("version")
    parser.add_argument("--template", default=None)
    parser.add_argument("--emailed", type=int, default=150)
    parser.add_argument("--printed", type=int, default=300)
    parser.add_argument("--clerks", type=int, default=3)
    parser.add_argument("--http-port", type=int, default=8269)
    parser.add_argument("--smtp-port", type=int, default=2626)
    args = parser.parse_args()
    template = args.template or odoo_version.database("facto_test", args.version)
    db = odoo_version.database("facto_workers", args.version)
    log_path = ROOT / "var" / f"workers-{args.version}.log"
    log_path.unlink(missing_ok=True)
    subprocess.run(["dropdb", "--if-exists", db], check=True)
    subprocess.run(["createdb", "-T", template, db], check=True)
    filestore = ROOT / "var" / "data" / args.version / "filestore"
    shutil.rmtree(filestore / db, ignore_errors=True)
    if (filestore / template).exists():
        shutil.copytree(filestore / template, filestore / db)

    sink = Sink()
    relay = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    relay.start()
    environ = {
        **odoo_version.environ(args.version),
        "SMTP_PORT": str(args.smtp_port),
        "EMAILED": str(args.emailed),
        "PRINTED": str(args.printed),
        "CLERKS": str(args.clerks),
        "CLERK_PASSWORD": CLERK_PASSWORD,
    }
    subprocess.run(
        [
            str(ROOT / "scripts" / "odoo.sh"),
            "shell",
            "-d",
            db,
            "--no-http",
            "--log-level=warn",
        ],
        input=SETUP,
        text=True,
        env=environ,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    server = start_server(args, db, log_path)
    url = f"http://127.0.0.1:{args.http_port}"
    stop = threading.Event()
    try:
        wait_for_http(url)
        rows = run_and_check(args, db, url, sink, log_path, stop)
    finally:
        stop.set()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        relay.stop()
    print(f"\nOdoo {args.version}, --workers=3 --max-cron-threads=2:\n")
    print("| measure | value | expected |\n|---|---|---|")
    failed = 0
    for name, value, expected, ok in rows:
        failed += not ok
        print(f"| {name} | {value} | {expected}{'' if ok else ' **FAILED**'} |")
    print(f"\nworkers run: {len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


def run_and_check(args, db, url, sink, log_path, stop):
    call = WebClient(url, db, *ADMIN).call

    clerks = [Clerk(url, db, n, stop) for n in range(args.clerks)]
    faults = Faults(log_path, db, stop)
    for thread in (*clerks, faults):
        thread.start()
    time.sleep(1)
    start = time.perf_counter()
    for output, prefix in (("email", "E"), ("print", "P")):
        wizard = call(
            "facto.demat.letter.wizard",
            "create",
            {
                "output": output,
                "partner_code_from": f"{prefix}0000",
                "partner_code_to": f"{prefix}9999",
                "include_response_link": True,
            },
        )
        call("facto.demat.letter.wizard", "action_confirm", [wizard])
    total = args.emailed + args.printed
    while time.perf_counter() - start < DEADLINE:
        left = sql(
            db,
            "SELECT count(*) FILTER (WHERE state IN ('pending', 'queued')),"
            " (SELECT count(*) FROM mail_mail WHERE state = 'outgoing')"
            " FROM facto_demat_letter_run_line",
        )[0]
        if left == (0, 0) and len(faults.done) == 2:
            break
        time.sleep(1)
    elapsed = time.perf_counter() - start
    stop.set()
    for clerk in clerks:
        clerk.join(10)
    # the events whose head was busy are chained by the sealing cron
    end = time.time() + 120
    while (
        sql(db, "SELECT count(*) FROM facto_demat_event WHERE sequence IS NULL")[0][0]
        and time.time() < end
    ):
        time.sleep(1)
    return checks(args, db, call, sink, clerks, faults, elapsed, total)


def checks(args, db, call, sink, clerks, faults, elapsed, total):
    lines = sql(
        db,
        "SELECT partner.ref, line.state, line.output FROM facto_demat_letter_run_line"
        " line JOIN res_partner partner ON partner.id = line.partner_id",
    )
    letters = Counter(ref for ref, _state, _output in lines)
    done = sum(state == "done" for _ref, state, _output in lines)
    emailed = [f"e{n}@client.example" for n in range(1, args.emailed + 1)]
    received = [sink.received.get(address, 0) for address in emailed]
    letter_events = sql(
        db,
        "SELECT count(*), count(DISTINCT partner_id) FROM facto_demat_event"
        " WHERE event_type IN ('letter_printed', 'letter_emailed')",
    )[0]
    click_events = sql(
        db,
        "SELECT count(*) FROM facto_demat_event WHERE event_type IN"
        " ('refusal_recorded', 'refusal_withdrawn')",
    )[0][0]
    clicks = sum(clerk.clicks for clerk in clerks)
    latencies = sorted(latency for clerk in clerks for latency in clerk.latencies)
    failures = [failure for clerk in clerks for failure in clerk.failures]
    waiting = sql(db, "SELECT count(*) FROM facto_demat_event WHERE sequence IS NULL")
    verdict = call("facto.demat.event", "action_verify_integrity", [])
    intact = "the chain is intact" in verdict["params"]["message"]
    for failure in failures[:3]:
        print("click failed:", failure, file=sys.stderr)
    p99 = latencies[int(0.99 * (len(latencies) - 1))] if latencies else 0
    return [
        (
            "faults",
            "; ".join(faults.done) or "none",
            "a kill and a cut",
            len(faults.done) == 2,
        ),
        ("letters done", f"{done} of {total}", total, done == total),
        ("letters per second", f"{total / elapsed:.1f}", "", True),
        (
            "customers with two letters",
            sum(n > 1 for n in letters.values()),
            0,
            all(n == 1 for n in letters.values()) and len(letters) == total,
        ),
        (
            "emails received once",
            sum(n == 1 for n in received),
            args.emailed,
            all(n == 1 for n in received),
        ),
        ("emails sent twice", sum(n > 1 for n in received), 0, max(received) <= 1),
        ("letters lost", sum(n == 0 for n in received), 0, min(received) >= 1),
        (
            "clerk clicks (failed)",
            f"{clicks} ({len(failures)})",
            "0 failed",
            clicks > 0 and not failures,
        ),
        (
            "click latency median / p99 (ms)",
            f"{statistics.median(latencies) * 1000:.0f} / {p99 * 1000:.0f}",
            "",
            True,
        ),
        (
            "letter events (customers)",
            f"{letter_events[0]} ({letter_events[1]})",
            total,
            tuple(letter_events) == (total, total),
        ),
        ("click events", click_events, clicks, click_events == clicks),
        ("events waiting for the chain", waiting[0][0], 0, waiting[0][0] == 0),
        (
            "Verify integrity",
            "intact" if intact else verdict["params"]["message"],
            "intact",
            intact,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
