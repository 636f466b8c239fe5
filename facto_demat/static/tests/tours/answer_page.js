import { registry } from "@web/core/registry";
import { leavesPage } from "@facto_demat/../tests/tours/utils/steps";

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
