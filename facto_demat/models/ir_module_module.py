from odoo import models


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(self, modules, langs, *args, **kwargs):
        # EXTENDS 'base': a language loaded after the document types were
        # made gets their standard email texts too (saved texts stay).
        result = super()._load_module_terms(modules, langs, *args, **kwargs)
        standard = (
            self.env["facto.demat.document.type"]
            .sudo()
            .search([("mail_template_id", "=", False)])
        )
        for company, document_types in standard.grouped("company_id").items():
            document_types.with_company(company)._set_default_texts()
        return result
