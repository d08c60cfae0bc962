// Command datashare is the contract server and validator for the Microsoft Graph beta resource
// dataShareOutgoingFlow. Run `datashare --help` for its commands.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(exitCode(run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr), os.Stderr))
}
