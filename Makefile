# facto_demat: `make run` serves a demo on http://localhost:8069,
# `make test` runs the tests and linters on fresh databases.
# Odoo versions: `make test` (and `make setup`) cover 18.0 and 19.0, or only
# ODOO_VERSION when it is set (`ODOO_VERSION=18.0 make test`); the other
# commands use ODOO_VERSION, 19.0 by default. Each version has its source
# tree (ODOO_SRC_18, ODOO_SRC_19; default /opt/odoo18, /opt/odoo19), its
# .venv-VERSION and its databases (facto_test_18, facto_demo_19...).
ALL_VERSIONS := 18.0 19.0
ODOO_VERSIONS := $(or $(ODOO_VERSION),$(ALL_VERSIONS))
ODOO_VERSION ?= 19.0
export ODOO_VERSION
SETUP := bash scripts/setup.sh

.PHONY: setup test test-peers lint run pytest clean bench-consent bench-letters bench-long-letters bench-send bench-transports bench-scale

setup:
	@$(SETUP) $(ODOO_VERSIONS)

test:
	@$(SETUP) $(ODOO_VERSIONS)
	@python3 scripts/run_tests.py $(ODOO_VERSIONS)

test-peers:
	@$(SETUP) $(ODOO_VERSION)
	@python3 scripts/peers.py

lint:
	@$(SETUP) $(ODOO_VERSION)
	@python3 scripts/run_tests.py --lint-only $(ODOO_VERSION)

run:
	@$(SETUP) $(ODOO_VERSION)
	@bash scripts/run.sh

pytest:
	@$(SETUP) $(ODOO_VERSION)
	@bash scripts/pytest.sh

clean:
	rm -rf .venv $(ALL_VERSIONS:%=.venv-%) .venv-lint var

bench-consent:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/run.sh consent

bench-letters:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/run.sh letters

bench-long-letters:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/run.sh long_letters

bench-send:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/send.sh

bench-transports:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/run.sh transports

bench-scale:
	@$(SETUP) $(ODOO_VERSION)
	@bash bench/scale.sh

# Screenshots of the add-on in French, from the demo that `make run` serves
# (run it first in another terminal): scripts/screenshots.py.
.PHONY: screenshots
screenshots:
	@$(SETUP) $(ODOO_VERSION)
	@.venv-$(ODOO_VERSION)/bin/python scripts/screenshots.py
