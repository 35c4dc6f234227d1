# proxylab: `make` alone lists every target. Targets delegate to `python -m proxylab` or scripts.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV ?= .venv
# `fastapi run`'s own environment; proxylab/native/runners.py names the same folder.
FASTAPI_RUN_VENV ?= .venv-fastapi-run
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

## help: list every target with what it does
help:
	@awk -F': ' '/^## /{sub(/^## /,""); split($$0,a,": "); printf "  make %-12s %s\n", a[1], a[2]}' $(MAKEFILE_LIST)
	@echo "  BACKEND=compose|native overrides the choice of backend (default: Compose if Docker answers)"
	@echo "  exit status of every command: 0 ok, 1 an expectation failed, 2 bad input or a fault, 130 interrupted"

## deps: install the missing Debian packages the native backend runs from the host's suite (chromium, wrk)
deps:
	scripts/install-debian-deps.sh

## axe: install axe-core, the lab book's accessibility checker, from tools/axe/package-lock.json into ~/.cache/proxylab/npm
axe:
	scripts/install-axe.sh

## venv: create .venv with the pinned Python dependencies, and .venv-fastapi-run for `fastapi run` (lab 15)
venv: $(VENV)/.installed $(FASTAPI_RUN_VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[lab]'
	touch $@
# The app services of image proxylab-app-fastapi-run run from here (proxylab/native/runners.py):
# the app plus fastapi-cli and uvicorn[standard], kept apart so httptools never reaches the other
# apps. A second install of the same wheels: pip's cache makes it quick after the first.
$(FASTAPI_RUN_VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(FASTAPI_RUN_VENV)
	$(FASTAPI_RUN_VENV)/bin/pip install --quiet --upgrade pip
	$(FASTAPI_RUN_VENV)/bin/pip install --quiet -c constraints.txt -e '.[fastapi-run]'
	touch $@

## releases: unpack Nginx, HAProxy and Redis at compose.yaml's versions from Debian's suites (cached in ~/.cache/proxylab)
releases: venv
	$(PY) -m proxylab releases

## traefik: build Traefik for the native backend (cached in ~/.cache/proxylab, once per version and Go release)
traefik: venv
	$(PY) -c 'from proxylab.proxies.traefik import TOOL; print(TOOL.ensure(TOOL.module_version()))'

## caddy: build Caddy for the native backend (cached in ~/.cache/proxylab, once per version and Go release)
caddy: venv
	$(PY) -c 'from proxylab.proxies.caddy import TOOL; print(TOOL.ensure(TOOL.module_version()))'

## k8s-build: build kube-apiserver, kine and Traefik from their Go modules, copy the Gateway API and Traefik CRDs (cached in ~/.cache/proxylab)
k8s-build: venv
	$(PY) -m proxylab.k8s build

## k8s-up: the stack with its Kubernetes routes (make up K8S=1): kube-apiserver on kine at 127.0.0.1:6443, k8s/ applied, traefik-k8s on 94xx
k8s-up:
	$(MAKE) up K8S=1

## k8s-down: stop the stack, the control plane with it (make down)
k8s-down:
	$(MAKE) down

## engine: a Docker engine where none runs (docker.io, dockerd, Compose v2 built once); Docker Desktop never needs it
engine:
	scripts/engine.sh up

## engine-down: stop the dockerd that `make engine` started; any other engine is left alone
engine-down:
	scripts/engine.sh down

## images: build proxylab's own images from Debian packages (compose.debian.yaml; engine with no registry)
images: traefik caddy releases k8s-build
	PY=$(PY) scripts/debian-images.sh

# K8S=1: compose.yaml's k8s profile joins the stack (the control plane and traefik-k8s on 94xx),
# as Compose itself reads COMPOSE_PROFILES. `make test` runs it always (proxylab/testrun.py).
ifdef K8S
export COMPOSE_PROFILES := k8s
endif

## up: start the stack (Compose if a Docker engine answers, else native processes) and wait for health; K8S=1 adds the Kubernetes routes
# The stack itself needs no Debian package of the host's: Nginx, HAProxy and Redis are unpacked
# at their pinned versions and Traefik and Caddy built (`make up` does both, the routes that need
# no build answering meanwhile). Chromium and wrk come with `make test`, `make screenshots`,
# `make bench` and `make doctor`, which use them.
# K8S=1 also starts the Kubernetes control plane and Traefik's providers on it (profile k8s).
up: venv
	$(PY) -m proxylab up

## down: stop every service (the k8s profile's too); nothing is left running or listening
down: venv
	$(PY) -m proxylab down

## status: each service, where it listens, and its health
status: venv
	$(PY) -m proxylab status

## logs: the last lines of every service's log (S=traefik for one)
logs: venv
	$(PY) -m proxylab logs $(S)

## routes: the route table (URL, proxy, strips the prefix?, app configuration)
routes: venv
	@$(PY) -m proxylab routes

## check: validate compose.yaml and the proxy configs (no engine needed), then the house rules: ruff, the layers
check: venv
	$(PY) -m proxylab check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

## versions: the versions of every component that runs
versions: venv
	@$(PY) -m proxylab versions

## lab: present one lab step by step, N=01 required (Enter next step, s skip one, q quit)
lab: venv
	@[ -n "$(N)" ] || { echo "make lab needs a lab number, e.g. make lab N=01; these are the labs:"; $(PY) -m labs list; exit 2; }
	$(PY) -m labs present $(N)

## labs: verify every lab on live traffic (N=01 for one); writes reports/junit.xml, reports/labs.json
labs: venv
	$(PY) -m labs verify $(N)

## handouts: write reports/handouts/NN-slug.md for every lab from a real run (N=01 for one)
handouts: venv
	$(PY) -m labs handouts $(N)

## book: the labs as web pages on http://127.0.0.1:8800 (PORT=8801 for another; PRESENTER=1 for a room whose other pages follow this machine's, which alone runs steps that change the stack)
book: venv
	$(PY) -m labs.book $(if $(PORT),--port $(PORT),) $(if $(PRESENTER),--presenter,)

## companion: proxy headers, the three probes and a SIGTERM drain with uvicorn alone (no proxies)
companion: venv
	$(PY) labs/uvicorn_proxy_and_health_lab.py

## matrix: probe every route, compare with suites/expected/matrix.json, write reports/matrix.{md,html,json}
matrix: venv
	$(PY) -m suites.matrix

## matrix-update: record the live matrix as suites/expected/matrix.json (review its git diff first)
matrix-update: venv
	$(PY) -m suites.matrix --update

## spoofing: forged forwarding headers through every route, compared with suites/expected/spoofing.json
spoofing: venv
	$(PY) -m suites.spoofing

## oddpaths: odd paths and hostile inputs through every route, compared with suites/expected/oddpaths.json
oddpaths: venv
	$(PY) -m suites.oddpaths

## drift: the matrix and spoofing table across uvicorn/Starlette/FastAPI releases and proxy releases, natively (SETS="uvicorn==X,starlette==Y,fastapi==Z ..." PROXIES="nginx==1.22.1 ..."); reports/drift.{md,html,json}
drift: deps venv traefik
	$(PY) -m suites.drift $(if $(SETS),--sets "$(SETS)",) $(if $(PROXIES),--proxies "$(PROXIES)",)

## screenshots: /docs and /redoc of every route in Chromium, checked against suites/expected/docs_ui.json; writes reports/screenshots/
screenshots: deps venv
	$(PY) -m suites.browser

## doctor: your app behind every proxy, and which configuration works for it (APP=main:app APP_DIR=. PREFIX=/api/v1 EXPECT='traefik strip --root-path' PYTHON=...)
doctor: deps venv traefik caddy
	@test -n "$(APP)" || { echo "make doctor needs APP=MODULE:ATTR (and APP_DIR=the folder it imports from), e.g. make doctor APP=doctor.examples.realworld.main:app"; exit 2; }
	$(PY) -m doctor "$(APP)" --app-dir "$(or $(APP_DIR),.)" $(if $(PREFIX),--prefix "$(PREFIX)",) $(if $(PYTHON),--python "$(PYTHON)",) $(if $(EXPECT),--expect "$(EXPECT)",)

## bench: what each proxy costs, ~6 min plus the suite (cold start, make test time, wrk load direct/Traefik/Nginx/Caddy/HAProxy); records make test's suite times per backend and shows each suite's change since the last bench; reports/bench.{json,png}
bench: deps venv
	$(PY) -m bench

## bench-doctor: the doctor on sqladmin, datasette and Gradio, 3 runs each; writes labs/records/doctor-real-apps.json
bench-doctor: venv
	$(PY) -m bench.doctor_apps

## bench-smoke: the bench in seconds, to prove it works (CI); its numbers mean nothing; reports/bench-smoke.{json,png}
bench-smoke: deps venv
	$(PY) -m bench --smoke

## test: every test on the native stack, then the stack tests on Compose when an engine answers
test: deps venv
	PY=$(PY) scripts/test.sh

## lock: regenerate constraints.txt from both virtualenvs after changing a pin in pyproject.toml
lock: venv
	{ sed -n '1,2p' constraints.txt; { $(VENV)/bin/pip freeze --exclude-editable; $(FASTAPI_RUN_VENV)/bin/pip freeze --exclude-editable; } | grep -v '^-e' | sort -u -f -t= -k1,1; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

## clean: stop the stack, remove generated files and reports (keeps the Traefik build cache)
clean:
	-@[ -x $(PY) ] && $(PY) -m proxylab down
	rm -rf .run reports .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: oddpaths help deps venv traefik caddy k8s-build k8s-up k8s-down engine engine-down images up down status logs routes check versions lab labs handouts book axe companion matrix matrix-update spoofing drift screenshots bench bench-smoke test lock clean
