// Command vecfit clusters and regresses data files with the vecfit package:
// k-means (vecfit kmeans), ridge regression (vecfit ridge), a benchmark of
// the nearest-centroid kernels (vecfit bench) and a report of the CPU
// features and kernel dispatch (vecfit cpu).
//
// Without a file, kmeans clusters the handwritten digits data set and ridge
// fits the diabetes data set, both embedded in the binary. Run
// "vecfit COMMAND -h" for the flags of each command and an example.
//
// Results go to standard output; progress and summaries go to standard
// error. Any error prints one line to standard error and exits with status
// 2, an interrupt with status 130. An interrupt stops k-means at its next
// iteration, bench after its current search and ridge after its fit,
// before any output file is written. A second interrupt ends vecfit at
// once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

func main() {
	// An interrupt cancels the context, so that k-means stops at its next
	// iteration, bench after its current search, ridge after its fit, and
	// no output file is written. A second interrupt ends the process at
	// once, as if none had been caught.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(runContext(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is the context and the standard streams of one run.
type env struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand of vecfit.
type command struct {
	name     string
	synopsis string // the arguments after the command name
	summary  string // one line for the list of commands
	example  string // one example invocation with a comment, shown by -h
	flags    func(fs *flag.FlagSet) func(e *env, args []string) error
}

var commands = []*command{kmeansCommand, ridgeCommand, benchCommand, cpuCommand}

// Exit statuses. 130 is what shells report for a process ended by SIGINT.
const (
	exitOK          = 0
	exitError       = 2
	exitInterrupted = 130
)

// run runs vecfit with the arguments after the program name and returns the
// exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context whose cancellation interrupts the
// command.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "vecfit: missing command; commands are kmeans, ridge, bench and cpu (see vecfit -h)")
		return exitError
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		printMainUsage(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "vecfit: unknown command %q; commands are kmeans, ridge, bench and cpu (see vecfit -h)\n", name)
	return exitError
}

func printMainUsage(w io.Writer) {
	fmt.Fprint(w, "vecfit clusters and regresses data files on SIMD kernels.\n\nUsage:\n\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  vecfit %s %s\n        %s\n", c.name, c.synopsis, c.summary)
	}
	fmt.Fprint(w, "\nFILE is CSV (header row detected), TSV, NumPy .npy (1-D or 2-D float32\n"+
		"or float64) or .fvecs, chosen by extension or -format; - reads standard\n"+
		"input. Without FILE, kmeans uses the embedded digits data and ridge the\n"+
		"embedded diabetes data. Run vecfit COMMAND -h for flags and an example.\n")
}

// run parses the command's flags and runs it. Flags may follow FILE.
func (c *command) run(e *env, args []string) int {
	fs := flag.NewFlagSet("vecfit "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	body := c.flags(fs)

	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printUsage(e.stdout, fs)
			return exitOK
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "vecfit %s: %v (see vecfit %s -h)\n", c.name, err, c.name)
			return exitError
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}

	if err := body(e, positional); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(e.stderr, "vecfit %s: interrupted\n", c.name)
			return exitInterrupted
		}
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		fmt.Fprintf(e.stderr, "vecfit %s: %s\n", c.name, msg)
		return exitError
	}
	return exitOK
}

func (c *command) printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: vecfit %s %s\n\n%s\n\nExample:\n\n%s\n\nFlags:\n", c.name, c.synopsis, c.summary, c.example)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// flagSet reports whether the flag called name was given on the command
// line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// oneFile returns the single FILE argument, or "" when there is none.
func oneFile(args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", nil
	case 1:
		return args[0], nil
	}
	return "", fmt.Errorf("too many arguments %q, want at most one FILE", args)
}
