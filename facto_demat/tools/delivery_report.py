"""What a delivery status notification (RFC 3464, the report a mail server
sends back when it could not deliver an email, or only later) says of each
recipient, read with Python's `email` package.

A report is a `multipart/report` whose `message/delivery-status` part holds
one block of fields about the message, then one block per recipient:
`Final-Recipient: rfc822; jean@x.example`, `Action: failed` (or
`delayed`, `delivered`, `relayed`, `expanded`), `Status: 5.1.1` (the class
5 says for good, 4 for now) and, often, `Diagnostic-Code: smtp; 550 5.1.1
User unknown`, what the receiving server answered.
"""

from dataclasses import dataclass

DELIVERY_STATUS = "message/delivery-status"


@dataclass(frozen=True)
class RecipientReport:
    """What the report says of one recipient: `address` as the report
    writes it ('' if it names none), `action` in lower case, `status`
    ("5.1.1", '' if absent) and `diagnostic`, the receiving server's answer
    ('' if absent), each on one line."""

    address: str
    action: str
    status: str
    diagnostic: str

    @property
    def failed(self):
        """Whether the email will never reach this recipient (a hard
        bounce): the action says so, or the status is of class 5."""
        return self.action == "failed" or self.status.startswith("5")

    @property
    def delayed(self):
        """Whether the email is only late for this recipient (a soft
        bounce): the server keeps trying."""
        return not self.failed and (
            self.action == "delayed" or self.status.startswith("4")
        )


def recipient_reports(message):
    """[RecipientReport] of `message` (an `email.message.Message`), one per
    recipient block of its `message/delivery-status` part, in order; [] when
    it is no such report (a bounce in plain words, or no bounce at all)."""
    part = next(
        (part for part in message.walk() if part.get_content_type() == DELIVERY_STATUS),
        None,
    )
    blocks = part.get_payload() if part is not None else None
    if not isinstance(blocks, list):
        return []
    # the first block is about the message, the others about its recipients
    return [
        RecipientReport(
            address=_typed_value(block, "Final-Recipient")
            or _typed_value(block, "Original-Recipient"),
            action=_field(block, "Action").lower(),
            status=_field(block, "Status"),
            diagnostic=_typed_value(block, "Diagnostic-Code"),
        )
        for block in blocks[1:]
    ]


def _field(block, name):
    """The field `name` of a report block, unfolded on one line; ''."""
    return " ".join(str(block.get(name) or "").split())


def _typed_value(block, name):
    """The value of a typed field (`rfc822; jean@x.example`,
    `smtp; 550 ...`) without its type; the whole field when it has none."""
    value = _field(block, name)
    kind, separator, rest = value.partition(";")
    return rest.strip() if separator else kind
