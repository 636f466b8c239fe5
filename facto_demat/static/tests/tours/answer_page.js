import { registry } from "@web/core/registry";

// A step that leaves the page: 19.0 wants { expectUnloadPage: true }, which
// 18.0's tour service (in @web_tour/tour_service/) does not know.
function leavesPage() {
    const odoo19 = odoo.loader.modules.has("@web_tour/js/tour_service");
    return odoo19 ? { expectUnloadPage: true } : {};
}

registry.category("web_tour.tours").add("facto_demat_answer_page", {
    steps: () => [
        {
            content: "Ask for a confirmation by email",
            trigger: "#demat_confirm",
            run: "click",
        },
        {
            content: "Refuse documents by email",
            trigger: "button[name=refuse_button]",
            run: "click",
            ...leavesPage(),
        },
        {
            content: "The answer is recorded",
            trigger: ".o_demat_response_done:contains(You refused documents by email)",
        },
    ],
});

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
