# need_jsroot.sh - sourced by the JSROOT checks with $js set to tests/js: exits 77 (skip)
# when node or JSROOT is missing, or fails under ROOTFEED_REQUIRE_DATA=1.
if ! command -v node >/dev/null 2>&1 || [ ! -d "$js/node_modules/jsroot" ]; then
    echo "SKIP: node or JSROOT missing (run scripts/setup.sh: npm install --ignore-scripts jsroot in tests/js)"
    [ "$ROOTFEED_REQUIRE_DATA" = 1 ] && { echo "0 passed, 1 failed"; exit 1; }
    exit 77
fi
