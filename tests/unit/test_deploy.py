"""The deployment files stay consistent with the code and keep their protections: they parse,
what they name exists, no secret is committed, and only the right pods reach each server."""

import ast
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import pytest
import tomli
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
SYSTEMD = DEPLOY / "systemd"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


run_all = _load("run_all")
deploy_check = _load("deploy_check")


def resources():
    return [doc for path in sorted(KUBERNETES.glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]


def resource(kind, name):
    return next(r for r in resources() if r["kind"] == kind and r["metadata"]["name"] == name)


def pod_spec(workload):
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]
    return spec["template"]["spec"]


def pod_labels(workload):
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]
    return template["metadata"]["labels"]


WORKLOADS = ("Deployment", "StatefulSet", "CronJob")


def workloads():
    return [r for r in resources() if r["kind"] in WORKLOADS]


def container_env(workload):
    """Every variable a workload's first container gets: {name: value or ("secret", name, key)}."""
    container = pod_spec(workload)["containers"][0]
    env = {}
    for source in container.get("envFrom", []):
        config = resource("ConfigMap", source["configMapRef"]["name"])
        env.update(config["data"])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        env[item["name"]] = ("secret", ref["name"], ref["key"]) if ref else item.get("value")
    return env


def env_file(path):
    return dict(line.split("=", 1) for line in path.read_text().splitlines()
                if line and not line.startswith("#"))


def endpoint_variables():
    endpoints = "\n".join(line.split("#")[0] for line in (ROOT / "endpoints.yml").read_text().splitlines())
    return {word[2:-1] for word in endpoints.split() if word.startswith("${")}


# ---- Kubernetes ----------------------------------------------------------------------------


def test_every_kubernetes_file_parses_into_resources_and_no_helm_values_remain():
    kinds = {r["kind"] for r in resources()}
    assert {"Deployment", "Service", "NetworkPolicy", "Ingress", "CronJob", "StatefulSet"} <= kinds
    assert not (DEPLOY / "helm").exists()


def test_rasa_uses_our_tracker_and_lock_store_and_a_shared_lock_with_several_replicas():
    rasa = resource("Deployment", "clinic-rasa")
    env = container_env(rasa)
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    # Rasa's own SQL store and Redis lock store are not ours (components/tracker_store.py, lock_store.py)
    assert endpoints["tracker_store"]["type"] == "components.tracker_store.EnvironmentSQLTrackerStore"
    assert endpoints["lock_store"]["type"] == "components.lock_store.EnvironmentLockStore"
    args = pod_spec(rasa)["containers"][0]["args"]
    assert args[args.index("--endpoints") + 1] == "endpoints.yml"
    assert args[args.index("--credentials") + 1] == "credentials.yml"
    assert "COPY components/" in (DEPLOY / "docker/Dockerfile.rasa").read_text()
    assert "endpoints.yml" in (DEPLOY / "docker/Dockerfile.rasa").read_text()
    assert rasa["spec"]["replicas"] > 1 and env["LOCK_STORE_TYPE"] == "redis"
    assert env["TRACKER_STORE_DIALECT"] == "postgresql"
    # every ${VAR} endpoints.yml reads reaches the Rasa container
    assert endpoint_variables() - set(env) == set()


def test_no_secret_value_is_committed_in_the_manifests():
    assert len(workloads()) >= 6
    assert "Secret" not in {r["kind"] for r in resources()}
    for config in (r for r in resources() if r["kind"] == "ConfigMap"):
        assert not [key for key in config["data"] if run_all.is_secret(key)
                    and not key.endswith(("ENDPOINT_URL", "WEBHOOK_URL", "BASE_URL"))]
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            for item in container.get("env", []):
                if re.search(r"KEY|SECRET|TOKEN|PASSWORD|DATABASE_URL", item["name"]):
                    assert "value" not in item and item["valueFrom"]["secretKeyRef"]["name"] == "clinic-assistant"


def test_every_secret_key_the_pods_use_is_in_the_documented_kubectl_command():
    used = {value[2] for workload in workloads() for value in container_env(workload).values()
            if isinstance(value, tuple)}
    docs = (ROOT / "docs/operations.md").read_text()
    block = docs[docs.index("cat > clinic.env"):docs.index("--from-env-file=clinic.env")]
    documented = set(re.findall(r"^\s*([A-Z_]+)=", block, re.MULTILINE))
    assert used and used == documented


