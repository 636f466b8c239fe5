import { registry } from "@web/core/registry";
import {
    noEnglish,
    noErrorDialog,
    openMenu,
    openInvoicingApp,
} from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The reform: customers by invoicing route, and the data they gave
registry.category("web_tour.tours").add("facto_demat_fr_reform", {
    steps: () => [
        ...openInvoicingApp(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_route_board_menu",
            "Clients par mode de transmission"
        ),
        {
            content: "The board opens on its pivot, by route",
            trigger: ".o_pivot:contains(Email avec accord du client)",
        },
        {
            content: "Problems in columns",
            trigger: ".o_pivot:contains(SIREN absent)",
        },
        noEnglish(".o_action_manager", [
            "Customers by invoicing route",
            "No SIREN",
            "Email with consent",
            "Letter sent",
        ]),
        {
            content: "The list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "The customer without SIREN is not ready",
            trigger: ".o_list_view .o_data_row.text-danger:contains(Transports Léa):contains(SIREN absent)",
        },
        noErrorDialog(),
        ...openMenu(
            "account.menu_finance_receivables",
            "facto_demat.facto_demat_customer_data_menu",
            "Données clients à vérifier"
        ),
        {
            content: "What the customer gave waits for review",
            trigger: ".o_list_view .o_data_row:contains(Transports Léa):contains(À vérifier)",
        },
        noEnglish(".o_action_manager", ["To review", "Apply", "Reject", "Given on"]),
        {
            content: "Apply it",
            trigger: ".o_list_view .o_data_row:contains(Transports Léa) button[name=action_apply]",
            run: "click",
        },
        {
            content: "Nothing left to review",
            trigger: ".o_view_nocontent:contains(Rien à vérifier)",
        },
        noErrorDialog(),
    ],
});

