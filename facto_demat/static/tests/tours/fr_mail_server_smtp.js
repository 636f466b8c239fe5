import { registry } from "@web/core/registry";
import { connectionTest } from "@facto_demat/../tests/tours/utils/steps";

// A French invoicing manager's tour (tests/test_tour_french.py): every click
// answers without an error dialog, and the screens read in French.

// The mail servers and their connection test
// One tour per sending mode: one failing does not hide the other.
registry.category("web_tour.tours").add("facto_demat_fr_mail_server_smtp", {
    steps: () => connectionTest("Serveur SMTP local"),
});
