from odoo import models


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _render_lang(self, res_ids, engine="inline_template"):
        # EXTENDS 'mail': every road that renders a template for a record
        # (the send wizards and their cron, send_mail, the composer) asks
        # here the language to write in. A language the database lacks (set
        # by SQL or an import) would stop the whole send: the add-on's
        # language rule replaces it (the record's company's language).
        langs = super()._render_lang(res_ids, engine=engine)
        installed = dict(self.env["res.lang"].get_installed())
        missing = [
            res_id for res_id, lang in langs.items() if lang and lang not in installed
        ]
        if not missing or not self.render_model:
            return langs
        records = self.env[self.render_model].browse(missing)
        companies = records._mail_get_companies(default=self.env.company)
        for record in records:
            if isinstance(record, self.pool["facto.demat.document.mixin"]):
                langs[record.id] = record._demat_installed_lang(langs[record.id])
            else:
                langs[record.id] = self.env["res.partner"]._demat_lang(
                    companies[record.id]
                )
        return langs
