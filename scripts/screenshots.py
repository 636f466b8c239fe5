"""Screenshots of facto_demat's screens, in French, from the demo database.

`make screenshots` runs this against a demo that is already running: start
`make run` in another terminal first, and give both the same `DEMO_DB` and
`HTTP_PORT` if you change them. It logs in as admin (a French user in the
demo) through JSON-RPC, opens each screen in headless Chromium driven through
the DevTools protocol, and writes one PNG per screen into
`facto_demat/static/description/` (where OCA add-ons keep theirs):

- a 1400 x 900 window for most screens; the document type's form and the
  settings' Dematerialisation block are taken whole, so a little taller;
- `letter_printed.png`: page 1 of the latest print run's PDF, 1000 pixels
  wide, drawn by the pdf.js that Odoo ships (no PDF tool needed);
- saved with Pillow's `optimize`, and reduced to 256 colours when still over
  250 kB.

    make screenshots  (or .venv-19.0/bin/python scripts/screenshots.py
                       [--only customer_form ...])

Each screen has its own deadline (`--timeout`); a screen that is not ready
in time is reported and skipped, and the script then exits with 1.
"""

import argparse
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import odoo_version
import requests
import websocket
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "facto_demat" / "static" / "description"
WIDTH, HEIGHT = 1400, 900
MAX_BYTES = 250_000  # above this, a screenshot is reduced to 256 colours
LETTER_WIDTH = 1000  # pixels across the printed letter's page
TALL_HEIGHT = 2000  # the tallest viewport for a screen shown whole

# An Odoo page is ready when the selector is there and nothing is loading.
READY_JS = """(() => document.readyState === "complete"
    && document.fonts.status === "loaded"
    && !!document.querySelector(%s)
    && !document.querySelector(".o_loading_indicator, .o_blockUI"))()"""

# Draw page 1 of a PDF of the Odoo server with Odoo's own pdf.js (a module).
RENDER_PDF_JS = """(async () => {
    const build = location.origin + "/web/static/lib/pdfjs/build/";
    const pdfjsLib = await import(build + "pdf.js");
    pdfjsLib.GlobalWorkerOptions.workerSrc = build + "pdf.worker.js";
    const response = await fetch(%s);
    if (!response.ok) throw new Error("PDF download: HTTP " + response.status);
    const data = await response.arrayBuffer();
    const pdf = await pdfjsLib.getDocument({data}).promise;
    const page = await pdf.getPage(1);
    const scale = %d / page.getViewport({scale: 1}).width;
    const viewport = page.getViewport({scale});
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(viewport.width);
    canvas.height = Math.round(viewport.height);
    const context = canvas.getContext("2d");
    context.fillStyle = "white";
    context.fillRect(0, 0, canvas.width, canvas.height);
    await page.render({canvasContext: context, viewport}).promise;
    return canvas.toDataURL("image/png");
})()"""


class ScreenError(Exception):
    """A screen could not be taken (not ready in time, missing data)."""


class Odoo:
    """A JSON-RPC client logged in to the demo; its cookie is the session."""

    def __init__(self, url, db, login, password):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        try:
            user = self._rpc(
                "/web/session/authenticate",
                {"db": db, "login": login, "password": password},
            )
        except requests.ConnectionError:
            sys.exit(f"No Odoo at {self.url}: start the demo first (`make run`).")
        except ScreenError as error:
            sys.exit(f"Could not log in to {db} as {login}: {error}")
        if not user.get("uid"):
            sys.exit(f"Could not log in to {db} as {login}.")

    def _rpc(self, path, params):
        response = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            timeout=120,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            error = body["error"]
            raise ScreenError(error.get("data", {}).get("message") or error)
        return body["result"]

    @property
    def session_id(self):
        return self.http.cookies["session_id"]

    def call(self, model, method, *args, **kwargs):
        """Call a public method of a model, as the logged-in user."""
        return self._rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def record_id(self, model, domain, order="id desc"):
        """The id of the first record matching `domain`, or ScreenError."""
        ids = self.call(model, "search", domain, order=order, limit=1)
        if not ids:
            raise ScreenError(f"no {model} matching {domain} in the demo")
        return ids[0]


