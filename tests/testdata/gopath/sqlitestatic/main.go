// sqlitestatic: a real cgo library (github.com/mattn/go-sqlite3, from
// Debian's golang-github-mattn-go-sqlite3-dev, built in GOPATH mode) linked
// statically: creates a database file, writes and reads back rows.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	dir := os.TempDir()
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	path := filepath.Join(dir, "sqlitestatic.db")
	os.Remove(path)
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		fail(err)
	}
	defer db.Close()
	for _, q := range []string{
		"create table t (id integer primary key, name text)",
		"insert into t (name) values ('a'), ('b'), ('c')",
	} {
		if _, err := db.Exec(q); err != nil {
			fail(err)
		}
	}
	var n int
	if err := db.QueryRow("select count(*) from t").Scan(&n); err != nil {
		fail(err)
	}
	fmt.Println("sqlitestatic rows", n)
	if n != 3 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sqlitestatic:", err)
	os.Exit(1)
}
