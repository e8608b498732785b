#!/bin/sh
# The files `npm test` hands to `node --test` (one process each, two at a time), one per line, the
# costliest first so that no long one starts last and ends the run alone:
#   1. the browser specs (spec/web, bundled: one headless Chromium for all);
#   2. every spec file of a folder without a bundle, on its own: the CLI specs (whose point is their
#      child processes; ~120 of the suite's ~340 CPU-seconds) and the folders of one file;
#   3. the other bundles (spec/bundles/<folder>.ts: every spec of spec/<folder>/ in one process, see
#      import-specs.ts for why), in the order of BUNDLES, costliest first.
# A folder is in a bundle exactly when spec/bundles/<folder>.ts exists, so no spec file is run twice
# or left out.
set -eu
cd "$(dirname "$0")/../.."
BUNDLES="web layers data train parallel viz kernels optim nn formats io explain tensor graph losses"
for bundle in spec/bundles/*.ts; do
  folder=$(basename "$bundle" .ts)
  [ "$folder" = import-specs ] && continue
  case " $BUNDLES " in *" $folder "*) ;; *) echo "spec/bundles: $bundle is not listed in BUNDLES of $0" >&2; exit 1 ;; esac
done
for folder in $BUNDLES; do
  [ -e "spec/bundles/$folder.ts" ] || { echo "spec/bundles: $folder is in BUNDLES but spec/bundles/$folder.ts is missing" >&2; exit 1; }
done
echo spec/bundles/web.ts
find spec -name '*.spec.ts' | sort | while read -r file; do
  folder=$(echo "$file" | cut -d/ -f2)
  [ -e "spec/bundles/$folder.ts" ] || echo "$file"
done
for folder in $BUNDLES; do [ "$folder" = web ] || echo "spec/bundles/$folder.ts"; done
