"""A double of Odoo's Peppol access point for the tests, on 18.0 and 19.0.

Odoo's `account_peppol` talks to the outside over HTTP only: its own tests
(account_peppol/tests/test_peppol_messages.py) answer that HTTP layer by
overriding the test case's `_request_handler` (every `requests` call of a
test goes through it), and register the company with a proxy user of type
"peppol" in "test" mode. `PeppolDouble` does the same, with a directory of
participants the tests fill and a record of what was sent:

- the participant lookup: 19.0 asks Odoo's proxy
  (GET <proxy>/api/peppol/1/lookup?peppol_identifier=EAS:ID, JSON); 18.0
  asks the participant's SMP directly (GET http://B-<md5>.iso6523-actorid-
  upis.(acc.)edelivery.tech.ec.europa.eu/iso6523-actorid-upis%3A%3AEAS:ID,
  XML ServiceGroup). Both are answered from `peppol_directory`: a published
  participant with the Peppol BIS Billing 3.0 invoice and credit note
  document types (or with none: "cannot receive the format"), an absent one
  with 404 (NOT_FOUND on 19.0).
- the proxy (JSON-RPC POST <proxy>/api/peppol/1/...): send_document gives
  each document a new message uuid and records it in `peppol_sent`;
  get_document reports, for the uuids it gave, the state
  `peppol_delivery_state` ("done" unless a test says otherwise); ack and
  get_all_documents (no incoming document) are answered empty. Any other
  call is recorded in `peppol_unanswered` and blocked as Odoo's test case
  blocks every outside request.

French identifiers (peppol_eas) both trees accept: 0009 (SIRET, checked
with stdnum.fr.siret; the default, COMPANY_SIRET and CUSTOMER_SIRET are
valid ones) and 0002 (SIREN, not checked). 0225 (FRCTC electronic address)
exists on 19.0 only: 18.0's selection refuses it.

Use it before the test case in the bases:
`class TestX(PeppolDouble, SendCase)`, then in setUpClass
`cls.peppol_register_company()` and `cls.peppol_make_valid(partner)`.
Nothing of Odoo is mocked: its own check (button_account_peppol_check_
partner_endpoint), its sending and its status cron run, against the double.
"""

import base64
import json
import unittest
import uuid
from urllib import parse

from requests import PreparedRequest, Response, Session

from odoo.addons.account.models.company import PEPPOL_LIST

from ..tools.odoo_versions import ODOO_19

# The document types a real SMP publishes for Peppol BIS Billing 3.0.
BIS3_INVOICE = (
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2::Invoice##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    "::2.1"
)
BIS3_CREDIT_NOTE = (
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2::CreditNote##"
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    "::2.1"
)
BIS3_DOCUMENTS = (BIS3_INVOICE, BIS3_CREDIT_NOTE)
# Luhn-valid SIRETs (EAS 0009: both trees check them with stdnum.fr.siret)
COMPANY_SIRET = "55208131700018"
CUSTOMER_SIRET = "44229377500023"
COMPANY_IBAN = "FR7630006000011234567890189"
SMP_HOST_SUFFIX = "edelivery.tech.ec.europa.eu"
# Odoo's Peppol proxy (account_edi_proxy_client.user._get_proxy_urls)
PROXY_HOSTS = ("peppol.test.odoo.com", "peppol.api.odoo.com")
PEPPOL_STATES_OK = ("processing", "done")


def peppol_identifier(eas, endpoint):
    return f"{eas}:{endpoint}".lower()


def service_group_url(identifier):
    """Where an SMP publishes the participant's service group."""
    return "https://smp.example/iso6523-actorid-upis%3A%3A" + parse.quote_plus(
        identifier
    )


def service_url(identifier, document):
    """Where an SMP publishes how the participant receives `document`."""
    return (
        f"{service_group_url(identifier)}/services/busdox-docid-qns%3A%3A"
        + parse.quote_plus(document)
    )


