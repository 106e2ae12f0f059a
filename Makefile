# Entry points (public names). Every target creates/refreshes the pinned venv first.
.PHONY: venv demo test lint unit integration reliability sanity molecule images bench clean

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
	bash ci/sanity.sh

molecule: venv
	bash ci/molecule.sh

images:
	bash ci/ensure-docker.sh
	bash ci/build-images.sh

bench: venv
	.venv/bin/python bench/run.py --api classic

clean:
	rm -rf build context .pytest_cache
