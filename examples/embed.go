// Package examples holds the example bundle of 许昌 matters, embedded so that
// `tongban serve --demo` works from the binary alone.
package examples

import "embed"

// Bundle is the example bundle: orgs.json, calendar/, connectors/, the shared print/ templates
// matters/ and themes/.
//
//go:embed orgs.json calendar connectors matters print themes
var Bundle embed.FS

// Dashboards are the example dashboards (数据看板), one JSON spec a file, published by
// `tongban serve --demo`.
//
//go:embed dashboards
var Dashboards embed.FS
