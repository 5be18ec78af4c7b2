package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/xuchang-gov/tongban/definitions"
	"github.com/xuchang-gov/tongban/definitions/cn"
	"github.com/xuchang-gov/tongban/runtime"
	"github.com/xuchang-gov/tongban/runtime/service"
)

func init() {
	commands["import"] = command{summary: "把事项目录导入数据库，发布为新版本（--draft 存为草稿）", run: runImport}
	commands["export"] = command{summary: "把每个事项的最新发布版本导出为定义目录（与 tongban fmt 的输出逐字节相同）", run: runExport}
	commands["user"] = command{summary: "用户管理：tongban user add … 创建用户并打印其访问令牌", run: runUser}
	commands["audit"] = command{summary: "审计：tongban audit verify 校验办件全程留痕的哈希链，audit checkpoint 签记检查点", run: runAudit}
}

func runImport(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	draft := fs.Bool("draft", false, "存为草稿版本，不发布")
	fs.Usage = func() {
		fmt.Fprintln(cli.Stderr, "用法: tongban import [-draft] [-data DIR | -db DSN] PATH...\n  PATH 是事项目录、事项目录的上级目录或定义包根目录")
		fs.PrintDefaults()
	}
	paths, err := parseInterspersed(fs, args)
	if err != nil || len(paths) == 0 {
		fs.Usage()
		return 2
	}
	sels, err := cli.selectBundles(paths)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban import:", err)
		return 1
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban import:", err)
		return 1
	}
	defer a.Close()
	before := a.Service.Orgs()
	for _, sel := range sels {
		results, problems, err := a.Service.Import(ctx, os.DirFS(sel.root), !*draft, sel.matterDirs...)
		for _, p := range problems {
			p.File = cli.rel(sel.root + "/" + p.File)
			fmt.Fprintln(cli.Stdout, p.String())
		}
		if len(problems) > 0 {
			fmt.Fprintln(cli.Stderr, "有问题，未导入任何事项")
			return 1
		}
		if err != nil {
			fmt.Fprintln(cli.Stderr, "tongban import:", err)
			return 1
		}
		for _, r := range results {
			if r.Theme {
				r.Slug = "一件事 " + r.Slug
			}
			switch {
			case r.Unchanged:
				fmt.Fprintf(cli.Stdout, "%s 第 %d 版：内容未变，未生成新版本\n", r.Slug, r.Version)
			case *draft:
				fmt.Fprintf(cli.Stdout, "%s 草稿第 %d 版（%s）\n", r.Slug, r.Version, r.Hash[:12])
			default:
				fmt.Fprintf(cli.Stdout, "%s 已发布第 %d 版（%s）\n", r.Slug, r.Version, r.Hash[:12])
			}
		}
	}
	if added, removed := orgChanges(before, a.Service.Orgs()); len(before) > 0 && len(added)+len(removed) > 0 {
		fmt.Fprintf(cli.Stdout, "机构树已替换为导入的 %s：新增 %s；删除 %s\n", definitions.OrgsFile, codeList(added), codeList(removed))
	}
	return 0
}

// orgChanges lists the codes of the orgs after has that before had not, and those it lost.
func orgChanges(before, after []definitions.OrgUnit) (added, removed []string) {
	codes := func(orgs []definitions.OrgUnit) []string {
		var out []string
		for _, o := range orgs {
			out = append(out, o.Code)
		}
		return out
	}
	was, is := codes(before), codes(after)
	for _, c := range is {
		if !slices.Contains(was, c) {
			added = append(added, c)
		}
	}
	for _, c := range was {
		if !slices.Contains(is, c) {
			removed = append(removed, c)
		}
	}
	return added, removed
}

// codeList joins codes for a message, 无 when there are none.
func codeList(codes []string) string {
	if len(codes) == 0 {
		return "无"
	}
	return strings.Join(codes, "、")
}

func runExport(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	out := fs.String("o", "", "导出到的目录")
	if _, err := parseInterspersed(fs, args); err != nil || *out == "" {
		fmt.Fprintln(cli.Stderr, "用法: tongban export -o DIR [-data DIR | -db DSN]")
		return 2
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban export:", err)
		return 1
	}
	defer a.Close()
	n, err := a.Service.Export(ctx, cli.abs(*out))
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban export:", err)
		return 1
	}
	fmt.Fprintf(cli.Stdout, "已导出 %d 个事项到 %s\n", n, *out)
	return 0
}

func runUser(ctx context.Context, cli *CLI, args []string) int {
	if len(args) > 0 && args[0] == "passwd" {
		return runUserPasswd(ctx, cli, args[1:])
	}
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(cli.Stderr, "用法: tongban user add -name 姓名 -kind person|enterprise|staff [-id-number …] [-uscc …] [-mobile …] [-org 机构编码 -roles clerk,reviewer]")
		return 2
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	var u runtime.User
	var roles string
	fs.StringVar(&u.Name, "name", "", "姓名或单位名称")
	fs.StringVar(&u.Kind, "kind", "person", "person 自然人，enterprise 法人，staff 工作人员")
	fs.StringVar(&u.IDNumber, "id-number", "", "身份证号（自然人）")
	fs.StringVar(&u.USCC, "uscc", "", "统一社会信用代码（法人）")
	fs.StringVar(&u.Mobile, "mobile", "", "手机号码")
	fs.StringVar(&u.OrgCode, "org", "", "所属机构编码（工作人员）")
	fs.StringVar(&roles, "roles", "", "在所属机构的岗位，逗号分隔（工作人员）")
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return 2
	}
	if problem := checkNewUser(&u, roles); problem != "" {
		fmt.Fprintln(cli.Stderr, "tongban user add:", problem)
		return 1
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban user add:", err)
		return 1
	}
	defer a.Close()
	created, err := a.Accounts.CreateUser(ctx, service.NewUser{User: u})
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban user add:", runtime.ErrorMessage(err))
		return 1
	}
	token, err := a.Accounts.CreateToken(ctx, created.ID, "cli")
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban user add:", err)
		return 1
	}
	fmt.Fprintf(cli.Stdout, "已创建用户 %d %s\n访问令牌（只显示这一次）：%s\n", created.ID, created.Name, token)
	return 0
}