def test_the_action_server_secret_reaches_rasa_and_the_action_server_from_one_secret_key():
    rasa = container_env(resource("Deployment", "clinic-rasa"))["ACTION_SERVER_SECRET"]
    actions = container_env(resource("Deployment", "clinic-actions"))["ACTION_SERVER_SECRET"]
    assert rasa == actions == ("secret", "clinic-assistant", "ACTION_SERVER_SECRET")


def test_the_action_server_has_what_it_needs_to_queue_and_mail_staff_notifications():
    config = container_env(resource("Deployment", "clinic-actions"))
    assert {"STAFF_EMAIL_TO", "INTAKE_DATABASE_URL", "INTAKE_ENCRYPTION_KEY", "PRACTICE_PROFILE"} <= set(config)
    worker = container_env(resource("Deployment", "clinic-outbox-worker"))
    assert {"STAFF_EMAIL_TO", "STAFF_WEBHOOK_URL", "STAFF_WEBHOOK_SECRET", "SMTP_HOST", "SMTP_PASSWORD"} <= set(worker)
    # The Rasa server answers a crisis itself when the action server is down and queues the alert.
    assert {"INTAKE_DATABASE_URL", "INTAKE_ENCRYPTION_KEY"} <= set(container_env(resource("Deployment", "clinic-rasa")))


def test_the_retention_purge_reaches_the_transcripts_as_well_as_the_intakes():
    purge = container_env(resource("CronJob", "clinic-purge"))
    tracker = {name for name in endpoint_variables() if name.startswith("TRACKER_STORE_")}
    assert tracker and tracker <= set(purge)
    assert {"INTAKE_DATABASE_URL", "INTAKE_ENCRYPTION_KEY"} <= set(purge)


def test_the_intake_database_is_created_and_the_tracker_database_matches_the_config():
    postgres = container_env(resource("StatefulSet", "clinic-postgresql"))
    rasa = container_env(resource("Deployment", "clinic-rasa"))
    assert postgres["POSTGRES_DB"] == rasa["TRACKER_STORE_DB"]
    assert postgres["POSTGRES_USER"] == rasa["TRACKER_STORE_USERNAME"]
    assert postgres["POSTGRES_PASSWORD"] == rasa["TRACKER_STORE_PASSWORD"]
    init = resource("ConfigMap", "clinic-postgresql-init")["data"]
    docs = (ROOT / "docs/operations.md").read_text()
    host, intake_db = re.search(r"INTAKE_DATABASE_URL=postgresql.*@([\w-]+):5432/(\w+)\n", docs).groups()
    assert host == resource("Service", "clinic-postgresql")["metadata"]["name"] == rasa["TRACKER_STORE_HOST"]
    assert f"CREATE DATABASE {intake_db} OWNER clinic" in "".join(init.values())


def test_a_visitor_stays_on_one_rasa_replica_through_the_ingress_and_the_service():
    service = resource("Service", "clinic-rasa")
    assert service["spec"]["sessionAffinity"] == "ClientIP"
    ingress = resource("Ingress", "clinic-rasa")
    annotations = ingress["metadata"]["annotations"]
    assert (annotations.get("nginx.ingress.kubernetes.io/upstream-hash-by")
            or annotations.get("nginx.ingress.kubernetes.io/affinity") == "cookie")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    # only the socket.io channel is public: not the REST channel, not Rasa's HTTP API
    assert [(p["path"], p["backend"]["service"]["name"]) for p in paths] == [("/socket.io", "clinic-rasa")]
    assert ingress["spec"]["tls"]


# NetworkPolicy, evaluated as Kubernetes does for pods of this namespace: a pod selected by any
# policy accepts only what one of those policies allows.
def _selects(selector, labels):
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def allowed(source_labels, target_labels, port, source_namespace="clinic"):
    policies = [r for r in resources() if r["kind"] == "NetworkPolicy"
                and "Ingress" in r["spec"]["policyTypes"] and _selects(r["spec"]["podSelector"], target_labels)]
    if not policies:
        return True
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if ports and port not in ports:
                continue
            for peer in rule.get("from", []):
                if "namespaceSelector" in peer:
                    if _selects(peer["namespaceSelector"], {"kubernetes.io/metadata.name": source_namespace}):
                        return True
                elif source_namespace == "clinic" and _selects(peer["podSelector"], source_labels):
                    return True
    return False


