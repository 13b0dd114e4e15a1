#!/usr/bin/env bash
# Renders shoal.svg into the PNG sizes that hicolor themes and the window use. The PNGs are
# committed, so only whoever changes the SVG needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for size in 16 22 24 32 48 64 128 256; do
    rsvg-convert --width "$size" --height "$size" --output "$here/shoal-$size.png" \
        "$here/shoal.svg"
    echo "rendered $here/shoal-$size.png"
done
