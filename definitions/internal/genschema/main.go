// Command genschema writes the definition format's JSON Schemas from the Go types, so that the
// published schemas never drift from what the loader decodes. Run by `go generate ./definitions`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/xuchang-gov/tongban/definitions/internal/formatschema"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genschema DIR")
		os.Exit(2)
	}
	files, err := formatschema.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(os.Args[1], name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