class PeppolDouble:
    """Mixin for a TransactionCase (before DematCase/SendCase in the bases):
    Odoo's Peppol access point and the Peppol directory, answered at the
    HTTP layer. See the module's docstring."""

    # what get_document reports for the messages sent ("done", "error"...)
    peppol_delivery_state = "done"

    @classmethod
    def setUpClass(cls):
        # before the cases' own setUpClass: the partners they create may be
        # looked up already (18.0 checks every new partner with a UBL format)
        cls.peppol_directory = {}  # identifier -> document types published
        cls.peppol_sent = []  # one dict per document sent, in order
        cls.peppol_states = {}  # message uuid -> state get_document gives
        cls.peppol_lookups = []  # identifiers looked up
        cls.peppol_unanswered = []  # (method, url) of calls not answered
        super().setUpClass()
        if cls.env["ir.module.module"]._get("account_peppol").state != "installed":
            raise unittest.SkipTest("account_peppol is not installed")

    def setUp(self):
        super().setUp()
        # what a test publishes or sends is its own
        cls = type(self)
        directory = dict(cls.peppol_directory)
        self.addCleanup(setattr, cls, "peppol_directory", directory)
        self.addCleanup(
            setattr, cls, "peppol_delivery_state", cls.peppol_delivery_state
        )
        for name in ("peppol_sent", "peppol_lookups", "peppol_unanswered"):
            getattr(cls, name).clear()

    # ------------------------------------------------------------------
    # set-up: the company on Odoo's access point, partners in the directory
    # ------------------------------------------------------------------

    @classmethod
    def peppol_register_company(
        cls, company=None, eas="0009", endpoint=COMPANY_SIRET, state="receiver"
    ):
        """Register `company` (the test's) on Odoo's access point as Odoo's
        own tests do: French if its country is not a Peppol one, identified
        by `eas:endpoint` (SIRET), in proxy state `state` ("receiver": it
        sends and receives; "sender" and "smp_registration" may also send,
        19.0's `_get_can_send_domain`), with a proxy user in "test" mode
        (its own RSA key, an HMAC token) and a bank account (the UBL's
        payment means). Published in the directory. Returns the proxy
        user."""
        company = company or cls.env.company
        cls.env["ir.config_parameter"].sudo().set_param(
            "account_peppol.edi.mode", "test"
        )
        if company.country_code not in PEPPOL_LIST:
            cls.change_company_country(company, cls.env.ref("base.fr"))
        company.write(
            {
                "peppol_eas": eas,
                "peppol_endpoint": endpoint,
                "account_peppol_proxy_state": state,
            }
        )
        Proxy = cls.env["account_edi_proxy_client.user"].sudo()
        identification = Proxy._get_proxy_identification(company, "peppol")
        key = (
            cls.env["certificate.key"]
            .sudo()
            ._generate_rsa_private_key(company, name="facto_demat_peppol_test.key")
        )
        if not company.partner_id.bank_ids:
            # the UBL's payment means; without them Odoo stops the sending
            cls.env["res.partner.bank"].create(
                {"acc_number": COMPANY_IBAN, "partner_id": company.partner_id.id}
            )
        cls.peppol_publish(eas, endpoint)
        return Proxy.create(
            {
                "company_id": company.id,
                "id_client": str(uuid.uuid4()),
                "proxy_type": "peppol",
                "edi_mode": "test",
                "edi_identification": identification,
                "private_key_id": key.id,
                "refresh_token": base64.b64encode(b"facto-demat-test").decode(),
            }
        )

    @classmethod
    def peppol_publish(cls, eas, endpoint, documents=BIS3_DOCUMENTS):
        """Put `eas:endpoint` in the Peppol directory, able to receive
        `documents` (document type identifiers; none: on Peppol but unable
        to receive the format)."""
        cls.peppol_directory[peppol_identifier(eas, endpoint)] = tuple(documents)

    @classmethod
    def peppol_withdraw(cls, eas, endpoint):
        """Take `eas:endpoint` out of the directory (not on Peppol)."""
        cls.peppol_directory.pop(peppol_identifier(eas, endpoint), None)

    @classmethod
    def peppol_make_valid(cls, partner, eas="0009", endpoint=CUSTOMER_SIRET):
        """Publish `partner` as `eas:endpoint`, able to receive BIS 3, and
        have Odoo check it: its Peppol state becomes "valid" for the test's
        company (18.0 then also sets its sending method to Peppol)."""
        cls.peppol_publish(eas, endpoint)
        return cls.peppol_check(partner, eas, endpoint)

    @classmethod
    def peppol_make_not_valid(
        cls, partner, eas="0009", endpoint=CUSTOMER_SIRET, cannot_receive=False
    ):
        """`partner`, as `eas:endpoint`, absent from the directory
        ("not_valid"), or there but unable to receive BIS 3 with
        `cannot_receive` ("not_valid_format"), as Odoo checks it."""
        if cannot_receive:
            cls.peppol_publish(eas, endpoint, documents=())
        else:
            cls.peppol_withdraw(eas, endpoint)
        return cls.peppol_check(partner, eas, endpoint)

    @classmethod
    def peppol_check(cls, partner, eas, endpoint, company=None):
        """Give `partner` this identifier and the BIS 3 format (a French
        partner's default, Factur-X, does not go by Peppol), and run Odoo's
        check of it for `company`. Returns its Peppol state there."""
        company = company or cls.env.company
        partner = partner.with_company(company)
        partner.write(
            {
                "peppol_eas": eas,
                "peppol_endpoint": endpoint,
                "invoice_edi_format": "ubl_bis3",
            }
        )
        if ODOO_19:
            partner.button_account_peppol_check_partner_endpoint(company=company)
        else:
            partner.button_account_peppol_check_partner_endpoint()
        return partner.peppol_verification_state

    # ------------------------------------------------------------------
    # in the tests
    # ------------------------------------------------------------------

    def peppol_invoice(self, partner, move_type="out_invoice"):
        """A posted invoice to `partner` that makes a valid BIS 3 file: its
        line has a sales tax (BIS 3 asks for one per line)."""
        return self.init_invoice(
            move_type,
            partner=partner,
            amounts=[100.0],
            taxes=self.tax_sale_a,
            post=True,
        )

    def peppol_deliver_as(self, state):
        """The proxy reports the messages sent from now on in `state`
        ("done", "error"; for this test)."""
        type(self).peppol_delivery_state = state

    def peppol_fetch_states(self):
        """What Odoo's scheduler does: its Peppol status cron asks the
        proxy the state of the messages in "processing"."""
        self.env["account_edi_proxy_client.user"]._cron_peppol_get_message_status()

    def peppol_sent_document(self, move):
        """The document the proxy received for `move` (by its message uuid):
        {"uuid", "receiver", "filename", "xml"}, or None."""
        return next(
            (
                sent
                for sent in self.peppol_sent
                if sent["uuid"] == move.peppol_message_uuid
            ),
            None,
        )

    def assertSentByPeppol(self, move, receiver=None, state=None):
        """`move` left as an e-invoice: the proxy received its UBL (to
        `receiver`, "eas:endpoint"), and it is in "processing" or "done"
        (or `state`). Returns what was sent."""
        sent = self.peppol_sent_document(move)
        self.assertTrue(
            move.peppol_message_uuid and sent,
            f"{move.display_name} was not sent by Peppol "
            f"(state {move.peppol_move_state!r})",
        )
        if state:
            self.assertEqual(move.peppol_move_state, state)
        else:
            self.assertIn(move.peppol_move_state, PEPPOL_STATES_OK)
        if receiver:
            self.assertEqual(sent["receiver"].lower(), receiver.lower())
        self.assertIn(move.name.encode(), sent["xml"])
        return sent

    # ------------------------------------------------------------------
    # the HTTP layer
    # ------------------------------------------------------------------

    @classmethod
    def _request_handler(cls, s: Session, r: PreparedRequest, /, **kw):
        url = parse.urlsplit(r.url)
        host = url.hostname or ""
        if host.endswith(SMP_HOST_SUFFIX) and r.method == "GET":
            return cls._peppol_smp_answer(r, url)
        if host in PROXY_HOSTS:
            if url.path == "/api/peppol/1/lookup":
                return cls._peppol_lookup_answer(r, url)
            answer = cls._peppol_proxy_answer(url.path, json.loads(r.body or b"{}"))
            if answer is not None:
                return _response(
                    r, 200, {"jsonrpc": "2.0", "id": None, "result": answer}
                )
        if host.endswith(SMP_HOST_SUFFIX) or host in PROXY_HOSTS:
            cls.peppol_unanswered.append((r.method, r.url))
        return super()._request_handler(s, r, **kw)

    @classmethod
    def _peppol_lookup_answer(cls, r, url):
        # 19.0: Odoo's proxy resolves the participant (NAPTR, SMP) for it
        identifier = parse.parse_qs(url.query)["peppol_identifier"][0].lower()
        cls.peppol_lookups.append(identifier)
        if identifier not in cls.peppol_directory:
            return _response(
                r,
                404,
                {
                    "error": {
                        "code": "NOT_FOUND",
                        "message": "no naptr record",
                        "retryable": False,
                    }
                },
            )
        return _response(
            r,
            200,
            {
                "result": {
                    "identifier": identifier,
                    "smp_base_url": "https://smp.example",
                    "ttl": 60,
                    "service_group_url": service_group_url(identifier),
                    "services": [
                        {
                            "href": service_url(identifier, document),
                            "document_id": document,
                        }
                        for document in cls.peppol_directory[identifier]
                    ],
                }
            },
        )

    @classmethod
    def _peppol_smp_answer(cls, r, url):
        # 18.0: the SMP's service group of the participant, as XML
        path = parse.unquote_plus(url.path.lstrip("/"))
        identifier = path.removeprefix("iso6523-actorid-upis::").lower()
        cls.peppol_lookups.append(identifier)
        if identifier not in cls.peppol_directory:
            return _response(r, 404, None)
        references = "".join(
            f'<smp:ServiceMetadataReference href="{href}"/>'
            for href in (
                service_url(identifier, document)
                for document in cls.peppol_directory[identifier]
            )
        )
        xml = (
            "<?xml version='1.0' encoding='UTF-8'?>"
            '<smp:ServiceGroup xmlns:id="http://busdox.org/transport/identifiers/1.0/"'
            ' xmlns:smp="http://busdox.org/serviceMetadata/publishing/1.0/">'
            f'<id:ParticipantIdentifier scheme="iso6523-actorid-upis">{identifier}'
            "</id:ParticipantIdentifier>"
            f"<smp:ServiceMetadataReferenceCollection>{references}"
            "</smp:ServiceMetadataReferenceCollection></smp:ServiceGroup>"
        )
        response = _response(r, 200, None)
        response._content = xml.encode()
        response.headers["Content-Type"] = "application/xml"
        return response

    @classmethod
    def _peppol_proxy_answer(cls, path, payload):
        """The `result` of a JSON-RPC call to Odoo's Peppol proxy, or None
        (not answered)."""
        params = payload.get("params") or {}
        if path == "/api/peppol/1/send_document":
            messages = []
            for document in params.get("documents") or []:
                message_uuid = str(uuid.uuid4())
                cls.peppol_states[message_uuid] = cls.peppol_delivery_state
                cls.peppol_sent.append(
                    {
                        "uuid": message_uuid,
                        "receiver": document["receiver"],
                        "filename": document["filename"],
                        "xml": base64.b64decode(document["ubl"]),
                    }
                )
                messages.append({"message_uuid": message_uuid})
            return {"messages": messages}
        if path == "/api/peppol/1/get_document":
            sent = {document["uuid"]: document for document in cls.peppol_sent}
            return {
                message_uuid: {
                    "accounting_supplier_party": False,
                    "filename": sent[message_uuid]["filename"],
                    "enc_key": "",
                    "document": "",
                    "state": cls.peppol_states[message_uuid],
                    "direction": "outgoing",
                    "document_type": "Invoice",
                }
                for message_uuid in params.get("message_uuids") or []
                if message_uuid in sent
            }
        if path == "/api/peppol/1/ack":
            return {}
        if path == "/api/peppol/1/get_all_documents":
            return {"messages": []}
        return None


def _response(request, status, body):
    response = Response()
    response.status_code = status
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    if body is not None:
        response._content = json.dumps(body).encode()
        response.headers["Content-Type"] = "application/json"
    else:
        response._content = b""
    return response