class Browser:
    """Headless Chromium driven through the DevTools protocol (one tab)."""

    def __init__(self, base_url, binary):
        self.base_url = base_url.rstrip("/")
        self.binary = binary
        self.deadline = 0.0
        self._next_id = 0

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="facto-screenshots-")
        self.process = subprocess.Popen(
            [
                self.binary,
                "--headless=new",
                "--no-sandbox",
                "--no-first-run",
                "--hide-scrollbars",
                f"--window-size={WIDTH},{HEIGHT}",
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self.socket = websocket.create_connection(
                self._page_socket_url(), suppress_origin=True, timeout=30
            )
        except BaseException:
            self._stop()
            raise
        self.send("Page.enable")
        # French dates and numbers, Paris time, like the demo's admin
        self.send("Emulation.setLocaleOverride", locale="fr-FR")
        self.send("Emulation.setTimezoneOverride", timezoneId="Europe/Paris")
        self.set_height(HEIGHT)
        return self

    def __exit__(self, *exc_info):
        self.socket.close()
        self._stop()

    def _stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _page_socket_url(self):
        """Wait for Chromium to say its port, then find its tab's socket."""
        port_file = Path(self.profile) / "DevToolsActivePort"
        limit = time.monotonic() + 30
        while time.monotonic() < limit:
            if self.process.poll() is not None:
                raise ScreenError(f"{self.binary} exited ({self.process.returncode})")
            if port_file.exists() and port_file.read_text().strip():
                port = port_file.read_text().split()[0]
                targets = requests.get(f"http://127.0.0.1:{port}/json", timeout=10)
                for target in targets.json():
                    if target["type"] == "page":
                        return target["webSocketDebuggerUrl"]
            time.sleep(0.2)
        raise ScreenError("Chromium did not open its DevTools port in 30 s")

    def send(self, method, **params):
        """Send one DevTools command and return its result (events dropped)."""
        self._next_id += 1
        self.socket.send(
            json.dumps({"id": self._next_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise ScreenError(f"{method}: {message['error']['message']}")
                return message["result"]

    def evaluate(self, expression, await_promise=False):
        """The value of a JavaScript expression in the page."""
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=await_promise,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details["text"]
            raise ScreenError(f"JavaScript error: {text}")
        return result["result"].get("value")

    def wait_for(self, expression, what):
        """Poll a JavaScript expression until it is true, within the deadline."""
        while not self.evaluate(expression):
            if time.monotonic() > self.deadline:
                raise ScreenError(f"{what} not shown in time")
            time.sleep(0.25)

    def wait_ready(self, selector):
        """Wait until `selector` is on the page and Odoo loads nothing more,
        then let animations (dialogs, notifications) end."""
        self.wait_for(READY_JS % json.dumps(selector), selector)
        time.sleep(0.8)
        self.wait_for(READY_JS % json.dumps(selector), selector)

    def login(self, session_id):
        """Give the browser the session of the JSON-RPC client."""
        self.send(
            "Network.setCookie",
            name="session_id",
            value=session_id,
            url=self.base_url,
            httpOnly=True,
        )

    def open(self, path, selector):
        """Open an Odoo URL and wait until `selector` is ready."""
        self.send("Page.navigate", url=self.base_url + path)
        self.wait_ready(selector)

    def do_action(self, action, selector, **options):
        """Run an action (an XML id or an action dict) in the web client, as
        a menu or a button would, and wait until `selector` is ready."""
        self.evaluate(
            "odoo.__WOWL_DEBUG__.root.env.services.action.doAction("
            f"{json.dumps(action)}, {json.dumps(options)})"
        )
        self.wait_ready(selector)

    def click(self, selector):
        """Click the element matching `selector`."""
        found = self.evaluate(
            f"(el => el ? (el.click(), true) : false)"
            f"(document.querySelector({json.dumps(selector)}))"
        )
        if not found:
            raise ScreenError(f"nothing to click at {selector}")

    def scroll_to(self, expression, block="start"):
        """Scroll the element `expression` evaluates to into view, its top at
        the top of the view (`block` "start") or its bottom at the bottom
        ("end")."""
        self.evaluate(f"({expression}).scrollIntoView({{block: {json.dumps(block)}}})")
        time.sleep(0.3)

    def set_height(self, height):
        """Resize the viewport (the width stays at WIDTH)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def screenshot(self, clip=None):
        """The viewport, or the `clip` rectangle of it, as PNG bytes."""
        params = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        return base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])

    def screenshot_whole(self, scroller=".o_content"):
        """The page grown tall enough to show all of `scroller`'s content
        (Odoo scrolls inside it, not the page), up to TALL_HEIGHT."""
        hidden = self.evaluate(
            f"(el => el ? el.scrollHeight - el.clientHeight : 0)"
            f"(document.querySelector({json.dumps(scroller)}))"
        )
        self.set_height(min(HEIGHT + max(hidden, 0), TALL_HEIGHT))
        time.sleep(0.5)
        try:
            return self.screenshot()
        finally:
            self.set_height(HEIGHT)

    def rect(self, expression):
        """The bounding rectangle of the element `expression` evaluates to."""
        return self.evaluate(
            f"(el => {{ const r = el.getBoundingClientRect();"
            f" return {{x: r.x, y: r.y, width: r.width, height: r.height}}; }})"
            f"({expression})"
        )


# The screens: each takes the Odoo client and the browser, returns PNG bytes.


def customer_form(odoo, browser):
    """A customer who answered the letter's link with a new address, on the
    Invoicing tab of the form, its Dematerialisation group in view."""
    partner = odoo.record_id("res.partner", [("ref", "=", "C0009")])
    browser.open(f"/odoo/customers/{partner}", ".o_form_view .o_notebook")
    browser.click('.o_notebook_headers a[name="accounting"]')
    browser.wait_ready('.o_form_view div[name="demat_status"]')
    group = (
        "document.querySelector('div[name=\"demat_status\"]').closest('.o_inner_group')"
    )
    browser.scroll_to(group, block="end")
    return browser.screenshot()


def letter_wizard(odoo, browser):
    """The letter wizard over the customer list, as the Customers menu opens
    it: a second letter to customers C0031 to C0080."""
    browser.open("/odoo/customers?view_type=list", ".o_list_view .o_data_row")
    context = {
        "default_partner_code_from": "C0031",
        "default_partner_code_to": "C0080",
        "default_include_already_sent": True,
    }
    browser.do_action(
        "facto_demat.facto_demat_letter_wizard_action",
        '.modal .o_form_view div[name="print_count"]',
        additionalContext=context,
    )
    return browser.screenshot()


def letter_run(odoo, browser):
    """The latest letter run's form."""
    run = odoo.record_id("facto.demat.letter.run", [])
    browser.open(f"/odoo/demat-letter-runs/{run}", ".o_form_view .o_form_sheet")
    return browser.screenshot()


def letter_printed(odoo, browser):
    """Page 1 of the latest print run's PDF (waits for the cron to make it)."""
    domain = [("output", "=", "print"), ("letter_attachment_ids", "!=", False)]
    while not odoo.call("facto.demat.letter.run", "search", domain, limit=1):
        if time.monotonic() > browser.deadline:
            raise ScreenError("no print run with its PDF yet (is the cron running?)")
        time.sleep(2)
    run = odoo.record_id("facto.demat.letter.run", domain)
    [values] = odoo.call(
        "facto.demat.letter.run", "read", [run], ["letter_attachment_ids"]
    )
    attachment = values["letter_attachment_ids"][0]  # its first part
    browser.open("/web/login", "body")  # any page of the server's origin
    url = json.dumps(f"/web/content/{attachment}")
    data_url = browser.evaluate(RENDER_PDF_JS % (url, LETTER_WIDTH), await_promise=True)
    return base64.b64decode(data_url.split(",", 1)[1])


def evidence_list(odoo, browser):
    """The evidence trail, after pressing "Verify integrity"."""
    browser.open(
        "/odoo/action-facto_demat.facto_demat_event_action",
        ".o_list_view .o_data_row",
    )
    browser.click('button[name="action_verify_integrity"]')
    browser.wait_ready(".o_notification")
    return browser.screenshot()


def open_document_types(browser):
    """The document types' list, opened like its menu (Invoicing >
    Configuration) from the Invoicing app."""
    browser.open("/odoo/customers?view_type=list", ".o_list_view .o_data_row")
    browser.do_action(
        "facto_demat.action_server_facto_demat_document_type",
        ".o_list_view .o_data_row",
        clearBreadcrumbs=True,
    )


def document_types(odoo, browser):
    """The document types and whose email text each uses."""
    open_document_types(browser)
    return browser.screenshot()


def document_type_email(odoo, browser):
    """The invoice type's email text and its preview, opened by its Email
    button, shown whole."""
    document_type = odoo.record_id(
        "facto.demat.document.type", [("kind", "=", "invoice")], order="id"
    )
    open_document_types(browser)
    action = odoo.call(
        "facto.demat.document.type", "action_edit_email", [document_type]
    )
    browser.do_action(action, '.o_form_view div[name="preview_body"]')
    return browser.screenshot_whole()


def settings(odoo, browser):
    """The Invoicing settings down to the end of their Dematerialisation
    block, from a viewport tall enough to hold the block whole."""
    browser.open("/odoo/action-account.action_account_config", "#demat_consent_policy")
    block = (
        "document.getElementById('demat_consent_policy')"
        ".closest('.o_settings_container')"
    )
    browser.set_height(TALL_HEIGHT)
    try:
        browser.scroll_to(f"{block}.previousElementSibling || {block}")
        bottom = browser.rect(block)
        height = min(bottom["y"] + bottom["height"] + 24, TALL_HEIGHT)
        clip = {"x": 0, "y": 0, "width": WIDTH, "height": height}
        return browser.screenshot(clip=clip)
    finally:
        browser.set_height(HEIGHT)


SCREENS = {
    "customer_form": customer_form,
    "letter_wizard": letter_wizard,
    "letter_run": letter_run,
    "letter_printed": letter_printed,
    "evidence_list": evidence_list,
    "document_types": document_types,
    "document_type_email": document_type_email,
    "settings": settings,
}


def save_png(data, path):
    """Save a PNG optimised, reduced to 256 colours if it is still large;
    return its size in bytes."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    stream = io.BytesIO()
    image.save(stream, format="PNG", optimize=True)
    if stream.tell() > MAX_BYTES:
        stream = io.BytesIO()
        palette = image.quantize(256, dither=Image.Dither.NONE)
        palette.save(stream, format="PNG", optimize=True)
    path.write_bytes(stream.getvalue())
    return stream.tell()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    port = os.environ.get("HTTP_PORT", "8069")
    parser.add_argument("--url", default=f"http://localhost:{port}")
    version = os.environ.get("ODOO_VERSION") or "19.0"
    parser.add_argument(
        "--db",
        default=os.environ.get("DEMO_DB")
        or odoo_version.database("facto_demo", version),
    )
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--timeout", type=float, default=90, help="seconds a screen")
    parser.add_argument("--only", nargs="+", choices=SCREENS, default=list(SCREENS))
    parser.add_argument(
        "--chromium",
        default=shutil.which("chromium") or shutil.which("google-chrome") or "chromium",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    started = time.monotonic()
    odoo = Odoo(args.url, args.db, args.login, args.password)
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    with Browser(args.url, args.chromium) as browser:
        browser.login(odoo.session_id)
        for name in args.only:
            screen_started = time.monotonic()
            browser.deadline = screen_started + args.timeout
            try:
                size = save_png(SCREENS[name](odoo, browser), args.out / f"{name}.png")
            except (ScreenError, websocket.WebSocketTimeoutException) as error:
                failed.append(name)
                print(f"{name}: FAILED: {error}", flush=True)
                continue
            seconds = time.monotonic() - screen_started
            print(f"{name}.png: {size / 1000:.0f} kB, {seconds:.1f} s", flush=True)
    done = len(args.only) - len(failed)
    print(f"{done} screenshots in {args.out} in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
