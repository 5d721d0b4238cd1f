# The two commands: `make serve` and `make test`. Everything they need is installed from here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# The embedded demo: SQLite, in-memory channel layer, DEBUG on for the local machine only.
SERVE_ENV := DEBUG=$${DEBUG:-1}

.PHONY: install serve test lint typecheck pytest chromium messages bench bench-relay clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: install
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py load_demo --url http://$(HOST):$(PORT)/
	$(SERVE_ENV) $(BIN)/python -m web.server -b $(HOST) -p $(PORT) web.asgi:application

# Browser tests drive Debian's Chromium; install it when missing (CI runs as root), with a CJK font
# and an emoji font, so that Chinese pages and reactions are laid out (and screenshots read) with
# real glyphs, not empty boxes.
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
chromium:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	[ -n "$$(fc-list :lang=zh 2>/dev/null)" ] || missing="$$missing fonts-noto-cjk"; \
	fc-list 2>/dev/null | grep -qi "color emoji" || missing="$$missing fonts-noto-color-emoji"; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && $(APT_INSTALL) $$missing; \
	  else sudo apt-get update -qq && sudo $(APT_INSTALL) $$missing; fi; \
	fi

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy .

# Two workers, each test file kept on one (its module-scoped browser and servers are set up once).
PYTEST_ARGS ?= -n 2 --dist loadfile
pytest: install chromium
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Recompile translations after editing locale/*/LC_MESSAGES/django.po (needs GNU gettext).
messages: install
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	$(BIN)/python bench/run_all.py

# The lesson relay, quickly (5 s windows; needs Redis): compare with docs/benchmarks.md, which
# gives the load average of every figure. RELAY_VIEWERS=50,100,200,300 for the whole table.
RELAY_VIEWERS ?= 50,100,200
bench-relay: install
	$(BIN)/python bench/lesson_relay.py --viewers $(RELAY_VIEWERS) --modes shared --processes 4 --window 5

clean:
	rm -rf $(VENV) var
