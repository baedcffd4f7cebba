// Package sidecarset is sidecarctl's SidecarSet injection engine.
package sidecarset
