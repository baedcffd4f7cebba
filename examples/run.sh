#!/usr/bin/env bash
# run.sh BIN: runs every scenario step of examples/ with the sidecarctl binary BIN, prints each
# command and its stdout, and diffs stdout, stderr and exit status with the golden files
# (NN-name.stdout, .stderr, .exit; a missing file means empty output or exit 0).
# Exits non-zero if any step differs. `go test ./examples` checks the same, and -update
# rewrites the golden files.
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 path/to/sidecarctl" >&2
	exit 2
fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for dir in "$here"/*/; do
	name=$(basename "$dir")
	[ "$name" = testdata ] && continue
	for argsfile in "$dir"*.args; do
		[ -e "$argsfile" ] || continue
		step=$(basename "$argsfile" .args)
		args=()
		while IFS= read -r line || [ -n "$line" ]; do
			case "$line" in '' | '#'*) continue ;; esac
			args+=("$line")
		done <"$argsfile"
		echo "== $name/$step"
		echo "\$ sidecarctl ${args[*]}"
		(cd "$dir" && "$bin" "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr")
		rc=$?
		cat "$tmp/stdout"
		if [ "$rc" -ne 0 ]; then echo "$rc" >"$tmp/exit"; else : >"$tmp/exit"; fi
		for part in stdout stderr exit; do
			golden="$dir$step.$part"
			[ -e "$golden" ] || golden=/dev/null
			if ! diff -u --label "$name/$step.$part (golden)" --label "$name/$step.$part (got)" "$golden" "$tmp/$part"; then
				failed=1
			fi
		done
	done
done
if [ "$failed" -ne 0 ]; then
	echo "examples: output differs from the golden files (go test ./examples -update rewrites them)" >&2
	exit 1
fi
echo "examples: all scenarios match their golden files"
