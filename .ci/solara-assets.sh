#!/usr/bin/env bash
# The dashboard's page (Solara) loads its JavaScript and CSS from a CDN through the Solara
# server's proxy cache. Where that CDN cannot be reached (CI, offline machines), fill the cache
# from the npm registry instead: the same packages at the versions this Solara asks for.
# Usage: bash .ci/solara-assets.sh [PYTHON]   (default .venv/bin/python); idempotent.
set -euo pipefail
PY=${1:-.venv/bin/python}
read -r CACHE SPECS < <("$PY" - <<'PYEOF'
import re
from pathlib import Path

import solara.server.server as server
import solara.server.settings as settings

root = Path(server.__file__).parents[1]
spec = r"((?:@[\w.-]+/)?[\w.-]+@\d[\w.-]*)/"
specs = set(re.findall(r"\{\{cdn\}\}/" + spec, (root / "server/templates/solara.html.j2").read_text()))
app = "solara-vuetify3-app@" if server.vue3 else "solara-vuetify-app@"
specs = {s for s in specs if "solara-vuetify" not in s or s.split("/")[1].startswith(app)}
specs.add(settings.assets.fontawesome_path.strip("/").split("/")[0])
print(settings.assets.proxy_cache_dir, " ".join(sorted(specs)))
PYEOF
)
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
for spec in $SPECS; do
  dest="$CACHE/$spec"
  [ -f "$dest/package.json" ] && continue
  command -v npm >/dev/null || { as_root apt-get update -qq && as_root apt-get install -y -qq npm; }
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$tmp/package" "$(dirname "$dest")"
  tar xzf "$tmp"/*.tgz -C "$tmp/package" --strip-components=1
  rm -rf "$dest" && mv "$tmp/package" "$dest"   # whole or not at all
  rm -rf "$tmp"
  echo "solara assets: $spec -> $dest"
done
