from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The heads of the evidence chains are sealed (`facto.demat.chain`,
    `mac`), with the evidence key when it is set; the anchors made before
    stay as they were, without a number."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    chains = env["facto.demat.chain"]
    for head in chains.search([("mac", "=", False)]):
        chains._move_head(chains._lock_head(head.company_id.id, wait=True))
