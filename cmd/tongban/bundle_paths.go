package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/xuchang-gov/tongban/definitions"
)

// bundleSelection is the matter folders asked for, grouped by the bundle root they belong to.
type bundleSelection struct {
	root       string
	matterDirs []string // relative to root, slash-separated
}

// selectBundles resolves command-line paths: a matter folder, a folder of matters, or a bundle
// root. The bundle root is the nearest folder at or above the path that holds orgs.json.
func (cli *CLI) selectBundles(paths []string) ([]*bundleSelection, error) {
	byRoot := map[string]*bundleSelection{}
	var order []string
	for _, p := range paths {
		abs := cli.abs(p)
		if info, err := os.Stat(abs); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("%s 不是目录", p)
		}
		root, err := findBundleRoot(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		sel := byRoot[root]
		if sel == nil {
			sel = &bundleSelection{root: root}
			byRoot[root] = sel
			order = append(order, root)
		}
		dirs, err := matterDirsUnder(abs)
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			rel, _ := filepath.Rel(root, d)
			sel.matterDirs = append(sel.matterDirs, filepath.ToSlash(rel))
		}
	}
	out := make([]*bundleSelection, len(order))
	for i, r := range order {
		out[i] = byRoot[r]
	}
	return out, nil
}

func findBundleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, definitions.OrgsFile)); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("找不到 %s（应在事项目录的上级目录中）", definitions.OrgsFile)
		}
		d = parent
	}
}

// matterDirsUnder lists the matter and theme folders at or below dir (those holding
// matter.json or theme.json).
func matterDirsUnder(dir string) ([]string, error) {
	for _, name := range []string{definitions.MatterFile, definitions.ThemeFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return []string{dir}, nil
		}
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (d.Name() == definitions.MatterFile || d.Name() == definitions.ThemeFile) {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs, err
}

// loadSelection loads and compiles one bundle selection; problems name files as the user sees them.
func (cli *CLI) loadSelection(sel *bundleSelection) (*definitions.Plan, definitions.Problems) {
	b, problems := definitions.Load(os.DirFS(sel.root), sel.matterDirs...)
	plan, more := definitions.Compile(b)
	problems = append(problems, more...)
	for i := range problems {
		problems[i].File = cli.rel(filepath.Join(sel.root, filepath.FromSlash(problems[i].File)))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return plan, nil
}
