"""HTML texts kept whole in each language.

Odoo translates a sanitised HTML field term by term (`html_translate`):
editing its French rewrites the other languages' changed terms too. The
add-ons' texts (letters, email texts) are written by accountants one
language at a time, so their fields are declared `translate=True,
sanitize=False` (one whole value per language) and sanitised here, on every
path that stores them, as Odoo sanitises its HTML fields."""

from odoo.tools import html_sanitize


def sanitised(vals, *field_names):
    """`vals` (a dict of field values) with the HTML of `field_names`
    sanitised: no script, event handler, iframe or form."""
    return {
        **vals,
        **{
            name: html_sanitize(
                vals[name], sanitize_attributes=True, sanitize_style=True
            )
            for name in field_names
            if vals.get(name)
        },
    }
