#!/usr/bin/env bash
# The dashboard's page (Solara) loads its JavaScript and CSS from a CDN through the Solara
# server's proxy cache. Where that CDN cannot be reached (CI, offline machines), fill the cache
# from the npm registry instead: the same packages at the versions this Solara asks for.
#
# Usage: bash .ci/solara-assets.sh [--no-install] [PYTHON]   (default .venv/bin/python)
#   Idempotent: a package already in the cache (with the marker this script writes last) is
#   left alone, so with everything present it does nothing. Each package lands whole or not at
#   all: it is unpacked in a temporary folder beside its place in the cache and renamed there.
#   Without npm it installs it with apt-get, unless --no-install (the test suite passes that):
#   then it exits with status 4 and says which package it lacks.
# Reads Solara internals (its page template, its asset settings); if a Solara upgrade moves
# them, it stops with status 3 and one line naming what it could not find.
set -euo pipefail
INSTALL=1
if [ "${1:-}" = "--no-install" ]; then INSTALL=0; shift; fi
PY=${1:-.venv/bin/python}
MARKER=.clustersim-complete   # written last: a folder without it is incomplete

found=$("$PY" - <<'PYEOF'
import re
import sys
from pathlib import Path


def missing(what: str) -> None:
    try:
        from importlib.metadata import version

        v = version("solara")
    except Exception:  # noqa: BLE001
        v = "?"
    print(f"solara-assets: cannot find {what} in Solara {v} (did an upgrade move it?)",
          file=sys.stderr)
    sys.exit(3)


try:
    import solara.server.server as server
    import solara.server.settings as settings
except ImportError as exc:
    missing(f"solara.server.server / solara.server.settings ({exc})")
root = Path(server.__file__).parents[1]
template = root / "server/templates/solara.html.j2"
if not template.is_file():
    missing(f"the page template {template}")
if not hasattr(server, "vue3"):
    missing("solara.server.server.vue3 (which front end the page loads)")
assets = getattr(settings, "assets", None)
cache = getattr(assets, "proxy_cache_dir", None)
if not cache:
    missing("settings.assets.proxy_cache_dir (the CDN cache folder)")
fontawesome = getattr(assets, "fontawesome_path", None)
if not fontawesome or "@" not in fontawesome:
    missing("settings.assets.fontawesome_path as /NAME@VERSION/...")

spec = r"((?:@[\w.-]+/)?[\w.-]+@\d[\w.-]*)/"
specs = set(re.findall(r"\{\{cdn\}\}/" + spec, template.read_text()))
app = "solara-vuetify3-app@" if server.vue3 else "solara-vuetify-app@"
specs = {s for s in specs if "solara-vuetify" not in s or s.split("/")[1].startswith(app)}
if not any(s.split("/")[-1].startswith(app) for s in specs):
    missing(f"a {{{{cdn}}}}/@widgetti/{app}VERSION/ script in {template}")
specs.add(fontawesome.strip("/").split("/")[0])
print(cache, " ".join(sorted(specs)))
PYEOF
)
read -r CACHE SPECS <<<"$found"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
for spec in $SPECS; do
  dest="$CACHE/$spec"
  [ -f "$dest/$MARKER" ] && continue
  if ! command -v npm >/dev/null; then
    if [ "$INSTALL" = 0 ]; then
      echo "solara-assets: npm is not installed and the cache lacks $spec ($dest); run .ci/run or bash .ci/solara-assets.sh, which install it" >&2
      exit 4
    fi
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
  fi
  mkdir -p "$(dirname "$dest")"
  # beside the destination, on its filesystem: the final mv is a rename, not a copy
  tmp=$(mktemp -d "$(dirname "$dest")/.tmp.XXXXXX")
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir "$tmp/package"
  tar xzf "$tmp"/*.tgz -C "$tmp/package" --strip-components=1 --no-same-owner
  [ -f "$tmp/package/package.json" ] || { echo "solara-assets: $spec from npm has no package.json" >&2; exit 1; }
  touch "$tmp/package/$MARKER"
  rm -rf "$dest"                 # an incomplete earlier copy, or files the proxy cached itself
  mv -T "$tmp/package" "$dest"   # whole or not at all
  rm -rf "$tmp"; tmp=""
  echo "solara assets: $spec -> $dest"
done
