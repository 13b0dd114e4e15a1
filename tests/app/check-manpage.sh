#!/usr/bin/env bash
# Every command and option that `shoal ... --help` lists must be in the man page, so that
# the two never drift apart. Usage: check-manpage.sh SHOAL_BINARY MAN_PAGE
set -euo pipefail
shoal="$1"
page="$2"
missing=0

# groff escapes the dashes of options: --status-json is written \-\-status\-json.
in_page() { grep -qF -- "$(printf '%s' "$1" | sed 's/-/\\-/g')" "$page"; }

for command in run config proxy ps stats scale down start stop restart; do
    if ! in_page "$command"; then
        echo "man page lacks the command: $command"
        missing=1
    fi
    options=$({ "$shoal" "$command" --help 2>&1 || true; } | grep -oE -- '--[a-z][a-z-]+' | grep -vx -- '--help-all' | sort -u)
    for option in $options; do
        if ! in_page "$option"; then
            echo "man page lacks $option of shoal $command"
            missing=1
        fi
    done
done
for option in --version --help; do
    in_page "$option" || { echo "man page lacks $option"; missing=1; }
done
exit "$missing"
