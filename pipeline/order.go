package pipeline

import (
	"slices"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// orderByCreation sorts the creations the way a cluster created them: by creationTimestamp,
// then by resourceVersion (the API server's counter, finer than the timestamp's second);
// objects without a timestamp (written by hand, to be created now) come after those with one,
// in the order given. Kruise validates each SidecarSet against the ones created before it, so
// `kubectl get sidecarsets -o yaml` (listed by name) admits like the cluster did.
func orderByCreation(cs []Creation) {
	slices.SortStableFunc(cs, compareCreation)
}

// compareCreation is orderByCreation's order: -1 when a was created before b, 0 when the
// order cannot tell them apart.
func compareCreation(a, b Creation) int {
	ta, ra := a.created()
	tb, rb := b.created()
	switch {
	case ta.IsZero() && tb.IsZero():
		return 0
	case ta.IsZero():
		return 1
	case tb.IsZero():
		return -1
	case !ta.Equal(tb):
		return ta.Compare(tb)
	}
	switch {
	case ra < 0 || rb < 0:
		return 0
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	return 0
}

// created returns the creation time and resourceVersion (-1 when it is not a number).
func (c Creation) created() (time.Time, int64) {
	var meta metav1.Object
	if c.SidecarSet != nil {
		meta = c.SidecarSet
	} else {
		meta = c.Profiles
	}
	rv, err := strconv.ParseInt(meta.GetResourceVersion(), 10, 64)
	if err != nil {
		rv = -1
	}
	return meta.GetCreationTimestamp().Time, rv
}
