package httpapi_test

import (
	"io/fs"
	"strings"
)

func fsWalk(fsys fs.FS, root string, visit func(name string, data []byte)) error {
	return fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".json") {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err == nil {
			visit(name, data)
		}
		return err
	})
}
