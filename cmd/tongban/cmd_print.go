package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/cmd/tongban/app"
	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/pdf"
	"github.com/xuchang-gov/tongban/runtime"
)

func init() {
	commands["print"] = command{
		summary: "用示例数据把打印模板排成 PDF 预览：tongban print 模板.json [--matter 事项] [--data 数据.json] -o 输出.pdf",
		run:     runPrint,
	}
}

func runPrint(_ context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	data := fs.String("data", "", "申请数据 JSON 文件，模板中的 form；默认用事项的 sample.json")
	matter := fs.String("matter", "", "事项标识（matters 下的目录名）：共用模板用哪个事项的数据排版")
	out := fs.String("o", "", "输出的 PDF 文件")
	mode := fs.String("mode", "", "打印方式：electronic（电子证照）或 overprint（套打）；默认按模板")
	offsetX := fs.Float64("offset-x", 0, "套打时整体右移的毫米数（打印机校准，可为负）")
	offsetY := fs.Float64("offset-y", 0, "套打时整体下移的毫米数（打印机校准，可为负）")
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban print TEMPLATE.json [--matter 事项] [--data DATA.json] -o OUT.pdf [--mode overprint --offset-x 毫米 --offset-y 毫米]")
		fmt.Fprintln(cli.Stderr, "  TEMPLATE.json 是事项目录下的 print/<名称>.json，或定义包根目录下 print/<名称>.json 的共用模板（须用 --matter 指定事项）；")
		fmt.Fprintln(cli.Stderr, "  证照编号、发证日期、通知书编号等用示例值（示例-0001、今天、有效期五年、示例-通知-0001）")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) != 1 || *out == "" {
		fs.Usage()
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(cli.Stderr, "tongban print: "+format+"\n", args...)
		return 1
	}

	tmplPath := cli.abs(pos[0])
	printDir := filepath.Dir(tmplPath)
	if filepath.Base(printDir) != definitions.PrintDir || filepath.Ext(tmplPath) != ".json" {
		return fail("%s 不是打印模板：模板应为事项目录或定义包根目录下的 %s/<名称>.json", pos[0], definitions.PrintDir)
	}
	if _, err := os.Stat(tmplPath); err != nil {
		return fail("找不到模板 %s", pos[0])
	}
	name := strings.TrimSuffix(filepath.Base(tmplPath), ".json")
	owner := filepath.Dir(printDir) // the matter folder, or the bundle root for a shared template
	shared := false
	matterDir := owner
	if _, err := os.Stat(filepath.Join(owner, definitions.MatterFile)); err != nil {
		if _, err := os.Stat(filepath.Join(owner, definitions.OrgsFile)); err != nil {
			return fail("%s 不在事项目录或定义包根目录中（%s 旁既没有 %s，也没有 %s）", pos[0], definitions.PrintDir, definitions.MatterFile, definitions.OrgsFile)
		}
		shared = true
		slugs := matterSlugs(owner)
		if *matter == "" {
			return fail("%s 是各事项共用的模板，请用 --matter 指定用哪个事项的数据排版（可选：%s）", pos[0], strings.Join(slugs, "、"))
		}
		if !slices.Contains(slugs, *matter) {
			return fail("没有事项 %s（可选：%s）", *matter, strings.Join(slugs, "、"))
		}
		matterDir = filepath.Join(owner, definitions.MattersDir, *matter)
	} else if *matter != "" && *matter != filepath.Base(owner) {
		return fail("模板 %s 属于事项 %s，不能用于事项 %s；共用模板在定义包根目录的 %s/ 下", pos[0], filepath.Base(owner), *matter, definitions.PrintDir)
	}
	sels, err := cli.selectBundles([]string{matterDir})
	if err != nil {
		return fail("%v", err)
	}
	plan, problems := cli.loadSelection(sels[0])
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(cli.Stderr, p.String())
		}
		return fail("事项定义有 %d 个问题，先用 tongban validate 修正", len(problems))
	}
	mp := plan.Matters()[0]
	if _, own := mp.Def.Prints[name]; shared && own {
		return fail("事项 %s 有自己的模板 %s/%s.json，代替了共用模板；请打印 %s", mp.Def.Slug, definitions.PrintDir, name,
			cli.rel(filepath.Join(matterDir, definitions.PrintDir, name+".json")))
	}
	cp := mp.Prints[name]
	if cp == nil {
		return fail("事项 %s 没有模板 %s", mp.Def.Slug, name)
	}

	var raw []byte
	dataName := *data
	if dataName != "" {
		if raw, err = os.ReadFile(cli.abs(dataName)); err != nil {
			return fail("无法读取数据文件：%v", err)
		}
	} else {
		if len(mp.Def.Sample) == 0 {
			return fail("事项 %s 没有 %s，请用 --data 指定申请数据", mp.Def.Slug, definitions.SampleFile)
		}
		raw = mp.Def.Sample
		dataName = cli.rel(filepath.Join(matterDir, definitions.SampleFile))
	}
	var form any
	if err := json.Unmarshal(raw, &form); err != nil {
		return fail("%s 不是有效的 JSON：%v", dataName, err)
	}
	for _, e := range mp.Form.ValidateJSON(raw) {
		fmt.Fprintf(cli.Stderr, "提示：%s:%s: %s（数据不符合表单，仍按原样排版）\n", dataName, e.Pointer, e.Message)
	}
	vars, err := pdf.PreviewVars(mp, cp, form, time.Now().In(runtime.Zone))
	if err != nil {
		return fail("%v", err)
	}
	opts := pdf.Options{Mode: *mode, OffsetXMM: *offsetX, OffsetYMM: *offsetY}
	if bg := cp.Template.Background; bg != "" {
		// the background picture lies beside the template
		if img, err := os.ReadFile(filepath.Join(printDir, filepath.FromSlash(bg))); err == nil {
			opts.Images = map[string][]byte{bg: img}
		}
	}
	var buf bytes.Buffer
	if err := pdf.Render(&buf, cp, vars, opts); err != nil {
		var perr *pdf.Error
		if errors.As(err, &perr) {
			fmt.Fprintf(cli.Stderr, "%s:%s: %s\n", cli.rel(tmplPath), perr.Pointer, perr.Message)
			return fail("无法排版，见上")
		}
		return fail("%v", err)
	}
	outPath := cli.abs(*out)
	if err := app.WriteFileAtomic(outPath, buf.Bytes(), 0o644); err != nil {
		return fail("无法写入 %s：%v", *out, err)
	}
	fmt.Fprintln(cli.Stdout, cli.rel(outPath))
	return 0
}

// matterSlugs lists the matters of a bundle root: the folders of matters/ that hold matter.json.
func matterSlugs(root string) []string {
	var slugs []string
	entries, _ := os.ReadDir(filepath.Join(root, definitions.MattersDir))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, definitions.MattersDir, e.Name(), definitions.MatterFile)); e.IsDir() && err == nil {
			slugs = append(slugs, e.Name())
		}
	}
	return slugs
}
