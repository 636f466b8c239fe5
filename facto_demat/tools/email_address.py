"""Address fields as people type them.

An email field of a real customer file holds one address or several,
separated by commas, semicolons or new lines, each with or without a
display name ("Jérôme Dûpont <jerome@delta.example>", "Dupont, Jean
<jean@…>", "Société (siège) <siege@…>"), in any case, with blanks around.
`parse_addresses` splits such a field the way Odoo's `email_split_tuples`
does, but keeps the addresses it would silently drop or repair
(`compta@@eta.example` is not `@eta.example`), then validates each bare
address with email-validator (syntax only, no DNS) and normalises it as
Odoo's `email_normalize` does.
"""

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from odoo.tools import email_normalize, formataddr
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

SEPARATORS = ",;\n\r"
MAILTO = re.compile(r"^mailto:", re.IGNORECASE)
# An RFC 5322 comment closing the address: `jean@x.example (Jean Dupont)`
COMMENT = re.compile(r"\s*\(([^()]*)\)\s*$")
# What must never reach an email header: line breaks and other controls
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# A word of free text holding an @, and what closes a sentence around it
WORD_WITH_AT = re.compile(r"[^\s<>()\[\]{}\",;]*@[^\s<>()\[\]{}\",;]*")
SENTENCE_MARKS = ".:!?'"

# Why an address is not valid (`Address.fault`), and how the user reads it
# (`FAULT_LABELS`, translated when shown)
NO_AT = "no_at"  # no @
TWO_AT = "two_at"  # more than one @
NO_LOCAL = "no_local"  # nothing before the @
NO_DOMAIN = "no_domain"  # nothing after the @
SPACE = "space"  # a blank inside the address
DOT = "dot"  # a dot at the start or the end, or two dots in a row
DOMAIN = "domain"  # a domain no mail server can have
FORMAT = "format"  # any other character or form the standard forbids
# Lazy: a module's constants have no environment to translate with; the
# model translates each in the user's language when it shows it.
# pylint: disable=prefer-env-translation
FAULT_LABELS = {
    NO_AT: _lt("no @"),
    TWO_AT: _lt("two @"),
    NO_LOCAL: _lt("nothing before the @"),
    NO_DOMAIN: _lt("domain missing"),
    SPACE: _lt("a space in the address"),
    DOT: _lt("a misplaced dot"),
    DOMAIN: _lt("invalid domain"),
    FORMAT: _lt("invalid characters or form"),
}
# pylint: enable=prefer-env-translation


@dataclass(frozen=True)
class Address:
    """One address of a field: `text` as typed (without its separators),
    `name` its display name, `email` the bare address normalised (lower
    case but for a non-ASCII mailbox; domain as typed, IDNA-encoded on
    sending), or '' when it is not valid, and then `fault` says why."""

    text: str
    name: str
    email: str
    fault: str = ""


def parse_addresses(value):
    """Every address of the field `value` (str or False), in order: a list
    of `Address`, empty for an empty field."""
    return [_parse_one(chunk) for chunk in _chunks(value or "")]


def valid_emails(value):
    """The normalised valid addresses of the field `value`, each once, in
    order."""
    emails = []
    for address in parse_addresses(value):
        if address.email and address.email not in emails:
            emails.append(address.email)
    return emails


def emails_in_text(text):
    """The normalised valid addresses written in free text (str or False),
    such as a customer's reply ("merci d'utiliser compta@delta.example."),
    each once, in order: each word holding an @, without the punctuation
    of the sentence around it, is read as `valid_emails` reads a field."""
    emails = []
    for word in WORD_WITH_AT.findall(text or ""):
        for email in valid_emails(word.strip(SENTENCE_MARKS)):
            if email not in emails:
                emails.append(email)
    return emails


def header_text(value):
    """`value` (str or False) fit for an email header: each run of line
    breaks or other control characters becomes one blank, so that no name
    or subject typed by a user can add a header line."""
    return CONTROLS.sub(" ", value or "").strip()


