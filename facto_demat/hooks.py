import logging

from .tools.evidence_key import HOW_TO, EvidenceKeyError, evidence_key

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Say at install whether the evidence trail will be keyed."""
    try:
        keyed = evidence_key()
    except EvidenceKeyError as error:
        _logger.warning("%s", error)
        return
    if not keyed:
        _logger.warning(
            "facto_demat: no evidence key is set, so the evidence trail is "
            "chained but not keyed; to set one: %s",
            HOW_TO,
        )