def _pods():
    pods = {pod_labels(w)["app.kubernetes.io/name"]: pod_labels(w) for w in workloads()}
    pods["stranger"] = {"app.kubernetes.io/name": "stranger"}  # any other pod in the namespace
    return pods


@pytest.mark.parametrize("target, port, allowed_sources", [
    ("clinic-actions", 5055, {"clinic-rasa"}),
    ("clinic-postgresql", 5432, {"clinic-rasa", "clinic-actions", "clinic-outbox-worker", "clinic-purge",
                                 "clinic-inbox"}),
    ("clinic-inbox", 8090, set()),
    ("clinic-redis", 6379, {"clinic-rasa"}),
    ("clinic-rasa", 5005, set()),
    ("clinic-outbox-worker", 8080, set()),
])
def test_network_policies_let_only_the_right_pods_in(target, port, allowed_sources):
    pods = _pods()
    reaching = {name for name, labels in pods.items() if allowed(labels, pods[target], port)}
    assert reaching == allowed_sources
    assert not allowed(pods["stranger"], pods[target], port, source_namespace="elsewhere")


def test_the_ingress_controller_reaches_rasa_and_the_inbox_and_nothing_else():
    pods = _pods()
    controller = {"app.kubernetes.io/name": "ingress-nginx"}
    assert allowed(controller, pods["clinic-rasa"], 5005, source_namespace="ingress-nginx")
    assert allowed(controller, pods["clinic-inbox"], 8090, source_namespace="ingress-nginx")
    assert not allowed(controller, pods["clinic-actions"], 5055, source_namespace="ingress-nginx")
    assert not allowed(controller, pods["clinic-postgresql"], 5432, source_namespace="ingress-nginx")


def test_every_pod_runs_unprivileged():
    assert len(workloads()) >= 6
    for workload in workloads():
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] and spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False and context["capabilities"]["drop"] == ["ALL"]


# Programs the deploy files may start that are not this project's: a database, a shell.
OTHER_PROGRAMS = {"sh", "pg_isready", "redis-server", "postgres", "/usr/bin/install"}


def console_scripts():
    """pyproject.toml's commands: {name: "module:function"}."""
    return tomli.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def defines(target):
    """Whether "module:function" names a function defined at the top of a project module."""
    module, function = target.split(":")
    path = (ROOT / module.replace(".", "/")).with_suffix(".py")
    return path.exists() and function in {node.name for node in ast.parse(path.read_text()).body
                                           if isinstance(node, ast.FunctionDef)}


def deploy_commands():
    """(file, argv) for every command the deploy files start: containers, image CMDs, units."""
    found = []
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            found.append((workload["metadata"]["name"], container.get("command", [])))
    for dockerfile in sorted((DEPLOY / "docker").glob("Dockerfile.*")):
        text = dockerfile.read_text().replace("\\\n", "")
        found += [(dockerfile.name, yaml.safe_load(cmd))
                  for cmd in re.findall(r"^CMD (\[.*\])\s*$", text, re.MULTILINE)]
    for unit in sorted(SYSTEMD.glob("*.service")):
        for key, values in _unit(unit.name).items():
            if key.startswith("ExecStart"):
                found += [(unit.name, value.lstrip("+").split()) for value in values]
    return found


def test_commands_in_deploy_files_exist():
    scripts = console_scripts()
    commands = deploy_commands()
    assert len(commands) >= 12, commands
    for where, command in commands:
        program = Path(command[0]).name if command else ""
        if program == "python":
            if command[1] == "-m":
                module = ROOT / command[2].replace(".", "/")
                # Not `-m rasa_sdk`: the action server must start behind the shared-secret check.
                assert module.with_suffix(".py").exists() or (module / "__main__.py").exists(), (where, command)
            else:
                assert (ROOT / command[1]).exists(), (where, command)
        elif command and command[0] not in OTHER_PROGRAMS:
            # A console script: declared in pyproject.toml, pointing at a function that exists.
            assert program in scripts, f"{where} runs {program}, which pyproject.toml does not declare"
            assert defines(scripts[program]), (where, scripts[program])
    assert "-m clinic.entrypoints.staff purge" in (SYSTEMD / "clinic-assistant-purge.service").read_text()
    # The one-machine unit runs the supervisor (scripts/run_all.py) as installed by `make install`.
    assert _unit("clinic-assistant.service")["ExecStart"] == ["/opt/clinic-assistant/.venv/bin/clinic-assistant"]
    assert scripts["clinic-assistant"] == "scripts.run_all:main"


