import { registry } from "@web/core/registry";
import { noEnglish, noErrorDialog } from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The customer's form: consent buttons and evidence
registry.category("web_tour.tours").add("facto_demat_fr_customer_form", {
    steps: () => [
        {
            content: "The customer's form",
            trigger: ".o_form_view .o_field_widget[name=name] :value(Boulangerie Martin)",
        },
        {
            content: "Open the Facturation tab",
            trigger: ".o_notebook .nav-link[name=accounting]:contains(Facturation)",
            run: "click",
        },
        {
            content: "The Dématérialisation group",
            trigger:
                ".o_notebook .tab-pane.active .o_horizontal_separator:contains(Dématérialisation)",
        },
        {
            content: "Documents may be emailed",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-success:contains(Envoi par email autorisé)",
        },
        noEnglish(".o_notebook .tab-pane.active", [
            "Dematerialisation",
            "Documents may be emailed",
            "Document email address",
            "Record a refusal",
            "Record an acceptance",
            "Refuses",
            "Accepts",
        ]),
        {
            content: "Record the customer's refusal",
            trigger: "button[name=action_demat_record_refusal]:contains(Enregistrer un refus)",
            run: "click",
        },
        {
            content: "The customer refused",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-danger:contains(Refusée)",
        },
        noErrorDialog(),
        {
            content: "Withdraw the refusal",
            trigger: "button[name=action_demat_withdraw_refusal]:contains(Retirer le refus)",
            run: "click",
        },
        noEnglish(".modal:has(.modal-footer .btn-primary)", [
            "Documents may then be emailed",
            "Withdraw the refusal?",
        ]),
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Documents may be emailed again",
            trigger:
                ".o_field_widget[name=demat_status] .badge.text-bg-success:contains(Envoi par email autorisé)",
        },
        noErrorDialog(),
        {
            content: "Record the customer's acceptance",
            trigger:
                "button[name=action_demat_record_acceptance]:contains(Enregistrer une acceptation)",
            run: "click",
        },
        {
            content: "Withdraw the acceptance",
            trigger:
                "button[name=action_demat_withdraw_acceptance]:contains(Retirer l'acceptation)",
            run: "click",
        },
        {
            content: "The acceptance is withdrawn",
            trigger:
                ".o_form_view:has(button[name=action_demat_record_acceptance]) .o_field_widget[name=demat_status] .badge.text-bg-success",
        },
        noErrorDialog(),
        {
            content: "Open the customer's evidence",
            trigger: ".o_form_view button[name=action_view_demat_events]:contains(Preuves)",
            run: "click",
        },
        {
            content: "The evidence, in French",
            trigger: ".o_list_view .o_data_row:contains(Refus enregistré):contains(Manuel)",
        },
        {
            content: "The last event is the withdrawn acceptance",
            trigger: ".o_list_view .o_data_row:contains(Acceptation retirée)",
        },
        {
            content: "The evidence's title",
            trigger: ".o_breadcrumb:contains(Preuves de dématérialisation)",
        },
        noEnglish(".o_action_manager", [
            "Dematerialisation",
            "Refusal",
            "Acceptance",
            "Manual",
            "Verify integrity",
            "Customer",
        ]),
        noErrorDialog(),
    ],
});
