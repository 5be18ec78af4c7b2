package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/excel"
)

func init() {
	commands["catalog"] = command{
		summary: "事项目录与 Excel 互转：export 导出，import 导回（有任何错误时不写入文件）",
		run:     runCatalog,
	}
}

const catalogUsage = `用法:
  tongban catalog export [-o catalog.xlsx] PATH...
      把所选事项的 matter.json 导出为一个 Excel 表（每个事项一行）
  tongban catalog import catalog.xlsx PATH...
      按“事项目录名（slug）”把表中各行写回 PATH 下对应事项的 matter.json；
      有任何单元格不合格或找不到事项目录时，列出全部问题（工作表!单元格: 说明），不写入任何文件
  PATH 是一个事项目录、事项目录的上级目录或定义包根目录（含 orgs.json）；选项可写在 PATH 前后`

func runCatalog(_ context.Context, cli *CLI, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(cli.Stderr, catalogUsage)
		return 2
	}
	switch args[0] {
	case "export":
		return runCatalogExport(cli, args[1:])
	case "import":
		return runCatalogImport(cli, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(cli.Stdout, catalogUsage)
		return 0
	}
	fmt.Fprintf(cli.Stderr, "tongban catalog: 未知的子命令 %q\n\n%s\n", args[0], catalogUsage)
	return 2
}

func runCatalogExport(cli *CLI, args []string) int {
	fs := flag.NewFlagSet("catalog export", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	out := fs.String("o", "catalog.xlsx", "导出的 Excel 文件")
	fs.Usage = func() { fmt.Fprintln(cli.Stderr, catalogUsage) }
	paths, err := parseInterspersed(fs, args)
	if err != nil || len(paths) == 0 {
		fs.Usage()
		return 2
	}
	sels, err := cli.selectBundles(paths)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban catalog export:", err)
		return 1
	}
	var rows []excel.CatalogRow
	failed := false
	for _, sel := range sels {
		for _, dir := range sel.matterDirs {
			m, err := cli.readMatter(filepath.Join(sel.root, filepath.FromSlash(dir), definitions.MatterFile))
			if err != nil {
				fmt.Fprintln(cli.Stdout, err)
				failed = true
				continue
			}
			rows = append(rows, excel.CatalogRow{Slug: path.Base(dir), Matter: m})
		}
	}
	if failed {
		fmt.Fprintln(cli.Stderr, "tongban catalog export: matter.json 有问题，未导出")
		return 1
	}
	if len(rows) == 0 {
		fmt.Fprintf(cli.Stderr, "tongban catalog export: %s 下没有事项（matter.json）\n", strings.Join(paths, " "))
		return 1
	}
	var buf bytes.Buffer
	if err := excel.WriteCatalog(&buf, rows); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban catalog export:", err)
		return 1
	}
	if err := app.WriteFileAtomic(cli.abs(*out), buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban catalog export:", err)
		return 1
	}
	fmt.Fprintf(cli.Stderr, "已导出 %d 个事项到 %s\n", len(rows), *out)
	return 0
}

// readMatter reads and decodes a matter.json, checked against the format schema. Only matter.json
// is read: the catalog can be exported while other files of a matter are still being worked on.
func (cli *CLI) readMatter(file string) (definitions.Matter, error) {
	var m definitions.Matter
	shown := cli.rel(file)
	raw, err := os.ReadFile(file)
	if err != nil {
		return m, fmt.Errorf("%s: 无法读取：%w", shown, err)
	}
	canon, err := definitions.Canonical(shown, raw)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(canon, &m); err != nil {
		return m, fmt.Errorf("%s: %w", shown, err)
	}
	return m, nil
}

// matterUpdate is one matter.json that an import changes.
type matterUpdate struct {
	row  excel.CatalogRow
	sel  *bundleSelection
	dir  string // the matter folder, relative to sel.root, slash-separated
	file string
	mode fs.FileMode
	data []byte
}