def test_the_documented_commands_are_console_scripts():
    assert console_scripts() == {"clinic-assistant": "scripts.run_all:main",
                                 "clinic-staff": "staff_inbox.cli:main",
                                 "clinic-admin": "clinic.entrypoints.intake_admin:main",
                                 "clinic-outbox-worker": "clinic.entrypoints.outbox_worker:main",
                                 "clinic-inbox": "staff_inbox.server:main"}
    assert all(defines(target) for target in console_scripts().values())


def test_make_install_installs_the_project_without_its_dependencies_or_a_download():
    makefile = (ROOT / "Makefile").read_text()
    install_rule = makefile[makefile.index("$(VENV)/.installed:"):makefile.index("\ntrain:")]
    assert "pyproject.toml" in install_rule.splitlines()[0]  # a new command reinstalls
    pins = install_rule.index("-r requirements-dev.txt -c constraints.txt")
    project = install_rule.index("--no-deps --no-build-isolation -e .")
    assert pins < project < install_rule.index("@touch $@")
    project = tomli.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == [] and project["requires-python"] == "==3.10.*"


def test_kubernetes_and_the_one_machine_timer_purge_alike():
    cronjob = pod_spec(resource("CronJob", "clinic-purge"))["containers"][0]["command"]
    unit = (SYSTEMD / "clinic-assistant-purge.service").read_text()
    exec_start = re.search(r"^ExecStart=\S+ (.*)$", unit, re.MULTILINE).group(1)
    assert " ".join(cronjob[1:]) == exec_start


def test_deploy_check_fails_on_an_invalid_manifest(tmp_path, monkeypatch):
    shutil.copy(KUBERNETES / "rasa.yaml", tmp_path / "rasa.yaml")
    monkeypatch.setattr(deploy_check, "KUBERNETES", tmp_path)
    assert deploy_check.check_kubernetes() == []
    text = (tmp_path / "rasa.yaml").read_text().replace("sessionAffinity: ClientIP", "sessionAfinity: ClientIP")
    (tmp_path / "rasa.yaml").write_text(text)
    assert "sessionAfinity" in " ".join(deploy_check.check_kubernetes())


# ---- Images ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Dockerfile.rasa", "Dockerfile.actions"])
def test_images_install_the_tested_versions_and_time_zone_data(name):
    dockerfile = (DEPLOY / "docker" / name).read_text()
    installs = re.findall(r"pip install(?:[^\n\\]|\\\n)*", dockerfile)
    assert installs and all("-c /tmp/pins/constraints.txt" in line for line in installs)
    assert "COPY constraints.txt" in dockerfile or "constraints.txt /tmp/pins/" in dockerfile
    requirements = dockerfile + (DEPLOY / "docker/requirements-actions.txt").read_text()
    assert re.search(r"tzdata==\d", requirements)


def test_the_rasa_image_pins_python_socketio_and_trains_its_own_model():
    dockerfile = (DEPLOY / "docker/Dockerfile.rasa").read_text()
    assert "-r /tmp/pins/requirements.txt" in dockerfile
    assert "python-socketio==5.9.0" in (ROOT / "requirements.txt").read_text().splitlines()
    assert "python-socketio==5.9.0" in (ROOT / "constraints.txt").read_text().splitlines()
    assert "rasa train" in dockerfile and "COPY --from=train /app/models/clinic.tar.gz" in dockerfile
    assert not re.search(r"^COPY\s+(--\S+\s+)*models/", dockerfile, re.MULTILINE)
    # the parts of clinic/ the Rasa server imports (crisis fallback, log ids): tests/unit/test_rasa_image.py


