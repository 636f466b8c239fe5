"""How an evidence event is sealed, from its row alone (no ORM): the same
function checks an event just created and streams a chain of a million
rows (see `facto.demat.event` and `facto.demat.chain`).

A row is a mapping of the event's columns (many2one columns as ids, the
date as a naive UTC datetime) plus `attachment_checksum`, the SHA-1 Odoo
keeps of the letter's PDF.
"""

import hashlib
import hmac
import json
from datetime import datetime

from psycopg2 import errors

# Raised when another transaction wrote or locked a row this one writes.
# The work is redone in a new transaction, never left to fail a batch.
CONCURRENCY_ERRORS = (
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,
)

# What each version of the seal covers, in this order. Version 1 (the
# first rows) sealed the live links to the customer and the user, which a
# contact merge or a user deletion changes; version 2 seals a snapshot of
# who and what instead, keyed when the evidence key is set.
SEALED_FIELDS = {
    1: [
        "company_id",
        "sequence",
        "previous_hash",
        "date",
        "partner_id",
        "event_type",
        "channel",
        "user_id",
        "email",
        "attachment_id",
        "mail_message_id",
        "ip_address",
        "user_agent",
        "note",
    ],
    2: [
        "company_id",
        "sequence",
        "previous_hash",
        "date",
        "sealed_partner_id",
        "sealed_partner_name",
        "sealed_partner_code",
        "event_type",
        "channel",
        "sealed_user_id",
        "sealed_user_login",
        "email",
        "attachment_id",
        "mail_message_id",
        "ip_address",
        "user_agent",
        "note",
        "keyed",
    ],
}
# Version 3 also seals where the letter is in its PDF (several letters
# share the PDF of their batch) and the SHA-256 of the letter alone.
SEALED_FIELDS[3] = [
    *SEALED_FIELDS[2],
    "letter_first_page",
    "letter_last_page",
    "letter_sha256",
]
# Version 4 seals in two steps, so that appending never waits on the
# chain: the event's content when it is created (`content_hash`, all of
# version 3 but its place in the chain), then its link, when the chain's
# single writer gives it its place (`hash`, over the place and the content
# seal).
SEALED_FIELDS[4] = [
    name for name in SEALED_FIELDS[3] if name not in ("sequence", "previous_hash")
]
# Version 5 also seals how the row is sealed (its version; keyed was
# already sealed), in its content and in its link: a row cannot be made to
# look older or unkeyed without being sealed again.
SEALED_FIELDS[5] = [*SEALED_FIELDS[4], "seal_version"]
# Version 6 also seals which letter text the customer was sent (consent
# letter, French businesses before or from the e-invoicing date).
SEALED_FIELDS[6] = [*SEALED_FIELDS[5], "letter_text"]
LINK_FIELDS = {
    4: ["company_id", "sequence", "previous_hash", "content_hash"],
    5: [
        "company_id",
        "sequence",
        "previous_hash",
        "content_hash",
        "seal_version",
        "keyed",
    ],
}
LINK_FIELDS[6] = LINK_FIELDS[5]
SEAL_VERSION = 6
# Every column a row needs to be sealed, whatever its version.
ROW_COLUMNS = sorted(
    {name for names in SEALED_FIELDS.values() for name in names}
    | {"id", "hash", "content_hash", "seal_version"}
)


def seal(payload, key):
    """The seal of `payload` (a dict of JSON values): HMAC-SHA256 with
    `key` (bytes), or plain SHA-256 without one; hexadecimal."""
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    if key:
        return hmac.new(key, encoded, hashlib.sha256).hexdigest()
    return hashlib.sha256(encoded).hexdigest()


def _value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value or None


def _payload(row, names, with_checksum):
    payload = {name: _value(row[name]) for name in names}
    if with_checksum:
        payload["attachment_checksum"] = row["attachment_checksum"] or None
    return payload


def is_keyed(row):
    """Whether the row says it is sealed with the key: version 1 rows never
    are, whatever their `keyed` column holds."""
    return (row["seal_version"] or 1) > 1 and bool(row["keyed"])


def content_seal(row, key):
    """The seal of a version 4 or later row's content (see
    `SEALED_FIELDS`)."""
    names = SEALED_FIELDS[min(row["seal_version"] or 4, SEAL_VERSION)]
    return seal(_payload(row, names, True), key if row["keyed"] else None)


def link_seal(row, key):
    """The seal of a version 4 or later row's place in its chain, over its
    content seal."""
    names = LINK_FIELDS[min(row["seal_version"] or 4, SEAL_VERSION)]
    return seal(_payload(row, names, False), key if row["keyed"] else None)


def event_seal(row, key):
    """The `hash` a row of any version must hold. Version 1 rows keep their
    unkeyed SHA-256; the content seal of a version 4 or later row is checked
    apart."""
    version = row["seal_version"] or 1
    if version >= 4:
        return link_seal(row, key)
    return seal(
        _payload(row, SEALED_FIELDS[version], True), key if is_keyed(row) else None
    )


# What the head of a company's chain seals: its last event and its last
# anchor, so that neither can be taken back without the key.
HEAD_FIELDS = ["company_id", "sequence", "hash", "anchor_number", "anchor_mac", "keyed"]
# What an anchor seals: version 1, the chain's head at a moment; version 2
# also its place among the company's anchors, after the previous one.
ANCHOR_FIELDS = {
    1: ["company_id", "date", "sequence", "hash", "keyed"],
    2: ["company_id", "date", "sequence", "hash", "keyed", "number", "previous_mac"],
}
ANCHOR_VERSION = 2


def head_seal(head, key):
    """The `mac` of a chain head (a mapping of `HEAD_FIELDS`)."""
    return seal(_payload(head, HEAD_FIELDS, False), key if head["keyed"] else None)


def anchor_seal(anchor, key):
    """The `mac` of an anchor (a mapping of its columns, `number` None for
    a version 1 anchor)."""
    version = 2 if anchor["number"] else 1
    payload = {name: _value(anchor[name]) for name in ANCHOR_FIELDS[version]}
    payload.update(
        sequence=anchor["sequence"] or 0,
        hash=anchor["hash"] or "",
        keyed=bool(anchor["keyed"]),
    )
    return seal(payload, key if anchor["keyed"] else None)
