// cgonet: name resolution through glibc (cgo resolver: getaddrinfo from
// libc.so.6), then a TCP connection to 127.0.0.1. Built with CGO_ENABLED=1
// and -tags netcgo so the cgo resolver is always used.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	addrs, err := net.LookupHost("localhost")
	if err != nil {
		fmt.Fprintln(os.Stderr, "lookup:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	buf := make([]byte, 2)
	n, _ := c.Read(buf)
	fmt.Println("resolved", len(addrs) > 0, string(buf[:n]))
}
