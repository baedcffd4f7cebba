#!/usr/bin/env bash
# assets.sh [DIR] builds the control plane the e2e suite runs against
# (kube-apiserver and etcd) from the Go module proxy into DIR, because
# envtest's own binary download is not reachable from every CI network.
#
# The build is done once: when DIR already holds both binaries and they
# report the wanted versions, nothing is built. The directory is printed on
# stdout at the end, and everything else goes to stderr, so
#
#   export KUBEBUILDER_ASSETS=$(e2e/assets.sh)
#
# works. Only Go is needed (CGO is off). Versions can be overridden:
#   KUBE_VERSION    k8s.io/kubernetes version           (default v1.37.0)
#   STAGING_VERSION version of every k8s.io/<staging>    (default v0.<minor>.<patch> of KUBE_VERSION)
#   ETCD_VERSION    go.etcd.io/etcd/server/v3 version   (default v3.7.0)
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-v1.37.0}
STAGING_VERSION=${STAGING_VERSION:-v0.${KUBE_VERSION#v1.}}
ETCD_VERSION=${ETCD_VERSION:-v3.7.0}

if [[ $# -gt 1 ]]; then
	echo "usage: $0 [DIR]" >&2
	exit 2
fi
if [[ $# -eq 1 ]]; then
	dir=$1
else
	dir="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)/.cache/kubebuilder-assets"
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

log() { echo "e2e/assets: $*" >&2; }

# have reports whether DIR already holds both binaries at the wanted versions,
# saying so when its argument is "say".
# kube-apiserver prints "Kubernetes v1.37.0"; etcd prints "etcd Version: 3.7.0".
have() {
	local kv ev
	[[ -x $dir/kube-apiserver && -x $dir/etcd ]] || return 1
	kv=$("$dir/kube-apiserver" --version 2>/dev/null) || return 1
	ev=$("$dir/etcd" --version 2>/dev/null | sed -n 's/^etcd Version: //p') || return 1
	if [[ $kv != "Kubernetes $KUBE_VERSION" || $ev != "${ETCD_VERSION#v}" ]]; then
		log "have kube-apiserver '$kv', etcd '$ev'; want $KUBE_VERSION, $ETCD_VERSION: rebuilding"
		return 1
	fi
	if [[ ${1:-} == say ]]; then
		log "kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION already in $dir"
	fi
}

if have say; then
	echo "$dir"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sidecarctl-e2e-assets.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The throwaway modules resolve their own requirements (-mod=mod) and must not
# see a go.work or the caller's module.
export GOWORK=off CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
start=$SECONDS

# kube-apiserver. k8s.io/kubernetes requires its staging modules at v0.0.0 and
# replaces them with ./staging/src/k8s.io/<name>; those replaces do not apply
# to a module that depends on it, so every one is replaced with the published
# STAGING_VERSION here. The list comes from the kubernetes go.mod itself, so a
# new staging module is picked up without editing this script.
log "resolving k8s.io/kubernetes@$KUBE_VERSION"
kmod=$(cd "$work" && go list -m -f '{{.GoMod}}' "k8s.io/kubernetes@$KUBE_VERSION")
# go mod edit -print writes the go.mod in canonical form, one "old => new"
# per line whether or not it sits in a replace block.
mapfile -t staging < <(go mod edit -print "$kmod" |
	awk '{ for (i = 2; i < NF; i++) if ($i == "=>" && $(i + 1) ~ /^\.\/staging\//) print $(i - 1) }' | sort -u)
if [[ ${#staging[@]} -eq 0 ]]; then
	log "found no ./staging replace directives in $kmod"
	exit 1
fi
log "replacing ${#staging[@]} staging modules with $STAGING_VERSION"

mkdir -p "$work/kube" "$work/etcd" "$work/bin"
(
	cd "$work/kube"
	go mod init sidecarctl.local/e2e-assets/kube >/dev/null 2>&1
	args=("-require=k8s.io/kubernetes@$KUBE_VERSION")
	for m in "${staging[@]}"; do
		args+=("-replace=$m=$m@$STAGING_VERSION")
	done
	go mod edit "${args[@]}"
	minor=${KUBE_VERSION#v1.}
	minor=${minor%%.*}
	pkg=k8s.io/component-base/version
	ldflags="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
	log "building kube-apiserver $KUBE_VERSION"
	go build -trimpath -ldflags "$ldflags" -o "$work/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
)
log "kube-apiserver built in $((SECONDS - start))s"

# etcd, in a module of its own so that its dependency versions and the
# apiserver's do not raise each other.
etcd_start=$SECONDS
(
	cd "$work/etcd"
	go mod init sidecarctl.local/e2e-assets/etcd >/dev/null 2>&1
	go mod edit "-require=go.etcd.io/etcd/server/v3@$ETCD_VERSION"
	log "building etcd $ETCD_VERSION"
	go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3
)
log "etcd built in $((SECONDS - etcd_start))s"

# Move into place only once both are built, so an interrupted run never
# leaves a half-filled directory that looks complete.
mv -f "$work/bin/kube-apiserver" "$work/bin/etcd" "$dir/"
have || { log "built binaries do not report the wanted versions"; exit 1; }
log "built in $((SECONDS - start))s"
echo "$dir"