func runCatalogImport(cli *CLI, args []string) int {
	fs := flag.NewFlagSet("catalog import", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	fs.Usage = func() { fmt.Fprintln(cli.Stderr, catalogUsage) }
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) < 2 {
		fs.Usage()
		return 2
	}
	workbook, paths := pos[0], pos[1:]
	f, err := os.Open(cli.abs(workbook))
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban catalog import:", err)
		return 1
	}
	rows, cellErrs := excel.ReadCatalog(f)
	f.Close()
	sels, err := cli.selectBundles(paths)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban catalog import:", err)
		return 1
	}

	var problems []string
	badRows := map[string]bool{} // by row number, as text
	for _, e := range cellErrs {
		problems = append(problems, e.String())
		badRows[e.Row()] = true
	}
	report := func(r excel.CatalogRow, pointer, msg string) {
		problems = append(problems, excel.CellError{Sheet: excel.SheetName, Cell: r.Cell(pointer), Message: msg}.String())
	}

	// Each row's matter folder, by slug.
	type target struct {
		sel *bundleSelection
		dir string
	}
	bySlug := map[string][]target{}
	for _, sel := range sels {
		for _, dir := range sel.matterDirs {
			slug := path.Base(dir)
			bySlug[slug] = append(bySlug[slug], target{sel, dir})
		}
	}
	var updates []*matterUpdate
	unchanged := 0
	for _, r := range rows {
		if r.Slug == "" {
			continue // reported by ReadCatalog
		}
		targets := bySlug[r.Slug]
		switch {
		case len(targets) == 0:
			report(r, "", fmt.Sprintf("在 %s 下找不到事项目录 %s", strings.Join(paths, " "), r.Slug))
			continue
		case len(targets) > 1:
			var dirs []string
			for _, t := range targets {
				dirs = append(dirs, cli.rel(filepath.Join(t.sel.root, filepath.FromSlash(t.dir))))
			}
			report(r, "", fmt.Sprintf("事项目录名 %s 对应多个目录：%s", r.Slug, strings.Join(dirs, "、")))
			continue
		}
		if badRows["1"] || badRows["1:1"] || badRows[(excel.CellError{Cell: r.Cell("")}).Row()] {
			continue // the row is incomplete: its matter cannot be checked as a whole
		}
		u := &matterUpdate{row: r, sel: targets[0].sel, dir: targets[0].dir}
		u.file = filepath.Join(u.sel.root, filepath.FromSlash(u.dir), definitions.MatterFile)
		changed, err := u.prepare(cli.rel(u.file))
		if err != nil {
			report(r, "", err.Error())
			continue
		}
		if changed {
			updates = append(updates, u)
		} else {
			unchanged++
		}
	}
	problems = append(problems, cli.checkUpdates(updates)...)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(cli.Stdout, p)
		}
		fmt.Fprintf(cli.Stderr, "tongban catalog import: %d 个问题，未写入任何文件\n", len(problems))
		return 1
	}

	for _, u := range updates {
		if err := app.WriteFileAtomic(u.file, u.data, u.mode); err != nil {
			fmt.Fprintln(cli.Stderr, "tongban catalog import:", err)
			return 1
		}
		fmt.Fprintln(cli.Stdout, cli.rel(u.file))
	}
	if unchanged > 0 {
		fmt.Fprintf(cli.Stderr, "已更新 %d 个事项，%d 个无变化\n", len(updates), unchanged)
	} else {
		fmt.Fprintf(cli.Stderr, "已更新 %d 个事项\n", len(updates))
	}
	return 0
}

// prepare works out the new matter.json (excel.CatalogRow.MatterJSON) and reports whether it
// differs from the file.
func (u *matterUpdate) prepare(shown string) (bool, error) {
	old, err := os.ReadFile(u.file)
	if err != nil {
		return false, fmt.Errorf("无法读取 %s：%w", shown, err)
	}
	info, err := os.Stat(u.file)
	if err != nil {
		return false, err
	}
	u.mode = info.Mode().Perm()
	var changed bool
	u.data, changed, err = u.row.MatterJSON(shown, old)
	return changed, err
}

// checkUpdates checks the changed matters with the rest of their bundle as they will be
// (orgs, fees, workflow: a promised limit above the legal one, an org not in orgs.json, a fee
// for a matter now marked free) and returns each problem the import brings in: those in
// matter.json at the cell it came from, others at their file.
func (cli *CLI) checkUpdates(updates []*matterUpdate) []string {
	bySel := map[*bundleSelection][]*matterUpdate{}
	var sels []*bundleSelection
	for _, u := range updates {
		if bySel[u.sel] == nil {
			sels = append(sels, u.sel)
		}
		bySel[u.sel] = append(bySel[u.sel], u)
	}
	var problems []string
	for _, sel := range sels {
		us := bySel[sel]
		dirs := make([]string, len(us))
		files := map[string][]byte{}
		rowOf := map[string]excel.CatalogRow{}
		for i, u := range us {
			dirs[i] = u.dir
			name := path.Join(u.dir, definitions.MatterFile)
			files[name] = u.data
			rowOf[name] = u.row
		}
		base := os.DirFS(sel.root)
		before := map[string]bool{}
		for _, p := range checkBundle(base, dirs) {
			before[p.String()] = true
		}
		for _, p := range checkBundle(overlayFS{base, files}, dirs) {
			if before[p.String()] {
				continue // there before the import
			}
			if r, ok := rowOf[p.File]; ok {
				problems = append(problems, excel.CellError{Sheet: excel.SheetName, Cell: r.Cell(p.Pointer), Message: p.Message}.String())
				continue
			}
			p.File = cli.rel(filepath.Join(sel.root, filepath.FromSlash(p.File)))
			problems = append(problems, p.String())
		}
	}
	return problems
}

func checkBundle(fsys fs.FS, dirs []string) definitions.Problems {
	b, problems := definitions.Load(fsys, dirs...)
	_, more := definitions.Compile(b)
	return append(problems, more...)
}

// parseInterspersed parses flags wherever they appear among the arguments (the flag package
// stops at the first argument that is not a flag) and returns the other arguments in order.
// Everything after "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if consumed := args[:len(args)-len(left)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(rest, left...), nil
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// overlayFS is a file system with some files replaced, to check a bundle as an import would
// leave it before anything is written.
type overlayFS struct {
	fs.FS
	files map[string][]byte // by slash-separated path
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if data, ok := o.files[name]; ok {
		return &memFile{name: path.Base(name), Reader: bytes.NewReader(data)}, nil
	}
	return o.FS.Open(name)
}

func (o overlayFS) ReadFile(name string) ([]byte, error) {
	if data, ok := o.files[name]; ok {
		return slices.Clone(data), nil
	}
	return fs.ReadFile(o.FS, name)
}

// memFile is an overlay file; it is its own FileInfo (Size is the Reader's).
type memFile struct {
	*bytes.Reader
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f, nil }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Name() string               { return f.name }
func (f *memFile) Mode() fs.FileMode          { return 0o444 }
func (f *memFile) ModTime() time.Time         { return time.Time{} }
func (f *memFile) IsDir() bool                { return false }
func (f *memFile) Sys() any                   { return nil }

var _ fs.ReadFileFS = overlayFS{}
