/** @odoo-module */

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("facto_demat_customer_form", {
    steps: () => [
        {
            content: "The customer form shows the customer",
            trigger: ".o_form_view .o_field_widget[name=name] :value(Boulangerie Martin)",
        },
        {
            content: "Open the Invoicing tab",
            trigger: ".o_notebook .nav-link[name=accounting]",
            run: "click",
        },
        {
            content: "Documents may be emailed to this customer",
            trigger: ".o_field_widget[name=demat_status] .badge.text-bg-success",
        },
        {
            content: "Record the customer's refusal",
            trigger: "button[name=action_demat_record_refusal]",
            run: "click",
        },
        {
            content: "The customer is now refused",
            trigger: ".o_field_widget[name=demat_status] .badge.text-bg-danger",
        },
    ],
});