def format_address(name, email):
    """The `To:` form of `email` with the display name `name` (str or
    False): quoted, or RFC 2047-encoded when not ASCII, on one line."""
    return formataddr((header_text(name), email))


def _chunks(value):
    """The field cut at its separators, except inside quotes, angle brackets
    or parentheses; a piece without any @ followed by a bracketed address
    is the start of its display name ("Dupont, Jean <jean@…>")."""
    pieces, current, quoted, depth = [], [], False, 0
    previous = ""
    for char in value:
        if char == '"' and previous != "\\":
            quoted = not quoted
        elif not quoted and char in "<(":
            depth += 1
        elif not quoted and char in ">)" and depth:
            depth -= 1
        if char in SEPARATORS and not quoted and not depth:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
        previous = char
    pieces.append("".join(current))
    chunks = []
    for piece in (piece.strip() for piece in pieces):
        if not piece:
            continue
        if chunks and "@" not in chunks[-1] and "<" in piece:
            chunks[-1] = f"{chunks[-1]}, {piece}"
        elif "<" not in piece and sum("@" in word for word in piece.split()) > 1:
            chunks += piece.split()  # a list separated by blanks
        else:
            chunks.append(piece)
    return chunks


def _parse_one(text):
    name, spec = _split_name(text)
    fault = _fault(spec)
    email = ""
    if not fault:
        try:
            validated = validate_email(
                spec,
                check_deliverability=False,
                allow_smtputf8=True,
                globally_deliverable=False,
            )
        except EmailNotValidError as error:
            fault = _fault_of(str(error))
        else:
            email = email_normalize(validated.normalized) or ""
            fault = "" if email else FORMAT
    return Address(text=text, name=name, email=email, fault=fault)


def _split_name(text):
    """(display name, bare address) of one address as typed. A name stands
    before the address (`Jean Dupont <jean@…>`, `Jean Dupont jean@…`) or
    is an RFC 5322 comment after it (`jean@… (Jean Dupont)`); a blank
    anywhere else is inside the address (`jean@exa mple.com`), whose fault
    `_fault` then tells (`SPACE`)."""
    comment = COMMENT.search(text)
    if comment and comment.start():
        text, comment = text[: comment.start()], comment.group(1).strip()
    else:
        comment = ""
    if text.endswith(">") and "<" in text:
        name, _bracket, spec = text[:-1].rpartition("<")
        return name.strip().strip('"').strip() or comment, spec.strip()
    spec = MAILTO.sub("", text).strip()
    *name, last = spec.split() or [""]
    if name and _names_a_bare_address(name, last):  # 'Name name@example.com'
        return " ".join(name).strip('"'), last
    return comment, spec


def _names_a_bare_address(words, last):
    """Whether `words`, typed before `last` with blanks, are a display name
    and `last` the address. They are not when `last` is no whole address
    (`jean @example.com`), when they hold an @ themselves, or when they
    are one word in lower case: then a blank cut the address
    (`je an@example.com`)."""
    local, at, domain = last.partition("@")
    if not (local and at and domain) or any("@" in word for word in words):
        return False
    return len(words) > 1 or not words[0].islower()


def _fault(spec):
    """The fault of a bare address that a glance tells, else ''."""
    local, at, domain = spec.rpartition("@")
    if not at:
        return NO_AT
    if "@" in local.strip('"'):
        return TWO_AT
    if any(char.isspace() for char in spec):
        return SPACE
    if not local:
        return NO_LOCAL
    if not domain:
        return NO_DOMAIN
    if local.startswith(".") or local.endswith(".") or ".." in spec:
        return DOT
    if domain.startswith(".") or domain.endswith("."):
        return DOT
    # A domain without a dot stays valid, as for Odoo (intranets).
    if domain.replace(".", "").isdigit():  # an IP address, unbracketed
        return DOMAIN
    if len(local) > 64:
        return FORMAT
    return ""


def _fault_of(message):
    """email-validator's reason, as one of our faults."""
    message = message.lower()
    if "period" in message or "dot" in message:
        return DOT
    if "after the @" in message or "domain" in message:
        return DOMAIN
    return FORMAT
