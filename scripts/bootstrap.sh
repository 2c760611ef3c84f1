#!/usr/bin/env bash
# Installs what Lianxin's build and tests need, and nothing that is already there.
#
#   scripts/bootstrap.sh          # called by `make run` and `make test`; safe to run any time
#
# On a fresh machine it installs (see ../shared/reference/toolchain-notes.md for why each pin):
#   - the wasm32-unknown-unknown target for the stable toolchain;
#   - Trunk 0.21.14 (`cargo install --locked`; 0.22 needs a newer rustc);
#   - wasm-bindgen-cli at exactly the `wasm-bindgen` version in Cargo.lock (without --locked, which fails);
#   - wasm-split-cli (crate wasm_split_cli_support), which cuts the release wasm into a main module
#     and one module per page (scripts/build-wasm.mjs);
#   - Debian's chromium, chromium-driver, fonts-wqy-microhei (CJK glyphs) and postgresql (for the
#     PostgreSQL-backed server tests; scripts/pg-test.sh starts a throwaway cluster);
#   - the npm tools from the committed package-lock.json (`npm ci`): Playwright, axe-core, Lighthouse and
#     binaryen, whose wasm-opt 132 Trunk uses (Debian's binaryen 108 builds a wasm that crashes at start).
# A second run checks versions only and takes about a second. Nothing here downloads a browser.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.21.14
# Must understand the split points of the `wasm_split_helpers` that Leptos uses (0.2.x in Cargo.lock).
WASM_SPLIT_VERSION=0.2.4
APT_PACKAGES=(chromium chromium-driver fonts-wqy-microhei postgresql)

did=()
say() { printf '[bootstrap] %s\n' "$*"; }

# --- Rust: the wasm target ------------------------------------------------------------------------
if ! command -v cargo >/dev/null || ! command -v rustup >/dev/null; then
    say "error: cargo and rustup are required (https://rustup.rs)" >&2
    exit 1
fi
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "ok: rust target wasm32-unknown-unknown"
else
    say "installing rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
    did+=("wasm32 target")
fi

# --- Trunk ----------------------------------------------------------------------------------------
have_trunk=$(trunk --version 2>/dev/null | awk '{print $2}' || true)
if [[ "$have_trunk" == "$TRUNK_VERSION" ]]; then
    say "ok: trunk $TRUNK_VERSION"
else
    say "installing trunk $TRUNK_VERSION (found: ${have_trunk:-none}; takes ~10 min on 2 cores)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
    did+=("trunk $TRUNK_VERSION")
fi

# --- wasm-bindgen-cli, matching Cargo.lock ----------------------------------------------------------
wbg_version=$(awk '
    /^\[\[package\]\]/ { in_wbg = 0 }
    /^name = "wasm-bindgen"$/ { in_wbg = 1; next }
    in_wbg && /^version = / { gsub(/"/, "", $3); print $3; exit }
' Cargo.lock)
if [[ -z "$wbg_version" ]]; then
    say "error: no wasm-bindgen package in Cargo.lock" >&2
    exit 1
fi
have_wbg=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
have_runner=$(command -v wasm-bindgen-test-runner || true)
if [[ "$have_wbg" == "$wbg_version" && -n "$have_runner" ]]; then
    say "ok: wasm-bindgen-cli $wbg_version"
else
    say "installing wasm-bindgen-cli $wbg_version (found: ${have_wbg:-none}; takes ~4 min)"
    # Not --locked: one of its locked dependencies is not in the registry (toolchain-notes.md).
    cargo install wasm-bindgen-cli --version "$wbg_version" --force
    did+=("wasm-bindgen-cli $wbg_version")
fi

# --- wasm-split-cli -------------------------------------------------------------------------------
# It has no --version; cargo's own record of installed crates says which one is there.
if cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" \
    && command -v wasm-split-cli >/dev/null; then
    say "ok: wasm-split-cli $WASM_SPLIT_VERSION"
else
    say "installing wasm-split-cli $WASM_SPLIT_VERSION (takes ~2 min)"
    cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
    did+=("wasm-split-cli $WASM_SPLIT_VERSION")
fi

# --- Debian packages --------------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]} == 0)); then
    say "ok: apt packages ${APT_PACKAGES[*]}"
else
    if [[ $EUID -eq 0 ]]; then
        SUDO=()
    elif command -v sudo >/dev/null; then
        SUDO=(sudo)
    else
        say "error: need root or sudo to install: ${missing[*]}" >&2
        exit 1
    fi
    say "installing apt packages: ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # With recommends, as these were verified here (toolchain-notes.md).
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    did+=("apt: ${missing[*]}")
fi

# --- npm tools --------------------------------------------------------------------------------------
# node_modules/.package-lock.json is npm's own record of the last install; it is older than
# package-lock.json exactly when the lockfile changed since.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    say "installing npm tools (npm ci)"
    # Lighthouse 13 declares node >= 22 but runs on node 20 (toolchain-notes.md); the warning is noise.
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.package-lock.json
    did+=("npm ci")
else
    say "ok: node_modules matches package-lock.json"
fi
if [[ "$(node_modules/.bin/wasm-opt --version 2>/dev/null)" != *"version 132"* ]]; then
    say "error: node_modules/.bin/wasm-opt is not binaryen 132" >&2
    exit 1
fi

if ((${#did[@]} == 0)); then
    say "nothing to do: everything is installed"
else
    say "installed: ${did[*]}"
fi
