# facto_demat: `make run` serves a demo on http://localhost:8069,
# `make test` runs the tests and linters on a fresh database.
ODOO_SRC ?= /opt/odoo18
export ODOO_SRC

.PHONY: setup test test-peers lint run pytest clean bench-consent bench-letters bench-send bench-transports

setup:
	@bash tools/setup.sh

test: setup
	@.venv/bin/python tools/run_tests.py

test-peers: setup
	@.venv/bin/python tools/peers.py

lint: setup
	@.venv/bin/python tools/run_tests.py --lint-only

run: setup
	@bash tools/run.sh

pytest: setup
	@bash tools/pytest.sh

clean:
	rm -rf .venv .venv-lint var

bench-consent: setup
	@bash bench/run.sh consent

bench-letters: setup
	@bash bench/run.sh letters

bench-send: setup
	@bash bench/send.sh

bench-transports: setup
	@bash bench/run.sh transports

# Screenshots of the add-on in French, from the demo that `make run` serves
# (run it first in another terminal): tools/screenshots.py.
.PHONY: screenshots
screenshots:
	@.venv/bin/python tools/screenshots.py
