"""The evidence key: a secret kept outside the database, which keys the
seals of the evidence trail, of its anchors and of its chains' heads.

Odoo's configuration file gives it, inline or, better, as a file it names
(readable by Odoo's system user only):

    facto_demat_evidence_key_file = /etc/odoo/facto_demat_evidence.key
    facto_demat_evidence_key = <the key itself>

The file holds the key on its first line and, on a second line, when Odoo
was first started with it, in UTC (`since 2026-09-01 08:00:00`; inline:
`facto_demat_evidence_key_since = 2026-09-01 08:00:00`). That record lives
outside the database too: a chain whose events, anchors or head are dated
after it and sealed without the key was re-sealed by someone without it.

Create one with `HOW_TO`.
"""

from datetime import datetime

from odoo.tools import config

HOW_TO = (
    '(python3 -c "import secrets; print(secrets.token_hex(32))"; '
    "date -u +'since %Y-%m-%d %H:%M:%S') > /etc/odoo/facto_demat_evidence.key; "
    "chmod 400 /etc/odoo/facto_demat_evidence.key; then add "
    "'facto_demat_evidence_key_file = /etc/odoo/facto_demat_evidence.key' to "
    "Odoo's configuration file and restart Odoo"
)
SINCE = "since"


class EvidenceKeyError(RuntimeError):
    """The configuration names a key file that cannot be read, or says
    when the key was set in a form that is not a date."""


def evidence_key():
    """The evidence key (bytes), or None when the configuration sets none.
    Raises `EvidenceKeyError` when the named file cannot be read or is
    empty: sealing without the key the administrator meant would weaken
    the trail silently."""
    inline = (config.get("facto_demat_evidence_key") or "").strip()
    if inline:
        return inline.encode()
    lines = _key_file_lines()
    return lines[0].encode() if lines else None


def evidence_key_since():
    """When the key was set (naive UTC datetime), as the key file's second
    line or the configuration says, or None when nothing says it. Raises
    `EvidenceKeyError` when it is not a date."""
    if (config.get("facto_demat_evidence_key") or "").strip():
        text = (config.get("facto_demat_evidence_key_since") or "").strip()
    else:
        text = next(
            (
                line.removeprefix(SINCE).strip()
                for line in _key_file_lines()[1:]
                if line.startswith(SINCE)
            ),
            "",
        )
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.removesuffix("Z")).replace(tzinfo=None)
    except ValueError as error:
        raise EvidenceKeyError(
            f"facto_demat: the evidence key's date {text!r} is not a date "
            "(YYYY-MM-DD HH:MM:SS, UTC)"
        ) from error


def _key_file_lines():
    """The non-empty lines of the key file, or [] when none is named."""
    path = (config.get("facto_demat_evidence_key_file") or "").strip()
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as file:
            lines = [line.strip() for line in file if line.strip()]
    except (OSError, UnicodeDecodeError) as error:
        raise EvidenceKeyError(
            f"facto_demat: cannot read the evidence key file {path}: {error}"
        ) from error
    if not lines:
        raise EvidenceKeyError(f"facto_demat: the evidence key file {path} is empty")
    return lines
