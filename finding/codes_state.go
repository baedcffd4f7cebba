package finding

// Admitting the cluster state: files or a cluster (package pipeline).
const (
	UnknownField Code = "unknown_field"
)

var stateCodes = []Description{
	{UnknownField, AreaState, "a field the object's type does not have: kubectl rejects it by default, the API server drops it"},
}
