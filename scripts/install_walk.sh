#!/usr/bin/env bash
# A fresh one-machine install walked as docs/operations.md describes, then the systemd unit's
# start command run as its service user inside the unit's file-system sandbox. Run as root:
# `make install-walk`. Fails on the first step that would fail on a real machine.
#
# There is no systemd as PID 1 here, so the sandbox is emulated, from the unit's own settings,
# with a private mount namespace (unshare) and setpriv:
#   emulated:  User/Group, WorkingDirectory, EnvironmentFile, ExecStartPre (+, as root),
#              ExecStart, UMask, NoNewPrivileges, CapabilityBoundingSet= (empty),
#              ProtectSystem=strict (every mount read-only but /dev /proc /sys),
#              ReadWritePaths (must exist, as systemd requires; the only writable folders),
#              ProtectHome=yes (/home /root /run/user empty and inaccessible), PrivateTmp=yes;
#   not emulated: the seccomp filters (SystemCallFilter, RestrictAddressFamilies), PrivateDevices,
#              PrivateUsers, ProtectProc, ProtectKernel*, MemoryDenyWriteExecute (unset anyway).
# Also emulated: "Python 3.10 installed under /opt" is this machine's pyenv Python copied to
# /opt/pyenv/versions/<v> with its library path (RUNPATH) set there, as `pyenv install` with
# PYENV_ROOT=/opt/pyenv builds it; the packages come from this repository's venv through a .pth
# file instead of a download from PyPI (`make install` then finds them all installed).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
UNIT=deploy/systemd/clinic-assistant.service

unit_value() { sed -n "s/^$1=//p" "$UNIT" | tail -n 1; }
say() { echo "install-walk: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

SVC_USER=$(unit_value User)
SVC_GROUP=$(unit_value Group)
WORKDIR=$(unit_value WorkingDirectory)
ENV_FILE=$(unit_value EnvironmentFile)
EXEC_PRE=$(unit_value ExecStartPre)
EXEC_START=$(unit_value ExecStart)
RW_PATHS=$(unit_value ReadWritePaths)
for setting in ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes UMask=0077 \
               CapabilityBoundingSet=; do
  grep -qx "$setting" "$UNIT" || fail "$UNIT no longer has $setting; update the emulation in $0"
done

if [ "${1:-}" = --sandboxed ]; then
  # Inside a fresh mount namespace: build the unit's file-system view, drop to the service user,
  # and exec the given command (exec all the way, so the caller's PID is the command's).
  shift
  for path in $RW_PATHS; do
    [ -d "$path" ] || { echo "ReadWritePaths=$path does not exist: systemd stops here (226/NAMESPACE)" >&2; exit 226; }
    mount --bind "$path" "$path"
  done
  for tmp in /tmp /var/tmp; do mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$tmp"; done
  for home in /home /root /run/user; do
    [ -d "$home" ] && mount -t tmpfs -o mode=000,ro,nosuid,nodev,noexec tmpfs "$home"
  done
  # ProtectSystem=strict: every mount read-only except the API file systems, the private /tmp
  # and the ReadWritePaths. Mount points come from mountinfo (field 5), deepest last.
  while read -r mountpoint; do
    case "$mountpoint" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*|/tmp|/var/tmp) continue ;; esac
    for path in $RW_PATHS; do [ "$mountpoint" = "$path" ] && continue 2; done
    mount -o remount,bind,ro "$mountpoint" 2>/dev/null \
      || { [ "$mountpoint" = / ] && { echo "cannot make / read-only" >&2; exit 1; }; }
  done < <(awk '{print $5}' /proc/self/mountinfo)
  cd "$WORKDIR"
  umask 0077
  # The environment systemd gives the service: its own basics, then the EnvironmentFile.
  environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
               "HOME=$(getent passwd "$SVC_USER" | cut -d: -f6)" "USER=$SVC_USER" "LOGNAME=$SVC_USER")
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    environment+=("$line")
  done < "$ENV_FILE"
  exec setpriv --reuid="$SVC_USER" --regid="$SVC_GROUP" --init-groups --no-new-privs \
       --bounding-set=-all --inh-caps=-all env -i "${environment[@]}" "$@"
