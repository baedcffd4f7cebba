// Package injector combines the two halves of sidecarctl's injection for one pod: the
// app-container part of injection profiles (translate.AppPatch, which no SidecarSet can
// express) and SidecarSet injection (sidecarset.Inject). The offline `inject` command and the
// in-cluster webhook both call Injector.Pod, so a pod gets the same result on either path.
package injector
