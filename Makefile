# motcua - build, run and test.  See README.md.
#
#   make            build bin/motcua
#   make run        install what is missing, start a local PostgreSQL under var/, serve
#   make check      install what is missing, run every test (plain and ASan+UBSan builds)
#   make vendor     refresh the dashboard's charting library from npm (web/vendor/)

CC      ?= cc
PKGS     = libmicrohttpd jansson libpq libcrypto
WARN     = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
DEFS     = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
SAN      = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRC  = $(filter-out service/main.c,$(wildcard service/*.c))
TEST_SRC = $(wildcard tests/*.c)
SUITES   = $(patsubst tests/check_%.c,%,$(filter-out tests/check_main.c,$(wildcard tests/check_*.c)))

# Two build variants share the sources: release (build/rel) and sanitized (build/san).
REL_OBJ  = $(patsubst service/%.c,build/rel/%.o,$(LIB_SRC)) build/rel/migrations.o build/rel/openapi.o \
           build/rel/static_files.o
SAN_OBJ  = $(patsubst service/%.c,build/san/%.o,$(LIB_SRC)) build/san/migrations.o build/san/openapi.o \
           build/san/static_files.o
REL_TOBJ = $(patsubst tests/%.c,build/rel/t_%.o,$(TEST_SRC))
SAN_TOBJ = $(patsubst tests/%.c,build/san/t_%.o,$(TEST_SRC))

.PHONY: all run check deps fuzz bench faults test-rel test-san test-cli test-e2e vendor clean db-start db-stop
all: bin/motcua

build/rel/%.o: service/%.c $(wildcard service/*.h) | build/rel
	$(CC) $(WARN) $(DEFS) $(OPT) $(PKG_CFLAGS) -Iservice -c $< -o $@
build/san/%.o: service/%.c $(wildcard service/*.h) | build/san
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) $(PKG_CFLAGS) -Iservice -c $< -o $@
build/rel/t_%.o: tests/%.c build/suites.h $(wildcard service/*.h tests/*.h) | build/rel
	$(CC) $(WARN) $(DEFS) $(OPT) $(PKG_CFLAGS) -Iservice -Itests -Ibuild -c $< -o $@
build/san/t_%.o: tests/%.c build/suites.h $(wildcard service/*.h tests/*.h) | build/san
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) $(PKG_CFLAGS) -Iservice -Itests -Ibuild -c $< -o $@

# The migrations are embedded in the binary: sql/NNN_name.sql -> build/migrations.c.
build/migrations.c: $(sort $(wildcard sql/*.sql)) | build/rel
	@{ echo '#include "migrations.h"'; echo 'const migration_t MIGRATIONS[] = {'; \
	  for f in $(sort $(wildcard sql/*.sql)); do b=$$(basename $$f); v=$$(echo $$b | sed 's/_.*//; s/^0*//'); \
	    printf '{ %d, "%s",\n' $$v $$b; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; echo '},'; done; \
	  echo '};'; echo 'const size_t MIGRATIONS_COUNT = sizeof MIGRATIONS / sizeof MIGRATIONS[0];'; } > $@.tmp && mv $@.tmp $@
build/rel/migrations.o: build/migrations.c service/migrations.h
	$(CC) $(WARN) $(DEFS) $(OPT) -Iservice -c $< -o $@
build/san/migrations.o: build/migrations.c service/migrations.h | build/san
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) -Iservice -c $< -o $@

# The OpenAPI document is embedded too, and served at /openapi.json.
build/openapi.c: api/openapi.json | build/rel
	@{ echo '#include "openapi.h"'; echo 'const char OPENAPI_JSON[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; \
	  echo 'const size_t OPENAPI_JSON_LEN = sizeof OPENAPI_JSON - 1;'; } > $@.tmp && mv $@.tmp $@
build/rel/openapi.o: build/openapi.c service/openapi.h
	$(CC) $(WARN) $(DEFS) $(OPT) -Iservice -c $< -o $@
build/san/openapi.o: build/openapi.c service/openapi.h | build/san
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) -Iservice -c $< -o $@

# The dashboard page (web/) is embedded too, byte for byte, and served at / (service/static.c).
# Only these files are served; web/vendor/ is refreshed from npm by `make vendor`.
WEB_FILES = web/index.html web/app.js web/app.css web/vendor/chart.umd.min.js
build/static_files.c: $(WEB_FILES) | build/rel
	@{ echo '#include "static.h"'; i=0; for f in $(WEB_FILES); do \
	    echo "static const unsigned char f$$i[] = {"; \
	    od -An -v -tx1 $$f | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; i=$$((i + 1)); done; \
	  echo 'const static_file_t STATIC_FILES[] = {'; i=0; for f in $(WEB_FILES); do \
	    e=$$(sha256sum $$f | cut -c1-32); \
	    echo "{ \"$${f#web/}\", f$$i, sizeof f$$i, \"\\\"$$e\\\"\" },"; i=$$((i + 1)); done; \
	  echo '};'; echo 'const size_t STATIC_FILES_COUNT = sizeof STATIC_FILES / sizeof STATIC_FILES[0];'; \
	} > $@.tmp && mv $@.tmp $@
