// Command tongban is the one binary of the platform: it serves the runtime (serve), checks,
// formats, imports and exports definitions, moves the catalog to and from Excel, prints, and
// runs the load tool. It only parses flags and prints; the program itself is built by the
// composition root, cmd/tongban/app.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// command is one subcommand. run returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, cli *CLI, args []string) int
}

var commands = map[string]command{}

// CLI carries what every command writes to, so that tests can drive the real program.
type CLI struct {
	Stdout io.Writer
	Stderr io.Writer
	// Dir is the working directory paths are shown relative to.
	Dir string
	// Now is the clock (nil: the system's); tests set it.
	Now func() time.Time
}

func (cli *CLI) now() time.Time {
	if cli.Now == nil {
		return time.Now()
	}
	return cli.Now()
}

// Run runs one command line (without the program name) and returns the exit code:
// 0 success, 1 the input has problems, 2 the command line is wrong.
func (cli *CLI) Run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		cli.usage(cli.Stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(cli.Stderr, "tongban: 未知的命令 %q\n\n", args[0])
		cli.usage(cli.Stderr)
		return 2
	}
	return cmd.run(ctx, cli, args[1:])
}

// abs resolves a command-line path against the cli's working directory.
func (cli *CLI) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cli.Dir, p)
}

// rel shows a path relative to the working directory when it lies below it.
func (cli *CLI) rel(p string) string {
	if r, err := filepath.Rel(cli.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}

func (cli *CLI) usage(w io.Writer) {
	fmt.Fprintln(w, "tongban — 通办 政务服务低代码表单与流程平台")
	fmt.Fprintln(w, "\n用法: tongban <命令> [参数]\n\n命令:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n各命令的参数: tongban <命令> -h")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, _ := os.Getwd()
	cli := &CLI{Stdout: os.Stdout, Stderr: os.Stderr, Dir: dir}
	code := cli.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
