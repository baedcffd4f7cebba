package finding

// Cross-namespace namespace/name references and SidecarSetResourceBindings (package binding).
const (
	MalformedReference          Code = "malformed_reference"
	UnauthorizedReference       Code = "unauthorized_reference"
	CrossNamespaceOnRegularNode Code = "cross_namespace_on_regular_node"
	ReferenceMirrored           Code = "reference_mirrored"
	UnknownBindingSubject       Code = "unknown_binding_subject"
)

func bindingCodes() []Description {
	return []Description{
		{MalformedReference, AreaBinding, "a reference with a slash that is not a valid <namespace>/<name>"},
		{UnauthorizedReference, AreaBinding, "no binding in the object's namespace names both the SidecarSet and the object"},
		{CrossNamespaceOnRegularNode, AreaBinding, "the SidecarSet can reach regular-node pods, whose kubelet cannot resolve <namespace>/<name>"},
		{ReferenceMirrored, AreaBinding, "a regular-node pod's <namespace>/<name> reference that a binding grants now names the copy in the pod's namespace (one into its own namespace, the plain name)"},
		{UnknownBindingSubject, AreaBinding, "a binding's subject names a SidecarSet the checked state does not hold (a typo, or a SidecarSet not given)"},
	}
}
