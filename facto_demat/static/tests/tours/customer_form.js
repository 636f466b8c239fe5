/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("facto_demat_customer_form", {
    steps: () => [
        {
            content: "The customer form shows the customer",
            trigger: ".o_form_view .o_field_widget[name=name] :value(Boulangerie Martin)",
        },
    ],
});
