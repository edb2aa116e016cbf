#!/usr/bin/env bash
# scripts/fuzz.sh — run every Go fuzz target in the module for a short time.
#
# Usage: scripts/fuzz.sh [PACKAGES...]     (default: ./...)
#
#   FUZZTIME   how long each target runs (default 30s; go test -fuzztime syntax,
#              so "1000x" for a fixed number of executions also works)
#   FUZZ       only targets whose name matches this regexp (default: all)
#   GO         go command (default: go)
#
# Targets are discovered with `go test -list '^Fuzz'` (which also builds the
# test binaries, so a package that fails to compile fails here). `go test
# -fuzz` takes one package and one target at a time, hence the loop. New
# crashers are written to the package's testdata/fuzz/ by go test; commit them
# as regression inputs once fixed. Exits non-zero if any target failed.
set -euo pipefail

GO=${GO:-go}
FUZZTIME=${FUZZTIME:-30s}
FUZZ=${FUZZ:-.}
(($#)) || set -- ./...

# `go test -list` prints each package's matching names, then one summary
# line ("ok  <pkg> 0.01s"; "?  <pkg> [no test files]" for none). Turn that
# into "<pkg> <target>" pairs.
list=$("$GO" test -list '^Fuzz' "$@")
mapfile -t targets < <(awk -v re="$FUZZ" '
	/^Fuzz/ { if ($1 ~ re) names[n++] = $1; next }
	/^ok[ \t]/ { for (i = 0; i < n; i++) print $2, names[i]; n = 0; next }
	{ n = 0 }
' <<<"$list")

if ((${#targets[@]} == 0)); then
	echo "fuzz: no fuzz targets found"
	exit 0
fi

failed=()
for t in "${targets[@]}"; do
	pkg=${t% *} name=${t#* }
	echo "=== fuzz $pkg $name ($FUZZTIME)"
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
		failed+=("$pkg $name")
	fi
done

echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
if ((${#failed[@]})); then
	printf 'fuzz: FAILED %s\n' "${failed[@]}"
	exit 1
fi
