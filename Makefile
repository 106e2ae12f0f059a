# Entry points (public names). Every target creates/refreshes the pinned venv it uses first.
#   make bench CORE=2.16        the benchmark on another ansible-core line (its matrix venv build/matrix/2.16)
#   make bench VENV=path        ... or with any venv that has ansible-core
#   make matrix [CORE=2.16]     unit tests and integration targets on every ansible-core line (or one)
.PHONY: venv demo test lint unit integration reliability sanity molecule matrix images bench ee ee-test clean

CORE ?=
VENV ?=
BENCH_ARGS ?=

venv:
	bash ci/venv.sh

demo: venv
	bash ci/demo.sh

test: venv
	bash ci/test.sh

lint: venv
	bash ci/lint.sh

unit: venv
	.venv/bin/python -m pytest tests/unit tests/emulators -q -n 2

integration: venv
	.venv/bin/python -m pytest tests/integration -q

reliability: venv
	.venv/bin/python -m pytest tests/reliability -q

sanity: venv
	SANITY_PYTHON=$$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])') bash ci/sanity.sh

molecule: venv
	bash ci/molecule.sh

matrix:
	bash ci/matrix.sh $(CORE)

images:
	bash ci/ensure-docker.sh
	bash ci/build-images.sh

bench:
	@set -e; \
	if [ -n "$(VENV)" ]; then py="$(VENV)/bin/python"; \
	elif [ -n "$(CORE)" ]; then VENV_CORE=$(CORE) VENV_DIR=build/matrix/$(CORE) bash ci/venv.sh; \
	  py=build/matrix/$(CORE)/bin/python; \
	else bash ci/venv.sh; py=.venv/bin/python; fi; \
	echo "make bench: $$py bench/run.py --api classic $(BENCH_ARGS)"; \
	"$$py" bench/run.py --api classic $(BENCH_ARGS)

ee:
	bash ci/ee.sh

ee-test:
	bash ci/ee_test.sh

clean:
	rm -rf build context .pytest_cache
