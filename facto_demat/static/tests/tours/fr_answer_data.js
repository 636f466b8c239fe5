import { registry } from "@web/core/registry";
import { leavesPage } from "@facto_demat/../tests/tours/utils/steps";

registry.category("web_tour.tours").add("facto_demat_fr_answer_data", {
    steps: () => [
        {
            content: "The page asks for the company's details, in French",
            trigger: ".o_demat_response_data h2:contains(Les coordonnées de votre entreprise)",
        },
        {
            content: "A SIRET with a wrong key",
            trigger: "#demat_siret",
            run: "edit 732 829 320 00075",
        },
        {
            content: "The invoicing address",
            trigger: "#demat_invoicing_email",
            run: "edit factures@transports-lea.example",
        },
        {
            content: "Liable to VAT",
            trigger: "#demat_vat_yes",
            run: "click",
        },
        {
            content: "Send",
            trigger: "button[name=data_button]",
            run: "click",
            ...leavesPage(),
        },
        {
            content: "The error is said beside the number, what was typed is kept",
            trigger:
                ".o_demat_response_data:has(#demat_invoicing_email[value='factures@transports-lea.example']) .text-danger:contains(SIREN)",
        },
        {
            content: "The right SIRET",
            trigger: "#demat_siret",
            run: "edit 732 829 320 00074",
        },
        {
            content: "Send again",
            trigger: "button[name=data_button]",
            run: "click",
            ...leavesPage(),
        },
        {
            content: "Thanked, in French",
            trigger: ".o_demat_response_done:contains(vérifiera)",
        },
    ],
});

