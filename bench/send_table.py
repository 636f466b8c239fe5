"""Table of bench/send.sh: medians without and with facto_demat."""

import statistics
import sys
from pathlib import Path


def measures(path):
    rows = [line.split() for line in Path(path).read_text().splitlines()]
    return [float(seconds) for seconds, _ in rows], [int(q) for _, q in rows]


without, with_demat = measures(sys.argv[1]), measures(sys.argv[2])
base = statistics.median(without[0])
print("\nBatch Print & Send of 200 posted invoices (PDFs already made)\n")
print("| database | runs | median s | min s | max s | queries | vs without |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, (seconds, queries) in (
    ("account only", without),
    ("account + facto_demat", with_demat),
):
    median = statistics.median(seconds)
    print(
        f"| {name} | {len(seconds)} | {median:.2f} | {min(seconds):.2f} "
        f"| {max(seconds):.2f} | {statistics.median(queries):.0f} "
        f"| {100 * (median / base - 1):+.1f} % |"
    )
