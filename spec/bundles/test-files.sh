#!/bin/sh
# The files `npm test` hands to `node --test` (one process each, two at a time), one per line:
#   1. the browser specs (spec/web), the longest, started first so they do not end the run alone;
#   2. the bundles (spec/bundles/<folder>.ts: every spec of spec/<folder>/ in one process, see
#      import-specs.ts for why), in the order listed below, the costliest first;
#   3. every other spec file, on its own.
# A folder is in a bundle exactly when spec/bundles/<folder>.ts exists, so no spec file is run twice
# or left out.
set -eu
cd "$(dirname "$0")/../.."
BUNDLES="kernels train nn viz layers data explain formats io optim tensor graph losses parallel"
for bundle in spec/bundles/*.ts; do
  folder=$(basename "$bundle" .ts)
  [ "$folder" = import-specs ] && continue
  case " $BUNDLES " in *" $folder "*) ;; *) echo "spec/bundles: $bundle is not listed in BUNDLES of $0" >&2; exit 1 ;; esac
done
for folder in $BUNDLES; do
  [ -e "spec/bundles/$folder.ts" ] || { echo "spec/bundles: $folder is in BUNDLES but spec/bundles/$folder.ts is missing" >&2; exit 1; }
done
find spec/web -name '*.spec.ts' | sort
for folder in $BUNDLES; do echo "spec/bundles/$folder.ts"; done
find spec -name '*.spec.ts' -not -path 'spec/web/*' | sort | while read -r file; do
  folder=$(echo "$file" | cut -d/ -f2)
  [ -e "spec/bundles/$folder.ts" ] || echo "$file"
done
