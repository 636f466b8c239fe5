"""Table of bench/send.sh: medians without and with facto_demat."""

import statistics
import sys
from collections import defaultdict
from pathlib import Path

SCENARIOS = {
    "sender": "company email set (facto_demat: Reply-To)",
    "no-sender": "no company email",
}


def measures(path):
    """{scenario: ([seconds], [queries])} of one database's output."""
    result = defaultdict(lambda: ([], []))
    for line in Path(path).read_text().splitlines():
        scenario, seconds, queries = line.split()
        result[scenario][0].append(float(seconds))
        result[scenario][1].append(int(queries))
    return result


without, with_demat = measures(sys.argv[1]), measures(sys.argv[2])
print("\nBatch Print & Send of 200 posted invoices (PDFs already made)\n")
print(
    "| scenario | database | runs | median s | min s | max s | queries | vs without |"
)
print("|---|---|---:|---:|---:|---:|---:|---:|")
for scenario, label in SCENARIOS.items():
    base = statistics.median(without[scenario][0])
    for name, data in (("account only", without), ("+ facto_demat", with_demat)):
        seconds, queries = data[scenario]
        median = statistics.median(seconds)
        print(
            f"| {label} | {name} | {len(seconds)} | {median:.2f} "
            f"| {min(seconds):.2f} | {max(seconds):.2f} "
            f"| {statistics.median(queries):.0f} | {100 * (median / base - 1):+.1f} % |"
        )