build/rel/static_files.o: build/static_files.c $(wildcard service/*.h)
	$(CC) $(WARN) $(DEFS) $(OPT) $(PKG_CFLAGS) -Iservice -c $< -o $@
build/san/static_files.o: build/static_files.c $(wildcard service/*.h) | build/san
	$(CC) $(WARN) $(DEFS) -O1 -g $(SAN) $(PKG_CFLAGS) -Iservice -c $< -o $@

# make vendor: refresh web/vendor/ from the npm registry, the one target that needs npm.
# web/package.json pins the version, web/package-lock.json the exact tarball and its hash;
# to upgrade, change the version in web/package.json and run it again.
vendor:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp web/package.json "$$tmp/"; [ ! -f web/package-lock.json ] || cp web/package-lock.json "$$tmp/"; \
	(cd "$$tmp" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error); \
	cp "$$tmp/package-lock.json" web/package-lock.json; mkdir -p web/vendor; \
	cp "$$tmp/node_modules/chart.js/dist/chart.umd.min.js" web/vendor/chart.umd.min.js; \
	cp "$$tmp/node_modules/chart.js/LICENSE.md" web/vendor/chart.js.LICENSE.md; \
	cp "$$tmp/node_modules/@kurkle/color/LICENSE.md" web/vendor/kurkle-color.LICENSE.md; \
	echo "vendor: chart.js $$(sed -n 's/^ \* Chart.js v//p' web/vendor/chart.umd.min.js) in web/vendor/"

build/rel build/san bin:
	mkdir -p $@

bin/motcua: build/rel/main.o $(REL_OBJ) | bin
	$(CC) $(OPT) -o $@ $^ $(PKG_LIBS) -lpthread -lm

# The test runner finds its suites from the file names: tests/check_X.c defines make_X_suite().
build/suites.h: $(wildcard tests/check_*.c) | build/rel
	@{ for s in $(SUITES); do echo "SUITE($$s)"; done; } > $@.tmp && \
	  (cmp -s $@.tmp $@ || mv $@.tmp $@); rm -f $@.tmp

build/check_rel: $(REL_TOBJ) $(REL_OBJ)
	$(CC) $(OPT) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lpthread -lm
build/check_san: $(SAN_TOBJ) $(SAN_OBJ)
	$(CC) -O1 -g $(SAN) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) -lpthread -lm

deps:
	@deploy/deps.sh

# make check: install what is missing, then run the whole suite twice (plain and
# sanitized) against a throwaway PostgreSQL cluster in a temp dir (tests/with-pg.sh).
check: deps
	$(MAKE) --no-print-directory build/check_rel build/check_san bin/motcua
	tests/with-pg.sh $(MAKE) --no-print-directory test-rel test-san test-cli test-e2e

test-rel:
	CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-4} build/check_rel
test-san:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-10} build/check_san

test-cli: bin/motcua
	tests/cli.sh

# The dashboard in headless Chromium (skipped, saying so, without chromium on PATH).
test-e2e: bin/motcua
	tests/e2e.sh

# make fuzz: libFuzzer (clang) on the parsers, FUZZ_SECONDS each (default 60).
# New inputs go to build/fuzz/corpus-*; the seeds in tests/fuzz/corpus stay as
# they are. A crash leaves its input in build/fuzz/ and fails the target.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                $(DEFS) $(PKG_CFLAGS) -Iservice
FUZZ_LIB      = $(addprefix service/,body.c record.c dvcqg.c arena.c ts.c csv.c jsonscan.c \
                dossier.c query.c period.c)
FUZZ_TARGETS  = json ndjson csv dvcqg query

build/fuzz/fuzz_json: FUZZ_DEF = -DFUZZ_FORMAT=0
build/fuzz/fuzz_ndjson: FUZZ_DEF = -DFUZZ_FORMAT=1
build/fuzz/fuzz_csv: FUZZ_DEF = -DFUZZ_FORMAT=2
build/fuzz/fuzz_dvcqg: FUZZ_DEF = -DFUZZ_FORMAT=3
build/fuzz/fuzz_%: tests/fuzz/fuzz_body.c $(FUZZ_LIB) $(wildcard service/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_DEF) -o $@ tests/fuzz/fuzz_body.c $(FUZZ_LIB) $(PKG_LIBS) -lm
build/fuzz/fuzz_query: tests/fuzz/fuzz_query.c $(FUZZ_LIB) $(wildcard service/*.h)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_query.c $(FUZZ_LIB) $(PKG_LIBS) -lm

fuzz: deps
	$(MAKE) --no-print-directory $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus-$$t; echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  if ! (cd build/fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 \
	      -max_len=65536 corpus-$$t ../../tests/fuzz/corpus/$$t > fuzz-$$t.log 2>&1); then \
	    tail -n 40 build/fuzz/fuzz-$$t.log; echo "fuzz: $$t FAILED (input saved in build/fuzz/)"; exit 1; \
	  fi; grep -E '^Done' build/fuzz/fuzz-$$t.log; \
	done

# make faults: the database restarting under load, kill -9 mid-ingest,
# overlapping batches (tests/faults.sh), on a throwaway cluster; then a
# streaming replica serving the reads (tests/replica.sh, two clusters of its own).
faults: deps
	$(MAKE) --no-print-directory bin/motcua
	tests/with-pg.sh tests/faults.sh
	tests/replica.sh

# make lint-deploy: the files of deploy/ (systemd unit, nginx site, Containerfile,
# compose file) checked offline with their own tools (tests/lint-deploy.sh).
.PHONY: lint-deploy
lint-deploy: deps
	$(MAKE) --no-print-directory bin/motcua
	tests/with-pg.sh tests/lint-deploy.sh

# make bench: the benchmarks of bench/ at size N (default small enough for a minute).
N ?= 100000
bench: deps
	$(MAKE) --no-print-directory bin/motcua
	bench/ingest.sh $(N)
	bench/metrics.sh $(N)
	bench/lists.sh $(N)

# make run: a local cluster under var/ unless MOTCUA_DB names a database.
run: deps
	$(MAKE) --no-print-directory bin/motcua
	deploy/run-local.sh

db-start:
	deploy/devdb.sh start var/pg
db-stop:
	deploy/devdb.sh stop var/pg

clean:
	rm -rf build bin
