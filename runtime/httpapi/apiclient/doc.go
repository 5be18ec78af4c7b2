// Package apiclient is a Go client of the API, generated with oapi-codegen from the OpenAPI
// document the server serves (openapi.json beside it, kept equal to the served one by the
// API's tests): the tests drive the real server through it, so that a document that cannot
// generate a working client fails the build. Only tests import it.
package apiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.json
