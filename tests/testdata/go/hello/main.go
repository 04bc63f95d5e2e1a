// hello: the smallest Go program; its profile is the Go runtime's own needs.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
