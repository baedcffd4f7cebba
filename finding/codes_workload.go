package finding

// What happened to one object of the input (package sidecarset/workload).
const (
	Mutated         Code = "mutated"
	Unchanged       Code = "unchanged"
	UnsupportedKind Code = "unsupported_kind"
	NoPodTemplate   Code = "no_pod_template"
	NotSelected     Code = "not_selected"
)

func workloadCodes() []Description {
	return []Description{
		{Mutated, AreaWorkload, "the object's pod (template) changed and was written back"},
		{Unchanged, AreaWorkload, "the object's pod (template) did not change"},
		{UnsupportedKind, AreaWorkload, "the kind has no known pod template; the object passes through untouched"},
		{NoPodTemplate, AreaWorkload, "a supported kind without an inline pod template (templateRef, poolRef); it passes through untouched"},
		{NotSelected, AreaWorkload, "the -l selector does not pick the object: inject and uninject pass it through untouched, explain and audit skip it"},
	}
}
