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
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/printing/pdf"
)

func init() {
	commands["print"] = command{
		summary: "用示例数据把打印模板排成 PDF 预览：tongban print 事项/print/模板.json --data 数据.json -o 输出.pdf",
		run:     runPrint,
	}
}

func runPrint(_ context.Context, app *App, args []string) int {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	fs.SetOutput(app.Stderr)
	data := fs.String("data", "", "申请数据 JSON 文件（如事项的 sample.json），模板中的 form")
	out := fs.String("o", "", "输出的 PDF 文件")
	mode := fs.String("mode", "", "打印方式：electronic（电子证照）或 overprint（套打）；默认按模板")
	offsetX := fs.Float64("offset-x", 0, "套打时整体右移的毫米数（打印机校准，可为负）")
	offsetY := fs.Float64("offset-y", 0, "套打时整体下移的毫米数（打印机校准，可为负）")
	fs.Usage = func() {
		fmt.Fprintln(app.Stderr, "用法: tongban print TEMPLATE.json --data DATA.json -o OUT.pdf [--mode overprint --offset-x 毫米 --offset-y 毫米]")
		fmt.Fprintln(app.Stderr, "  TEMPLATE.json 是事项目录下的 print/<名称>.json；证照编号、发证日期等用示例值（示例-0001、今天、有效期五年）")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil || len(pos) != 1 || *data == "" || *out == "" {
		fs.Usage()
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(app.Stderr, "tongban print: "+format+"\n", args...)
		return 1
	}

	tmplPath := app.abs(pos[0])
	printDir := filepath.Dir(tmplPath)
	if filepath.Base(printDir) != definitions.PrintDir || filepath.Ext(tmplPath) != ".json" {
		return fail("%s 不是打印模板：模板应为事项目录下的 %s/<名称>.json", pos[0], definitions.PrintDir)
	}
	if _, err := os.Stat(tmplPath); err != nil {
		return fail("找不到模板 %s", pos[0])
	}
	matterDir := filepath.Dir(printDir)
	if _, err := os.Stat(filepath.Join(matterDir, definitions.MatterFile)); err != nil {
		return fail("%s 不在事项目录中（%s 旁没有 %s）", pos[0], definitions.PrintDir, definitions.MatterFile)
	}
	sels, err := app.selectBundles([]string{matterDir})
	if err != nil {
		return fail("%v", err)
	}
	plan, problems := app.loadSelection(sels[0])
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(app.Stderr, p.String())
		}
		return fail("事项定义有 %d 个问题，先用 tongban validate 修正", len(problems))
	}
	mp := plan.Matters()[0]
	name := strings.TrimSuffix(filepath.Base(tmplPath), ".json")
	cp := mp.Prints[name]
	if cp == nil {
		return fail("事项 %s 没有模板 %s", mp.Def.Slug, name)
	}

	raw, err := os.ReadFile(app.abs(*data))
	if err != nil {
		return fail("无法读取数据文件：%v", err)
	}
	var form any
	if err := json.Unmarshal(raw, &form); err != nil {
		return fail("%s 不是有效的 JSON：%v", *data, err)
	}
	for _, e := range mp.Form.ValidateJSON(raw) {
		fmt.Fprintf(app.Stderr, "提示：%s:%s: %s（数据不符合表单，仍按原样排版）\n", *data, e.Pointer, e.Message)
	}
	vars, err := pdf.PreviewVars(mp, form, time.Now())
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
			fmt.Fprintf(app.Stderr, "%s:%s: %s\n", app.rel(tmplPath), perr.Pointer, perr.Message)
			return fail("无法排版，见上")
		}
		return fail("%v", err)
	}
	outPath := app.abs(*out)
	if err := writeFileAtomic(outPath, buf.Bytes(), 0o644); err != nil {
		return fail("无法写入 %s：%v", *out, err)
	}
	fmt.Fprintln(app.Stdout, app.rel(outPath))
	return 0
}
