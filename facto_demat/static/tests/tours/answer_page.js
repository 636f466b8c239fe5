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
