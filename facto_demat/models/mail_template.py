from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    facto_demat_document_type_ids = fields.One2many(
        "facto.demat.document.type", "mail_template_id", string="Document types"
    )

    def send_mail_batch(
        self,
        res_ids,
        force_send=False,
        raise_exception=False,
        email_values=None,
        email_layout_xmlid=False,
    ):
        # EXTENDS 'mail': a template sent on customer documents (by code,
        # and by the server actions and automation rules "Send Email", which
        # call send_mail) emails only the recipients the consent rule allows;
        # each document's chatter says whom it left out. send_mail returns
        # the first email: one email per document is kept, cancelled when
        # nobody is left.
        mails = super().send_mail_batch(
            res_ids,
            force_send=False,
            raise_exception=raise_exception,
            email_values=email_values,
            email_layout_xmlid=email_layout_xmlid,
        )
        Documents = self.env[self.model] if self.model else None
        if isinstance(Documents, self.pool["facto.demat.document.mixin"]):
            for mail in mails.filtered(lambda mail: mail.model == self.model):
                document = Documents.browse(mail.res_id).exists()
                if document and document._demat_is_customer_document():
                    document._demat_restrict_mail(mail)
        if force_send:
            mails.filtered(lambda mail: mail.state == "outgoing").send(
                raise_exception=raise_exception
            )
        return mails
