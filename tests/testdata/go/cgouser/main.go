// cgouser: os/user with cgo (getpwuid_r from glibc, which reads
// /etc/passwd through NSS).
package main

import (
	"fmt"
	"os"
	"os/user"
)

func main() {
	u, err := user.Current()
	if err != nil {
		fmt.Fprintln(os.Stderr, "user:", err)
		os.Exit(1)
	}
	fmt.Println("user", u.Username != "", u.HomeDir != "")
}
