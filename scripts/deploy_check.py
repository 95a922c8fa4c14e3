"""Checks the deployment files with the real tools, offline; exits non-zero on any problem.

- every Kubernetes manifest in deploy/kubernetes/ against the Kubernetes API schemas bundled
  in the kubernetes-validate package (strict: unknown fields fail);
- the systemd units with `systemd-analyze verify` (any warning fails, including unknown keys),
  in a scratch root that holds the paths the units name;
- each service unit's exposure with `systemd-analyze security --offline=yes`, against the
  ceiling below, so the sandbox cannot silently be loosened.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
SYSTEMD = ROOT / "deploy" / "systemd"
KUBERNETES_VERSION = "1.28"
# systemd's exposure score x10 (0 safest, 100 unsafe); measured 1.2 and 1.1 when written.
MAX_EXPOSURE = {"clinic-assistant.service": 15, "clinic-assistant-purge.service": 15, "clinic-inbox.service": 15}
INSTALL_DIR = "/opt/clinic-assistant"


def check_kubernetes() -> list:
    manifests = sorted(KUBERNETES.glob("*.yaml"))
    if not manifests:
        return ["no Kubernetes manifests in deploy/kubernetes"]
    run = subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet",
                          "-k", KUBERNETES_VERSION, *map(str, manifests)],
                         capture_output=True, text=True)
    output = (run.stdout + run.stderr).strip()
    return [f"kubernetes-validate: {output or 'failed'}"] if run.returncode or output else []


def check_units_verify(scratch: Path) -> list:
    """systemd-analyze verify in a root that has systemd's own units and the paths ours run."""
    units_dir = scratch / "etc/systemd/system"
    units_dir.mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", scratch / "usr/lib/systemd/system", symlinks=True)
    (scratch / "usr/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2("/usr/bin/install", scratch / "usr/bin/install")
    # Stand-ins for the programs the units start from the venv (python, the clinic-* commands).
    bin_dir = scratch / INSTALL_DIR.lstrip("/") / ".venv/bin"
    bin_dir.mkdir(parents=True)
    started = rf"^ExecStart={re.escape(INSTALL_DIR)}/\.venv/bin/(\S+)"
    for unit in SYSTEMD.iterdir():
        for program in re.findall(started, unit.read_text(), re.MULTILINE):
            (bin_dir / program).write_text("#!/bin/sh\n")
            (bin_dir / program).chmod(0o755)
    units = []
    for unit in sorted(SYSTEMD.iterdir()):
        shutil.copy2(unit, units_dir / unit.name)
        units.append(str(units_dir / unit.name))
    run = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={scratch}", *units],
                         capture_output=True, text=True)
    output = (run.stdout + run.stderr).strip()
    return [f"systemd-analyze verify: {output or 'failed'}"] if run.returncode or output else []


def check_units_exposure() -> list:
    problems = []
    for name, ceiling in MAX_EXPOSURE.items():
        run = subprocess.run(["systemd-analyze", "security", "--offline=yes", f"--threshold={ceiling}",
                              "--no-pager", str(SYSTEMD / name)], capture_output=True, text=True)
        overall = [line for line in run.stdout.splitlines() if "Overall exposure" in line]
        print(f"deploy-check: {overall[0].strip('→ ').strip() if overall else name + ': no score'}")
        if run.returncode or not overall:
            problems.append(f"{name}: exposure above {ceiling / 10} (systemd-analyze security)")
    return problems


def main() -> int:
    problems = check_kubernetes()
    with tempfile.TemporaryDirectory(prefix="deploy-check-") as scratch:
        problems += check_units_verify(Path(scratch))
    problems += check_units_exposure()
    for problem in problems:
        print(f"deploy-check: FAIL {problem}", file=sys.stderr)
    if not problems:
        print(f"deploy-check: {len(list(KUBERNETES.glob('*.yaml')))} Kubernetes manifests valid "
              f"(API {KUBERNETES_VERSION}); systemd units verified")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
