# Consent at scale: computing and searching `demat_allowed` for N customers
# must cost a constant number of queries. Fed to `odoo-bin shell` by
# `make bench-consent`; everything it creates is rolled back.
# ruff: noqa: F821
import time

Partner = env["res.partner"]


def measure(function):
    env.invalidate_all()
    queries, start = env.cr.sql_log_count, time.perf_counter()
    function()
    return env.cr.sql_log_count - queries, time.perf_counter() - start


def run(count, policy, grace_days):
    env.company.write({"demat_consent_policy": policy, "demat_grace_days": grace_days})
    partners = Partner.create(
        [
            {
                "name": f"Client {n}",
                "email": f"client{n}@example.com" if n % 10 else "client@@example",
                "demat_refused": n % 25 == 0,
            }
            for n in range(count)
        ]
    )
    env.flush_all()
    computed = measure(lambda: partners.mapped("demat_allowed"))
    domain = [("id", "in", partners.ids), ("demat_allowed", "=", True)]
    searched = measure(lambda: Partner.search_count(domain))
    return computed, searched


rows = []
for policy, grace in (("opt_out", 0), ("opt_out", 15), ("opt_in", 0)):
    for count in (1000, 10000):
        env.cr.execute("SAVEPOINT bench")
        (cq, ct), (sq, st) = run(count, policy, grace)
        env.cr.execute("ROLLBACK TO SAVEPOINT bench")
        env.invalidate_all()
        rows.append((count, f"{policy}/{grace}d", cq, ct, sq, st))

print()
print(
    "| customers | policy | compute queries | compute s | search queries | search s |"
)
print("|---:|---|---:|---:|---:|---:|")
for count, policy, cq, ct, sq, st in rows:
    print(f"| {count} | {policy} | {cq} | {ct:.3f} | {sq} | {st:.3f} |")
env.cr.rollback()
