package finding

// Cross-namespace namespace/name references and SidecarSetResourceBindings (package binding).
const (
	MalformedReference          Code = "malformed_reference"
	UnauthorizedReference       Code = "unauthorized_reference"
	CrossNamespaceOnRegularNode Code = "cross_namespace_on_regular_node"
)

var bindingCodes = []Description{
	{MalformedReference, AreaBinding, "a reference with a slash that is not a valid <namespace>/<name>"},
	{UnauthorizedReference, AreaBinding, "no binding in the object's namespace names both the SidecarSet and the object"},
	{CrossNamespaceOnRegularNode, AreaBinding, "the SidecarSet can reach regular-node pods, whose kubelet cannot resolve <namespace>/<name>"},
}
