// Package web holds kiban's web UI: HTML templates and static assets,
// embedded in the binary so that there is no separate front-end build.
package web

import "embed"

// Templates are html/template files: layout.html and one file per page.
//
//go:embed templates/*.html
var Templates embed.FS

// Static are the stylesheet, script and icon served under /static/.
//
//go:embed static
var Static embed.FS
