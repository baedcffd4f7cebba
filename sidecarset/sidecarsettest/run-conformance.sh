#!/usr/bin/env bash
# Runs Kruise conformance cases through `sidecarctl inject`, the way a user would: the case's
# pod with -f, its Namespaces, ConfigMaps, ControllerRevisions and SidecarSets (in order) with
# --from, its feature gates and flags; then compares the results with compare.py.
# usage: run-conformance.sh SIDECARCTL CONFORMANCE_DIR [compare.py options]
set -euo pipefail
bin=$1 dir=$2; shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/actual"
for case in "$dir"/cases/*.json; do
  name=$(basename "$case" .json)
  python3 - "$case" "$work/$name" <<'PY'
import json, sys
case, out = json.load(open(sys.argv[1])), sys.argv[2]
json.dump(case["pod"], open(out + ".pod.json", "w"))
with open(out + ".state.json", "w") as f:
    for key in ("namespaces", "configMaps", "controllerRevisions", "sidecarSets"):
        for obj in case.get(key) or []:
            f.write(json.dumps(obj) + "\n")
args = []
gates = case.get("featureGates") or {}
if gates:
    args.append("--feature-gates=" + ",".join("%s=%s" % (k, str(v).lower()) for k, v in sorted(gates.items())))
if case.get("allowPrivileged") is False:
    args.append("--allow-privileged=false")
if case.get("sidecarSetMutatingWebhook") is False:
    args.append("--skip-sidecarset-defaulting")
if case.get("sidecarSetValidatingWebhook") is False:
    args.append("--skip-sidecarset-validation")
if case.get("sidecarSetController"):
    args.append("--record-revisions")
if case.get("operation", "CREATE") != "CREATE":
    args.append("--operation=" + case["operation"])
open(out + ".args", "w").write("\n".join(args))
PY
  mapfile -t extra < "$work/$name.args"
  if ! "$bin" inject -q -o json -f "$work/$name.pod.json" --from "$work/$name.state.json" "${extra[@]}" \
      >"$work/actual/$name.json" 2>"$work/$name.err"; then
    python3 -c 'import json,sys; print(json.dumps({"error": open(sys.argv[1]).read().strip()}))' "$work/$name.err" >"$work/actual/$name.json"
  fi
done
python3 "$dir/compare.py" "$dir/expected" "$work/actual" "$@"
