// Package clusterstate reads the cluster state sidecarctl's pipeline admits from a live
// cluster, through any controller-runtime client.Reader: the server's informer cache, or a
// direct client for the CLI's --from-cluster. Both read the same kinds the same way, in
// creation order, so a command run against a cluster and the webhook serving it see one state.
package clusterstate
