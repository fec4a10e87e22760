# harness.sh -- the pass/fail counting shared by the tests/cli_*.sh scripts
# (sourced).  Every failed check is printed and counted; the script ends
# with `finish NAME`, which prints the totals and fails if any check did.
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { local what=$1; shift; if "$@"; then ok; else bad "$what"; fi; }
finish() { echo "$1: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
