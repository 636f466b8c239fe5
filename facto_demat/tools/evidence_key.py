"""The evidence key: a secret kept outside the database, which keys the
seals of the evidence trail and of its anchors.

Odoo's configuration file gives it, inline or, better, as a file it names
(readable by Odoo's system user only):

    facto_demat_evidence_key_file = /etc/odoo/facto_demat_evidence.key
    facto_demat_evidence_key = <the key itself>

Create one with `python3 -c "import secrets; print(secrets.token_hex(32))"`.
"""

from odoo.tools import config

HOW_TO = (
    'python3 -c "import secrets; print(secrets.token_hex(32))" '
    "> /etc/odoo/facto_demat_evidence.key; chmod 400 "
    "/etc/odoo/facto_demat_evidence.key; then add "
    "'facto_demat_evidence_key_file = /etc/odoo/facto_demat_evidence.key' to "
    "Odoo's configuration file and restart Odoo"
)


class EvidenceKeyError(RuntimeError):
    """The configuration names a key file that cannot be read."""


def evidence_key():
    """The evidence key (bytes), or None when the configuration sets none.
    Raises `EvidenceKeyError` when the named file cannot be read or is
    empty: sealing without the key the administrator meant would weaken
    the trail silently."""
    inline = (config.get("facto_demat_evidence_key") or "").strip()
    if inline:
        return inline.encode()
    path = (config.get("facto_demat_evidence_key_file") or "").strip()
    if not path:
        return None
    try:
        with open(path, "rb") as file:
            key = file.read().strip()
    except OSError as error:
        raise EvidenceKeyError(
            f"facto_demat: cannot read the evidence key file {path}: {error}"
        ) from error
    if not key:
        raise EvidenceKeyError(f"facto_demat: the evidence key file {path} is empty")
    return key
