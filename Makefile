# zkdx: `make demo` and `make test` each install everything they need, then run.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NPMSTAMP := node_modules/.installed-stamp
DEMO   := build/demo

.PHONY: install demo test test-slow lint bench notebooks mutate clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,notebooks]'
	$(PY) -m compileall -q circuits prover verifier rollup  # bytecode even where PYTHONDONTWRITEBYTECODE is set
	$(PY) -m prover.backend.warm  # compile the prover's numba kernels once (cache inside .venv)
	touch $@

$(NPMSTAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(NPMSTAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install lint
	$(VENV)/bin/pytest -q

test-slow: install  # TESTS=path narrows it, e.g. TESTS=tests/test_ledger_stateful.py
	$(VENV)/bin/pytest -q -m slow $(TESTS)

# constraint-removal mutation testing (not in `make test`): benchmarks/results/mutation.json
mutate: $(STAMP)
	nice -n 10 $(PY) -m tests.mutation $(MUTATE_ARGS)

demo: install
	@mkdir -p $(DEMO)
	@echo "== zkdx demo: the rollup running (hardhat node, zkdx init, zkdx node, L1 users, trades, crash, recovery)"
	$(VENV)/bin/zkdx demo --dir $(DEMO)/node --json $(DEMO)/node-demo.json
	@echo "== zkdx setup: circuit 'cubic' (x^3 + x + 5 = out), dev trapdoor"
	$(VENV)/bin/zkdx setup --circuit cubic --pk $(DEMO)/cubic.pk --vk $(DEMO)/cubic.vk.json
	@echo "== zkdx prove: x = 3 (private), out = 35 (public)"
	$(VENV)/bin/zkdx prove --pk $(DEMO)/cubic.pk --circuit cubic --input '{"x": 3}' \
		--proof $(DEMO)/proof.json --public $(DEMO)/public.json
	@echo "== zkdx verify"
	$(VENV)/bin/zkdx verify --vk $(DEMO)/cubic.vk.json --proof $(DEMO)/proof.json --public $(DEMO)/public.json
	@echo "== zkdx verify with a changed public input (must be rejected)"
	@echo '["36"]' > $(DEMO)/public-wrong.json
	@! $(VENV)/bin/zkdx verify --vk $(DEMO)/cubic.vk.json --proof $(DEMO)/proof.json --public $(DEMO)/public-wrong.json
	@echo "== demo finished: files in $(DEMO)/ (zkdx ledger-demo proves one ledger batch offline)"

bench: install
	$(PY) benchmarks/native.py
	$(PY) benchmarks/constraints.py
	$(PY) benchmarks/batch_prove.py
	$(PY) benchmarks/gas.py
	$(PY) benchmarks/prove.py
	$(PY) benchmarks/parsers.py
	$(PY) benchmarks/fuzz.py
	$(PY) benchmarks/node.py
	$(PY) benchmarks/rfq.py
	$(PY) benchmarks/monitor.py
	$(PY) benchmarks/notebooks.py  # last: runs the notebooks on the results just written

notebooks: install
	$(PY) notebooks/build.py

clean:
	rm -rf build .pytest_cache .hypothesis