// runUserPasswd sets a user's password for the web pages (staff and the first administrator
// have no other way to get one); the password is read from TONGBAN_PASSWORD so that it stays
// out of the shell history and the process list.
func runUserPasswd(ctx context.Context, cli *CLI, args []string) int {
	fs := flag.NewFlagSet("user passwd", flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	id := fs.Int64("id", 0, "用户编号（tongban user add 打印的编号）")
	if _, err := parseInterspersed(fs, args); err != nil || *id <= 0 {
		fmt.Fprintln(cli.Stderr, "用法: TONGBAN_PASSWORD=… tongban user passwd -id 用户编号 [-data DIR | -db DSN]")
		return 2
	}
	password := os.Getenv("TONGBAN_PASSWORD")
	if problem := service.PasswordProblem(password); problem != "" {
		fmt.Fprintln(cli.Stderr, "tongban user passwd: 密码不符合要求：", problem)
		return 1
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, "tongban user passwd:", err)
		return 1
	}
	defer a.Close()
	if err := a.Accounts.SetPassword(ctx, *id, password); err != nil {
		fmt.Fprintln(cli.Stderr, "tongban user passwd:", runtime.ErrorMessage(err))
		return 1
	}
	fmt.Fprintf(cli.Stdout, "已设置用户 %d 的登录密码\n", *id)
	return 0
}

// checkNewUser checks the command-line fields of a new user and fills in its roles.
func checkNewUser(u *runtime.User, roles string) string {
	switch {
	case u.Name == "":
		return "请用 -name 给出姓名"
	case u.Kind == "person" && !cn.ValidIDNumber(u.IDNumber):
		return "自然人需要有效的 -id-number 身份证号"
	case u.Kind == "enterprise" && !cn.ValidUSCC(u.USCC):
		return "法人需要有效的 -uscc 统一社会信用代码"
	case u.Kind == "staff" && (u.OrgCode == "" || roles == ""):
		return "工作人员需要 -org 机构编码和 -roles 岗位"
	case u.Kind != "person" && u.Kind != "enterprise" && u.Kind != "staff":
		return "-kind 只能是 person、enterprise 或 staff"
	case u.Mobile != "" && !cn.ValidMobile(u.Mobile):
		return "-mobile 不是有效的手机号码"
	}
	if u.Kind == "staff" {
		for _, r := range strings.Split(roles, ",") {
			u.OrgRoles = append(u.OrgRoles, strings.TrimSpace(r))
		}
		u.Roles = []runtime.Role{runtime.RoleApprover}
	} else {
		u.Roles = []runtime.Role{runtime.RoleApplicant}
	}
	return ""
}

func runAudit(ctx context.Context, cli *CLI, args []string) int {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		fmt.Fprintln(cli.Stderr, "用法: tongban audit verify [-case 办件编号] [-data DIR | -db DSN]\n      tongban audit checkpoint [-data DIR | -db DSN]")
		return 2
	}
	name := "tongban audit " + args[0]
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(cli.Stderr)
	var sf storeFlags
	sf.register(fs)
	number := new(string)
	if args[0] == "verify" {
		number = fs.String("case", "", "只校验这一件（默认全部）")
	}
	if _, err := parseInterspersed(fs, args[1:]); err != nil {
		return 2
	}
	a, err := sf.open(ctx, cli)
	if err != nil {
		fmt.Fprintln(cli.Stderr, name+":", err)
		return 1
	}
	defer a.Close()
	if args[0] == "checkpoint" {
		cp, err := a.Service.Checkpoint(ctx)
		if err != nil {
			fmt.Fprintln(cli.Stderr, name+":", runtime.ErrorMessage(err))
			return 1
		}
		fmt.Fprintf(cli.Stdout, "检查点 #%d：已签记 %d 件办件的留痕\n", cp.ID, len(cp.Heads))
		return 0
	}
	r, err := a.Service.VerifyAudit(ctx, *number)
	if err != nil {
		fmt.Fprintln(cli.Stderr, name+":", runtime.ErrorMessage(err))
		return 1
	}
	for _, b := range r.Broken {
		fmt.Fprintf(cli.Stdout, "%s: %s\n", b.Number, b.Problem)
	}
	if cp := r.Checkpoint; cp != nil {
		fmt.Fprintf(cli.Stdout, "已对照检查点 #%d（%s，%d 件）\n", cp.ID, cp.At.In(runtime.Zone).Format("2006-01-02 15:04:05"), len(cp.Heads))
	} else {
		fmt.Fprintln(cli.Stdout, "还没有可对照的检查点：整件删除的办件查不出（tongban audit checkpoint 可立即签一个）")
	}
	fmt.Fprintf(cli.Stdout, "已校验 %d 件，%d 处有问题\n", r.Checked, len(r.Broken))
	if len(r.Broken) > 0 {
		return 1
	}
	return 0
}
