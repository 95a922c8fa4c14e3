#!/usr/bin/env bash
# Copies the rasa-webchat widget from the npm registry into web/vendor/ (gitignored), so the
# chat page serves it itself: no CDN, no third-party request from a visitor's browser.
#
# rasa-webchat 1.0.1 ships one standalone UMD bundle, lib/index.js (window.WebChat). There is
# no separate CSS file: its styles are inside the bundle and injected as <style> elements at
# run time, and each of them starts with an @import of a Google font. This script removes
# those imports and then refuses any bundle that still names a host outside a reviewed list.
#
# Idempotent: does nothing when web/vendor/ already holds this version. Needs npm and tar;
# runs no package scripts (npm pack only downloads and checks the tarball).
set -euo pipefail

VERSION=1.0.1
# The registry's integrity string for rasa-webchat@1.0.1: a different tarball is refused.
INTEGRITY="sha512-Ld1zVJvTAaTrs6A5p8t70agNNrKYRyXlvqXZRgBoDvKKUXbA0jhJKECi5bdPGlaR6jsmqWtVylHS+YqIqo0x8w=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/web/vendor"
STAMP="$DEST/rasa-webchat.version"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" && -s "$DEST/webchat.js" ]]; then
    exit 0
fi
command -v npm >/dev/null || { echo "fetch_webchat: npm is needed (apt-get install -y npm)" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "fetch_webchat: fetching rasa-webchat@$VERSION from the npm registry" >&2
(cd "$TMP" && npm pack "rasa-webchat@$VERSION" --json --silent --ignore-scripts >pack.json)
if ! grep -q "\"integrity\": \"$INTEGRITY\"" "$TMP/pack.json"; then
    echo "fetch_webchat: rasa-webchat@$VERSION does not have the pinned integrity; refusing it" >&2
    exit 1
fi
tar -xzf "$TMP/rasa-webchat-$VERSION.tgz" -C "$TMP"
BUNDLE="$TMP/package/lib/index.js"
[[ -s "$BUNDLE" ]] || { echo "fetch_webchat: $BUNDLE missing from the package" >&2; exit 1; }

# Strip the font imports: '@import url(https://fonts.googleapis.com/css?family=Inter...);'.
sed -E 's#@import url\((["'\'']?)https?://fonts\.(googleapis|gstatic)\.com[^)]*\);?##g' \
    "$BUNDLE" >"$TMP/webchat.js"

# Every absolute URL left in the bundle must be one reviewed here (none is fetched by the page):
#  - XML namespaces (w3.org), documentation links inside error messages and comments;
#  - socket.io's defaults for a missing socketUrl / location (http://localhost...);
#  - the markdown parser's list of link protocols ("http://", "https://");
#  - docs.google.com/viewer: only with the docViewer option, which the page leaves off
#    (and the page's Content-Security-Policy would block it anyway).
ALLOWED='^https?://(www\.w3\.org/|localhost([:/]|$)|docs\.google\.com/viewer\?url=$|redux\.js\.org/|reactjs\.org/docs/|fb\.me/|git\.io/|github\.com/|stomp-js\.github\.io/|socket\.io/docs/|feross\.org|bestiejs\.github\.io/|kit\.mit-license\.org|jedwatson\.github\.io/)|^https?://$'
UNKNOWN="$(grep -oE "https?://[^\"' )\\\\<>]*" "$TMP/webchat.js" | sort -u | grep -vE "$ALLOWED" || true)"
if [[ -n "$UNKNOWN" ]]; then
    echo "fetch_webchat: the bundle names hosts nobody has reviewed:" >&2
    echo "$UNKNOWN" >&2
    exit 1
fi
if grep -qiE 'fonts\.(googleapis|gstatic)\.com' "$TMP/webchat.js"; then
    echo "fetch_webchat: a Google font reference is still in the bundle" >&2
    exit 1
fi

mkdir -p "$DEST"
cp "$TMP/package/LICENSE" "$DEST/rasa-webchat.LICENSE"
mv "$TMP/webchat.js" "$DEST/webchat.js"
echo "$VERSION" >"$STAMP"
echo "fetch_webchat: web/vendor/webchat.js is rasa-webchat $VERSION without its font imports" >&2
