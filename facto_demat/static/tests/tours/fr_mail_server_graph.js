import { registry } from "@web/core/registry";
import { connectionTest } from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

registry.category("web_tour.tours").add("facto_demat_fr_mail_server_graph", {
    steps: () => connectionTest("Microsoft 365 local"),
});
