import { registry } from "@web/core/registry";
import {
    noEnglish,
    noErrorDialog,
    openMenu,
    openInvoicingApp,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The evidence trail and its integrity check
registry.category("web_tour.tours").add("facto_demat_fr_evidence", {
    steps: () => [
        ...openInvoicingApp(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_event_menu",
            "Preuves de dématérialisation"
        ),
        {
            content: "The evidence",
            trigger:
                ".o_list_view .o_data_row:contains(Boulangerie Martin):contains(Refus enregistré)",
        },
        {
            content: "Verify the integrity, nothing selected",
            trigger: ".o_control_panel button[name=action_verify_integrity]:contains(intégrité)",
            run: "click",
        },
        {
            content: "The trail is intact",
            trigger:
                ".o_notification:contains(Intégrité du journal des preuves):contains(intact)",
        },
        noErrorDialog(),
        noEnglish(".o_notification", [
            "Evidence trail",
            "events verified",
            "the chain is intact",
            "evidence key",
        ]),
        noEnglish(".o_action_manager", [
            "Dematerialisation",
            "Verify integrity",
            "Refusal",
            "Manual",
            "Customer",
        ]),
    ],
});
