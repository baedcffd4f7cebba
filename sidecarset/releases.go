package sidecarset

import (
	"fmt"
	"strconv"
	"strings"
)

// Version selects whose behaviour the engine reproduces. Its value names the first Kruise tag
// of one emulated release ("1.5.1" stands for v1.5.1 to v1.5.5); the empty Version is the
// default, KruiseV18. ParseVersion turns what a user types (a minor release, a tag, an image
// tag) into one of them.
type Version string

// The emulated releases (releases below). A minor release has one Version unless a patch
// release inside it changed SidecarSet behaviour (sidecarset/BEHAVIOUR.md §5.14).
const (
	// KruiseV13 is OpenKruise v1.3.0's behaviour, the feature level of Alibaba Cloud virtual
	// nodes (ECI/ACS). See sidecarset/BEHAVIOUR.md §5.
	KruiseV13 Version = "1.3"
	// KruiseV14 is v1.4.0 to v1.4.2.
	KruiseV14 Version = "1.4"
	// KruiseV150 is v1.5.0 alone: before #1402 and #1453.
	KruiseV150 Version = "1.5.0"
	// KruiseV151 is v1.5.1 to v1.5.5.
	KruiseV151 Version = "1.5.1"
	// KruiseV16 is v1.6.0 to v1.6.4.
	KruiseV16 Version = "1.6"
	// KruiseV170 is v1.7.0 alone: before #1719.
	KruiseV170 Version = "1.7.0"
	// KruiseV171 is v1.7.1 to v1.7.4, the last tags of the 1.7 line.
	KruiseV171 Version = "1.7.1"
	// KruiseV18 is OpenKruise v1.8's webhook behaviour (the default): v1.8.0 to v1.8.4, and
	// tag v1.7.5, which is cut from the 1.8 line.
	KruiseV18 Version = "1.8"
	// KruiseV19 is OpenKruise v1.9.0: v1beta1 storage, resourcesPolicy,
	// shareVolumeDevicePolicy and device volumes (sidecarset/BEHAVIOUR.md §8).
	KruiseV19 Version = "1.9"
)

// release is one row of the list of emulated releases: the Version, the first tag with its
// behaviour (minor and patch of 1.minor.patch) and the tags it stands for. An alias row maps
// later tags of a minor to another release's code.
type release struct {
	version      Version
	minor, patch int
	tags         string
	alias        bool
}

// releases returns the emulated Kruise releases, oldest first; adding a release is one row here
// and its column in behaviourOf (versions.go). Patch releases not listed behave as the row
// before them (sidecarset/BEHAVIOUR.md §5.14).
func releases() []release {
	return []release{
		{version: KruiseV13, minor: 3, tags: "v1.3.0"},
		{version: KruiseV14, minor: 4, tags: "v1.4.0 to v1.4.2"},
		{version: KruiseV150, minor: 5, tags: "v1.5.0"},
		{version: KruiseV151, minor: 5, patch: 1, tags: "v1.5.1 to v1.5.5"},
		{version: KruiseV16, minor: 6, tags: "v1.6.0 to v1.6.4"},
		{version: KruiseV170, minor: 7, tags: "v1.7.0"},
		{version: KruiseV171, minor: 7, patch: 1, tags: "v1.7.1 to v1.7.4"},
		// Tag v1.7.5 points at v1.8.3's commit, on the 1.8 line.
		{version: KruiseV18, minor: 7, patch: 5, alias: true},
		{version: KruiseV18, minor: 8, tags: "v1.8.0 to v1.8.4, and tag v1.7.5"},
		{version: KruiseV19, minor: 9, tags: "v1.9.0"},
	}
}

// Releases returns the emulated releases, oldest first: the values --kruise-version offers.
func Releases() []Version {
	var out []Version
	for _, r := range releases() {
		if !r.alias {
			out = append(out, r.version)
		}
	}
	return out
}

// Tags returns the Kruise tags that behave as v ("v1.5.1 to v1.5.5"); empty for a Version that
// is not an emulated release.
func (v Version) Tags() string {
	if r, ok := v.lookup(); ok {
		return r.tags
	}
	return ""
}

// ParseVersion accepts an emulated release, a minor release or any tag, with or without "v":
// "1.8", "v1.5.1", "1.7.4", "v1.8.2". A minor release means its last patch ("1.5" is
// KruiseV151); a patch release means the release whose code it runs ("1.5.3" is KruiseV151,
// "1.7.5" is KruiseV18). The empty string is KruiseV18.
func ParseVersion(s string) (Version, error) {
	v := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if v == "" {
		return KruiseV18, nil
	}
	minor, patch, ok := splitVersion(v)
	if ok {
		var found *release
		rels := releases()
		for i := range rels {
			r := &rels[i]
			if r.minor == minor && (patch < 0 && !r.alias || patch >= r.patch) {
				found = r
			}
		}
		if found != nil {
			return found.version, nil
		}
	}
	return "", fmt.Errorf("unsupported Kruise version %q: use one of %s, or a tag of those releases", s, acceptedList())
}

// splitVersion reads "1.M" (patch -1) or "1.M.P".
func splitVersion(v string) (minor, patch int, ok bool) {
	parts := strings.Split(v, ".")
	if (len(parts) != 2 && len(parts) != 3) || parts[0] != "1" {
		return 0, 0, false
	}
	nums := []int{0, -1}
	for i, p := range parts[1:] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strconv.Itoa(n) != p {
			return 0, 0, false
		}
		nums[i] = n
	}
	return nums[0], nums[1], true
}

func acceptedList() string {
	rels := Releases()
	names := make([]string, 0, len(rels))
	for _, v := range rels {
		names = append(names, string(v))
	}
	return strings.Join(names, ", ")
}

// lookup returns v's row; the empty Version is KruiseV18's.
func (v Version) lookup() (release, bool) {
	if v == "" {
		v = KruiseV18
	}
	for _, r := range releases() {
		if r.version == v && !r.alias {
			return r, true
		}
	}
	return release{}, false
}

// at returns the minor and patch release of v's first tag. Anything that is not an emulated
// release is the default, v1.8.
func (v Version) at() (minor, patch int) {
	r, ok := v.lookup()
	if !ok {
		r, _ = KruiseV18.lookup()
	}
	return r.minor, r.patch
}

// since reports whether v is release from or a later one.
func (v Version) since(from Version) bool {
	m, p := v.at()
	fm, fp := from.at()
	return m > fm || (m == fm && p >= fp)
}

// kruise names the release for messages: "Kruise v1.8", "Kruise v1.5.1".
func (v Version) kruise() string {
	r, ok := v.lookup()
	if !ok {
		r, _ = KruiseV18.lookup()
	}
	return "Kruise v" + string(r.version)
}
