# Supplier Carbon Portal. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PORTAL_DATABASE_URL ?= sqlite:///$(CURDIR)/var/portal.db
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint e2e bench setup system-packages migrate demo serve i18n-extract i18n-update clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages: tesseract with its Chinese model reads scanned declarations (OCR); the CJK
# font draws the test corpus's scans. Installed when missing and we are root (CI, fresh machines).
APT_PACKAGES := tesseract-ocr tesseract-ocr-chi-sim fonts-wqy-zenhei
system-packages:
	@if ! tesseract --list-langs 2>/dev/null | grep -qx chi_sim \
	    || ! test -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(APT_PACKAGES)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	  else \
	    echo "warning: scans are not read until $(APT_PACKAGES) are installed (apt-get, as root)" >&2; \
	  fi; \
	fi

setup: $(STAMP) system-packages

migrate: setup
	mkdir -p var
	$(BIN)/portal db upgrade

demo: migrate
	$(BIN)/portal demo

serve: setup
	$(BIN)/portal serve --host $(HOST) --port $(PORT)

run: demo serve

# Two workers (the machines have two cores); each has its own SQLite copies and PostgreSQL database.
test: setup
	$(BIN)/pytest -n 2

e2e: setup
	$(BIN)/pytest -m e2e

lint: setup
	$(BIN)/ruff check portal tests bench alembic
	$(BIN)/ruff format --check portal tests bench alembic
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run.py

i18n-extract: setup
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -o portal/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l zh --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
