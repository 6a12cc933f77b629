#!/usr/bin/env bash
# Regenerates the JSON Schemas in schemas/ (for editors, see docs/editor.md) from the key lists
# the loaders use. Run it after changing a key or a description in crates/input/src/json_schema.rs (or
# a relay or mailbox setting in crates/input/src/recipients/settings.rs);
# tests/suite/schema.rs fails until the committed files match.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
for name in bulletin publisher recipients; do
  target/debug/bulletin schema "$name" > "schemas/$name.schema.json"
  echo "wrote schemas/$name.schema.json"
done
