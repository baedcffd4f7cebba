#!/usr/bin/env bash
# run.sh BIN: runs every scenario of examples/ (a directory of numbered steps NN-name.args)
# with the sidecarctl binary BIN and compares each step's stdout, stderr and exit status with
# its golden files (NN-name.stdout, .stderr, .exit; a missing file means empty output or exit
# 0). It prints one line per scenario, "ok" or "FAIL" with its name and step count, and for a
# failing scenario the command and the diff of each step that differs. Exits 1 if any
# scenario fails. `go test ./examples` checks the same, and -update rewrites the golden files.
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
total=0
for dir in "$here"/*/; do
	name=$(basename "$dir")
	[ "$name" = testdata ] && continue
	steps=0
	: >"$tmp/report"
	for argsfile in "$dir"*.args; do
		[ -e "$argsfile" ] || continue
		step=$(basename "$argsfile" .args)
		steps=$((steps + 1))
		args=()
		while IFS= read -r line || [ -n "$line" ]; do
			case "$line" in '' | '#'*) continue ;; esac
			args+=("$line")
		done <"$argsfile"
		(cd "$dir" && "$bin" "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr")
		rc=$?
		if [ "$rc" -ne 0 ]; then echo "$rc" >"$tmp/exit"; else : >"$tmp/exit"; fi
		for part in stdout stderr exit; do
			golden="$dir$step.$part"
			[ -e "$golden" ] || golden=/dev/null
			if ! diff -u --label "$name/$step.$part (golden)" --label "$name/$step.$part (got)" "$golden" "$tmp/$part" >"$tmp/diff"; then
				{
					echo "  \$ sidecarctl ${args[*]}"
					sed 's/^/  /' "$tmp/diff"
				} >>"$tmp/report"
			fi
		done
	done
	[ "$steps" -eq 0 ] && continue
	total=$((total + 1))
	if [ -s "$tmp/report" ]; then
		failed=$((failed + 1))
		printf 'FAIL  %s (%d steps)\n' "$name" "$steps"
		cat "$tmp/report"
	else
		printf 'ok    %s (%d steps)\n' "$name" "$steps"
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "examples: $failed of $total scenarios differ from their golden files (go test ./examples -update rewrites them)" >&2
	exit 1
fi
echo "examples: all $total scenarios match their golden files"
