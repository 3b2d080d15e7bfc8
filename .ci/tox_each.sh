#!/usr/bin/env bash
# usage: tox_each.sh TOX [tox run options]
# Runs the tox envlist one env at a time and deletes each env's directory as soon as it has run.
# The envs that install PyTorch take 1 GB each and torchvision's (a CUDA build of torch) 5.7 GB:
# together they fill a CI machine's disk, one at a time they fit. Exits non-zero if any env failed,
# after running all of them, and prints each env's result and time like tox's own summary.
set -uo pipefail
tox=$1
shift
failed=0
summary=()
for env in $("$tox" list --no-desc -q); do
    start=$SECONDS
    if "$tox" run -e "$env" "$@"; then
        result=OK
    else
        result=FAIL
        failed=1
    fi
    rm -rf ".tox/$env"
    summary+=("  $env: $result in $((SECONDS - start)) s (disk free after: $(df -h --output=avail . | tail -1 | tr -d ' '))")
done
echo "tox envs, one at a time:"
printf '%s\n' "${summary[@]}"
exit $failed
