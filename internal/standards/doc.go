// Package standards holds the repository-wide checks of sidecarctl's coding standards that
// no single package can make about itself. It has no code; see its tests.
package standards