def _third_party_imports(*folders):
    names = set()
    for path in (path for folder in folders for path in folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    # staff_inbox: first party, copied into the image for the links in staff e-mails (outbox.py imports it lazily).
    return names - set(sys.stdlib_module_names) - {"actions", "clinic", "staff_inbox", "rasa_sdk", "__future__"}


def test_the_actions_image_installs_every_package_the_actions_import():
    # The action server imports actions/ and, through it, clinic/ (the image copies both).
    distributions = {"sqlalchemy": "sqlalchemy", "alembic": "alembic", "cryptography": "cryptography",
                     "requests": "requests", "yaml": "pyyaml", "psycopg2": "psycopg2-binary"}
    wanted = _third_party_imports(ROOT / "actions", ROOT / "clinic")
    assert wanted <= set(distributions), wanted - set(distributions)
    listed = {re.split(r"[<>=]", line)[0].lower() for line in
              (DEPLOY / "docker/requirements-actions.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    assert {distributions[name] for name in wanted} | {"psycopg2-binary", "tzdata"} <= listed


def test_the_build_context_leaves_out_the_venv_local_data_and_history():
    ignored = {line.strip().rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".venv", "var", "models", "results", ".git"} <= ignored


# ---- One machine -----------------------------------------------------------------------------


def test_env_example_sets_every_variable_the_endpoints_and_the_action_server_secret_need():
    # systemd runs scripts/run_all.py without make, so defaults.mk does not apply there.
    env = env_file(DEPLOY / "env.example")
    assert endpoint_variables() and endpoint_variables() - set(env) == set()
    assert {"ACTION_SERVER_SECRET", "LOG_ID_KEY", "STAFF_EMAIL_TO", "HOME"} <= set(env)


def test_every_example_secret_in_env_example_is_refused_at_start():
    env = env_file(DEPLOY / "env.example")
    examples = {name for name, value in env.items() if re.search(r"change-?me|generate-with", value)}
    # every secret-looking variable holds an example value, except a lock store password that is
    # only used with a Redis lock store (LOCK_STORE_TYPE=in_memory here)
    secrets = {name for name in env if re.search(r"KEY|SECRET|TOKEN|PASSWORD", name)} - {"LOCK_STORE_KEY_PREFIX"}
    assert secrets - examples == {"LOCK_STORE_PASSWORD"} and env["LOCK_STORE_TYPE"] == "in_memory"
    # INTAKE_DATABASE_URL carries the example password too
    assert "INTAKE_DATABASE_URL" in examples
    assert set(run_all.placeholder_secrets(env)) == examples


def _unit(name):
    settings = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


@pytest.mark.parametrize("name", ["clinic-assistant.service", "clinic-assistant-purge.service",
                                  "clinic-inbox.service"])
def test_units_create_their_writable_folder_and_run_from_the_install(name):
    unit = _unit(name)
    workdir = unit["WorkingDirectory"][0]
    var = f"{workdir}/var"
    assert unit["ReadWritePaths"] == [var]
    # the folder must exist before systemd builds the sandbox: created as root ("+"), for the user
    assert unit["ExecStartPre"] == [f"+/usr/bin/install -d -o clinic -g clinic -m 0700 {var}"]
    assert unit["ExecStart"][0].startswith(f"{workdir}/.venv/bin/")
    assert unit["ProtectHome"] == ["yes"] and unit["ProtectSystem"] == ["strict"]


def test_make_install_creates_var():
    makefile = (ROOT / "Makefile").read_text()
    install_rule = makefile[makefile.index("$(VENV)/.installed:"):makefile.index("\ntrain:")]
    assert "mkdir -p -m 0700 var" in install_rule


def test_the_purge_unit_is_sandboxed_at_least_as_tightly_as_the_main_unit():
    main, purge = _unit("clinic-assistant.service"), _unit("clinic-assistant-purge.service")
    hardening = {key for key in main if key.startswith(("Protect", "Private", "Restrict", "SystemCall",
                                                        "NoNew", "Capability", "Lock", "UMask"))}
    assert len(hardening) > 15
    for key in hardening:
        assert key in purge, key


def test_make_test_runs_the_deploy_check():
    makefile = (ROOT / "Makefile").read_text()
    test_rule = re.search(r"^test: (.*?)##", makefile, re.MULTILINE).group(1).split()
    assert "deploy-check" in test_rule
    assert "scripts/deploy_check.py" in makefile
