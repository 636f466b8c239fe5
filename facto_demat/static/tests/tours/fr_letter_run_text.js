import { registry } from "@web/core/registry";
import {
    noEnglish,
    noErrorDialog,
    printRun,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The letter text a run keeps, when started in French (a separate tour: it
// fails while the run stores the English text in French too)
registry.category("web_tour.tours").add("facto_demat_fr_letter_run_text", {
    steps: () => [
        ...printRun(),
        {
            content: "The run keeps the French subject",
            trigger: ".o_form_view .o_field_widget[name=subject]:contains(Vos factures)",
        },
        noEnglish(".o_form_view .o_field_widget[name=body]", [
            "Hello",
            "Our company",
            "please contact us",
        ]),
        {
            content: "The run keeps the French letter text",
            trigger: ".o_form_view .o_field_widget[name=body]:contains(Bonjour %1,)",
        },
        noErrorDialog(),
    ],
});
