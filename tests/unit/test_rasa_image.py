"""The Rasa image (deploy/docker/Dockerfile.rasa) holds every project module the Rasa server
imports: a module it misses would only show as an ImportError in production, and for the lazy
imports (the crisis answer when the action server is down) only at the worst moment."""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile.rasa"
PACKAGES = ("actions", "clinic", "components", "scripts")

# Run in a fresh interpreter, as the server starts: the classes config.yml, credentials.yml and
# endpoints.yml name (Rasa imports them by these names), then what scripts/serve_rasa.py imports
# and the patches it applies (components/rasa_patches.py imports each patch module). Prints the
# project modules that ended up imported.
PROBE = r"""
import importlib, json, sys
from pathlib import Path
import yaml

root = Path.cwd()
names = []
config = yaml.safe_load((root / "config.yml").read_text())
names += [item["name"] for item in config["pipeline"] + config["policies"] if "." in item["name"]]
names += [key for key in yaml.safe_load((root / "credentials.yml").read_text()) if "." in key]
names += [value["type"] for value in yaml.safe_load((root / "endpoints.yml").read_text()).values()
          if isinstance(value, dict) and "." in str(value.get("type", ""))]
for name in names:
    module, _, attribute = name.rpartition(".")
    getattr(importlib.import_module(module), attribute)

import rasa.__main__  # noqa: F401 - scripts/serve_rasa.py's imports
from components import rasa_patches
rasa_patches.apply_at_start()

print(json.dumps({"named": names, "modules": sorted(
    name for name, module in sys.modules.items() if name.split(".")[0] in %r
    and Path(getattr(module, "__file__", None) or "/").resolve().is_relative_to(root))}))
""" % (PACKAGES,)


def imported_at_start():
    env = dict(os.environ, PYTHONPATH=str(ROOT), CLINIC_RASA_PATCHES="on")
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def module_file(name):
    path = ROOT / name.replace(".", "/")
    return (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).relative_to(ROOT)


def project_imports(path):
    """Project modules a file imports anywhere, inside functions too (imported only when needed)."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] in PACKAGES}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] in PACKAGES:
            for alias in node.names:  # `from actions import crisis_phrases` imports a module
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if (ROOT / module_file(submodule)).exists() else node.module)
    return found


def closure(modules, files=()):
    """The files of `modules` and of `files`, their packages' __init__.py and every project module
    they import, at once or later."""
    found, todo = set(), list(modules)
    for path in files:
        found.add(Path(path))
        todo += project_imports(path)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts)) if module_file(".".join(parts[:i])) not in found]
        path = module_file(name)
        if path not in found and (ROOT / path).exists():
            found.add(path)
            todo += project_imports(path)
    return found


def needed_by_the_server():
    # scripts/serve_rasa.py runs as a script (`python scripts/serve_rasa.py`): a file, not a module.
    return closure(imported_at_start()["modules"], files=["scripts/serve_rasa.py"])


def final_stage_copies():
    """The project paths the image's last stage copies from the build context."""
    stage = DOCKERFILE.read_text().split("\nFROM ")[-1]
    sources = []
    for line in stage.replace("\\\n", " ").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def copied(path, sources):
    return any(str(path) == source or (source.endswith("/") and str(path).startswith(source)) for source in sources)


def test_the_rasa_image_copies_every_project_module_the_rasa_server_imports():
    started = imported_at_start()
    # The probe loaded what the server loads: our channels, stores and NLU components, and the patches.
    assert {"components.site_socketio", "components.tracker_store", "components.lock_store",
            "components.crisis_guard", "components.rasa_patches", "components.action_failsafe"} <= set(
        started["modules"]), started["modules"]
    needed = needed_by_the_server()
    # The crisis answer the Rasa server gives itself when the action server is down is imported
    # only then; the closure over every import statement finds it.
    assert {Path("clinic/domain/crisis_response.py"), Path("clinic/adapters/staff_alerts.py")} <= needed
    sources = final_stage_copies()
    missing = sorted(str(path) for path in needed if not copied(path, sources))
    assert not missing, f"Dockerfile.rasa does not copy {missing}, which the Rasa server imports"


def test_the_rasa_image_copies_no_project_module_the_rasa_server_does_not_import():
    # Less code in the image that faces the internet: no staff command line, no exports.
    needed = needed_by_the_server()
    sources = final_stage_copies()
    shipped = {path.relative_to(ROOT) for package in PACKAGES for path in (ROOT / package).rglob("*.py")
               if copied(path.relative_to(ROOT), sources)}
    assert shipped - needed == set(), "Dockerfile.rasa copies modules the Rasa server never imports"
    assert not copied(Path("clinic/entrypoints/staff.py"), sources) and not copied(Path("scripts/run_all.py"), sources)


def test_the_check_finds_a_module_the_image_would_miss():
    # The check itself can fail: without the clinic/ files the components use, some are missing.
    sources = [source for source in final_stage_copies() if not source.startswith("clinic")]
    assert not all(copied(path, sources) for path in closure(["components.action_failsafe"]))


# What the image's last stage holds, rebuilt from its COPY lines: the Rasa server started from it
# must load, and queue a crisis alert when the action server is down (that path imports the intake
# store, whose first use brings the schema up to date from migrations/).
IN_IMAGE = PROBE + r"""
from cryptography.fernet import Fernet
from clinic.adapters.staff_alerts import CrisisAlert, send_crisis_alert
ids = send_crisis_alert(CrisisAlert(conversation_id="image-check", category="self_harm",
                                    trigger="crisis intent (action server unavailable)"))
print(json.dumps({"alert": ids, "files": sorted(
    str(Path(module.__file__).resolve()) for name, module in list(sys.modules.items())
    if name.split(".")[0] in %r and getattr(module, "__file__", None))}))
""" % (PACKAGES,)


def test_the_rasa_server_started_from_the_image_files_queues_a_crisis_alert(tmp_path):
    app = tmp_path / "app"
    for source in final_stage_copies():
        target = app / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.endswith("/"):
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, target)
    from cryptography.fernet import Fernet

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(app), "CLINIC_RASA_PATCHES": "on",
           "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}", "INTAKE_VAR_DIR": str(tmp_path),
           "INTAKE_ENCRYPTION_KEY": Fernet.generate_key().decode(), "RASA_TELEMETRY_ENABLED": "false"}
    run = subprocess.run([sys.executable, "-c", IN_IMAGE], cwd=app, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["alert"], "the Rasa server could not queue a crisis alert: " + run.stderr[-2000:]
    # Every project module came from the image's files, none from the checkout.
    assert result["files"] and all(Path(path).is_relative_to(app.resolve()) for path in result["files"])