fi

[ "$(id -u)" = 0 ] || fail "run as root (it creates a system user and mount namespaces)"
command -v patchelf >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patchelf >/dev/null; }
[ -f models/clinic.tar.gz ] || fail "no trained model: make train"

HOST_PYTHON=$(readlink -f .venv/bin/python)
HOST_PREFIX=$(dirname "$(dirname "$HOST_PYTHON")")
PY_VERSION=$(basename "$HOST_PREFIX")
OPT_PREFIX=/opt/pyenv/versions/$PY_VERSION
SHARED_SITE=$(readlink -f .venv)/lib/python3.10/site-packages

if [ "${1:-}" != --inside ]; then
  # ---- On the host: the service user, a staging folder, databases, mount points. ----
  getent passwd "$SVC_USER" >/dev/null \
    || useradd --system --user-group --home-dir "/home/$SVC_USER" --shell /usr/sbin/nologin "$SVC_USER"
  WALK=$(mktemp -d /var/tmp/install-walk.XXXXXX)
  chmod 755 "$WALK"
  suffix=$(basename "$WALK" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')
  export WALK TRACKER_DB="walk_tracker_$suffix" INTAKE_DB="walk_intake_$suffix"
  created=()
  for dir in "$WORKDIR" "$OPT_PREFIX" "$(dirname "$ENV_FILE")"; do
    [ -e "$dir" ] || { mkdir -p "$dir"; created+=("$dir"); }
  done
  cleanup() {
    mkdir -p "$REPO/results/install-walk" && cp "$WALK"/*.log "$REPO/results/install-walk/" 2>/dev/null || true
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $TRACKER_DB" \
      -c "DROP DATABASE IF EXISTS $INTAKE_DB" >/dev/null 2>&1 || true
    rm -rf "$WALK"
    for dir in "${created[@]}"; do rmdir -p "$dir" 2>/dev/null || true; done
  }
  trap cleanup EXIT
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $TRACKER_DB" -c "CREATE DATABASE $INTAKE_DB"

  say "Python 3.10 under /opt (copy of $HOST_PREFIX, library path $OPT_PREFIX/lib)"
  cp -a "$HOST_PREFIX" "$WALK/python"
  patchelf --set-rpath "$OPT_PREFIX/lib" "$WALK/python/bin/python3.10"

  say "the code as the operator copies it (tracked files, no .venv, var/ or models)"
  mkdir "$WALK/install"
  git ls-files -z --cached --others --exclude-standard | grep -zvE '^(\.venv|var|models|results)(/|$)' \
    | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$WALK/install"
  [ ! -e "$WALK/install/var" ] && [ ! -e "$WALK/install/.venv" ] || fail "the copy holds var/ or .venv"
  mkdir "$WALK/install/models" && cp models/clinic.tar.gz models/clinic.inputs.sha256 "$WALK/install/models/"
  chown -R "$SVC_USER:$SVC_GROUP" "$WALK/install"

  say "/etc/clinic-assistant/env from deploy/env.example, with real secrets and this machine's databases"
  mkdir "$WALK/etc"
  cp practice_profile.yml "$WALK/etc/practice_profile.yml"
  "$HOST_PYTHON" - "$WALK/etc/env" <<'EOF'
import base64, os, secrets, socket, sys
from pathlib import Path

def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])

password = secrets.token_urlsafe(16)
rasa, actions = port(), port()
overrides = {
    "RASA_PORT": rasa, "ACTION_SERVER_PORT": actions,
    "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions}/webhook",
    "TRACKER_STORE_USERNAME": "postgres", "TRACKER_STORE_PASSWORD": password,
    "TRACKER_STORE_DB": os.environ["TRACKER_DB"],
    "INTAKE_DATABASE_URL": f"postgresql+psycopg2://postgres:{password}@127.0.0.1:5432/{os.environ['INTAKE_DB']}",
    "INTAKE_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    # Nothing is delivered during the walk: notifications stay queued in the outbox.
    "STAFF_WEBHOOK_URL": "", "STAFF_EMAIL_TO": "", "SMTP_HOST": "",
}
lines = []
for line in Path("deploy/env.example").read_text().splitlines():
    name, sep, value = line.partition("=")
    if sep and not line.startswith("#"):
        if name in overrides:
            value = overrides[name]
        elif "change-me" in value:
            value = secrets.token_urlsafe(32)
        line = f"{name}={value}"
    lines.append(line)
Path(sys.argv[1]).write_text("\n".join(lines) + "\n")
EOF
  chmod 600 "$WALK/etc/env"
  unshare --mount --propagation private "$0" --inside
  say "PASS"
  exit 0
fi

# ---- In a private mount namespace: the paths the unit names, then the walk. ----
mount --bind "$WALK/install" "$WORKDIR"
mount --bind "$WALK/python" "$OPT_PREFIX"
mount --bind "$WALK/etc" "$(dirname "$ENV_FILE")"
env_value() { sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1; }
# A command in a new mount namespace with the unit's sandbox (unshare execs: same PID).
sandboxed() { unshare --mount --propagation private "$0" --sandboxed "$@"; }

say "as $SVC_USER: a venv from $OPT_PREFIX, then make install train"
runuser -u "$SVC_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent PIP_NO_CACHE_DIR=1 \
  bash -c "cd '$WORKDIR' && '$OPT_PREFIX/bin/python3.10' -m venv .venv \
           && echo '$SHARED_SITE' > .venv/lib/python3.10/site-packages/shared-venv.pth \
           && PYTHON='$OPT_PREFIX/bin/python3.10' make --no-print-directory install train" >"$WALK/make.log" 2>&1 \
  || { cat "$WALK/make.log" >&2; fail "make install train as $SVC_USER"; }
[ "$(stat -c '%U %a' "$WORKDIR/var")" = "$SVC_USER 700" ] || fail "make install did not create var/ (owner $SVC_USER, 0700)"

say "negative control: a venv made from the pyenv Python in a home folder cannot start in the sandbox"
"$HOST_PYTHON" -m venv --without-pip "$WORKDIR/.venv-from-home"
if sandboxed "$WORKDIR/.venv-from-home/bin/python" -c pass 2>"$WALK/home.log"; then
  fail "an interpreter under /root ran despite ProtectHome=yes: the emulation is not hiding homes"
fi
say "  refused as on a real machine: $(tail -n 1 "$WALK/home.log")"
rm -rf "$WORKDIR/.venv-from-home"

if [ -n "$EXEC_PRE" ]; then say "ExecStartPre (+, as root): ${EXEC_PRE#+}"; ${EXEC_PRE#+}; fi

say "the sandbox: interpreter reachable, code read-only, var/ writable, homes hidden"
# The interpreter ExecStart runs: the program itself, or the one in its #! line (a console script
# such as clinic-assistant, installed by `make install`).
python=${EXEC_START%% *}
case "$(basename "$python")" in python*) ;; *) python=$(sed -n '1s/^#!//p' "$python") ;; esac
[ -x "$python" ] || fail "ExecStart's interpreter $python is not there"
sandboxed "$python" - "$WORKDIR" "$RW_PATHS" <<'EOF' || fail "sandbox probes"
import os, sys
from pathlib import Path
workdir, writable = Path(sys.argv[1]), Path(sys.argv[2].split()[0])
import rasa, rasa_sdk, sqlalchemy, psycopg2  # noqa: F401,E401 - the packages load
assert not str(Path(sys.executable).resolve()).startswith(("/home", "/root")), sys.executable
for path in (workdir / "probe", Path("/etc/probe")):
    try:
        path.write_text("x")
        sys.exit(f"{path} is writable")
    except OSError:
        pass
(writable / "probe").write_text("x")
(writable / "probe").unlink()
assert not os.access("/root", os.R_OK) and not os.access("/home", os.R_OK), "homes readable"
print("probes ok", file=sys.stderr)
EOF

say "ExecStart as $SVC_USER in the sandbox: $EXEC_START (logs: results/install-walk/)"
# shellcheck disable=SC2086 - ExecStart is split into words as systemd does (no quotes in it)
# Not through the function: $! must be the service itself (unshare, bash, setpriv and env exec).
unshare --mount --propagation private "$0" --sandboxed $EXEC_START >"$WALK/run.log" 2>&1 &
service=$!
descendants() { local child; for child in $(ps -o pid= --ppid "$1"); do echo "$child"; descendants "$child"; done; }
# On a failure: what systemd does at the end of TimeoutStopSec, to this walk's processes only.
kill_all() { local pids; pids=$(descendants "$service"); kill -KILL "$service" $pids 2>/dev/null || true; }
trap kill_all EXIT
for _ in $(seq 100); do
  [[ "$(tr '\0' ' ' < "/proc/$service/cmdline" 2>/dev/null)" == *"${EXEC_START#* }"* ]] && break
  sleep 0.1
done
[[ "$(tr '\0' ' ' < "/proc/$service/cmdline" 2>/dev/null)" == *"${EXEC_START#* }"* ]] \
  || fail "pid $service is not the service's own process: a SIGTERM would miss it"
rasa_port=$(env_value RASA_PORT)
actions_port=$(env_value ACTION_SERVER_PORT)
deadline=$((SECONDS + 300))
until curl -fs -o /dev/null "http://127.0.0.1:$rasa_port/" && curl -fs -o /dev/null "http://127.0.0.1:$actions_port/health"; do
  kill -0 "$service" 2>/dev/null || { tail -n 40 "$WALK/run.log" >&2; fail "the service exited while starting"; }
  [ $SECONDS -lt $deadline ] || { tail -n 40 "$WALK/run.log" >&2; fail "not answering after 300 s"; }
  sleep 2
done
say "started in $SECONDS s; a crisis message over REST"
reply=$(curl -fsS -H 'Content-Type: application/json' "http://127.0.0.1:$rasa_port/webhooks/rest/webhook" \
        -d '{"sender": "install-walk-1", "message": "I want to kill myself"}')
grep -q 988 <<<"$reply" || { tail -n 40 "$WALK/run.log" >&2; fail "no crisis answer with 988: $reply"; }
queued=$(psql -tA -h 127.0.0.1 -U postgres -d "$(env_value INTAKE_DATABASE_URL | sed 's#.*/##')" \
         -c "SELECT count(*) FROM outbox")
[ "$queued" -ge 1 ] || fail "no staff alert queued in the outbox"
say "crisis answered (988) and $queued staff notification(s) queued in the intake database"
children=$(descendants "$service")
kill -TERM "$service"
for _ in $(seq 30); do kill -0 "$service" 2>/dev/null || break; sleep 1; done
kill -0 "$service" 2>/dev/null && fail "still running 30 s after SIGTERM (TimeoutStopSec=20)"
# KillMode=mixed: systemd would kill what the main process left behind; it should leave nothing.
# shellcheck disable=SC2086
left=$(ps -o pid=,args= -p "$(echo $children | tr ' ' ,)" 2>/dev/null || true)
[ -z "$left" ] || { kill -KILL $children 2>/dev/null; fail "left running after SIGTERM: $left"; }
trap - EXIT
grep -q "refusing to start" "$WALK/run.log" && fail "run_all refused to start"
# A write the sandbox blocked, or a path it hid, shows up here even when the servers carry on.
if grep -E "Read-only file system|Permission denied" "$WALK/run.log" >&2; then fail "the sandbox blocked the service"; fi
[ -z "$(find "$WORKDIR/var" -perm /077 -type f)" ] || fail "files in var/ readable by others (UMask=0077)"
say "stopped cleanly on SIGTERM; var/ files are owner-only"
